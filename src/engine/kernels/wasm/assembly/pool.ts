// 2-D max pooling over contiguous float32 planes (values only; the index-returning form stays in
// TypeScript). Same semantics as the TypeScript kernel: padding never wins (it acts as -inf), a NaN takes
// over any window it is in, and of equal values the first is kept (so -0 before +0 stays -0).

@inline function byteOffset(elements: i32): usize {
  return <usize>elements << 2;
}

/** First tap position >= 0 of a window starting at `start` with taps `dilation` apart. */
@inline function firstInside(start: i32, dilation: i32): i32 {
  return start >= 0 ? start : start + ((-start + dilation - 1) / dilation) * dilation;
}

/** best = v where v > best or v is NaN (the TypeScript kernel's `v > best || v !== v`), lane by lane. */
@inline function maxStep(best: v128, v: v128): v128 {
  return v128.bitselect(v, best, v128.or(f32x4.gt(v, best), f32x4.ne(v, v)));
}

@inline function loadStrided(at: usize, strideW: i32): v128 {
  if (strideW == 1) return v128.load(at);
  return v128.shuffle<f32>(v128.load(at), v128.load(at, 16), 0, 2, 4, 6);
}

/** out[planes, outH, outW] = max over each window of input[planes, h, w]. */
export function maxPool2d(planes: i32, h: i32, w: i32, kh: i32, kw: i32, strideH: i32, strideW: i32,
  padH: i32, padW: i32, dilationH: i32, dilationW: i32, outH: i32, outW: i32, input: usize, out: usize): void {
  // Interior columns: every tap of the window lies inside the row.
  let oxIn0 = padW <= 0 ? 0 : min((padW + strideW - 1) / strideW, outW);
  const lastStart = w - 1 - (kw - 1) * dilationW + padW; // largest ox*strideW with the last tap inside
  let oxIn1 = lastStart < 0 ? 0 : min(lastStart / strideW + 1, outW);
  if (oxIn1 < oxIn0) oxIn1 = oxIn0;
  for (let plane = 0; plane < planes; plane++) {
    const inPlane = input + byteOffset(plane * h * w);
    const outPlane = out + byteOffset(plane * outH * outW);
    for (let oy = 0; oy < outH; oy++) {
      const yStart = oy * strideH - padH;
      const y0 = firstInside(yStart, dilationH);
      const y1 = min(yStart + (kh - 1) * dilationH + 1, h);
      const outRow = outPlane + byteOffset(oy * outW);
      for (let ox = 0; ox < oxIn0; ox++) store<f32>(outRow + byteOffset(ox), maxBorder(inPlane, w, y0, y1, dilationH, ox * strideW - padW, kw, dilationW));
      let ox = oxIn0;
      if (strideW == 1) ox = maxInterior(inPlane, outRow, w, y0, y1, dilationH, kw, dilationW, padW, 1, oxIn0, oxIn1);
      else if (strideW == 2) ox = maxInterior(inPlane, outRow, w, y0, y1, dilationH, kw, dilationW, padW, 2, oxIn0, oxIn1);
      for (; ox < outW; ox++) store<f32>(outRow + byteOffset(ox), maxBorder(inPlane, w, y0, y1, dilationH, ox * strideW - padW, kw, dilationW));
    }
  }
}

/** Four interior outputs at a time from x0 (the stride is a literal at each call); returns the first output not written. */
@inline function maxInterior(inPlane: usize, outRow: usize, w: i32, y0: i32, y1: i32, dilationH: i32, kw: i32, dilationW: i32,
  padW: i32, strideW: i32, x0: i32, x1: i32): i32 {
  let ox = x0;
  for (; ox + 4 <= x1; ox += 4) {
    let best = f32x4.splat(-Infinity);
    for (let iy = y0; iy < y1; iy += dilationH) {
      let at = inPlane + byteOffset(iy * w + ox * strideW - padW);
      for (let kx = 0; kx < kw; kx++, at += byteOffset(dilationW)) best = maxStep(best, loadStrided(at, strideW));
    }
    v128.store(outRow + byteOffset(ox), best);
  }
  return ox;
}

/** One output whose window may cross the padding: taps outside the row are skipped. */
function maxBorder(inPlane: usize, w: i32, y0: i32, y1: i32, dilationH: i32, xStart: i32, kw: i32, dilationW: i32): f32 {
  const x0 = firstInside(xStart, dilationW);
  const x1 = min(xStart + (kw - 1) * dilationW + 1, w);
  let best: f32 = -Infinity;
  for (let iy = y0; iy < y1; iy += dilationH) {
    const row = inPlane + byteOffset(iy * w);
    for (let ix = x0; ix < x1; ix += dilationW) {
      const v = load<f32>(row + byteOffset(ix));
      if (v > best || v != v) best = v;
    }
  }
  return best;
}
