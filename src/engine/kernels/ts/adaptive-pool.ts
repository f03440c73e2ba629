// Adaptive average and max pooling over contiguous NCHW planes, with torch's window bounds:
// output cell i of `out` cells over `size` inputs covers [floor(i*size/out), ceil((i+1)*size/out)).
import type { AdaptivePool2dParams } from '../types';

const windowStart = (i: number, out: number, size: number) => Math.floor((i * size) / out);
const windowEnd = (i: number, out: number, size: number) => Math.ceil(((i + 1) * size) / out);

export function adaptiveAvgPool2d(p: AdaptivePool2dParams): void {
  const { n, c, h, w, outH, outW, input, out } = p;
  for (let plane = 0; plane < n * c; plane++) {
    const inBase = plane * h * w;
    let o = plane * outH * outW;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = windowStart(oy, outH, h), y1 = windowEnd(oy, outH, h);
      for (let ox = 0; ox < outW; ox++, o++) {
        const x0 = windowStart(ox, outW, w), x1 = windowEnd(ox, outW, w);
        let sum = 0;
        for (let iy = y0; iy < y1; iy++) {
          const row = inBase + iy * w;
          for (let ix = x0; ix < x1; ix++) sum += input[row + ix];
        }
        out[o] = sum / ((y1 - y0) * (x1 - x0));
      }
    }
  }
}

export function adaptiveMaxPool2d(p: AdaptivePool2dParams): void {
  const { n, c, h, w, outH, outW, input, out } = p;
  const indices = p.indices ?? null;
  for (let plane = 0; plane < n * c; plane++) {
    const inBase = plane * h * w;
    let o = plane * outH * outW;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = windowStart(oy, outH, h), y1 = windowEnd(oy, outH, h);
      for (let ox = 0; ox < outW; ox++, o++) {
        const x0 = windowStart(ox, outW, w), x1 = windowEnd(ox, outW, w);
        let best = -Infinity, bestIndex = y0 * w + x0;
        for (let iy = y0; iy < y1; iy++) {
          const row = iy * w;
          for (let ix = x0; ix < x1; ix++) {
            const v = input[inBase + row + ix];
            // `v !== v` is NaN, which always takes over (torch propagates NaN).
            if (v > best || v !== v) { best = v; bestIndex = row + ix; }
          }
        }
        out[o] = best;
        if (indices !== null) indices[o] = bestIndex;
      }
    }
  }
}
