// TS mirror of scripts/goldens/models/gpt_small.py: a tiny GPT with a tied output head.
import { nn, torch } from '../../../src/engine';
import { PyFloat } from '../../../src/engine/dtype';
import type { Tensor } from '../../../src/engine/tensor';

const F = nn.functional;

export interface GPTConfig { block_size: number; vocab_size: number; n_layer: number; n_head: number; n_embd: number; dropout: PyFloat; bias: boolean }
// dropout is the Python float 0.0, so the Dropout modules print p=0.0
export const defaultConfig = (): GPTConfig => ({ block_size: 8, vocab_size: 24, n_layer: 2, n_head: 2, n_embd: 16, dropout: new PyFloat(0), bias: true });

export class CausalSelfAttention extends nn.Module {
  declare qkv: nn.Linear; declare proj: nn.Linear; declare resid_drop: nn.Dropout;
  declare n_head: number; declare dropout: number;

  constructor(cfg: GPTConfig) {
    super();
    if (cfg.n_embd % cfg.n_head !== 0) throw new Error('AssertionError');
    this.qkv = new nn.Linear(cfg.n_embd, 3 * cfg.n_embd, { bias: cfg.bias });
    this.proj = new nn.Linear(cfg.n_embd, cfg.n_embd, { bias: cfg.bias });
    this.resid_drop = new nn.Dropout(cfg.dropout);
    this.n_head = cfg.n_head;
    this.dropout = cfg.dropout.value;
  }

  override forward(x: Tensor): Tensor {
    const [B, T, C] = x.shape;
    const heads = (t: Tensor) => t.view(B, T, this.n_head, C / this.n_head).transpose(1, 2);
    const [q, k, v] = this.qkv.call(x).split(C, 2).map(heads);
    let y = F.scaled_dot_product_attention(q, k, v, { attn_mask: null, dropout_p: this.training ? this.dropout : 0.0, is_causal: true });
    y = y.transpose(1, 2).contiguous().view(B, T, C);
    return this.resid_drop.call(this.proj.call(y));
  }
}

export class MLP extends nn.Module {
  declare fc: nn.Linear; declare act: nn.GELU; declare proj: nn.Linear; declare drop: nn.Dropout;
  constructor(cfg: GPTConfig) {
    super();
    this.fc = new nn.Linear(cfg.n_embd, 4 * cfg.n_embd, { bias: cfg.bias });
    this.act = new nn.GELU();
    this.proj = new nn.Linear(4 * cfg.n_embd, cfg.n_embd, { bias: cfg.bias });
    this.drop = new nn.Dropout(cfg.dropout);
  }
  override forward(x: Tensor): Tensor { return this.drop.call(this.proj.call(this.act.call(this.fc.call(x)))); }
}

export class Block extends nn.Module {
  declare ln_1: nn.LayerNorm; declare attn: CausalSelfAttention; declare ln_2: nn.LayerNorm; declare mlp: MLP;
  constructor(cfg: GPTConfig) {
    super();
    this.ln_1 = new nn.LayerNorm(cfg.n_embd);
    this.attn = new CausalSelfAttention(cfg);
    this.ln_2 = new nn.LayerNorm(cfg.n_embd);
    this.mlp = new MLP(cfg);
  }
  override forward(x: Tensor): Tensor {
    x = x.add(this.attn.call(this.ln_1.call(x)));
    return x.add(this.mlp.call(this.ln_2.call(x)));
  }
}

type Transformer = nn.ModuleDict & { wte: nn.Embedding; wpe: nn.Embedding; drop: nn.Dropout; h: nn.ModuleList; ln_f: nn.LayerNorm };

export class GPT extends nn.Module {
  declare cfg: GPTConfig; declare transformer: Transformer; declare lm_head: nn.Linear;

  constructor(cfg: GPTConfig) {
    super();
    this.cfg = cfg;
    this.transformer = new nn.ModuleDict({
      wte: new nn.Embedding(cfg.vocab_size, cfg.n_embd),
      wpe: new nn.Embedding(cfg.block_size, cfg.n_embd),
      drop: new nn.Dropout(cfg.dropout),
      h: new nn.ModuleList(Array.from({ length: cfg.n_layer }, () => new Block(cfg))),
      ln_f: new nn.LayerNorm(cfg.n_embd),
    }) as Transformer;
    this.lm_head = new nn.Linear(cfg.n_embd, cfg.vocab_size, { bias: false });
    this.lm_head.weight = this.transformer.wte.weight; // weight tying
    this.apply((m) => this._init_weights(m));
    for (const [name, p] of this.named_parameters())
      if (name.endsWith('proj.weight')) nn.init.normal_(p, { mean: 0.0, std: 0.02 / Math.sqrt(2 * cfg.n_layer) });
  }

  _init_weights(module: nn.Module): void {
    if (module instanceof nn.Linear || module instanceof nn.Embedding) nn.init.normal_(module.weight, { mean: 0.0, std: 0.02 });
    if (module instanceof nn.Linear && module.bias !== null) nn.init.zeros_(module.bias);
  }

  override forward(idx: Tensor): Tensor {
    const t = idx.shape[1];
    const pos = torch.arange(0, t, { dtype: torch.long });
    let x = this.transformer.drop.call(this.transformer.wte.call(idx).add(this.transformer.wpe.call(pos)));
    for (const block of this.transformer.h) x = block.call(x);
    return this.lm_head.call(this.transformer.ln_f.call(x));
  }
}

export const build = (): nn.Module => new GPT(defaultConfig());
