// Copies of recent kernel outputs kept in linear memory. A convolution writes its output into a block here, copies
// it out to the result's JS array as before, and keeps the block as that array's copy: the next kernel reading the
// array (the next convolution, the residual add of a later one, a max-pool) reads the copy in place instead of
// copying the array in again. In a ResNet forward pass every activation is read right after it was written, so this
// removes the copies into linear memory (about 1.6 ms of a 2-thread ResNet-18 pass, all on the calling thread).
//
// The JS array stays the value: a copy is only ever a cache. It is stale once the array is written (Storage.data
// counts writes, storage.ts writeCounter), and the cache is a bounded LRU that holds its arrays strongly until their
// blocks are reused (bounded by maxBytes; a weak reference would keep every result of a synchronous loop alive to its
// end anyway).
import type { NumArray } from '../../dtype';
import { writeCounter } from '../../storage';
import { WasmMemoryLimitError, type WasmKernelRuntime } from './runtime';

/** Bytes of blocks the cache may hold (outputs over a quarter of it are not kept). */
export const DEFAULT_KEPT_OUTPUT_BYTES = 4 << 20;

interface Kept { at: number; bytes: number; counter: { readonly writes: number }; writes: number }

export interface KeptOutputStats {
  /** Outputs kept, reads served from a kept copy, copies found stale (the array was written since). */
  kept: number; hits: number; stale: number;
  /** Blocks held now (kept copies and spare blocks) and their bytes. */
  blocks: number; bytes: number;
}

export class KeptOutputs {
  /** Kept copies by array, least recently used first (a Map iterates in insertion order). */
  private readonly kept = new Map<NumArray, Kept>();
  /** Blocks no copy uses, by size, for the next outputs of that size. */
  private readonly spare = new Map<number, number[]>();
  /** The block handed out by reserve and not committed yet (an output whose kernel has not finished). */
  private pending: { at: number; bytes: number } | null = null;
  private bytes = 0;
  private counts = { kept: 0, hits: 0, stale: 0 };

  constructor(private readonly runtime: WasmKernelRuntime, readonly maxBytes = DEFAULT_KEPT_OUTPUT_BYTES) {}

  /** Byte address of a valid copy of `array` (which then counts as recently used), or -1. */
  lookup(array: NumArray): number {
    const kept = this.kept.get(array);
    if (kept === undefined) return -1;
    this.kept.delete(array);
    if (kept.counter.writes !== kept.writes) {
      this.counts.stale++;
      this.toSpare(kept.at, kept.bytes);
      return -1;
    }
    this.kept.set(array, kept);
    this.counts.hits++;
    return kept.at;
  }

  /**
   * A block of `bytes` for an output the kernel writes and then copies out (commit it after), or -1 (use scratch).
   * Blocks of the copies in `keep` (the call's inputs) are not reused for it. Only one output is pending at a time:
   * a pending block never committed (its call failed) is reused. May grow memory.
   */
  reserve(bytes: number, keep: readonly NumArray[]): number {
    if (this.pending !== null) {
      this.toSpare(this.pending.at, this.pending.bytes);
      this.pending = null;
    }
    if (bytes > this.maxBytes / 4) return -1;
    let at = this.spare.get(bytes)?.pop() ?? -1;
    while (at < 0 && this.bytes + bytes > this.maxBytes) {
      if (!this.releaseOne(keep)) return -1;
      at = this.spare.get(bytes)?.pop() ?? -1;
    }
    if (at < 0) {
      try {
        at = this.runtime.allocate(bytes);
      } catch (error) {
        if (error instanceof WasmMemoryLimitError) return -1;
        throw error;
      }
      this.bytes += bytes;
    }
    this.pending = { at, bytes };
    return at;
  }

  /** The pending block at `at` now holds `array`'s values (copied out in full). */
  commit(array: NumArray, at: number): void {
    if (this.pending === null || this.pending.at !== at) throw new Error(`no pending kept-output block at ${at}`);
    const { bytes } = this.pending;
    this.pending = null;
    const old = this.kept.get(array);
    if (old !== undefined) {
      this.kept.delete(array);
      this.toSpare(old.at, old.bytes);
    }
    const counter = writeCounter(array);
    this.kept.set(array, { at, bytes, counter, writes: counter.writes });
    this.counts.kept++;
  }

  stats(): KeptOutputStats {
    let blocks = this.kept.size + (this.pending === null ? 0 : 1);
    for (const list of this.spare.values()) blocks += list.length;
    return { ...this.counts, blocks, bytes: this.bytes };
  }

  private toSpare(at: number, bytes: number): void {
    const list = this.spare.get(bytes);
    if (list === undefined) this.spare.set(bytes, [at]);
    else list.push(at);
  }

  /** Returns one block to the runtime: a spare one, else the least recently used copy outside `keep`. */
  private releaseOne(keep: readonly NumArray[]): boolean {
    for (const [bytes, list] of this.spare) {
      const at = list.pop();
      if (at === undefined) continue;
      this.runtime.release(at);
      this.bytes -= bytes;
      return true;
    }
    for (const [array, kept] of this.kept) {
      if (keep.includes(array)) continue;
      this.kept.delete(array);
      this.runtime.release(kept.at);
      this.bytes -= kept.bytes;
      return true;
    }
    return false;
  }
}
