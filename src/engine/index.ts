// Public entry of the engine: `import { torch } from './engine'`.
import { registerDefaultKernels } from './kernels/types';
import { createKernelSet, parseKernelMode } from './kernels/wasm/select';

// Kernel set: TORCH_EXPLORER_KERNELS=ts|wasm|auto (default auto: WASM SIMD where it is faster, else TypeScript).
// `process` is absent in webviews and workers, which get auto.
registerDefaultKernels(() => createKernelSet(parseKernelMode(typeof process === 'undefined' ? undefined : process.env.TORCH_EXPLORER_KERNELS)));

export * as torch from './torch';
export { Tensor } from './tensor';
export { kernels, setKernels } from './kernels/types';
export type { Kernels } from './kernels/types';
export * as nn from './nn';
export * as F from './functional';
