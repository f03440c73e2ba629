// The epilogue a convolution applies to its output (Conv2dParams.scale, residual and relu): where its bias and scale
// lie in linear memory and the flags the assembly takes (assembly/conv.ts through pointwise.ts's convEpilogueRange, the Winograd kernels).
import type { Conv2dParams } from '../types';

// Flags as in assembly/pointwise.ts.
export const EPILOGUE_BIAS = 1, EPILOGUE_SCALE = 2, EPILOGUE_RELU = 4, EPILOGUE_RESIDUAL = 8;

/** The assembly's epilogue flags for p: bias, scale (Conv2dParams.scale), residual and ReLU. */
export function epilogueFlags(p: Conv2dParams): number {
  return (p.bias === null ? 0 : EPILOGUE_BIAS) | (p.scale ? EPILOGUE_SCALE : 0) | (p.residual ? EPILOGUE_RESIDUAL : 0) |
    (p.relu ? EPILOGUE_RELU : 0);
}

/** Bytes for the bias and the scale of cOut channels, each padded so that 4-lane loads past cOut stay inside. */
export function epilogueBytes(cOut: number): number {
  return 2 * (Math.ceil(cOut / 4) + 1) * 16;
}

/** Writes bias and scale (when given) at byte `biasAt` (epilogueBytes reserved); returns the scale's address. */
export function writeEpilogue(memory: Float32Array, biasAt: number, cOut: number, bias: Float32Array | null, scale: Float32Array | null): number {
  const scaleAt = biasAt + (Math.ceil(cOut / 4) + 1) * 16;
  if (bias !== null) memory.set(bias.subarray(0, cOut), biasAt >>> 2);
  if (scale !== null) memory.set(scale.subarray(0, cOut), scaleAt >>> 2);
  return scaleAt;
}

