// torch.nn.functional activations and softmax family.
import { checkDType, computeDType, DType, isFloating, allocArray } from '../dtype';
import type { UnaryOp, UnaryParams } from '../kernels/types';
import { kernels } from '../kernels/types';
import { binaryOp, dtypeTitle, fromCompute, mul, unaryOp, where } from '../ops/elementwise';
import { rand } from '../ops/factories';
import { normalizeDim, numel } from '../shape';
import { Tensor } from '../tensor';
import { def, maybeInplace, num, tensorArg } from './util';
import { foldRelu } from './conv-fusion';

/**
 * op(x), or with inplace x itself holding the result (PyTorch's inplace=True). A contiguous float32/float64
 * x is written directly by the kernel; other layouts and dtypes compute a result and copy it back.
 */
function activate(x: Tensor, op: UnaryOp, params: UnaryParams, inplace: boolean): Tensor {
  // The result of a convolution still waiting to run takes ReLU as its epilogue (conv-fusion.ts).
  const folded = op === 'relu' ? foldRelu(x, inplace) : null;
  if (folded !== null) return folded;
  if (!inplace) return unaryOp(op, x, params);
  if ((x.dtype === 'float32' || x.dtype === 'float64') && x.is_contiguous()) {
    const view = x.strided();
    const data = view.data as Float32Array | Float64Array;
    kernels().unary(op, x.shape, view, data.subarray(view.offset, view.offset + x.numel()), params);
    return x;
  }
  return maybeInplace(x, unaryOp(op, x, params), true);
}

const unary = (name: string, op: UnaryOp, params: (a: Record<string, any>) => UnaryParams = () => ({}), inplaceArg = true) =>
  def(`${name}(input${inplaceArg ? ', inplace=False' : ''})`, (a) =>
    activate(tensorArg(a.input, name), op, params(a), a.inplace === true));

export const relu = unary('relu', 'relu');
export const relu_ = (input: Tensor): Tensor => relu(input, { inplace: true });
export const silu = unary('silu', 'silu');
export const mish = unary('mish', 'mish');
export const hardswish = unary('hardswish', 'hardswish');
export const hardsigmoid = unary('hardsigmoid', 'hardsigmoid');
export const selu = unary('selu', 'selu');
export const sigmoid = unary('sigmoid', 'sigmoid', undefined, false);
export const tanh = unary('tanh', 'tanh', undefined, false);
export const logsigmoid = unary('logsigmoid', 'logsigmoid', undefined, false);
export const softsign = unary('softsign', 'softsign', undefined, false);
export const tanhshrink = unary('tanhshrink', 'tanhshrink', undefined, false);

export const relu6 = def('relu6(input, inplace=False)', (a) => {
  const x = tensorArg(a.input, 'relu6');
  return activate(x, 'hardtanh', { min: 0, max: 6 }, a.inplace === true);
});
export const hardtanh = def('hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False)', (a) => {
  const x = tensorArg(a.input, 'hardtanh');
  return activate(x, 'hardtanh', { min: num(a.min_val), max: num(a.max_val) }, a.inplace === true);
});
export const leaky_relu = def('leaky_relu(input, negative_slope=0.01, inplace=False)', (a) => {
  const x = tensorArg(a.input, 'leaky_relu');
  return activate(x, 'leaky_relu', { alpha: num(a.negative_slope) }, a.inplace === true);
});
export const elu = def('elu(input, alpha=1.0, inplace=False)', (a) => {
  const x = tensorArg(a.input, 'elu');
  return activate(x, 'elu', { alpha: num(a.alpha) }, a.inplace === true);
});
export const celu = def('celu(input, alpha=1.0, inplace=False)', (a) => {
  const x = tensorArg(a.input, 'celu');
  return activate(x, 'celu', { alpha: num(a.alpha) }, a.inplace === true);
});
export const softplus = def('softplus(input, beta=1.0, threshold=20.0)', (a) =>
  unaryOp('softplus', tensorArg(a.input, 'softplus'), { beta: num(a.beta), threshold: num(a.threshold) }));
export const hardshrink = def('hardshrink(input, lambd=0.5)', (a) =>
  unaryOp('hardshrink', tensorArg(a.input, 'hardshrink'), { lambd: num(a.lambd) }));
export const softshrink = def('softshrink(input, lambd=0.5)', (a) =>
  unaryOp('softshrink', tensorArg(a.input, 'softshrink'), { lambd: num(a.lambd) }));

export const gelu = def('gelu(input, approximate="none")', (a) => {
  const x = tensorArg(a.input, 'gelu');
  if (a.approximate !== 'none' && a.approximate !== 'tanh') throw new Error('approximate argument must be either none or tanh.');
  return unaryOp(a.approximate === 'tanh' ? 'gelu_tanh' : 'gelu', x);
});

export const threshold = def('threshold(input, threshold, value, inplace=False)', (a) => {
  const x = tensorArg(a.input, 'threshold');
  const r = where(binaryOp('le', x, num(a.threshold)), num(a.value), x);
  return maybeInplace(x, r.dtype === x.dtype ? r : r.type(x.dtype), a.inplace === true);
});

export const glu = def('glu(input, dim=-1)', (a) => {
  const x = tensorArg(a.input, 'glu');
  if (x.ndim === 0) throw new Error('glu does not support scalars because halving size must be even');
  const d = normalizeDim(a.dim, x.ndim);
  if (x.shape[d] % 2 !== 0) throw new Error(`Halving dimension must be even, but dimension ${d} is size ${x.shape[d]}`);
  const half = x.shape[d] / 2;
  return mul(x.narrow(d, 0, half), unaryOp('sigmoid', x.narrow(d, half, half)));
});

export const prelu = def('prelu(input, weight)', (a) => {
  const x = tensorArg(a.input, 'prelu'), w = tensorArg(a.weight, 'prelu', 'weight');
  const channels = x.ndim >= 2 ? x.shape[1] : 1;
  if (w.numel() !== 1 && w.numel() !== channels)
    throw new Error(`Mismatch of parameter numbers and input channel size. Found parameter numbers = ${w.numel()} and channel size = ${channels}.`);
  // The weight runs along dim 1 (channels) and broadcasts over the rest.
  const shape = x.shape.map((s, i) => (i === 1 && w.numel() !== 1 ? s : 1));
  const slope = w.numel() === 1 ? w.reshape([]) : w.reshape(shape);
  return where(binaryOp('ge', x, 0), x, mul(x, slope));
});

export const rrelu = def('rrelu(input, lower=0.125, upper=0.3333333333333333, training=False, inplace=False)', (a) => {
  const x = tensorArg(a.input, 'rrelu');
  const lower = num(a.lower), upper = num(a.upper);
  if (!a.training) return activate(x, 'leaky_relu', { alpha: (lower + upper) / 2 }, a.inplace === true);
  const slopes = rand(x.shape as number[], { dtype: x.dtype }).mul(upper - lower).add(lower);
  return maybeInplace(x, where(binaryOp('ge', x, 0), x, mul(x, slopes)), a.inplace === true);
});

// ---- softmax family ----

/** PyTorch's _get_softmax_dim for a call without dim (deprecated, but still what happens). */
export function implicitSoftmaxDim(ndim: number): number {
  return ndim === 0 || ndim === 1 || ndim === 3 ? 0 : 1;
}

/** softmax / log_softmax over dim, after casting to dtype when given; the loop is kernels().softmax. */
export function softmaxOp(input: Tensor, dim: number, dtype: DType | null, log: boolean): Tensor {
  const x = dtype ? input.type(dtype) : input;
  if (!isFloating(x.dtype))
    throw new Error(`"${log ? 'log_softmax' : 'softmax'}_lastdim_kernel_impl" not implemented for '${dtypeTitle(x.dtype)}'`);
  const d = normalizeDim(dim, x.ndim);
  const outer = x.ndim ? numel(x.shape.slice(0, d)) : 1;
  const size = x.ndim ? x.shape[d] : 1;
  const inner = x.ndim ? numel(x.shape.slice(d + 1)) : 1;
  const out = allocArray(computeDType(x.dtype), x.numel()) as Float32Array | Float64Array;
  kernels().softmax(x.toArray() as Float32Array | Float64Array, outer, size, inner, out, log);
  return fromCompute(out, x.shape, x.dtype);
}

const dtypeOrNull = (d: unknown): DType | null => (d === null || d === undefined ? null : checkDType(d));

export const softmax = def('softmax(input, dim=None, _stacklevel=3, dtype=None)', (a) => {
  const x = tensorArg(a.input, 'softmax');
  return softmaxOp(x, a.dim ?? implicitSoftmaxDim(x.ndim), dtypeOrNull(a.dtype), false);
});
export const log_softmax = def('log_softmax(input, dim=None, _stacklevel=3, dtype=None)', (a) => {
  const x = tensorArg(a.input, 'log_softmax');
  return softmaxOp(x, a.dim ?? implicitSoftmaxDim(x.ndim), dtypeOrNull(a.dtype), true);
});
export const softmin = def('softmin(input, dim=None, _stacklevel=3, dtype=None)', (a) => {
  const x = tensorArg(a.input, 'softmin');
  const src = a.dtype ? x.type(checkDType(a.dtype)) : x;
  return softmaxOp(unaryOp('neg', src), a.dim ?? implicitSoftmaxDim(x.ndim), null, false);
});

/** torch.softmax / Tensor.softmax: dim is required there. */
export const torchSoftmax = def('softmax(input, dim, dtype=None)', (a) =>
  softmaxOp(tensorArg(a.input, 'softmax'), a.dim, dtypeOrNull(a.dtype), false));
export const torchLogSoftmax = def('log_softmax(input, dim, dtype=None)', (a) =>
  softmaxOp(tensorArg(a.input, 'log_softmax'), a.dim, dtypeOrNull(a.dtype), true));
