// Seedable random numbers with O(1) skip-ahead (Philox4x32-10, a counter-based generator). Large float32 fills go
// through the kernels (kernels().randomFloat32: the WASM kernels run Philox in SIMD lanes) with the same values.
// A lazy parameter records (seed, offset) when it is created and draws its values whenever it is
// materialised: the values are the same as if it had been filled eagerly, and skipping costs nothing.
// Note: the values differ from PyTorch's CPU generator (mt19937) for the same seed; goldens load weights.

import { kernels } from './kernels/types';
import { normalValues, randintValues, uniformValues } from './kernels/ts/random';

export { philox } from './kernels/ts/random';

/** A position in the random stream: a seed and a counter offset (in blocks of four uint32). */
export interface RandomKey { seed: number; offset: number }

export class Generator {
  private seedValue = 0;
  private offset = 0;

  constructor(seed = 0) { this.manualSeed(seed); }

  manualSeed(seed: number): this {
    this.seedValue = seed >>> 0;
    this.offset = 0;
    return this;
  }
  initialSeed(): number { return this.seedValue; }

  /** Reserves the stream for n values and returns where it starts. */
  reserve(n: number): RandomKey {
    const key = { seed: this.seedValue, offset: this.offset };
    this.offset += Math.ceil(n / 4);
    return key;
  }
  getState(): RandomKey { return { seed: this.seedValue, offset: this.offset }; }
  setState(s: RandomKey): void { this.seedValue = s.seed >>> 0; this.offset = s.offset; }
}

export const defaultGenerator = new Generator(0);

/** Below this many float32 values the kernels' bulk path does not pay for its call. */
const KERNEL_MIN_VALUES = 1024;

/** Fills out[i] with uniform values in [low, high) drawn from the stream at key. */
export function fillUniform(out: { length: number; [i: number]: number }, key: RandomKey, low = 0, high = 1): void {
  if (out instanceof Float32Array && out.length >= KERNEL_MIN_VALUES) kernels().randomFloat32(out, key.offset, key.seed, 'uniform', low, high);
  else uniformValues(out, key.offset, key.seed, low, high);
}

/** Fills out[i] with normal values (Box-Muller over the same stream). */
export function fillNormal(out: { length: number; [i: number]: number }, key: RandomKey, mean = 0, std = 1): void {
  if (out instanceof Float32Array && out.length >= KERNEL_MIN_VALUES) kernels().randomFloat32(out, key.offset, key.seed, 'normal', mean, std);
  else normalValues(out, key.offset, key.seed, mean, std);
}

/** Uniform integers in [low, high). */
export function fillRandint(out: { length: number; [i: number]: number }, key: RandomKey, low: number, high: number): void {
  randintValues(out, key.offset, key.seed, low, high);
}
