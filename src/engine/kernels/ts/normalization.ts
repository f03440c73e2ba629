// Batch-norm's normalisation step as one pass: per channel, out = x * scale + shift, with scale and shift
// precomputed by the op (in eval mode from the running statistics, as PyTorch's CPU kernel does).
//
// The float32 and float64 loops are separate functions on purpose: a typed-array load or store site that
// has seen both element kinds is polymorphic in V8 and runs about twice as slow, so each loop sees one kind.
// The loops are unrolled by four (same arithmetic per element, so results are unchanged): the loop
// overhead is a large part of a scalar pass this short.

/** out[b, ch, i] = x[b, ch, i] * scale[ch] + shift[ch] over contiguous [n, c, spatial]; out may be x. */
export function batchNormInference(x: Float32Array | Float64Array, n: number, c: number, spatial: number,
  scale: Float32Array | Float64Array, shift: Float32Array | Float64Array, out: Float32Array | Float64Array): void {
  const planes = n * c;
  if (x instanceof Float32Array && out instanceof Float32Array) {
    for (let p = 0, at = 0; p < planes; p++, at += spatial) affineFloat32(x, out, at, at + spatial, scale[p % c], shift[p % c]);
  } else if (x instanceof Float64Array && out instanceof Float64Array) {
    for (let p = 0, at = 0; p < planes; p++, at += spatial) affineFloat64(x, out, at, at + spatial, scale[p % c], shift[p % c]);
  } else {
    for (let p = 0, at = 0; p < planes; p++, at += spatial) {
      const s = scale[p % c], t = shift[p % c];
      for (let i = at; i < at + spatial; i++) out[i] = x[i] * s + t;
    }
  }
}

function affineFloat32(x: Float32Array, out: Float32Array, start: number, end: number, s: number, t: number): void {
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const a = x[i], b = x[i + 1], c = x[i + 2], d = x[i + 3];
    out[i] = a * s + t; out[i + 1] = b * s + t; out[i + 2] = c * s + t; out[i + 3] = d * s + t;
  }
  for (; i < end; i++) out[i] = x[i] * s + t;
}

function affineFloat64(x: Float64Array, out: Float64Array, start: number, end: number, s: number, t: number): void {
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const a = x[i], b = x[i + 1], c = x[i + 2], d = x[i + 3];
    out[i] = a * s + t; out[i + 1] = b * s + t; out[i + 2] = c * s + t; out[i + 3] = d * s + t;
  }
  for (; i < end; i++) out[i] = x[i] * s + t;
}
