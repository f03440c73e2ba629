import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { describeKernels } from './kernel-sets';

/** The textbook per-element form, one element at a time, in float64. */
function naiveBatchNorm(x: ArrayLike<number>, n: number, c: number, spatial: number, scale: ArrayLike<number>, shift: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let i = 0; i < spatial; i++) out.push(x[(b * c + ch) * spatial + i] * scale[ch] + shift[ch]);
  return out;
}

const shape = fc.record({ n: fc.integer({ min: 0, max: 3 }), c: fc.integer({ min: 1, max: 6 }), spatial: fc.integer({ min: 1, max: 17 }) });
const values = fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 1, maxLength: 40 });

describeKernels('batchNormInference', (kernels) => {
  it('matches x * scale[c] + shift[c] per channel, float32 (rounded once) and float64', () => {
    fc.assert(fc.property(shape, values, values, fc.boolean(), ({ n, c, spatial }, xs, coefficients, f64) => {
      const typed = (length: number, at: (i: number) => number) => {
        const array = f64 ? new Float64Array(length) : new Float32Array(length);
        for (let i = 0; i < length; i++) array[i] = at(i);
        return array;
      };
      const x = typed(n * c * spatial, (i) => xs[i % xs.length]);
      const scale = typed(c, (i) => coefficients[i % coefficients.length] / 10);
      const shift = typed(c, (i) => coefficients[(i + 3) % coefficients.length]);
      const out = typed(x.length, () => 12345);
      kernels().batchNormInference(x, n, c, spatial, scale, shift, out);
      const expected = naiveBatchNorm(x, n, c, spatial, scale, shift).map((v) => (f64 ? v : Math.fround(v)));
      assert.deepEqual(Array.from(out), expected);
    }), { numRuns: 200 });
  });

  it('works in place (out is x) and passes NaN and infinities through', () => {
    const x = Float32Array.from([1, NaN, Infinity, -Infinity, 0, -0, 2, 3]);
    kernels().batchNormInference(x, 2, 2, 2, Float32Array.from([2, -1]), Float32Array.from([0.5, 0]), x);
    assert.deepEqual(Array.from(x), [2.5, NaN, -Infinity, Infinity, 0.5, 0.5, -2, -3]);
  });

  it('handles a channel plane larger than a SIMD tail and an empty batch', () => {
    const spatial = 1031;
    const x = Float32Array.from({ length: 3 * spatial }, (_, i) => Math.sin(i));
    const scale = Float32Array.from([0.5, -2, 3]), shift = Float32Array.from([1, 0, -1]);
    const out = new Float32Array(x.length);
    kernels().batchNormInference(x, 1, 3, spatial, scale, shift, out);
    assert.deepEqual(Array.from(out), naiveBatchNorm(x, 1, 3, spatial, scale, shift).map(Math.fround));
    kernels().batchNormInference(new Float32Array(0), 0, 3, spatial, scale, shift, new Float32Array(0));
  });
});
