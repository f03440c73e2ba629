// GEMM through the WASM module: operands are copied into linear memory (keeping their strides when
// they are dense enough, so a transposed view costs one memcpy), sgemm runs, and C is copied back.
// One batch item is resident at a time, so memory stays at the size of one product. With a thread pool,
// large products are split into column (or row) blocks, one per thread, each with its own packing scratch.
import type { GemmParams } from '../types';
import { linearAddress, type LinearStorage } from './linear-storage';
import type { WasmKernelRuntime } from './runtime';
import { splitRange, type KernelCall, type WasmThreadPool } from './threads';

/** The micro-tile of assembly/gemm.ts: thread blocks are whole tiles. */
const MR = 4, NR = 8;

/** Where a copied operand lives in linear memory (float index) and the strides to read it with. */
interface Placed { index: number; rowStride: number; colStride: number }

/** An operand's element span from its first element; strides may be 0 (broadcast) but not negative. */
function span(rows: number, cols: number, rowStride: number, colStride: number): number {
  return rows === 0 || cols === 0 ? 0 : (rows - 1) * rowStride + (cols - 1) * colStride + 1;
}

/**
 * Copies a rows x cols operand starting at `base` into linear memory at float index `at`. A span no more
 * than twice the element count is copied verbatim with its strides; sparser views are gathered densely.
 */
function place(memory: Float32Array, at: number, src: Float32Array, base: number, rows: number, cols: number,
  rowStride: number, colStride: number, capacity: number): Placed {
  if (rowStride >= 0 && colStride >= 0) {
    const length = span(rows, cols, rowStride, colStride);
    if (length <= capacity) {
      memory.set(src.subarray(base, base + length), at);
      return { index: at, rowStride, colStride };
    }
  }
  for (let i = 0; i < rows; i++) {
    const row = at + i * cols;
    let s = base + i * rowStride;
    for (let j = 0; j < cols; j++, s += colStride) memory[row + j] = src[s];
  }
  return { index: at, rowStride: cols, colStride: 1 };
}

/** Floats reserved for an operand: its verbatim span when that is at most twice its element count. */
function capacityFor(rows: number, cols: number, rowStride: number, colStride: number): number {
  const dense = rows * cols;
  if (rowStride < 0 || colStride < 0) return dense;
  const length = span(rows, cols, rowStride, colStride);
  return length <= 2 * dense + 16 ? length : dense;
}

/**
 * out = alpha * A @ B + beta * out for float32 operands (the caller checked the element types). `pool`, when
 * given, splits each product across its threads.
 */
export function wasmGemm(runtime: WasmKernelRuntime, p: GemmParams, pool: WasmThreadPool | null = null,
  linear: LinearStorage | null = null): void {
  const { m, n, k, batch, alpha, beta } = p;
  if (m <= 0 || n <= 0 || batch <= 0) return;
  const a = p.a as Float32Array, b = p.b as Float32Array, out = p.out as Float32Array;
  // BLAS semantics: with alpha == 0 or k == 0, A and B are never read (sgemm only scales C).
  const readsOperands = k > 0 && alpha !== 0;
  // Operands in linear memory (linear-storage.ts) with non-negative strides are read in place; C is written in
  // place unless it shares bytes with A or B (sgemm reads A and B while it writes C).
  const aLinear = readsOperands && p.aRowStride >= 0 && p.aColStride >= 0 ? linearAddress(linear, a) : -1;
  const bLinear = readsOperands && p.bRowStride >= 0 && p.bColStride >= 0 ? linearAddress(linear, b) : -1;
  const outLinear = readsOperands && (overlaps(linear, a, out) || overlaps(linear, b, out)) ? -1 : linearAddress(linear, out);
  const aCapacity = readsOperands && aLinear < 0 ? capacityFor(m, k, p.aRowStride, p.aColStride) : 0;
  const bCapacity = readsOperands && bLinear < 0 ? capacityFor(k, n, p.bRowStride, p.bColStride) : 0;
  const threads = pool?.threads ?? 1;
  const [scratch, aAt, bAt, cCopy] = runtime.reserve([threads * runtime.gemmScratchBytes, aCapacity * 4, bCapacity * 4,
    outLinear >= 0 ? 0 : m * n * 4]);
  const memory = runtime.floats();
  let aPlaced: Placed = { index: aAt >>> 2, rowStride: 0, colStride: 0 };
  let bPlaced: Placed = { index: bAt >>> 2, rowStride: 0, colStride: 0 };
  for (let t = 0; t < batch; t++) {
    if (readsOperands && (t === 0 || p.aBatchStride !== 0)) {
      const base = p.aOffset + t * p.aBatchStride;
      aPlaced = aLinear >= 0 ? { index: (aLinear >>> 2) + base, rowStride: p.aRowStride, colStride: p.aColStride }
        : place(memory, aAt >>> 2, a, base, m, k, p.aRowStride, p.aColStride, aCapacity);
    }
    if (readsOperands && (t === 0 || p.bBatchStride !== 0)) {
      const base = p.bOffset + t * p.bBatchStride;
      bPlaced = bLinear >= 0 ? { index: (bLinear >>> 2) + base, rowStride: p.bRowStride, colStride: p.bColStride }
        : place(memory, bAt >>> 2, b, base, k, n, p.bRowStride, p.bColStride, bCapacity);
    }
    const outStart = p.outOffset + t * p.outBatchStride;
    const cAt = outLinear >= 0 ? outLinear + outStart * 4 : cCopy, cIndex = cAt >>> 2;
    if (beta !== 0 && outLinear < 0) memory.set(out.subarray(outStart, outStart + m * n), cIndex);
    const a0 = aPlaced.index * 4, b0 = bPlaced.index * 4;
    if (pool === null) {
      runtime.exports.sgemm(m, n, k, a0, aPlaced.rowStride, aPlaced.colStride, b0, bPlaced.rowStride, bPlaced.colStride,
        cAt, n, alpha, beta, scratch);
    } else {
      // Split the longer side of C, so each thread still works on full-height (or full-width) panels.
      const byColumns = n >= m;
      const calls: KernelCall[] = splitRange(byColumns ? n : m, threads, byColumns ? NR : MR).map(([lo, hi], i) => ({
        op: 'sgemm',
        args: byColumns
          ? [m, hi - lo, k, a0, aPlaced.rowStride, aPlaced.colStride, b0 + lo * bPlaced.colStride * 4, bPlaced.rowStride,
            bPlaced.colStride, cAt + lo * 4, n, alpha, beta, scratch + i * runtime.gemmScratchBytes]
          : [hi - lo, n, k, a0 + lo * aPlaced.rowStride * 4, aPlaced.rowStride, aPlaced.colStride, b0, bPlaced.rowStride,
            bPlaced.colStride, cAt + lo * n * 4, n, alpha, beta, scratch + i * runtime.gemmScratchBytes],
      }));
      pool.run(calls);
    }
    if (outLinear < 0) out.set(memory.subarray(cIndex, cIndex + m * n), outStart);
  }
}

/** Whether two arrays in linear memory share bytes (views from before and after a growth have different buffers). */
function overlaps(linear: LinearStorage | null, x: Float32Array, y: Float32Array): boolean {
  const xAt = linearAddress(linear, x), yAt = linearAddress(linear, y);
  return xAt >= 0 && yAt >= 0 && xAt < yAt + y.byteLength && yAt < xAt + x.byteLength;
}
