// Tight loops for the activations that dominate CNN and transformer forward passes. The generic unary
// kernel calls a per-op closure for every element, and that call site sees every op, so V8 cannot inline
// it; here each op has its own loop with the arithmetic written out. Results are identical to unaryFn's.
import type { NumArray } from '../../dtype';
import type { UnaryOp, UnaryParams } from '../types';
import { erf } from './scalar-math';

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
  if (xStride === 1) {
    for (let i = 0; i < count; i++) { const v = x[xAt + i]; out[outAt + i] = v > 0 || v !== v ? v : 0; }
    return;
  }
  for (let i = 0; i < count; i++) { const v = x[xAt + i * xStride]; out[outAt + i] = v > 0 || v !== v ? v : 0; }
}

/**
 * ReLU on float32 bit patterns. Activations are about half negative, so a float comparison mispredicts
 * every other element (about 5 ns each here); masking with the sign bit has no data-dependent branch
 * (about 1 ns). Negative values and -0 become +0; NaNs, whatever their sign bit, are kept.
 */
function reluFloat32Bits(x: Int32Array, out: Int32Array): void {
  for (let i = 0; i < x.length; i++) {
    const bits = x[i];
    out[i] = (bits & 0x7fffffff) > 0x7f800000 ? bits : bits & ~(bits >> 31);
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

function geluRun(x: NumArray, xAt: number, xStride: number, out: NumArray, outAt: number, count: number): void {
  for (let i = 0; i < count; i++) { const v = x[xAt + i * xStride]; out[outAt + i] = 0.5 * v * (1 + erf(v * Math.SQRT1_2)); }
}

function geluTanhRun(x: NumArray, xAt: number, xStride: number, out: NumArray, outAt: number, count: number): void {
  for (let i = 0; i < count; i++) {
    const v = x[xAt + i * xStride];
    out[outAt + i] = 0.5 * v * (1 + Math.tanh(GELU_TANH_SCALE * (v + 0.044715 * v * v * v)));
  }
}
