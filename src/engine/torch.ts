// The `torch` namespace of the TypeScript API: `torch.zeros(2, 3)`, `torch.cat([a, b], 1)`, `torch.float32`.
import { DType, PyFloat } from './dtype';
import { Tensor, TensorLike } from './tensor';
import * as ew from './ops/elementwise';

export { Tensor, slice, Slice, isTensor } from './tensor';
export type { IndexItem, Scalar, TensorLike } from './tensor';
export { PyFloat, promoteTypes as promote_types, resultType } from './dtype';
export type { DType } from './dtype';
export { Generator } from './random';
export * from './ops/factories';
export { cat, concat, concatenate, stack, split, chunk, unbind, tril, triu, flip, roll } from './ops/shape';
export { matmul, mm, bmm, dot } from './ops/linalg';
export { where, clamp, add, sub, mul, div, floor_divide, remainder, pow, masked_fill } from './ops/elementwise';
export { sum, mean, prod, var_ as var, std, max, min, amax, amin, argmax, argmin, any, all, norm, cumsum, logsumexp, count_nonzero, nansum } from './ops/reduce';
export { nonzero, gather, index_select } from './ops/indexing';
export { manual_seed, seed, initial_seed, set_default_dtype, get_default_dtype, is_grad_enabled, set_grad_enabled } from './ops/state';
export { formatTensor } from './print';

export const float32: DType = 'float32', float: DType = 'float32', float64: DType = 'float64', double: DType = 'float64';
export const float16: DType = 'float16', half: DType = 'float16', bfloat16: DType = 'bfloat16';
export const int64: DType = 'int64', long: DType = 'int64', int32: DType = 'int32', int: DType = 'int32';
export const int16: DType = 'int16', short: DType = 'int16', int8: DType = 'int8', uint8: DType = 'uint8', bool: DType = 'bool';

const un = (op: Parameters<typeof ew.unaryOp>[0]) => (x: Tensor) => ew.unaryOp(op, x);
export const abs = un('abs'), neg = un('neg'), exp = un('exp'), log = un('log'), sqrt = un('sqrt'), rsqrt = un('rsqrt');
export const sin = un('sin'), cos = un('cos'), tanh = un('tanh'), sigmoid = un('sigmoid'), erf = un('erf');
export const floor = un('floor'), ceil = un('ceil'), round = un('round'), sign = un('sign'), trunc = un('trunc');
export const log1p = un('log1p'), expm1 = un('expm1'), reciprocal = un('reciprocal'), logical_not = un('logical_not');
export const isnan = un('isnan'), isinf = un('isinf'), isfinite = un('isfinite'), relu = un('relu');
const bin = (op: Parameters<typeof ew.binaryOp>[0]) => (a: TensorLike | PyFloat, b: TensorLike | PyFloat) => ew.binaryOp(op, a, b);
export const eq = bin('eq'), ne = bin('ne'), lt = bin('lt'), le = bin('le'), gt = bin('gt'), ge = bin('ge');
export const maximum = bin('maximum'), minimum = bin('minimum'), atan2 = bin('atan2'), fmod = bin('fmod');
export const logical_and = bin('logical_and'), logical_or = bin('logical_or'), logical_xor = bin('logical_xor');
export const bitwise_and = bin('bitwise_and'), bitwise_or = bin('bitwise_or'), bitwise_xor = bin('bitwise_xor');

/** torch.no_grad(): `torch.no_grad(() => model.forward(x))`; there is no autograd, the flag is kept for models that read it. */
export function no_grad<T>(fn: () => T): T {
  return fn();
}
export const numel = (t: Tensor): number => t.numel();
export const is_tensor = (x: unknown): boolean => x instanceof Tensor;
export const is_floating_point = (t: Tensor): boolean => t.is_floating_point();
export const flatten = (t: Tensor, start_dim = 0, end_dim = -1): Tensor => t.flatten(start_dim, end_dim);
export const reshape = (t: Tensor, shape: number[]): Tensor => t.reshape(shape);
export const permute = (t: Tensor, dims: number[]): Tensor => t.permute(dims);
export const transpose = (t: Tensor, a: number, b: number): Tensor => t.transpose(a, b);
export const unsqueeze = (t: Tensor, d: number): Tensor => t.unsqueeze(d);
export const squeeze = (t: Tensor, d?: number): Tensor => t.squeeze(d);
export const narrow = (t: Tensor, d: number, s: number, l: number): Tensor => t.narrow(d, s, l);
export const clone = (t: Tensor): Tensor => t.clone();
export const t = (x: Tensor): Tensor => x.t();
