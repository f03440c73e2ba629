// A LLaMA-7B-sized definition (32 layers, width 4096, MLP 11008, vocab 32000; 6,738,415,616 parameters),
// laid out like Hugging Face's LlamaForCausalLM. Shared by the lazy-parameter tests and the tree benchmark
// (scripts/bench/tree.ts), which time its construction and its tree; only the MLP block has a forward.
import { nn } from '../../src/engine';
import type { Tensor } from '../../src/engine/tensor';

export interface LlamaConfig { vocab: number; dim: number; hidden: number; layers: number }
export const LLAMA_7B: LlamaConfig = { vocab: 32000, dim: 4096, hidden: 11008, layers: 32 };
export const LLAMA_7B_PARAMS = 6_738_415_616;

class LlamaAttention extends nn.Module {
  declare q_proj: nn.Linear; declare k_proj: nn.Linear; declare v_proj: nn.Linear; declare o_proj: nn.Linear;
  constructor(c: LlamaConfig) {
    super();
    this.q_proj = new nn.Linear(c.dim, c.dim, { bias: false });
    this.k_proj = new nn.Linear(c.dim, c.dim, { bias: false });
    this.v_proj = new nn.Linear(c.dim, c.dim, { bias: false });
    this.o_proj = new nn.Linear(c.dim, c.dim, { bias: false });
  }
}

class LlamaMLP extends nn.Module {
  declare gate_proj: nn.Linear; declare up_proj: nn.Linear; declare down_proj: nn.Linear; declare act_fn: nn.SiLU;
  constructor(c: LlamaConfig) {
    super();
    this.gate_proj = new nn.Linear(c.dim, c.hidden, { bias: false });
    this.up_proj = new nn.Linear(c.dim, c.hidden, { bias: false });
    this.down_proj = new nn.Linear(c.hidden, c.dim, { bias: false });
    this.act_fn = new nn.SiLU();
  }
  override forward(x: Tensor): Tensor {
    return this.down_proj.call(this.act_fn.call(this.gate_proj.call(x)).mul(this.up_proj.call(x)));
  }
}

export class LlamaDecoderLayer extends nn.Module {
  declare self_attn: LlamaAttention; declare mlp: LlamaMLP; declare input_layernorm: nn.RMSNorm; declare post_attention_layernorm: nn.RMSNorm;
  constructor(c: LlamaConfig) {
    super();
    this.self_attn = new LlamaAttention(c);
    this.mlp = new LlamaMLP(c);
    this.input_layernorm = new nn.RMSNorm(c.dim, { eps: 1e-6 });
    this.post_attention_layernorm = new nn.RMSNorm(c.dim, { eps: 1e-6 });
  }
}

class LlamaModel extends nn.Module {
  declare embed_tokens: nn.Embedding; declare layers: nn.ModuleList; declare norm: nn.RMSNorm;
  constructor(c: LlamaConfig) {
    super();
    this.embed_tokens = new nn.Embedding(c.vocab, c.dim);
    this.layers = new nn.ModuleList(Array.from({ length: c.layers }, () => new LlamaDecoderLayer(c)));
    this.norm = new nn.RMSNorm(c.dim, { eps: 1e-6 });
  }
}

export class LlamaForCausalLM extends nn.Module {
  declare model: LlamaModel; declare lm_head: nn.Linear;
  constructor(c: LlamaConfig = LLAMA_7B) {
    super();
    this.model = new LlamaModel(c);
    this.lm_head = new nn.Linear(c.dim, c.vocab, { bias: false });
  }
}
