// Normalisation layers' functional forms, composed from reductions (var_mean) and broadcast arithmetic;
// batch_norm's normalisation runs as one per-channel kernel pass (kernels().batchNormInference).
import { allocArray, computeDType, isFloating, isReducedFloat } from '../dtype';
import { kernels } from '../kernels/types';
import { fromCompute } from '../ops/elementwise';
import { ValueError } from '../ops/errors';
import { norm, var_mean } from '../ops/reduce';
import { Tensor } from '../tensor';
import { def, num, tensorArg } from './util';
import { foldBatchNorm } from './conv-fusion';

const sizeStr = (s: readonly number[]) => `[${s.join(', ')}]`;
const optionalTensor = (x: unknown, fn: string, name: string): Tensor | null =>
  x === null || x === undefined ? null : tensorArg(x, fn, name);

/** Shape that lines a per-channel vector up with dim 1 of an input of ndim dims. */
const channelShape = (ndim: number, c: number): number[] => Array.from({ length: ndim }, (_, i) => (i === 1 ? c : 1));

/** (x - mean) / sqrt(var + eps) * weight + bias, every operand already broadcastable to x. */
function normalizeWith(x: Tensor, mean: Tensor, variance: Tensor, eps: number, weight: Tensor | null, bias: Tensor | null): Tensor {
  let out = x.sub(mean).mul(variance.add(eps).rsqrt());
  if (weight) out = out.mul(weight);
  if (bias) out = out.add(bias);
  return out;
}

/**
 * Batch-norm's per-channel affine form: scale = weight / sqrt(var + eps) and shift = bias - mean * scale, each
 * step rounded in the statistics' dtype as PyTorch's CPU kernel does. mean and variance are [c] vectors.
 */
export function batchNormCoefficients(mean: Tensor, variance: Tensor, eps: number, weight: Tensor | null, bias: Tensor | null): [Tensor, Tensor] {
  const direct = coefficientArrays(mean, variance, eps, weight, bias);
  if (direct !== null) {
    const [scale, shift] = direct, c = scale.length;
    return [Tensor.fromArray(scale, [c], mean.dtype), Tensor.fromArray(shift, [c], mean.dtype)];
  }
  let scale = variance.add(eps).rsqrt();
  if (weight) scale = scale.mul(weight);
  const meanScaled = mean.mul(scale);
  return [scale, bias ? bias.sub(meanScaled) : meanScaled.neg()];
}

type Flat = Float32Array | Float64Array;

/** t's values as a flat array of its own type: the storage itself when contiguous (no copy), else a copy. */
function flatValues(t: Tensor): { data: Flat; at: number } {
  if (!t.is_contiguous()) return { data: t.toArray() as Flat, at: 0 };
  const v = t.readStrided();
  return { data: v.data as Flat, at: v.offset };
}

/**
 * batchNormCoefficients in one small loop instead of five tensor ops (each a dispatch, an allocation and
 * a kernel call: about 20 us a layer, for 64-512 channels). Every step is rounded to the dtype exactly as
 * the tensor ops round their results (float32: Math.fround after each op, eps itself rounded first as the
 * scalar operand of variance.add(eps)), so the values are bit-identical. Null unless every operand is
 * float32, or every operand is float64.
 */
function coefficientArrays(mean: Tensor, variance: Tensor, eps: number, weight: Tensor | null, bias: Tensor | null): [Flat, Flat] | null {
  const dtype = mean.dtype;
  if ((dtype !== 'float32' && dtype !== 'float64') || [variance, weight, bias].some((t) => t !== null && t.dtype !== dtype)) return null;
  const c = mean.numel();
  if (variance.numel() !== c || [weight, bias].some((t) => t !== null && t.numel() !== c)) return null;
  const m = flatValues(mean), v = flatValues(variance);
  const w = weight === null ? null : flatValues(weight), b = bias === null ? null : flatValues(bias);
  const scale = allocArray(dtype, c) as Flat, shift = allocArray(dtype, c) as Flat;
  // Two copies of the loop so that Math.fround is a direct call V8 inlines (through a variable it is not,
  // and the loop runs five times slower).
  if (dtype === 'float32') {
    const e = Math.fround(eps);
    for (let i = 0; i < c; i++) {
      let s = Math.fround(1 / Math.sqrt(Math.fround(v.data[v.at + i] + e))); // rsqrt's kernel: 1 / sqrt(x)
      if (w !== null) s = Math.fround(s * w.data[w.at + i]);
      const meanScaled = Math.fround(m.data[m.at + i] * s);
      scale[i] = s;
      shift[i] = b === null ? -meanScaled : Math.fround(b.data[b.at + i] - meanScaled);
    }
  } else {
    for (let i = 0; i < c; i++) {
      let s = 1 / Math.sqrt(v.data[v.at + i] + eps);
      if (w !== null) s *= w.data[w.at + i];
      const meanScaled = m.data[m.at + i] * s;
      scale[i] = s;
      shift[i] = b === null ? -meanScaled : b.data[b.at + i] - meanScaled;
    }
  }
  return [scale, shift];
}

/** Whether x and every statistic and parameter share one floating dtype, so the one-pass kernel applies without promotion. */
function sameFloatDType(x: Tensor, others: (Tensor | null)[]): boolean {
  return isFloating(x.dtype) && others.every((t) => t === null || t.dtype === x.dtype);
}

/** x * scale[channel] + shift[channel] in one kernel pass (channels along dim 1). */
function applyChannelAffine(x: Tensor, mean: Tensor, variance: Tensor, eps: number, weight: Tensor | null, bias: Tensor | null): Tensor {
  const [n, c] = x.shape, count = x.numel();
  const spatial = count === 0 ? 0 : count / (n * c);
  let coefficients = coefficientArrays(mean, variance, eps, weight, bias);
  if (coefficients === null) {
    const [scale, shift] = batchNormCoefficients(mean, variance, eps, weight, bias);
    coefficients = [scale.toArray() as Float32Array | Float64Array, shift.toArray() as Float32Array | Float64Array];
  }
  // The result of a convolution still waiting to run takes this step as its epilogue (conv-fusion.ts).
  const folded = foldBatchNorm(x, coefficients[0], coefficients[1]);
  if (folded !== null) return folded;
  const view = x.readStrided();
  // A contiguous float32/float64 input is read where it lies; anything else is copied out once.
  const input = x.is_contiguous() && !isReducedFloat(x.dtype)
    ? (view.data as Float32Array | Float64Array).subarray(view.offset, view.offset + count)
    : x.toArray() as Float32Array | Float64Array;
  const out = allocArray(computeDType(x.dtype), count) as Float32Array | Float64Array;
  kernels().batchNormInference(input, n, c, spatial, coefficients[0], coefficients[1], out);
  return fromCompute(out, x.shape, x.dtype);
}

export const batch_norm = def(
  'batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-05)', (a) => {
    const x = tensorArg(a.input, 'batch_norm');
    const runningMean = optionalTensor(a.running_mean, 'batch_norm', 'running_mean');
    const runningVar = optionalTensor(a.running_var, 'batch_norm', 'running_var');
    const weight = optionalTensor(a.weight, 'batch_norm', 'weight'), bias = optionalTensor(a.bias, 'batch_norm', 'bias');
    const training = Boolean(a.training), eps = num(a.eps);
    if (x.ndim < 2) throw new ValueError(`expected 2D or 3D input (got ${x.ndim}D input)`);
    const c = x.shape[1];
    if (training) {
      const perChannel = x.numel() / Math.max(c, 1);
      if (perChannel === 1)
        throw new ValueError(`Expected more than 1 value per channel when training, got input size torch.Size([${x.shape.join(', ')}])`);
    }
    for (const [name, t] of [['running_mean', runningMean], ['running_var', runningVar], ['weight', weight], ['bias', bias]] as const)
      if (t && t.numel() !== c) throw new Error(`${name} should contain ${c} elements not ${t.numel()}`);
    const shape = channelShape(x.ndim, c);
    const affine = (): [Tensor | null, Tensor | null] => [weight?.reshape(shape) ?? null, bias?.reshape(shape) ?? null];
    if (training || !runningMean || !runningVar) {
      const dims = [...x.shape.keys()].filter((d) => d !== 1);
      if (!training && (!runningMean || !runningVar)) throw new Error('running_mean must be defined in evaluation mode');
      const [variance, mean] = var_mean(x, dims, { keepdim: true, correction: 0 });
      if (runningMean && runningVar) {
        const momentum = num(a.momentum);
        const n = x.numel() / c;
        // The running variance takes the unbiased estimate, as PyTorch does.
        runningMean.copy_(runningMean.mul(1 - momentum).add(mean.reshape([c]).mul(momentum)));
        runningVar.copy_(runningVar.mul(1 - momentum).add(variance.reshape([c]).mul((momentum * n) / Math.max(n - 1, 1))));
      }
      if (sameFloatDType(x, [weight, bias])) return applyChannelAffine(x, mean.reshape([c]), variance.reshape([c]), eps, weight, bias);
      return normalizeWith(x, mean, variance, eps, ...affine());
    }
    if (sameFloatDType(x, [runningMean, runningVar, weight, bias]))
      return applyChannelAffine(x, runningMean.reshape([c]), runningVar.reshape([c]), eps, weight, bias);
    return normalizeWith(x, runningMean.reshape(shape), runningVar.reshape(shape), eps, ...affine());
  });

export const instance_norm = def(
  'instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True, momentum=0.1, eps=1e-05)', (a) => {
    const x = tensorArg(a.input, 'instance_norm');
    if (x.ndim < 3) throw new ValueError(`expected 3D or 4D input (got ${x.ndim}D input)`);
    const [n, c] = x.shape;
    const runningMean = optionalTensor(a.running_mean, 'instance_norm', 'running_mean');
    const runningVar = optionalTensor(a.running_var, 'instance_norm', 'running_var');
    const weight = optionalTensor(a.weight, 'instance_norm', 'weight'), bias = optionalTensor(a.bias, 'instance_norm', 'bias');
    const shape = channelShape(x.ndim, c);
    const w = weight?.reshape(shape) ?? null, b = bias?.reshape(shape) ?? null;
    const eps = num(a.eps);
    if (!a.use_input_stats) {
      if (!runningMean || !runningVar) throw new Error('Expected running_mean and running_var to be defined when use_input_stats is false');
      return normalizeWith(x, runningMean.reshape(shape), runningVar.reshape(shape), eps, w, b);
    }
    const spatial = [...x.shape.keys()].slice(2);
    const [variance, mean] = var_mean(x, spatial, { keepdim: true, correction: 0 });
    if (runningMean && runningVar) {
      const momentum = num(a.momentum), count = x.numel() / (n * c);
      const unbiased = variance.mul(count / Math.max(count - 1, 1));
      runningMean.copy_(runningMean.mul(1 - momentum).add(mean.reshape([n, c]).mean(0).mul(momentum)));
      runningVar.copy_(runningVar.mul(1 - momentum).add(unbiased.reshape([n, c]).mean(0).mul(momentum)));
    }
    return normalizeWith(x, mean, variance, eps, w, b);
  });

export const layer_norm = def('layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05)', (a) => {
  const x = tensorArg(a.input, 'layer_norm');
  const normalized: number[] = Array.isArray(a.normalized_shape) ? a.normalized_shape.map(num) : [num(a.normalized_shape)];
  const weight = optionalTensor(a.weight, 'layer_norm', 'weight'), bias = optionalTensor(a.bias, 'layer_norm', 'bias');
  const k = normalized.length;
  const tail = x.shape.slice(x.ndim - k);
  if (k === 0 || x.ndim < k || tail.some((s, i) => s !== normalized[i]))
    throw new Error(`Given normalized_shape=${sizeStr(normalized)}, expected input with shape [*, ${normalized.join(', ')}], but got input of size${sizeStr(x.shape)}`);
  for (const [name, t] of [['weight', weight], ['bias', bias]] as const)
    if (t && (t.ndim !== k || t.shape.some((s, i) => s !== normalized[i])))
      throw new Error(`Expected ${name} to be of same shape as normalized_shape, but got ${name} of shape ${sizeStr(t.shape)} and normalized_shape = ${sizeStr(normalized)}`);
  const dims = Array.from({ length: k }, (_, i) => x.ndim - k + i);
  const [variance, mean] = var_mean(x, dims, { keepdim: true, correction: 0 });
  return normalizeWith(x, mean, variance, num(a.eps), weight, bias);
});

export const group_norm = def('group_norm(input, num_groups, weight=None, bias=None, eps=1e-05)', (a) => {
  const x = tensorArg(a.input, 'group_norm');
  if (x.ndim < 2) throw new Error(`Expected at least 2 dimensions for input tensor but received ${x.ndim}`);
  const groups = num(a.num_groups), [n, c] = x.shape;
  if (c % groups !== 0)
    throw new Error(`Expected number of channels in input to be divisible by num_groups, but got input of shape ${sizeStr(x.shape)} and num_groups=${groups}`);
  const weight = optionalTensor(a.weight, 'group_norm', 'weight'), bias = optionalTensor(a.bias, 'group_norm', 'bias');
  for (const [name, t] of [['weight', weight], ['bias', bias]] as const)
    if (t && (t.ndim !== 1 || t.numel() !== c))
      throw new Error(`Expected ${name} to be a vector of size equal to the number of channels in input, but got ${name} of shape ${sizeStr(t.shape)} and input of shape ${sizeStr(x.shape)}`);
  const grouped = x.reshape([n, groups, -1]);
  const [variance, mean] = var_mean(grouped, 2, { keepdim: true, correction: 0 });
  const normalized = grouped.sub(mean).mul(variance.add(num(a.eps)).rsqrt()).reshape(x.shape as number[]);
  const shape = channelShape(x.ndim, c);
  let out = normalized;
  if (weight) out = out.mul(weight.reshape(shape));
  if (bias) out = out.add(bias.reshape(shape));
  return out;
});

export const normalize = def('normalize(input, p=2.0, dim=1, eps=1e-12, out=None)', (a) => {
  const x = tensorArg(a.input, 'normalize');
  const denom = norm(x, num(a.p), a.dim, true).clamp_min(num(a.eps));
  return x.div(denom.expand_as(x));
});
