import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { describeKernels } from './kernel-sets';

const small = (min: number, max: number) => fc.integer({ min, max });
const shape = fc.record({ outer: small(1, 4), size: small(1, 9), inner: fc.constantFrom(1, 1, 2, 3, 5) });

function close(actual: number, expected: number, f64: boolean): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  if (!Number.isFinite(expected)) return actual === expected;
  return Math.abs(actual - expected) <= (f64 ? 1e-12 : 1e-5) + (f64 ? 1e-10 : 1e-4) * Math.abs(expected);
}

/** The slice (o, :, j) of an [outer, size, inner] array as a plain list. */
function slice(x: ArrayLike<number>, size: number, inner: number, o: number, j: number): number[] {
  return Array.from({ length: size }, (_, i) => x[(o * size + i) * inner + j]);
}

function filled(f64: boolean, values: number[], length: number): Float32Array | Float64Array {
  const out = f64 ? new Float64Array(length) : new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = values[i % values.length];
  return out;
}

describeKernels('softmax', (kernels) => {
  it('matches exp(x) / sum(exp(x)) and its log, including values whose exp overflows', () => {
    const values = fc.array(fc.oneof(fc.double({ min: -30, max: 30, noNaN: true }), fc.double({ min: -1000, max: 1000, noNaN: true })), { minLength: 1, maxLength: 50 });
    fc.assert(fc.property(shape, values, fc.boolean(), fc.boolean(), ({ outer, size, inner }, vals, f64, log) => {
      const x = filled(f64, vals, outer * size * inner);
      const out = filled(f64, [123], x.length);
      kernels().softmax(x, outer, size, inner, out, log);
      for (let o = 0; o < outer; o++) for (let j = 0; j < inner; j++) {
        const row = slice(x, size, inner, o, j);
        // Reference shifts by the max so it is exact where exp would overflow; the kernel must agree.
        const max = Math.max(...row);
        const logSum = Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) + max;
        const got = slice(out, size, inner, o, j);
        row.forEach((v, i) => {
          const expected = log ? v - logSum : Math.exp(v - logSum);
          assert.ok(close(got[i], expected, f64), `(${o}, ${i}, ${j}): ${got[i]} vs ${expected}`);
        });
      }
    }), { numRuns: 300 });
  });

  it('sums to 1 and follows torch for NaN, +inf and all -inf slices', () => {
    const run = (values: number[], log: boolean) => {
      const out = new Float32Array(values.length);
      kernels().softmax(Float32Array.from(values), 1, values.length, 1, out, log);
      return Array.from(out);
    };
    // torch 1.13 outputs
    assert.deepEqual(run([Infinity, 1], false), [NaN, NaN]);
    assert.deepEqual(run([-Infinity, -Infinity], true), [NaN, NaN]);
    assert.deepEqual(run([NaN, 1], false), [NaN, NaN]);
    assert.deepEqual(run([-Infinity, 1], false), [0, 1]);
    assert.deepEqual(run([-Infinity, 1], true), [-Infinity, 0]);
    const x = Float64Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 50);
    const out = new Float64Array(1000);
    kernels().softmax(x, 1, 1000, 1, out, false);
    assert.ok(Math.abs(out.reduce((s, v) => s + v, 0) - 1) < 1e-12);
  });
});

describeKernels('variance', (kernels) => {
  it('matches the textbook formula with correction, and writes the mean', () => {
    const values = fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 50 });
    fc.assert(fc.property(shape, values, small(0, 2), fc.boolean(), fc.boolean(), ({ outer, size, inner }, vals, correction, f64, withMean) => {
      // A large common offset checks that the variance does not suffer from cancellation.
      const x = filled(f64, vals.map((v) => v + 1e4), outer * size * inner);
      const out = filled(f64, [7], outer * inner);
      const mean = withMean ? filled(f64, [7], outer * inner) : null;
      kernels().variance(x, outer, size, inner, correction, out, mean);
      for (let o = 0; o < outer; o++) for (let j = 0; j < inner; j++) {
        const row = slice(x, size, inner, o, j);
        const m = row.reduce((s, v) => s + v, 0) / size;
        const expected = row.reduce((s, v) => s + (v - m) ** 2, 0) / Math.max(0, size - correction);
        const got = out[o * inner + j];
        assert.ok(Number.isNaN(expected) ? Number.isNaN(got) : close(got, expected, f64),
          `var (${o}, ${j}): ${got} vs ${expected}`);
        if (mean) assert.ok(close(mean[o * inner + j], m, f64), `mean (${o}, ${j})`);
      }
    }), { numRuns: 300 });
  });

  it('gives NaN for one element with correction 1 and inf when size < correction with spread', () => {
    const out = new Float64Array(1);
    kernels().variance(new Float64Array([3]), 1, 1, 1, 1, out, null);
    assert.ok(Number.isNaN(out[0]));
    kernels().variance(new Float64Array([1, 2]), 1, 2, 1, 3, out, null);
    assert.equal(out[0], Infinity);
  });
});

describeKernels('cumulative', (kernels) => {
  it('matches running sums and products over the middle axis for float and integer arrays', () => {
    const values = fc.array(fc.integer({ min: -4, max: 4 }), { minLength: 1, maxLength: 30 });
    const kind = fc.constantFrom('f32', 'f64', 'i32', 'int64');
    fc.assert(fc.property(shape, values, fc.constantFrom('cumsum' as const, 'cumprod' as const), kind, ({ outer, size, inner }, vals, op, k) => {
      const length = outer * size * inner;
      const make = () => (k === 'f32' ? new Float32Array(length) : k === 'i32' ? new Int32Array(length) : new Float64Array(length));
      const x = make();
      for (let i = 0; i < length; i++) x[i] = k.startsWith('f') ? vals[i % vals.length] / 2 : vals[i % vals.length];
      const out = make();
      kernels().cumulative(op, x, outer, size, inner, out);
      for (let o = 0; o < outer; o++) for (let j = 0; j < inner; j++) {
        let acc = op === 'cumsum' ? 0 : 1;
        slice(x, size, inner, o, j).forEach((v, i) => {
          acc = op === 'cumsum' ? acc + v : acc * v;
          const got = out[(o * size + i) * inner + j], expected = k === 'f32' ? Math.fround(acc) : acc;
          assert.ok(got === expected, `(${o}, ${i}, ${j}): ${got} vs ${expected}`); // -0 and 0 are the same integer
        });
      }
    }), { numRuns: 300 });
  });
});
