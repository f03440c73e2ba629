// Seedable random numbers with O(1) skip-ahead (Philox4x32-10, a counter-based generator).
// A lazy parameter records (seed, offset) when it is created and draws its values whenever it is
// materialised: the values are the same as if it had been filled eagerly, and skipping costs nothing.
// Note: the values differ from PyTorch's CPU generator (mt19937) for the same seed; goldens load weights.

const M0 = 0xd2511f53, M1 = 0xcd9e8d57, W0 = 0x9e3779b9, W1 = 0xbb67ae85;

function mulhi(a: number, b: number): number {
  const aLo = a & 0xffff, aHi = a >>> 16, bLo = b & 0xffff, bHi = b >>> 16;
  const lo = aLo * bLo;
  const mid1 = aHi * bLo, mid2 = aLo * bHi;
  const carry = ((lo >>> 16) + (mid1 & 0xffff) + (mid2 & 0xffff)) >>> 16;
  return (aHi * bHi + (mid1 >>> 16) + (mid2 >>> 16) + carry) >>> 0;
}

/** Philox4x32-10 of counter (c0, c1, 0, 0) and key (k0, k1): four uint32 written into out. */
export function philox(c0: number, c1: number, k0: number, k1: number, out: Uint32Array): void {
  let x0 = c0 >>> 0, x1 = c1 >>> 0, x2 = 0, x3 = 0;
  for (let r = 0; r < 10; r++) {
    const hi0 = mulhi(M0, x0), lo0 = Math.imul(M0, x0) >>> 0;
    const hi1 = mulhi(M1, x2), lo1 = Math.imul(M1, x2) >>> 0;
    x0 = (hi1 ^ x1 ^ k0) >>> 0;
    x1 = lo1;
    x2 = (hi0 ^ x3 ^ k1) >>> 0;
    x3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  out[0] = x0; out[1] = x1; out[2] = x2; out[3] = x3;
}

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

const block = new Uint32Array(4);

/** Fills out[i] with uniform values in [low, high) drawn from the stream at key. */
export function fillUniform(out: { length: number; [i: number]: number }, key: RandomKey, low = 0, high = 1): void {
  const span = high - low;
  for (let i = 0; i < out.length; i += 4) {
    const c = key.offset + i / 4;
    philox(c % 0x100000000, Math.floor(c / 0x100000000), key.seed, 0x5eed, block);
    for (let j = 0; j < 4 && i + j < out.length; j++) out[i + j] = low + span * ((block[j] >>> 8) * 5.960464477539063e-8);
  }
}

/** Fills out[i] with normal values (Box-Muller over the same stream). */
export function fillNormal(out: { length: number; [i: number]: number }, key: RandomKey, mean = 0, std = 1): void {
  for (let i = 0; i < out.length; i += 4) {
    const c = key.offset + i / 4;
    philox(c % 0x100000000, Math.floor(c / 0x100000000), key.seed, 0x5eed, block);
    for (let p = 0; p < 2; p++) {
      const u1 = (block[2 * p] + 1) * 2.3283064365386963e-10; // (0, 1]
      const u2 = block[2 * p + 1] * 2.3283064365386963e-10;
      const r = Math.sqrt(-2 * Math.log(u1));
      const a = 2 * Math.PI * u2;
      if (i + 2 * p < out.length) out[i + 2 * p] = mean + std * r * Math.cos(a);
      if (i + 2 * p + 1 < out.length) out[i + 2 * p + 1] = mean + std * r * Math.sin(a);
    }
  }
}

/** Uniform integers in [low, high). */
export function fillRandint(out: { length: number; [i: number]: number }, key: RandomKey, low: number, high: number): void {
  const span = high - low;
  for (let i = 0; i < out.length; i += 4) {
    const c = key.offset + i / 4;
    philox(c % 0x100000000, Math.floor(c / 0x100000000), key.seed, 0x5eed, block);
    for (let j = 0; j < 4 && i + j < out.length; j++) out[i + j] = low + Math.floor(((block[j] >>> 0) / 4294967296) * span);
  }
}
