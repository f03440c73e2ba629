// TS mirror of scripts/goldens/models/transformer_decoder.py.
import { nn } from '../../../src/engine';

export function build(): nn.Module {
  const layer = new nn.TransformerDecoderLayer({ d_model: 16, nhead: 4, dim_feedforward: 32, batch_first: true });
  return new nn.TransformerDecoder(layer, { num_layers: 2, norm: new nn.LayerNorm(16) });
}
