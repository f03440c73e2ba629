// The engine's random stream (src/engine/random.ts keeps the generators and keys): Philox4x32-10 of the counter
// (block number, 0, 0) under the key (seed, 0x5eed), four uint32 per block, and the values drawn from it. Also the
// TypeScript kernels' randomFloat32; the WASM kernels compute the same stream in SIMD lanes (assembly/random.ts).

type Values = { length: number; [i: number]: number };

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

const block = new Uint32Array(4);

/** Uniform values in [low, high) from the stream at block `offset` under `seed` (random.ts's fillUniform). */
export function uniformValues(out: Values, offset: number, seed: number, low = 0, high = 1): void {
  const span = high - low;
  for (let i = 0; i < out.length; i += 4) {
    const c = offset + i / 4;
    philox(c % 0x100000000, Math.floor(c / 0x100000000), seed, 0x5eed, block);
    for (let j = 0; j < 4 && i + j < out.length; j++) out[i + j] = low + span * ((block[j] >>> 8) * 5.960464477539063e-8);
  }
}

/** Normal values by Box-Muller over the same stream (random.ts's fillNormal). */
export function normalValues(out: Values, offset: number, seed: number, mean = 0, std = 1): void {
  for (let i = 0; i < out.length; i += 4) {
    const c = offset + i / 4;
    philox(c % 0x100000000, Math.floor(c / 0x100000000), seed, 0x5eed, block);
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

/** Uniform integers in [low, high) over the same stream. */
export function randintValues(out: Values, offset: number, seed: number, low: number, high: number): void {
  const span = high - low;
  for (let i = 0; i < out.length; i += 4) {
    const c = offset + i / 4;
    philox(c % 0x100000000, Math.floor(c / 0x100000000), seed, 0x5eed, block);
    for (let j = 0; j < 4 && i + j < out.length; j++) out[i + j] = low + Math.floor(((block[j] >>> 0) / 4294967296) * span);
  }
}

/** The TypeScript kernels' randomFloat32. */
export function randomFloat32(out: Float32Array, offset: number, seed: number, kind: 'uniform' | 'normal', p0: number, p1: number): void {
  if (kind === 'uniform') uniformValues(out, offset, seed, p0, p1);
  else normalValues(out, offset, seed, p0, p1);
}
