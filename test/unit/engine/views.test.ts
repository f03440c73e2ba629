import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { torch } from '../../../src/engine';
import { Tensor } from '../../../src/engine/tensor';

const shapeArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 });
const numelOf = (s: readonly number[]) => s.reduce((x, y) => x * y, 1);
const values = (t: Tensor) => Array.from(t.toArray());

/** A random shape with a random permutation of its dims. */
const permutedShape = shapeArb.chain((shape) =>
  fc.shuffledSubarray([...shape.keys()], { minLength: shape.length, maxLength: shape.length }).map((perm) => ({ shape, perm })));

/** Row-major values of a reshape: the same flat sequence. */
function sameFlat(a: Tensor, b: Tensor): void {
  assert.deepEqual(values(a), values(b));
}

describe('engine: views and storage sharing', () => {
  it('reshape of a contiguous tensor is a view; of a permuted one, a view exactly when view() succeeds', () => {
    fc.assert(fc.property(permutedShape, fc.integer({ min: 0, max: 3 }), ({ shape, perm }, split) => {
      const base = torch.arange(numelOf(shape)).reshape(shape);
      assert.ok(base.sharesStorage(torch.arange(1)) === false);
      const p = base.permute(perm);
      // A target shape: the flat size split in two at a divisor, or flat.
      const n = p.numel();
      const divisors = [...Array(n).keys()].map((i) => i + 1).filter((d) => n % d === 0);
      const target = [divisors[split % divisors.length], n / divisors[split % divisors.length]];
      const r = p.reshape(target);
      sameFlat(r, p.contiguous().reshape(target));
      let viewable = true;
      try { p.view(target); } catch { viewable = false; }
      assert.equal(r.sharesStorage(base), viewable);
      assert.ok(base.reshape(target).sharesStorage(base));
    }), { numRuns: 200 });
  });

  it('writes through views reach the base tensor', () => {
    fc.assert(fc.property(permutedShape, ({ shape, perm }) => {
      const base = torch.zeros(shape);
      const view = base.permute(perm).unsqueeze(0).select(0, 0);
      view.copy_(torch.arange(numelOf(shape), { dtype: 'float32' }).reshape(view.size()));
      // Reading the base back through the inverse permutation gives the ramp.
      const inverse = perm.map((_, i) => perm.indexOf(i));
      sameFlat(base.permute(perm), torch.arange(numelOf(shape), { dtype: 'float32' }).reshape(view.size()));
      assert.deepEqual(base.permute(perm).permute(inverse).size(), shape);
    }));
  });

  it('narrow, select, slices with steps, expand, unsqueeze, squeeze, t, flatten of contiguous share storage', () => {
    const x = torch.arange(24.0).reshape(2, 3, 4);
    const shares = (t: Tensor) => assert.ok(t.sharesStorage(x));
    shares(x.narrow(2, 1, 2));
    shares(x.select(1, 2));
    shares(x.index(torch.slice(null, null, null), torch.slice(1, null, 2)));
    shares(x.index(0, '...', null));
    shares(x.select(0, 0).select(0, 0).expand(5, 4));
    shares(x.unsqueeze(1).squeeze(1));
    shares(x.select(0, 1).t());
    shares(x.flatten());
    shares(torch.diagonal(x, 0, 1, 2));
    assert.equal(x.narrow(2, 1, 2).storage_offset(), 1);
    assert.deepEqual(x.index(torch.slice(null, null, null), torch.slice(1, null, 2)).stride(), [12, 8, 1]);
    assert.ok(!x.index(torch.tensor([0, 1])).sharesStorage(x));
    assert.ok(!x.permute(2, 0, 1).flatten().sharesStorage(x));
  });

  it('view(dtype) reinterprets the same bytes and shares them', () => {
    const f = torch.tensor([1.0, -2.0], { dtype: 'float32' }); // JS numbers 1.0 and 1 are the same: say float
    const i = f.view('int32');
    assert.deepEqual(Array.from(i.toArray()), [0x3f800000, -0x40000000]);
    assert.ok(i.sharesStorage(f));
    i.fill_(0);
    assert.deepEqual(values(f), [0, 0]);
  });
});
