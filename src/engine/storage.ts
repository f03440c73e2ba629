// A storage is a flat typed array shared by every view of it. Its values may be pending: a fill that
// runs when the values are first read, so a model definition allocates nothing until it is used.
import { allocArray, DType, itemSize, NumArray } from './dtype';

/** Writes the initial values into a freshly allocated array of the storage's dtype. */
export type Fill = (out: NumArray) => void;

let allocatedBytes = 0;
let allocationCap = Infinity;

/** Caps the bytes of materialised storages (engine setting); exceeding it throws a clear error. */
export function setAllocationCap(bytes: number): void { allocationCap = bytes; }
export function getAllocatedBytes(): number { return allocatedBytes; }

export class MemoryCapError extends Error {
  override name = 'MemoryError';
}

const registry = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<number>((b) => { allocatedBytes -= b; }) : null;

function allocate(dtype: DType, length: number): NumArray {
  const bytes = length * itemSize(dtype);
  if (allocatedBytes + bytes > allocationCap)
    throw new MemoryCapError(
      `allocating ${bytes} bytes for a ${dtype} tensor of ${length} elements would exceed the engine's memory cap of ${allocationCap} bytes`,
    );
  const arr = allocArray(dtype, length);
  allocatedBytes += bytes;
  registry?.register(arr, bytes);
  return arr;
}

export class Storage {
  private array: NumArray | null;
  private pending: Fill | null;

  private constructor(readonly dtype: DType, readonly length: number, array: NumArray | null, pending: Fill | null) {
    this.array = array;
    this.pending = pending;
  }

  static fromArray(dtype: DType, array: NumArray): Storage {
    return new Storage(dtype, array.length, array, null);
  }
  static zeros(dtype: DType, length: number): Storage {
    return new Storage(dtype, length, allocate(dtype, length), null);
  }
  /** A storage whose values are produced by `fill` on first read. */
  static lazy(dtype: DType, length: number, fill: Fill): Storage {
    return new Storage(dtype, length, null, fill);
  }

  get isMaterialized(): boolean { return this.array !== null; }

  /** An independent copy: a pending storage stays pending (its fill is a pure function of its random key). */
  clone(): Storage {
    if (this.array === null) return new Storage(this.dtype, this.length, null, this.pending);
    const copy = Storage.zeros(this.dtype, this.length);
    (copy.data as Float32Array).set(this.array as Float32Array);
    return copy;
  }

  /** The values, materialising pending ones first. */
  get data(): NumArray {
    if (this.array === null) {
      const arr = allocate(this.dtype, this.length);
      const fill = this.pending;
      this.pending = null;
      fill?.(arr);
      this.array = arr;
    }
    return this.array;
  }

  /**
   * Replaces every value. Before materialisation this only swaps the pending fill, so an init function
   * applied to a fresh parameter still allocates nothing.
   */
  overwrite(fill: Fill): void {
    if (this.array === null) this.pending = fill;
    else fill(this.array);
  }
}
