// 2-D max and average pooling over contiguous NCHW planes, following PyTorch's CPU kernels:
// padding never wins a max (it acts as -inf), NaN propagates, and average pooling divides by
// torch's window sizes (see avgPool2d).
import type { Pool2dParams } from '../types';

/** First tap position >= 0 of a window starting at `start` with taps `dilation` apart. */
function firstInside(start: number, dilation: number): number {
  return start >= 0 ? start : start + Math.ceil(-start / dilation) * dilation;
}

/**
 * The windows along one axis, per output position: where the window starts (negative inside the padding),
 * its first tap inside the input, the end (exclusive) of its taps inside the input, and how many taps lie inside.
 */
interface AxisWindows { start: Int32Array; first: Int32Array; end: Int32Array; inside: Int32Array }

function axisWindows(outSize: number, stride: number, pad: number, k: number, dilation: number, size: number): AxisWindows {
  const win = { start: new Int32Array(outSize), first: new Int32Array(outSize), end: new Int32Array(outSize), inside: new Int32Array(outSize) };
  for (let o = 0; o < outSize; o++) {
    const start = o * stride - pad;
    const first = firstInside(start, dilation);
    const end = Math.min(start + (k - 1) * dilation + 1, size);
    win.start[o] = start;
    win.first[o] = first;
    win.end[o] = end;
    win.inside[o] = first < end ? Math.floor((end - 1 - first) / dilation) + 1 : 0;
  }
  return win;
}

export function maxPool2d(p: Pool2dParams): void {
  const { n, c, h, w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, outH, outW, input, out } = p;
  const indices = p.indices ?? null;
  const ys = axisWindows(outH, strideH, padH, kh, dilationH, h), xs = axisWindows(outW, strideW, padW, kw, dilationW, w);
  const planes = n * c;
  for (let plane = 0; plane < planes; plane++) {
    const inBase = plane * h * w;
    let o = plane * outH * outW;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = ys.first[oy], y1 = ys.end[oy];
      for (let ox = 0; ox < outW; ox++, o++) {
        const x0 = xs.first[ox], x1 = xs.end[ox];
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
  const ys = axisWindows(outH, strideH, padH, kh, dilationH, h), xs = axisWindows(outW, strideW, padW, kw, dilationW, w);
  const planes = n * c;
  for (let plane = 0; plane < planes; plane++) {
    const inBase = plane * h * w;
    let o = plane * outH * outW;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = ys.first[oy], y1 = ys.end[oy], insideRows = ys.inside[oy];
      const paddedRows = tapsBefore(ys.start[oy], kh, dilationH, h + padH);
      for (let ox = 0; ox < outW; ox++, o++) {
        const x0 = xs.first[ox], x1 = xs.end[ox], insideCols = xs.inside[ox];
        if (insideRows === 0 || insideCols === 0) { out[o] = 0; continue; }
        let sum = 0;
        for (let iy = y0; iy < y1; iy += dilationH) {
          const row = inBase + iy * w;
          for (let ix = x0; ix < x1; ix += dilationW) sum += input[row + ix];
        }
        const divisor = divisorOverride !== null && divisorOverride !== undefined ? divisorOverride
          : countIncludePad ? paddedRows * tapsBefore(xs.start[ox], kw, dilationW, w + padW)
            : insideRows * insideCols;
        out[o] = sum / divisor;
      }
    }
  }
}
