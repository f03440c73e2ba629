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

/**
 * Where lazily created storages (module parameters and buffers) materialise when not on the JS heap. The WASM
 * kernel set places large float32 ones in its linear memory, so its kernels read weights in place. They live as
 * long as their model, so returning their memory when collected is timely enough; short-lived results stay on the
 * JS heap. Returns a zeroed array, or null for the JS heap.
 */
export interface StorageAllocator {
  allocate(dtype: DType, length: number): NumArray | null;
}

let lazyStorageAllocator: StorageAllocator | null = null;

/** Installs (or with null removes) the allocator lazily created storages materialise from (setKernels does). */
export function setStorageAllocator(allocator: StorageAllocator | null): void { lazyStorageAllocator = allocator; }

const registry = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<number>((b) => { allocatedBytes -= b; }) : null;

function allocate(dtype: DType, length: number, lazy = false): NumArray {
  const bytes = length * itemSize(dtype);
  if (allocatedBytes + bytes > allocationCap)
    throw new MemoryCapError(
      `allocating ${bytes} bytes for a ${dtype} tensor of ${length} elements would exceed the engine's memory cap of ${allocationCap} bytes`,
    );
  const arr = (lazy ? lazyStorageAllocator?.allocate(dtype, length) : null) ?? allocArray(dtype, length);
  allocatedBytes += bytes;
  registry?.register(arr, bytes);
  return arr;
}

export class Storage {
  private array: NumArray | null;
  private pending: Fill | null;

  private constructor(readonly dtype: DType, readonly length: number, array: NumArray | null, pending: Fill | null,
    /** The storage whose bytes `array` reinterprets (view(dtype)), held so that they outlive this one. */
    readonly base: Storage | null = null) {
    this.array = array;
    this.pending = pending;
  }

  /** A storage over `array`; `base`: the storage whose bytes it reinterprets (kept alive with it). */
  static fromArray(dtype: DType, array: NumArray, base: Storage | null = null): Storage {
    return new Storage(dtype, array.length, array, null, base);
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
      const arr = allocate(this.dtype, this.length, true);
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
