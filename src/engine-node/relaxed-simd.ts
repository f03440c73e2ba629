// Node 20's V8 (11.3) validates WASM relaxed SIMD only behind a flag; later Node lines and VS Code's Electron
// ship it. With it, the kernels take the module variant with fused multiply-add (about 10 % faster for
// GEMM-bound models, results within float32 tolerance), so the CLI and the extension run the same code.
import { setFlagsFromString } from 'node:v8';

/** Turns relaxed SIMD on where this Node has it behind a flag; call before the first WASM kernel set is made. */
export function enableRelaxedSimd(nodeVersion = process.versions.node): boolean {
  if (Number(nodeVersion.split('.')[0]) !== 20) return false;
  setFlagsFromString('--experimental-wasm-relaxed-simd');
  return true;
}
