// 2-D convolution and transposed convolution over contiguous NCHW arrays.
//
// conv2d lowers each (batch, group) to one GEMM: weight [cOut/g, cIn/g*kh*kw] @ columns, where the
// columns (im2col) are built for a chunk of output rows at a time so the scratch stays bounded.
// 1x1 stride-1 unpadded convolutions read the input directly as the GEMM's B operand, and depthwise
// convolutions (one input channel per group) use direct loops, where a GEMM would have k = kh*kw only.
// convTranspose2d is the adjoint: columns = weight^T @ input, then col2im scatters them into the output.
import type { Conv2dParams, ConvTranspose2dParams, GemmParams } from '../types';
import { gemm, gemmWithOutStride } from './gemm';

type FloatArray = Float32Array | Float64Array;

/** Most column-matrix elements held at once (4 MiB as float32); larger problems are split into row chunks. */
const COLUMN_LIMIT = 1 << 20;

let columns32 = new Float32Array(0);
let columns64 = new Float64Array(0);
let tapOffsets = new Int32Array(0);
let tapWeights = new Float64Array(0);

/** Reused column scratch of the same element type as `like`, holding at least `size` elements. */
function columnScratch(like: FloatArray, size: number): FloatArray {
  if (like instanceof Float32Array) {
    if (columns32.length < size) columns32 = new Float32Array(size);
    return columns32;
  }
  if (columns64.length < size) columns64 = new Float64Array(size);
  return columns64;
}

function tapScratch(taps: number): { offsets: Int32Array; weights: Float64Array } {
  if (tapOffsets.length < taps) { tapOffsets = new Int32Array(taps); tapWeights = new Float64Array(taps); }
  return { offsets: tapOffsets, weights: tapWeights };
}

/** The range [lo, hi) of output positions o whose input position o*stride + offset lies in [0, size). */
function validRange(outSize: number, stride: number, offset: number, size: number): [number, number] {
  const lo = offset >= 0 ? 0 : Math.ceil(-offset / stride);
  const hi = size - 1 - offset < 0 ? 0 : Math.floor((size - 1 - offset) / stride) + 1;
  return [Math.min(lo, outSize), Math.max(Math.min(hi, outSize), Math.min(lo, outSize))];
}

/** Sets every output plane to its channel's bias, or to zero. */
function initOutput(out: FloatArray, bias: FloatArray | null, n: number, cOut: number, planeSize: number): void {
  if (bias === null) { out.fill(0, 0, n * cOut * planeSize); return; }
  for (let b = 0; b < n; b++) {
    for (let c = 0; c < cOut; c++) {
      const start = (b * cOut + c) * planeSize;
      out.fill(bias[c], start, start + planeSize);
    }
  }
}

function gemmParams(m: number, n: number, k: number, a: FloatArray, aOffset: number, aRowStride: number, aColStride: number,
  b: FloatArray, bOffset: number, bRowStride: number, out: FloatArray, outOffset: number, beta: number): GemmParams {
  return {
    m, n, k, batch: 1,
    a, aOffset, aBatchStride: 0, aRowStride, aColStride,
    b, bOffset, bBatchStride: 0, bRowStride, bColStride: 1,
    out, outOffset, outBatchStride: 0, alpha: 1, beta,
  };
}

/** conv2d with its epilogue (Conv2dParams.scale, residual, relu) as a pass over the output. */
export function conv2d(p: Conv2dParams): void {
  const scale = p.scale ?? null, residual = p.residual ?? null;
  if (scale === null && residual === null && !p.relu) { convolve(p); return; }
  convolve({ ...p, bias: scale === null ? p.bias : null, scale: null, residual: null, relu: false });
  const { out } = p, plane = p.outH * p.outW, shift = scale === null ? null : p.bias;
  for (let b = 0, at = 0; b < p.n; b++) {
    for (let c = 0; c < p.cOut; c++, at += plane) {
      const s = scale === null ? 1 : scale[c], t = shift === null ? 0 : shift[c];
      for (let i = at; i < at + plane; i++) {
        const v = out[i] * s + t + (residual === null ? 0 : residual[i]);
        out[i] = p.relu && !(v > 0) && !Number.isNaN(v) ? 0 : v;
      }
    }
  }
}

function convolve(p: Conv2dParams): void {
  const { n, cIn, h, w, cOut, kh, kw, groups, outH, outW, input, weight, bias, out } = p;
  const outPlane = outH * outW;
  if (n === 0 || cOut === 0 || outPlane === 0) return;
  const cInG = cIn / groups, cOutG = cOut / groups;
  if (groups > 1 && cInG === 1) { depthwiseConv2d(p); return; }
  initOutput(out, bias, n, cOut, outPlane);
  const depth = cInG * kh * kw;
  if (depth === 0) return;
  const beta = bias === null ? 0 : 1;
  const pointwise = kh === 1 && kw === 1 && p.strideH === 1 && p.strideW === 1 &&
    p.padTop === 0 && p.padLeft === 0 && p.padBottom === 0 && p.padRight === 0 && outH === h && outW === w;
  if (pointwise) {
    // The input planes already are the [cIn/g, h*w] B operand; one batched GEMM per group.
    for (let g = 0; g < groups; g++) {
      const params = gemmParams(cOutG, outPlane, cInG, weight, g * cOutG * cInG, cInG, 1,
        input, g * cInG * h * w, h * w, out, g * cOutG * outPlane, beta);
      params.batch = n;
      params.bBatchStride = cIn * h * w;
      params.outBatchStride = cOut * outPlane;
      gemm(params);
    }
    return;
  }
  const rowsPerChunk = Math.max(1, Math.min(outH, Math.floor(COLUMN_LIMIT / (depth * outW))));
  const cols = columnScratch(input, depth * rowsPerChunk * outW);
  for (let b = 0; b < n; b++) {
    for (let g = 0; g < groups; g++) {
      const inBase = (b * cIn + g * cInG) * h * w;
      const outBase = (b * cOut + g * cOutG) * outPlane;
      for (let oy0 = 0; oy0 < outH; oy0 += rowsPerChunk) {
        const rows = Math.min(rowsPerChunk, outH - oy0);
        const chunk = rows * outW;
        im2col(p, inBase, oy0, rows, cols);
        gemmWithOutStride(gemmParams(cOutG, chunk, depth, weight, g * cOutG * depth, depth, 1,
          cols, 0, chunk, out, outBase + oy0 * outW, beta), outPlane);
      }
    }
  }
}

/** Fills cols [cIn/g*kh*kw, rows*outW] with the input patches of output rows [oy0, oy0 + rows). */
function im2col(p: Conv2dParams, inBase: number, oy0: number, rows: number, cols: FloatArray): void {
  const { h, w, kh, kw, strideH, strideW, padTop, padLeft, dilationH, dilationW, outW, input } = p;
  const cInG = p.cIn / p.groups;
  const chunk = rows * outW;
  for (let c = 0; c < cInG; c++) {
    const channel = inBase + c * h * w;
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        let dst = ((c * kh + ky) * kw + kx) * chunk;
        const xOffset = kx * dilationW - padLeft;
        const [ox0, ox1] = validRange(outW, strideW, xOffset, w);
        for (let r = 0; r < rows; r++) {
          const iy = (oy0 + r) * strideH - padTop + ky * dilationH;
          if (iy < 0 || iy >= h) { cols.fill(0, dst, dst + outW); dst += outW; continue; }
          const src = channel + iy * w + xOffset;
          for (let ox = 0; ox < ox0; ox++) cols[dst + ox] = 0;
          if (strideW === 1) {
            for (let ox = ox0; ox < ox1; ox++) cols[dst + ox] = input[src + ox];
          } else {
            for (let ox = ox0; ox < ox1; ox++) cols[dst + ox] = input[src + ox * strideW];
          }
          for (let ox = ox1; ox < outW; ox++) cols[dst + ox] = 0;
          dst += outW;
        }
      }
    }
  }
}

/**
 * One input channel per group: direct loops with each output's sum in a local. Outputs whose window lies
 * inside the input (the interior) read their taps through precomputed offsets; border outputs check each tap.
 */
function depthwiseConv2d(p: Conv2dParams): void {
  const { n, cIn, h, w, cOut, kh, kw, strideH, strideW, padTop, padLeft, dilationH, dilationW, outH, outW, input, weight, bias, out } = p;
  const multiplier = cOut / cIn;
  const taps = kh * kw;
  const { offsets, weights } = tapScratch(taps);
  for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) offsets[ky * kw + kx] = ky * dilationH * w + kx * dilationW;
  const [oyIn0, oyIn1] = validRange(outH, strideH, -padTop, h - (kh - 1) * dilationH);
  const [oxIn0, oxIn1] = validRange(outW, strideW, -padLeft, w - (kw - 1) * dilationW);
  for (let b = 0; b < n; b++) {
    for (let oc = 0; oc < cOut; oc++) {
      const channel = (b * cIn + Math.floor(oc / multiplier)) * h * w;
      const outChannel = (b * cOut + oc) * outH * outW;
      const biasValue = bias === null ? 0 : bias[oc];
      for (let t = 0; t < taps; t++) weights[t] = weight[oc * taps + t];
      for (let oy = 0; oy < outH; oy++) {
        const outRow = outChannel + oy * outW;
        const interiorRow = oy >= oyIn0 && oy < oyIn1;
        const x0 = interiorRow ? oxIn0 : outW, x1 = interiorRow ? oxIn1 : outW;
        for (let ox = 0; ox < x0; ox++) out[outRow + ox] = biasValue + depthwiseBorder(p, channel, oc * taps, oy, ox);
        const rowStart = channel + (oy * strideH - padTop) * w - padLeft;
        if (taps === 9 && kw === 3) depthwiseInterior3x3(input, out, weights, offsets, rowStart, strideW, outRow, x0, x1, biasValue);
        else for (let ox = x0; ox < x1; ox++) {
          const base = rowStart + ox * strideW;
          let sum = biasValue;
          for (let t = 0; t < taps; t++) sum += weights[t] * input[base + offsets[t]];
          out[outRow + ox] = sum;
        }
        for (let ox = Math.max(x1, x0); ox < outW; ox++) out[outRow + ox] = biasValue + depthwiseBorder(p, channel, oc * taps, oy, ox);
      }
    }
  }
}

/** The 3x3 interior with taps and weights in locals: a tap loop costs more than the multiply-adds here. */
function depthwiseInterior3x3(input: FloatArray, out: FloatArray, weights: Float64Array, offsets: Int32Array,
  rowStart: number, strideW: number, outRow: number, x0: number, x1: number, biasValue: number): void {
  const w0 = weights[0], w1 = weights[1], w2 = weights[2], w3 = weights[3], w4 = weights[4];
  const w5 = weights[5], w6 = weights[6], w7 = weights[7], w8 = weights[8];
  const d1 = offsets[1], d2 = offsets[2], d3 = offsets[3], d4 = offsets[4];
  const d5 = offsets[5], d6 = offsets[6], d7 = offsets[7], d8 = offsets[8];
  for (let ox = x0; ox < x1; ox++) {
    const b = rowStart + ox * strideW;
    out[outRow + ox] = biasValue + w0 * input[b] + w1 * input[b + d1] + w2 * input[b + d2] + w3 * input[b + d3] +
      w4 * input[b + d4] + w5 * input[b + d5] + w6 * input[b + d6] + w7 * input[b + d7] + w8 * input[b + d8];
  }
}

/** One depthwise output whose window crosses the padding: taps outside the input are skipped. */
function depthwiseBorder(p: Conv2dParams, channel: number, weightStart: number, oy: number, ox: number): number {
  const { h, w, kh, kw, input, weight } = p;
  let sum = 0;
  for (let ky = 0; ky < kh; ky++) {
    const iy = oy * p.strideH - p.padTop + ky * p.dilationH;
    if (iy < 0 || iy >= h) continue;
    for (let kx = 0; kx < kw; kx++) {
      const ix = ox * p.strideW - p.padLeft + kx * p.dilationW;
      if (ix >= 0 && ix < w) sum += weight[weightStart + ky * kw + kx] * input[channel + iy * w + ix];
    }
  }
  return sum;
}

export function convTranspose2d(p: ConvTranspose2dParams): void {
  const { n, cIn, h, w, cOut, kh, kw, groups, outH, outW, input, weight, bias, out } = p;
  const outPlane = outH * outW;
  if (n === 0 || cOut === 0 || outPlane === 0) return;
  initOutput(out, bias, n, cOut, outPlane);
  const cInG = cIn / groups, cOutG = cOut / groups;
  const colRows = cOutG * kh * kw;
  if (cInG === 0 || colRows === 0 || h * w === 0) return;
  const rowsPerChunk = Math.max(1, Math.min(h, Math.floor(COLUMN_LIMIT / (colRows * w))));
  const cols = columnScratch(input, colRows * rowsPerChunk * w);
  for (let b = 0; b < n; b++) {
    for (let g = 0; g < groups; g++) {
      const inBase = (b * cIn + g * cInG) * h * w;
      const outBase = (b * cOut + g * cOutG) * outPlane;
      for (let iy0 = 0; iy0 < h; iy0 += rowsPerChunk) {
        const rows = Math.min(rowsPerChunk, h - iy0);
        const chunk = rows * w;
        // columns [cOut/g*kh*kw, chunk] = weight_g^T @ input_g[:, chunk]; weight_g is [cIn/g, cOut/g*kh*kw].
        gemm(gemmParams(colRows, chunk, cInG, weight, g * cInG * colRows, 1, colRows,
          input, inBase + iy0 * w, h * w, cols, 0, 0));
        col2im(p, cols, iy0, rows, outBase);
      }
    }
  }
}

/** Adds the columns of input rows [iy0, iy0 + rows) into the output planes starting at outBase. */
function col2im(p: ConvTranspose2dParams, cols: FloatArray, iy0: number, rows: number, outBase: number): void {
  const { w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, outH, outW, out } = p;
  const cOutG = p.cOut / p.groups;
  const chunk = rows * w;
  const outPlane = outH * outW;
  for (let oc = 0; oc < cOutG; oc++) {
    const outChannel = outBase + oc * outPlane;
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        let src = ((oc * kh + ky) * kw + kx) * chunk;
        const xOffset = kx * dilationW - padW;
        const [ix0, ix1] = validRange(w, strideW, xOffset, outW);
        for (let r = 0; r < rows; r++, src += w) {
          const oy = (iy0 + r) * strideH - padH + ky * dilationH;
          if (oy < 0 || oy >= outH) continue;
          const dst = outChannel + oy * outW + xOffset;
          for (let ix = ix0; ix < ix1; ix++) out[dst + ix * strideW] += cols[src + ix];
        }
      }
    }
  }
}
