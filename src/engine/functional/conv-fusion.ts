// Deferred convolutions: conv2d's result is computed when first read, so that an eval-mode batch-norm, a residual
// add and a ReLU applied to it fold into the convolution as its epilogue (Conv2dParams.scale, residual, relu): one
// pass over the output instead of four, in any model code (a ResNet block calls conv, bn, +=, relu one by one),
// with hooks or without. A max pooling of the result runs right after the convolution, on its output in scratch.
//
// Exactness: the convolution reads its operands when it runs, later than PyTorch would. Storage.data guarantees
// that nothing written in between is seen (a write first copies the values into the holds of ops waiting on
// them), and the convolution's own output stays readable: an unfused result is still computed if anything reads
// it. Batch-norm reads its running statistics and parameters at its own call, as it would unfused.
import type { DType, NumArray } from '../dtype';
import type { Conv2dParams, Pool2dParams } from '../kernels/types';
import { kernels } from '../kernels/types';
import { contiguousStrides, numel } from '../shape';
import { deferredTag, Storage, type DeferredOp, type Held } from '../storage';
import { Tensor } from '../tensor';

type FloatArray = Float32Array | Float64Array;
/** A convolution's geometry: Conv2dParams without its operands. */
export type ConvGeometry = Omit<Conv2dParams, 'input' | 'weight' | 'bias' | 'out' | 'scale' | 'relu'>;

/** Whether t covers its whole storage, contiguously from element 0 (an op's own result, or a view of all of it). */
export function isWhole(t: Tensor): boolean {
  return t.offset === 0 && t.storage.length === t.numel() && t.is_contiguous();
}

/** A max pooling applied to the convolution's (epilogued) result: Pool2dParams without its operands and sizes in. */
export type MaxPoolGeometry = Omit<Pool2dParams, 'n' | 'c' | 'h' | 'w' | 'input' | 'out' | 'indices' | 'countIncludePad' | 'divisorOverride'>;

/** What a deferred convolution holds: its operands, and the tensor its epilogue adds (a residual connection). */
export interface ConvOperands { input: Held; weight: Held; bias: Held | null; residual: Held | null }

/**
 * A float32/float64 conv2d waiting to run, on whole and contiguous operands. `scale`/`shift` (per output channel),
 * `residual` and `relu` are its epilogue, applied in that order; with `scale`, `shift` is the whole added term (the
 * bias folded in) and no bias is held.
 */
export class DeferredConv implements DeferredOp {
  readonly inputs: readonly Held[];

  constructor(readonly geometry: ConvGeometry, readonly operands: ConvOperands, readonly scale: FloatArray | null = null,
    readonly shift: FloatArray | null = null, readonly relu = false, readonly tag: unknown = deferredTag(),
    readonly pool: MaxPoolGeometry | null = null) {
    const { input, weight, bias, residual } = operands;
    this.inputs = [input, weight, ...(bias ? [bias] : []), ...(residual ? [residual] : [])];
  }

  run(out: NumArray, values: NumArray[]): void {
    const { bias, residual } = this.operands;
    const { n, cOut, outH, outW } = this.geometry;
    // Pooled: the convolution's result lives only until the pooling has read it, where the kernels work in place.
    const k = kernels(), count = n * cOut * outH * outW;
    const scratch = this.pool === null ? null : out instanceof Float32Array ? k.scratchFloat32?.(count) ?? null : null;
    const convOut = this.pool === null ? out as FloatArray : scratch?.array ?? (out instanceof Float32Array ? new Float32Array(count) : new Float64Array(count));
    try {
      k.conv2d({
        ...this.geometry, input: values[0] as FloatArray, weight: values[1] as FloatArray,
        bias: this.scale !== null ? this.shift : bias ? values[2] as FloatArray : null,
        residual: residual ? values[values.length - 1] as FloatArray : null,
        scale: this.scale, relu: this.relu, out: convOut,
      });
      if (this.pool !== null) {
        k.maxPool2d({ ...this.pool, n, c: cOut, h: outH, w: outW, countIncludePad: true, divisorOverride: null,
          input: convOut, out: out as FloatArray, indices: null });
      }
    } finally { scratch?.release(); }
  }

  /** Whether a batch-norm can still fold in (nothing applied yet). */
  get acceptsBatchNorm(): boolean { return this.scale === null && this.operands.residual === null && !this.relu && this.pool === null; }
  /** Whether a residual add can still fold in (no ReLU, residual or pooling yet). */
  get acceptsResidual(): boolean { return this.operands.residual === null && !this.relu && this.pool === null; }

  /** The convolution followed by x * scale[c] + shift[c] (an eval-mode batch-norm's coefficients). */
  withBatchNorm(scale: FloatArray, shift: FloatArray): DeferredConv {
    const { bias } = this.operands;
    let combined = shift;
    if (bias !== null) {
      // The convolution's bias goes through the batch-norm: (y + b) * s + t = y * s + (b * s + t).
      const b = bias.values as FloatArray;
      combined = shift.slice();
      for (let c = 0; c < combined.length; c++) combined[c] = b[c] * scale[c] + shift[c];
    }
    return new DeferredConv(this.geometry, { ...this.operands, bias: null }, scale, combined, false, this.tag);
  }

  withResidual(residual: Held): DeferredConv {
    return new DeferredConv(this.geometry, { ...this.operands, residual }, this.scale, this.shift, false, this.tag);
  }

  withRelu(): DeferredConv {
    return new DeferredConv(this.geometry, this.operands, this.scale, this.shift, true, this.tag);
  }

  withMaxPool(pool: MaxPoolGeometry): DeferredConv {
    return new DeferredConv(this.geometry, this.operands, this.scale, this.shift, this.relu, this.tag, pool);
  }
}

/** The deferred convolution t's values wait for, when t is the whole of its storage; else null. */
export function deferredConvOf(t: Tensor): DeferredConv | null {
  const op = t.storage.deferredOp;
  return op instanceof DeferredConv && isWhole(t) ? op : null;
}

/** A contiguous tensor holding op's result, computed when first read. */
export function deferredResult(shape: readonly number[], dtype: DType, op: DeferredConv): Tensor {
  return new Tensor(Storage.deferred(dtype, numel(shape), op), [...shape], contiguousStrides(shape), 0);
}

/**
 * batch_norm's eval-mode step x * scale[c] + shift[c] folded into the convolution x waits for; null when x is not
 * such a convolution's whole result or already has an epilogue.
 */
export function foldBatchNorm(x: Tensor, scale: FloatArray, shift: FloatArray): Tensor | null {
  const op = deferredConvOf(x);
  const Floats = x.dtype === 'float32' ? Float32Array : Float64Array;
  if (op === null || !op.acceptsBatchNorm || !(scale instanceof Floats) || !(shift instanceof Floats)) return null;
  // Batch-norm's channels (dim 1) must be the convolution's: not so for a reshaped view of its result.
  if (x.shape[0] !== op.geometry.n || x.shape[1] !== op.geometry.cOut) return null;
  return deferredResult(x.shape, x.dtype, op.withBatchNorm(scale, shift));
}

/**
 * x + other folded into the convolution x (or other) waits for, as a residual connection: same shape and dtype,
 * other whole; in place (x += other) only while nothing waiting reads x. Null when it does not apply.
 */
export function foldResidual(x: Tensor, other: unknown, inplace: boolean): Tensor | null {
  if (!(other instanceof Tensor)) return null;
  // [convolution result, tensor added to it]: out of place, either operand may be the convolution's.
  const candidates: [Tensor, Tensor][] = inplace ? [[x, other]] : [[x, other], [other, x]];
  for (const [result, residual] of candidates) {
    const conv = deferredConvOf(result);
    if (conv === null || !conv.acceptsResidual || !isWhole(residual) || residual.storage.base !== null) continue;
    if (residual.storage === result.storage || residual.dtype !== result.dtype || residual.ndim !== result.ndim ||
      residual.shape.some((size, i) => size !== result.shape[i])) continue;
    const op = conv.withResidual(residual.storage.hold());
    if (!inplace) return deferredResult(result.shape, result.dtype, op);
    return result.storage.redefer(op) ? result : null;
  }
  return null;
}

/**
 * relu folded into the convolution x waits for: in place (x itself, unless another waiting op reads x's values as
 * they are) or as a new result; null when x is no such convolution or already ends in ReLU.
 */
export function foldRelu(x: Tensor, inplace: boolean): Tensor | null {
  const op = deferredConvOf(x);
  if (op === null || op.relu || op.pool !== null) return null;
  if (!inplace) return deferredResult(x.shape, x.dtype, op.withRelu());
  return x.storage.redefer(op.withRelu()) ? x : null;
}

/**
 * max_pool2d (values only) of the convolution x waits for, as one op: the convolution's result goes from one kernel
 * to the next without a round trip through the JS heap (and stays computable on its own if read). Null when x is
 * not such a convolution's whole [n, c, h, w] result or is pooled already.
 */
export function foldMaxPool(x: Tensor, pool: MaxPoolGeometry, outShape: readonly number[]): Tensor | null {
  const op = deferredConvOf(x);
  if (op === null || op.pool !== null || x.ndim !== 4) return null;
  const { n, cOut, outH, outW } = op.geometry;
  if (x.shape[0] !== n || x.shape[1] !== cOut || x.shape[2] !== outH || x.shape[3] !== outW) return null;
  return deferredResult(outShape, x.dtype, op.withMaxPool(pool));
}
