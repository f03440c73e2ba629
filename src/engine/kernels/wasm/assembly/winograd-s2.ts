// Winograd for float32 3x3 stride-2 convs (ResNet's downsampling convs), weights transformed per call.
//
// Along one axis, 4 outputs y_i = g0 x_2i + g1 x_2i+1 + g2 x_2i+2 read 9 inputs: the even ones e_j = x_2j are a
// 2-tap correlation with (g0, g2), computed by Winograd F(4, 2) (points 0, ±1, 2, ∞: 5 products for 4 outputs),
// and the odd ones o_j = x_2j+1 each meet g1 alone (4 products). So a 9-wide input tile becomes 9 values ξ
// (5 transformed, then the 4 odd inputs as they are), a filter becomes 6 (5 transformed, then g1, shared by the 4
// odd ξ), and y = Aᵀ m[0..5) + m[5 + i]. In 2-D a 4x4 output tile takes 81 products per channel pair instead of
// 144. Filters have 6x6 = 36 distinct transformed values ("planes", as in F(4x4, 3x3)); the 4 odd ξ of an axis
// that share a plane act as 4 more tiles of it, so plane (uy, ux) multiplies my * mx "virtual" tiles per input
// tile (m = 1 for a transformed ξ, 4 for g1's) through the same micro-kernel as winograd.ts. Float32 error is
// about a third of F(4x4, 3x3)'s (about 3e-7 of Σ|x w|).
//
// Matrices (points 0, 1, -1, 2, ∞): Bᵀ = [2 -1 -2 1 0; 0 -2 -1 1 0; 0 2 -3 1 0; 0 -1 0 1 0; 0 2 -1 -2 1],
// G = [1/2 0; -1/2 -1/2; -1/6 1/6; 1/6 1/3; 0 1], Aᵀ = [1 1 1 1 0; 0 1 -1 2 0; 0 1 1 4 0; 0 1 -1 8 1].
import { EPILOGUE_BIAS, EPILOGUE_RELU, EPILOGUE_RESIDUAL, EPILOGUE_SCALE } from './pointwise';
import { madd, transpose4x4Store } from './simd';
import { microKernel, storeOutputRow } from './winograd';

@inline function byteOffset(elements: i32): usize {
  return <usize>elements << 2;
}

@inline function roundUp(x: i32, unit: i32): i32 {
  return ((x + unit - 1) / unit) * unit;
}

/** Virtual tiles of plane coordinate u per input tile: 1 for a transformed ξ, 4 for the odd inputs (g1). */
@inline function multiplicity(u: i32): i32 {
  return u < 5 ? 1 : 4;
}

/** Virtual tiles of all 36 planes per input tile, summed: 9 x 9. */
const VIRTUAL_PER_TILE: i32 = 81;

/** Bytes between the planes of a U sliver (8 channels): a cache line off the plane size, as winograd.ts. */
@inline function sliverStride(cIn: i32): usize {
  return byteOffset(cIn * 8) + 64;
}

/** Scratch layout of one thread's call for an output of tilesX x tilesY tiles. */
@inline function paddedWidth(tilesX: i32): i32 {
  return roundUp(8 * tilesX + 4, 4);
}
@inline function paddedBytes(cIn: i32, tilesX: i32, tilesY: i32): usize {
  return byteOffset(cIn * (8 * tilesY + 1) * paddedWidth(tilesX));
}
@inline function inputTileBytes(cIn: i32, tiles4: i32): usize {
  return byteOffset(VIRTUAL_PER_TILE * tiles4 * cIn);
}
@inline function productBytes(tiles4: i32): usize {
  return byteOffset(VIRTUAL_PER_TILE * tiles4 * 8);
}
/** Temps: 81 vectors of the row pass plus 9 of a column (more than the output's 66), then the group table. */
const TEMP_BYTES: usize = (81 + 81 + 36 + 8) * 16;
const TABLE_BYTES: usize = 84 * 4;

/**
 * Scratch bytes of winogradS2Conv2d for `tiles` 4x4 output tiles (a call's range) spanning at most tileRows rows of
 * an output tilesX tiles wide.
 */
export function winogradS2ScratchBytes(cIn: i32, tilesX: i32, tileRows: i32, tiles: i32): usize {
  const tiles4 = roundUp(tiles, 4);
  return paddedBytes(cIn, tilesX, tileRows) + inputTileBytes(cIn, tiles4) + 36 * sliverStride(cIn) + productBytes(tiles4) +
    TEMP_BYTES + TABLE_BYTES + 64;
}

// ---- transforms ----------------------------------------------------------------------------------------------

/** Bᵀ on the even inputs and the odd ones passed through: x0..x8 (vectors) to ξ0..ξ8, `stride` bytes apart. */
@inline function inputTransform9(x0: v128, x1: v128, x2: v128, x3: v128, x4: v128, x5: v128, x6: v128, x7: v128, x8: v128,
  dst: usize, stride: usize): void {
  const two = f32x4.splat(2);
  // Even inputs e0..e4 = x0, x2, x4, x6, x8.
  const d13 = f32x4.sub(x6, x2);
  v128.store(dst, f32x4.sub(madd(f32x4.sub(x0, x4), two, x6), x2));
  v128.store(dst + stride, f32x4.sub(d13, f32x4.add(x2, x4)));
  v128.store(dst + 2 * stride, f32x4.add(madd(x2, two, f32x4.mul(x4, f32x4.splat(-3))), x6));
  v128.store(dst + 3 * stride, d13);
  v128.store(dst + 4 * stride, f32x4.add(madd(f32x4.sub(x2, x6), two, x8), f32x4.neg(x4)));
  v128.store(dst + 5 * stride, x1);
  v128.store(dst + 6 * stride, x3);
  v128.store(dst + 7 * stride, x5);
  v128.store(dst + 8 * stride, x7);
}

/** G' (a, b, c) = (G (a, c), b): six values `stride` bytes apart. */
@inline function filterTransform6(a: v128, b: v128, c: v128, dst: usize, stride: usize): void {
  const half = f32x4.splat(0.5), sixth = f32x4.splat(1.0 / 6.0);
  v128.store(dst, f32x4.mul(a, half));
  v128.store(dst + stride, f32x4.mul(f32x4.add(a, c), f32x4.splat(-0.5)));
  v128.store(dst + 2 * stride, f32x4.mul(f32x4.sub(c, a), sixth));
  v128.store(dst + 3 * stride, madd(c, f32x4.splat(1.0 / 3.0), f32x4.mul(a, sixth)));
  v128.store(dst + 4 * stride, c);
  v128.store(dst + 5 * stride, b);
}

/** y_i = (Aᵀ m[0..5))_i + m[5 + i] for the nine values at src (`stride` bytes apart): four outputs at dst, 16 apart. */
@inline function outputTransform9(src: usize, stride: usize, dst: usize): void {
  const m0 = v128.load(src), m1 = v128.load(src + stride), m2 = v128.load(src + 2 * stride);
  const m3 = v128.load(src + 3 * stride), m4 = v128.load(src + 4 * stride);
  const s12 = f32x4.add(m1, m2), d12 = f32x4.sub(m1, m2);
  v128.store(dst, f32x4.add(f32x4.add(m0, s12), f32x4.add(m3, v128.load(src + 5 * stride))));
  v128.store(dst, madd(m3, f32x4.splat(2), f32x4.add(d12, v128.load(src + 6 * stride))), 16);
  v128.store(dst, madd(m3, f32x4.splat(4), f32x4.add(s12, v128.load(src + 7 * stride))), 32);
  v128.store(dst, f32x4.add(madd(m3, f32x4.splat(8), f32x4.add(d12, m4)), v128.load(src + 8 * stride)), 48);
}

/**
 * transformSliver of 8 channels with cIn a multiple of 4: four channels' taps of four input channels are 36
 * contiguous floats per channel, transposed in registers 4x4 at a time instead of gathered lane by lane, as
 * winograd.ts's fused transformSliver (ResNet-18's 256->512 conv at 14x14 in the network: 3.25 -> 2.83 ms on one thread, 1.84 -> 1.55 on two).
 */
function transformFullSliver(weight: usize, cIn: i32, u: usize, planeStride: usize, temp: usize): void {
  const taps = temp, cols = temp + 36 * 16;
  const filterBytes = byteOffset(cIn * 9);
  for (let half = 0; half < 2; half++) {
    const r0 = weight + <usize>(half * 4) * filterBytes, r1 = r0 + filterBytes, r2 = r1 + filterBytes, r3 = r2 + filterBytes;
    for (let ic = 0; ic < cIn; ic += 4) {
      const at = byteOffset(ic * 9);
      // taps + 16 (9 l + k): tap k of input channel ic + l, four output channels.
      for (let b: usize = 0; b < 9 * 16; b += 16) {
        transpose4x4Store(v128.load(r0 + at + b), v128.load(r1 + at + b), v128.load(r2 + at + b), v128.load(r3 + at + b), taps + 4 * b, 16);
      }
      for (let l = 0; l < 4; l++) {
        const g = taps + <usize>(l * 9 * 16);
        for (let c = 0; c < 3; c++) {
          filterTransform6(v128.load(g + <usize>(c * 16)), v128.load(g + <usize>((3 + c) * 16)), v128.load(g + <usize>((6 + c) * 16)),
            cols + <usize>(c * 16), 48);
        }
        const dst = u + byteOffset((ic + l) * 8 + half * 4);
        for (let r = 0; r < 6; r++) {
          const row = cols + <usize>(r * 48);
          filterTransform6(v128.load(row), v128.load(row, 16), v128.load(row, 32), dst + <usize>(r * 6) * planeStride, planeStride);
        }
      }
    }
  }
}

// ---- layout --------------------------------------------------------------------------------------------------

/**
 * Byte offset, within V (per input channel `cIn` wide) or M (8 wide), of virtual tile (jy, jx) group g of plane
 * (uy, ux): planes one after another, each [my * mx][groups][...].
 */
@inline function planeBase(uy: i32, ux: i32, groups: i32): i32 {
  // Virtual tiles before plane (uy, ux): full plane rows (9 per input tile each... counted per u).
  let before = 0;
  for (let y = 0; y < uy; y++) before += multiplicity(y) * 9;
  before += multiplicity(uy) * (ux < 5 ? ux : 5);
  return before * groups;
}

/** ξ index a (0..8) of an axis to its plane coordinate u and virtual index j. */
@inline function planeOf(a: i32): i32 { return a < 5 ? a : 5; }
@inline function virtualOf(a: i32): i32 { return a < 5 ? 0 : a - 5; }

/** Group index (in 4-tile groups) of virtual tile (ay, ax) of tile group g, with `groups` groups of input tiles. */
@inline function virtualGroup(ay: i32, ax: i32, g: i32, groups: i32): i32 {
  const uy = planeOf(ay), ux = planeOf(ax);
  return planeBase(uy, ux, groups) + (virtualOf(ay) * multiplicity(ux) + virtualOf(ax)) * groups + g;
}

// ---- the convolution ----------------------------------------------------------------------------------------

/** table[ay * 9 + ax] = virtualGroup(ay, ax, 0, groups): where the 81 ξ of a tile group go in V and M. */
function fillTable(table: usize, groups: i32): void {
  for (let ay = 0; ay < 9; ay++) for (let ax = 0; ax < 9; ax++) store<i32>(table + byteOffset(ay * 9 + ax), virtualGroup(ay, ax, 0, groups));
}

/**
 * V of the four input tiles (lanes) whose 9x9 windows start at p0..p3 in the padded rows, tile group g, for every
 * input channel. Rows are gathered and transposed so each vector holds one position of the four tiles.
 */
function transformInputGroup(p0: usize, p1: usize, p2: usize, p3: usize, cIn: i32, channelBytes: usize, rowBytes: usize,
  v: usize, g: i32, table: usize, temp: usize): void {
  const rows = temp, columns = temp + 81 * 16;
  for (let c = 0; c < cIn; c++) {
    const offset = <usize>c * channelBytes;
    for (let r = 0; r < 9; r++) {
      const at = offset + <usize>r * rowBytes;
      // Positions 0..7 of the four tiles by two 4x4 transposes, position 8 gathered.
      transpose4x4Store(v128.load(p0 + at), v128.load(p1 + at), v128.load(p2 + at), v128.load(p3 + at), columns, 16);
      transpose4x4Store(v128.load(p0 + at, 16), v128.load(p1 + at, 16), v128.load(p2 + at, 16), v128.load(p3 + at, 16), columns + 64, 16);
      let x8 = v128.load32_zero(p0 + at + 32);
      x8 = v128.load32_lane(p1 + at + 32, x8, 1);
      x8 = v128.load32_lane(p2 + at + 32, x8, 2);
      x8 = v128.load32_lane(p3 + at + 32, x8, 3);
      // Along x: rows[k][r] = ξ_k of row r.
      inputTransform9(v128.load(columns), v128.load(columns, 16), v128.load(columns, 32), v128.load(columns, 48),
        v128.load(columns, 64), v128.load(columns, 80), v128.load(columns, 96), v128.load(columns, 112), x8, rows + <usize>(r * 16), 9 * 16);
    }
    // Along y, straight into V: ξ (ay, ax) of channel c.
    for (let ax = 0; ax < 9; ax++) {
      const col = rows + <usize>(ax * 9 * 16);
      inputTransform9(v128.load(col), v128.load(col, 16), v128.load(col, 32), v128.load(col, 48), v128.load(col, 64),
        v128.load(col, 80), v128.load(col, 96), v128.load(col, 112), v128.load(col, 128), columns, 16);
      for (let ay = 0; ay < 9; ay++) {
        const vg = load<i32>(table + byteOffset(ay * 9 + ax)) + g;
        v128.store(v + byteOffset((vg * cIn + c) * 4), v128.load(columns + <usize>(ay * 16)));
      }
    }
  }
}

/**
 * U planes of 8 output channels (oc0.., zero past `channels`) for all input channels: [plane][ic][8], planes
 * `planeStride` bytes apart. `weight` holds [channels][cIn][9]. A full sliver over input channels in fours takes
 * transformFullSliver.
 */
function transformSliver(weight: usize, channels: i32, cIn: i32, u: usize, planeStride: usize, temp: usize): void {
  if (channels == 8 && (cIn & 3) == 0) {
    transformFullSliver(weight, cIn, u, planeStride, temp);
    return;
  }
  const filterBytes = byteOffset(cIn * 9);
  for (let ic = 0; ic < cIn; ic++) {
    for (let half = 0; half < 2; half++) {
      // Taps of four output channels (lanes).
      for (let k = 0; k < 9; k++) {
        let t = f32x4.splat(0);
        const at = weight + byteOffset(ic * 9 + k) + <usize>(half * 4) * filterBytes;
        if (half * 4 < channels) t = f32x4.replace_lane(t, 0, load<f32>(at));
        if (half * 4 + 1 < channels) t = f32x4.replace_lane(t, 1, load<f32>(at + filterBytes));
        if (half * 4 + 2 < channels) t = f32x4.replace_lane(t, 2, load<f32>(at + 2 * filterBytes));
        if (half * 4 + 3 < channels) t = f32x4.replace_lane(t, 3, load<f32>(at + 3 * filterBytes));
        v128.store(temp + <usize>(k * 16), t);
      }
      // Columns (taps c, 3 + c, 6 + c) through G': temp2[row][column].
      const cols = temp + 9 * 16;
      for (let c = 0; c < 3; c++) {
        filterTransform6(v128.load(temp + <usize>(c * 16)), v128.load(temp + <usize>((3 + c) * 16)), v128.load(temp + <usize>((6 + c) * 16)),
          cols + <usize>(c * 16), 48);
      }
      const dst = u + byteOffset(ic * 8 + half * 4);
      for (let r = 0; r < 6; r++) {
        const row = cols + <usize>(r * 48);
        filterTransform6(v128.load(row), v128.load(row, 16), v128.load(row, 32), dst + <usize>(r * 6) * planeStride, planeStride);
      }
    }
  }
}

/**
 * out[oc, outH, outW] for output channels [ocBegin, ocEnd) (ocBegin a multiple of 8) and 4x4 output tiles
 * [tileBegin, tileEnd) (row by row) of one image: input [cIn, h, w] with zero padding padTop/padLeft, stride 2,
 * 3x3 weights [ocBegin..ocEnd][cIn][9] at `weight` (that share only), then the epilogue (pointwise.ts's flags;
 * scale, bias and the residual, laid out as `out`, of all channels). Threads split channels or tiles.
 * `scratch`: winogradS2ScratchBytes for the tile range.
 */
export function winogradS2Conv2d(cIn: i32, h: i32, w: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, input: usize,
  weight: usize, bias: usize, scale: usize, epilogue: i32, residual: usize, out: usize, ocBegin: i32, ocEnd: i32,
  tileBegin: i32, tileEnd: i32, scratch: usize): void {
  if (ocEnd <= ocBegin || tileEnd <= tileBegin || outW <= 0) return;
  const tilesX = (outW + 3) / 4, tiles = tileEnd - tileBegin, groups = (tiles + 3) / 4;
  // Padded input rows of the tile rows the range touches.
  const firstRow = tileBegin / tilesX, tileRows = (tileEnd - 1) / tilesX + 1 - firstRow;
  const widthP = paddedWidth(tilesX), rowBytes = byteOffset(widthP), channelBytes = byteOffset((8 * tileRows + 1) * widthP);
  const padded = scratch;
  const v = padded + paddedBytes(cIn, tilesX, tileRows);
  const sliver = v + inputTileBytes(cIn, groups * 4);
  const planeStride = sliverStride(cIn);
  const m = sliver + 36 * planeStride;
  const temp = m + productBytes(groups * 4), table = temp + TEMP_BYTES;
  fillTable(table, groups);
  padRows(input, cIn, h, w, padTop - 8 * firstRow, padLeft, 8 * tileRows + 1, widthP, padded);
  // Tiles past the last group's end repeat the last tile (their products are never read).
  const first = tileBegin - firstRow * tilesX, last = first + tiles - 1;
  for (let g = 0; g < groups; g++) {
    const t = first + 4 * g;
    transformInputGroup(padded + tileOffset(t, tilesX, rowBytes), padded + tileOffset(min(t + 1, last), tilesX, rowBytes),
      padded + tileOffset(min(t + 2, last), tilesX, rowBytes), padded + tileOffset(min(t + 3, last), tilesX, rowBytes), cIn,
      channelBytes, rowBytes, v, g, table, temp);
  }
  const hasResidual = (epilogue & EPILOGUE_RESIDUAL) != 0, relu = (epilogue & EPILOGUE_RELU) != 0;
  for (let oc0 = ocBegin; oc0 < ocEnd; oc0 += 8) {
    const channels = min(8, ocEnd - oc0);
    transformSliver(weight + byteOffset((oc0 - ocBegin) * cIn * 9), channels, cIn, sliver, planeStride, temp);
    let sink: i32 = 0;
    for (let uy = 0; uy < 6; uy++) {
      for (let ux = 0; ux < 6; ux++) {
        const pb = sliver + <usize>(uy * 6 + ux) * planeStride;
        const base = planeBase(uy, ux, groups), count = multiplicity(uy) * multiplicity(ux) * groups;
        for (let vg = base; vg < base + count; vg++) {
          sink |= microKernel(cIn, v + byteOffset(vg * cIn * 4), pb, m + byteOffset(vg * 32), 32, pb, 0);
        }
      }
    }
    store<i32>(temp, sink);
    for (let half = 0; half < channels; half += 4) {
      const oc = oc0 + half, lanes = min(4, ocEnd - oc);
      const biasV = epilogue & EPILOGUE_BIAS ? v128.load(bias + byteOffset(oc)) : f32x4.splat(0);
      const scaleV = epilogue & EPILOGUE_SCALE ? v128.load(scale + byteOffset(oc)) : f32x4.splat(1);
      for (let t = 0; t < tiles; t++) {
        const g = t >> 2, lane = t & 3;
        // Gather the tile's 81 products (4 channels each) row by row, and reduce along x at once: temp[ay][i].
        const row9 = temp + 16, rowsOut = temp + 16 + 9 * 16;
        for (let ay = 0; ay < 9; ay++) {
          const tableRow = table + byteOffset(ay * 9), tileRow = m + byteOffset((g * 4 + lane) * 8 + half);
          for (let ax = 0; ax < 9; ax++) {
            v128.store(row9 + <usize>(ax * 16), v128.load(tileRow + byteOffset(load<i32>(tableRow + byteOffset(ax)) * 32)));
          }
          outputTransform9(row9, 16, rowsOut + <usize>(ay * 64));
        }
        const tile = tileBegin + t;
        storeTile(rowsOut, scaleV, biasV, hasResidual, <isize>residual - <isize>out, relu, out + byteOffset(oc * outH * outW),
          outH, outW, 4 * (tile / tilesX), 4 * (tile % tilesX), lanes, temp + 16 + 45 * 16);
      }
    }
  }
}

/**
 * Along y over the x-reduced rows (rowsOut[ay][i], 9 rows of 4 vectors), then scale, bias, residual and ReLU, and
 * the 4x4 outputs of four channels (lanes) transposed into their NCHW rows (only `lanes` channels, inside the image).
 */
@inline function storeTile(rowsOut: usize, scaleV: v128, biasV: v128, residual: bool, residualDelta: isize, relu: bool, out: usize,
  outH: i32, outW: i32, oy: i32, ox: i32, lanes: i32, temp: usize): void {
  const plane = byteOffset(outH * outW);
  const full = oy + 4 <= outH && ox + 4 <= outW && lanes == 4;
  for (let i = 0; i < 4; i++) outputTransform9(rowsOut + <usize>(i * 16), 64, temp + <usize>(i * 64));
  // temp[x][y] (vectors of 4 channels): row y is temp + 16 y, its columns 64 bytes apart.
  const xs = min(4, outW - ox);
  for (let y = 0; y < 4 && oy + y < outH; y++) {
    const row = temp + <usize>(y * 16);
    storeOutputRow(v128.load(row), v128.load(row, 64), v128.load(row, 128), v128.load(row, 192), scaleV, biasV, residual,
      residualDelta, relu, out + byteOffset((oy + y) * outW + ox), plane, full, lanes, xs, temp + 256);
  }
}

/** Byte offset of tile t's 9x9 window (tiles row by row, tilesX to a row) in a channel of the padded rows. */
@inline function tileOffset(t: i32, tilesX: i32, rowBytes: usize): usize {
  return <usize>(t / tilesX) * 8 * rowBytes + byteOffset((t % tilesX) * 8);
}

/**
 * Copies input rows into `padded` (rowsP rows of widthP per channel; padded row r is input row r - padTop) with the
 * zeros of the padding and past the edges.
 */
function padRows(input: usize, cIn: i32, h: i32, w: i32, padTop: i32, padLeft: i32, rowsP: i32, widthP: i32, padded: usize): void {
  const xa = min(max(0, padLeft), widthP), xb = max(xa, min(widthP, w + padLeft));
  const rowBytes = byteOffset(widthP);
  let dst = padded;
  for (let c = 0; c < cIn; c++) {
    const channel = input + byteOffset(c * h * w);
    for (let r = 0; r < rowsP; r++, dst += rowBytes) {
      const iy = r - padTop;
      if (iy < 0 || iy >= h || xb == xa) { memory.fill(dst, 0, rowBytes); continue; }
      if (xa > 0) memory.fill(dst, 0, byteOffset(xa));
      let d = dst + byteOffset(xa), s = channel + byteOffset(iy * w + xa - padLeft);
      const end = dst + byteOffset(xb);
      for (; d + 16 <= end; d += 16, s += 16) v128.store(d, v128.load(s));
      for (; d < end; d += 4, s += 4) store<f32>(d, load<f32>(s));
      if (xb < widthP) memory.fill(end, 0, byteOffset(widthP - xb));
    }
  }
}
