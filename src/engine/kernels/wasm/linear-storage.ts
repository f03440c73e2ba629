// Module parameters and buffers in the kernels' linear memory. Lazily created float32 storages (what modules
// build their weights with) materialise as views on the (shared) linear memory, so WASM kernels read weights in
// place instead of copying them in on every call, and worker threads see them. Weights live as long as their
// model: a block returns to the runtime's free ranges when the view that owns it is garbage-collected
// (FinalizationRegistry), whenever that happens. Only views made here own a block; a storage reinterpreting the
// same bytes (view(dtype)) holds the owning storage, and bytes leaving the engine are copied (statedict/convert.ts,
// the engine process's tensor bytes).
//
// Activations stay on the JS heap: they die within a forward pass, and V8 clears FinalizationRegistry targets
// only in full collections, so their blocks would come back far too late (measured: ResNet-18 grew linear memory by
// 24 MB per pass until a full GC, and a full GC per pass cost more than the copies it saves).
//
// Shared memory is required: growing a non-shared memory detaches every view on it, while a shared buffer only
// gains a larger successor and old views stay valid.
import type { DType, NumArray } from '../../dtype';
import type { StorageAllocator } from '../../storage';
import type { KeptOutputs } from './kept-outputs';
import { WasmMemoryLimitError, type WasmKernelRuntime } from './runtime';

/** Storages smaller than this (floats) stay on the JS heap: copying them costs less than a registry entry. */
export const DEFAULT_MIN_LINEAR_FLOATS = 4096;
/** Most bytes of live storages in linear memory; past it new ones go to the JS heap (dead models may linger). */
export const DEFAULT_MAX_LINEAR_BYTES = 1 << 30;

export interface LinearStorageStats {
  /** Blocks and bytes held by live (not yet collected) storages. */
  blocks: number; bytes: number;
  /** Storages allocated here since creation, and the ones that went to the JS heap (budget or memory full). */
  allocations: number; fallbacks: number;
}

export class LinearStorage implements StorageAllocator {
  /** Every buffer object linear memory has had (a shared memory gets a new, larger one on each growth). */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  private readonly registry = new FinalizationRegistry<number>((at) => this.free(at));
  private readonly sizes = new Map<number, number>();
  private live = 0;
  private allocations = 0;
  private fallbacks = 0;

  /**
   * `kept`: copies of recent kernel outputs the kernels read in place (kept-outputs.ts), or null. They live in the
   * same shared memory, so worker threads read them too.
   */
  constructor(private readonly runtime: WasmKernelRuntime, readonly minFloats = DEFAULT_MIN_LINEAR_FLOATS,
    readonly maxBytes = DEFAULT_MAX_LINEAR_BYTES, readonly kept: KeptOutputs | null = null) {
    if (!runtime.shared) throw new Error('storages in linear memory need a runtime over shared memory');
    this.buffers.add(runtime.exports.memory.buffer);
  }

  allocate(dtype: DType, length: number): NumArray | null {
    if (dtype !== 'float32' || length < this.minFloats) return null;
    const bytes = length * 4;
    let at = -1;
    if (this.live + bytes <= this.maxBytes) {
      try {
        at = this.runtime.allocate(bytes);
      } catch (error) {
        if (!(error instanceof WasmMemoryLimitError)) throw error;
      }
    }
    if (at < 0) {
      this.fallbacks++;
      return null;
    }
    this.runtime.exports.zeroBytes(at, bytes);
    const buffer = this.runtime.exports.memory.buffer;
    this.buffers.add(buffer);
    const view = new Float32Array(buffer, at, length);
    this.registry.register(view, at);
    this.sizes.set(at, bytes);
    this.live += bytes;
    this.allocations++;
    return view;
  }

  /**
   * A float32 view of `length` on a block of its own, released explicitly (not counted in the budget: it lives for one
   * op); null when linear memory is full.
   */
  scratch(length: number): { array: Float32Array; release(): void } | null {
    let at: number;
    try {
      at = this.runtime.allocate(length * 4);
    } catch (error) {
      if (error instanceof WasmMemoryLimitError) return null;
      throw error;
    }
    const buffer = this.runtime.exports.memory.buffer;
    this.buffers.add(buffer);
    return { array: new Float32Array(buffer, at, length), release: () => this.runtime.release(at) };
  }

  /** Byte address of `array[index]` when `array` is a float32 view on this linear memory, else -1. */
  address(array: NumArray, index = 0): number {
    return array instanceof Float32Array && this.buffers.has(array.buffer) ? array.byteOffset + index * 4 : -1;
  }

  stats(): LinearStorageStats {
    return { blocks: this.sizes.size, bytes: this.live, allocations: this.allocations, fallbacks: this.fallbacks };
  }

  private free(at: number): void {
    this.live -= this.sizes.get(at) ?? 0;
    this.sizes.delete(at);
    this.runtime.release(at);
  }
}

/** Byte address of `array[index]` in linear memory, or -1 when there is no linear storage or the array is elsewhere. */
export function linearAddress(linear: LinearStorage | null, array: NumArray, index = 0): number {
  return linear === null ? -1 : linear.address(array, index);
}

/**
 * A float32 operand of a kernel call, `items` consecutive blocks of `floats` floats (images of a batch, or the whole
 * weight as one item): read and written in place when it lives in linear memory, else through a scratch region of
 * one item (scratchBytes, 0 in place) that the copies fill and drain. With kept outputs (kept-outputs.ts), an input
 * a kernel wrote recently is read from its kept copy, and an output is written into a block that is kept after it
 * has been copied out (`commit` once all of it is).
 */
export class Operand {
  /** Where the operand is read (and for linear storages written) in place, or -1. */
  private readonly address: number;
  /** An output's block in the kept outputs (written by the kernel, then copied out), or -1. */
  private readonly keptAt: number;

  /** `output`: the call writes this operand; `keep` (outputs): the call's inputs, whose kept copies must stay. */
  constructor(private readonly linear: LinearStorage | null, readonly array: Float32Array, readonly floats: number,
    output = false, keep: readonly Operand[] = []) {
    const address = linearAddress(linear, array);
    const kept = linear?.kept ?? null;
    this.address = address >= 0 || output || kept === null ? address : kept.lookup(array);
    this.keptAt = address < 0 && output && kept !== null ? kept.reserve(array.length * 4, keep.map((o) => o.array)) : -1;
  }

  get inPlace(): boolean { return this.address >= 0; }
  get scratchBytes(): number { return this.inPlace || this.keptAt >= 0 ? 0 : this.floats * 4; }

  /** Byte address of item `b`: in place, in the kept block, or the scratch region. */
  at(scratch: number, b = 0): number {
    if (this.inPlace) return this.address + b * this.floats * 4;
    return this.keptAt >= 0 ? this.keptAt + b * this.floats * 4 : scratch;
  }

  /** Copies item `b` into the scratch region (nothing to do in place). */
  copyIn(memory: Float32Array, scratch: number, b = 0): void {
    if (!this.inPlace) memory.set(this.array.subarray(b * this.floats, (b + 1) * this.floats), scratch >>> 2);
  }

  /** Copies item `b` out of the scratch region or kept block (nothing to do in place). */
  copyOut(memory: Float32Array, scratch: number, b = 0): void {
    if (this.inPlace) return;
    const at = this.at(scratch, b) >>> 2;
    this.array.set(memory.subarray(at, at + this.floats), b * this.floats);
  }

  /** After the last copyOut of an output: its kept block now holds the array's values. */
  commit(): void {
    if (this.keptAt >= 0) this.linear!.kept!.commit(this.array, this.keptAt);
  }
}
