// Public entry of the engine: `import { torch } from './engine'`.
import { registerDefaultKernels } from './kernels/types';
import { createTsKernels } from './kernels/ts';

registerDefaultKernels(createTsKernels);

export * as torch from './torch';
export { Tensor } from './tensor';
export { kernels, setKernels } from './kernels/types';
export type { Kernels } from './kernels/types';
