// The `torch` namespace of the TypeScript API: `torch.zeros(2, 3)`, `torch.cat([a, b], 1)`, `torch.float32`.
// Functions bind PyTorch's signatures, so keyword arguments go in a trailing object: `torch.sum(x, 1, { keepdim: true })`.
import { DType } from './dtype';
import * as F from './functional';
import { def, num, tensorArg } from './ops/bind';
import { Tensor } from './tensor';

export { Tensor, slice, Slice, isTensor } from './tensor';
export type { IndexItem, Scalar, TensorLike } from './tensor';
export { PyFloat, promoteTypes as promote_types, resultType } from './dtype';
export type { DType } from './dtype';
export { Generator } from './random';
export * from './ops/factories';
export * from './ops/api';
export { einsum } from './ops/einsum';
export {
  sum, mean, prod, var_ as var, std, var_mean, std_mean, max, min, amax, amin, argmax, argmin, any, all, norm, cumsum,
  logsumexp, count_nonzero, nansum,
} from './ops/reduce';
export { manual_seed, seed, initial_seed, set_default_dtype, get_default_dtype, is_grad_enabled, set_grad_enabled } from './ops/state';
export { formatTensor } from './print';

export const float32: DType = 'float32', float: DType = 'float32', float64: DType = 'float64', double: DType = 'float64';
export const float16: DType = 'float16', half: DType = 'float16', bfloat16: DType = 'bfloat16';
export const int64: DType = 'int64', long: DType = 'int64', int32: DType = 'int32', int: DType = 'int32';
export const int16: DType = 'int16', short: DType = 'int16', int8: DType = 'int8', uint8: DType = 'uint8', bool: DType = 'bool';

// ---- torch-level aliases of torch.nn.functional (PyTorch exposes these on torch too) ----
export { torchSoftmax as softmax, torchLogSoftmax as log_softmax } from './functional/activation';
export const {
  conv1d, conv2d, conv_transpose1d, conv_transpose2d, layer_norm, group_norm, instance_norm, max_pool1d, max_pool2d,
  avg_pool1d, adaptive_avg_pool1d, adaptive_max_pool1d, selu, celu, rrelu, hardshrink, prelu, cosine_similarity,
  pairwise_distance, alpha_dropout,
} = F;
export const threshold = def('threshold(input, threshold, value)', (a) => F.threshold(a.input, a.threshold, a.value));
export const dropout = def('dropout(input, p, train)', (a) => F.dropout(a.input, a.p, a.train));
export const feature_dropout = def('feature_dropout(input, p, train)', (a) => F.dropout2d(a.input, a.p, a.train));
/** torch.batch_norm keeps ATen's argument order (weight and bias before the running statistics). */
export const batch_norm = def('batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled)', (a) =>
  F.batch_norm(a.input, a.running_mean, a.running_var, a.weight, a.bias, a.training, a.momentum, a.eps));
/** torch.embedding takes the weight first and -1 for "no padding_idx". */
export const embedding = def('embedding(weight, input, padding_idx=-1, scale_grad_by_freq=False, sparse=False)', (a) =>
  F.embedding(a.input, a.weight, num(a.padding_idx) === -1 ? null : a.padding_idx));

/** torch.no_grad(): `torch.no_grad(() => model.forward(x))`; there is no autograd, the flag is kept for models that read it. */
export function no_grad<T>(fn: () => T): T {
  return fn();
}
export const numel = (t: Tensor): number => tensorArg(t, 'numel').numel();
export const is_tensor = (x: unknown): boolean => x instanceof Tensor;
export const is_floating_point = (t: Tensor): boolean => tensorArg(t, 'is_floating_point').is_floating_point();

export * as nn from './nn';
export * as functional from './functional';
