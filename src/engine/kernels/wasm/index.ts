// The WASM SIMD kernel set: gemm, conv2d and max_pool2d (values) over float32 run in the AssemblyScript
// module (assembly/), everything else (and float64) in the TypeScript kernels it wraps. batchNormInference
// and the activations stay in TypeScript on purpose: they are one memory-bound pass (about 1 ns an element),
// and copying the operands into linear memory and back would cost as much as the SIMD loop saves.
import type { Conv2dParams, GemmParams, Kernels, Pool2dParams } from '../types';
import { createTsKernels } from '../ts';
import { wasmConv2d } from './conv';
import { wasmGemm } from './gemm';
import { wasmMaxPool2d } from './pool';
import { bestWasmVariant, WasmKernelRuntime, WasmMemoryLimitError, type WasmVariant } from './runtime';
import { WasmThreadPool, type WorkerLauncher } from './threads';
import { WinogradWeightCache, type WinogradStats } from './winograd';

export type { WasmVariant } from './runtime';
export type { WorkerLauncher, WasmWorkerMessage, WorkerHandle } from './threads';
export { chooseConvAlgorithm, DEFAULT_WINOGRAD_CACHE_BYTES, type ConvAlgorithm, type WinogradStats } from './winograd';

export interface WasmThreadOptions {
  /** Threads including the calling one (it blocks while the workers run its call's other parts). */
  count: number;
  /** Starts worker threads (Node: nodeWorkerLauncher in src/engine-node/wasm-threads.ts). */
  launcher: WorkerLauncher;
  /** GEMMs with fewer multiply-adds per batch item (convs: output elements x taps per image) use one thread. */
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
  /** Module variant; by default relaxed SIMD where the runtime validates it, else baseline SIMD128. */
  variant?: WasmVariant;
  /** Split large GEMMs and convolutions across worker threads over shared memory. */
  threads?: WasmThreadOptions;
  /**
   * Bytes of linear memory the Winograd weight cache may hold (transformed 3x3 filters plus their raw copies);
   * 0 turns Winograd off (every conv takes im2col). Default DEFAULT_WINOGRAD_CACHE_BYTES (256 MiB).
   */
  winogradCacheBytes?: number;
}

/**
 * A WASM kernel set; close() stops its worker threads (they do not keep a Node process alive anyway).
 * winogradStats(): the Winograd conv path's call and weight-transform counts and its cache's size.
 */
export type WasmKernels = Kernels & { close(): void; winogradStats(): WinogradStats };

/**
 * Crossovers measured on Zen 4 / Node 20 (best of 7, float32): TypeScript wins below about 6^3 multiply-adds
 * (4^3: 0.19 against 0.35 us; 8^3: 1.0 against 0.3 us), where the call and the copies cost more than the
 * arithmetic; for conv2d and max_pool2d (outputs x taps) the crossover is at about 600.
 */
const DEFAULT_MIN_GEMM_WORK = 256;
const DEFAULT_MIN_CONV_WORK = 512;
/**
 * Below about 2^23 multiply-adds (~0.2 ms on one thread) a second thread does not pay: waking the worker and
 * duplicated packing cost more than it saves (resnet's 1x1 downsampling convs, 3-6M, measured slower on two).
 */
const DEFAULT_MIN_PARALLEL_WORK = 1 << 23;

/** Whether a WASM SIMD kernel set can be created here (module built, WASM SIMD supported). */
export function wasmKernelsAvailable(): boolean {
  return bestWasmVariant() !== null;
}

/** Throws when the module is not built or WASM SIMD is unavailable (see wasmKernelsAvailable). */
export function createWasmKernels(options: WasmKernelOptions = {}): WasmKernels {
  const variant = options.variant ?? bestWasmVariant() ?? 'simd';
  const threads = options.threads && options.threads.count > 1 ? options.threads : null;
  const runtime = new WasmKernelRuntime(variant, threads !== null);
  const pool = threads === null ? null : new WasmThreadPool(runtime, threads.count, threads.launcher);
  const winograd = options.winogradCacheBytes === 0 ? null : new WinogradWeightCache(runtime, options.winogradCacheBytes);
  const minParallelWork = threads?.minWork ?? DEFAULT_MIN_PARALLEL_WORK;
  const poolFor = (work: number) => (work >= minParallelWork ? pool : null);
  const minGemmWork = options.minGemmWork ?? DEFAULT_MIN_GEMM_WORK;
  const minConvWork = options.minConvWork ?? DEFAULT_MIN_CONV_WORK;
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
    gemm(p: GemmParams): void {
      const work = p.m * p.n * p.k;
      const useWasm = isFloat32(p.a) && isFloat32(p.b) && isFloat32(p.out) && work >= minGemmWork;
      if (useWasm) orTs(() => wasmGemm(runtime, p, poolFor(work)), () => ts.gemm(p));
      else ts.gemm(p);
    },
    conv2d(p: Conv2dParams): void {
      const work = p.cOut * p.outH * p.outW * (p.cIn / p.groups) * p.kh * p.kw;
      const useWasm = isFloat32(p.input) && isFloat32(p.weight) && isFloat32(p.out) && (p.bias === null || isFloat32(p.bias)) &&
        work >= minConvWork;
      if (useWasm) orTs(() => wasmConv2d(runtime, p, poolFor(work), winograd), () => ts.conv2d(p));
      else ts.conv2d(p);
    },
    maxPool2d(p: Pool2dParams): void {
      const work = p.n * p.c * p.outH * p.outW * p.kh * p.kw;
      const useWasm = !p.indices && isFloat32(p.input) && isFloat32(p.out) && work >= minConvWork;
      if (useWasm) orTs(() => wasmMaxPool2d(runtime, p, poolFor(work)), () => ts.maxPool2d(p));
      else ts.maxPool2d(p);
    },
    close(): void { pool?.close(); },
    winogradStats: () => winograd?.stats() ?? { calls: 0, transforms: 0, entries: 0, bytes: 0, memoryBytes: runtime.exports.memory.buffer.byteLength },
  };
}
