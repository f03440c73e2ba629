import { DType, dtypeInfo, itemSize } from './dtypes';
import { FormatError } from './errors';

/**
 * The format-neutral tensor: C-order (row-major), little-endian, contiguous bytes. This is what every
 * reader produces and every writer accepts; the engine converts it to its typed storage.
 */
export interface RawTensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly bytes: Uint8Array;
}

/** A storage shared by tensor views (torch.save keeps one record per storage). */
export interface StorageRef {
  readonly dtype: DType;
  readonly numel: number;
  /** the record key in a torch checkpoint (`data/<key>`) */
  readonly key?: string;
  /** torch device tag, such as `cpu` or `cuda:0` */
  readonly location?: string;
  /** the whole storage, little-endian */
  readSync(): Uint8Array;
  read(): Promise<Uint8Array>;
}

/** Where a strided tensor lives inside its storage, in elements. */
export interface StridedView {
  readonly storage: StorageRef;
  readonly storageOffset: number;
  readonly strides: readonly number[];
}

/**
 * A tensor whose bytes are read on demand. `readSync`/`read` return contiguous little-endian bytes
 * (views are gathered); `readSync` throws `AsyncSource` when the file can only be read asynchronously.
 */
export interface TensorEntry {
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** length of the contiguous bytes `read` returns */
  readonly byteLength: number;
  readonly view?: StridedView;
  readonly requiresGrad?: boolean;
  readonly isParameter?: boolean;
  readSync(): Uint8Array;
  read(): Promise<Uint8Array>;
}

/** Writers take either form. */
export type TensorInput = RawTensor | TensorEntry;

/** A state dict in file order, with the safetensors `__metadata__` when there is one. */
export interface StateDict {
  readonly tensors: Map<string, RawTensor>;
  readonly metadata?: Record<string, string>;
}

export interface LazyStateDict {
  readonly tensors: Map<string, TensorEntry>;
  readonly metadata?: Record<string, string>;
}

/**
 * A copy that never shares memory. (`Buffer.prototype.slice` returns a view, so `bytes.slice()` is not a
 * copy when a caller hands in a Node Buffer.)
 */
export function copyBytes(bytes: Uint8Array, start = 0, end = bytes.length): Uint8Array {
  const out = new Uint8Array(Math.max(0, end - start));
  out.set(bytes.subarray(start, end));
  return out;
}

/** Product of dims, or undefined when it passes 2^53 (no real file holds that many elements). */
export function checkedNumel(shape: readonly number[]): number | undefined {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) return undefined;
    if (d === 0) return 0;
    n *= d;
    if (!Number.isSafeInteger(n)) {
      // a later zero dim still makes the tensor empty
      return shape.includes(0) ? 0 : undefined;
    }
  }
  return n;
}

export function numelOf(shape: readonly number[]): number {
  const n = checkedNumel(shape);
  if (n === undefined) throw new FormatError('ValidationOverflow', `shape [${shape.join(', ')}] has too many elements`);
  return n;
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = step;
    step *= Math.max(shape[i], 1);
  }
  return strides;
}

export function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === 1) continue;
    if (strides[i] !== expected) return false;
    expected *= shape[i];
  }
  return true;
}

export function isRawTensor(t: TensorInput): t is RawTensor {
  return (t as RawTensor).bytes instanceof Uint8Array;
}

/** Contiguous little-endian bytes of either tensor form. */
export function tensorBytesSync(t: TensorInput): Uint8Array {
  return isRawTensor(t) ? t.bytes : t.readSync();
}

export async function tensorBytes(t: TensorInput): Promise<Uint8Array> {
  return isRawTensor(t) ? t.bytes : t.read();
}

/** A RawTensor after checking that the byte length agrees with dtype and shape. */
export function rawTensor(dtype: DType, shape: readonly number[], bytes: Uint8Array): RawTensor {
  const expected = numelOf(shape) * itemSize(dtype);
  if (bytes.length !== expected) {
    throw new FormatError('InvalidArgument',
      `a ${dtype} tensor of shape [${shape.join(', ')}] needs ${expected} bytes, got ${bytes.length}`);
  }
  return { dtype, shape: [...shape], bytes };
}

/**
 * Copies the elements of a strided view into C order. Offsets and strides are in elements; the caller
 * has checked that every index falls inside `source`.
 */
export function gatherStrided(source: Uint8Array, item: number, shape: readonly number[],
                              strides: readonly number[], offset: number): Uint8Array {
  const count = numelOf(shape);
  if (count === 0) return new Uint8Array(0);
  if (isContiguous(shape, strides)) return copyBytes(source, offset * item, (offset + count) * item);
  const out = new Uint8Array(count * item);
  const rank = shape.length;
  const inner = shape[rank - 1];
  const innerStride = strides[rank - 1];
  const index = new Array<number>(rank - 1).fill(0);
  let base = offset;
  let pos = 0;
  for (;;) {
    if (innerStride === 1) {
      out.set(source.subarray(base * item, (base + inner) * item), pos);
      pos += inner * item;
    } else {
      for (let j = 0; j < inner; j++) {
        const from = (base + j * innerStride) * item;
        for (let b = 0; b < item; b++) out[pos++] = source[from + b];
      }
    }
    let d = rank - 2;
    for (; d >= 0; d--) {
      index[d]++;
      base += strides[d];
      if (index[d] < shape[d]) break;
      base -= shape[d] * strides[d];
      index[d] = 0;
    }
    if (d < 0) return out;
  }
}

/** Reverses the byte order of each element (each half of a complex number) in place. */
export function swapByteOrder(bytes: Uint8Array, dtype: DType): Uint8Array {
  const unit = dtypeInfo(dtype).swapUnit;
  if (unit === 1) return bytes;
  for (let i = 0; i + unit <= bytes.length; i += unit) {
    for (let a = i, b = i + unit - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
  return bytes;
}

/** A storage held in memory, for building views to write. */
export function memoryStorage(dtype: DType, bytes: Uint8Array, key?: string): StorageRef {
  const size = itemSize(dtype);
  if (bytes.length % size !== 0) {
    throw new FormatError('InvalidArgument', `${bytes.length} bytes are not a whole number of ${dtype} elements`);
  }
  return { dtype, numel: bytes.length / size, key, readSync: () => bytes, read: async () => bytes };
}

/**
 * Largest element index a view touches, checked against the storage. BigInt because hostile shapes
 * and strides can overflow doubles.
 */
export function checkViewBounds(shape: readonly number[], strides: readonly number[], storageOffset: number,
                                storageNumel: number, what: string): void {
  if (shape.length !== strides.length) {
    throw new FormatError('InvalidTensor', `${what} has ${shape.length} sizes but ${strides.length} strides`);
  }
  if (checkedNumel(shape) === 0) return;
  let last = BigInt(storageOffset);
  for (let i = 0; i < shape.length; i++) last += BigInt(shape[i] - 1) * BigInt(strides[i]);
  if (last >= BigInt(storageNumel)) {
    throw new FormatError('InvalidTensor',
      `${what} reaches element ${last} of a storage with ${storageNumel} elements ` +
      `(size [${shape.join(', ')}], stride [${strides.join(', ')}], offset ${storageOffset})`);
  }
}

/** A view of a storage as a TensorEntry; `maxBytes` bounds what gathering may allocate. */
export function stridedTensor(storage: StorageRef, storageOffset: number, shape: readonly number[],
                              strides: readonly number[] = contiguousStrides(shape),
                              extra: { requiresGrad?: boolean; isParameter?: boolean; maxBytes?: number } = {}): TensorEntry {
  checkViewBounds(shape, strides, storageOffset, storage.numel, 'view');
  const item = itemSize(storage.dtype);
  const numel = checkedNumel(shape);
  if (numel === undefined || !Number.isSafeInteger(numel * item)) {
    throw new FormatError('InvalidTensor', `shape [${shape.join(', ')}] has too many elements`);
  }
  const byteLength = numel * item;
  const view: StridedView = { storage, storageOffset, strides: [...strides] };
  const checkSize = () => {
    if (extra.maxBytes !== undefined && byteLength > extra.maxBytes) {
      throw new FormatError('LimitExceeded',
        `made contiguous, this tensor needs ${byteLength} bytes; the limit is ${extra.maxBytes}`, { key: storage.key });
    }
  };
  const gather = (bytes: Uint8Array) => gatherStrided(bytes, item, shape, strides, storageOffset);
  return {
    dtype: storage.dtype, shape: [...shape], byteLength, view,
    requiresGrad: extra.requiresGrad ?? false, isParameter: extra.isParameter ?? false,
    readSync: () => { checkSize(); return gather(storage.readSync()); },
    read: async () => { checkSize(); return gather(await storage.read()); },
  };
}

/** Reads every tensor of a lazy state dict (in file order). */
export function materializeSync(lazy: LazyStateDict): StateDict {
  const tensors = new Map<string, RawTensor>();
  for (const [key, entry] of lazy.tensors) {
    tensors.set(key, { dtype: entry.dtype, shape: [...entry.shape], bytes: entry.readSync() });
  }
  return { tensors, metadata: lazy.metadata };
}

export async function materialize(lazy: LazyStateDict): Promise<StateDict> {
  const tensors = new Map<string, RawTensor>();
  for (const [key, entry] of lazy.tensors) {
    tensors.set(key, { dtype: entry.dtype, shape: [...entry.shape], bytes: await entry.read() });
  }
  return { tensors, metadata: lazy.metadata };
}
