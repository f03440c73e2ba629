// A storage is a flat typed array shared by every view of it. Its values may be pending: a fill that
// runs when the values are first read, so a model definition allocates nothing until it is used. Or deferred:
// the result of an op that runs when first read, so that the next op can fuse into it (a convolution's output
// read by an eval-mode batch-norm: functional/conv-fusion.ts).
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

/**
 * Write counts of the arrays a kernel set keeps a copy of (the WASM set keeps recent convolution outputs in its
 * linear memory, for the next kernel to read in place). Storage.data counts a write before handing the array out,
 * so a copy made at an earlier count is stale. Only arrays someone asked to track are counted.
 */
const writeCounts = new WeakMap<NumArray, { writes: number }>();

/** The write count of `array` (shared by every caller, kept as long as the array lives). */
export function writeCounter(array: NumArray): { readonly writes: number } {
  let counter = writeCounts.get(array);
  if (counter === undefined) writeCounts.set(array, counter = { writes: 0 });
  return counter;
}

const registry = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<number>((b) => { allocatedBytes -= b; }) : null;

function checkCap(dtype: DType, length: number): number {
  const bytes = length * itemSize(dtype);
  if (allocatedBytes + bytes > allocationCap)
    throw new MemoryCapError(
      `allocating ${bytes} bytes for a ${dtype} tensor of ${length} elements would exceed the engine's memory cap of ${allocationCap} bytes`,
    );
  return bytes;
}

function allocate(dtype: DType, length: number, lazy = false): NumArray {
  const bytes = checkCap(dtype, length);
  const arr = (lazy ? lazyStorageAllocator?.allocate(dtype, length) : null) ?? allocArray(dtype, length);
  allocatedBytes += bytes;
  registry?.register(arr, bytes);
  return arr;
}

/**
 * A deferred op's hold on one input's values as they were when the op was created. The storage keeps its current
 * hold; a write to the storage (Storage.data) first copies the values into the hold if an op waiting to run still
 * has it, so the op computes from the old values, as if it had run at once. No weak references: an op dropped
 * unread (a convolution whose batch-norm folded it in) is collected with its holds.
 */
export class Held {
  private snapshot: NumArray | null = null;
  /** Ops holding this that have not run yet. */
  waiting = 0;
  constructor(private storage: Storage | null) {}

  get values(): NumArray { return this.snapshot ?? this.storage!.values; }

  /** Called before the storage's values change: from now on this hold reads a copy of the values as they are. */
  detach(): void {
    if (this.waiting > 0) this.snapshot = this.storage!.values.slice();
    this.storage = null;
  }
}

/**
 * An op whose result a deferred storage holds once read: `run` writes it into `out` from the values of `inputs`
 * (holds taken with Storage.hold when the op was created).
 */
export interface DeferredOp {
  readonly inputs: readonly Held[];
  /** What the deferred-work tracer returned when the op was made (the work's owner), if one was set. */
  readonly tag?: unknown;
  run(out: NumArray, inputs: NumArray[]): void;
}

/**
 * Who deferred work is charged to (a forward pass timing each module): `created` tags an op when it is made,
 * `ran` reports the milliseconds the op took when it ran, however much later, excluding deferred ops it ran inside.
 */
export interface DeferredTracer {
  created(): unknown;
  ran(tag: unknown, ms: number): void;
}

let tracer: DeferredTracer | null = null;
/** Milliseconds of traced deferred work run inside the op running now (subtracted from its own). */
let nestedMs = 0;

/** Installs (or with null removes) the tracer; returns the previous one. */
export function setDeferredTracer(next: DeferredTracer | null): DeferredTracer | null {
  const previous = tracer;
  tracer = next;
  return previous;
}

/** The tracer's tag for an op made now (undefined without a tracer). */
export function deferredTag(): unknown { return tracer?.created(); }

function runTraced(t: DeferredTracer, op: DeferredOp, out: NumArray): void {
  const outer = nestedMs, start = performance.now();
  nestedMs = 0;
  try {
    op.run(out, op.inputs.map((h) => h.values));
  } finally {
    const elapsed = performance.now() - start;
    t.ran(op.tag, elapsed - nestedMs);
    nestedMs = outer + elapsed;
  }
}

export class Storage {
  private array: NumArray | null;
  private pending: Fill | null;
  private deferred: DeferredOp | null = null;
  /** The hold deferred ops took on the current values (null when none did since the last write). */
  private held: Held | null = null;

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
  /**
   * A storage holding op's result, computed when first read (then on the JS heap, as op results are). The memory cap
   * is checked now, so running out of memory still fails at the op.
   */
  static deferred(dtype: DType, length: number, op: DeferredOp): Storage {
    checkCap(dtype, length);
    const storage = new Storage(dtype, length, null, null);
    storage.defer(op);
    return storage;
  }

  get isMaterialized(): boolean { return this.array !== null; }
  /** The op that will compute the values, while they are deferred and not read yet. */
  get deferredOp(): DeferredOp | null { return this.deferred; }

  /**
   * A hold on the current values for a deferred op (counted as waiting until the op runs). Only storages of their
   * own bytes: a write through a view(dtype) storage must reach the hold (Storage.data does that for the base).
   */
  hold(): Held {
    if (this.base !== null) throw new Error('deferred ops hold storages of their own bytes only');
    return this.held ??= new Held(this);
  }

  /**
   * Replaces the deferred op by `op` (which fuses more work into it), in place: only while deferred and not held by
   * another op waiting to run (which must see the values as they are). Returns whether it did.
   */
  redefer(op: DeferredOp): boolean {
    if (this.deferred === null || (this.held !== null && this.held.waiting > 0)) return false;
    for (const input of this.deferred.inputs) input.waiting--;
    this.defer(op);
    return true;
  }

  private defer(op: DeferredOp): void {
    for (const input of op.inputs) input.waiting++;
    this.deferred = op;
  }

  /** An independent copy: a pending storage stays pending (its fill is a pure function of its random key). */
  clone(): Storage {
    if (this.array === null && this.deferred === null) return new Storage(this.dtype, this.length, null, this.pending);
    const copy = Storage.zeros(this.dtype, this.length);
    (copy.values as Float32Array).set(this.values as Float32Array);
    return copy;
  }

  /**
   * The values, for reading or writing: deferred ops holding the current values get a copy of them first, so a
   * write cannot change what they compute. Code that only reads takes `values`.
   */
  get data(): NumArray {
    const values = this.values; // materialised first, so that the write counts against the array it is made to
    this.beforeWrite();
    return values;
  }

  /** The values for reading only, materialising pending and deferred ones first. */
  get values(): NumArray {
    if (this.array === null) this.materialize();
    return this.array!;
  }

  private beforeWrite(): void {
    if (this.array !== null) {
      const counter = writeCounts.get(this.array);
      if (counter !== undefined) counter.writes++;
    }
    if (this.held !== null) {
      this.held.detach();
      this.held = null;
    }
    this.base?.beforeWrite(); // a write through view(dtype) changes the base's bytes
  }

  private materialize(): void {
    const op = this.deferred;
    if (op !== null) {
      const arr = allocArray(this.dtype, this.length);
      if (tracer !== null && op.tag !== undefined) runTraced(tracer, op, arr);
      else op.run(arr, op.inputs.map((h) => h.values));
      // After running: an op that threw leaves the storage as it was.
      for (const input of op.inputs) input.waiting--;
      this.deferred = null;
      this.array = arr;
      return;
    }
    const arr = allocate(this.dtype, this.length, true);
    const fill = this.pending;
    this.pending = null;
    fill?.(arr);
    this.array = arr;
  }

  /**
   * Replaces every value. Before materialisation this only swaps the pending fill, so an init function
   * applied to a fresh parameter still allocates nothing.
   */
  overwrite(fill: Fill): void {
    if (this.array !== null) { fill(this.data); return; }
    this.beforeWrite();
    if (this.deferred !== null) for (const input of this.deferred.inputs) input.waiting--;
    this.deferred = null;
    this.pending = fill;
  }
}
