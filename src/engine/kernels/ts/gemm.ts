// Blocked, register-tiled GEMM in scalar TypeScript.
//
// Goto-style blocking: a KC x NC panel of B and an MC x KC block of A are packed into contiguous
// Float64Array scratch (zero-padded to whole micro-tiles), then an MR x NR micro-kernel keeps its
// accumulators in local variables. Packing into float64 makes the hot loop monomorphic for both
// float32 and float64 inputs and accumulates float32 products in double precision.
//
// Tile shape: TurboFan emits all products of an iteration before the adds, so tiles with more than
// ~8 accumulators spill to the stack, while every typed-array load also pays a bounds check. Measured
// on Zen 4 / Node 20 (512^3, float32): 4x2 7.1 GFLOP/s, 2x4 6.9, 3x3 6.7, 2x2 6.7, 3x4 6.0, 4x4 5.9,
// 4x3 6.1; unrolling the k loop made every shape slower (more live values). KC/MC/NC barely matter.
import type { GemmParams } from '../types';

type FloatArray = Float32Array | Float64Array;

const MR = 4; // rows of a micro-tile
const NR = 2; // columns of a micro-tile
const KC = 256; // depth of a packed block: an MR x KC A sliver plus a KC x NR B sliver stay in L1
const MC = 64; // rows of a packed A block (MC x KC doubles = 128 KiB, lives in L2)
const NC = 512; // columns of a packed B panel
/** Below this many multiply-adds the packing overhead is not worth it. */
const SMALL_GEMM = 4096;

// Scratch reused by every call (module constants so V8 can treat them as fixed objects).
const packedA = new Float64Array(MC * KC);
const packedB = new Float64Array(KC * NC);
const tile = new Float64Array(MR * NR);

/** out[m, n] = alpha * A @ B + beta * out, out rows contiguous with n columns. */
export function gemm(p: GemmParams): void {
  gemmWithOutStride(p, p.n);
}

/**
 * Like gemm, but out rows are `outRowStride` apart (columns still contiguous). Convolution uses this
 * to write a chunk of output pixels straight into the output planes.
 */
export function gemmWithOutStride(p: GemmParams, outRowStride: number): void {
  const { m, n, k, batch, alpha, beta } = p;
  if (m <= 0 || n <= 0 || batch <= 0) return;
  for (let bt = 0; bt < batch; bt++) {
    const aBase = p.aOffset + bt * p.aBatchStride;
    const bBase = p.bOffset + bt * p.bBatchStride;
    const outBase = p.outOffset + bt * p.outBatchStride;
    // BLAS semantics: with alpha == 0 or k == 0, A and B are never read (their NaNs do not leak).
    if (k <= 0 || alpha === 0) scaleOut(p.out, outBase, m, n, outRowStride, beta);
    else if (m * n * k <= SMALL_GEMM) {
      gemmSmall(m, n, k, p.a, aBase, p.aRowStride, p.aColStride, p.b, bBase, p.bRowStride, p.bColStride,
        p.out, outBase, outRowStride, alpha, beta);
    } else {
      gemmBlocked(m, n, k, p.a, aBase, p.aRowStride, p.aColStride, p.b, bBase, p.bRowStride, p.bColStride,
        p.out, outBase, outRowStride, alpha, beta);
    }
  }
}

/** Splits `total` into equal-ish blocks of at most `max`, rounded up to a multiple of `unit`. */
function balancedBlock(total: number, max: number, unit: number): number {
  const blocks = Math.ceil(total / max);
  const size = Math.ceil(total / blocks);
  return Math.min(Math.floor(max / unit) * unit, Math.ceil(size / unit) * unit);
}

function gemmBlocked(
  m: number, n: number, k: number,
  a: FloatArray, aBase: number, aRs: number, aCs: number,
  b: FloatArray, bBase: number, bRs: number, bCs: number,
  out: FloatArray, outBase: number, outRs: number, alpha: number, beta: number,
): void {
  const kBlock = balancedBlock(k, KC, 1);
  const mBlock = balancedBlock(m, MC, MR);
  const nBlock = balancedBlock(n, NC, NR);
  for (let jc = 0; jc < n; jc += nBlock) {
    const nc = Math.min(nBlock, n - jc);
    for (let pc = 0; pc < k; pc += kBlock) {
      const kc = Math.min(kBlock, k - pc);
      packB(b, bBase + pc * bRs + jc * bCs, bRs, bCs, kc, nc);
      // Only the first depth block sees the caller's beta; later ones accumulate.
      const blockBeta = pc === 0 ? beta : 1;
      for (let ic = 0; ic < m; ic += mBlock) {
        const mc = Math.min(mBlock, m - ic);
        packA(a, aBase + ic * aRs + pc * aCs, aRs, aCs, mc, kc);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = Math.min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            microKernel(kc, ir * kc, jr * kc);
            storeTile(out, outBase + (ic + ir) * outRs + jc + jr, outRs, Math.min(MR, mc - ir), nr, alpha, blockBeta);
          }
        }
      }
    }
  }
}

/** Packs an mc x kc block of A as consecutive MR-row slivers: sliver s holds A[s*MR + i, p] at p*MR + i. */
function packA(a: FloatArray, base: number, rs: number, cs: number, mc: number, kc: number): void {
  const dst = packedA;
  for (let ir = 0; ir < mc; ir += MR) {
    const sliver = ir * kc;
    const rows = Math.min(MR, mc - ir);
    for (let i = 0; i < MR; i++) {
      let q = sliver + i;
      if (i < rows) {
        let src = base + (ir + i) * rs;
        for (let p = 0; p < kc; p++) { dst[q] = a[src]; q += MR; src += cs; }
      } else {
        for (let p = 0; p < kc; p++) { dst[q] = 0; q += MR; }
      }
    }
  }
}

/** Packs a kc x nc panel of B as consecutive NR-column slivers: sliver s holds B[p, s*NR + j] at p*NR + j. */
function packB(b: FloatArray, base: number, rs: number, cs: number, kc: number, nc: number): void {
  const dst = packedB;
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = Math.min(NR, nc - jr);
    let q = jr * kc;
    const col0 = base + jr * cs;
    if (cols === NR) {
      for (let p = 0; p < kc; p++) {
        const src = col0 + p * rs;
        dst[q] = b[src]; dst[q + 1] = b[src + cs];
        q += NR;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const src = col0 + p * rs;
        for (let j = 0; j < NR; j++) dst[q + j] = j < cols ? b[src + j * cs] : 0;
        q += NR;
      }
    }
  }
}

/** tile = packedA sliver (MR x kc) @ packedB sliver (kc x NR). `| 0` keeps index arithmetic free of overflow checks. */
function microKernel(kc: number, aStart: number, bStart: number): void {
  const pa = packedA, pb = packedB;
  let c00 = 0, c01 = 0, c10 = 0, c11 = 0, c20 = 0, c21 = 0, c30 = 0, c31 = 0;
  let ai = aStart, bi = bStart;
  for (let p = 0; p < kc; p = (p + 1) | 0) {
    const a0 = pa[ai], a1 = pa[(ai + 1) | 0], a2 = pa[(ai + 2) | 0], a3 = pa[(ai + 3) | 0];
    const b0 = pb[bi], b1 = pb[(bi + 1) | 0];
    c00 += a0 * b0; c10 += a1 * b0; c20 += a2 * b0; c30 += a3 * b0;
    c01 += a0 * b1; c11 += a1 * b1; c21 += a2 * b1; c31 += a3 * b1;
    ai = (ai + MR) | 0;
    bi = (bi + NR) | 0;
  }
  const t = tile;
  t[0] = c00; t[1] = c01; t[2] = c10; t[3] = c11; t[4] = c20; t[5] = c21; t[6] = c30; t[7] = c31;
}

/** out[rows x cols at start] = alpha * tile + beta * out; beta == 0 overwrites (NaN in out is ignored, as in BLAS). */
function storeTile(out: FloatArray, start: number, rs: number, rows: number, cols: number, alpha: number, beta: number): void {
  const t = tile;
  for (let i = 0; i < rows; i++) {
    const row = start + i * rs;
    for (let j = 0; j < cols; j++) {
      const v = alpha * t[i * NR + j];
      out[row + j] = beta === 0 ? v : beta === 1 ? out[row + j] + v : beta * out[row + j] + v;
    }
  }
}

function scaleOut(out: FloatArray, base: number, m: number, n: number, rs: number, beta: number): void {
  if (beta === 1) return;
  for (let i = 0; i < m; i++) {
    const row = base + i * rs;
    for (let j = 0; j < n; j++) out[row + j] = beta === 0 ? 0 : beta * out[row + j];
  }
}

/** Direct loops for tiny products, where packing would dominate. */
function gemmSmall(
  m: number, n: number, k: number,
  a: FloatArray, aBase: number, aRs: number, aCs: number,
  b: FloatArray, bBase: number, bRs: number, bCs: number,
  out: FloatArray, outBase: number, outRs: number, alpha: number, beta: number,
): void {
  for (let i = 0; i < m; i++) {
    const aRow = aBase + i * aRs;
    const outRow = outBase + i * outRs;
    for (let j = 0; j < n; j++) {
      let sum = 0;
      let ai = aRow, bi = bBase + j * bCs;
      for (let p = 0; p < k; p++) { sum += a[ai] * b[bi]; ai += aCs; bi += bRs; }
      const v = alpha * sum;
      out[outRow + j] = beta === 0 ? v : beta * out[outRow + j] + v;
    }
  }
}
