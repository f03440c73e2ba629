// Winograd F(4x4, 3x3) convolution (Lavin & Gray, interpolation points 0, ±1, ±2, ∞; as NNPACK and XNNPACK) for
// float32 3x3 stride-1 undilated ungrouped convs. A 6x6 input tile d becomes V = Bᵀ d B, a 3x3 filter g becomes
// U = G g Gᵀ (once: the JavaScript side caches U, see ../winograd.ts), and each 4x4 output tile is Aᵀ M A with
// M[ξ] = Σ_ic U[ξ][oc][ic] V[ξ][ic][tile]: 36 GEMMs replace 144 multiply-adds per tile and channel pair by 36.
//
// The GEMMs run tiles x cIn by cIn x cOut, so the pieces are laid out as the micro-kernel reads them and nothing
// is packed per call: V[group of 4 tiles][ξ][ic][4 tiles] (the A sliver), U[ξ][8 output channels][ic][8] (the
// B sliver, zero past cOut), M[tile][ξ][S] with S a little more than the channels (stride off powers of two).
// Tiles run in blocks (a rectangle of tiles) whose V and M fit in L2, over a zero-padded copy of their input rows.
// Small images take winogradFusedConv2d (end of the file) instead, which transforms U per call, a sliver at a time.
// Both paths share the transforms and the micro-kernel, hence one file of over 400 lines.
import { EPILOGUE_BIAS, EPILOGUE_RELU, EPILOGUE_RESIDUAL, EPILOGUE_SCALE } from './pointwise';
import { madd, transpose4x4Store } from './simd';

/** Working set of one block's V and M: L2-sized (ResNet shapes: 0.5, 1 and 2 MiB within 10 %, 1 MiB best). */
const BLOCK_BYTES: i32 = 1 << 20;
/** Scratch of the tile transforms: 36 vectors. */
const TEMP_BYTES: usize = 36 * 16;

@inline function byteOffset(elements: i32): usize {
  return <usize>elements << 2;
}

@inline function roundUp(x: i32, unit: i32): i32 {
  return ((x + unit - 1) / unit) * unit;
}

/** Floats between the ξ planes of one tile in M: the channels of the share, padded off powers of two. */
@inline function productStride(ocCount: i32): i32 {
  return roundUp(ocCount, 8) + 4;
}

/** Bytes of the transformed weights of a [cOut, cIn, 3, 3] filter. */
export function winogradWeightBytes(cOut: i32, cIn: i32): usize {
  return byteOffset(36 * roundUp(cOut, 8) * cIn);
}

/** Tiles in one block row (bw) for an output `tilesX` tiles wide: whole rows when a few fit, else a segment. */
function blockWidth(cIn: i32, ocCount: i32, tilesX: i32): i32 {
  const perTile = 36 * 4 * (cIn + productStride(ocCount));
  const tiles = max(4, (BLOCK_BYTES / perTile) & ~3);
  return min(tiles, tilesX);
}

/** Most tile rows in one block (bh), for blocks bw tiles wide. */
function blockHeight(cIn: i32, ocCount: i32, tilesX: i32, tileRows: i32): i32 {
  const bw = blockWidth(cIn, ocCount, tilesX);
  if (bw < tilesX) return 1;
  const perTile = 36 * 4 * (cIn + productStride(ocCount));
  return max(1, min(tileRows, max(4, BLOCK_BYTES / perTile) / bw));
}

/** Bytes of each scratch part of a block bw x bh tiles: padded input, V, M (the transform scratch follows). */
@inline function paddedBytes(cIn: i32, bw: i32, bh: i32): usize {
  return byteOffset(cIn * (4 * bh + 2) * roundUp(4 * bw + 2, 4));
}
@inline function inputTileBytes(cIn: i32, tiles: i32): usize {
  return byteOffset(roundUp(tiles, 4) * 36 * cIn);
}

/**
 * Scratch bytes one thread's winogradConv2d needs for output channels of count ocCount (its share) and an output
 * of tilesX x tileRows tiles (its share of rows or all of them).
 */
export function winogradScratchBytes(cIn: i32, ocCount: i32, tilesX: i32, tileRows: i32): usize {
  const bw = blockWidth(cIn, ocCount, tilesX), bh = blockHeight(cIn, ocCount, tilesX, tileRows);
  const tiles = bw * bh;
  return paddedBytes(cIn, bw, bh) + inputTileBytes(cIn, tiles) + byteOffset(roundUp(tiles, 4) * 36 * productStride(ocCount)) +
    TEMP_BYTES + 64;
}

// ---- weight transform --------------------------------------------------------------------------------------

/** G (a, b, c) for one column of taps: six rows stored `stride` bytes apart from dst. */
@inline function filterTransform(a: v128, b: v128, c: v128, dst: usize, stride: usize): void {
  const sixth = f32x4.splat(-1.0 / 6.0);
  const ac = f32x4.add(a, c);
  const a24c6 = madd(a, f32x4.splat(1.0 / 24.0), f32x4.mul(c, f32x4.splat(1.0 / 6.0)));
  const b12 = f32x4.mul(b, f32x4.splat(1.0 / 12.0));
  v128.store(dst, f32x4.mul(a, f32x4.splat(0.25)));
  v128.store(dst + stride, f32x4.mul(f32x4.add(ac, b), sixth));
  v128.store(dst + 2 * stride, f32x4.mul(f32x4.sub(ac, b), sixth));
  v128.store(dst + 3 * stride, f32x4.add(a24c6, b12));
  v128.store(dst + 4 * stride, f32x4.sub(a24c6, b12));
  v128.store(dst + 5 * stride, c);
}

/** Tap k of filter (oc0 + lane, ic) for four output channels, zero past cOut. */
@inline function filterTaps(weight: usize, cOut: i32, cIn: i32, oc0: i32, ic: i32, k: i32): v128 {
  let v = f32x4.splat(0);
  const stride = byteOffset(cIn * 9);
  const at = weight + byteOffset((oc0 * cIn + ic) * 9 + k);
  if (oc0 < cOut) v = f32x4.replace_lane(v, 0, load<f32>(at));
  if (oc0 + 1 < cOut) v = f32x4.replace_lane(v, 1, load<f32>(at + stride));
  if (oc0 + 2 < cOut) v = f32x4.replace_lane(v, 2, load<f32>(at + 2 * stride));
  if (oc0 + 3 < cOut) v = f32x4.replace_lane(v, 3, load<f32>(at + 3 * stride));
  return v;
}

/**
 * U = G g Gᵀ of weight [cOut, cIn, 3, 3] into u (winogradWeightBytes), for the blocks of 8 output channels
 * [jBegin, jEnd) (threads split them). `temp` holds 18 vectors.
 */
export function winogradWeights(cOut: i32, cIn: i32, weight: usize, u: usize, jBegin: i32, jEnd: i32, temp: usize): void {
  transformWeights(cOut, cIn, weight, u, jBegin, jEnd, temp, byteOffset(roundUp(cOut, 8) * cIn));
}

/** winogradWeights with ξ planes xiStride bytes apart. */
function transformWeights(cOut: i32, cIn: i32, weight: usize, u: usize, jBegin: i32, jEnd: i32, temp: usize, xiStride: usize): void {
  for (let j = jBegin; j < jEnd; j++) {
    for (let ic = 0; ic < cIn; ic++) {
      for (let half = 0; half < 2; half++) {
        const oc0 = j * 8 + half * 4;
        // Columns of g (taps c, 3 + c, 6 + c) through G: temp[row][column].
        for (let c = 0; c < 3; c++) {
          filterTransform(filterTaps(weight, cOut, cIn, oc0, ic, c), filterTaps(weight, cOut, cIn, oc0, ic, 3 + c),
            filterTaps(weight, cOut, cIn, oc0, ic, 6 + c), temp + byteOffset(4 * c), 48);
        }
        const dst = u + <usize>j * byteOffset(cIn * 8) + byteOffset(ic * 8 + half * 4);
        for (let r = 0; r < 6; r++) {
          const row = temp + <usize>(r * 48);
          filterTransform(v128.load(row), v128.load(row, 16), v128.load(row, 32), dst + <usize>(r * 6) * xiStride, xiStride);
        }
      }
    }
  }
}

// ---- cache validation --------------------------------------------------------------------------------------

/** Whether `count` floats at a and b are bitwise equal. */
export function floatsEqual(a: usize, b: usize, count: i32): bool {
  const end = a + byteOffset(count);
  let diff = i32x4.splat(0);
  for (; a + 64 <= end; a += 64, b += 64) {
    diff = v128.or(diff, v128.xor(v128.load(a), v128.load(b)));
    diff = v128.or(diff, v128.xor(v128.load(a, 16), v128.load(b, 16)));
    diff = v128.or(diff, v128.xor(v128.load(a, 32), v128.load(b, 32)));
    diff = v128.or(diff, v128.xor(v128.load(a, 48), v128.load(b, 48)));
  }
  for (; a < end; a += 4, b += 4) if (load<i32>(a) != load<i32>(b)) return false;
  return !v128.any_true(diff);
}

/**
 * A 32-bit hash of `count` floats' bits continuing from `seed` (four lane-wise multiply-xor chains, then folded):
 * the cache's content key.
 */
export function floatsHash(a: usize, count: i32, seed: u32): u32 {
  const end = a + byteOffset(count);
  const prime = i32x4.splat(0x01000193);
  let h0 = v128.xor(i32x4(0x811c9dc5, 0x1b873593, 0x85ebca6b, 0x27d4eb2f), i32x4.splat(seed)), h1 = i32x4(0x165667b1, 0x61c88647, 0x7f4a7c15, 0x2545f491);
  let h2 = i32x4(0x3c6ef372, 0x5be0cd19, 0x6a09e667, 0x510e527f), h3 = i32x4(0x1f83d9ab, 0x9b05688c, 0x243f6a88, 0x13198a2e);
  for (; a + 64 <= end; a += 64) {
    h0 = i32x4.mul(v128.xor(h0, v128.load(a)), prime);
    h1 = i32x4.mul(v128.xor(h1, v128.load(a, 16)), prime);
    h2 = i32x4.mul(v128.xor(h2, v128.load(a, 32)), prime);
    h3 = i32x4.mul(v128.xor(h3, v128.load(a, 48)), prime);
  }
  // Fold the chains (rotated so that equal lanes do not cancel), then the lanes and the tail.
  const folded = v128.xor(v128.xor(h0, v128.shuffle<i32>(h1, h1, 1, 2, 3, 0)),
    v128.xor(v128.shuffle<i32>(h2, h2, 2, 3, 0, 1), v128.shuffle<i32>(h3, h3, 3, 0, 1, 2)));
  let h: u32 = 0x9e3779b9;
  h = (h ^ <u32>i32x4.extract_lane(folded, 0)) * 0x01000193;
  h = (h ^ <u32>i32x4.extract_lane(folded, 1)) * 0x01000193;
  h = (h ^ <u32>i32x4.extract_lane(folded, 2)) * 0x01000193;
  h = (h ^ <u32>i32x4.extract_lane(folded, 3)) * 0x01000193;
  for (; a < end; a += 4) h = (h ^ load<u32>(a)) * 0x01000193;
  return h ^ (h >>> 15);
}

// ---- input tiles -------------------------------------------------------------------------------------------

/** Bᵀ (d0..d5): six outputs stored `stride` bytes apart from dst. */
@inline function inputTransform(d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128, dst: usize, stride: usize): void {
  const four = f32x4.splat(4), minusFive = f32x4.splat(-5), two = f32x4.splat(2);
  const s12 = f32x4.add(d1, d2), d12 = f32x4.sub(d1, d2);
  const s34 = f32x4.add(d4, d3), d43 = f32x4.sub(d4, d3);
  const d42 = f32x4.sub(d4, d2), d31 = f32x4.sub(d3, d1);
  v128.store(dst, madd(d2, minusFive, madd(d0, four, d4)));
  v128.store(dst + stride, madd(s12, f32x4.splat(-4), s34));
  v128.store(dst + 2 * stride, madd(d12, four, d43));
  v128.store(dst + 3 * stride, madd(d31, two, d42));
  v128.store(dst + 4 * stride, madd(d31, f32x4.splat(-2), d42));
  v128.store(dst + 5 * stride, madd(d3, minusFive, madd(d1, four, d5)));
}

/**
 * Copies input rows for tile rows [ty0, ty0 + rows) and tile columns [tx0, tx0 + cols) into `padded`, with the
 * zeros of the padding and past the edges: channel c's row r is at padded + (c * rowsP + r) * widthP floats.
 */
function padInput(input: usize, cIn: i32, h: i32, w: i32, padTop: i32, padLeft: i32, ty0: i32, rows: i32, tx0: i32, cols: i32,
  padded: usize, widthP: i32): void {
  const rowsP = 4 * rows + 2;
  const y0 = 4 * ty0 - padTop, x0 = 4 * tx0 - padLeft;
  // Valid columns [xa, xb) of the padded row.
  const xa = min(max(0, -x0), widthP), xb = max(xa, min(widthP, w - x0));
  const rowBytes = byteOffset(widthP);
  let dst = padded;
  for (let c = 0; c < cIn; c++) {
    const channel = input + byteOffset(c * h * w);
    for (let r = 0; r < rowsP; r++, dst += rowBytes) {
      const iy = y0 + r;
      if (iy < 0 || iy >= h || xb == xa) { memory.fill(dst, 0, rowBytes); continue; }
      if (xa > 0) memory.fill(dst, 0, byteOffset(xa));
      let d = dst + byteOffset(xa), s = channel + byteOffset(iy * w + x0 + xa);
      const end = dst + byteOffset(xb);
      for (; d + 16 <= end; d += 16, s += 16) v128.store(d, v128.load(s));
      for (; d < end; d += 4, s += 4) store<f32>(d, load<f32>(s));
      if (xb < widthP) memory.fill(end, 0, byteOffset(widthP - xb));
    }
  }
}

/**
 * V of a group of four tiles (lanes) for every input channel: tile l's 6x6 window starts at p_l in channel 0 of
 * the padded rows. Rows are gathered and transposed so that each vector holds one position of the four tiles.
 */
function transformInputGroup(p0: usize, p1: usize, p2: usize, p3: usize, cIn: i32, channelBytes: usize, rowBytes: usize,
  v: usize, temp: usize): void {
  const xiBytes = byteOffset(cIn * 4);
  for (let c = 0; c < cIn; c++) {
    const offset = <usize>c * channelBytes;
    for (let r = 0; r < 6; r++) {
      const at = offset + <usize>r * rowBytes;
      const a0 = v128.load(p0 + at), a1 = v128.load(p1 + at), a2 = v128.load(p2 + at), a3 = v128.load(p3 + at);
      const t0 = v128.shuffle<f32>(a0, a1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(a0, a1, 2, 6, 3, 7);
      const t2 = v128.shuffle<f32>(a2, a3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(a2, a3, 2, 6, 3, 7);
      const b01 = v128.shuffle<f32>(v128.load64_zero(p0 + at, 16), v128.load64_zero(p1 + at, 16), 0, 1, 4, 5);
      const b23 = v128.shuffle<f32>(v128.load64_zero(p2 + at, 16), v128.load64_zero(p3 + at, 16), 0, 1, 4, 5);
      // Along x: temp[k][r] = (Bᵀ row r)[k].
      inputTransform(v128.shuffle<f32>(t0, t2, 0, 1, 4, 5), v128.shuffle<f32>(t0, t2, 2, 3, 6, 7),
        v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), v128.shuffle<f32>(t1, t3, 2, 3, 6, 7),
        v128.shuffle<f32>(b01, b23, 0, 2, 4, 6), v128.shuffle<f32>(b01, b23, 1, 3, 5, 7), temp + <usize>(r * 16), 96);
    }
    // Along y: V[ξ = i * 6 + k][c] = (Bᵀ column k)[i].
    const dst = v + byteOffset(c * 4);
    for (let k = 0; k < 6; k++) {
      const col = temp + <usize>(k * 96);
      inputTransform(v128.load(col), v128.load(col, 16), v128.load(col, 32), v128.load(col, 48), v128.load(col, 64),
        v128.load(col, 80), dst + <usize>k * xiBytes, 6 * xiBytes);
    }
  }
}

// ---- products ----------------------------------------------------------------------------------------------

/**
 * c (4 rows ldcBytes apart, 8 columns) = A sliver (kc x 4, tiles) @ B sliver (kc x 8, channels), plus c's values
 * when `accumulate`, as gemm.ts's micro-kernel. Each step also loads one byte `touchStep` apart from `touch` on: the weights stream from memory
 * (they are 4x the raw filter, and with few tiles each sliver serves few micro-kernels), and WASM has no prefetch,
 * so these loads fetch the next slivers while this one computes. Returns the touched bytes folded (keeps them live).
 */
@inline export function microKernel(kc: i32, pa: usize, pb: usize, c: usize, ldcBytes: usize, touch: usize, touchStep: usize,
  accumulate: bool = false): i32 {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  if (accumulate) {
    c00 = v128.load(c); c01 = v128.load(c, 16);
    c10 = v128.load(c + ldcBytes); c11 = v128.load(c + ldcBytes, 16);
    c20 = v128.load(c + 2 * ldcBytes); c21 = v128.load(c + 2 * ldcBytes, 16);
    c30 = v128.load(c + 3 * ldcBytes); c31 = v128.load(c + 3 * ldcBytes, 16);
  }
  let sink: i32 = 0;
  const pbEnd = pb + byteOffset(kc * 8);
  while (pb < pbEnd) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    sink |= load<u8>(touch);
    let a = v128.load32_splat(pa);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = v128.load32_splat(pa, 4);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    a = v128.load32_splat(pa, 8);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
    a = v128.load32_splat(pa, 12);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
    pa += 16;
    pb += 32;
    touch += touchStep;
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ldcBytes, c10); v128.store(c + ldcBytes, c11, 16);
  v128.store(c + 2 * ldcBytes, c20); v128.store(c + 2 * ldcBytes, c21, 16);
  v128.store(c + 3 * ldcBytes, c30); v128.store(c + 3 * ldcBytes, c31, 16);
  return sink;
}

/**
 * M[tile][ξ][oc - ocBegin] for the block's groups of 4 tiles and 8-channel blocks [j0, j1), ξ by ξ. The first
 * group's pass over a weight sliver touches the next two (a cache line a step), inside the weights [u, uEnd).
 */
function multiply(groups: i32, cIn: i32, u: usize, uEnd: usize, blocks: i32, j0: i32, j1: i32, v: usize, m: usize,
  stride: i32, sinkAt: usize): void {
  const ldcBytes = byteOffset(36 * stride);
  const sliverBytes = byteOffset(cIn * 8);
  let sink: i32 = 0;
  for (let xi = 0; xi < 36; xi++) {
    for (let j = j0; j < j1; j++) {
      const pb = u + byteOffset(((xi * blocks + j) * cIn) * 8);
      // The next slivers this thread reads: the following j, or the next ξ's first.
      const next = j + 1 < j1 ? pb + sliverBytes : u + byteOffset(((xi + 1) * blocks + j0) * cIn * 8);
      const touchStep: usize = next + 2 * sliverBytes <= uEnd ? 64 : 0;
      let pa = v + byteOffset(xi * cIn * 4);
      let c = m + byteOffset(xi * stride + (j - j0) * 8);
      sink |= microKernel(cIn, pa, pb, c, ldcBytes, touchStep != 0 ? next : pb, touchStep);
      for (let g = 1; g < groups; g++) {
        pa += byteOffset(36 * cIn * 4);
        c += 4 * ldcBytes;
        sink |= microKernel(cIn, pa, pb, c, ldcBytes, pb, 0);
      }
    }
  }
  store<i32>(sinkAt, sink);
}

// ---- output tiles ------------------------------------------------------------------------------------------

/** Aᵀ (m0..m5): four outputs stored `stride` bytes apart from dst. */
@inline function outputTransform(m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, dst: usize, stride: usize): void {
  const s12 = f32x4.add(m1, m2), d12 = f32x4.sub(m1, m2);
  const s34 = f32x4.add(m3, m4), d34 = f32x4.sub(m3, m4);
  v128.store(dst, f32x4.add(m0, f32x4.add(s12, s34)));
  v128.store(dst + stride, madd(d34, f32x4.splat(2), d12));
  v128.store(dst + 2 * stride, madd(s34, f32x4.splat(4), s12));
  v128.store(dst + 3 * stride, f32x4.add(madd(d34, f32x4.splat(8), d12), m5));
}

/**
 * The 4x4 outputs of one tile for four channels (lanes) from M at `m` (ξ planes `stride` floats apart), times scale
 * plus bias, plus the residual `residualDelta` bytes after each output when `residual`, then max with 0 when `relu`,
 * transposed into the NCHW rows of channels oc..oc+3 (only `channels` of them, and only inside the output). A scale
 * of 1 changes no bit.
 */
function transformOutputTile(m: usize, stride: i32, scaleV: v128, biasV: v128, residual: bool, residualDelta: isize, relu: bool,
  out: usize, outH: i32, outW: i32, oy: i32, ox: i32, channels: i32, temp: usize): void {
  const s = byteOffset(stride);
  // Along y: temp[y][k] for columns k.
  for (let k = 0; k < 6; k++) {
    const col = m + <usize>k * s;
    outputTransform(v128.load(col), v128.load(col + 6 * s), v128.load(col + 12 * s), v128.load(col + 18 * s),
      v128.load(col + 24 * s), v128.load(col + 30 * s), temp + <usize>(k * 16), 96);
  }
  const plane = byteOffset(outH * outW);
  const full = oy + 4 <= outH && ox + 4 <= outW && channels == 4;
  const xs = min(4, outW - ox);
  for (let y = 0; y < 4 && oy + y < outH; y++) {
    const row = temp + <usize>(y * 96);
    const rowT = temp + <usize>(4 * 96);
    // Along x: rowT[x] for the four channels.
    outputTransform(v128.load(row), v128.load(row, 16), v128.load(row, 32), v128.load(row, 48), v128.load(row, 64),
      v128.load(row, 80), rowT, 16);
    storeOutputRow(v128.load(rowT), v128.load(rowT, 16), v128.load(rowT, 32), v128.load(rowT, 48), scaleV, biasV, residual,
      residualDelta, relu, out + byteOffset((oy + y) * outW + ox), plane, full, channels, xs, rowT);
  }
}

/**
 * One row of a tile's 4x4 outputs for four channels: o0..o3 hold columns x = 0..3 (lanes: channels). Times scale plus
 * bias, transposed into the channels' NCHW rows from dst (planes `plane` bytes apart), plus the residual
 * `residualDelta` bytes after each output when `residual`, then max with 0 when `relu`. A `full` tile stores four
 * vectors; an edge tile only `channels` channels and `xs` columns, through `edge` (4 vectors of scratch). Shared with
 * winograd-s2.ts.
 */
@inline export function storeOutputRow(o0: v128, o1: v128, o2: v128, o3: v128, scaleV: v128, biasV: v128, residual: bool,
  residualDelta: isize, relu: bool, dst: usize, plane: usize, full: bool, channels: i32, xs: i32, edge: usize): void {
  o0 = f32x4.add(f32x4.mul(o0, scaleV), biasV); o1 = f32x4.add(f32x4.mul(o1, scaleV), biasV);
  o2 = f32x4.add(f32x4.mul(o2, scaleV), biasV); o3 = f32x4.add(f32x4.mul(o3, scaleV), biasV);
  const t0 = v128.shuffle<f32>(o0, o1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(o0, o1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(o2, o3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(o2, o3, 2, 6, 3, 7);
  // Row x of channel l (lanes: x); the residual and ReLU apply per element, after the transposition.
  let r0 = v128.shuffle<f32>(t0, t2, 0, 1, 4, 5), r1 = v128.shuffle<f32>(t0, t2, 2, 3, 6, 7);
  let r2 = v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), r3 = v128.shuffle<f32>(t1, t3, 2, 3, 6, 7);
  if (full) {
    if (residual) {
      const at = dst + residualDelta;
      r0 = f32x4.add(r0, v128.load(at)); r1 = f32x4.add(r1, v128.load(at + plane));
      r2 = f32x4.add(r2, v128.load(at + 2 * plane)); r3 = f32x4.add(r3, v128.load(at + 3 * plane));
    }
    if (relu) {
      const zero = f32x4.splat(0);
      r0 = f32x4.max(r0, zero); r1 = f32x4.max(r1, zero); r2 = f32x4.max(r2, zero); r3 = f32x4.max(r3, zero);
    }
    v128.store(dst, r0);
    v128.store(dst + plane, r1);
    v128.store(dst + 2 * plane, r2);
    v128.store(dst + 3 * plane, r3);
    return;
  }
  // Edge tile: channel l's four values to edge[l], then the ones inside the output.
  v128.store(edge, r0);
  v128.store(edge, r1, 16);
  v128.store(edge, r2, 32);
  v128.store(edge, r3, 48);
  for (let l = 0; l < channels; l++) {
    for (let x = 0; x < xs; x++) {
      const at = dst + <usize>l * plane + byteOffset(x);
      let v = load<f32>(edge + byteOffset(l * 4 + x));
      if (residual) v += load<f32>(at + residualDelta);
      store<f32>(at, relu ? max<f32>(v, 0) : v);
    }
  }
}

// ---- the convolution ---------------------------------------------------------------------------------------

/**
 * out[oc, outH, outW] for channels [ocBegin, ocEnd) (ocBegin a multiple of 8) and tile rows [tyBegin, tyEnd) of
 * one image: input [cIn, h, w], transformed weights u of all cOut channels (winogradWeights), zero padding
 * padTop/padLeft (bottom/right implied by outH/outW). `scratch` holds winogradScratchBytes(cIn, ocEnd - ocBegin,
 * tilesX, tile rows of the whole output).
 */
export function winogradConv2d(cIn: i32, h: i32, w: i32, cOut: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32,
  input: usize, u: usize, bias: usize, scale: usize, epilogue: i32, residual: usize, out: usize, ocBegin: i32, ocEnd: i32,
  tyBegin: i32, tyEnd: i32, scratch: usize): void {
  if (ocEnd <= ocBegin || tyEnd <= tyBegin || outW <= 0) return;
  const hasResidual = (epilogue & EPILOGUE_RESIDUAL) != 0, residualDelta = <isize>residual - <isize>out;
  const tilesX = (outW + 3) / 4, tilesY = (outH + 3) / 4;
  const ocCount = ocEnd - ocBegin, stride = productStride(ocCount);
  const bw = blockWidth(cIn, ocCount, tilesX), bhMax = blockHeight(cIn, ocCount, tilesX, tilesY);
  // Balanced blocks of rows: as many as bhMax requires, equally tall.
  const rowBlocks = (tyEnd - tyBegin + bhMax - 1) / bhMax;
  const bh = (tyEnd - tyBegin + rowBlocks - 1) / rowBlocks;
  const padded = scratch;
  const v = padded + paddedBytes(cIn, bw, bhMax);
  const m = v + inputTileBytes(cIn, bw * bhMax);
  const temp = m + byteOffset(roundUp(bw * bhMax, 4) * 36 * stride);
  const blocks = roundUp(cOut, 8) / 8, j0 = ocBegin / 8, j1 = (ocEnd + 7) / 8;
  for (let ty0 = tyBegin; ty0 < tyEnd; ty0 += bh) {
    const rows = min(bh, tyEnd - ty0);
    for (let tx0 = 0; tx0 < tilesX; tx0 += bw) {
      const cols = min(bw, tilesX - tx0);
      const widthP = roundUp(4 * cols + 2, 4);
      const rowBytes = byteOffset(widthP), channelBytes = byteOffset((4 * rows + 2) * widthP);
      padInput(input, cIn, h, w, padTop, padLeft, ty0, rows, tx0, cols, padded, widthP);
      const tiles = rows * cols, groups = (tiles + 3) / 4;
      transformInputTiles(padded, tiles, cols, rowBytes, channelBytes, cIn, v, temp);
      multiply(groups, cIn, u, u + winogradWeightBytes(cOut, cIn), blocks, j0, j1, v, m, stride, temp);
      for (let t = 0; t < tiles; t++) {
        const oy = 4 * (ty0 + t / cols), ox = 4 * (tx0 + t % cols);
        const tileM = m + byteOffset(t * 36 * stride);
        for (let oc = ocBegin; oc < ocEnd; oc += 4) {
          const biasV = epilogue & EPILOGUE_BIAS ? v128.load(bias + byteOffset(oc)) : f32x4.splat(0);
          const scaleV = epilogue & EPILOGUE_SCALE ? v128.load(scale + byteOffset(oc)) : f32x4.splat(1);
          transformOutputTile(tileM + byteOffset(oc - ocBegin), stride, scaleV, biasV, hasResidual, residualDelta,
            (epilogue & EPILOGUE_RELU) != 0, out + byteOffset(oc * outH * outW), outH, outW, oy, ox, min(4, ocEnd - oc), temp);
        }
      }
    }
  }
}

/**
 * V of a block's `tiles` tiles (`cols` to a row) from its zero-padded input rows, four tiles a group; tiles past the
 * block repeat its last one (their products are never read).
 */
function transformInputTiles(padded: usize, tiles: i32, cols: i32, rowBytes: usize, channelBytes: usize, cIn: i32, v: usize,
  temp: usize): void {
  const groups = (tiles + 3) / 4;
  for (let g = 0; g < groups; g++) {
    const t = 4 * g;
    const q0 = min(t, tiles - 1), q1 = min(t + 1, tiles - 1), q2 = min(t + 2, tiles - 1), q3 = min(t + 3, tiles - 1);
    transformInputGroup(padded + tileOffset(q0, cols, rowBytes), padded + tileOffset(q1, cols, rowBytes),
      padded + tileOffset(q2, cols, rowBytes), padded + tileOffset(q3, cols, rowBytes), cIn, channelBytes, rowBytes,
      v + byteOffset(g * 36 * cIn * 4), temp);
  }
}

/** Byte offset of tile t's window (t counted row by row over `cols` tiles) in a channel of the padded rows. */
@inline function tileOffset(t: i32, cols: i32, rowBytes: usize): usize {
  return <usize>(t / cols) * 4 * rowBytes + byteOffset((t % cols) * 4);
}

// ---- fused: weights transformed on the fly -----------------------------------------------------------------

/**
 * Bytes between the ξ planes of a fused U sliver: a cache line more than the plane, since 36 stores a power of two
 * apart (16 KiB at 512 channels) fall in one L1 set and made the transform 4x slower.
 */
@inline function sliverStride(cIn: i32): usize {
  return byteOffset(cIn * 8) + 64;
}

/** Scratch bytes of winogradFusedConv2d: padded rows, V of all tiles, one U sliver, M of one sliver, temps. */
export function winogradFusedScratchBytes(cIn: i32, tilesX: i32, tileRows: i32): usize {
  const tiles = tilesX * tileRows;
  return paddedBytes(cIn, tilesX, tileRows) + inputTileBytes(cIn, tiles) + 36 * sliverStride(cIn) +
    byteOffset(roundUp(tiles, 4) * 36 * productStride(8)) + FUSED_TEMP_BYTES + 64;
}

/** Temps of the fused path: 36 vectors of gathered taps and 18 of the column pass. */
const FUSED_TEMP_BYTES: usize = 54 * 16;

/**
 * U of one full sliver (8 channels, cIn a multiple of 4) for input channels [ic0, ic1) (multiples of 4), with ξ planes
 * xiStride bytes apart and rows from ic0 on: four channels' taps of four input channels are 36 contiguous floats per
 * channel, transposed in registers 4x4 at a time (the scalar gather of transformWeights costs twice the transform).
 */
function transformSliver(cIn: i32, weight: usize, u: usize, xiStride: usize, temp: usize, ic0: i32, ic1: i32): void {
  const taps = temp, columns = temp + 36 * 16;
  const channelBytes = byteOffset(cIn * 9);
  for (let half = 0; half < 2; half++) {
    const r0 = weight + <usize>(half * 4) * channelBytes, r1 = r0 + channelBytes, r2 = r1 + channelBytes, r3 = r2 + channelBytes;
    for (let ic = ic0; ic < ic1; ic += 4) {
      const at = byteOffset(ic * 9);
      for (let b: usize = 0; b < 9 * 16; b += 16) {
        transpose4x4Store(v128.load(r0 + at + b), v128.load(r1 + at + b), v128.load(r2 + at + b), v128.load(r3 + at + b),
          taps + 4 * b, 16);
      }
      for (let l = 0; l < 4; l++) {
        const g = taps + <usize>(l * 9 * 16);
        for (let c = 0; c < 3; c++) {
          const col = g + <usize>(c * 16);
          filterTransform(v128.load(col), v128.load(col, 48), v128.load(col, 96), columns + <usize>(c * 16), 48);
        }
        const dst = u + byteOffset((ic - ic0 + l) * 8 + half * 4);
        for (let r = 0; r < 6; r++) {
          const row = columns + <usize>(r * 48);
          filterTransform(v128.load(row), v128.load(row, 16), v128.load(row, 32), dst + <usize>(r * 6) * xiStride, xiStride);
        }
      }
    }
  }
}

/** Input channels per chunk of multiplyInChunks: a chunk's U (36 planes x 32 x 8 floats, 37 KiB) stays in L1. */
const CHUNK_CHANNELS: i32 = 32;
/**
 * Images of at most this many groups of 4 tiles (16 tiles: 14x14 and smaller) multiply in chunks of input channels:
 * with few tiles a sliver's U (4x the raw filter: 590 KiB at 512 channels) is written to L2 and read back for little
 * arithmetic; the transform took half of a 512ch@7x7 call (1.7 of 3.5 ms on one thread).
 */
const CHUNKED_MAX_GROUPS: i32 = 4;

/**
 * M of a full sliver (8 channels, cIn a multiple of 4) for `groups` groups of 4 tiles, CHUNK_CHANNELS input channels
 * at a time: each chunk's U is transformed into `chunk` and multiplied while in L1 (no prefetch touches), accumulating
 * into M.
 */
function multiplyInChunks(cIn: i32, raw: usize, chunk: usize, v: usize, m: usize, stride: i32, groups: i32, temp: usize): void {
  const ldcBytes = byteOffset(36 * stride);
  for (let k0 = 0; k0 < cIn; k0 += CHUNK_CHANNELS) {
    const kc = min(CHUNK_CHANNELS, cIn - k0);
    const planeStride = byteOffset(kc * 8) + 64;
    transformSliver(cIn, raw, chunk, planeStride, temp, k0, k0 + kc);
    for (let xi = 0; xi < 36; xi++) {
      const pb = chunk + <usize>xi * planeStride;
      let pa = v + byteOffset(xi * cIn * 4 + k0 * 4), c = m + byteOffset(xi * stride);
      for (let g = 0; g < groups; g++, pa += byteOffset(36 * cIn * 4), c += 4 * ldcBytes) {
        microKernel(kc, pa, pb, c, ldcBytes, pb, 0, k0 > 0);
      }
    }
  }
}

/**
 * winogradConv2d with U made per call: for small images (few tiles per output channel) streaming the cached U,
 * 4x the filter, costs more than transforming the raw filter again. Each 8-channel sliver of U is transformed into
 * L2 scratch, used by the 36 GEMMs of all tiles, and its products go straight through the output transform.
 * `weight` holds the raw filters of channels [ocBegin, ocEnd) ([oc][cIn][9]). The input tiles of tile rows
 * [tyBegin, tyEnd) (all of them one block) are transformed only when `transformInput`, else reused from the
 * previous call on the same scratch (the caller feeds the weights a chunk of channels at a time).
 */
export function winogradFusedConv2d(cIn: i32, h: i32, w: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32,
  input: usize, weight: usize, bias: usize, scale: usize, epilogue: i32, residual: usize, out: usize, ocBegin: i32,
  ocEnd: i32, tyBegin: i32, tyEnd: i32, scratch: usize, transformInput: bool): void {
  if (ocEnd <= ocBegin || tyEnd <= tyBegin || outW <= 0) return;
  const hasResidual = (epilogue & EPILOGUE_RESIDUAL) != 0, residualDelta = <isize>residual - <isize>out;
  const cols = (outW + 3) / 4, rows = tyEnd - tyBegin, tiles = rows * cols, groups = (tiles + 3) / 4;
  const widthP = roundUp(4 * cols + 2, 4);
  const rowBytes = byteOffset(widthP), channelBytes = byteOffset((4 * rows + 2) * widthP);
  const padded = scratch;
  const v = padded + paddedBytes(cIn, cols, rows);
  const sliver = v + inputTileBytes(cIn, tiles);
  const xiStride = sliverStride(cIn);
  const m = sliver + 36 * xiStride;
  const temp = m + byteOffset(roundUp(tiles, 4) * 36 * productStride(8));
  if (transformInput) {
    padInput(input, cIn, h, w, padTop, padLeft, tyBegin, rows, 0, cols, padded, widthP);
    transformInputTiles(padded, tiles, cols, rowBytes, channelBytes, cIn, v, temp);
  }
  const stride = productStride(8), ldcBytes = byteOffset(36 * stride);
  for (let oc0 = ocBegin; oc0 < ocEnd; oc0 += 8) {
    const channels = min(8, ocEnd - oc0);
    const raw = weight + byteOffset((oc0 - ocBegin) * cIn * 9);
    if (channels == 8 && (cIn & 3) == 0 && groups <= CHUNKED_MAX_GROUPS) {
      multiplyInChunks(cIn, raw, sliver, v, m, stride, groups, temp);
    } else {
      if (channels == 8 && (cIn & 3) == 0) transformSliver(cIn, raw, sliver, xiStride, temp, 0, cIn);
      else transformWeights(channels, cIn, raw, sliver, 0, 1, temp, xiStride);
      let sink: i32 = 0;
      for (let xi = 0; xi < 36; xi++) {
        const pb = sliver + <usize>xi * xiStride;
        let pa = v + byteOffset(xi * cIn * 4), c = m + byteOffset(xi * stride);
        for (let g = 0; g < groups; g++, pa += byteOffset(36 * cIn * 4), c += 4 * ldcBytes) {
          sink |= microKernel(cIn, pa, pb, c, ldcBytes, pb, 0);
        }
      }
      store<i32>(temp, sink);
    }
    for (let t = 0; t < tiles; t++) {
      const oy = 4 * (tyBegin + t / cols), ox = 4 * (t % cols);
      const tileM = m + byteOffset(t * 36 * stride);
      for (let half = 0; half < channels; half += 4) {
        const oc = oc0 + half;
        const biasV = epilogue & EPILOGUE_BIAS ? v128.load(bias + byteOffset(oc)) : f32x4.splat(0);
        const scaleV = epilogue & EPILOGUE_SCALE ? v128.load(scale + byteOffset(oc)) : f32x4.splat(1);
        transformOutputTile(tileM + byteOffset(half), stride, scaleV, biasV, hasResidual, residualDelta,
          (epilogue & EPILOGUE_RELU) != 0, out + byteOffset(oc * outH * outW), outH, outW, oy, ox, min(4, ocEnd - oc), temp);
      }
    }
  }
}
