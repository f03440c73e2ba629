// 2-D convolution over contiguous NCHW float32 in linear memory, the same lowering as the TypeScript
// kernel: im2col per chunk of output rows feeding sgemm, the input itself as the GEMM operand for 1x1
// stride-1 unpadded convolutions, direct SIMD loops for depthwise convolutions and for stride-2 image stems.
import { sgemm } from './gemm';
import { convEpilogueRange } from './pointwise';
import { madd } from './simd';

@inline function byteOffset(elements: i32): usize {
  return <usize>elements << 2;
}

/** First output position o whose input position o*stride + offset is >= 0 (clamped to outSize). */
@inline function firstValid(outSize: i32, stride: i32, offset: i32): i32 {
  return offset >= 0 ? 0 : min((-offset + stride - 1) / stride, outSize);
}

/** One past the last output position o whose input position o*stride + offset is < size (at least lo). */
@inline function endValid(outSize: i32, stride: i32, offset: i32, size: i32, lo: i32): i32 {
  const hi = size - 1 - offset < 0 ? 0 : (size - 1 - offset) / stride + 1;
  return max(min(hi, outSize), lo);
}

/**
 * Output rows [oyBegin, oyEnd) of out[n, cOut, outH, outW] = conv(input[n, cIn, h, w], weight[cOut, cIn/groups, kh, kw])
 * + bias, zero padding padTop/padLeft (bottom/right padding is implied by outH/outW). Threads split the rows.
 * `columns` holds columnCapacity floats of im2col scratch; `scratch` is sgemm's. A nonzero `epilogue` (flags as in
 * pointwise.ts; hasBias is then 0) applies convEpilogueRange to each chunk of rows once it is written, with
 * `scale`, `bias` and the residual at `residual` (laid out as `out`).
 */
export function conv2d(n: i32, cIn: i32, h: i32, w: i32, cOut: i32, kh: i32, kw: i32, groups: i32,
  strideH: i32, strideW: i32, padTop: i32, padLeft: i32, dilationH: i32, dilationW: i32, outH: i32, outW: i32,
  input: usize, weight: usize, bias: usize, hasBias: bool, out: usize, columns: usize, columnCapacity: i32, scratch: usize,
  oyBegin: i32, oyEnd: i32, scale: usize, epilogue: i32, residual: usize): void {
  const outPlane = outH * outW;
  if (n == 0 || cOut == 0 || oyEnd <= oyBegin || outW == 0) return;
  const cInG = cIn / groups, cOutG = cOut / groups;
  if (groups > 1 && cInG == 1) {
    depthwise(n, cIn, h, w, cOut, kh, kw, strideH, strideW, padTop, padLeft, dilationH, dilationW, outH, outW,
      input, weight, bias, hasBias, out, columns, oyBegin, oyEnd);
    for (let b = 0; b < n; b++) epilogueRows(epilogue, out, cOut, outH, outW, scale, bias, residual, b, 0, cOut, oyBegin, oyEnd);
    return;
  }
  const depth = cInG * kh * kw;
  if (usesDirectStride2(cIn, groups, kw, strideW, dilationH, dilationW, outW)
    && directStride2Floats(cIn, cOut, kh, kw, strideH, outW) <= columnCapacity) {
    directStride2(n, cIn, h, w, cOut, kh, kw, strideH, padTop, padLeft, outH, outW, input, weight, bias, hasBias, out,
      columns, oyBegin, oyEnd, scale, epilogue, residual);
    return;
  }
  // With a bias the rows start at it and the GEMMs accumulate; without, the GEMMs overwrite.
  if (hasBias || depth == 0) fillBias(out, bias, hasBias, n, cOut, outPlane, oyBegin * outW, oyEnd * outW);
  if (depth == 0) {
    for (let b = 0; b < n; b++) epilogueRows(epilogue, out, cOut, outH, outW, scale, bias, residual, b, 0, cOut, oyBegin, oyEnd);
    return;
  }
  const beta: f32 = hasBias ? 1 : 0;
  const pointwise = kh == 1 && kw == 1 && strideH == 1 && strideW == 1 && padTop == 0 && padLeft == 0 && outH == h && outW == w;
  const plane = h * w;
  for (let b = 0; b < n; b++) {
    for (let g = 0; g < groups; g++) {
      const groupWeight = weight + byteOffset(g * cOutG * depth);
      const groupInput = input + byteOffset((b * cIn + g * cInG) * plane);
      const groupOut = out + byteOffset((b * cOut + g * cOutG) * outPlane);
      if (pointwise) {
        // The input planes already are the [cIn/g, h*w] B operand (output pixel = input pixel).
        const first = byteOffset(oyBegin * w);
        sgemm(cOutG, (oyEnd - oyBegin) * w, cInG, groupWeight, cInG, 1, groupInput + first, plane, 1,
          groupOut + first, outPlane, 1, beta, scratch);
        epilogueRows(epilogue, out, cOut, outH, outW, scale, bias, residual, b, g * cOutG, cOutG, oyBegin, oyEnd);
        continue;
      }
      const rowsPerChunk = max(1, min(oyEnd - oyBegin, columnCapacity / (depth * outW)));
      for (let oy0 = oyBegin; oy0 < oyEnd; oy0 += rowsPerChunk) {
        const rows = min(rowsPerChunk, oyEnd - oy0);
        const chunk = rows * outW;
        im2col(groupInput, cInG, h, w, kh, kw, strideH, strideW, padTop, padLeft, dilationH, dilationW, outW, oy0, rows, columns);
        sgemm(cOutG, chunk, depth, groupWeight, depth, 1, columns, chunk, 1, groupOut + byteOffset(oy0 * outW), outPlane, 1, beta, scratch);
        epilogueRows(epilogue, out, cOut, outH, outW, scale, bias, residual, b, g * cOutG, cOutG, oy0, oy0 + rows);
      }
    }
  }
}

/**
 * A convolution's epilogue (pointwise.ts's flags; 0: none) over rows [oy0, oy1) of channels [c0, c0 + channels) of
 * image b of out[n, cOut, outH, outW], which its kernel has just written. The residual is laid out as `out`.
 */
@inline function epilogueRows(flags: i32, out: usize, cOut: i32, outH: i32, outW: i32, scale: usize, bias: usize,
  residual: usize, b: i32, c0: i32, channels: i32, oy0: i32, oy1: i32): void {
  if (flags == 0) return;
  const outPlane = outH * outW, offset = byteOffset((b * cOut + c0) * outPlane);
  convEpilogueRange(out + offset, channels, outPlane, oy0 * outW, oy1 * outW, scale + byteOffset(c0), bias + byteOffset(c0),
    flags, residual + offset);
}

/** Sets elements [begin, end) of every output plane to its channel's bias, or to zero. */
function fillBias(out: usize, bias: usize, hasBias: bool, n: i32, cOut: i32, outPlane: i32, begin: i32, end: i32): void {
  for (let b = 0; b < n; b++) {
    for (let c = 0; c < cOut; c++) {
      const value = f32x4.splat(hasBias ? load<f32>(bias + byteOffset(c)) : 0);
      const plane = out + byteOffset((b * cOut + c) * outPlane);
      let at = plane + byteOffset(begin);
      const stop = plane + byteOffset(end);
      for (; at + 16 <= stop; at += 16) v128.store(at, value);
      for (; at < stop; at += 4) store<f32>(at, f32x4.extract_lane(value, 0));
    }
  }
}

/** Fills columns [cInG*kh*kw, rows*outW] with the input patches of output rows [oy0, oy0 + rows). */
function im2col(input: usize, cInG: i32, h: i32, w: i32, kh: i32, kw: i32, strideH: i32, strideW: i32,
  padTop: i32, padLeft: i32, dilationH: i32, dilationW: i32, outW: i32, oy0: i32, rows: i32, columns: usize): void {
  const chunk = rows * outW;
  const rowBytes = byteOffset(outW);
  for (let c = 0; c < cInG; c++) {
    const channel = input + byteOffset(c * h * w);
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        let dst = columns + byteOffset(((c * kh + ky) * kw + kx) * chunk);
        const xOffset = kx * dilationW - padLeft;
        const ox0 = firstValid(outW, strideW, xOffset);
        const ox1 = endValid(outW, strideW, xOffset, w, ox0);
        for (let r = 0; r < rows; r++, dst += rowBytes) {
          const iy = (oy0 + r) * strideH - padTop + ky * dilationH;
          if (iy < 0 || iy >= h) { memory.fill(dst, 0, rowBytes); continue; }
          const src = channel + byteOffset(iy * w + xOffset);
          if (ox0 > 0) memory.fill(dst, 0, byteOffset(ox0));
          if (strideW == 1) copyFloats(dst + byteOffset(ox0), src + byteOffset(ox0), ox1 - ox0);
          else if (strideW == 2) copyEvenFloats(dst + byteOffset(ox0), src + byteOffset(2 * ox0), ox1 - ox0);
          else {
            const step = byteOffset(strideW);
            let s = src + byteOffset(ox0 * strideW);
            for (let ox = ox0; ox < ox1; ox++, s += step) store<f32>(dst + byteOffset(ox), load<f32>(s));
          }
          if (ox1 < outW) memory.fill(dst + byteOffset(ox1), 0, byteOffset(outW - ox1));
        }
      }
    }
  }
}

/** Copies `count` floats; rows here are short, where a vector loop beats memory.copy's call. */
@inline function copyFloats(dst: usize, src: usize, count: i32): void {
  const end = dst + byteOffset(count);
  for (; dst + 16 <= end; dst += 16, src += 16) v128.store(dst, v128.load(src));
  for (; dst < end; dst += 4, src += 4) store<f32>(dst, load<f32>(src));
}

/** dst[i] = src[2i] for `count` floats (stride-2 rows). */
@inline function copyEvenFloats(dst: usize, src: usize, count: i32): void {
  const end = dst + byteOffset(count);
  for (; dst + 16 <= end; dst += 16, src += 32) {
    v128.store(dst, v128.shuffle<f32>(v128.load(src), v128.load(src, 16), 0, 2, 4, 6));
  }
  for (; dst < end; dst += 4, src += 8) store<f32>(dst, load<f32>(src));
}

/**
 * One input channel per group: each output plane reads one input plane. Outputs whose window lies inside
 * the input (the interior) run four at a time over the precomputed tap offsets; border outputs check each tap.
 * `taps` receives kh*kw byte offsets (i32) followed by the channel's kh*kw weights.
 */
function depthwise(n: i32, cIn: i32, h: i32, w: i32, cOut: i32, kh: i32, kw: i32, strideH: i32, strideW: i32,
  padTop: i32, padLeft: i32, dilationH: i32, dilationW: i32, outH: i32, outW: i32,
  input: usize, weight: usize, bias: usize, hasBias: bool, out: usize, taps: usize, oyBegin: i32, oyEnd: i32): void {
  const multiplier = cOut / cIn;
  const tapCount = kh * kw;
  const tapWeights = taps + byteOffset(tapCount);
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) store<i32>(taps + byteOffset(ky * kw + kx), byteOffset(ky * dilationH * w + kx * dilationW));
  }
  // Interior: output rows/columns whose whole window lies inside the input.
  const oyIn0 = firstValid(outH, strideH, -padTop);
  const oyIn1 = endValid(outH, strideH, -padTop, h - (kh - 1) * dilationH, oyIn0);
  const oxIn0 = firstValid(outW, strideW, -padLeft);
  const oxIn1 = endValid(outW, strideW, -padLeft, w - (kw - 1) * dilationW, oxIn0);
  const plane = h * w;
  for (let b = 0; b < n; b++) {
    for (let oc = 0; oc < cOut; oc++) {
      const channel = input + byteOffset((b * cIn + oc / multiplier) * plane);
      const outChannel = out + byteOffset((b * cOut + oc) * outH * outW);
      const biasValue: f32 = hasBias ? load<f32>(bias + byteOffset(oc)) : 0;
      const channelWeights = weight + byteOffset(oc * tapCount);
      memory.copy(tapWeights, channelWeights, byteOffset(tapCount));
      for (let oy = oyBegin; oy < oyEnd; oy++) {
        const outRow = outChannel + byteOffset(oy * outW);
        const interiorRow = oy >= oyIn0 && oy < oyIn1;
        const x0 = interiorRow ? oxIn0 : outW, x1 = interiorRow ? oxIn1 : outW;
        for (let ox = 0; ox < x0; ox++) {
          store<f32>(outRow + byteOffset(ox), biasValue + depthwiseBorder(channel, channelWeights, h, w, kh, kw,
            strideH, strideW, padTop, padLeft, dilationH, dilationW, oy, ox));
        }
        if (x1 > x0) {
          const rowStart = channel + byteOffset((oy * strideH - padTop) * w - padLeft);
          // The stride is a literal in each call so that the inlined loops specialise on it.
          if (tapCount == 9 && kw == 3 && strideW == 1) depthwiseRow3x3(rowStart, outRow, taps, tapWeights, 1, x0, x1, biasValue);
          else if (tapCount == 9 && kw == 3 && strideW == 2) depthwiseRow3x3(rowStart, outRow, taps, tapWeights, 2, x0, x1, biasValue);
          else {
            depthwiseRow(rowStart, outRow, taps, tapWeights, tapCount, strideW, x0, x1, biasValue);
          }
        }
        for (let ox = max(x0, x1); ox < outW; ox++) {
          store<f32>(outRow + byteOffset(ox), biasValue + depthwiseBorder(channel, channelWeights, h, w, kh, kw,
            strideH, strideW, padTop, padLeft, dilationH, dilationW, oy, ox));
        }
      }
    }
  }
}

/** Four input values at x, x + stride, x + 2*stride, x + 3*stride for stride 1 or 2. */
@inline function loadStrided(at: usize, strideW: i32): v128 {
  if (strideW == 1) return v128.load(at);
  return v128.shuffle<f32>(v128.load(at), v128.load(at, 16), 0, 2, 4, 6);
}

/** Interior outputs [x0, x1) of one row for a 3x3 window, with the nine weights held in registers. */
@inline function depthwiseRow3x3(rowStart: usize, outRow: usize, taps: usize, weights: usize, strideW: i32,
  x0: i32, x1: i32, biasValue: f32): void {
  const w0 = v128.load32_splat(weights), w1 = v128.load32_splat(weights, 4), w2 = v128.load32_splat(weights, 8);
  const w3 = v128.load32_splat(weights, 12), w4 = v128.load32_splat(weights, 16), w5 = v128.load32_splat(weights, 20);
  const w6 = v128.load32_splat(weights, 24), w7 = v128.load32_splat(weights, 28), w8 = v128.load32_splat(weights, 32);
  const d1 = <usize>load<i32>(taps, 4), d2 = <usize>load<i32>(taps, 8), d3 = <usize>load<i32>(taps, 12);
  const d4 = <usize>load<i32>(taps, 16), d5 = <usize>load<i32>(taps, 20), d6 = <usize>load<i32>(taps, 24);
  const d7 = <usize>load<i32>(taps, 28), d8 = <usize>load<i32>(taps, 32);
  const biasV = f32x4.splat(biasValue);
  const step = byteOffset(4 * strideW);
  let ox = x0;
  let src = rowStart + byteOffset(x0 * strideW);
  for (; ox + 4 <= x1; ox += 4, src += step) {
    let acc = f32x4.add(biasV, f32x4.mul(w0, loadStrided(src, strideW)));
    acc = f32x4.add(acc, f32x4.mul(w1, loadStrided(src + d1, strideW)));
    acc = f32x4.add(acc, f32x4.mul(w2, loadStrided(src + d2, strideW)));
    acc = f32x4.add(acc, f32x4.mul(w3, loadStrided(src + d3, strideW)));
    acc = f32x4.add(acc, f32x4.mul(w4, loadStrided(src + d4, strideW)));
    acc = f32x4.add(acc, f32x4.mul(w5, loadStrided(src + d5, strideW)));
    acc = f32x4.add(acc, f32x4.mul(w6, loadStrided(src + d6, strideW)));
    acc = f32x4.add(acc, f32x4.mul(w7, loadStrided(src + d7, strideW)));
    acc = f32x4.add(acc, f32x4.mul(w8, loadStrided(src + d8, strideW)));
    v128.store(outRow + byteOffset(ox), acc);
  }
  if (ox < x1) depthwiseRow(rowStart, outRow, taps, weights, 9, strideW, ox, x1, biasValue);
}

/** Interior outputs [x0, x1) of one row for any window: vectors of four for stride 1 and 2, scalar otherwise. */
function depthwiseRow(rowStart: usize, outRow: usize, taps: usize, weights: usize, tapCount: i32, strideW: i32,
  x0: i32, x1: i32, biasValue: f32): void {
  let ox = x0;
  if (strideW <= 2) {
    const step = byteOffset(4 * strideW);
    let src = rowStart + byteOffset(x0 * strideW);
    for (; ox + 4 <= x1; ox += 4, src += step) {
      let acc = f32x4.splat(biasValue);
      for (let t = 0; t < tapCount; t++) {
        const offset = <usize>load<i32>(taps + byteOffset(t));
        acc = f32x4.add(acc, f32x4.mul(v128.load32_splat(weights + byteOffset(t)), loadStrided(src + offset, strideW)));
      }
      v128.store(outRow + byteOffset(ox), acc);
    }
  }
  for (; ox < x1; ox++) {
    const src = rowStart + byteOffset(ox * strideW);
    let sum = biasValue;
    for (let t = 0; t < tapCount; t++) {
      sum += load<f32>(weights + byteOffset(t)) * load<f32>(src + <usize>load<i32>(taps + byteOffset(t)));
    }
    store<f32>(outRow + byteOffset(ox), sum);
  }
}

/** One depthwise output whose window crosses the padding: taps outside the input are skipped. */
function depthwiseBorder(channel: usize, weights: usize, h: i32, w: i32, kh: i32, kw: i32, strideH: i32, strideW: i32,
  padTop: i32, padLeft: i32, dilationH: i32, dilationW: i32, oy: i32, ox: i32): f32 {
  let sum: f32 = 0;
  for (let ky = 0; ky < kh; ky++) {
    const iy = oy * strideH - padTop + ky * dilationH;
    if (iy < 0 || iy >= h) continue;
    for (let kx = 0; kx < kw; kx++) {
      const ix = ox * strideW - padLeft + kx * dilationW;
      if (ix >= 0 && ix < w) sum += load<f32>(weights + byteOffset(ky * kw + kx)) * load<f32>(channel + byteOffset(iy * w + ix));
    }
  }
  return sum;
}

/** A packed tap: the weights of 4 output channels, then the tap's byte offset in the chunk's planes. */
const TAP_BYTES: usize = 20;

/** Output rows per chunk of the direct stride-2 kernel: its input planes (~60 KiB for the 7x7 stem) stay in L2. */
const DIRECT_ROWS: i32 = 8;

/**
 * Whether conv2d runs directStride2: image stems (at most 4 input channels) with stride 2 along x, undilated,
 * ungrouped, at least 8 output columns. There im2col + sgemm spends a third of its time on im2col and packing.
 */
@inline function usesDirectStride2(cIn: i32, groups: i32, kw: i32, strideW: i32, dilationH: i32, dilationW: i32, outW: i32): bool {
  return groups == 1 && cIn <= 4 && strideW == 2 && dilationH == 1 && dilationW == 1 && outW >= 8 && kw >= 2;
}

/** Floats of one deinterleaved input row (even or odd columns), padded for the last 8-wide tile's taps. */
@inline function directPlaneWidth(kw: i32, outW: i32): i32 {
  return ((outW + 7) & ~7) + ((kw + 1) >> 1) + 4 & ~3;
}

/** Column scratch directStride2 needs: the chunk's deinterleaved rows plus the packed weights. */
export function directStride2Floats(cIn: i32, cOut: i32, kh: i32, kw: i32, strideH: i32, outW: i32): i32 {
  const rows = (DIRECT_ROWS - 1) * strideH + kh;
  return cIn * rows * 2 * directPlaneWidth(kw, outW) + ((cOut + 3) >> 2) * cIn * kh * kw * 5;
}

/**
 * Stride-2 convolution without im2col. Each chunk of output rows first copies its input rows, zero padded, as
 * even and odd column planes, so the taps of 8 adjacent outputs are one contiguous pair of vectors; a 4x8 tile
 * (4 output channels x 8 output columns) then accumulates over all cIn*kh*kw taps with the weights packed
 * [channel group of 4][tap] as 20-byte records (4 weights, zero past cOut, and the tap's offset in the planes),
 * which stay in L1. 7x7 stem (3->64, 224->112): 5.2 ms against 5.8 for im2col + sgemm
 * (5.5 with 64K-float im2col chunks) on one thread.
 */
function directStride2(n: i32, cIn: i32, h: i32, w: i32, cOut: i32, kh: i32, kw: i32, strideH: i32,
  padTop: i32, padLeft: i32, outH: i32, outW: i32, input: usize, weight: usize, bias: usize, hasBias: bool, out: usize,
  columns: usize, oyBegin: i32, oyEnd: i32, scale: usize, epilogue: i32, residual: usize): void {
  const depth = cIn * kh * kw;
  const planeW = directPlaneWidth(kw, outW);
  const planeBytes = byteOffset(planeW);
  const chunkRows = (DIRECT_ROWS - 1) * strideH + kh;
  const planes = columns;
  const packed = planes + byteOffset(cIn * chunkRows * 2 * planeW);
  const groups4 = (cOut + 3) >> 2;
  for (let g = 0; g < groups4; g++) {
    for (let t = 0; t < depth; t++) {
      const record = packed + <usize>(g * depth + t) * TAP_BYTES;
      for (let i = 0; i < 4; i++) {
        const oc = g * 4 + i;
        store<f32>(record + byteOffset(i), oc < cOut ? load<f32>(weight + byteOffset(oc * depth + t)) : 0);
      }
      const c = t / (kh * kw), ky = t / kw % kh, kx = t % kw;
      store<i32>(record, <i32>byteOffset(((c * chunkRows + ky) * 2 + (kx & 1)) * planeW + (kx >> 1)), 16);
    }
  }
  const plane = h * w, outPlane = outH * outW;
  const tileCols = outW & ~7;
  for (let b = 0; b < n; b++) {
    const image = input + byteOffset(b * cIn * plane);
    const outImage = out + byteOffset(b * cOut * outPlane);
    for (let oy0 = oyBegin; oy0 < oyEnd; oy0 += DIRECT_ROWS) {
      const rows = min(DIRECT_ROWS, oyEnd - oy0);
      const used = (rows - 1) * strideH + kh;
      const iy0 = oy0 * strideH - padTop;
      for (let c = 0; c < cIn; c++) {
        for (let r = 0; r < used; r++) {
          const even = planes + byteOffset(((c * chunkRows + r) * 2) * planeW);
          const odd = even + planeBytes;
          memory.fill(even, 0, planeBytes << 1);
          const iy = iy0 + r;
          if (iy < 0 || iy >= h) continue;
          const src = image + byteOffset(c * plane + iy * w);
          // even[j] = row[2j - padLeft], odd[j] = row[2j + 1 - padLeft] where inside the row.
          deinterleave(even, src, planeW, -padLeft, w);
          deinterleave(odd, src, planeW, 1 - padLeft, w);
        }
      }
      for (let g = 0; g < groups4; g++) {
        const channels = min(4, cOut - g * 4);
        const pw = packed + <usize>(g * depth) * TAP_BYTES, pwEnd = pw + <usize>depth * TAP_BYTES;
        const b0: f32 = hasBias ? load<f32>(bias + byteOffset(g * 4)) : 0;
        const b1: f32 = hasBias && channels > 1 ? load<f32>(bias + byteOffset(g * 4 + 1)) : 0;
        const b2: f32 = hasBias && channels > 2 ? load<f32>(bias + byteOffset(g * 4 + 2)) : 0;
        const b3: f32 = hasBias && channels > 3 ? load<f32>(bias + byteOffset(g * 4 + 3)) : 0;
        const outGroup = outImage + byteOffset(g * 4 * outPlane);
        for (let r = 0; r < rows; r++) {
          const rowPlanes = planes + byteOffset(r * strideH * 2 * planeW);
          const outRow = outGroup + byteOffset((oy0 + r) * outW);
          for (let ox = 0; ox < outW; ox += 8) {
            directTile(rowPlanes + byteOffset(ox), pw, pwEnd, outRow + byteOffset(ox), byteOffset(outPlane), channels,
              ox < tileCols ? 8 : outW - ox, b0, b1, b2, b3);
          }
        }
      }
      epilogueRows(epilogue, out, cOut, outH, outW, scale, bias, residual, b, 0, cOut, oy0, oy0 + rows);
    }
  }
}

/** dst[j] = row[2j + offset] for j < count where 0 <= 2j + offset < w (dst is zero elsewhere already). */
function deinterleave(dst: usize, row: usize, count: i32, offset: i32, w: i32): void {
  const j0 = offset >= 0 ? 0 : (-offset + 1) >> 1;
  const j1 = min(count, w - offset <= 0 ? 0 : (w - offset + 1) >> 1);
  if (j1 <= j0) return;
  let j = j0;
  let d = dst + byteOffset(j0);
  let s = row + byteOffset(2 * j0 + offset);
  // Vector steps read row[2j + offset .. 2j + offset + 7]: only while that stays inside the row.
  for (; j + 4 <= j1 && 2 * j + offset + 8 <= w; j += 4, d += 16, s += 32) {
    v128.store(d, v128.shuffle<f32>(v128.load(s), v128.load(s, 16), 0, 2, 4, 6));
  }
  for (; j < j1; j++, d += 4, s += 8) store<f32>(d, load<f32>(s));
}

/**
 * Output channels [0, channels) x columns [0, cols) (cols <= 8) of one output row, bias included: row0 is the
 * chunk's even plane of the row's first tap row shifted to the tile, [pw, pwEnd) the channel group's tap records.
 */
@inline function directTile(row0: usize, pw: usize, pwEnd: usize,
  out: usize, outPlaneBytes: usize, channels: i32, cols: i32, bias0: f32, bias1: f32, bias2: f32, bias3: f32): void {
  let c00 = f32x4.splat(bias0), c01 = c00, c10 = f32x4.splat(bias1), c11 = c10;
  let c20 = f32x4.splat(bias2), c21 = c20, c30 = f32x4.splat(bias3), c31 = c30;
  // One tap per iteration, the loop on the record pointer alone (see gemm.ts's microKernel).
  while (pw < pwEnd) {
    const at = row0 + <usize>load<i32>(pw, 16);
    const x0 = v128.load(at), x1 = v128.load(at, 16);
    let a = v128.load32_splat(pw);
    c00 = madd(a, x0, c00); c01 = madd(a, x1, c01);
    a = v128.load32_splat(pw, 4);
    c10 = madd(a, x0, c10); c11 = madd(a, x1, c11);
    a = v128.load32_splat(pw, 8);
    c20 = madd(a, x0, c20); c21 = madd(a, x1, c21);
    a = v128.load32_splat(pw, 12);
    c30 = madd(a, x0, c30); c31 = madd(a, x1, c31);
    pw += TAP_BYTES;
  }
  if (cols == 8) {
    v128.store(out, c00); v128.store(out, c01, 16);
    if (channels > 1) { v128.store(out + outPlaneBytes, c10); v128.store(out + outPlaneBytes, c11, 16); }
    if (channels > 2) { v128.store(out + 2 * outPlaneBytes, c20); v128.store(out + 2 * outPlaneBytes, c21, 16); }
    if (channels > 3) { v128.store(out + 3 * outPlaneBytes, c30); v128.store(out + 3 * outPlaneBytes, c31, 16); }
    return;
  }
  storePartial(out, c00, c01, cols);
  if (channels > 1) storePartial(out + outPlaneBytes, c10, c11, cols);
  if (channels > 2) storePartial(out + 2 * outPlaneBytes, c20, c21, cols);
  if (channels > 3) storePartial(out + 3 * outPlaneBytes, c30, c31, cols);
}

/** Stores the first `cols` (< 8) lanes of x0:x1. */
function storePartial(dst: usize, x0: v128, x1: v128, cols: i32): void {
  let rest = x0;
  if (cols >= 4) { v128.store(dst, x0); rest = x1; dst += 16; cols -= 4; }
  if (cols > 0) store<f32>(dst, f32x4.extract_lane(rest, 0));
  if (cols > 1) store<f32>(dst, f32x4.extract_lane(rest, 1), 4);
  if (cols > 2) store<f32>(dst, f32x4.extract_lane(rest, 2), 8);
}
