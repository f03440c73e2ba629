// The engine's random stream (src/engine/random.ts) into float32: Philox4x32-10 four blocks at a time in SIMD lanes
// (the 32x32 -> 64-bit products by extmul), then the same per-value arithmetic as the TypeScript loops in float64,
// rounded to float32 once. Uniform values are bit-identical to the TypeScript ones by construction; normal values go
// through Math.log/cos/sin, which here are musl's and in V8 fdlibm's ports of the same algorithms: they differ in
// the last bit of a float64 now and then, and were identical in float32 over the millions of values tested.

const M0: u32 = 0xd2511f53, M1: u32 = 0xcd9e8d57, W0: u32 = 0x9e3779b9, W1: u32 = 0xbb67ae85;
const KEY1: u32 = 0x5eed;
export const RANDOM_UNIFORM = 0, RANDOM_NORMAL = 1;

/** The high 32 bits of a * b per lane (unsigned). */
@inline function mulhi(a: v128, b: v128): v128 {
  const low = i64x2.extmul_low_i32x4_u(a, b), high = i64x2.extmul_high_i32x4_u(a, b);
  return v128.shuffle<u32>(low, high, 1, 3, 5, 7);
}

/**
 * Writes `count` float32 values of the stream at block `offset` (an integer below 2^53; four uint32 per block, as
 * random.ts's RandomKey)
 * under `seed` to `out`: kind RANDOM_UNIFORM gives p0 + (p1 - p0) * u with u in [0, 1) from 24 bits,
 * RANDOM_NORMAL gives p0 + p1 * z by Box-Muller (mean p0, std p1).
 */
export function randomFloat32(out: usize, count: i32, offset: f64, seed: u32, kind: i32, p0: f64, p1: f64): void {
  const span = p1 - p0, first = <u64>offset;
  for (let i = 0; i < count; i += 16) {
    // Blocks offset + i/4 .. + 3 in the four lanes: counter (c0, c1) = the block number's low and high words.
    const block = first + <u64>(i >> 2);
    const c0 = i32x4(<i32>block, <i32>(block + 1), <i32>(block + 2), <i32>(block + 3));
    const c1 = i32x4(<i32>(block >> 32), <i32>((block + 1) >> 32), <i32>((block + 2) >> 32), <i32>((block + 3) >> 32));
    let x0 = c0, x1 = c1, x2 = i32x4.splat(0), x3 = i32x4.splat(0);
    let k0 = seed, k1 = KEY1;
    const m0 = i32x4.splat(<i32>M0), m1 = i32x4.splat(<i32>M1);
    for (let r = 0; r < 10; r++) {
      const hi0 = mulhi(m0, x0), lo0 = i32x4.mul(m0, x0);
      const hi1 = mulhi(m1, x2), lo1 = i32x4.mul(m1, x2);
      x0 = v128.xor(v128.xor(hi1, x1), i32x4.splat(<i32>k0));
      x1 = lo1;
      x2 = v128.xor(v128.xor(hi0, x3), i32x4.splat(<i32>k1));
      x3 = lo0;
      k0 += W0;
      k1 += W1;
    }
    const values = min(16, count - i);
    const at = out + (<usize>i << 2);
    // Value 4b + j of this group is word j of block b (lane b of x_j).
    for (let b = 0; b < 4 && 4 * b < values; b++) {
      const w0 = <u32>lane(x0, b), w1 = <u32>lane(x1, b), w2 = <u32>lane(x2, b), w3 = <u32>lane(x3, b);
      const dst = at + (<usize>b << 4), n = values - 4 * b;
      if (kind == RANDOM_UNIFORM) {
        store<f32>(dst, <f32>(p0 + span * (<f64>(w0 >> 8) * 5.960464477539063e-8)));
        if (n > 1) store<f32>(dst, <f32>(p0 + span * (<f64>(w1 >> 8) * 5.960464477539063e-8)), 4);
        if (n > 2) store<f32>(dst, <f32>(p0 + span * (<f64>(w2 >> 8) * 5.960464477539063e-8)), 8);
        if (n > 3) store<f32>(dst, <f32>(p0 + span * (<f64>(w3 >> 8) * 5.960464477539063e-8)), 12);
      } else {
        normalPair(dst, w0, w1, p0, p1, n > 1);
        if (n > 2) normalPair(dst + 8, w2, w3, p0, p1, n > 3);
      }
    }
  }
}

@inline function lane(v: v128, b: i32): i32 {
  return b == 0 ? i32x4.extract_lane(v, 0) : b == 1 ? i32x4.extract_lane(v, 1) : b == 2 ? i32x4.extract_lane(v, 2) : i32x4.extract_lane(v, 3);
}

/** Box-Muller of two words, as random.ts's fillNormal: (0, 1] and [0, 1) uniforms, cos and sin of one angle. */
@inline function normalPair(dst: usize, w0: u32, w1: u32, mean: f64, std: f64, both: bool): void {
  const u1 = (<f64>w0 + 1) * 2.3283064365386963e-10;
  const u2 = <f64>w1 * 2.3283064365386963e-10;
  const r = Math.sqrt(-2 * Math.log(u1));
  // musl's sincos: sin and cos of one argument reduction, the same values as separate calls.
  NativeMath.sincos(2 * Math.PI * u2);
  store<f32>(dst, <f32>(mean + std * r * NativeMath.sincos_cos));
  if (both) store<f32>(dst, <f32>(mean + std * r * NativeMath.sincos_sin), 4);
}
