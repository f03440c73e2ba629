// Tensor methods that compute: each is the torch.* function of the same name with self as input, so
// `x.clamp({ max: 0.25 })`, `x.sum(-1, { keepdim: true })` and `x.softmax(-1)` bind like PyTorch's.
// They are installed on Tensor.prototype by tensor.ts (installTensorMethods), which keeps tensor.ts
// about views and storage.
import { sizeArgs } from '../args';
import { DType, PyFloat } from '../dtype';
import { torchLogSoftmax, torchSoftmax } from '../functional/activation';
import type { Tensor as TensorClass, TensorLike } from '../tensor';
import * as api from './api';
import * as ew from './elementwise';
import { foldRelu } from '../functional/conv-fusion';
import * as f from './factories';
import * as reduce from './reduce';
import * as sh from './shape';

type Tensor = TensorClass;
type Operand = TensorLike | PyFloat;
type Any = any;

/** The method bodies; `this` is the tensor the method is called on. */
class TensorMethods {
  // ---- arithmetic and comparisons ----
  add(this: Tensor, other: Operand, opts?: { alpha?: number | PyFloat }): Tensor { return api.add(this, other, ...(opts ? [opts] : [])); }
  sub(this: Tensor, other: Operand, opts?: { alpha?: number | PyFloat }): Tensor { return api.sub(this, other, ...(opts ? [opts] : [])); }
  subtract(this: Tensor, other: Operand, opts?: { alpha?: number | PyFloat }): Tensor { return this.sub(other, opts); }
  mul(this: Tensor, other: Operand): Tensor { return api.mul(this, other); }
  multiply(this: Tensor, other: Operand): Tensor { return api.mul(this, other); }
  div(this: Tensor, other: Operand, opts?: { rounding_mode?: string | null }): Tensor { return api.div(this, other, ...(opts ? [opts] : [])); }
  divide(this: Tensor, other: Operand, opts?: { rounding_mode?: string | null }): Tensor { return this.div(other, opts); }
  true_divide(this: Tensor, other: Operand): Tensor { return api.true_divide(this, other); }
  floor_divide(this: Tensor, other: Operand): Tensor { return api.floor_divide(this, other); }
  remainder(this: Tensor, other: Operand): Tensor { return api.remainder(this, other); }
  fmod(this: Tensor, other: Operand): Tensor { return api.fmod(this, other); }
  pow(this: Tensor, exponent: Operand): Tensor { return api.pow(this, exponent); }
  atan2(this: Tensor, other: Operand): Tensor { return api.atan2(this, other); }
  matmul(this: Tensor, other: Tensor): Tensor { return api.matmul(this, other); }
  mm(this: Tensor, other: Tensor): Tensor { return api.mm(this, other); }
  bmm(this: Tensor, other: Tensor): Tensor { return api.bmm(this, other); }
  mv(this: Tensor, vec: Tensor): Tensor { return api.mv(this, vec); }
  dot(this: Tensor, other: Tensor): Tensor { return api.dot(this, other); }
  outer(this: Tensor, other: Tensor): Tensor { return api.outer(this, other); }
  eq(this: Tensor, other: Operand): Tensor { return api.eq(this, other); }
  ne(this: Tensor, other: Operand): Tensor { return api.ne(this, other); }
  lt(this: Tensor, other: Operand): Tensor { return api.lt(this, other); }
  le(this: Tensor, other: Operand): Tensor { return api.le(this, other); }
  gt(this: Tensor, other: Operand): Tensor { return api.gt(this, other); }
  ge(this: Tensor, other: Operand): Tensor { return api.ge(this, other); }
  maximum(this: Tensor, other: Operand): Tensor { return api.maximum(this, other); }
  minimum(this: Tensor, other: Operand): Tensor { return api.minimum(this, other); }
  logical_and(this: Tensor, other: Operand): Tensor { return api.logical_and(this, other); }
  logical_or(this: Tensor, other: Operand): Tensor { return api.logical_or(this, other); }
  logical_xor(this: Tensor, other: Operand): Tensor { return api.logical_xor(this, other); }
  logical_not(this: Tensor): Tensor { return api.logical_not(this); }
  bitwise_and(this: Tensor, other: Operand): Tensor { return api.bitwise_and(this, other); }
  bitwise_or(this: Tensor, other: Operand): Tensor { return api.bitwise_or(this, other); }
  bitwise_xor(this: Tensor, other: Operand): Tensor { return api.bitwise_xor(this, other); }
  bitwise_not(this: Tensor): Tensor { return api.bitwise_not(this); }
  clamp(this: Tensor, ...args: unknown[]): Tensor { return api.clamp(this, ...args); }
  clip(this: Tensor, ...args: unknown[]): Tensor { return api.clamp(this, ...args); }
  clamp_min(this: Tensor, min: Operand): Tensor { return api.clamp_min(this, min); }
  clamp_max(this: Tensor, max: Operand): Tensor { return api.clamp_max(this, max); }
  masked_fill(this: Tensor, mask: Tensor, value: Operand): Tensor { return api.masked_fill(this, mask, value); }
  where(this: Tensor, condition: Tensor, other: Operand): Tensor { return api.where(condition, this, other) as Tensor; }
  round(this: Tensor, ...args: unknown[]): Tensor { return api.round(this, ...args); }
  square(this: Tensor): Tensor { return api.square(this); }
  nan_to_num(this: Tensor, ...args: unknown[]): Tensor { return api.nan_to_num(this, ...args); }
  lerp(this: Tensor, end: Tensor, weight: Operand): Tensor { return this.add(end.sub(this).mul(weight)); }

  // ---- element-wise functions ----
  neg(this: Tensor): Tensor { return api.neg(this); }
  negative(this: Tensor): Tensor { return api.neg(this); }
  abs(this: Tensor): Tensor { return api.abs(this); }
  sqrt(this: Tensor): Tensor { return api.sqrt(this); }
  rsqrt(this: Tensor): Tensor { return api.rsqrt(this); }
  exp(this: Tensor): Tensor { return api.exp(this); }
  expm1(this: Tensor): Tensor { return api.expm1(this); }
  log(this: Tensor): Tensor { return api.log(this); }
  log2(this: Tensor): Tensor { return api.log2(this); }
  log10(this: Tensor): Tensor { return api.log10(this); }
  log1p(this: Tensor): Tensor { return api.log1p(this); }
  sin(this: Tensor): Tensor { return api.sin(this); }
  cos(this: Tensor): Tensor { return api.cos(this); }
  tan(this: Tensor): Tensor { return api.tan(this); }
  atan(this: Tensor): Tensor { return api.atan(this); }
  tanh(this: Tensor): Tensor { return api.tanh(this); }
  sigmoid(this: Tensor): Tensor { return api.sigmoid(this); }
  erf(this: Tensor): Tensor { return api.erf(this); }
  erfinv(this: Tensor): Tensor { return api.erfinv(this); }
  relu(this: Tensor): Tensor { return api.relu(this); }
  floor(this: Tensor): Tensor { return api.floor(this); }
  ceil(this: Tensor): Tensor { return api.ceil(this); }
  trunc(this: Tensor): Tensor { return api.trunc(this); }
  frac(this: Tensor): Tensor { return api.frac(this); }
  sign(this: Tensor): Tensor { return api.sign(this); }
  reciprocal(this: Tensor): Tensor { return api.reciprocal(this); }
  isnan(this: Tensor): Tensor { return api.isnan(this); }
  isinf(this: Tensor): Tensor { return api.isinf(this); }
  isfinite(this: Tensor): Tensor { return api.isfinite(this); }
  softmax(this: Tensor, ...args: unknown[]): Tensor { return torchSoftmax(this, ...args); }
  log_softmax(this: Tensor, ...args: unknown[]): Tensor { return torchLogSoftmax(this, ...args); }

  // ---- in place: compute, then write into this tensor's elements ----
  add_(this: Tensor, other: Operand, opts?: { alpha?: number | PyFloat }): Tensor { return ew.addInPlace(this, other, opts); }
  sub_(this: Tensor, other: Operand, opts?: { alpha?: number | PyFloat }): Tensor { return this.copy_(this.sub(other, opts)); }
  mul_(this: Tensor, other: Operand): Tensor { return this.copy_(this.mul(other)); }
  div_(this: Tensor, other: Operand, opts?: { rounding_mode?: string | null }): Tensor { return this.copy_(this.div(other, opts)); }
  pow_(this: Tensor, exponent: Operand): Tensor { return this.copy_(this.pow(exponent)); }
  clamp_(this: Tensor, ...args: unknown[]): Tensor { return this.copy_(api.clamp(this, ...args)); }
  clamp_min_(this: Tensor, min: Operand): Tensor { return this.copy_(this.clamp_min(min)); }
  masked_fill_(this: Tensor, mask: Tensor, value: Operand): Tensor { return this.copy_(this.masked_fill(mask, value)); }
  relu_(this: Tensor): Tensor { return foldRelu(this, true) ?? this.copy_(ew.unaryOp('relu', this)); }
  neg_(this: Tensor): Tensor { return this.copy_(this.neg()); }
  exp_(this: Tensor): Tensor { return this.copy_(this.exp()); }
  sqrt_(this: Tensor): Tensor { return this.copy_(this.sqrt()); }
  abs_(this: Tensor): Tensor { return this.copy_(this.abs()); }
  sigmoid_(this: Tensor): Tensor { return this.copy_(this.sigmoid()); }
  tanh_(this: Tensor): Tensor { return this.copy_(this.tanh()); }
  tril_(this: Tensor, diagonal = 0): Tensor { return this.copy_(this.tril(diagonal)); }
  triu_(this: Tensor, diagonal = 0): Tensor { return this.copy_(this.triu(diagonal)); }

  // ---- reductions ----
  sum(this: Tensor, ...args: unknown[]): Tensor { return reduce.sum(this, ...args); }
  nansum(this: Tensor, ...args: unknown[]): Tensor { return reduce.nansum(this, ...args); }
  mean(this: Tensor, ...args: unknown[]): Tensor { return reduce.mean(this, ...args); }
  prod(this: Tensor, ...args: unknown[]): Tensor { return reduce.prod(this, ...args); }
  var(this: Tensor, ...args: unknown[]): Tensor { return reduce.var_(this, ...args); }
  std(this: Tensor, ...args: unknown[]): Tensor { return reduce.std(this, ...args); }
  max(this: Tensor, ...args: unknown[]): Any { return reduce.max(this, ...args); }
  min(this: Tensor, ...args: unknown[]): Any { return reduce.min(this, ...args); }
  amax(this: Tensor, ...args: unknown[]): Tensor { return reduce.amax(this, ...args); }
  amin(this: Tensor, ...args: unknown[]): Tensor { return reduce.amin(this, ...args); }
  argmax(this: Tensor, ...args: unknown[]): Tensor { return reduce.argmax(this, ...args); }
  argmin(this: Tensor, ...args: unknown[]): Tensor { return reduce.argmin(this, ...args); }
  any(this: Tensor, ...args: unknown[]): Tensor { return reduce.any(this, ...args); }
  all(this: Tensor, ...args: unknown[]): Tensor { return reduce.all(this, ...args); }
  norm(this: Tensor, ...args: unknown[]): Tensor { return reduce.norm(this, ...args); }
  cumsum(this: Tensor, ...args: unknown[]): Tensor { return reduce.cumsum(this, ...args); }
  logsumexp(this: Tensor, ...args: unknown[]): Tensor { return reduce.logsumexp(this, ...args); }
  count_nonzero(this: Tensor, ...args: unknown[]): Tensor { return reduce.count_nonzero(this, ...args); }
  nonzero(this: Tensor, ...args: unknown[]): Any { return api.nonzero(this, ...args); }

  // ---- joining, splitting, rearranging ----
  split(this: Tensor, ...args: unknown[]): Tensor[] { return api.split(this, ...args); }
  chunk(this: Tensor, ...args: unknown[]): Tensor[] { return api.chunk(this, ...args); }
  unbind(this: Tensor, ...args: unknown[]): Tensor[] { return api.unbind(this, ...args); }
  repeat(this: Tensor, ...sizes: (number | readonly number[])[]): Tensor { return sh.repeat(this, sizeArgs(sizes)); }
  repeat_interleave(this: Tensor, ...args: unknown[]): Tensor { return api.repeat_interleave(this, ...args); }
  tril(this: Tensor, ...args: unknown[]): Tensor { return api.tril(this, ...args); }
  triu(this: Tensor, ...args: unknown[]): Tensor { return api.triu(this, ...args); }
  flip(this: Tensor, ...dims: (number | number[])[]): Tensor { return api.flip(this, dims.length === 1 ? dims[0] : dims); }
  roll(this: Tensor, ...args: unknown[]): Tensor { return api.roll(this, ...args); }
  diagonal(this: Tensor, ...args: unknown[]): Tensor { return api.diagonal(this, ...args); }
  movedim(this: Tensor, ...args: unknown[]): Tensor { return api.movedim(this, ...args); }
  moveaxis(this: Tensor, ...args: unknown[]): Tensor { return api.movedim(this, ...args); }
  gather(this: Tensor, ...args: unknown[]): Tensor { return api.gather(this, ...args); }
  index_select(this: Tensor, ...args: unknown[]): Tensor { return api.index_select(this, ...args); }
  take_along_dim(this: Tensor, ...args: unknown[]): Tensor { return api.take_along_dim(this, ...args); }
  masked_select(this: Tensor, mask: Tensor): Tensor { return api.masked_select(this, mask); }

  // ---- new tensors like this one ----
  type_as(this: Tensor, other: Tensor): Tensor { return this.type(other.dtype); }
  new_zeros(this: Tensor, ...args: unknown[]): Tensor { return f.zeros(...withDType(this.dtype, args)); }
  new_ones(this: Tensor, ...args: unknown[]): Tensor { return f.ones(...withDType(this.dtype, args)); }
  new_empty(this: Tensor, ...args: unknown[]): Tensor { return f.zeros(...withDType(this.dtype, args)); }
  new_full(this: Tensor, size: number[], value: number | boolean | PyFloat, opts?: { dtype?: DType }): Tensor {
    return f.full(size, value, { dtype: opts?.dtype ?? this.dtype });
  }
  new_tensor(this: Tensor, data: unknown, opts?: { dtype?: DType }): Tensor { return f.tensor(data, { dtype: opts?.dtype ?? this.dtype }); }
  bernoulli(this: Tensor): Tensor { return f.rand_like(this).lt(this).type(this.dtype); }
}

/** Appends {dtype: dtype} unless the call already gives one. */
function withDType(dtype: DType, args: unknown[]): unknown[] {
  const last = args[args.length - 1];
  const hasOpts = typeof last === 'object' && last !== null && !Array.isArray(last);
  if (!hasOpts) return [...args, { dtype }];
  return [...args.slice(0, -1), { dtype, ...(last as object) }];
}

declare module '../tensor' {
  interface Tensor extends TensorMethods {}
}

export function installTensorMethods(target: { prototype: object }): void {
  for (const name of Object.getOwnPropertyNames(TensorMethods.prototype)) {
    if (name === 'constructor') continue;
    Object.defineProperty(target.prototype, name, { value: (TensorMethods.prototype as Any)[name], writable: true, configurable: true });
  }
}
