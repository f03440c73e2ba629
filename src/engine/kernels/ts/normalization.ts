// Batch-norm's normalisation step as one pass: per channel, out = x * scale + shift, with scale and shift
// precomputed by the op (in eval mode from the running statistics, as PyTorch's CPU kernel does).

/** out[b, ch, i] = x[b, ch, i] * scale[ch] + shift[ch] over contiguous [n, c, spatial]; out may be x. */
export function batchNormInference(x: Float32Array | Float64Array, n: number, c: number, spatial: number,
  scale: Float32Array | Float64Array, shift: Float32Array | Float64Array, out: Float32Array | Float64Array): void {
  let at = 0;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const s = scale[ch], t = shift[ch], end = at + spatial;
      for (let i = at; i < end; i++) out[i] = x[i] * s + t;
      at = end;
    }
  }
}
