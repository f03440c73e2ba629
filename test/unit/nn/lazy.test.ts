// Lazy parameters at LLaMA-7B size: the definition (6.74 B parameters, ~27 GB of float32) builds in well
// under 2 s with almost nothing allocated, its structure is fully inspectable, and a weight read later
// holds exactly the values an eager fill at construction time would have written.
import * as assert from 'node:assert/strict';
import { nn, torch } from '../../../src/engine';
import { defaultGenerator } from '../../../src/engine/random';
import { getAllocatedBytes } from '../../../src/engine/storage';
import { LLAMA_7B, LlamaDecoderLayer, LlamaForCausalLM } from '../../support/llama';

describe('lazy parameters: a LLaMA-7B-sized definition', function () {
  this.timeout(60000);

  it('builds in well under 2 s with almost nothing allocated', () => {
    const before = getAllocatedBytes();
    torch.manual_seed(0);
    const t0 = performance.now();
    const m = new LlamaForCausalLM(LLAMA_7B);
    const ms = performance.now() - t0;
    const params = [...m.parameters()];
    const total = params.reduce((s, p) => s + p.numel(), 0);
    assert.equal(total, 6_738_415_616);
    assert.equal(params.length, 32 * 9 + 3);
    assert.equal(m.state_dict().size, 291);
    assert.ok(String(m).includes('(0-31): 32 x LlamaDecoderLayer('));
    assert.ok(ms < 2000, `built in ${ms.toFixed(0)} ms`);
    assert.ok(getAllocatedBytes() - before < 1 << 20, `allocated ${getAllocatedBytes() - before} bytes`);
    assert.ok(params.every((p) => !p.storage.isMaterialized));
  });

  it('a weight read later equals an eager fill at the same point of the random stream', () => {
    torch.manual_seed(0);
    const m = new LlamaForCausalLM(LLAMA_7B);
    const target = 'model.layers.31.self_attn.o_proj.weight';
    // the eager twin: consume the stream exactly as the construction did up to the target, then fill eagerly
    torch.manual_seed(0);
    for (const [name, p] of m.named_parameters()) {
      if (name === target) break;
      if (!name.endsWith('layernorm.weight') && name !== 'model.norm.weight') defaultGenerator.reserve(p.numel());
    }
    nn.init.setLazyInit(false);
    let twin: nn.Linear;
    try { twin = new nn.Linear(4096, 4096, { bias: false }); } finally { nn.init.setLazyInit(true); }
    const lazyWeight = m.get_parameter(target);
    assert.equal(lazyWeight.storage.isMaterialized, false);
    const a = lazyWeight.toArray(), b = twin.weight.toArray();
    assert.equal(a.length, 4096 * 4096);
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) assert.fail(`element ${i}: ${a[i]} vs ${b[i]}`);
    const bound = 1 / 64;
    assert.ok(Math.abs(a[0]) <= bound && Math.abs(a[a.length - 1]) <= bound);
  });

  it('a small LLaMA computes a forward after a lazy build (MLP block)', () => {
    torch.manual_seed(0);
    const small = new LlamaForCausalLM({ vocab: 50, dim: 16, hidden: 40, layers: 2 });
    const mlp = small.model.layers.get(1) as LlamaDecoderLayer;
    const y = mlp.mlp.call(torch.randn(3, 16));
    assert.deepEqual(y.shape, [3, 16]);
  });
});
