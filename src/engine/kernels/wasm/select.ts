// Choosing the kernel set: `ts`, `wasm`, or `auto` (WASM SIMD for the calls where it is faster, when the
// module is built and the runtime supports it; TypeScript otherwise). The engine entry reads the mode from
// TORCH_EXPLORER_KERNELS; the extension passes its setting the same way.
import type { Kernels } from '../types';
import { createTsKernels } from '../ts';
import { createWasmKernels, wasmKernelsAvailable } from './index';

export type KernelMode = 'ts' | 'wasm' | 'auto';
export const KERNEL_MODES: readonly KernelMode[] = ['ts', 'wasm', 'auto'];

/** The mode named by `value` (case-insensitive; unset or empty means auto). */
export function parseKernelMode(value: string | undefined): KernelMode {
  const mode = (value ?? '').trim().toLowerCase() || 'auto';
  if (!(KERNEL_MODES as readonly string[]).includes(mode)) {
    throw new Error(`TORCH_EXPLORER_KERNELS must be one of ${KERNEL_MODES.join(', ')}, got '${value}'`);
  }
  return mode as KernelMode;
}

/**
 * The kernel set for a mode. `wasm` sends every float32 gemm/conv2d to WASM (and throws if the module is
 * not built); `auto` keeps tiny products in TypeScript and falls back to it entirely without WASM SIMD.
 */
export function createKernelSet(mode: KernelMode): Kernels {
  if (mode === 'ts') return createTsKernels();
  if (mode === 'wasm') return createWasmKernels({ minGemmWork: 0, minConvWork: 0 });
  return wasmKernelsAvailable() ? createWasmKernels() : createTsKernels();
}
