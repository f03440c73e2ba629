// Winograd F(4x4, 3x3) conv2d through the WASM module (assembly/winograd.ts), with a cache of transformed weights.
//
// Transforming a filter (U = G g Gᵀ, 36 floats per channel pair) costs a few ms at 512x512 channels, so the result
// stays in linear memory across calls, next to a raw copy of the weights it came from. Weights can change in place
// (load_state_dict, edits, in-place ops) without any version counter, so every call copies the weights into its
// scratch (as the im2col path does, here a chunk at a time) and compares them with the raw copy in WASM (a SIMD
// pass), transforming again on a difference. Entries are found by the weight array's identity, else by a hash of
// the contents (a weight array replaced by equal values still hits), and always confirmed by the comparison. The
// cache is an LRU bounded by bytes (256 MiB by default); its blocks come from the runtime's region allocator, apart
// from the per-call scratch.
import type { Conv2dParams } from '../types';
import { epilogueBytes, epilogueFlags, writeEpilogue } from './epilogue';
import { linearAddress, Operand, type LinearStorage } from './linear-storage';
import { WasmMemoryLimitError, type WasmKernelRuntime } from './runtime';
import { splitRange, type KernelCall, type WasmThreadPool } from './threads';
import { usesWinogradS2 } from './winograd-s2';

export const DEFAULT_WINOGRAD_CACHE_BYTES = 256 * 1024 * 1024;
/** Floats of the staging area weights are checked through (128 KiB: stays in L2 between the copy and the check). */
export const STAGING_FLOATS = 32 * 1024;

/**
 * When Winograd pays, measured against im2col (Node 20, one thread, filters cycling as in a network so that U comes
 * from memory): from 4 input channels on (1.5x at 4 -> 4 channels, 2-4x from 8 on; 0.7x at 1 input channel, where
 * the output transform outweighs im2col's 9 multiply-adds per output), for outputs of 6x6 and more (4x4 and smaller
 * lose 0.4-0.9x: one or two tiles cannot amortise streaming U), and only where most tile outputs are real (outputs
 * >= 6 per tile). Filters of 512 x 256 channels and more stream 4x their size in U: the cached path needs 7x7 for them.
 */
const MIN_IN_CHANNELS = 4;
const MIN_OUTPUTS = 36, MIN_OUTPUTS_LARGE_FILTER = 49, LARGE_FILTER = 1 << 17;
/**
 * Up to this many tiles per image, transforming the weights per call ('winograd-fused') beats streaming the cached U
 * (4x the filter) from memory: 512ch@7x7 (4 tiles) 4.3 against 7.2 ms, 256ch@14x14 (16) 2.4 against 3.5. At 28x28
 * (49 tiles) they broke even in a loop cycling filters, but inside ResNet-18 the cached path also reads the raw
 * filter twice to validate U while the fused one reads it once, and 128ch@28x28 takes 1.8 against 2.2 ms (1.2
 * against 1.4 on two threads); at 56x56 (196 tiles) the cache wins (64ch: 2.3 against 2.4, 1.6 against 1.8). The
 * fused path keeps all tiles' V in L2 (at most FUSED_MAX_V_BYTES).
 */
export const DEFAULT_WINOGRAD_FUSED_MAX_TILES = 64;
const FUSED_MAX_V_BYTES = 2 << 20;

/**
 * 'winograd': F(4x4, 3x3) with cached transformed weights; 'winograd-fused': the same with weights transformed per
 * call (small images); 'winograd-s2': 3x3 stride-2 convs (winograd-s2.ts); 'im2col' also stands for the pointwise
 * and depthwise paths.
 */
export type ConvAlgorithm = 'winograd' | 'winograd-fused' | 'winograd-s2' | 'im2col';

/** Which lowering the WASM conv2d uses for float32 `p`; fusedMaxTiles: the fused path's bound (tests move it). */
export function chooseConvAlgorithm(p: Conv2dParams, fusedMaxTiles = DEFAULT_WINOGRAD_FUSED_MAX_TILES): ConvAlgorithm {
  if (usesWinogradS2(p)) return 'winograd-s2';
  const eligible = p.kh === 3 && p.kw === 3 && p.strideH === 1 && p.strideW === 1 && p.dilationH === 1 && p.dilationW === 1 &&
    p.groups === 1 && p.input instanceof Float32Array && p.weight instanceof Float32Array;
  if (!eligible || p.cIn < MIN_IN_CHANNELS) return 'im2col';
  const outputs = p.outH * p.outW, tiles = Math.ceil(p.outH / 4) * Math.ceil(p.outW / 4);
  if (outputs < MIN_OUTPUTS || outputs < 6 * tiles) return 'im2col';
  if (tiles <= fusedMaxTiles && Math.ceil(tiles / 4) * 4 * 36 * p.cIn * 4 <= FUSED_MAX_V_BYTES) return 'winograd-fused';
  return outputs >= (p.cIn * p.cOut >= LARGE_FILTER ? MIN_OUTPUTS_LARGE_FILTER : MIN_OUTPUTS) ? 'winograd' : 'im2col';
}

interface Entry {
  cOut: number; cIn: number;
  /** Block holding the raw weights (cOut * cIn * 9 floats) followed by U. */
  at: number; u: number; bytes: number;
  key: string; alive: boolean;
}

/**
 * calls (cached path), fusedCalls and transforms count since creation; entries and bytes are the cache's now;
 * memoryBytes is linear memory's size.
 */
export interface WinogradStats {
  calls: number; fusedCalls: number; transforms: number; entries: number; bytes: number; memoryBytes: number;
}

export class WinogradWeightCache {
  private readonly byArray = new WeakMap<Float32Array, Entry>();
  private readonly byContent = new Map<string, Entry>();
  /** Entries, least recently used first (a Set iterates in insertion order). */
  private readonly lru = new Set<Entry>();
  private bytes = 0;
  /** Convolutions run through Winograd, and weight transforms done (tests assert on both). */
  calls = 0;
  transforms = 0;
  /** Convolutions run through the fused path (which does not use the cache). */
  fusedCalls = 0;

  /** fusedMaxTiles: chooseConvAlgorithm's bound for the fused path. */
  constructor(private readonly runtime: WasmKernelRuntime, readonly maxBytes = DEFAULT_WINOGRAD_CACHE_BYTES,
    readonly fusedMaxTiles = DEFAULT_WINOGRAD_FUSED_MAX_TILES) {}

  stats(): WinogradStats {
    return { calls: this.calls, fusedCalls: this.fusedCalls, transforms: this.transforms, entries: this.lru.size, bytes: this.bytes,
      memoryBytes: this.runtime.exports.memory.buffer.byteLength };
  }

  /**
   * Address of U for `weight` (cOut x cIn x 3 x 3), transforming it when no valid entry exists; null when it cannot
   * be cached (larger than the whole cache, or linear memory is full). The weights pass through `staging` (byte
   * address of STAGING_FLOATS floats) a chunk at a time to be compared or hashed in WASM: chunks stay in cache, so
   * checking a hit reads the weights and the raw copy once each. `temps`: a scratch address (288 bytes at least)
   * per thread for the transform. May grow memory.
   */
  lookup(weight: Float32Array, cOut: number, cIn: number, staging: number, temps: number[], pool: WasmThreadPool | null,
    weightAt = -1): number | null {
    const count = cOut * cIn * 9;
    const fits = (e: Entry | undefined): e is Entry => e !== undefined && e.alive && e.cOut === cOut && e.cIn === cIn;
    let entry = this.byArray.get(weight);
    if (fits(entry) && this.matches(weight, count, entry.at, staging, weightAt)) return this.touch(entry).u;
    // New array or changed contents: look for the contents, else transform (into the array's old entry if it has one).
    const key = `${cOut}x${cIn}:${this.hash(weight, count, staging, weightAt)}`;
    const found = this.byContent.get(key);
    if (fits(found) && this.matches(weight, count, found.at, staging, weightAt)) {
      this.byArray.set(weight, found);
      return this.touch(found).u;
    }
    if (fits(entry)) {
      if (this.byContent.get(entry.key) === entry) this.byContent.delete(entry.key);
    } else {
      const uBytes = this.runtime.exports.winogradWeightBytes(cOut, cIn);
      const bytes = alignUp(count * 4) + uBytes;
      if (bytes > this.maxBytes) return null;
      while (this.bytes + bytes > this.maxBytes) this.evict(this.lru.values().next().value as Entry);
      const at = this.allocate(bytes);
      if (at === null) return null;
      entry = { cOut, cIn, at, u: at + alignUp(count * 4), bytes, key, alive: true };
      this.bytes += bytes;
    }
    entry.key = key;
    this.byContent.set(key, entry);
    this.byArray.set(weight, entry);
    this.runtime.floats().set(weight.subarray(0, count), entry.at >>> 2);
    this.transform(entry, temps, pool);
    return this.touch(entry).u;
  }

  /**
   * Whether the first `count` floats of `weight` equal the raw copy at byte address `raw` (bitwise). `weightAt`: the
   * weights' own address when they live in linear memory (read in place), else -1.
   */
  private matches(weight: Float32Array, count: number, raw: number, staging: number, weightAt: number): boolean {
    if (weightAt >= 0) return this.runtime.exports.floatsEqual(raw, weightAt, count) !== 0;
    const memory = this.runtime.floats(), exports = this.runtime.exports;
    for (let at = 0; at < count; at += STAGING_FLOATS) {
      const end = Math.min(count, at + STAGING_FLOATS);
      memory.set(weight.subarray(at, end), staging >>> 2);
      if (!exports.floatsEqual(raw + at * 4, staging, end - at)) return false;
    }
    return true;
  }

  /** Hash of the first `count` floats of `weight` (chunk hashes chained, wherever the weights live). */
  private hash(weight: Float32Array, count: number, staging: number, weightAt: number): number {
    const memory = this.runtime.floats(), exports = this.runtime.exports;
    let hash = 0;
    for (let at = 0; at < count; at += STAGING_FLOATS) {
      const end = Math.min(count, at + STAGING_FLOATS);
      if (weightAt >= 0) {
        hash = exports.floatsHash(weightAt + at * 4, end - at, hash) >>> 0;
        continue;
      }
      memory.set(weight.subarray(at, end), staging >>> 2);
      hash = exports.floatsHash(staging, end - at, hash) >>> 0;
    }
    return hash;
  }

  /** Drops every entry (their memory returns to the runtime's free ranges). */
  clear(): void {
    for (const entry of [...this.lru]) this.evict(entry);
  }

  /** A block for an entry; at the 4 GiB limit the whole cache is dropped first, and null means im2col. */
  private allocate(bytes: number): number | null {
    try {
      return this.runtime.allocate(bytes);
    } catch (error) {
      if (!(error instanceof WasmMemoryLimitError) || this.lru.size === 0) {
        if (error instanceof WasmMemoryLimitError) return null;
        throw error;
      }
    }
    this.clear();
    try { return this.runtime.allocate(bytes); } catch (error) {
      if (error instanceof WasmMemoryLimitError) return null;
      throw error;
    }
  }

  private transform(entry: Entry, temps: number[], pool: WasmThreadPool | null): void {
    this.transforms++;
    const blocks = Math.ceil(entry.cOut / 8);
    const ranges = splitRange(blocks, pool === null ? 1 : Math.min(pool.threads, temps.length), 1);
    const calls: KernelCall[] = ranges.map(([j0, j1], i) => ({
      op: 'winogradWeights', args: [entry.cOut, entry.cIn, entry.at, entry.u, j0, j1, temps[i]],
    }));
    if (pool === null || calls.length === 1) {
      for (const call of calls) this.runtime.exports.winogradWeights(...(call.args as [number, number, number, number, number, number, number]));
    } else pool.run(calls);
  }

  private touch(entry: Entry): Entry {
    this.lru.delete(entry);
    this.lru.add(entry);
    return entry;
  }

  private evict(entry: Entry): void {
    entry.alive = false;
    this.lru.delete(entry);
    if (this.byContent.get(entry.key) === entry) this.byContent.delete(entry.key);
    this.runtime.release(entry.at);
    this.bytes -= entry.bytes;
  }
}

function alignUp(bytes: number): number {
  return Math.ceil(bytes / 64) * 64;
}

/** One thread's share of an image: output channels [oc0, oc1) (oc0 a multiple of 8) and tile rows [ty0, ty1). */
interface Share { oc0: number; oc1: number; ty0: number; ty1: number }

/**
 * How threads split an image. By output channels (blocks of 8) in general: each thread streams only its part of U
 * (memory-bound with few tiles), at the price of transforming all input tiles (a few % of its GEMMs from 128 output
 * channels on). By tile rows when output channels are few (the input transform would weigh 10-20 %) and the rows
 * divide evenly.
 */
function shares(cOut: number, tilesY: number, threads: number): Share[] {
  const byRows = splitRange(tilesY, threads, 1).map(([ty0, ty1]) => ({ oc0: 0, oc1: cOut, ty0, ty1 }));
  const byChannels = splitRange(cOut, threads, 8).map(([oc0, oc1]) => ({ oc0, oc1, ty0: 0, ty1: tilesY }));
  const longest = Math.max(...byRows.map((s) => s.ty1 - s.ty0));
  const evenRows = byRows.length === threads && longest * threads <= tilesY * 1.05;
  return (evenRows && cOut < 128) || byChannels.length < byRows.length ? byRows : byChannels;
}

/**
 * Float32 3x3 stride-1 conv2d by Winograd (chooseConvAlgorithm said so). Returns false, having written nothing,
 * when the transformed weights do not fit in the cache; the caller then takes im2col.
 */
export function wasmWinogradConv2d(runtime: WasmKernelRuntime, cache: WinogradWeightCache, p: Conv2dParams,
  pool: WasmThreadPool | null, linear: LinearStorage | null = null): boolean {
  const { n, cIn, h, w, cOut, outH, outW } = p;
  const exports = runtime.exports;
  const weight = p.weight as Float32Array, bias = p.bias as Float32Array | null;
  const tilesX = Math.ceil(outW / 4), tilesY = Math.ceil(outH / 4);
  const parts = shares(cOut, tilesY, pool?.threads ?? 1);
  const threads = parts.length;
  const scratchBytes = alignUp(Math.max(...parts.map((s) => exports.winogradScratchBytes(cIn, s.oc1 - s.oc0, tilesX, tilesY))));
  // Operands in linear memory (linear-storage.ts) are used in place; the others are copied through scratch.
  const input = new Operand(linear, p.input as Float32Array, cIn * h * w);
  // The residual (Conv2dParams.residual) is added by the kernels' output transform, from linear memory like the input.
  const residual = p.residual ? new Operand(linear, p.residual as Float32Array, cOut * outH * outW) : null;
  const out = new Operand(linear, p.out as Float32Array, cOut * outH * outW, true, residual ? [input, residual] : [input]);
  const [scratch, stagingAt, biasAt, inputCopy, outCopy, residualCopy] = runtime.reserve([threads * scratchBytes, STAGING_FLOATS * 4,
    epilogueBytes(cOut), input.scratchBytes, out.scratchBytes, residual?.scratchBytes ?? 0]);
  const temps = parts.map((_, i) => scratch + i * scratchBytes);
  const u = cache.lookup(weight, cOut, cIn, stagingAt, temps, pool, linearAddress(linear, weight));
  if (u === null) return false;
  cache.calls++;
  const memory = runtime.floats(); // after lookup: allocating cache blocks may have grown memory
  const scaleAt = writeEpilogue(memory, biasAt, cOut, bias, (p.scale ?? null) as Float32Array | null), flags = epilogueFlags(p);
  for (let b = 0; b < n; b++) {
    const inputAt = input.at(inputCopy, b), outAt = out.at(outCopy, b);
    input.copyIn(memory, inputCopy, b);
    residual?.copyIn(memory, residualCopy, b);
    const residualAt = residual?.at(residualCopy, b) ?? 0;
    const calls: KernelCall[] = parts.map(({ oc0, oc1, ty0, ty1 }, i) => ({
      op: 'winogradConv2d',
      args: [cIn, h, w, cOut, p.padTop, p.padLeft, outH, outW, inputAt, u, biasAt, scaleAt, flags, residualAt, outAt,
        oc0, oc1, ty0, ty1, scratch + i * scratchBytes],
    }));
    // With threads, this thread copies its share of the output out while the workers finish theirs.
    const copyOut = (s: Share) => copyShareOut(memory, out, outCopy, b, s, outH, outW);
    if (pool === null) {
      exports.winogradConv2d(...(calls[0].args as Parameters<typeof exports.winogradConv2d>));
      copyOut({ oc0: 0, oc1: cOut, ty0: 0, ty1: tilesY });
    } else {
      pool.run(calls, undefined, () => copyOut(parts[0]));
      for (let i = 1; i < parts.length; i++) copyOut(parts[i]);
    }
  }
  out.commit();
  return true;
}

/**
 * Copies a share's output (channels [oc0, oc1), rows of tile rows [ty0, ty1)) of image `b` from the scratch region at
 * `outCopy` (or the output's kept block) to the output's array; nothing when the output is written in place.
 */
function copyShareOut(memory: Float32Array, output: Operand, outCopy: number, b: number, s: Share, outH: number, outW: number): void {
  if (output.inPlace) return;
  const out = output.array, base = b * output.floats;
  const plane = outH * outW, y0 = s.ty0 * 4, y1 = Math.min(outH, s.ty1 * 4);
  const from = y0 * outW, to = y1 * outW, at = output.at(outCopy, b) >>> 2;
  if (from === 0 && to === plane) {
    out.set(memory.subarray(at + s.oc0 * plane, at + s.oc1 * plane), base + s.oc0 * plane);
    return;
  }
  for (let c = s.oc0; c < s.oc1; c++) out.set(memory.subarray(at + c * plane + from, at + c * plane + to), base + c * plane + from);
}

/** Floats of raw weights fed per fused call on one thread: about 256 KiB, so they are still in L2 when transformed. */
const FUSED_CHUNK_FLOATS = 64 * 1024;

/**
 * Float32 3x3 stride-1 conv2d by Winograd with the weights transformed per call (chooseConvAlgorithm said
 * 'winograd-fused'): nothing is cached, so in-place weight changes need no check. One thread copies the weights in
 * rounds of about 256 KiB, transformed (8-channel slivers) while still in L2; the input tiles are transformed in the
 * first round and reused. Threads split the output channels of one round over a full copy (each transforms its own
 * input tiles): rounds cost more than they save there, even with the next round copied while the workers compute
 * (512ch@7x7 on two threads: 2.8 ms in one round, 2.9 in 2-4 rounds, 3.2 in 8, 3.4 in 16).
 */
export function wasmWinogradFusedConv2d(runtime: WasmKernelRuntime, cache: WinogradWeightCache, p: Conv2dParams,
  pool: WasmThreadPool | null, linear: LinearStorage | null = null): void {
  const { n, cIn, h, w, cOut, outH, outW } = p;
  const exports = runtime.exports;
  const weight = p.weight as Float32Array, bias = p.bias as Float32Array | null;
  const tilesY = Math.ceil(outH / 4);
  const filter = cIn * 9;
  const threads = Math.min(pool?.threads ?? 1, Math.ceil(cOut / 8));
  // Operands in linear memory (linear-storage.ts) are used in place (weights in one round); the others are copied.
  const input = new Operand(linear, p.input as Float32Array, cIn * h * w);
  const weightLinear = linearAddress(linear, weight);
  const round = threads > 1 || weightLinear >= 0 ? cOut
    : Math.min(cOut, Math.max(8, Math.floor(FUSED_CHUNK_FLOATS / filter / 8) * 8));
  const scratchBytes = alignUp(exports.winogradFusedScratchBytes(cIn, Math.ceil(outW / 4), tilesY));
  const residual = p.residual ? new Operand(linear, p.residual as Float32Array, cOut * outH * outW) : null;
  const out = new Operand(linear, p.out as Float32Array, cOut * outH * outW, true, residual ? [input, residual] : [input]);
  const [scratch, weightCopy, biasAt, inputCopy, outCopy, residualCopy] = runtime.reserve([threads * scratchBytes,
    weightLinear >= 0 ? 0 : round * filter * 4, epilogueBytes(cOut), input.scratchBytes, out.scratchBytes, residual?.scratchBytes ?? 0]);
  cache.fusedCalls++; // after reserve, which may throw WasmMemoryLimitError (then TypeScript runs the conv)
  const memory = runtime.floats();
  const scaleAt = writeEpilogue(memory, biasAt, cOut, bias, (p.scale ?? null) as Float32Array | null), flags = epilogueFlags(p);
  const weightAt = weightLinear >= 0 ? weightLinear : weightCopy;
  const copyWeights = (from: number, to: number, at: number) => {
    if (weightLinear < 0) memory.set(weight.subarray(from * filter, to * filter), (weightAt >>> 2) + at * filter);
  };
  for (let b = 0; b < n; b++) {
    const inputAt = input.at(inputCopy, b), outAt = out.at(outCopy, b);
    input.copyIn(memory, inputCopy, b);
    residual?.copyIn(memory, residualCopy, b);
    const residualAt = residual?.at(residualCopy, b) ?? 0;
    const copyShare = (s: Share) => copyShareOut(memory, out, outCopy, b, s, outH, outW);
    for (let oc0 = 0; oc0 < cOut; oc0 += round) {
      const oc1 = Math.min(cOut, oc0 + round);
      // With one round the weights stay from the first image on. With threads, the first image copies the
      // workers' weights, starts them, then copies its own while they run (512ch@7x7 3.29 -> 3.13 ms on two; giving
      // this thread fewer channels was slower: 3.15 at 0.6 of a worker's share, 3.6 at 0.4: bandwidth-bound).
      const ownFirst = threads > 1 && b === 0;
      if (round < cOut || (b === 0 && threads === 1)) copyWeights(oc0, oc1, 0);
      const ranges = splitRange(oc1 - oc0, threads, 8);
      if (ownFirst) copyWeights(ranges[0][1], cOut, ranges[0][1]);
      const copyOwn = ownFirst ? () => copyWeights(0, ranges[0][1], 0) : undefined;
      const calls: KernelCall[] = ranges.map(([c0, c1], i) => ({
        op: 'winogradFusedConv2d',
        args: [cIn, h, w, p.padTop, p.padLeft, outH, outW, inputAt, weightAt + c0 * filter * 4, biasAt, scaleAt, flags, residualAt, outAt,
          oc0 + c0, oc0 + c1, 0, tilesY, scratch + i * scratchBytes, oc0 === 0 ? 1 : 0],
      }));
      if (pool === null || calls.length === 1) {
        copyOwn?.();
        exports.winogradFusedConv2d(...(calls[0].args as Parameters<typeof exports.winogradFusedConv2d>));
      } else {
        // Threads mean one round (oc0 0): this thread copies its output channels out while the workers finish.
        const share = (i: number): Share => ({ oc0: ranges[i][0], oc1: ranges[i][1], ty0: 0, ty1: tilesY });
        pool.run(calls, copyOwn, () => copyShare(share(0)));
        for (let i = 1; i < ranges.length; i++) copyShare(share(i));
        continue;
      }
      if (oc1 === cOut) copyShare({ oc0: 0, oc1: cOut, ty0: 0, ty1: tilesY });
    }
  }
  out.commit();
}
