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
  if (strideW == 2) return v128.shuffle<f32>(v128.load(at), v128.load(at, 16), 0, 2, 4, 6);
  const step = byteOffset(strideW);
  let v = v128.load32_zero(at);
  v = v128.load32_lane(at + step, v, 1);
  v = v128.load32_lane(at + 2 * step, v, 2);
  return v128.load32_lane(at + 3 * step, v, 3);
}

/**
 * Floats of a padded input row in maxPool2d's scratch: every tap of roundUp(outW, 4) outputs plus a vector of
 * loadStrided's overreach.
 */
@inline function paddedRowFloats(kw: i32, strideW: i32, dilationW: i32, outW: i32): i32 {
  return ((outW + 3) & ~3) * strideW + (kw - 1) * dilationW + 8;
}

/** Scratch bytes of one maxPool2d call (one thread): a padded row, then the row maxima of a plane. */
export function maxPoolScratchBytes(h: i32, kw: i32, strideW: i32, dilationW: i32, outW: i32): usize {
  return byteOffset(paddedRowFloats(kw, strideW, dilationW, outW) + h * ((outW + 3) & ~3) + 16);
}

/**
 * out[planes, outH, outW] = max over each window of input[planes, h, w]. For strides 1 and 2 the window is
 * separable: each input row's maxima along x (over a copy padded with -inf, so no border case) go to a row-maxima
 * plane, then each output row takes the maximum of its window's rows. Row-major "first strict maximum, any NaN"
 * is preserved: each row keeps its first, and the rows are combined in order. 4x faster than the direct loop,
 * whose border columns ran scalar. `scratch`: maxPoolScratchBytes.
 */
export function maxPool2d(planes: i32, h: i32, w: i32, kh: i32, kw: i32, strideH: i32, strideW: i32,
  padH: i32, padW: i32, dilationH: i32, dilationW: i32, outH: i32, outW: i32, input: usize, out: usize, scratch: usize): void {
  if (strideW > 2) {
    maxPoolDirect(planes, h, w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, outH, outW, input, out);
    return;
  }
  const width4 = (outW + 3) & ~3;
  const row = scratch, rowMax = scratch + byteOffset(paddedRowFloats(kw, strideW, dilationW, outW));
  const rowFloats = paddedRowFloats(kw, strideW, dilationW, outW);
  const copied = min(w, rowFloats - padW);
  const minusInf = f32x4.splat(-Infinity);
  // The padding stays -inf across rows; only the input columns are rewritten.
  for (let i = 0; i < rowFloats; i += 4) v128.store(row + byteOffset(i), minusInf);
  // Input rows some window uses.
  const yFirst = max(0, -padH), yEnd = min(h, (outH - 1) * strideH - padH + (kh - 1) * dilationH + 1);
  for (let plane = 0; plane < planes; plane++) {
    const inPlane = input + byteOffset(plane * h * w);
    for (let y = yFirst; y < yEnd; y++) {
      copyRow(row + byteOffset(padW), inPlane + byteOffset(y * w), copied);
      const dst = rowMax + byteOffset(y * width4);
      if (strideW == 1) rowMaxima(row, dst, kw, dilationW, 1, width4);
      else rowMaxima(row, dst, kw, dilationW, 2, width4);
    }
    const outPlane = out + byteOffset(plane * outH * outW);
    for (let oy = 0; oy < outH; oy++) {
      const yStart = oy * strideH - padH;
      const y0 = firstInside(yStart, dilationH);
      const y1 = min(yStart + (kh - 1) * dilationH + 1, h);
      const outRow = outPlane + byteOffset(oy * outW);
      for (let ox = 0; ox < outW; ox += 4) {
        let best = minusInf;
        for (let iy = y0; iy < y1; iy += dilationH) best = maxStep(best, v128.load(rowMax + byteOffset(iy * width4 + ox)));
        // Exact row ends: another thread may be writing the next plane.
        if (ox + 4 <= outW) v128.store(outRow + byteOffset(ox), best);
        else {
          store<f32>(outRow + byteOffset(ox), f32x4.extract_lane(best, 0));
          if (ox + 1 < outW) store<f32>(outRow + byteOffset(ox + 1), f32x4.extract_lane(best, 1));
          if (ox + 2 < outW) store<f32>(outRow + byteOffset(ox + 2), f32x4.extract_lane(best, 2));
        }
      }
    }
  }
}

@inline function copyRow(dst: usize, src: usize, count: i32): void {
  const end = dst + byteOffset(count);
  for (; dst + 16 <= end; dst += 16, src += 16) v128.store(dst, v128.load(src));
  for (; dst < end; dst += 4, src += 4) store<f32>(dst, load<f32>(src));
}

/** dst[ox] = max over taps k of row[ox * strideW + k * dilationW] for ox < width4 (taps in order; the stride a literal). */
@inline function rowMaxima(row: usize, dst: usize, kw: i32, dilationW: i32, strideW: i32, width4: i32): void {
  const tapStep = byteOffset(dilationW);
  if (kw == 3) {
    for (let ox = 0; ox < width4; ox += 4) {
      const at = row + byteOffset(ox * strideW);
      v128.store(dst + byteOffset(ox), maxStep(maxStep(loadStrided(at, strideW), loadStrided(at + tapStep, strideW)),
        loadStrided(at + 2 * tapStep, strideW)));
    }
    return;
  }
  for (let ox = 0; ox < width4; ox += 4) {
    let at = row + byteOffset(ox * strideW);
    let best = f32x4.splat(-Infinity);
    for (let kx = 0; kx < kw; kx++, at += tapStep) best = maxStep(best, loadStrided(at, strideW));
    v128.store(dst + byteOffset(ox), best);
  }
}

/** The direct loop, for strides above 2: windows four outputs at a time inside, scalar at the borders. */
function maxPoolDirect(planes: i32, h: i32, w: i32, kh: i32, kw: i32, strideH: i32, strideW: i32,
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
      ox = maxInterior(inPlane, outRow, w, y0, y1, dilationH, kw, dilationW, padW, strideW, oxIn0, oxIn1);
      for (; ox < outW; ox++) store<f32>(outRow + byteOffset(ox), maxBorder(inPlane, w, y0, y1, dilationH, ox * strideW - padW, kw, dilationW));
    }
  }
}

/** Four interior outputs at a time from x0; returns the first output not written. */
function maxInterior(inPlane: usize, outRow: usize, w: i32, y0: i32, y1: i32, dilationH: i32, kw: i32, dilationW: i32,
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
