// Raw little-endian tensor bytes as typed arrays, and their decoding to numbers for statistics and display.
// float16/bfloat16/float8 are decoded to float32 (every such value is exact in float32); int64 stays BigInt64
// for display (exact) and becomes a double only for statistics.
import type { PageArrayType, TensorDTypeName } from '../../protocol/inspector';

export type RawValues =
  | Float32Array | Float64Array | BigInt64Array | BigUint64Array | Int32Array | Uint32Array
  | Int16Array | Uint16Array | Int8Array | Uint8Array;

/** Numbers ready for arithmetic (no bigint, no raw half-precision bits). */
export type NumericValues = Float32Array | Float64Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;

interface DTypeLayout { bytes: number; array: PageArrayType }

const LAYOUTS: Record<string, DTypeLayout> = {
  float32: { bytes: 4, array: 'Float32Array' },
  float64: { bytes: 8, array: 'Float64Array' },
  float16: { bytes: 2, array: 'Uint16Array' },
  bfloat16: { bytes: 2, array: 'Uint16Array' },
  int64: { bytes: 8, array: 'BigInt64Array' },
  uint64: { bytes: 8, array: 'BigUint64Array' },
  int32: { bytes: 4, array: 'Int32Array' },
  uint32: { bytes: 4, array: 'Uint32Array' },
  int16: { bytes: 2, array: 'Int16Array' },
  uint16: { bytes: 2, array: 'Uint16Array' },
  int8: { bytes: 1, array: 'Int8Array' },
  uint8: { bytes: 1, array: 'Uint8Array' },
  bool: { bytes: 1, array: 'Uint8Array' },
  float8_e4m3fn: { bytes: 1, array: 'Uint8Array' },
  float8_e5m2: { bytes: 1, array: 'Uint8Array' },
};

/** Why a dtype's values cannot be shown, or undefined when they can. */
export function unsupportedReason(dtype: TensorDTypeName): string | undefined {
  return LAYOUTS[dtype] ? undefined : `values of ${dtype} tensors cannot be shown yet (no numeric decoding for this element type)`;
}

export function bytesPerElement(dtype: TensorDTypeName): number {
  const layout = LAYOUTS[dtype];
  if (!layout) throw new Error(unsupportedReason(dtype));
  return layout.bytes;
}

const CONSTRUCTORS = {
  Float32Array, Float64Array, BigInt64Array, BigUint64Array, Int32Array, Uint32Array, Int16Array, Uint16Array, Int8Array, Uint8Array,
} as const;

/** A typed array over little-endian bytes (copied when the bytes are not aligned for the element size). */
export function rawValues(dtype: TensorDTypeName, bytes: Uint8Array): RawValues {
  const layout = LAYOUTS[dtype];
  if (!layout) throw new Error(unsupportedReason(dtype));
  // new Uint8Array(x) always copies (a Node Buffer's slice() would not), giving offset 0
  const aligned = bytes.byteOffset % layout.bytes === 0 ? bytes : new Uint8Array(bytes);
  return new CONSTRUCTORS[layout.array](aligned.buffer, aligned.byteOffset, aligned.byteLength / layout.bytes) as RawValues;
}

// ---- decoding -----------------------------------------------------------------------------------

let halfTable: Float32Array | undefined;
/** All 65536 float16 values: one lookup per element instead of bit arithmetic. */
function float16Table(): Float32Array {
  if (halfTable) return halfTable;
  halfTable = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    halfTable[h] = exp === 0 ? sign * mant * 2 ** -24 : exp === 0x1f ? (mant ? NaN : sign * Infinity) : sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  return halfTable;
}

function float8Table(dtype: 'float8_e4m3fn' | 'float8_e5m2'): Float32Array {
  const table = new Float32Array(256);
  const [expBits, bias] = dtype === 'float8_e4m3fn' ? [4, 7] : [5, 15];
  const mantBits = 7 - expBits;
  for (let b = 0; b < 256; b++) {
    const sign = b & 0x80 ? -1 : 1;
    const exp = (b >>> mantBits) & ((1 << expBits) - 1);
    const mant = b & ((1 << mantBits) - 1);
    const allOnes = exp === (1 << expBits) - 1;
    if (dtype === 'float8_e4m3fn' && allOnes && mant === (1 << mantBits) - 1) table[b] = NaN; // e4m3fn: no infinities
    else if (dtype === 'float8_e5m2' && allOnes) table[b] = mant ? NaN : sign * Infinity;
    else if (exp === 0) table[b] = sign * mant * 2 ** (1 - bias - mantBits);
    else table[b] = sign * (1 + mant / (1 << mantBits)) * 2 ** (exp - bias);
  }
  return table;
}
const float8Tables = new Map<string, Float32Array>();

/** Values as numbers: half types and float8 through float32, 64-bit integers as doubles (exact below 2^53). */
export function numericValues(dtype: TensorDTypeName, raw: RawValues): NumericValues {
  if (raw instanceof BigInt64Array || raw instanceof BigUint64Array) {
    const out = new Float64Array(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = Number(raw[i]);
    return out;
  }
  if (dtype === 'float16') {
    const table = float16Table();
    const out = new Float32Array(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = table[raw[i] as number];
    return out;
  }
  if (dtype === 'bfloat16') {
    const bits = new Uint32Array(raw.length);
    for (let i = 0; i < raw.length; i++) bits[i] = (raw[i] as number) << 16;
    return new Float32Array(bits.buffer);
  }
  if (dtype === 'float8_e4m3fn' || dtype === 'float8_e5m2') {
    let table = float8Tables.get(dtype);
    if (!table) float8Tables.set(dtype, (table = float8Table(dtype)));
    const out = new Float32Array(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = table[raw[i] as number];
    return out;
  }
  return raw as NumericValues;
}

/** What a page carries: 64-bit integers raw (exact), half types and float8 decoded, the rest as stored. */
export function pageValues(dtype: TensorDTypeName, raw: RawValues): { array: PageArrayType; data: ArrayBuffer } {
  const values = raw instanceof BigInt64Array || raw instanceof BigUint64Array ? raw : numericValues(dtype, raw);
  const data = values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength) as ArrayBuffer;
  return { array: values.constructor.name as PageArrayType, data };
}
