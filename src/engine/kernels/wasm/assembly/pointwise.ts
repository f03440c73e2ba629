// Memory-bound passes over contiguous float32: batch-norm's per-channel affine step, the activations CNNs
// and transformers spend their non-GEMM time in, and softmax / log_softmax over the last axis.
// Semantics follow the TypeScript kernels: relu keeps NaN and turns -0 into +0; clamps propagate NaN;
// exp-based activations use a Cephes-style float32 exp (about 1 ulp) and erf a Chebyshev fit (relative
// error < 1.2e-7), so results differ from the float64 TypeScript loops by a few float32 ulps at most.
import { madd } from './simd';

@inline function byteOffset(elements: i32): usize {
  return <usize>elements << 2;
}

/**
 * out[b, ch, i] = x[b, ch, i] * scale[ch] + shift[ch] over [n, c, spatial]; out may be x. Computed in float64
 * lanes and rounded to float32 once, like the TypeScript loop, so both kernel sets give identical bits.
 */
export function channelAffine(x: usize, out: usize, n: i32, c: i32, spatial: i32, scale: usize, shift: usize): void {
  let at: i32 = 0;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const s = <f64>load<f32>(scale + byteOffset(ch)), t = <f64>load<f32>(shift + byteOffset(ch));
      const sv = f64x2.splat(s), tv = f64x2.splat(t);
      const end = at + spatial;
      let i = at;
      for (; i + 4 <= end; i += 4) {
        const v = v128.load(x + byteOffset(i));
        const low = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(v), sv), tv);
        const high = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)), sv), tv);
        v128.store(out + byteOffset(i), v128.shuffle<f32>(f32x4.demote_f64x2_zero(low), f32x4.demote_f64x2_zero(high), 0, 1, 4, 5));
      }
      for (; i < end; i++) store<f32>(out + byteOffset(i), <f32>(<f64>load<f32>(x + byteOffset(i)) * s + t));
      at = end;
    }
  }
}

// Epilogue flags of a convolution's output (conv.ts's kernels and the Winograd kernels), shared with ../epilogue.ts.
export const EPILOGUE_BIAS = 1, EPILOGUE_SCALE = 2, EPILOGUE_RELU = 4, EPILOGUE_RESIDUAL = 8;

/**
 * A convolution's epilogue in place over elements [begin, end) of each plane of its output [c, spatial] (the rows a
 * kernel's chunk or thread share has just written, still in cache): x * scale[ch] (EPILOGUE_SCALE) + bias[ch]
 * (EPILOGUE_BIAS) + residual[ch, i] (EPILOGUE_RESIDUAL, laid out as x), then max with 0 (EPILOGUE_RELU; NaN stays
 * NaN). In float32, as the Winograd kernels apply it: an eval-mode batch-norm, a residual add and ReLU folded into
 * the convolution before them.
 */
export function convEpilogueRange(x: usize, c: i32, spatial: i32, begin: i32, end: i32, scale: usize, bias: usize, flags: i32,
  residual: usize): void {
  const relu = (flags & EPILOGUE_RELU) != 0, zero = f32x4.splat(0);
  const hasResidual = (flags & EPILOGUE_RESIDUAL) != 0, r = residual - x;
  for (let ch = 0; ch < c; ch++) {
    const s = flags & EPILOGUE_SCALE ? load<f32>(scale + byteOffset(ch)) : <f32>1;
    const t = flags & EPILOGUE_BIAS ? load<f32>(bias + byteOffset(ch)) : <f32>0;
    const sv = f32x4.splat(s), tv = f32x4.splat(t);
    const start = x + byteOffset(ch * spatial + begin), stop = x + byteOffset(ch * spatial + end);
    let at = start;
    for (; at + 16 <= stop; at += 16) {
      let v = f32x4.add(f32x4.mul(v128.load(at), sv), tv);
      if (hasResidual) v = f32x4.add(v, v128.load(at + r));
      v128.store(at, relu ? f32x4.max(v, zero) : v);
    }
    for (; at < stop; at += 4) {
      let v = load<f32>(at) * s + t;
      if (hasResidual) v += load<f32>(at + r);
      store<f32>(at, relu ? max<f32>(v, 0) : v);
    }
  }
}

// Activation codes shared with ../pointwise.ts.
const RELU = 0, CLAMP = 1, LEAKY_RELU = 2, SIGMOID = 3, SILU = 4, GELU = 5, GELU_TANH = 6;

/** out[i] = op(x[i]) for i < count (out may be x); p0/p1: clamp bounds or the leaky slope. */
export function activation(op: i32, x: usize, out: usize, count: i32, p0: f64, p1: f64): void {
  let i = 0;
  // One loop per op keeps the op test out of the vector loop.
  if (op == RELU) for (; i + 4 <= count; i += 4) v128.store(out + byteOffset(i), relu4(v128.load(x + byteOffset(i))));
  else if (op == CLAMP) {
    const lo = f32x4.splat(<f32>p0), hi = f32x4.splat(<f32>p1);
    for (; i + 4 <= count; i += 4) v128.store(out + byteOffset(i), f32x4.min(f32x4.max(v128.load(x + byteOffset(i)), lo), hi));
  } else if (op == LEAKY_RELU) {
    // v * slope in float64 and rounded once, as the TypeScript loop does with a slope like 0.01
    const slope = f64x2.splat(p0);
    for (; i + 4 <= count; i += 4) {
      const v = v128.load(x + byteOffset(i));
      const low = f64x2.mul(f64x2.promote_low_f32x4(v), slope);
      const high = f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)), slope);
      const scaled = v128.shuffle<f32>(f32x4.demote_f64x2_zero(low), f32x4.demote_f64x2_zero(high), 0, 1, 4, 5);
      v128.store(out + byteOffset(i), v128.bitselect(v, scaled, f32x4.gt(v, f32x4.splat(0))));
    }
  } else if (op == SIGMOID) for (; i + 4 <= count; i += 4) v128.store(out + byteOffset(i), sigmoid4(v128.load(x + byteOffset(i))));
  else if (op == SILU) {
    for (; i + 4 <= count; i += 4) {
      const v = v128.load(x + byteOffset(i));
      v128.store(out + byteOffset(i), f32x4.div(v, f32x4.add(f32x4.splat(1), exp4(f32x4.neg(v)))));
    }
  } else if (op == GELU) for (; i + 4 <= count; i += 4) v128.store(out + byteOffset(i), gelu4(v128.load(x + byteOffset(i))));
  else if (op == GELU_TANH) for (; i + 4 <= count; i += 4) v128.store(out + byteOffset(i), geluTanh4(v128.load(x + byteOffset(i))));
  // The tail goes through the same vector code on a zero-padded copy, so every element gets identical
  // arithmetic. The copy sits in static data: callers must not run this export on two threads at once.
  if (i < count) {
    const rest = count - i;
    const scratch = memory.data(16, 16);
    v128.store(scratch, f32x4.splat(0));
    for (let j = 0; j < rest; j++) store<f32>(scratch + byteOffset(j), load<f32>(x + byteOffset(i + j)));
    activation(op, scratch, scratch, 4, p0, p1);
    for (let j = 0; j < rest; j++) store<f32>(out + byteOffset(i + j), load<f32>(scratch + byteOffset(j)));
  }
}

/** relu that keeps NaN as it is and maps -0 to +0 (v > 0 || v != v ? v : 0). */
@inline function relu4(v: v128): v128 {
  return v128.bitselect(v, f32x4.splat(0), v128.or(f32x4.gt(v, f32x4.splat(0)), f32x4.ne(v, v)));
}

/**
 * e^x in float32 (Cephes expf): x = n ln2 + r with |r| <= ln2/2, a degree-6 polynomial for e^r, then 2^n
 * built in the exponent bits. Beyond the float32 range the lanes become +inf or 0 (e^x < 1.2e-38 there).
 */
@inline function exp4(x: v128): v128 {
  const high = f32x4.splat(88.3762626647949), low = f32x4.splat(-87.3365447505531);
  const overflow = f32x4.gt(x, high), underflow = f32x4.lt(x, low);
  const xc = f32x4.max(f32x4.min(x, high), low);
  const n = f32x4.nearest(f32x4.mul(xc, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(xc, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = madd(p, r, f32x4.splat(1.3981999507e-3));
  p = madd(p, r, f32x4.splat(8.3334519073e-3));
  p = madd(p, r, f32x4.splat(4.1665795894e-2));
  p = madd(p, r, f32x4.splat(1.6666665459e-1));
  p = madd(p, r, f32x4.splat(5.0000001201e-1));
  p = madd(p, f32x4.mul(r, r), f32x4.add(r, f32x4.splat(1)));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  const y = f32x4.mul(p, scale);
  return v128.bitselect(f32x4.splat(Infinity), v128.bitselect(f32x4.splat(0), y, underflow), overflow);
}

@inline function sigmoid4(v: v128): v128 {
  return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), exp4(f32x4.neg(v))));
}

/** erfc(z) for z >= 0 given z and z^2 (Numerical Recipes' Chebyshev fit, fractional error < 1.2e-7). */
@inline function erfcNonNegative4(z: v128, zSquared: v128): v128 {
  const t = f32x4.div(f32x4.splat(1), madd(z, f32x4.splat(0.5), f32x4.splat(1)));
  let p = f32x4.splat(0.17087277);
  p = madd(p, t, f32x4.splat(-0.82215223));
  p = madd(p, t, f32x4.splat(1.48851587));
  p = madd(p, t, f32x4.splat(-1.13520398));
  p = madd(p, t, f32x4.splat(0.27886807));
  p = madd(p, t, f32x4.splat(-0.18628806));
  p = madd(p, t, f32x4.splat(0.09678418));
  p = madd(p, t, f32x4.splat(0.37409196));
  p = madd(p, t, f32x4.splat(1.00002368));
  p = madd(p, t, f32x4.splat(-1.26551223));
  return f32x4.mul(t, exp4(f32x4.sub(p, zSquared)));
}

/**
 * gelu(v) = v/2 * (1 + erf(v/sqrt 2)) = v/2 * erfc(-v/sqrt 2), which keeps its precision for negative v.
 * z^2 is v*v/2 (one rounding rather than two): in the tail its error is what limits the result's.
 */
@inline function gelu4(v: v128): v128 {
  const w = f32x4.mul(v, f32x4.splat(-0.7071067811865476));
  const e = erfcNonNegative4(f32x4.abs(w), f32x4.mul(f32x4.mul(v, v), f32x4.splat(0.5)));
  const erfcW = v128.bitselect(e, f32x4.sub(f32x4.splat(2), e), f32x4.ge(w, f32x4.splat(0)));
  return f32x4.mul(f32x4.mul(v, f32x4.splat(0.5)), erfcW);
}

/**
 * gelu's tanh form: v/2 * (1 + tanh(u)) with u = sqrt(2/pi) (v + 0.044715 v^3), written as v / (1 + e^-2u):
 * the same value without the cancellation 1 + tanh(u) suffers for negative v.
 */
@inline function geluTanh4(v: v128): v128 {
  const u = f32x4.mul(f32x4.splat(0.7978845608028654), madd(f32x4.mul(f32x4.mul(v, v), v), f32x4.splat(0.044715), v));
  return f32x4.div(v, f32x4.add(f32x4.splat(1), exp4(f32x4.mul(u, f32x4.splat(-2)))));
}

/**
 * softmax / log_softmax of each of `rows` contiguous rows of `size` (out may be x). The sum of exponentials
 * accumulates in float64 lanes, as the TypeScript kernel does; a NaN in a row makes the whole row NaN and a
 * row with +inf or only -inf gives NaN, as in torch.
 */
export function softmaxRows(x: usize, out: usize, rows: i32, size: i32, log: bool): void {
  for (let row = 0; row < rows; row++) {
    const src = x + byteOffset(row * size), dst = out + byteOffset(row * size);
    let maxv = f32x4.splat(-Infinity), nan = f32x4.splat(0);
    let i = 0;
    for (; i + 4 <= size; i += 4) {
      const v = v128.load(src + byteOffset(i));
      maxv = f32x4.pmax(maxv, v);
      nan = v128.or(nan, f32x4.ne(v, v));
    }
    let rowMax: f32 = max(max(f32x4.extract_lane(maxv, 0), f32x4.extract_lane(maxv, 1)), max(f32x4.extract_lane(maxv, 2), f32x4.extract_lane(maxv, 3)));
    let isNan = v128.any_true(nan);
    for (; i < size; i++) {
      const v = load<f32>(src + byteOffset(i));
      if (v > rowMax) rowMax = v;
      if (v != v) isNan = true;
    }
    if (isNan) rowMax = NaN;
    const m = f32x4.splat(rowMax);
    let sumLo = f64x2.splat(0), sumHi = f64x2.splat(0);
    i = 0;
    for (; i + 4 <= size; i += 4) {
      const e = exp4(f32x4.sub(v128.load(src + byteOffset(i)), m));
      if (!log) v128.store(dst + byteOffset(i), e);
      sumLo = f64x2.add(sumLo, f64x2.promote_low_f32x4(e));
      sumHi = f64x2.add(sumHi, f64x2.promote_low_f32x4(v128.shuffle<f32>(e, e, 2, 3, 0, 1)));
    }
    let sum = f64x2.extract_lane(sumLo, 0) + f64x2.extract_lane(sumLo, 1) + f64x2.extract_lane(sumHi, 0) + f64x2.extract_lane(sumHi, 1);
    const tailStart = i;
    for (; i < size; i++) {
      const e = <f64>Mathf.exp(load<f32>(src + byteOffset(i)) - rowMax);
      if (!log) store<f32>(dst + byteOffset(i), <f32>e);
      sum += e;
    }
    if (log) {
      const shift = f32x4.splat(<f32>(<f64>rowMax + Math.log(sum)));
      for (i = 0; i + 4 <= size; i += 4) v128.store(dst + byteOffset(i), f32x4.sub(v128.load(src + byteOffset(i)), shift));
      for (; i < size; i++) store<f32>(dst + byteOffset(i), load<f32>(src + byteOffset(i)) - f32x4.extract_lane(shift, 0));
    } else {
      const scale = f32x4.splat(<f32>(1 / sum));
      for (i = 0; i + 4 <= size; i += 4) v128.store(dst + byteOffset(i), f32x4.mul(v128.load(dst + byteOffset(i)), scale));
      for (i = tailStart; i < size; i++) store<f32>(dst + byteOffset(i), load<f32>(dst + byteOffset(i)) * f32x4.extract_lane(scale, 0));
    }
  }
}
