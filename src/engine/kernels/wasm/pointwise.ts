// JS side of the memory-bound WASM kernels (assembly/pointwise.ts): batch-norm's affine step, activations
// and last-axis softmax over contiguous float32. Operands go through linear memory in chunks of at most
// CHUNK floats, computed in place there, so a pass costs a copy in and a copy out next to the SIMD work.
import type { UnaryOp, UnaryParams } from '../types';
import { linearAddress, type LinearStorage } from './linear-storage';
import type { WasmKernelRuntime } from './runtime';
import { splitRange, type KernelCall, type WasmThreadPool } from './threads';

/**
 * Floats per chunk (256 KiB): big enough to amortise a call, small enough that the copy in, the pass and the copy
 * out stay in L2 (batch-norm over 64x112x112: 0.83 ms with 4 MiB chunks, 0.43 with 256 KiB, 0.46 with 1 MiB).
 */
const CHUNK = 1 << 16;

/** The activation codes of assembly/pointwise.ts, for the ops it implements. */
const ACTIVATION_CODES: Partial<Record<UnaryOp, number>> = {
  relu: 0, relu6: 1, hardtanh: 1, leaky_relu: 2, sigmoid: 3, silu: 4, gelu: 5, gelu_tanh: 6,
};

/** Whether the WASM module implements `op` (the caller still checks dtype, layout and size). */
export function wasmHasActivation(op: UnaryOp): boolean {
  return ACTIVATION_CODES[op] !== undefined;
}

/** The parameters the TypeScript kernels give each op (activation.ts's defaults). */
function activationArgs(op: UnaryOp, p: UnaryParams): [number, number] {
  if (op === 'relu6') return [0, 6];
  if (op === 'hardtanh') return [p.min ?? -1, p.max ?? 1];
  if (op === 'leaky_relu') return [p.alpha ?? 1, 0];
  return [0, 0];
}

/** out[i] = op(x.data[x.offset + i]) for i < count, float32, x contiguous (out may be x's own array). */
export function wasmActivation(runtime: WasmKernelRuntime, op: UnaryOp, x: Float32Array, xOffset: number,
  out: Float32Array, count: number, params: UnaryParams = {}, linear: LinearStorage | null = null): void {
  const code = ACTIVATION_CODES[op];
  if (code === undefined) throw new Error(`no WASM kernel for ${op}`);
  const [p0, p1] = activationArgs(op, params);
  const xAt = linearAddress(linear, x, xOffset), outAt = linearAddress(linear, out);
  if (xAt >= 0 && outAt >= 0) {
    runtime.exports.activation(code, xAt, outAt, count, p0, p1);
    return;
  }
  const size = Math.min(count, CHUNK);
  const [at] = runtime.reserve([size * 4]);
  const memory = runtime.floats();
  for (let start = 0; start < count; start += size) {
    const n = Math.min(size, count - start);
    memory.set(x.subarray(xOffset + start, xOffset + start + n), at >>> 2);
    runtime.exports.activation(code, at, at, n, p0, p1);
    out.set(memory.subarray(at >>> 2, (at >>> 2) + n), start);
  }
}

/** out = x * scale[channel] + shift[channel] over contiguous float32 [n, c, spatial]; out may be x. */
export function wasmChannelAffine(runtime: WasmKernelRuntime, x: Float32Array, n: number, c: number, spatial: number,
  scale: Float32Array, shift: Float32Array, out: Float32Array, linear: LinearStorage | null = null): void {
  const xAt = linearAddress(linear, x), outAt = linearAddress(linear, out);
  if (xAt >= 0 && outAt >= 0) {
    const [scaleAt, shiftAt] = runtime.reserve([c * 4, c * 4]);
    const memory = runtime.floats();
    memory.set(scale.subarray(0, c), scaleAt >>> 2);
    memory.set(shift.subarray(0, c), shiftAt >>> 2);
    runtime.exports.channelAffine(xAt, outAt, n, c, spatial, scaleAt, shiftAt);
    return;
  }
  // A chunk is whole channels of one image; a single channel larger than a chunk is still one call.
  const channelsPerChunk = Math.max(1, Math.min(c, Math.floor(CHUNK / Math.max(1, spatial))));
  const [at, scaleAt, shiftAt] = runtime.reserve([channelsPerChunk * spatial * 4, c * 4, c * 4]);
  const memory = runtime.floats();
  memory.set(scale.subarray(0, c), scaleAt >>> 2);
  memory.set(shift.subarray(0, c), shiftAt >>> 2);
  for (let b = 0; b < n; b++) {
    for (let c0 = 0; c0 < c; c0 += channelsPerChunk) {
      const channels = Math.min(channelsPerChunk, c - c0);
      const from = (b * c + c0) * spatial, count = channels * spatial;
      memory.set(x.subarray(from, from + count), at >>> 2);
      runtime.exports.channelAffine(at, at, 1, channels, spatial, scaleAt + c0 * 4, shiftAt + c0 * 4);
      out.set(memory.subarray(at >>> 2, (at >>> 2) + count), from);
    }
  }
}

/** softmax / log_softmax over each contiguous row of `size` floats, `rows` rows; out may be x. */
export function wasmSoftmaxRows(runtime: WasmKernelRuntime, x: Float32Array, rows: number, size: number,
  out: Float32Array, log: boolean, linear: LinearStorage | null = null): void {
  const xAt = linearAddress(linear, x), outAt = linearAddress(linear, out);
  if (xAt >= 0 && outAt >= 0) {
    runtime.exports.softmaxRows(xAt, outAt, rows, size, log ? 1 : 0);
    return;
  }
  const rowsPerChunk = Math.max(1, Math.min(rows, Math.floor(CHUNK / Math.max(1, size))));
  const [at] = runtime.reserve([rowsPerChunk * size * 4]);
  const memory = runtime.floats();
  for (let r0 = 0; r0 < rows; r0 += rowsPerChunk) {
    const count = Math.min(rowsPerChunk, rows - r0) * size;
    memory.set(x.subarray(r0 * size, r0 * size + count), at >>> 2);
    runtime.exports.softmaxRows(at, at, count / size, size, log ? 1 : 0);
    out.set(memory.subarray(at >>> 2, (at >>> 2) + count), r0 * size);
  }
}

/** Largest JS-heap output (floats) the threads fill through one scratch region (64 MiB). */
const PARALLEL_SCRATCH_FLOATS = 1 << 24;

/**
 * The random stream into float32 (assembly/random.ts): in place when `out` lies in linear memory (parameters), with
 * the pool's threads splitting it; else a chunk at a time through scratch. Chunks start on whole blocks of four.
 */
export function wasmRandomFloat32(runtime: WasmKernelRuntime, out: Float32Array, offset: number, seed: number, kind: 'uniform' | 'normal',
  p0: number, p1: number, pool: WasmThreadPool | null, linear: LinearStorage | null = null): void {
  const code = kind === 'uniform' ? 0 : 1, count = out.length;
  const fill = (at: number) => {
    const calls: KernelCall[] = splitRange(count, pool?.threads ?? 1, 16).map(([from, to]) => ({
      op: 'randomFloat32', args: [at + from * 4, to - from, offset + from / 4, seed, code, p0, p1],
    }));
    if (pool === null || calls.length === 1) runtime.exports.randomFloat32(...(calls[0].args as [number, number, number, number, number, number, number]));
    else pool.run(calls);
  };
  const outAt = linearAddress(linear, out);
  if (outAt >= 0) { fill(outAt); return; }
  if (pool !== null && count <= PARALLEL_SCRATCH_FLOATS) {
    // Threads fill a scratch copy of the whole output, copied out once (a 1x3x224x224 randn: 2.2 -> 1.2 ms on two).
    const [at] = runtime.reserve([count * 4]);
    fill(at);
    out.set(runtime.floats().subarray(at >>> 2, (at >>> 2) + count));
    return;
  }
  const [at] = runtime.reserve([CHUNK * 4]);
  const memory = runtime.floats();
  for (let from = 0; from < count; from += CHUNK) {
    const n = Math.min(CHUNK, count - from);
    runtime.exports.randomFloat32(at, n, offset + from / 4, seed, code, p0, p1);
    out.set(memory.subarray(at >>> 2, (at >>> 2) + n), from);
  }
}
