// Deferred convolutions: conv2d's result is computed when first read, so that an eval-mode batch-norm and a ReLU
// applied to it fold into the convolution as its epilogue (Conv2dParams.scale, relu): one pass over the output
// instead of three, in any model code (a ResNet block calls conv, bn and relu one by one), with hooks or without.
//
// Exactness: the convolution reads its operands when it runs, later than PyTorch would. Storage.data guarantees
// that nothing written in between is seen (a write first copies the values into the holds of ops waiting on them),
// and the convolution's own output stays readable: an unfused result is still computed if anything reads it. Batch-norm and ReLU read
// their running statistics and parameters at their own call, as they would unfused.
import type { DType, NumArray } from '../dtype';
import type { Conv2dParams } from '../kernels/types';
import { kernels } from '../kernels/types';
import { contiguousStrides, numel } from '../shape';
import { Storage, type DeferredOp, type Held } from '../storage';
import { Tensor } from '../tensor';

type FloatArray = Float32Array | Float64Array;
/** A convolution's geometry: Conv2dParams without its operands. */
export type ConvGeometry = Omit<Conv2dParams, 'input' | 'weight' | 'bias' | 'out' | 'scale' | 'relu'>;

/** Whether t covers its whole storage, contiguously from element 0 (an op's own result, or a view of all of it). */
export function isWhole(t: Tensor): boolean {
  return t.offset === 0 && t.storage.length === t.numel() && t.is_contiguous();
}

/**
 * A float32/float64 conv2d waiting to run: inputs hold [input, weight] or [input, weight, bias], whole and
 * contiguous. `scale`/`shift` (per output channel) and `relu` are its epilogue; with `scale`, `shift` is the
 * whole added term (the bias already folded in) and `inputs` holds no bias.
 */
export class DeferredConv implements DeferredOp {
  constructor(readonly geometry: ConvGeometry, readonly inputs: readonly Held[], readonly scale: FloatArray | null = null,
    readonly shift: FloatArray | null = null, readonly relu = false) {}

  run(out: NumArray, [input, weight, bias]: NumArray[]): void {
    kernels().conv2d({
      ...this.geometry, input: input as FloatArray, weight: weight as FloatArray,
      bias: this.scale !== null ? this.shift : (bias as FloatArray | undefined) ?? null,
      scale: this.scale, relu: this.relu, out: out as FloatArray,
    });
  }

  /** Whether a batch-norm can still fold in (nothing applied yet). */
  get acceptsBatchNorm(): boolean { return this.scale === null && !this.relu; }

  /** The convolution followed by x * scale[c] + shift[c] (an eval-mode batch-norm's coefficients). */
  withBatchNorm(scale: FloatArray, shift: FloatArray): DeferredConv {
    const [input, weight, bias] = this.inputs;
    let combined = shift;
    if (bias !== undefined) {
      // The convolution's bias goes through the batch-norm: (y + b) * s + t = y * s + (b * s + t).
      const b = bias.values as FloatArray;
      combined = shift.slice();
      for (let c = 0; c < combined.length; c++) combined[c] = b[c] * scale[c] + shift[c];
    }
    return new DeferredConv(this.geometry, [input, weight], scale, combined, false);
  }

  withRelu(): DeferredConv {
    return new DeferredConv(this.geometry, this.inputs, this.scale, this.shift, true);
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
  return deferredResult(x.shape, x.dtype, op.withBatchNorm(scale, shift));
}

/**
 * relu folded into the convolution x waits for: in place (x itself, unless another waiting op reads x's values as
 * they are) or as a new result; null when x is no such convolution or already ends in ReLU.
 */
export function foldRelu(x: Tensor, inplace: boolean): Tensor | null {
  const op = deferredConvOf(x);
  if (op === null || op.relu) return null;
  if (!inplace) return deferredResult(x.shape, x.dtype, op.withRelu());
  return x.storage.redefer(op.withRelu()) ? x : null;
}
