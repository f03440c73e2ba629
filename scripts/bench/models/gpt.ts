// The benchmark's GPT-style decoder (pre-norm blocks, causal attention written out with matmul/softmax so
// PyTorch 1.13 and its ONNX export run the same ops, exact GELU, tied output head). torch_bench.py holds
// the same definition; parameter names match, so PyTorch's weights load unchanged.
import { nn, torch } from '../../../src/engine';
import type { Tensor } from '../../../src/engine/tensor';

export interface GPTConfig { vocab: number; block: number; layers: number; heads: number; width: number }
export const GPT_BENCH: GPTConfig = { vocab: 8192, block: 128, layers: 6, heads: 6, width: 384 };

class Attention extends nn.Module {
  declare qkv: nn.Linear; declare proj: nn.Linear; declare heads: number;
  constructor(c: GPTConfig) {
    super();
    this.qkv = new nn.Linear(c.width, 3 * c.width);
    this.proj = new nn.Linear(c.width, c.width);
    this.heads = c.heads;
    this.register_buffer('mask', torch.tril(torch.ones([c.block, c.block], { dtype: 'bool' })), { persistent: false });
  }
  override forward(x: Tensor): Tensor {
    const [B, T, C] = x.shape;
    const hd = C / this.heads;
    const split = (t: Tensor) => t.view(B, T, this.heads, hd).transpose(1, 2);
    const [q, k, v] = this.qkv.call(x).split(C, 2).map(split);
    let att = torch.matmul(q, k.transpose(-2, -1)).mul(1 / Math.sqrt(hd));
    const mask = (this.get_buffer('mask') as Tensor).narrow(0, 0, T).narrow(1, 0, T);
    att = nn.functional.softmax(att.masked_fill(mask.logical_not(), -Infinity), -1);
    const y = torch.matmul(att, v).transpose(1, 2).contiguous().view(B, T, C);
    return this.proj.call(y);
  }
}

class Block extends nn.Module {
  declare ln_1: nn.LayerNorm; declare attn: Attention; declare ln_2: nn.LayerNorm;
  declare fc: nn.Linear; declare act: nn.GELU; declare fc_out: nn.Linear;
  constructor(c: GPTConfig) {
    super();
    this.ln_1 = new nn.LayerNorm(c.width);
    this.attn = new Attention(c);
    this.ln_2 = new nn.LayerNorm(c.width);
    this.fc = new nn.Linear(c.width, 4 * c.width);
    this.act = new nn.GELU();
    this.fc_out = new nn.Linear(4 * c.width, c.width);
  }
  override forward(x: Tensor): Tensor {
    x = x.add(this.attn.call(this.ln_1.call(x)));
    return x.add(this.fc_out.call(this.act.call(this.fc.call(this.ln_2.call(x)))));
  }
}

export class GPT extends nn.Module {
  declare wte: nn.Embedding; declare wpe: nn.Embedding; declare h: nn.ModuleList; declare ln_f: nn.LayerNorm; declare lm_head: nn.Linear;
  constructor(c: GPTConfig = GPT_BENCH) {
    super();
    this.wte = new nn.Embedding(c.vocab, c.width);
    this.wpe = new nn.Embedding(c.block, c.width);
    this.h = new nn.ModuleList(Array.from({ length: c.layers }, () => new Block(c)));
    this.ln_f = new nn.LayerNorm(c.width);
    this.lm_head = new nn.Linear(c.width, c.vocab, { bias: false });
    this.lm_head.weight = this.wte.weight;
    for (const m of this.modules()) {
      if (m instanceof nn.Linear || m instanceof nn.Embedding) nn.init.normal_(m.weight, { mean: 0, std: 0.02 });
      if (m instanceof nn.Linear && m.bias !== null) nn.init.zeros_(m.bias);
    }
  }
  override forward(idx: Tensor): Tensor {
    const pos = torch.arange(0, idx.shape[1], { dtype: 'int64' });
    let x = this.wte.call(idx).add(this.wpe.call(pos));
    for (const block of this.h) x = block.call(x);
    return this.lm_head.call(this.ln_f.call(x));
  }
}
