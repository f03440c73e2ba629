// The WASM SIMD kernel set: gemm, conv2d, max_pool2d (values), batch-norm's affine step, the common
// activations and last-axis softmax over float32 run in the AssemblyScript module (assembly/), everything
// else (and float64) in the TypeScript kernels it wraps. The memory-bound passes pay a copy into linear
// memory and back; measured on 800k floats that still wins (relu 0.77 against 0.96 ms, batch-norm 0.8
// against 0.9, sigmoid 2.4 against 8.4, gelu 5 against 105, softmax rows 4x).
import type { NumArray } from '../../dtype';
import { isContiguous } from '../../shape';
import type { Conv2dParams, GemmParams, Kernels, Pool2dParams, Strided, UnaryOp, UnaryParams } from '../types';
import { createTsKernels } from '../ts';
import { wasmConv2d } from './conv';
import { wasmGemm } from './gemm';
import { wasmActivation, wasmChannelAffine, wasmHasActivation, wasmRandomFloat32, wasmSoftmaxRows } from './pointwise';
import { wasmMaxPool2d } from './pool';
import { bestWasmVariant, WasmKernelRuntime, WasmMemoryLimitError, type WasmVariant } from './runtime';
import { DEFAULT_KEPT_OUTPUT_BYTES, KeptOutputs, type KeptOutputStats } from './kept-outputs';
import { DEFAULT_MIN_LINEAR_FLOATS, LinearStorage, type LinearStorageStats } from './linear-storage';
import { WasmThreadPool, type WorkerLauncher } from './threads';
import { WinogradWeightCache, type WinogradStats } from './winograd';

export type { WasmVariant } from './runtime';
export type { LinearStorageStats } from './linear-storage';
export type { KeptOutputStats } from './kept-outputs';
export type { WorkerLauncher, WasmWorkerMessage, WorkerHandle } from './threads';
export {
  chooseConvAlgorithm, DEFAULT_WINOGRAD_CACHE_BYTES, DEFAULT_WINOGRAD_FUSED_MAX_TILES, type ConvAlgorithm, type WinogradStats,
} from './winograd';

export interface WasmThreadOptions {
  /** Threads including the calling one (it blocks while the workers run its call's other parts). */
  count: number;
  /** Starts worker threads (Node: nodeWorkerLauncher in src/engine-node/wasm-threads.ts). */
  launcher: WorkerLauncher;
  /**
   * GEMMs with fewer multiply-adds per batch item (convs and max-pool: output elements x taps per image) use one
   * thread; by default 2^23 for GEMMs and 2^20 for convs and max-pool.
   */
  minWork?: number;
}

export interface WasmKernelOptions {
  /**
   * Float32 GEMMs with fewer multiply-adds (m*n*k per batch item) stay in TypeScript, where copying into
   * linear memory costs more than it saves. 0 sends every float32 GEMM to WASM (tests, forced mode).
   */
  minGemmWork?: number;
  /** The same for conv2d and max_pool2d, counted as output elements times window taps. */
  minConvWork?: number;
  /** Activations, batch-norm and softmax over fewer float32 elements stay in TypeScript (0: always WASM). */
  minPointwiseWork?: number;
  /** Module variant; by default relaxed SIMD where the runtime validates it, else baseline SIMD128. */
  variant?: WasmVariant;
  /** Split large GEMMs and convolutions across worker threads over shared memory. */
  threads?: WasmThreadOptions;
  /**
   * Bytes of linear memory the Winograd weight cache may hold (transformed 3x3 filters plus their raw copies);
   * 0 turns Winograd off (every conv takes im2col). Default DEFAULT_WINOGRAD_CACHE_BYTES (256 MiB).
   */
  winogradCacheBytes?: number;
  /** Images of at most this many 4x4 output tiles take the fused Winograd path (DEFAULT_WINOGRAD_FUSED_MAX_TILES). */
  winogradFusedMaxTiles?: number;
  /**
   * Module parameters and buffers (lazily created float32 storages) of at least this many elements materialise in
   * linear memory while the set is active, so kernels read them in place (linear-storage.ts); 0 keeps them on the
   * JS heap. Default DEFAULT_MIN_LINEAR_FLOATS (4096).
   */
  minLinearFloats?: number;
  /** Most bytes such storages may hold in linear memory; further ones go to the JS heap. Default 1 GiB. */
  maxLinearBytes?: number;
  /**
   * Bytes of linear memory for copies of recent convolution and max-pool outputs, which the next kernel reads in place
   * instead of copying the output in again (kept-outputs.ts); 0 keeps none. Needs linear storages (minLinearFloats >
   * 0). Default DEFAULT_KEPT_OUTPUT_BYTES (4 MiB).
   */
  keptOutputBytes?: number;
}

/**
 * A WASM kernel set; close() stops its worker threads (they do not keep a Node process alive anyway).
 * winogradStats(): the Winograd conv path's call and weight-transform counts and its cache's size.
 */
export type WasmKernels = Kernels & {
  close(): void; winogradStats(): WinogradStats; linearStats(): LinearStorageStats | null; keptOutputStats(): KeptOutputStats | null;
};

/**
 * Crossovers measured on Zen 4 / Node 20 (best of 7, float32): TypeScript wins below about 6^3 multiply-adds
 * (4^3: 0.19 against 0.35 us; 8^3: 1.0 against 0.3 us), where the call and the copies cost more than the
 * arithmetic; for conv2d and max_pool2d (outputs x taps) the crossover is at about 600.
 */
const DEFAULT_MIN_GEMM_WORK = 256;
const DEFAULT_MIN_CONV_WORK = 512;
/** Below a few thousand elements the call and the two copies cost more than the TypeScript loop. */
const DEFAULT_MIN_POINTWISE_WORK = 4096;
/**
 * GEMMs below about 2^23 multiply-adds (~0.2 ms on one thread) do not pay for a second thread: waking the worker and
 * duplicated packing cost more than it saves.
 */
const DEFAULT_MIN_PARALLEL_WORK = 1 << 23;
/**
 * Convolutions and max-pooling split from 2^20 (outputs x taps per image) on: their shares are rows or channel
 * ranges, and each thread applies its share's epilogue, so little is duplicated. ResNet-18 on two threads, per-call
 * times in the network: the 1x1 downsampling convs (6.4M each) 0.50/0.37/0.34 against 0.55/0.51/0.44 ms on one, the
 * max-pool after the stem (1.8M) 0.57 against 0.82.
 */
const DEFAULT_MIN_PARALLEL_CONV_WORK = 1 << 20;

/** Whether a WASM SIMD kernel set can be created here (module built, WASM SIMD supported). */
export function wasmKernelsAvailable(): boolean {
  return bestWasmVariant() !== null;
}

/** Throws when the module is not built or WASM SIMD is unavailable (see wasmKernelsAvailable). */
export function createWasmKernels(options: WasmKernelOptions = {}): WasmKernels {
  const variant = options.variant ?? bestWasmVariant() ?? 'simd';
  const threads = options.threads && options.threads.count > 1 ? options.threads : null;
  // Shared memory needs SharedArrayBuffer (browsers grant it only to cross-origin-isolated pages).
  const minLinearFloats = typeof SharedArrayBuffer === 'function' ? options.minLinearFloats ?? DEFAULT_MIN_LINEAR_FLOATS : 0;
  // Storages in linear memory need it shared (growing private memory detaches views), threads need it too.
  const runtime = new WasmKernelRuntime(variant, threads !== null || minLinearFloats > 0);
  const keptBytes = options.keptOutputBytes ?? DEFAULT_KEPT_OUTPUT_BYTES;
  const kept = minLinearFloats > 0 && keptBytes > 0 ? new KeptOutputs(runtime, keptBytes) : null;
  const linear = minLinearFloats > 0 ? new LinearStorage(runtime, minLinearFloats, options.maxLinearBytes, kept) : null;
  const pool = threads === null ? null : new WasmThreadPool(runtime, threads.count, threads.launcher);
  // Without linear storages, calls left on one thread run over private memory: V8 copies into shared memory ~40 %
  // slower (Net at batch 1 lost 4 %). With them, every call runs where the storages are.
  const serial = threads === null || linear !== null ? runtime : new WasmKernelRuntime(variant);
  const cacheFor = (r: WasmKernelRuntime) => (options.winogradCacheBytes === 0 ? null
    : new WinogradWeightCache(r, options.winogradCacheBytes, options.winogradFusedMaxTiles));
  const winograd = cacheFor(runtime), serialWinograd = serial === runtime ? winograd : cacheFor(serial);
  const minParallelWork = threads?.minWork ?? DEFAULT_MIN_PARALLEL_WORK;
  const minParallelConvWork = threads?.minWork ?? DEFAULT_MIN_PARALLEL_CONV_WORK;
  const poolFor = (work: number, min = minParallelWork) => (work >= min ? pool : null);
  const on = (work: number, min = minParallelWork) => (poolFor(work, min) === null ? serial : runtime);
  const minGemmWork = options.minGemmWork ?? DEFAULT_MIN_GEMM_WORK;
  const minConvWork = options.minConvWork ?? DEFAULT_MIN_CONV_WORK;
  const minPointwiseWork = options.minPointwiseWork ?? DEFAULT_MIN_POINTWISE_WORK;
  const ts = createTsKernels();
  const isFloat32 = (x: unknown): boolean => x instanceof Float32Array;
  /** Runs the WASM path, or the TypeScript one when the operands do not fit in linear memory (nothing is written before). */
  const orTs = (wasm: () => void, typescript: () => void): void => {
    try { wasm(); } catch (error) {
      if (!(error instanceof WasmMemoryLimitError)) throw error;
      typescript();
    }
  };
  return {
    ...ts,
    name: `wasm${variant === 'simd' ? '' : `-${variant}`}${pool === null ? '' : `-${pool.threads}threads`}`,
    ...(linear === null ? {} : { storageAllocator: linear, scratchFloat32: (length: number) => linear.scratch(length) }),
    gemm(p: GemmParams): void {
      const work = p.m * p.n * p.k;
      const useWasm = isFloat32(p.a) && isFloat32(p.b) && isFloat32(p.out) && work >= minGemmWork;
      if (useWasm) orTs(() => wasmGemm(on(work), p, poolFor(work), linear), () => ts.gemm(p));
      else ts.gemm(p);
    },
    conv2d(p: Conv2dParams): void {
      const work = p.cOut * p.outH * p.outW * (p.cIn / p.groups) * p.kh * p.kw;
      const useWasm = isFloat32(p.input) && isFloat32(p.weight) && isFloat32(p.out) && (p.bias === null || isFloat32(p.bias)) && (!p.scale || isFloat32(p.scale)) && (!p.residual || isFloat32(p.residual)) &&
        work >= minConvWork;
      const threaded = poolFor(work, minParallelConvWork);
      const cache = threaded === null ? serialWinograd : winograd;
      if (useWasm) orTs(() => wasmConv2d(on(work, minParallelConvWork), p, threaded, cache, linear), () => ts.conv2d(p));
      else ts.conv2d(p);
    },
    maxPool2d(p: Pool2dParams): void {
      const work = p.n * p.c * p.outH * p.outW * p.kh * p.kw;
      const useWasm = !p.indices && isFloat32(p.input) && isFloat32(p.out) && work >= minConvWork;
      if (useWasm) orTs(() => wasmMaxPool2d(on(work, minParallelConvWork), p, poolFor(work, minParallelConvWork), linear), () => ts.maxPool2d(p));
      else ts.maxPool2d(p);
    },
    unary(op: UnaryOp, shape: readonly number[], x: Strided, out: NumArray, params?: UnaryParams): void {
      const count = shape.reduce((a, b) => a * b, 1);
      const useWasm = wasmHasActivation(op) && count >= minPointwiseWork && isFloat32(x.data) && isFloat32(out) && isContiguous(shape, x.strides);
      if (useWasm) orTs(() => wasmActivation(serial, op, x.data as Float32Array, x.offset, out as Float32Array, count, params, linear), () => ts.unary(op, shape, x, out, params));
      else ts.unary(op, shape, x, out, params);
    },
    batchNormInference(x, n, c, spatial, scale, shift, out): void {
      const useWasm = n * c * spatial >= minPointwiseWork && isFloat32(x) && isFloat32(scale) && isFloat32(shift) && isFloat32(out);
      if (useWasm) {
        orTs(() => wasmChannelAffine(serial, x as Float32Array, n, c, spatial, scale as Float32Array, shift as Float32Array, out as Float32Array, linear),
          () => ts.batchNormInference(x, n, c, spatial, scale, shift, out));
      } else ts.batchNormInference(x, n, c, spatial, scale, shift, out);
    },
    randomFloat32(out, offset, seed, kind, p0, p1): void {
      const useWasm = out.length >= minPointwiseWork;
      if (useWasm) {
        orTs(() => wasmRandomFloat32(on(out.length * 64), out, offset, seed, kind, p0, p1, poolFor(out.length * 64), linear),
          () => ts.randomFloat32(out, offset, seed, kind, p0, p1));
      } else ts.randomFloat32(out, offset, seed, kind, p0, p1);
    },
    softmax(x, outer, size, inner, out, log): void {
      const useWasm = inner === 1 && outer * size >= minPointwiseWork && isFloat32(x) && isFloat32(out);
      if (useWasm) orTs(() => wasmSoftmaxRows(serial, x as Float32Array, outer, size, out as Float32Array, log, linear), () => ts.softmax(x, outer, size, inner, out, log));
      else ts.softmax(x, outer, size, inner, out, log);
    },
    close(): void { pool?.close(); },
    linearStats: () => linear?.stats() ?? null,
    keptOutputStats: () => kept?.stats() ?? null,
    winogradStats: () => sumStats([winograd, serialWinograd === winograd ? null : serialWinograd], [runtime, serial]),
  };
}

/** The Winograd stats of the kernel set: its caches' (one per runtime) summed, memory over both runtimes. */
function sumStats(caches: (WinogradWeightCache | null)[], runtimes: WasmKernelRuntime[]): WinogradStats {
  const sum: WinogradStats = { calls: 0, fusedCalls: 0, transforms: 0, entries: 0, bytes: 0, memoryBytes: 0 };
  for (const cache of caches) {
    const stats = cache?.stats();
    if (stats) for (const key of ['calls', 'fusedCalls', 'transforms', 'entries', 'bytes'] as const) sum[key] += stats[key];
  }
  for (const r of new Set(runtimes)) sum.memoryBytes += r.exports.memory.buffer.byteLength;
  return sum;
}
