import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import type { UnaryOp, UnaryParams } from '../../../src/engine/kernels/types';
import { erfc } from '../../../src/engine/kernels/ts/scalar-math';
import { describeKernels } from './kernel-sets';

/** Naive definitions, as torch documents them (NaN passes through the piecewise ones; relu(-0) is +0). */
const reference: [UnaryOp, UnaryParams, (v: number) => number][] = [
  ['relu', {}, (v) => (Number.isNaN(v) ? v : v > 0 ? v : 0)],
  ['relu6', {}, (v) => (Number.isNaN(v) ? v : Math.min(Math.max(v, 0), 6))],
  ['hardtanh', { min: -0.5, max: 2 }, (v) => (Number.isNaN(v) ? v : Math.min(Math.max(v, -0.5), 2))],
  ['leaky_relu', { alpha: 0.01 }, (v) => (v > 0 ? v : 0.01 * v)],
  ['silu', {}, (v) => v * (1 / (1 + Math.exp(-v)))],
  ['sigmoid', {}, (v) => 1 / (1 + Math.exp(-v))],
  // gelu written without the cancellation of 1 + erf / 1 + tanh for negative v (exact to float64 there too)
  ['gelu', {}, (v) => v * 0.5 * erfc(-v / Math.SQRT2)],
  ['gelu_tanh', {}, (v) => v / (1 + Math.exp(-2 * Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)))],
];

const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1e-30, -1e-30, 3, -3, 6, 6.5, -7, 40, -40, 100, -100];

/**
 * float32 results of the TypeScript kernels are float64 values rounded once (1e-6); the WASM kernels compute
 * in float32 SIMD with a float32 exp, whose relative error grows with |exponent| in the far tails (up to
 * about 88 ulp at e^-88), so they get 2e-5: still 5x inside the goldens' rtol of 1e-4.
 */
function closeEnough(actual: number, expected: number, f64: boolean, float32Rtol = 1e-6): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  if (expected === 0) return Math.abs(actual) <= (f64 ? 1e-300 : 1e-37);
  if (!Number.isFinite(expected)) return actual === expected;
  return Math.abs(actual - expected) <= (f64 ? 1e-10 : float32Rtol) * Math.abs(expected) + (f64 ? 1e-300 : 1e-38);
}

describeKernels('activation fast paths (unary)', (kernels) => {
  for (const [op, params, f] of reference) {
    it(`${op}: contiguous, strided and in place match the definition, including NaN, ±inf and ±0`, () => {
      const float32Rtol = kernels().name.startsWith('wasm') ? 2e-5 : 1e-6;
      const close = (actual: number, expected: number, f64: boolean) => closeEnough(actual, expected, f64, float32Rtol);
      fc.assert(fc.property(fc.array(fc.oneof(fc.double({ min: -50, max: 50 }), fc.constantFrom(...SPECIAL)), { minLength: 1, maxLength: 70 }),
        fc.boolean(), fc.integer({ min: 1, max: 3 }), (values, f64, stride) => {
          const typed = (length: number) => (f64 ? new Float64Array(length) : new Float32Array(length));
          const x = typed(values.length);
          x.set(values);
          const expected = typed(x.length);
          x.forEach((v, i) => { expected[i] = f(v); });
          const out = typed(x.length).fill(77);
          kernels().unary(op, [x.length], { data: x, offset: 0, strides: [1] }, out, params);
          out.forEach((v, i) => assert.ok(close(v, expected[i], f64), `${op}(${x[i]}) = ${v}, expected ${expected[i]}`));
          // Every `stride`-th element, starting at 1: the kernel's strided run.
          const count = Math.floor((x.length - 1) / stride);
          const strided = typed(count);
          kernels().unary(op, [count], { data: x, offset: 1, strides: [stride] }, strided, params);
          strided.forEach((v, i) => assert.ok(close(v, expected[1 + i * stride], f64), `strided ${op}(${x[1 + i * stride]})`));
          // The result written over its own input (what inplace=True does).
          kernels().unary(op, [x.length], { data: x, offset: 0, strides: [1] }, x, params);
          assert.deepEqual(Array.from(x), Array.from(out));
        }), { numRuns: 100 });
    });
  }

  it('relu keeps signed zeros as the generic path does and works on integer arrays', () => {
    const out = new Float32Array(3);
    kernels().unary('relu', [3], { data: Float32Array.from([-0, 0, -1]), offset: 0, strides: [1] }, out);
    assert.ok(Object.is(out[0], 0) && Object.is(out[1], 0) && Object.is(out[2], 0));
    const ints = new Int32Array(4);
    kernels().unary('relu', [2, 2], { data: Int32Array.from([-5, 3, 0, 9, 1, 1]), offset: 0, strides: [3, 1] }, ints);
    assert.deepEqual(Array.from(ints), [0, 3, 9, 1]);
  });
});
