import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import type { GemmParams, Kernels } from '../../../src/engine/kernels/types';
import { describeKernels } from './kernel-sets';

type FloatArray = Float32Array | Float64Array;
type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

/** Deterministic values in [-1, 1) from a seed (mulberry32), so large operands stay cheap to generate. */
function randomArray(Array: Ctor, size: number, seed: number): FloatArray {
  const out = new Array(size);
  let s = seed >>> 0;
  for (let i = 0; i < size; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** slack[i], when given, widens element i's tolerance (the rounding a float32 accumulation may add). */
function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number, what: string,
  slack?: ArrayLike<number>): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e) + (slack?.[i] ?? 0))) assert.fail(`${what}: element ${i} is ${a}, expected ${e}`);
  }
}

/**
 * Rounding slack of a float32 dot product of length k whose products sum to `absSum` in magnitude: 4u*sqrt(k)*sum|a*b|,
 * a few times the typical error of float32 accumulation (as in PyTorch's own kernels; the WASM kernels accumulate in
 * float32). Where the terms cancel, that error can exceed atol although every product is right.
 */
function float32Slack(k: number, absSum: number): number {
  return 2 ** -22 * Math.sqrt(k) * absSum;
}

interface Case {
  m: number; n: number; k: number; batch: number;
  transA: boolean; transB: boolean; padA: number; padB: number;
  shareA: boolean; shareB: boolean; alpha: number; beta: number; f64: boolean; seed: number;
}

/** Builds operands with the requested layout, runs gemm, and compares with a float64 triple loop. */
function check(c: Case, kernels: Kernels): void {
  const Array = c.f64 ? Float64Array : Float32Array;
  const { m, n, k, batch } = c;
  // A is [m, k] either row-major or stored transposed; padA widens its leading dimension.
  const aLd = (c.transA ? m : k) + c.padA;
  const aMat = (c.transA ? k : m) * aLd;
  const aOffset = 3;
  const aBatchStride = c.shareA ? 0 : aMat;
  const a = randomArray(Array, aOffset + aMat * (c.shareA ? 1 : batch), c.seed);
  const aRowStride = c.transA ? 1 : aLd, aColStride = c.transA ? aLd : 1;
  const bLd = (c.transB ? k : n) + c.padB;
  const bMat = (c.transB ? n : k) * bLd;
  const bOffset = 1;
  const bBatchStride = c.shareB ? 0 : bMat;
  const b = randomArray(Array, bOffset + bMat * (c.shareB ? 1 : batch), c.seed + 1);
  const bRowStride = c.transB ? 1 : bLd, bColStride = c.transB ? bLd : 1;
  const outOffset = 2;
  const outBatchStride = m * n;
  const out = c.beta === 0 ? new Array(outOffset + batch * m * n).fill(NaN) : randomArray(Array, outOffset + batch * m * n, c.seed + 2);
  const expected = Float64Array.from(out);
  const slack = new Float64Array(out.length);
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0, absSum = 0;
        for (let p = 0; p < k; p++) {
          const product = a[aOffset + t * aBatchStride + i * aRowStride + p * aColStride] * b[bOffset + t * bBatchStride + p * bRowStride + j * bColStride];
          sum += product;
          absSum += Math.abs(product);
        }
        const o = outOffset + t * outBatchStride + i * n + j;
        expected[o] = c.alpha * sum + (c.beta === 0 ? 0 : c.beta * expected[o]);
        slack[o] = c.f64 ? 0 : float32Slack(k, Math.abs(c.alpha) * absSum);
      }
    }
  }
  const params: GemmParams = {
    m, n, k, batch, a, aOffset, aBatchStride, aRowStride, aColStride,
    b, bOffset, bBatchStride, bRowStride, bColStride, out, outOffset, outBatchStride, alpha: c.alpha, beta: c.beta,
  };
  kernels.gemm(params);
  assert.ok(Number.isNaN(out[0]) || out[0] === expected[0], 'elements before outOffset are untouched');
  assertClose(out.subarray(outOffset), expected.subarray(outOffset), c.f64 ? 1e-10 : 1e-4, c.f64 ? 1e-12 : 1e-5, JSON.stringify(c),
    slack.subarray(outOffset));
}

// Micro-tiles of 4x2 (TS) and 4x8 (WASM) in blocks of 64 (TS) or 256 (WASM) rows, depth 256 and 512 columns:
// sizes around those and small primes.
const edgeSize = fc.constantFrom(1, 2, 3, 4, 5, 7, 8, 9, 11, 13, 16, 17, 31, 33, 63, 64, 65, 67);
const caseArb = (sizes: { m: fc.Arbitrary<number>; n: fc.Arbitrary<number>; k: fc.Arbitrary<number> }) => fc.record({
  m: sizes.m, n: sizes.n, k: sizes.k,
  batch: fc.integer({ min: 1, max: 3 }),
  transA: fc.boolean(), transB: fc.boolean(),
  padA: fc.constantFrom(0, 0, 3), padB: fc.constantFrom(0, 0, 5),
  shareA: fc.boolean(), shareB: fc.boolean(),
  alpha: fc.constantFrom(1, 1, -0.5, 2, 0),
  beta: fc.constantFrom(0, 0, 1, 0.5),
  f64: fc.boolean(),
  seed: fc.nat(),
});

describeKernels('gemm', (kernels) => {
  it('matches a float64 triple loop for small and tile-edge sizes, strides, batches, alpha and beta', () => {
    fc.assert(fc.property(caseArb({ m: edgeSize, n: edgeSize, k: edgeSize }), (c) => check(c, kernels())), { numRuns: 150 });
  });

  it('matches across cache-block boundaries (k around 256, n around 512, m around 64 for TS and 256 for WASM)', () => {
    const arb = caseArb({
      m: fc.constantFrom(1, 5, 63, 65, 130, 257),
      n: fc.constantFrom(2, 3, 511, 513, 1030),
      k: fc.constantFrom(255, 256, 257, 520),
    });
    fc.assert(fc.property(arb, (c) => check({ ...c, batch: 1 }, kernels())), { numRuns: 12 });
  });

  it('handles a square transposed product, k = 0 and empty outputs', () => {
    const base = { batch: 1, padA: 0, padB: 0, shareA: false, shareB: false, f64: false, seed: 7 };
    check({ ...base, m: 96, n: 96, k: 96, transA: true, transB: true, alpha: 1, beta: 0 }, kernels());
    check({ ...base, m: 4, n: 6, k: 0, transA: false, transB: false, alpha: 1, beta: 0.5 }, kernels());
    check({ ...base, m: 4, n: 6, k: 0, transA: false, transB: false, alpha: 1, beta: 0 }, kernels());
    check({ ...base, m: 0, n: 6, k: 3, transA: false, transB: false, alpha: 1, beta: 0 }, kernels());
  });

  it('ignores NaN in out when beta is 0 and keeps values before outOffset', () => {
    const out = new Float32Array([42, NaN, NaN]);
    kernels().gemm({
      m: 1, n: 2, k: 1, batch: 1, a: new Float32Array([2]), aOffset: 0, aBatchStride: 0, aRowStride: 1, aColStride: 1,
      b: new Float32Array([3, 4]), bOffset: 0, bBatchStride: 0, bRowStride: 2, bColStride: 1,
      out, outOffset: 1, outBatchStride: 0, alpha: 1, beta: 0,
    });
    assert.deepEqual(Array.from(out), [42, 6, 8]);
  });
});
