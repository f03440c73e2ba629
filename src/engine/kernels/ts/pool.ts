// 2-D max and average pooling over contiguous NCHW planes, following PyTorch's CPU kernels:
// padding never wins a max (it acts as -inf), NaN propagates, and average pooling divides by
// torch's window sizes (see avgPool2d).
import type { Pool2dParams } from '../types';

/** First tap position >= 0 of a window starting at `start` with taps `dilation` apart. */
function firstInside(start: number, dilation: number): number {
  return start >= 0 ? start : start + Math.ceil(-start / dilation) * dilation;
}

export function maxPool2d(p: Pool2dParams): void {
  const { n, c, h, w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, outH, outW, input, out } = p;
  const indices = p.indices ?? null;
  const planes = n * c;
  for (let plane = 0; plane < planes; plane++) {
    const inBase = plane * h * w;
    let o = plane * outH * outW;
    for (let oy = 0; oy < outH; oy++) {
      const yStart = oy * strideH - padH;
      const y0 = firstInside(yStart, dilationH);
      const y1 = Math.min(yStart + (kh - 1) * dilationH + 1, h);
      for (let ox = 0; ox < outW; ox++, o++) {
        const xStart = ox * strideW - padW;
        const x0 = firstInside(xStart, dilationW);
        const x1 = Math.min(xStart + (kw - 1) * dilationW + 1, w);
        // torch starts from the first in-bounds tap, so an all -inf window reports that tap.
        let best = -Infinity;
        let bestIndex = y0 * w + x0;
        for (let iy = y0; iy < y1; iy += dilationH) {
          const row = iy * w;
          for (let ix = x0; ix < x1; ix += dilationW) {
            const v = input[inBase + row + ix];
            // `v !== v` is NaN: a NaN always takes over, so the last NaN's index is reported, as in torch.
            if (v > best || v !== v) { best = v; bestIndex = row + ix; }
          }
        }
        out[o] = best;
        if (indices !== null) indices[o] = bestIndex;
      }
    }
  }
}

/**
 * Number of taps of a window starting at `start` that lie before `end`, for a window of `size` taps
 * `dilation` apart. With dilation 1 this is torch's `min(start + size, end) - start`.
 */
function tapsBefore(start: number, size: number, dilation: number, end: number): number {
  if (start >= end) return 0;
  return Math.min(size, Math.floor((end - 1 - start) / dilation) + 1);
}

/**
 * Average pooling. The divisor is divisorOverride when given; otherwise, with countIncludePad, the
 * window clipped to the padded input (`min(start + k, size + pad) - start` per axis, so a ceil_mode
 * window hanging past the padding counts only its part inside it), else the taps inside the input.
 * A window with no taps inside the input yields 0, as in torch. torch has no dilation here; dilation
 * other than 1 is handled by counting taps instead of spans.
 */
export function avgPool2d(p: Pool2dParams): void {
  const { n, c, h, w, kh, kw, strideH, strideW, padH, padW, outH, outW, input, out, countIncludePad, divisorOverride } = p;
  const dilationH = p.dilationH || 1, dilationW = p.dilationW || 1;
  const planes = n * c;
  for (let plane = 0; plane < planes; plane++) {
    const inBase = plane * h * w;
    let o = plane * outH * outW;
    for (let oy = 0; oy < outH; oy++) {
      const yStart = oy * strideH - padH;
      const y0 = firstInside(yStart, dilationH);
      const y1 = Math.min(yStart + (kh - 1) * dilationH + 1, h);
      const paddedRows = tapsBefore(yStart, kh, dilationH, h + padH);
      const insideRows = y0 < y1 ? Math.floor((y1 - 1 - y0) / dilationH) + 1 : 0;
      for (let ox = 0; ox < outW; ox++, o++) {
        const xStart = ox * strideW - padW;
        const x0 = firstInside(xStart, dilationW);
        const x1 = Math.min(xStart + (kw - 1) * dilationW + 1, w);
        const insideCols = x0 < x1 ? Math.floor((x1 - 1 - x0) / dilationW) + 1 : 0;
        if (insideRows === 0 || insideCols === 0) { out[o] = 0; continue; }
        let sum = 0;
        for (let iy = y0; iy < y1; iy += dilationH) {
          const row = inBase + iy * w;
          for (let ix = x0; ix < x1; ix += dilationW) sum += input[row + ix];
        }
        const divisor = divisorOverride !== null && divisorOverride !== undefined ? divisorOverride
          : countIncludePad ? paddedRows * tapsBefore(xStart, kw, dilationW, w + padW)
            : insideRows * insideCols;
        out[o] = sum / divisor;
      }
    }
  }
}
