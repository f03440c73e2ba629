import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { torch } from '../../../src/engine';
import { IndexItem, Slice, Tensor } from '../../../src/engine/tensor';

const values = (t: Tensor) => Array.from(t.toArray());
const numelOf = (s: readonly number[]) => s.reduce((x, y) => x * y, 1);

/** Python's slice.indices(n) for a positive step: the selected positions. */
function pySliceIndices(n: number, start: number | null, stop: number | null, step: number): number[] {
  const clamp = (v: number | null, dflt: number) => (v === null ? dflt : v < 0 ? Math.max(v + n, 0) : Math.min(v, n));
  const out: number[] = [];
  for (let i = clamp(start, 0); i < clamp(stop, n); i += step) out.push(i);
  return out;
}

const bound = fc.option(fc.integer({ min: -8, max: 8 }), { nil: null });
const sliceArb = fc.tuple(bound, bound, fc.integer({ min: 1, max: 3 }));

/** A shape and a list of basic index items valid for it (ints in range, slices, None, at most one Ellipsis). */
const basicIndex = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }).chain((shape) =>
  fc.tuple(
    fc.constant(shape),
    fc.tuple(...shape.map((s) => fc.oneof(
      fc.integer({ min: -s, max: s - 1 }),
      sliceArb.map(([a, b, c]) => new Slice(a, b, c)),
    ))),
    fc.integer({ min: 0, max: shape.length }),
    fc.boolean(),
  ).map(([sh, items, cut, withNone]) => {
    // Index a prefix of the dims, maybe with an Ellipsis standing for the rest, maybe with a new axis.
    let list: IndexItem[] = items.slice(0, cut) as IndexItem[];
    if (cut < sh.length && withNone) list = [...list, '...'];
    if (withNone) list = [null, ...list];
    return { shape: sh, items: list };
  }));

describe('engine: indexing', () => {
  it('1-d slices select exactly Python\'s slice.indices positions', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 8 }), sliceArb, (n, [a, b, c]) => {
      const x = torch.arange(n);
      assert.deepEqual(values(x.index(new Slice(a, b, c))), pySliceIndices(n, a, b, c));
    }), { numRuns: 300 });
  });

  it('basic indexing round trips: writing what was read through the same index restores exactly those elements', () => {
    fc.assert(fc.property(basicIndex, ({ shape, items }) => {
      const x = torch.arange(numelOf(shape)).add(1).reshape(shape);
      const picked = x.index(...items);
      assert.ok(picked.sharesStorage(x), 'basic indexing gives a view');
      const y = torch.zeros_like(x);
      y.setIndex(items, picked);
      assert.deepEqual(values(y.index(...items)), values(picked));
      // Basic indexing selects distinct elements: everything else stayed zero.
      assert.equal(Number(y.ne(0).sum().item()), picked.numel());
    }), { numRuns: 300 });
  });

  it('negative integers and tensors index like their positive equivalents', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 4 }), fc.array(fc.nat(), { maxLength: 6 }), (n, m, raw) => {
      const x = torch.arange(n * m).reshape(n, m);
      const pos = raw.map((r) => r % n), neg = pos.map((p) => p - n);
      assert.deepEqual(values(x.index(torch.tensor(neg, { dtype: 'int64' }))), values(x.index(torch.tensor(pos, { dtype: 'int64' }))));
      assert.deepEqual(values(x.index(torch.tensor(pos, { dtype: 'int64' }))), values(torch.index_select(x, 0, torch.tensor(pos, { dtype: 'int64' }))));
      for (const p of pos) assert.deepEqual(values(x.index(p - n)), values(x.index(p)));
    }));
  });

  it('a boolean mask reads and writes the true positions in row-major order', () => {
    fc.assert(fc.property(fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), (bits) => {
      const x = torch.arange(6).reshape(2, 3);
      const mask = torch.tensor(bits).reshape(2, 3);
      const expected = bits.map((b, i) => (b ? i : -1)).filter((i) => i >= 0);
      assert.deepEqual(values(x.index(mask)), expected);
      const y = x.clone();
      y.setIndex([mask], -1);
      assert.deepEqual(values(y), [0, 1, 2, 3, 4, 5].map((i) => (bits[i] ? -1 : i)));
    }));
  });

  it('advanced indices separated by a slice move to the front, adjacent ones stay in place', () => {
    const x = torch.zeros(2, 3, 4, 5);
    const i = torch.tensor([0, 1]);
    assert.deepEqual(x.index(torch.slice(), i, i).size(), [2, 2, 5]);
    assert.deepEqual(x.index(i, torch.slice(), i).size(), [2, 3, 5]);
    assert.deepEqual(x.index('...', i).size(), [2, 3, 4, 2]);
  });

  it('rejects indices out of range with PyTorch\'s messages', () => {
    const x = torch.zeros(2, 3);
    assert.throws(() => x.index(0, 3), { name: 'IndexError', message: 'index 3 is out of bounds for dimension 1 with size 3' });
    assert.throws(() => x.index(torch.tensor([2])), { name: 'IndexError', message: 'index 2 is out of bounds for dimension 0 with size 2' });
    assert.throws(() => x.index(0, 0, 0), { name: 'IndexError', message: 'too many indices for tensor of dimension 2' });
  });
});
