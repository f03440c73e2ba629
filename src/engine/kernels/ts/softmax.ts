// Kernels over the middle axis of an array viewed as contiguous [outer, size, inner]:
// softmax / log_softmax, variance (with mean) and inclusive cumulative sum / product.
// All accumulate in float64. When inner > 1 the loops run along inner so memory is read in order,
// with per-column running values kept in float64 scratch.
import type { NumArray } from '../../dtype';

let columnScratchA = new Float64Array(0);
let columnScratchB = new Float64Array(0);

/** Two reused float64 rows of at least `size` elements. */
function scratchRows(size: number): [Float64Array, Float64Array] {
  if (columnScratchA.length < size) {
    columnScratchA = new Float64Array(size);
    columnScratchB = new Float64Array(size);
  }
  return [columnScratchA, columnScratchB];
}

/**
 * Numerically stable softmax: exp(x - max) / sum. log_softmax is x - max - log(sum).
 * A NaN anywhere in a slice makes the whole slice NaN; an all -inf (or any +inf) slice gives NaN, as in torch.
 */
export function softmax(x: Float32Array | Float64Array, outer: number, size: number, inner: number,
  out: Float32Array | Float64Array, log: boolean): void {
  if (size === 0) return;
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      const base = o * size;
      let max = -Infinity;
      for (let i = 0; i < size; i++) { const v = x[base + i]; if (v > max || v !== v) max = v; if (max !== max) break; }
      let sum = 0;
      for (let i = 0; i < size; i++) sum += Math.exp(x[base + i] - max);
      if (log) {
        const shift = max + Math.log(sum);
        for (let i = 0; i < size; i++) out[base + i] = x[base + i] - shift;
      } else {
        const scale = 1 / sum;
        for (let i = 0; i < size; i++) out[base + i] = Math.exp(x[base + i] - max) * scale;
      }
    }
    return;
  }
  const [max, sum] = scratchRows(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * size * inner;
    max.fill(-Infinity, 0, inner);
    sum.fill(0, 0, inner);
    for (let i = 0; i < size; i++) {
      const row = base + i * inner;
      for (let j = 0; j < inner; j++) { const v = x[row + j]; if (v > max[j] || v !== v) max[j] = v; }
    }
    for (let i = 0; i < size; i++) {
      const row = base + i * inner;
      for (let j = 0; j < inner; j++) sum[j] += Math.exp(x[row + j] - max[j]);
    }
    if (log) {
      for (let j = 0; j < inner; j++) sum[j] = max[j] + Math.log(sum[j]);
      for (let i = 0; i < size; i++) {
        const row = base + i * inner;
        for (let j = 0; j < inner; j++) out[row + j] = x[row + j] - sum[j];
      }
    } else {
      for (let j = 0; j < inner; j++) sum[j] = 1 / sum[j];
      for (let i = 0; i < size; i++) {
        const row = base + i * inner;
        for (let j = 0; j < inner; j++) out[row + j] = Math.exp(x[row + j] - max[j]) * sum[j];
      }
    }
  }
}

/**
 * Two-pass variance: the mean first, then the sum of squared deviations divided by max(0, size - correction)
 * (so too few elements give inf or NaN, as in torch). meanOut, when given, receives the mean.
 */
export function variance(x: NumArray, outer: number, size: number, inner: number, correction: number,
  out: NumArray, meanOut: NumArray | null): void {
  const divisor = Math.max(0, size - correction);
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      const base = o * size;
      let total = 0;
      for (let i = 0; i < size; i++) total += x[base + i];
      const mean = total / size;
      let squares = 0;
      for (let i = 0; i < size; i++) { const d = x[base + i] - mean; squares += d * d; }
      out[o] = squares / divisor;
      if (meanOut !== null) meanOut[o] = mean;
    }
    return;
  }
  const [mean, squares] = scratchRows(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * size * inner;
    mean.fill(0, 0, inner);
    squares.fill(0, 0, inner);
    for (let i = 0; i < size; i++) {
      const row = base + i * inner;
      for (let j = 0; j < inner; j++) mean[j] += x[row + j];
    }
    for (let j = 0; j < inner; j++) mean[j] /= size;
    for (let i = 0; i < size; i++) {
      const row = base + i * inner;
      for (let j = 0; j < inner; j++) { const d = x[row + j] - mean[j]; squares[j] += d * d; }
    }
    const outBase = o * inner;
    for (let j = 0; j < inner; j++) {
      out[outBase + j] = squares[j] / divisor;
      if (meanOut !== null) meanOut[outBase + j] = mean[j];
    }
  }
}

/** Inclusive cumsum / cumprod along the middle axis, accumulating in float64 like torch's CPU kernel. */
export function cumulative(op: 'cumsum' | 'cumprod', x: NumArray, outer: number, size: number, inner: number, out: NumArray): void {
  const product = op === 'cumprod';
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      const base = o * size;
      let acc = product ? 1 : 0;
      for (let i = 0; i < size; i++) {
        acc = product ? acc * x[base + i] : acc + x[base + i];
        out[base + i] = acc;
      }
    }
    return;
  }
  const [acc] = scratchRows(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * size * inner;
    acc.fill(product ? 1 : 0, 0, inner);
    for (let i = 0; i < size; i++) {
      const row = base + i * inner;
      if (product) for (let j = 0; j < inner; j++) { acc[j] *= x[row + j]; out[row + j] = acc[j]; }
      else for (let j = 0; j < inner; j++) { acc[j] += x[row + j]; out[row + j] = acc[j]; }
    }
  }
}
