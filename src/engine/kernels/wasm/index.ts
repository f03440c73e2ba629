// The WASM SIMD kernel set: gemm and conv2d over float32 run in the AssemblyScript module (assembly/),
// everything else (and float64) in the TypeScript kernels it wraps.
import type { Conv2dParams, GemmParams, Kernels } from '../types';
import { createTsKernels } from '../ts';
import { wasmConv2d } from './conv';
import { wasmGemm } from './gemm';
import { bestWasmVariant, WasmKernelRuntime, type WasmVariant } from './runtime';

export type { WasmVariant } from './runtime';

export interface WasmKernelOptions {
  /**
   * Float32 GEMMs with fewer multiply-adds (m*n*k per batch item) stay in TypeScript, where copying into
   * linear memory costs more than it saves. 0 sends every float32 GEMM to WASM (tests, forced mode).
   */
  minGemmWork?: number;
  /** The same for conv2d, counted as output elements times window taps per image. */
  minConvWork?: number;
  /** Module variant; by default relaxed SIMD where the runtime validates it, else baseline SIMD128. */
  variant?: WasmVariant;
}

/**
 * Crossovers measured on Zen 4 / Node 20 (scripts/bench/kernels.ts): below about 16^3 multiply-adds the
 * TypeScript GEMM wins, because the copies and the call cost more than the arithmetic saves.
 */
const DEFAULT_MIN_GEMM_WORK = 4096;
const DEFAULT_MIN_CONV_WORK = 4096;

/** Whether a WASM SIMD kernel set can be created here (module built, WASM SIMD supported). */
export function wasmKernelsAvailable(): boolean {
  return bestWasmVariant() !== null;
}

/** Throws when the module is not built or WASM SIMD is unavailable (see wasmKernelsAvailable). */
export function createWasmKernels(options: WasmKernelOptions = {}): Kernels {
  const variant = options.variant ?? bestWasmVariant() ?? 'simd';
  const runtime = new WasmKernelRuntime(variant);
  const minGemmWork = options.minGemmWork ?? DEFAULT_MIN_GEMM_WORK;
  const minConvWork = options.minConvWork ?? DEFAULT_MIN_CONV_WORK;
  const ts = createTsKernels();
  const isFloat32 = (x: unknown): boolean => x instanceof Float32Array;
  return {
    ...ts,
    name: variant === 'simd' ? 'wasm' : `wasm-${variant}`,
    gemm(p: GemmParams): void {
      if (isFloat32(p.a) && isFloat32(p.b) && isFloat32(p.out) && p.m * p.n * p.k >= minGemmWork) wasmGemm(runtime, p);
      else ts.gemm(p);
    },
    conv2d(p: Conv2dParams): void {
      const work = p.cOut * p.outH * p.outW * (p.cIn / p.groups) * p.kh * p.kw;
      if (isFloat32(p.input) && isFloat32(p.weight) && isFloat32(p.out) && (p.bias === null || isFloat32(p.bias)) &&
        work >= minConvWork) wasmConv2d(runtime, p);
      else ts.conv2d(p);
    },
  };
}
