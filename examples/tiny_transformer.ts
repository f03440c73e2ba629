// A tiny causal language model from library blocks: Embedding, TransformerEncoder with a causal mask,
// a LayerNorm and an output head tied to the token embedding.
import { nn, torch } from '../src/engine';
import type { Tensor } from '../src/engine/tensor';

export class TinyTransformerLM extends nn.Module {
  declare tok: nn.Embedding;
  declare pos: nn.Embedding;
  declare encoder: nn.TransformerEncoder;
  declare norm: nn.LayerNorm;
  declare lm_head: nn.Linear;

  constructor(vocab = 100, d_model = 32, nhead = 4, num_layers = 2, max_len = 16) {
    super();
    this.tok = new nn.Embedding(vocab, d_model);
    this.pos = new nn.Embedding(max_len, d_model);
    const layer = new nn.TransformerEncoderLayer(d_model, nhead, { dim_feedforward: 4 * d_model, batch_first: true, norm_first: true, activation: 'gelu' });
    this.encoder = new nn.TransformerEncoder(layer, num_layers);
    this.norm = new nn.LayerNorm(d_model);
    this.lm_head = new nn.Linear(d_model, vocab, { bias: false });
    this.lm_head.weight = this.tok.weight; // weight tying: one Parameter under two names
  }

  override forward(tokens: Tensor): Tensor {
    const t = tokens.shape[1];
    const x = this.tok.call(tokens).add(this.pos.call(torch.arange(t)));
    const h = this.encoder.call(x, { mask: nn.generate_square_subsequent_mask(t), is_causal: true });
    return this.lm_head.call(this.norm.call(h));
  }
}

export function tiny_transformer(): TinyTransformerLM {
  return new TinyTransformerLM();
}

export function example_input(): Tensor {
  torch.manual_seed(0);
  return torch.randint(0, 100, [2, 12]);
}
