// TS mirror of scripts/goldens/models/transformer_encoder.py.
import { nn } from '../../../src/engine';

export function build(): nn.Module {
  const layer = new nn.TransformerEncoderLayer({ d_model: 16, nhead: 4, dim_feedforward: 32, batch_first: true });
  return new nn.TransformerEncoder(layer, { num_layers: 3 });
}
