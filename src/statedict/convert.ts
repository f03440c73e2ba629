// Converting between the formats layer's byte records and engine tensors. Bytes are wrapped, not copied,
// where the layout allows (aligned, little-endian host, a dtype stored as-is). Dtypes the engine lacks
// (float8, uint16, complex, ...) stay raw records and are listed, never dropped.
import { DType as EngineDType, isDType as isEngineDType, itemSize, NumArray } from '../engine/dtype';
import { Tensor } from '../engine/tensor';
import type { DType as FormatDType, RawTensor, TensorEntry, TensorInput } from '../formats';
import { isRawTensor, tensorBytesSync } from '../formats';

/** A state dict entry: an engine tensor, or a record of a dtype the engine cannot compute in. */
export type StateDictValue = Tensor | TensorInput;
export type EditableStateDict = Map<string, StateDictValue>;

export interface UnsupportedEntry {
  readonly key: string;
  readonly dtype: string;
  readonly shape: readonly number[];
}

export interface ConvertedStateDict {
  /** every entry in source order; unsupported dtypes are the original records */
  readonly entries: EditableStateDict;
  /** just the engine tensors, in source order (what `load_state_dict` takes) */
  readonly tensors: Map<string, Tensor>;
  readonly unsupported: readonly UnsupportedEntry[];
}

export function isEngineTensor(v: StateDictValue): v is Tensor {
  return v instanceof Tensor;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The original int64 bytes of tensors read from a file; int64 values past 2^53 only survive through these. */
const int64Origin = new WeakMap<Tensor, Uint8Array>();

type ArrayCtor = { new(buffer: ArrayBufferLike, byteOffset: number, length: number): NumArray; BYTES_PER_ELEMENT: number };
const VIEW_CTOR: Partial<Record<EngineDType, ArrayCtor>> = {
  float32: Float32Array, float64: Float64Array, float16: Uint16Array, bfloat16: Uint16Array,
  int32: Int32Array, int16: Int16Array, int8: Int8Array, uint8: Uint8Array, bool: Uint8Array,
};

export function engineSupports(dtype: string): dtype is EngineDType {
  return isEngineDType(dtype);
}

/** A typed array over `bytes` (shared when aligned and the host is little-endian, copied otherwise). */
function typedView(bytes: Uint8Array, dtype: EngineDType, numel: number): NumArray {
  const ctor = VIEW_CTOR[dtype];
  if (!ctor) throw new Error(`no direct view for ${dtype}`);
  const size = ctor.BYTES_PER_ELEMENT;
  if (LITTLE_ENDIAN_HOST && bytes.byteOffset % size === 0) return new ctor(bytes.buffer, bytes.byteOffset, numel);
  const copy = new Uint8Array(numel * size);
  copy.set(bytes.subarray(0, numel * size));
  if (!LITTLE_ENDIAN_HOST) for (let i = 0; i < copy.length; i += size) copy.subarray(i, i + size).reverse();
  return new ctor(copy.buffer, 0, numel);
}

/** Little-endian bytes as an engine tensor of the same dtype. */
export function tensorFromBytes(dtype: EngineDType, shape: readonly number[], bytes: Uint8Array): Tensor {
  const numel = shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== numel * itemSize(dtype))
    throw new Error(`a ${dtype} tensor of shape [${shape.join(', ')}] needs ${numel * itemSize(dtype)} bytes, got ${bytes.length}`);
  if (dtype !== 'int64') return Tensor.fromArray(typedView(bytes, dtype, numel), shape, dtype);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Float64Array(numel);
  for (let i = 0; i < numel; i++) values[i] = Number(view.getBigInt64(i * 8, true));
  const t = Tensor.fromArray(values, shape, dtype);
  int64Origin.set(t, bytes);
  return t;
}

/** A formats record (eager or lazy) as an engine tensor; undefined for dtypes the engine lacks. */
export function tensorFromRecord(record: TensorInput): Tensor | undefined {
  if (!engineSupports(record.dtype)) return undefined;
  return tensorFromBytes(record.dtype, record.shape, tensorBytesSync(record));
}

/** Splits a formats state dict into engine tensors and kept raw records, preserving order. */
export function recordsToStateDict(records: Map<string, TensorInput>): ConvertedStateDict {
  const entries: EditableStateDict = new Map();
  const tensors = new Map<string, Tensor>();
  const unsupported: UnsupportedEntry[] = [];
  for (const [key, record] of records) {
    const t = tensorFromRecord(record);
    if (t) {
      entries.set(key, t);
      tensors.set(key, t);
    } else {
      // read now, so the state dict does not depend on the file staying open
      entries.set(key, isRawTensor(record) ? record : { dtype: record.dtype, shape: [...record.shape], bytes: record.readSync() });
      unsupported.push({ key, dtype: record.dtype, shape: [...record.shape] });
    }
  }
  return { entries, tensors, unsupported };
}

function sameInt64Values(t: Tensor, bytes: Uint8Array): boolean {
  const values = t.contiguous().rawArray();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < values.length; i++) if (Number(view.getBigInt64(i * 8, true)) !== values[i]) return false;
  return true;
}

/** The tensor's values as contiguous little-endian bytes (shared with its storage when possible). */
export function tensorBytes(t: Tensor): Uint8Array {
  if (t.dtype === 'int64') {
    const origin = int64Origin.get(t);
    if (origin && sameInt64Values(t, origin)) return origin;
    const values = t.rawArray();
    const out = new Uint8Array(values.length * 8);
    const view = new DataView(out.buffer);
    for (let i = 0; i < values.length; i++) view.setBigInt64(i * 8, BigInt(values[i]), true);
    return out;
  }
  const values = t.rawArray();
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  // Parameters in the kernels' shared linear memory are copied: a view would not keep their block alive, and
  // shared bytes cannot be posted or decoded.
  if (LITTLE_ENDIAN_HOST) return values.buffer instanceof SharedArrayBuffer ? bytes.slice() : bytes;
  const copy = bytes.slice();
  const size = itemSize(t.dtype);
  for (let i = 0; i < copy.length; i += size) copy.subarray(i, i + size).reverse();
  return copy;
}

export function recordFromTensor(t: Tensor): RawTensor {
  return { dtype: t.dtype as FormatDType, shape: [...t.shape], bytes: tensorBytes(t) };
}

/** A record whose bytes are produced when a writer asks for them, so exports hold one tensor at a time. */
export function lazyRecord(dtype: FormatDType, shape: readonly number[], byteLength: number, produce: () => Uint8Array): TensorEntry {
  return { dtype, shape: [...shape], byteLength, readSync: produce, read: async () => produce() };
}

export function byteLengthOf(v: StateDictValue): number {
  if (v instanceof Tensor) return v.numel() * itemSize(v.dtype);
  return isRawTensor(v) ? v.bytes.length : v.byteLength;
}

/** Entries as formats records, converting engine tensors on demand. */
export function stateDictToRecords(sd: ReadonlyMap<string, StateDictValue>): Map<string, TensorInput> {
  const out = new Map<string, TensorInput>();
  for (const [key, v] of sd) {
    out.set(key, v instanceof Tensor ? lazyRecord(v.dtype as FormatDType, v.shape, byteLengthOf(v), () => tensorBytes(v)) : v);
  }
  return out;
}

export function dtypeOf(v: StateDictValue): string { return v.dtype; }
export function shapeOf(v: StateDictValue): readonly number[] { return v.shape; }
