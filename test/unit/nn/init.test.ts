// torch.nn.init and every layer's default initialisation: exact gains and fans, value ranges and
// statistics, PyTorch's errors, and lazy filling (reserved at call time, equal to an eager fill).
import * as assert from 'node:assert/strict';
import { nn, torch } from '../../../src/engine';
import { Tensor } from '../../../src/engine/tensor';

const init = nn.init;
const values = (t: Tensor) => Array.from(t.toArray());
const stats = (t: Tensor) => {
  const v = values(t);
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  const std = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / (v.length - 1));
  return { mean, std, min: v.reduce((a, b) => Math.min(a, b)), max: v.reduce((a, b) => Math.max(a, b)) };
};
const lazy = (shape: number[]) => torch.Tensor.lazy(shape, 'float32', () => {});

describe('nn.init: gains and fans', () => {
  it('calculate_gain gives PyTorch\'s exact values', () => {
    for (const f of ['linear', 'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d', 'sigmoid'])
      assert.equal(init.calculate_gain(f), 1);
    assert.equal(init.calculate_gain('tanh'), 5.0 / 3);
    assert.equal(init.calculate_gain('relu'), Math.SQRT2);
    assert.equal(init.calculate_gain('leaky_relu'), Math.sqrt(2 / (1 + 0.01 ** 2)));
    assert.equal(init.calculate_gain('leaky_relu', 0.2), Math.sqrt(2 / 1.04));
    assert.equal(init.calculate_gain('leaky_relu', Math.sqrt(5)), Math.sqrt(2 / 6));
    assert.equal(init.calculate_gain('selu'), 0.75);
    assert.throws(() => init.calculate_gain('swish'), { name: 'ValueError', message: 'Unsupported nonlinearity swish' });
    assert.throws(() => init.calculate_gain('leaky_relu', true), { name: 'ValueError', message: 'negative_slope True not a valid number' });
  });

  it('fan in/out use the receptive field; fewer than 2 dims is an error', () => {
    assert.deepEqual(init._calculate_fan_in_and_fan_out(lazy([16, 3, 5, 5])), [75, 400]);
    assert.deepEqual(init._calculate_fan_in_and_fan_out(lazy([7, 4])), [4, 7]);
    assert.throws(() => init._calculate_fan_in_and_fan_out(lazy([3])),
      { name: 'ValueError', message: 'Fan in and fan out can not be computed for tensor with fewer than 2 dimensions' });
    assert.throws(() => init.kaiming_uniform_(lazy([3, 3]), { mode: 'fan_avg' }),
      { name: 'ValueError', message: "Mode fan_avg not supported, please use one of ['fan_in', 'fan_out']" });
  });
});

describe('nn.init: value ranges and statistics', () => {
  it('uniform_, normal_, constant_, zeros_, ones_, eye_, dirac_', () => {
    torch.manual_seed(1);
    const u = stats(init.uniform_(torch.zeros(100, 100), -2, 3));
    assert.ok(u.min >= -2 && u.max < 3 && Math.abs(u.mean - 0.5) < 0.05);
    const n = stats(init.normal_(torch.zeros(200, 100), { mean: 1, std: 0.5 }));
    assert.ok(Math.abs(n.mean - 1) < 0.01 && Math.abs(n.std - 0.5) < 0.01);
    assert.deepEqual(values(init.constant_(torch.zeros(3), 0.25)), [0.25, 0.25, 0.25]);
    assert.deepEqual(values(init.ones_(torch.zeros(2))), [1, 1]);
    assert.deepEqual(values(init.zeros_(torch.ones(2))), [0, 0]);
    assert.deepEqual(init.eye_(torch.ones(2, 3)).tolist(), [[1, 0, 0], [0, 1, 0]]);
    const d = init.dirac_(torch.ones(2, 2, 3));
    assert.deepEqual(d.tolist(), [[[0, 1, 0], [0, 0, 0]], [[0, 0, 0], [0, 1, 0]]]);
    assert.throws(() => init.eye_(torch.zeros(2)), { message: 'Only tensors with 2 dimensions are supported' });
  });

  it('kaiming_uniform_ bound is gain * sqrt(3 / fan); kaiming_normal_ std is gain / sqrt(fan)', () => {
    torch.manual_seed(2);
    const w = init.kaiming_uniform_(torch.zeros(256, 64, 3, 3), { nonlinearity: 'relu' });
    const bound = Math.SQRT2 * Math.sqrt(3 / (64 * 9));
    const s = stats(w);
    assert.ok(s.max <= bound && s.min >= -bound && s.max > 0.99 * bound && s.min < -0.99 * bound);
    const k = stats(init.kaiming_normal_(torch.zeros(256, 64, 3, 3), { mode: 'fan_out', nonlinearity: 'relu' }));
    assert.ok(Math.abs(k.std - Math.SQRT2 / Math.sqrt(256 * 9)) / (Math.SQRT2 / Math.sqrt(256 * 9)) < 0.02);
  });

  it('xavier bounds and trunc_normal_ limits', () => {
    torch.manual_seed(3);
    const bound = Math.sqrt(6 / (300 + 200));
    const x = stats(init.xavier_uniform_(torch.zeros(300, 200), { gain: 2 }));
    assert.ok(x.max <= 2 * bound && x.min >= -2 * bound && x.max > 1.98 * bound);
    const xn = stats(init.xavier_normal_(torch.zeros(300, 200)));
    assert.ok(Math.abs(xn.std - Math.sqrt(2 / 500)) < 0.002);
    const t = stats(init.trunc_normal_(torch.zeros(100, 100), { std: 1, a: -0.5, b: 1.5 }));
    assert.ok(t.min >= -0.5 && t.max <= 1.5 && t.min < -0.49 && t.max > 1.49);
    const t2 = stats(init.trunc_normal_(torch.zeros(200, 100), { mean: 0, std: 0.02 }));
    assert.ok(Math.abs(t2.std - 0.02) < 0.001);
  });

  it('orthogonal_ gives orthonormal rows or columns, scaled by gain', () => {
    torch.manual_seed(4);
    for (const [r, c] of [[6, 4], [4, 6], [5, 5]]) {
      const w = init.orthogonal_(torch.zeros(r, c), { gain: 2 });
      const g = r >= c ? w.t().matmul(w) : w.matmul(w.t());
      const n = Math.min(r, c);
      const gv = values(g);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assert.ok(Math.abs(gv[i * n + j] - (i === j ? 4 : 0)) < 1e-5, `${r}x${c} [${i},${j}]`);
    }
    assert.throws(() => init.orthogonal_(torch.zeros(3)), { message: 'Only tensors with 2 or more dimensions are supported' });
  });
});

describe('nn.init: default layer initialisation', () => {
  it('Linear and Conv: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias', () => {
    torch.manual_seed(5);
    const l = new nn.Linear(400, 300);
    for (const t of [l.weight, l.bias!]) {
      const s = stats(t);
      assert.ok(s.max <= 1 / 20 && s.min >= -1 / 20 && s.max > 0.049);
    }
    const c = new nn.Conv2d(8, 16, 3);
    const cs = stats(c.weight), bound = 1 / Math.sqrt(72);
    assert.ok(cs.max <= bound && cs.min >= -bound && cs.max > 0.98 * bound);
  });

  it('Embedding N(0,1) with the padding row zero; norms ones/zeros; BatchNorm buffers', () => {
    torch.manual_seed(6);
    const e = new nn.Embedding(500, 64, { padding_idx: -1 });
    assert.equal(e.padding_idx, 499);
    assert.ok(values(e.weight.select(0, 499)).every((v) => v === 0));
    const s = stats(e.weight.narrow(0, 0, 499));
    assert.ok(Math.abs(s.mean) < 0.02 && Math.abs(s.std - 1) < 0.02);
    const bn = new nn.BatchNorm2d(3);
    assert.deepEqual([values(bn.weight!), values(bn.bias!), values(bn.running_mean!), values(bn.running_var!)],
      [[1, 1, 1], [0, 0, 0], [0, 0, 0], [1, 1, 1]]);
    assert.equal(bn.num_batches_tracked!.item(), 0);
    const ln = new nn.LayerNorm([2, 3]);
    assert.deepEqual(values(ln.weight!), [1, 1, 1, 1, 1, 1]);
  });

  it('LSTM/GRU U(-1/sqrt(hidden), 1/sqrt(hidden)); MHA xavier in_proj and zero biases', () => {
    torch.manual_seed(7);
    const lstm = new nn.LSTM(10, 16);
    for (const p of lstm.parameters()) {
      const s = stats(p);
      assert.ok(s.max <= 0.25 && s.min >= -0.25);
    }
    const mha = new nn.MultiheadAttention(32, 4);
    const bound = Math.sqrt(6 / (32 + 96));
    const s = stats(mha.in_proj_weight!);
    assert.ok(s.max <= bound && s.min >= -bound && s.max > 0.95 * bound);
    assert.ok(values(mha.in_proj_bias!).every((v) => v === 0) && values(mha.out_proj.bias!).every((v) => v === 0));
    const o = stats(mha.out_proj.weight);
    assert.ok(o.max <= 1 / Math.sqrt(32));
  });
});

describe('nn.init: lazy filling', () => {
  it('a fresh layer allocates nothing until read; init on it only replaces the pending fill', () => {
    const l = new nn.Linear(64, 64);
    assert.equal(l.weight.storage.isMaterialized, false);
    init.orthogonal_(l.weight);
    init.zeros_(l.bias!);
    assert.equal(l.weight.storage.isMaterialized, false);
    void l.weight.toArray();
    assert.equal(l.weight.storage.isMaterialized, true);
  });

  it('lazy values equal eager values (reserved at call time, read in any order)', () => {
    const make = () => {
      torch.manual_seed(11);
      const m = new nn.Sequential(new nn.Linear(5, 7), new nn.Embedding(9, 3, { padding_idx: 2 }), new nn.LSTM(3, 4), new nn.Conv2d(2, 3, 3));
      init.trunc_normal_((m.get(0) as nn.Linear).weight, { std: 0.1 });
      init.orthogonal_(m.get_parameter('2.weight_hh_l0'));
      return m;
    };
    init.setLazyInit(false);
    let eager: nn.Module;
    try { eager = make(); } finally { init.setLazyInit(true); }
    assert.ok([...eager.parameters()].every((p) => p.storage.isMaterialized));
    const lazyModel = make();
    assert.ok([...lazyModel.parameters()].every((p) => !p.storage.isMaterialized));
    const lazyParams = [...lazyModel.named_parameters()].reverse(); // read in reverse order on purpose
    const eagerParams = new Map(eager.named_parameters());
    for (const [name, p] of lazyParams) assert.deepEqual(values(p), values(eagerParams.get(name)!), name);
  });
});
