// Element-wise kernels: copy/cast, unary, binary, where.
import type { NumArray } from '../../dtype';
import { bfloat16BitsToFloat32, float16BitsToFloat32, float32ToBFloat16Bits, float32ToFloat16Bits } from '../../dtype';
import type { BinaryOp, Encoding, Strided, UnaryOp, UnaryParams } from '../types';
import { activationRun } from './activation';
import { erf, erfc, erfinv, pyMod, roundHalfEven, SELU_ALPHA, SELU_SCALE, softplus } from './scalar-math';
import { collapse, forEachRun } from './strided';

function decoder(enc: Encoding): ((x: number) => number) | null {
  return enc === 'f16' ? float16BitsToFloat32 : enc === 'bf16' ? bfloat16BitsToFloat32 : null;
}
function encoder(enc: Encoding): ((x: number) => number) | null {
  switch (enc) {
    case 'f16': return float32ToFloat16Bits;
    case 'bf16': return float32ToBFloat16Bits;
    case 'bool': return (x) => (x !== 0 ? 1 : 0);
    case 'int': return (x) => (Number.isFinite(x) ? Math.trunc(x) : 0);
    default: return null;
  }
}

export function copy(shape: readonly number[], src: Strided, srcEnc: Encoding, dst: Strided, dstEnc: Encoding): void {
  const dec = decoder(srcEnc), enc = encoder(dstEnc);
  const { shape: s, strides } = collapse(shape, [src.strides, dst.strides]);
  const a = src.data, o = dst.data;
  const last = s.length - 1;
  const sa = strides[0][last], so = strides[1][last];
  forEachRun(s, strides, [src.offset, dst.offset], (n, [ia, io]) => {
    if (!dec && !enc) {
      if (sa === 1 && so === 1 && (a as unknown as { constructor: unknown }).constructor === (o as unknown as { constructor: unknown }).constructor) {
        (o as Float32Array).set((a as Float32Array).subarray(ia, ia + n), io);
        return;
      }
      for (let i = 0; i < n; i++) o[io + i * so] = a[ia + i * sa];
    } else {
      for (let i = 0; i < n; i++) {
        const v = dec ? dec(a[ia + i * sa]) : a[ia + i * sa];
        o[io + i * so] = enc ? enc(v) : v;
      }
    }
  });
}

export function unaryFn(op: UnaryOp, p: UnaryParams = {}): (x: number) => number {
  const alpha = p.alpha ?? 1, beta = p.beta ?? 1, threshold = p.threshold ?? 20;
  switch (op) {
    case 'neg': return (x) => -x;
    case 'abs': return Math.abs;
    case 'sign': return (x) => (Number.isNaN(x) ? 0 : Math.sign(x));
    case 'reciprocal': return (x) => 1 / x;
    case 'square': return (x) => x * x;
    case 'sqrt': return Math.sqrt;
    case 'rsqrt': return (x) => 1 / Math.sqrt(x);
    case 'exp': return Math.exp;
    case 'expm1': return Math.expm1;
    case 'log': return Math.log;
    case 'log2': return Math.log2;
    case 'log10': return Math.log10;
    case 'log1p': return Math.log1p;
    case 'sin': return Math.sin;
    case 'cos': return Math.cos;
    case 'tan': return Math.tan;
    case 'asin': return Math.asin;
    case 'acos': return Math.acos;
    case 'atan': return Math.atan;
    case 'sinh': return Math.sinh;
    case 'cosh': return Math.cosh;
    case 'tanh': return Math.tanh;
    case 'erf': return erf;
    case 'erfinv': return erfinv;
    case 'floor': return Math.floor;
    case 'ceil': return Math.ceil;
    case 'round': return roundHalfEven;
    case 'trunc': return Math.trunc;
    case 'frac': return (x) => x - Math.trunc(x);
    case 'sigmoid': return (x) => 1 / (1 + Math.exp(-x));
    case 'logsigmoid': return (x) => -softplus(-x, 1, 20);
    case 'relu': return (x) => (x > 0 ? x : Number.isNaN(x) ? x : 0);
    case 'relu6': return (x) => (Number.isNaN(x) ? x : Math.min(Math.max(x, 0), 6));
    // the cancellation-free forms of activation.ts's loops (which normally run instead)
    case 'gelu': return (x) => 0.5 * x * erfc(-x * Math.SQRT1_2);
    case 'gelu_tanh': return (x) => x / (1 + Math.exp(-1.5957691216057308 * (x + 0.044715 * x * x * x)));
    case 'silu': return (x) => x / (1 + Math.exp(-x));
    case 'mish': return (x) => x * Math.tanh(softplus(x, 1, 20));
    case 'hardswish': return (x) => (x * Math.min(Math.max(x + 3, 0), 6)) / 6;
    case 'hardsigmoid': return (x) => Math.min(Math.max(x + 3, 0), 6) / 6;
    case 'hardtanh': { const lo = p.min ?? -1, hi = p.max ?? 1; return (x) => (Number.isNaN(x) ? x : Math.min(Math.max(x, lo), hi)); }
    case 'softplus': return (x) => softplus(x, beta, threshold);
    case 'elu': return (x) => (x > 0 ? x : alpha * Math.expm1(x));
    case 'selu': return (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x));
    case 'celu': return (x) => (x > 0 ? x : alpha * Math.expm1(x / alpha));
    case 'leaky_relu': return (x) => (x > 0 ? x : x * alpha);
    case 'softsign': return (x) => x / (1 + Math.abs(x));
    case 'tanhshrink': return (x) => x - Math.tanh(x);
    case 'hardshrink': { const l = p.lambd ?? 0.5; return (x) => (x > l || x < -l ? x : 0); }
    case 'softshrink': { const l = p.lambd ?? 0.5; return (x) => (x > l ? x - l : x < -l ? x + l : 0); }
    case 'logical_not': return (x) => (x === 0 ? 1 : 0);
    case 'bitwise_not': return (x) => ~x;
    case 'isnan': return (x) => (Number.isNaN(x) ? 1 : 0);
    case 'isinf': return (x) => (x === Infinity || x === -Infinity ? 1 : 0);
    case 'isfinite': return (x) => (Number.isFinite(x) ? 1 : 0);
    case 'nan_to_num': {
      const nan = p.nan ?? 0, pos = p.posinf ?? 3.4028234663852886e38, neg = p.neginf ?? -3.4028234663852886e38;
      return (x) => (Number.isNaN(x) ? nan : x === Infinity ? pos : x === -Infinity ? neg : x);
    }
  }
}

export function unary(op: UnaryOp, shape: readonly number[], x: Strided, out: NumArray, params?: UnaryParams): void {
  const outStrides = contiguousOf(shape);
  const { shape: s, strides } = collapse(shape, [x.strides, outStrides]);
  const last = s.length - 1, sx = strides[0][last];
  const a = x.data;
  const run = activationRun(op, params);
  if (run !== null) {
    forEachRun(s, strides, [x.offset, 0], (n, [ia, io]) => run(a, ia, sx, out, io, n));
    return;
  }
  const f = unaryFn(op, params);
  forEachRun(s, strides, [x.offset, 0], (n, [ia, io]) => {
    for (let i = 0; i < n; i++) out[io + i] = f(a[ia + i * sx]);
  });
}

function contiguousOf(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) { st[i] = s; s *= shape[i]; }
  return st;
}

function bigBitwise(a: number, b: number, f: (x: bigint, y: bigint) => bigint): number {
  if (Math.abs(a) < 2 ** 31 && Math.abs(b) < 2 ** 31) return Number(f(BigInt(a | 0), BigInt(b | 0)));
  return Number(BigInt.asIntN(64, f(BigInt(a), BigInt(b))));
}

export function binaryFn(op: BinaryOp, integer: boolean): (a: number, b: number) => number {
  switch (op) {
    case 'add': return (a, b) => a + b;
    case 'sub': return (a, b) => a - b;
    case 'mul': return (a, b) => a * b;
    case 'div': return (a, b) => a / b;
    case 'floor_divide': return (a, b) => Math.floor(a / b);
    case 'trunc_divide': return (a, b) => Math.trunc(a / b);
    case 'remainder': return pyMod;
    case 'fmod': return (a, b) => a % b;
    case 'pow': return integer ? (a, b) => Number(BigInt.asIntN(64, BigInt(a) ** BigInt(b))) : Math.pow;
    case 'atan2': return Math.atan2;
    case 'maximum': return (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b));
    case 'minimum': return (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b));
    case 'eq': return (a, b) => (a === b ? 1 : 0);
    case 'ne': return (a, b) => (a !== b ? 1 : 0);
    case 'lt': return (a, b) => (a < b ? 1 : 0);
    case 'le': return (a, b) => (a <= b ? 1 : 0);
    case 'gt': return (a, b) => (a > b ? 1 : 0);
    case 'ge': return (a, b) => (a >= b ? 1 : 0);
    case 'logical_and': return (a, b) => (a !== 0 && b !== 0 ? 1 : 0);
    case 'logical_or': return (a, b) => (a !== 0 || b !== 0 ? 1 : 0);
    case 'logical_xor': return (a, b) => ((a !== 0) !== (b !== 0) ? 1 : 0);
    case 'bitwise_and': return (a, b) => bigBitwise(a, b, (x, y) => x & y);
    case 'bitwise_or': return (a, b) => bigBitwise(a, b, (x, y) => x | y);
    case 'bitwise_xor': return (a, b) => bigBitwise(a, b, (x, y) => x ^ y);
    case 'lshift': return (a, b) => bigBitwise(a, b, (x, y) => x << y);
    case 'rshift': return (a, b) => bigBitwise(a, b, (x, y) => x >> y);
  }
}

export function binary(op: BinaryOp, shape: readonly number[], a: Strided, b: Strided, out: NumArray, integer: boolean): void {
  const outStrides = contiguousOf(shape);
  const { shape: s, strides } = collapse(shape, [a.strides, b.strides, outStrides]);
  const last = s.length - 1, sa = strides[0][last], sb = strides[1][last];
  const x = a.data, y = b.data;
  const floatRun = op === 'add' || op === 'sub' || op === 'mul' || (op === 'div' && !integer) ? floatBinaryRun(op, x, y, out) : null;
  if (floatRun !== null) {
    // One run covers the whole array whenever the operands collapse to one dim (same-shape contiguous, or a scalar).
    if (s.length === 1) floatRun(op, x, a.offset, sa, y, b.offset, sb, out, 0, s[0]);
    else forEachRun(s, strides, [a.offset, b.offset, 0], (n, [ia, ib, io]) => floatRun(op, x, ia, sa, y, ib, sb, out, io, n));
    return;
  }
  // The four hottest ops get their own loops so V8 can inline the arithmetic.
  if (op === 'add') forEachRun(s, strides, [a.offset, b.offset, 0], (n, [ia, ib, io]) => { for (let i = 0; i < n; i++) out[io + i] = x[ia + i * sa] + y[ib + i * sb]; });
  else if (op === 'mul') forEachRun(s, strides, [a.offset, b.offset, 0], (n, [ia, ib, io]) => { for (let i = 0; i < n; i++) out[io + i] = x[ia + i * sa] * y[ib + i * sb]; });
  else if (op === 'sub') forEachRun(s, strides, [a.offset, b.offset, 0], (n, [ia, ib, io]) => { for (let i = 0; i < n; i++) out[io + i] = x[ia + i * sa] - y[ib + i * sb]; });
  else if (op === 'div' && !integer) forEachRun(s, strides, [a.offset, b.offset, 0], (n, [ia, ib, io]) => { for (let i = 0; i < n; i++) out[io + i] = x[ia + i * sa] / y[ib + i * sb]; });
  else {
    const f = binaryFn(op, integer);
    forEachRun(s, strides, [a.offset, b.offset, 0], (n, [ia, ib, io]) => { for (let i = 0; i < n; i++) out[io + i] = f(x[ia + i * sa], y[ib + i * sb]); });
  }
}

type FloatBinaryRun<T> = (op: BinaryOp, x: T, xAt: number, xStride: number, y: T, yAt: number, yStride: number, out: T, outAt: number, n: number) => void;

/**
 * The loop for add/sub/mul/div when both operands and out are float32 arrays, or all float64 arrays; null otherwise.
 * The generic loops above are shared by every dtype, so their typed-array accesses are polymorphic (often
 * megamorphic: float32, float64, int32, uint8...) and cost 3-5 ns an element; these see one array type each.
 * The arithmetic is the same (double precision, rounded once on the store), so results are identical.
 */
function floatBinaryRun(op: BinaryOp, x: NumArray, y: NumArray, out: NumArray): FloatBinaryRun<NumArray> | null {
  if (x instanceof Float32Array && y instanceof Float32Array && out instanceof Float32Array) return binaryFloat32 as FloatBinaryRun<NumArray>;
  if (x instanceof Float64Array && y instanceof Float64Array && out instanceof Float64Array) return binaryFloat64 as FloatBinaryRun<NumArray>;
  return null;
}

// binaryFloat32 and binaryFloat64 are the same text twice, so each keeps its own (monomorphic) type feedback.
// Each op has a contiguous loop (both operands stride 1: same-shape operands), unrolled by four because the
// loop overhead is a large part of so short a body, and a strided one (broadcasts, scalars, views).
function binaryFloat32(op: BinaryOp, x: Float32Array, xa: number, sx: number, y: Float32Array, ya: number, sy: number, out: Float32Array, oa: number, n: number): void {
  if (sx === 1 && sy === 1) {
    let i = 0;
    switch (op) {
      case 'add':
        for (; i + 4 <= n; i += 4) {
          const p = xa + i, q = ya + i, r = oa + i;
          const v0 = x[p] + y[q], v1 = x[p + 1] + y[q + 1], v2 = x[p + 2] + y[q + 2], v3 = x[p + 3] + y[q + 3];
          out[r] = v0; out[r + 1] = v1; out[r + 2] = v2; out[r + 3] = v3;
        }
        for (; i < n; i++) out[oa + i] = x[xa + i] + y[ya + i];
        return;
      case 'sub':
        for (; i + 4 <= n; i += 4) {
          const p = xa + i, q = ya + i, r = oa + i;
          const v0 = x[p] - y[q], v1 = x[p + 1] - y[q + 1], v2 = x[p + 2] - y[q + 2], v3 = x[p + 3] - y[q + 3];
          out[r] = v0; out[r + 1] = v1; out[r + 2] = v2; out[r + 3] = v3;
        }
        for (; i < n; i++) out[oa + i] = x[xa + i] - y[ya + i];
        return;
      case 'mul':
        for (; i + 4 <= n; i += 4) {
          const p = xa + i, q = ya + i, r = oa + i;
          const v0 = x[p] * y[q], v1 = x[p + 1] * y[q + 1], v2 = x[p + 2] * y[q + 2], v3 = x[p + 3] * y[q + 3];
          out[r] = v0; out[r + 1] = v1; out[r + 2] = v2; out[r + 3] = v3;
        }
        for (; i < n; i++) out[oa + i] = x[xa + i] * y[ya + i];
        return;
      case 'div':
        for (; i + 4 <= n; i += 4) {
          const p = xa + i, q = ya + i, r = oa + i;
          const v0 = x[p] / y[q], v1 = x[p + 1] / y[q + 1], v2 = x[p + 2] / y[q + 2], v3 = x[p + 3] / y[q + 3];
          out[r] = v0; out[r + 1] = v1; out[r + 2] = v2; out[r + 3] = v3;
        }
        for (; i < n; i++) out[oa + i] = x[xa + i] / y[ya + i];
        return;
    }
  }
  switch (op) {
    case 'add': for (let i = 0; i < n; i++) out[oa + i] = x[xa + i * sx] + y[ya + i * sy]; return;
    case 'sub': for (let i = 0; i < n; i++) out[oa + i] = x[xa + i * sx] - y[ya + i * sy]; return;
    case 'mul': for (let i = 0; i < n; i++) out[oa + i] = x[xa + i * sx] * y[ya + i * sy]; return;
    case 'div': for (let i = 0; i < n; i++) out[oa + i] = x[xa + i * sx] / y[ya + i * sy]; return;
  }
}

function binaryFloat64(op: BinaryOp, x: Float64Array, xa: number, sx: number, y: Float64Array, ya: number, sy: number, out: Float64Array, oa: number, n: number): void {
  if (sx === 1 && sy === 1) {
    let i = 0;
    switch (op) {
      case 'add':
        for (; i + 4 <= n; i += 4) {
          const p = xa + i, q = ya + i, r = oa + i;
          const v0 = x[p] + y[q], v1 = x[p + 1] + y[q + 1], v2 = x[p + 2] + y[q + 2], v3 = x[p + 3] + y[q + 3];
          out[r] = v0; out[r + 1] = v1; out[r + 2] = v2; out[r + 3] = v3;
        }
        for (; i < n; i++) out[oa + i] = x[xa + i] + y[ya + i];
        return;
      case 'sub':
        for (; i + 4 <= n; i += 4) {
          const p = xa + i, q = ya + i, r = oa + i;
          const v0 = x[p] - y[q], v1 = x[p + 1] - y[q + 1], v2 = x[p + 2] - y[q + 2], v3 = x[p + 3] - y[q + 3];
          out[r] = v0; out[r + 1] = v1; out[r + 2] = v2; out[r + 3] = v3;
        }
        for (; i < n; i++) out[oa + i] = x[xa + i] - y[ya + i];
        return;
      case 'mul':
        for (; i + 4 <= n; i += 4) {
          const p = xa + i, q = ya + i, r = oa + i;
          const v0 = x[p] * y[q], v1 = x[p + 1] * y[q + 1], v2 = x[p + 2] * y[q + 2], v3 = x[p + 3] * y[q + 3];
          out[r] = v0; out[r + 1] = v1; out[r + 2] = v2; out[r + 3] = v3;
        }
        for (; i < n; i++) out[oa + i] = x[xa + i] * y[ya + i];
        return;
      case 'div':
        for (; i + 4 <= n; i += 4) {
          const p = xa + i, q = ya + i, r = oa + i;
          const v0 = x[p] / y[q], v1 = x[p + 1] / y[q + 1], v2 = x[p + 2] / y[q + 2], v3 = x[p + 3] / y[q + 3];
          out[r] = v0; out[r + 1] = v1; out[r + 2] = v2; out[r + 3] = v3;
        }
        for (; i < n; i++) out[oa + i] = x[xa + i] / y[ya + i];
        return;
    }
  }
  switch (op) {
    case 'add': for (let i = 0; i < n; i++) out[oa + i] = x[xa + i * sx] + y[ya + i * sy]; return;
    case 'sub': for (let i = 0; i < n; i++) out[oa + i] = x[xa + i * sx] - y[ya + i * sy]; return;
    case 'mul': for (let i = 0; i < n; i++) out[oa + i] = x[xa + i * sx] * y[ya + i * sy]; return;
    case 'div': for (let i = 0; i < n; i++) out[oa + i] = x[xa + i * sx] / y[ya + i * sy]; return;
  }
}

export function where(shape: readonly number[], cond: Strided, a: Strided, b: Strided, out: NumArray): void {
  const { shape: s, strides } = collapse(shape, [cond.strides, a.strides, b.strides, contiguousOf(shape)]);
  const last = s.length - 1, sc = strides[0][last], sa = strides[1][last], sb = strides[2][last];
  const c = cond.data, x = a.data, y = b.data;
  forEachRun(s, strides, [cond.offset, a.offset, b.offset, 0], (n, [ic, ia, ib, io]) => {
    for (let i = 0; i < n; i++) out[io + i] = c[ic + i * sc] !== 0 ? x[ia + i * sa] : y[ib + i * sb];
  });
}

export function fillRange(out: NumArray, start: number, step: number, end?: number): void {
  const n = out.length;
  if (end === undefined) {
    for (let i = 0; i < n; i++) out[i] = start + i * step;
    return;
  }
  // torch.linspace fills the first half from start and the second half back from end.
  const half = Math.floor(n / 2);
  for (let i = 0; i < n; i++) out[i] = i < half ? start + step * i : end - step * (n - 1 - i);
}
