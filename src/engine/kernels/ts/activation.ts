// Tight loops for the activations that dominate CNN and transformer forward passes. The generic unary
// kernel calls a per-op closure for every element, and that call site sees every op, so V8 cannot inline
// it; here each op has its own loop with the arithmetic written out. Results are identical to unaryFn's.
import type { NumArray } from '../../dtype';
import type { UnaryOp, UnaryParams } from '../types';
import { erfc } from './scalar-math';

/** Writes op(x[xAt + i * xStride]) to out[outAt + i] for i < count. */
export type UnaryRun = (x: NumArray, xAt: number, xStride: number, out: NumArray, outAt: number, count: number) => void;

const GELU_TANH_SCALE = 0.7978845608028654; // sqrt(2 / pi)

/** The specialised loop for op, or null when the generic closure path handles it. */
export function activationRun(op: UnaryOp, p: UnaryParams = {}): UnaryRun | null {
  switch (op) {
    case 'relu': return reluRun;
    case 'relu6': return (x, xAt, xStride, out, outAt, count) => clampRun(x, xAt, xStride, out, outAt, count, 0, 6);
    case 'hardtanh': {
      const lo = p.min ?? -1, hi = p.max ?? 1;
      return (x, xAt, xStride, out, outAt, count) => clampRun(x, xAt, xStride, out, outAt, count, lo, hi);
    }
    case 'leaky_relu': {
      const slope = p.alpha ?? 1;
      return (x, xAt, xStride, out, outAt, count) => leakyReluRun(x, xAt, xStride, out, outAt, count, slope);
    }
    case 'silu': return siluRun;
    case 'sigmoid': return sigmoidRun;
    case 'gelu': return geluRun;
    case 'gelu_tanh': return geluTanhRun;
    default: return null;
  }
}

/** Below this many elements a contiguous float32 run is not worth two Int32Array views. */
const MIN_BITWISE_RELU = 64;

// NaN passes through; -0 becomes +0 (the generic kernel's `x > 0 ? x : isNaN(x) ? x : 0`).
function reluRun(x: NumArray, xAt: number, xStride: number, out: NumArray, outAt: number, count: number): void {
  if (xStride === 1 && count >= MIN_BITWISE_RELU && x instanceof Float32Array && out instanceof Float32Array) {
    reluFloat32Bits(new Int32Array(x.buffer, x.byteOffset + xAt * 4, count), new Int32Array(out.buffer, out.byteOffset + outAt * 4, count));
    return;
  }
  if (xStride === 1 && count >= MIN_BITWISE_RELU && LITTLE_ENDIAN && x instanceof Float64Array && out instanceof Float64Array) {
    reluFloat64Bits(new Int32Array(x.buffer, x.byteOffset + xAt * 8, count * 2), new Int32Array(out.buffer, out.byteOffset + outAt * 8, count * 2));
    return;
  }
  if (xStride === 1) {
    for (let i = 0; i < count; i++) { const v = x[xAt + i]; out[outAt + i] = v > 0 || v !== v ? v : 0; }
    return;
  }
  for (let i = 0; i < count; i++) { const v = x[xAt + i * xStride]; out[outAt + i] = v > 0 || v !== v ? v : 0; }
}

/**
 * ReLU on float32 bit patterns. Activations are about half negative, so a float comparison mispredicts
 * every other element (about 5 ns each here); masking with the sign bit has no data-dependent branch
 * (about 1 ns). Negative values and -0 become +0; NaNs, whatever their sign bit, are kept:
 * `((bits & 0x7fffffff) - 0x7f800001) >> 31` is all ones unless the magnitude is above infinity's (NaN),
 * so the sign mask clears the value only for non-NaN negatives. Unrolled by four: the loop overhead is a
 * large part of a pass this cheap.
 */
function reluFloat32Bits(x: Int32Array, out: Int32Array): void {
  const n = x.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const a = x[i], b = x[i + 1], c = x[i + 2], d = x[i + 3];
    out[i] = a & ~((a >> 31) & (((a & 0x7fffffff) - 0x7f800001) >> 31));
    out[i + 1] = b & ~((b >> 31) & (((b & 0x7fffffff) - 0x7f800001) >> 31));
    out[i + 2] = c & ~((c >> 31) & (((c & 0x7fffffff) - 0x7f800001) >> 31));
    out[i + 3] = d & ~((d >> 31) & (((d & 0x7fffffff) - 0x7f800001) >> 31));
  }
  for (; i < n; i++) { const a = x[i]; out[i] = a & ~((a >> 31) & (((a & 0x7fffffff) - 0x7f800001) >> 31)); }
}

/** Whether a float64's low word comes first in memory (reluFloat64Bits reads the words by position). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * reluFloat32Bits for float64, on (low, high) int32 word pairs: the sign is the high word's top bit, and a
 * NaN has a high-word magnitude above 0x7ff00000, or equal to it with a non-zero low word; adding
 * `(lo | -lo) >>> 31` (1 when lo is non-zero) folds both cases into one comparison.
 */
function reluFloat64Bits(x: Int32Array, out: Int32Array): void {
  const n = x.length;
  for (let i = 0; i < n; i += 2) {
    const lo = x[i], hi = x[i + 1];
    const notNaN = (((hi & 0x7fffffff) + ((lo | -lo) >>> 31)) - 0x7ff00001) >> 31;
    const clear = ~((hi >> 31) & notNaN);
    out[i] = lo & clear;
    out[i + 1] = hi & clear;
  }
}

// Math.max/min rather than comparisons so signed zeros come out as in the generic kernel.
function clampRun(x: NumArray, xAt: number, xStride: number, out: NumArray, outAt: number, count: number, lo: number, hi: number): void {
  for (let i = 0; i < count; i++) {
    const v = x[xAt + i * xStride];
    out[outAt + i] = v !== v ? v : Math.min(Math.max(v, lo), hi);
  }
}

function leakyReluRun(x: NumArray, xAt: number, xStride: number, out: NumArray, outAt: number, count: number, slope: number): void {
  for (let i = 0; i < count; i++) { const v = x[xAt + i * xStride]; out[outAt + i] = v > 0 ? v : v * slope; }
}

function siluRun(x: NumArray, xAt: number, xStride: number, out: NumArray, outAt: number, count: number): void {
  for (let i = 0; i < count; i++) { const v = x[xAt + i * xStride]; out[outAt + i] = v / (1 + Math.exp(-v)); }
}

function sigmoidRun(x: NumArray, xAt: number, xStride: number, out: NumArray, outAt: number, count: number): void {
  for (let i = 0; i < count; i++) out[outAt + i] = 1 / (1 + Math.exp(-x[xAt + i * xStride]));
}

// v/2 (1 + erf(v/sqrt 2)) written as v/2 erfc(-v/sqrt 2): the same value without the cancellation of
// 1 + erf(...) for negative v (gelu(-7) was 2e-6 off in float64).
function geluRun(x: NumArray, xAt: number, xStride: number, out: NumArray, outAt: number, count: number): void {
  for (let i = 0; i < count; i++) { const v = x[xAt + i * xStride]; out[outAt + i] = 0.5 * v * erfc(-v * Math.SQRT1_2); }
}

// v/2 (1 + tanh u) = v / (1 + e^(-2u)), again without the cancellation for negative v.
function geluTanhRun(x: NumArray, xAt: number, xStride: number, out: NumArray, outAt: number, count: number): void {
  for (let i = 0; i < count; i++) {
    const v = x[xAt + i * xStride];
    out[outAt + i] = v / (1 + Math.exp(-2 * GELU_TANH_SCALE * (v + 0.044715 * v * v * v)));
  }
}
