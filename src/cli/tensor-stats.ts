// Statistics of a stored tensor, computed over chunks so a large tensor is never decoded at once: each chunk
// gives count, mean and sum of squared deviations (two passes over the chunk), merged with Chan et al.'s
// pairwise update, which stays accurate where a running sum of squares would cancel.
import type { DType } from '../formats';

export interface TensorStats {
  /** over the finite values; null when there is none */
  min: number | null;
  max: number | null;
  mean: number | null;
  /** sample standard deviation (N-1) as torch.std; null for fewer than two finite values */
  std: number | null;
  /** fraction of elements equal to zero (0 for an empty tensor) */
  sparsity: number;
  /** NaN and infinite elements, left out of min/max/mean/std */
  nonFinite: number;
}

interface Accumulator {
  count: number;
  mean: number;
  m2: number;
  min: number;
  max: number;
  zeros: number;
  nonFinite: number;
  total: number;
}

/** Elements per decoded chunk: 8 MB of float64. */
export const CHUNK_ELEMENTS = 1 << 20;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

function bfloat16ToFloat(bits: number): number {
  u32[0] = bits << 16;
  return f32[0];
}

type Decoder = (view: DataView, index: number) => number;
const DECODERS: Partial<Record<DType, [number, Decoder]>> = {
  float32: [4, (v, i) => v.getFloat32(i * 4, true)],
  float64: [8, (v, i) => v.getFloat64(i * 8, true)],
  float16: [2, (v, i) => halfToFloat(v.getUint16(i * 2, true))],
  bfloat16: [2, (v, i) => bfloat16ToFloat(v.getUint16(i * 2, true))],
  int64: [8, (v, i) => Number(v.getBigInt64(i * 8, true))],
  uint64: [8, (v, i) => Number(v.getBigUint64(i * 8, true))],
  int32: [4, (v, i) => v.getInt32(i * 4, true)],
  uint32: [4, (v, i) => v.getUint32(i * 4, true)],
  int16: [2, (v, i) => v.getInt16(i * 2, true)],
  uint16: [2, (v, i) => v.getUint16(i * 2, true)],
  int8: [1, (v, i) => v.getInt8(i)],
  uint8: [1, (v, i) => v.getUint8(i)],
  bool: [1, (v, i) => (v.getUint8(i) ? 1 : 0)],
};

export function hasNumericValues(dtype: DType): boolean {
  return DECODERS[dtype] !== undefined;
}

function empty(): Accumulator {
  return { count: 0, mean: 0, m2: 0, min: Infinity, max: -Infinity, zeros: 0, nonFinite: 0, total: 0 };
}

function merge(a: Accumulator, b: Accumulator): void {
  const count = a.count + b.count;
  if (b.count > 0) {
    const delta = b.mean - a.mean;
    a.m2 += b.m2 + (delta * delta * a.count * b.count) / count;
    a.mean += (delta * b.count) / count;
  }
  a.count = count;
  a.min = Math.min(a.min, b.min);
  a.max = Math.max(a.max, b.max);
  a.zeros += b.zeros;
  a.nonFinite += b.nonFinite;
  a.total += b.total;
}

const decoded = new Float64Array(CHUNK_ELEMENTS);

/** Adds the elements of `bytes` (whole elements of `dtype`, little-endian) to `acc`, chunk by chunk. */
function addBytes(acc: Accumulator, bytes: Uint8Array, dtype: DType): void {
  const [size, decode] = DECODERS[dtype] as [number, Decoder];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Math.floor(bytes.byteLength / size);
  for (let start = 0; start < n; start += CHUNK_ELEMENTS) {
    const end = Math.min(n, start + CHUNK_ELEMENTS);
    const part = empty();
    let finite = 0, sum = 0;
    for (let i = start; i < end; i++) {
      const x = decode(view, i);
      if (x === 0) part.zeros++;
      if (!Number.isFinite(x)) { part.nonFinite++; continue; }
      decoded[finite++] = x;
      sum += x;
      if (x < part.min) part.min = x;
      if (x > part.max) part.max = x;
    }
    part.total = end - start;
    part.count = finite;
    part.mean = finite ? sum / finite : 0;
    for (let i = 0; i < finite; i++) {
      const d = decoded[i] - part.mean;
      part.m2 += d * d;
    }
    merge(acc, part);
  }
}

/**
 * Statistics over byte chunks of one tensor (each chunk holds whole elements); null for element types
 * without a numeric decoding here (complex, float8, sub-byte floats).
 */
export function tensorStats(chunks: Iterable<Uint8Array>, dtype: DType): TensorStats | null {
  if (!hasNumericValues(dtype)) return null;
  const acc = empty();
  for (const chunk of chunks) addBytes(acc, chunk, dtype);
  const some = acc.count > 0;
  return {
    min: some ? acc.min : null,
    max: some ? acc.max : null,
    mean: some ? acc.mean : null,
    std: acc.count > 1 ? Math.sqrt(acc.m2 / (acc.count - 1)) : null,
    sparsity: acc.total ? acc.zeros / acc.total : 0,
    nonFinite: acc.nonFinite,
  };
}
