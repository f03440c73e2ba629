import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { torch } from '../../../src/engine';
import { Tensor } from '../../../src/engine/tensor';

/** Two shapes that broadcast: a common shape, with some dims set to 1 or dropped from the front in each. */
const broadcastablePair = fc
  .array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 4 })
  .chain((full) => fc.tuple(
    fc.constant(full),
    fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length }),
    fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length }),
    fc.integer({ min: 0, max: full.length }),
    fc.integer({ min: 0, max: full.length }),
  ))
  .map(([full, onesA, onesB, dropA, dropB]) => {
    const a = full.map((s, i) => (onesA[i] ? 1 : s)).slice(dropA);
    const b = full.map((s, i) => (onesB[i] ? 1 : s)).slice(dropB);
    // The expected result: right-aligned, each dim the larger of the two (the other is equal or 1).
    const ndim = Math.max(a.length, b.length);
    const at = (s: number[], i: number) => s[s.length - ndim + i] ?? 1;
    return { full: Array.from({ length: ndim }, (_, i) => Math.max(at(a, i), at(b, i))), a, b };
  });

const numelOf = (s: readonly number[]) => s.reduce((x, y) => x * y, 1);

/** Reads t at a multi-index of the broadcast shape, the NumPy way: align right, size-1 dims read index 0. */
function readBroadcast(values: ArrayLike<number>, shape: readonly number[], index: number[]): number {
  let flat = 0;
  const off = index.length - shape.length;
  for (let d = 0; d < shape.length; d++) flat = flat * shape[d] + (shape[d] === 1 ? 0 : index[off + d]);
  return values[flat];
}

function unravel(i: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) { out[d] = i % shape[d]; i = Math.floor(i / shape[d]); }
  return out;
}

const ramp = (shape: number[], start: number) =>
  torch.arange(numelOf(shape), { dtype: 'float64' }).add(start).reshape(shape);

describe('engine: broadcasting', () => {
  it('add, mul and where match a naive element-by-element reference', () => {
    fc.assert(fc.property(broadcastablePair, ({ full, a, b }) => {
      const x = ramp(a, 1), y = ramp(b, 100);
      const sum = torch.add(x, y), prod = torch.mul(x, y);
      const cond = ramp(a, 0).remainder(2).eq(0);
      const picked = torch.where(cond, x, y) as Tensor;
      assert.deepEqual(sum.size(), full);
      assert.deepEqual(picked.size(), full);
      const xv = x.toArray(), yv = y.toArray(), cv = cond.toArray();
      const sv = sum.toArray(), pv = prod.toArray(), wv = picked.toArray();
      for (let i = 0; i < numelOf(full); i++) {
        const idx = unravel(i, full);
        const xa = readBroadcast(xv, a, idx), yb = readBroadcast(yv, b, idx);
        assert.equal(sv[i], xa + yb);
        assert.equal(pv[i], xa * yb);
        assert.equal(wv[i], readBroadcast(cv, a, idx) ? xa : yb);
      }
    }), { numRuns: 150 });
  });

  it('broadcasts through non-contiguous (transposed, expanded) operands', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), (m, n) => {
      const base = ramp([n, m], 0);
      const t = base.t(); // [m, n], strides [1, m]
      const row = ramp([n], 50).expand([m, n]);
      const out = t.add(row).toArray();
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) assert.equal(out[i * n + j], (j * m + i) + (50 + j));
    }));
  });

  it('raises PyTorch\'s message naming the first mismatching dim from the right', () => {
    assert.throws(() => torch.add(torch.zeros(2, 3, 4), torch.zeros(3, 2, 1)),
      { message: 'The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1' });
    assert.throws(() => torch.mul(torch.zeros(5), torch.zeros(4)),
      { message: 'The size of tensor a (5) must match the size of tensor b (4) at non-singleton dimension 0' });
  });
});
