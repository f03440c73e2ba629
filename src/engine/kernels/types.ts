// The kernel interface. Kernels are pure functions over typed arrays: no Tensor, no dtype promotion,
// no argument checking (ops do that). A kernel set (TypeScript today; WASM SIMD and worker threads
// later) implements this interface and is selected with setKernels().
import type { NumArray } from '../dtype';
import { setStorageAllocator, type StorageAllocator } from '../storage';

/** A read or write view into a flat array: element (i0, i1, ...) is data[offset + sum(ik * strides[k])]. */
export interface Strided {
  data: NumArray;
  offset: number;
  strides: readonly number[];
}

/** How the values in an array are encoded: numbers as they are, or raw float16/bfloat16 bits. */
export type Encoding = 'plain' | 'f16' | 'bf16' | 'bool' | 'int';

export type UnaryOp =
  | 'neg' | 'abs' | 'sign' | 'reciprocal' | 'square' | 'sqrt' | 'rsqrt' | 'exp' | 'expm1' | 'log' | 'log2' | 'log10' | 'log1p'
  | 'sin' | 'cos' | 'tan' | 'asin' | 'acos' | 'atan' | 'sinh' | 'cosh' | 'tanh' | 'erf' | 'erfinv'
  | 'floor' | 'ceil' | 'round' | 'trunc' | 'frac'
  | 'sigmoid' | 'logsigmoid' | 'relu' | 'relu6' | 'gelu' | 'gelu_tanh' | 'silu' | 'mish' | 'hardswish' | 'hardsigmoid'
  | 'hardtanh' | 'softplus' | 'elu' | 'selu' | 'celu' | 'leaky_relu' | 'softsign' | 'tanhshrink' | 'hardshrink' | 'softshrink'
  | 'logical_not' | 'bitwise_not' | 'isnan' | 'isinf' | 'isfinite' | 'nan_to_num';

/** Scalar parameters of parametrised unary ops (softplus beta/threshold, elu alpha, leaky_relu slope, clamp-like bounds). */
export interface UnaryParams { alpha?: number; beta?: number; threshold?: number; min?: number; max?: number; lambd?: number; nan?: number; posinf?: number; neginf?: number }

export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'floor_divide' | 'trunc_divide' | 'remainder' | 'fmod' | 'pow' | 'atan2'
  | 'maximum' | 'minimum' | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge'
  | 'logical_and' | 'logical_or' | 'logical_xor' | 'bitwise_and' | 'bitwise_or' | 'bitwise_xor'
  | 'lshift' | 'rshift';

export type ReduceOp = 'sum' | 'prod' | 'max' | 'min' | 'amax' | 'amin' | 'any' | 'all' | 'mean' | 'nansum' | 'logsumexp';
export type ArgReduceOp = 'argmax' | 'argmin';

/** out[m, n] = alpha * sum_k A[m, k] B[k, n] + beta * out[m, n], over `batch` matrices. */
export interface GemmParams {
  m: number; n: number; k: number; batch: number;
  a: Float32Array | Float64Array; aOffset: number; aBatchStride: number; aRowStride: number; aColStride: number;
  b: Float32Array | Float64Array; bOffset: number; bBatchStride: number; bRowStride: number; bColStride: number;
  out: Float32Array | Float64Array; outOffset: number; outBatchStride: number; // out rows are contiguous with n columns
  alpha: number; beta: number;
}

export interface IndexGatherParams {
  data: NumArray; base: number;
  preShape: readonly number[]; preStrides: readonly number[];
  offsets: Float64Array;
  postShape: readonly number[]; postStrides: readonly number[];
  out: NumArray;
}

export interface Conv2dParams {
  n: number; cIn: number; h: number; w: number;          // input, contiguous NCHW
  cOut: number; kh: number; kw: number; groups: number;  // weight contiguous [cOut, cIn/groups, kh, kw]
  strideH: number; strideW: number;
  padTop: number; padLeft: number; padBottom: number; padRight: number; // zero padding
  dilationH: number; dilationW: number;
  outH: number; outW: number;
  input: Float32Array | Float64Array; weight: Float32Array | Float64Array; bias: Float32Array | Float64Array | null;
  out: Float32Array | Float64Array;                       // contiguous [n, cOut, outH, outW]
  /**
   * Epilogue (an eval-mode batch-norm, a residual add and ReLU folded in): with `scale`, out = conv * scale[oc] +
   * bias[oc], bias then being the whole shift; `residual` is added next; with `relu`, out = max(out, 0) last (NaN
   * stays NaN). Equal to the separate passes within
   * float32 rounding.
   */
  scale?: Float32Array | Float64Array | null;
  /** Added after the scale and bias, before ReLU (a residual connection): contiguous, the output's shape. */
  residual?: Float32Array | Float64Array | null;
  relu?: boolean;
}

export interface ConvTranspose2dParams {
  n: number; cIn: number; h: number; w: number;           // input NCHW
  cOut: number; kh: number; kw: number; groups: number;   // weight [cIn, cOut/groups, kh, kw]
  strideH: number; strideW: number; padH: number; padW: number;
  dilationH: number; dilationW: number; outH: number; outW: number;
  input: Float32Array | Float64Array; weight: Float32Array | Float64Array; bias: Float32Array | Float64Array | null;
  out: Float32Array | Float64Array;
}

export interface Pool2dParams {
  n: number; c: number; h: number; w: number; kh: number; kw: number;
  strideH: number; strideW: number; padH: number; padW: number; dilationH: number; dilationW: number;
  outH: number; outW: number;
  countIncludePad: boolean; divisorOverride: number | null;
  input: Float32Array | Float64Array; out: Float32Array | Float64Array;
  indices?: Float64Array | null; // max pooling: flat h*w index of each maximum
}

/** Adaptive pooling over contiguous NCHW planes: output cell (i, j) covers rows [floor(i*h/outH), ceil((i+1)*h/outH)) and likewise columns. */
export interface AdaptivePool2dParams {
  n: number; c: number; h: number; w: number; outH: number; outW: number;
  input: Float32Array | Float64Array; out: Float32Array | Float64Array;
  indices?: Float64Array | null; // max pooling: flat h*w index of each maximum
}

export interface Kernels {
  readonly name: string;
  /**
   * Where lazily created storages (module parameters and buffers) materialise while this set is active (the WASM
   * set: large float32 ones in its linear memory, so its kernels read weights in place); absent means the JS heap.
   */
  readonly storageAllocator?: StorageAllocator;
  /**
   * A float32 array of `length` where this set's kernels read and write in place (the WASM set: its linear memory),
   * for a value that lives only between two kernel calls (a convolution's output pooled at once); contents
   * undefined; `release` it after the last use. Null (or absent) means none: use the JS heap.
   */
  scratchFloat32?(length: number): { array: Float32Array; release(): void } | null;
  /** dst = src element by element over `shape`, decoding/encoding f16/bf16 bits and casting as needed. */
  copy(shape: readonly number[], src: Strided, srcEnc: Encoding, dst: Strided, dstEnc: Encoding): void;
  /**
   * out (contiguous) = op(x) over `shape`. Inputs are plain numbers (callers decode f16/bf16 first).
   * out may be x's own array when x is contiguous and starts at its offset (in-place activations).
   */
  unary(op: UnaryOp, shape: readonly number[], x: Strided, out: NumArray, params?: UnaryParams): void;
  /** out (contiguous) = op(a, b) over `shape`; a and b already broadcast through their strides. `integer` selects integer semantics. */
  binary(op: BinaryOp, shape: readonly number[], a: Strided, b: Strided, out: NumArray, integer: boolean): void;
  /** out = cond ? a : b over `shape`. */
  where(shape: readonly number[], cond: Strided, a: Strided, b: Strided, out: NumArray): void;
  /** Reduces x viewed as contiguous [outer, size, inner] over the middle axis into out [outer, inner]. */
  reduce(op: ReduceOp, x: NumArray, outer: number, size: number, inner: number, out: NumArray): void;
  /** Index of the max/min over the middle axis of [outer, size, inner] (first occurrence; NaN wins like torch). */
  argReduce(op: ArgReduceOp, x: NumArray, outer: number, size: number, inner: number, values: NumArray | null, indices: NumArray): void;
  /** Variance over the middle axis of [outer, size, inner], with `correction` (1 = unbiased); also the mean when asked. */
  variance(x: NumArray, outer: number, size: number, inner: number, correction: number, out: NumArray, meanOut: NumArray | null): void;
  /** Inclusive cumulative sum/product over the middle axis. */
  cumulative(op: 'cumsum' | 'cumprod', x: NumArray, outer: number, size: number, inner: number, out: NumArray): void;
  /**
   * Batch-norm's per-channel affine step over contiguous [n, c, spatial]: out = x * scale[channel] + shift[channel].
   * The op folds running (or batch) statistics, eps, weight and bias into scale and shift; out may be x.
   */
  batchNormInference(x: Float32Array | Float64Array, n: number, c: number, spatial: number,
    scale: Float32Array | Float64Array, shift: Float32Array | Float64Array, out: Float32Array | Float64Array): void;
  /**
   * The engine's random stream (random.ts) at block `offset` under `seed` into float32: 'uniform' gives p0 + (p1 - p0) * u,
   * 'normal' p0 + p1 * z (Box-Muller). Every kernel set gives the same values.
   */
  randomFloat32(out: Float32Array, offset: number, seed: number, kind: 'uniform' | 'normal', p0: number, p1: number): void;
  /** softmax / log_softmax over the middle axis of [outer, size, inner]. */
  softmax(x: Float32Array | Float64Array, outer: number, size: number, inner: number, out: Float32Array | Float64Array, log: boolean): void;
  /**
   * Advanced-indexing gather: out (contiguous [pre..., offsets.length, post...]) reads
   * data[base + pre·preStrides + offsets[j] + post·postStrides].
   */
  indexGather(p: IndexGatherParams): void;
  /** The inverse write: data[base + pre·preStrides + offsets[j] + post·postStrides] = values (broadcast through its strides). */
  indexScatter(p: IndexGatherParams, values: Strided, accumulate: boolean): void;
  /** Row-major coordinates of the non-zero elements of a contiguous array of `shape`, count x ndim. */
  nonzero(x: NumArray, shape: readonly number[]): Float64Array;
  /** out[i] = start + i * step (arange); with `end` given, torch.linspace's symmetric formula from start to end. */
  fillRange(out: NumArray, start: number, step: number, end?: number): void;
  gemm(p: GemmParams): void;
  conv2d(p: Conv2dParams): void;
  convTranspose2d(p: ConvTranspose2dParams): void;
  maxPool2d(p: Pool2dParams): void;
  avgPool2d(p: Pool2dParams): void;
  adaptiveAvgPool2d(p: AdaptivePool2dParams): void;
  /** NaN propagates; ties keep the first maximum. */
  adaptiveMaxPool2d(p: AdaptivePool2dParams): void;
  /**
   * init.orthogonal_'s Householder QR: out (rows x cols, row-major) = scale * Q of `a` (rows x cols) when rows >= cols,
   * else scale * (Q of aᵀ)ᵀ; Q's columns signed so that diag(R) >= 0, as torch's `q *= sign(diag(r))`.
   */
  orthogonal(a: Float64Array, rows: number, cols: number, scale: number, out: NumArray): void;
}

let active: Kernels | null = null;
let factory: (() => Kernels) | null = null;

/** The kernel set ops call. */
export function kernels(): Kernels {
  if (active === null) {
    if (factory === null) throw new Error('no kernel set registered');
    setKernels(factory());
    return active!;
  }
  return active;
}
export function setKernels(k: Kernels): void {
  active = k;
  setStorageAllocator(k.storageAllocator ?? null);
}
export function registerDefaultKernels(make: () => Kernels): void { factory = make; }
