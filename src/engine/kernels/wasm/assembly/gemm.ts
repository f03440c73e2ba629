// Packed, register-blocked SGEMM over linear memory (AssemblyScript, WASM SIMD128).
//
// Goto-style blocking as in the TypeScript kernel: a KC x NC panel of B and an MC x KC block of A are
// packed into contiguous, zero-padded slivers; a 4x8 micro-tile then keeps 8 f32x4 accumulators in
// registers. Why 4x8: V8 (Node 20) emits all loads of a loop body before its arithmetic, so the 4 broadcast
// A values, 2 B vectors, 8 accumulators and the product temporary are live together: 15 registers, all
// x64 has for wasm (V8 keeps xmm15 as scratch). 6x8 and 5x8 spill and measured slower (34-39 against 48
// GFLOP/s in L1). Pointers are byte addresses; strides count elements.
import { madd, transpose4x4Store } from './simd';

export const MR: i32 = 4;
export const NR: i32 = 8;
/** Depth of a packed block: a 4 x KC A sliver (4 KiB) and a KC x 8 B sliver (8 KiB) share L1. */
const KC: i32 = 256;
/** Rows of a packed A block: MC x KC floats = 256 KiB, resident in L2 (1 MiB per core). */
const MC: i32 = 256;
/**
 * Columns of a packed B panel: KC x NC floats = 512 KiB, streamed one 8 KiB sliver at a time. Block sizes barely
 * matter here: KC 256-512, MC 64-256 and NC 512-2048 all measured within 3 % (GEMM 512^3 to 1024^3, conv shapes).
 */
const NC: i32 = 512;

const PACKED_A_BYTES: usize = <usize>(MC * KC) << 2;
const PACKED_B_BYTES: usize = <usize>(KC * NC) << 2;
const TILE_BYTES: usize = <usize>(MR * NR) << 2;

/** Bytes of scratch sgemm needs (packed A block, packed B panel, one edge tile). */
export function gemmScratchBytes(): usize {
  return PACKED_A_BYTES + PACKED_B_BYTES + TILE_BYTES;
}

/** Splits `total` into equal-ish blocks of at most `max`, rounded up to a multiple of `unit`. */
@inline function balancedBlock(total: i32, max: i32, unit: i32): i32 {
  const blocks = (total + max - 1) / max;
  const size = (total + blocks - 1) / blocks;
  return min((max / unit) * unit, ((size + unit - 1) / unit) * unit);
}

@inline function byteOffset(elements: i32): usize {
  return <usize>elements << 2;
}

/**
 * c[m, n] = alpha * A @ B + beta * c, where A[i, p] is at a + (i*aRs + p*aCs)*4, B[p, j] at b + (p*bRs + j*bCs)*4
 * and c rows are ldc elements apart. With k == 0 or alpha == 0, A and B are not read (BLAS semantics);
 * with beta == 0, c is not read (its NaNs do not leak).
 */
export function sgemm(m: i32, n: i32, k: i32, a: usize, aRs: i32, aCs: i32, b: usize, bRs: i32, bCs: i32,
  c: usize, ldc: i32, alpha: f32, beta: f32, scratch: usize): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == 0) { scaleRows(c, ldc, m, n, beta); return; }
  const packedA = scratch, packedB = scratch + PACKED_A_BYTES, tile = packedB + PACKED_B_BYTES;
  const kBlock = balancedBlock(k, KC, 1);
  const mBlock = balancedBlock(m, MC, MR);
  const nBlock = balancedBlock(n, NC, NR);
  const ldcBytes = byteOffset(ldc);
  for (let jc = 0; jc < n; jc += nBlock) {
    const nc = min(nBlock, n - jc);
    for (let pc = 0; pc < k; pc += kBlock) {
      const kc = min(kBlock, k - pc);
      packB(b + byteOffset(pc * bRs + jc * bCs), bRs, bCs, kc, nc, packedB);
      // Only the first depth block sees the caller's beta; later ones accumulate.
      const blockBeta: f32 = pc == 0 ? beta : 1;
      for (let ic = 0; ic < m; ic += mBlock) {
        const mc = min(mBlock, m - ic);
        packA(a + byteOffset(ic * aRs + pc * aCs), aRs, aCs, mc, kc, packedA);
        for (let jr = 0; jr < nc; jr += NR) {
          const sliverB = packedB + byteOffset(jr * kc);
          const cols = min(NR, nc - jr);
          let cTile = c + byteOffset(ic * ldc + jc + jr);
          for (let ir = 0; ir < mc; ir += MR) {
            microKernel(kc, packedA + byteOffset(ir * kc), sliverB, cTile, ldcBytes, min(MR, mc - ir), cols, alpha, blockBeta, tile);
            cTile += ldcBytes * MR;
          }
        }
      }
    }
  }
}

/** Packs an mc x kc block of A as MR-row slivers: sliver s holds A[s*MR + i, p] at (s*MR*kc + p*MR + i). */
function packA(a: usize, rs: i32, cs: i32, mc: i32, kc: i32, dst: usize): void {
  const step = byteOffset(cs);
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    const sliver = dst + byteOffset(ir * kc);
    if (rows == MR && rs == 1) {
      // A stored transposed: the MR values of one depth step are adjacent in the source.
      let s = a + byteOffset(ir);
      let d = sliver;
      for (let p = 0; p < kc; p++) {
        v128.store(d, v128.load(s));
        s += step; d += MR << 2;
      }
      continue;
    }
    let p = 0;
    if (rows == MR && cs == 1) {
      // Row-major A: 4x4 blocks (4 rows x 4 depth steps) transposed in registers.
      const rowBytes = byteOffset(rs);
      const s0 = a + byteOffset(ir * rs), s1 = s0 + rowBytes, s2 = s1 + rowBytes, s3 = s2 + rowBytes;
      for (; p + 4 <= kc; p += 4) {
        const at = byteOffset(p);
        transpose4x4Store(v128.load(s0 + at), v128.load(s1 + at), v128.load(s2 + at), v128.load(s3 + at),
          sliver + byteOffset(p * MR), MR << 2);
      }
    }
    for (let i = 0; i < MR; i++) {
      let d = sliver + byteOffset(p * MR + i);
      if (i < rows) {
        let s = a + byteOffset((ir + i) * rs + p * cs);
        for (let q = p; q < kc; q++) { store<f32>(d, load<f32>(s)); d += MR << 2; s += step; }
      } else {
        for (let q = p; q < kc; q++) { store<f32>(d, 0); d += MR << 2; }
      }
    }
  }
}

/** Packs a kc x nc panel of B as NR-column slivers: sliver s holds B[p, s*NR + j] at (s*NR*kc + p*NR + j). */
function packB(b: usize, rs: i32, cs: i32, kc: i32, nc: i32, dst: usize): void {
  const rowStep = byteOffset(rs), colStep = byteOffset(cs);
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    let d = dst + byteOffset(jr * kc);
    let s = b + byteOffset(jr * cs);
    let p = 0;
    if (cols == NR && cs == 1) {
      for (; p < kc; p++) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        s += rowStep; d += NR << 2;
      }
      continue;
    }
    if (cols == NR && rs == 1) {
      // B stored transposed (x @ W^T): each column is contiguous in depth; 4x4 blocks transposed in registers.
      const s0 = s, s1 = s0 + colStep, s2 = s1 + colStep, s3 = s2 + colStep;
      const s4 = s3 + colStep, s5 = s4 + colStep, s6 = s5 + colStep, s7 = s6 + colStep;
      for (; p + 4 <= kc; p += 4) {
        const at = byteOffset(p);
        transpose4x4Store(v128.load(s0 + at), v128.load(s1 + at), v128.load(s2 + at), v128.load(s3 + at), d, NR << 2);
        transpose4x4Store(v128.load(s4 + at), v128.load(s5 + at), v128.load(s6 + at), v128.load(s7 + at), d + 16, NR << 2);
        d += NR << 4;
      }
      s += byteOffset(p * rs);
    }
    for (; p < kc; p++) {
      let q = s;
      for (let j = 0; j < NR; j++) {
        store<f32>(d + byteOffset(j), j < cols ? load<f32>(q) : 0);
        q += colStep;
      }
      s += rowStep; d += NR << 2;
    }
  }
}

/** c = alpha * x + (beta == 0 ? 0 : beta == 1 ? c : beta * c) for 8 floats; beta == 0 never reads c. */
@inline function storeRow(dst: usize, x0: v128, x1: v128, alpha: v128, beta: f32): void {
  let y0 = f32x4.mul(x0, alpha), y1 = f32x4.mul(x1, alpha);
  if (beta == 1) {
    y0 = f32x4.add(v128.load(dst), y0);
    y1 = f32x4.add(v128.load(dst, 16), y1);
  } else if (beta != 0) {
    const betaV = f32x4.splat(beta);
    y0 = f32x4.add(f32x4.mul(v128.load(dst), betaV), y0);
    y1 = f32x4.add(f32x4.mul(v128.load(dst, 16), betaV), y1);
  }
  v128.store(dst, y0);
  v128.store(dst, y1, 16);
}

/** The MR x NR tile at c (rows ldcBytes apart) from a packed A sliver and a packed B sliver of depth kc. */
function microKernel(kc: i32, pa: usize, pb: usize, c: usize, ldcBytes: usize, rows: i32, cols: i32,
  alpha: f32, beta: f32, tile: usize): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  // The loop runs on the B pointer alone: a separate counter costs a tenth of the throughput here.
  const pbEnd = pb + byteOffset(kc * NR);
  while (pb < pbEnd) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = v128.load32_splat(pa, 4);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    a = v128.load32_splat(pa, 8);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
    a = v128.load32_splat(pa, 12);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
    pa += MR << 2;
    pb += NR << 2;
  }
  const alphaV = f32x4.splat(alpha);
  if (rows == MR && cols == NR) {
    storeRow(c, c00, c01, alphaV, beta);
    storeRow(c + ldcBytes, c10, c11, alphaV, beta);
    storeRow(c + 2 * ldcBytes, c20, c21, alphaV, beta);
    storeRow(c + 3 * ldcBytes, c30, c31, alphaV, beta);
    return;
  }
  // Edge tile: spill alpha * acc to the tile buffer, then copy the part inside c.
  const rowBytes: usize = NR << 2;
  storeRow(tile, c00, c01, alphaV, 0);
  storeRow(tile + rowBytes, c10, c11, alphaV, 0);
  storeRow(tile + 2 * rowBytes, c20, c21, alphaV, 0);
  storeRow(tile + 3 * rowBytes, c30, c31, alphaV, 0);
  for (let i = 0; i < rows; i++) {
    const src = tile + <usize>i * rowBytes, dst = c + <usize>i * ldcBytes;
    for (let j = 0; j < cols; j++) {
      const at = dst + byteOffset(j);
      const v = load<f32>(src + byteOffset(j));
      store<f32>(at, beta == 0 ? v : beta == 1 ? load<f32>(at) + v : beta * load<f32>(at) + v);
    }
  }
}

/** c = beta * c over m x n (rows ldc apart); beta == 0 writes zeros without reading. */
function scaleRows(c: usize, ldc: i32, m: i32, n: i32, beta: f32): void {
  if (beta == 1) return;
  for (let i = 0; i < m; i++) {
    const row = c + byteOffset(i * ldc);
    if (beta == 0) { memory.fill(row, 0, byteOffset(n)); continue; }
    for (let j = 0; j < n; j++) store<f32>(row + byteOffset(j), beta * load<f32>(row + byteOffset(j)));
  }
}
