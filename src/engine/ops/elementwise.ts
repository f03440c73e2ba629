// Element-wise ops: type promotion and broadcasting here, the loops in the kernels.
import {
  allocArray, castScalar, computeDType, DType, isFloating, isIntegral, isReducedFloat, NumArray, Operand, PyFloat, resultType,
} from '../dtype';
import type { BinaryOp, Strided, UnaryOp, UnaryParams } from '../kernels/types';
import { kernels } from '../kernels/types';
import { broadcastShapes, broadcastStrides, contiguousStrides } from '../shape';
import { encodingOf, Scalar, Tensor, TensorLike } from '../tensor';
import { defaultDType } from './state';
import { foldResidual } from '../functional/conv-fusion';

export type ScalarLike = Scalar | PyFloat;

const scalarValue = (x: ScalarLike): number => (x instanceof PyFloat ? x.value : typeof x === 'boolean' ? (x ? 1 : 0) : x);

/** A 0-d tensor holding a scalar in dtype. */
export function scalarTensor(x: ScalarLike, dtype: DType): Tensor {
  const arr = allocArray(dtype, 1);
  arr[0] = castScalar(scalarValue(x), dtype);
  return Tensor.fromArray(arr, [], dtype);
}

export function operandOf(x: TensorLike | PyFloat): Operand | PyFloat {
  return x instanceof Tensor ? { dtype: x.dtype, dim: x.ndim } : x;
}

/** Converts a Tensor or a scalar into a tensor of dtype (scalars become 0-d tensors). */
export function asTensor(x: TensorLike | PyFloat, dtype: DType): Tensor {
  if (x instanceof Tensor) return x;
  return scalarTensor(x, dtype);
}

/** The kernel-readable view of t's values, in t's compute representation (float16/bfloat16 decoded). */
export function computeView(t: Tensor): Strided {
  if (!isReducedFloat(t.dtype)) return t.readStrided();
  return { data: t.toArray(), offset: 0, strides: contiguousStrides(t.shape) };
}

/** Wraps a freshly computed array (in the compute representation of dtype) as a tensor of dtype. */
export function fromCompute(values: NumArray, shape: readonly number[], dtype: DType): Tensor {
  if (!isReducedFloat(dtype)) return Tensor.fromArray(values, shape, dtype);
  const out = Tensor.empty(shape, dtype);
  kernels().copy(shape, { data: values, offset: 0, strides: contiguousStrides(shape) }, 'plain', out.strided(), encodingOf(dtype));
  return out;
}

/** Casts t to dtype only when needed, for kernels that read plain numbers. */
function viewIn(t: Tensor, dtype: DType): Strided {
  if (t.dtype === dtype || (!isReducedFloat(t.dtype) && !isReducedFloat(dtype))) return computeView(t);
  return computeView(t.type(dtype));
}

const COMPARISONS = new Set<BinaryOp>(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);
const LOGICAL = new Set<BinaryOp>(['logical_and', 'logical_or', 'logical_xor']);
const BITWISE = new Set<BinaryOp>(['bitwise_and', 'bitwise_or', 'bitwise_xor', 'lshift', 'rshift']);

/** a op b with broadcasting and PyTorch's result dtype. */
export function binaryOp(op: BinaryOp, a: TensorLike | PyFloat, b: TensorLike | PyFloat, outDType?: DType): Tensor {
  if (!(a instanceof Tensor) && !(b instanceof Tensor)) throw new TypeError(`${op}: expected at least one Tensor operand`);
  let common = resultType([operandOf(a), operandOf(b)], defaultDType());
  if ((op === 'div' || op === 'atan2') && isIntegral(common, true)) common = defaultDType();
  if (BITWISE.has(op) && isFloating(common))
    throw new Error(`"${op}_cpu" not implemented for '${dtypeTitle(common)}'`);
  const result = outDType ?? (COMPARISONS.has(op) || LOGICAL.has(op) ? 'bool' : common);
  const ta = asTensor(a, common), tb = asTensor(b, common);
  const shape = broadcastShapes(ta.shape, tb.shape);
  if (isIntegral(common, true) && (op === 'floor_divide' || op === 'remainder' || op === 'trunc_divide') && tb.numel() > 0) {
    const zero = kernels();
    const mins = allocArray('float64', 1);
    zero.reduce('all', tb.contiguous().toArray(), 1, tb.numel(), 1, mins);
    if (mins[0] === 0) throw new Error('ZeroDivisionError');
  }
  const computeDt = computeDType(result === 'bool' && !COMPARISONS.has(op) && !LOGICAL.has(op) ? common : result);
  const out = allocArray(COMPARISONS.has(op) || LOGICAL.has(op) ? 'bool' : computeDt, shape.reduce((x, y) => x * y, 1));
  const va = viewIn(ta, common), vb = viewIn(tb, common);
  kernels().binary(
    op, shape,
    { ...va, strides: broadcastStrides(ta.shape, va.strides, shape) },
    { ...vb, strides: broadcastStrides(tb.shape, vb.strides, shape) },
    out, isIntegral(common, true),
  );
  return fromCompute(out, shape, result);
}

export function dtypeTitle(d: DType): string {
  const names: Record<DType, string> = {
    float32: 'Float', float64: 'Double', float16: 'Half', bfloat16: 'BFloat16', int64: 'Long', int32: 'Int',
    int16: 'Short', int8: 'Char', uint8: 'Byte', bool: 'Bool',
  };
  return names[d];
}

const KEEPS_DTYPE = new Set<UnaryOp>(['neg', 'abs', 'sign', 'relu', 'relu6', 'floor', 'ceil', 'round', 'trunc', 'square', 'bitwise_not', 'hardtanh', 'frac']);
const TO_BOOL = new Set<UnaryOp>(['isnan', 'isinf', 'isfinite', 'logical_not']);

/** op(x); integer inputs of floating functions are promoted to the default float dtype as in PyTorch. */
export function unaryOp(op: UnaryOp, x: Tensor, params?: UnaryParams): Tensor {
  let dtype: DType;
  if (TO_BOOL.has(op)) dtype = 'bool';
  else if (KEEPS_DTYPE.has(op)) {
    if (op === 'neg' && x.dtype === 'bool')
      throw new Error('Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.');
    dtype = x.dtype;
  } else dtype = isFloating(x.dtype) ? x.dtype : defaultDType();
  const out = allocArray(computeDType(dtype), x.numel());
  kernels().unary(op, x.shape, computeView(x), out, params);
  return fromCompute(out, x.shape, dtype);
}

/** b * alpha for add/sub (alpha does not take part in type promotion, as in PyTorch). */
function scaleOperand(b: TensorLike | PyFloat, alpha: number | PyFloat | undefined): TensorLike | PyFloat {
  if (alpha === undefined || scalarValue(alpha) === 1) return b;
  if (b instanceof Tensor) return binaryOp('mul', b, alpha);
  const v = scalarValue(b) * scalarValue(alpha);
  return b instanceof PyFloat || alpha instanceof PyFloat || !Number.isInteger(v) ? new PyFloat(v) : v;
}
export function add(a: TensorLike | PyFloat, b: TensorLike | PyFloat, opts?: { alpha?: number | PyFloat }): Tensor {
  // A convolution's result still waiting to run takes the add as its epilogue (a residual connection).
  const scaled = scaleOperand(b, opts?.alpha);
  return (a instanceof Tensor && scaled === b ? foldResidual(a, b, false) : null) ?? binaryOp('add', a, scaled);
}
/** a += b: in place into a waiting convolution's epilogue when possible (never computing the convolution twice). */
export function addInPlace(a: Tensor, b: TensorLike | PyFloat, opts?: { alpha?: number | PyFloat }): Tensor {
  const scaled = scaleOperand(b, opts?.alpha);
  if (scaled === b && foldResidual(a, b, true) !== null) return a;
  return a.copy_(binaryOp('add', a, scaled));
}
export function sub(a: TensorLike | PyFloat, b: TensorLike | PyFloat, opts?: { alpha?: number | PyFloat }): Tensor {
  if ((a instanceof Tensor && a.dtype === 'bool') || (b instanceof Tensor && b.dtype === 'bool'))
    throw new Error('Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.');
  return binaryOp('sub', a, scaleOperand(b, opts?.alpha));
}
export const mul = (a: TensorLike | PyFloat, b: TensorLike | PyFloat): Tensor => binaryOp('mul', a, b);
export function div(a: TensorLike | PyFloat, b: TensorLike | PyFloat, opts?: { rounding_mode?: string | null }): Tensor {
  const mode = opts?.rounding_mode ?? null;
  if (mode === null) return binaryOp('div', a, b);
  if (mode === 'floor') return floor_divide(a, b);
  if (mode === 'trunc') {
    const r = binaryOp('trunc_divide', a, b);
    return r;
  }
  throw new Error(`div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '${mode}'`);
}
export const floor_divide = (a: TensorLike | PyFloat, b: TensorLike | PyFloat): Tensor => binaryOp('floor_divide', a, b);
export const remainder = (a: TensorLike | PyFloat, b: TensorLike | PyFloat): Tensor => binaryOp('remainder', a, b);
export function pow(a: TensorLike | PyFloat, b: TensorLike | PyFloat): Tensor {
  const common = resultType([operandOf(a), operandOf(b)], defaultDType());
  if (isIntegral(common, true) && b instanceof Tensor === false && typeof b === 'number' && b < 0)
    throw new Error('Integers to negative integer powers are not allowed.');
  if (isIntegral(common, true) && b instanceof Tensor) {
    const m = allocArray('float64', 1);
    kernels().reduce('min', b.toArray(), 1, b.numel(), 1, m);
    if (b.numel() && m[0] < 0) throw new Error('Integers to negative integer powers are not allowed.');
  }
  return binaryOp('pow', a, b);
}

export function where(condition: Tensor, a: TensorLike | PyFloat, b: TensorLike | PyFloat): Tensor {
  if (condition.dtype !== 'bool' && condition.dtype !== 'uint8')
    throw new Error(`where expected condition to be a boolean tensor, but got a tensor with dtype ${dtypeTitle(condition.dtype)}`);
  const dtype = resultType([operandOf(a), operandOf(b)], defaultDType());
  const ta = asTensor(a, dtype), tb = asTensor(b, dtype);
  const shape = broadcastShapes(condition.shape, ta.shape, tb.shape);
  const out = allocArray(computeDType(dtype), shape.reduce((x, y) => x * y, 1));
  const vc = condition.readStrided(), va = viewIn(ta, dtype), vb = viewIn(tb, dtype);
  kernels().where(
    shape,
    { ...vc, strides: broadcastStrides(condition.shape, vc.strides, shape) },
    { ...va, strides: broadcastStrides(ta.shape, va.strides, shape) },
    { ...vb, strides: broadcastStrides(tb.shape, vb.strides, shape) },
    out,
  );
  return fromCompute(out, shape, dtype);
}

export function masked_fill(x: Tensor, mask: Tensor, value: TensorLike | PyFloat): Tensor {
  if (mask.dtype !== 'bool')
    throw new Error(`masked_fill_ only supports boolean masks, but got mask with dtype ${mask.dtype === 'uint8' ? 'unsigned char' : mask.dtype}`);
  if (value instanceof Tensor && value.ndim !== 0)
    throw new Error(`masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ${value.ndim} dimension(s).`);
  broadcastShapes(x.shape, mask.shape); // raises PyTorch's message on mismatch
  const v = value instanceof Tensor ? value.type(x.dtype) : scalarTensor(value, x.dtype);
  const r = where(mask, v, x);
  return r.dtype === x.dtype ? r : r.type(x.dtype);
}

export function clamp(x: Tensor, min: TensorLike | PyFloat | null = null, max: TensorLike | PyFloat | null = null): Tensor {
  if (min === null && max === null) throw new Error("torch.clamp: At least one of 'min' or 'max' must not be None");
  if (!(min instanceof Tensor) && !(max instanceof Tensor)) {
    const dtype = resultType([operandOf(x), ...[min, max].filter((v): v is ScalarLike => v !== null)], defaultDType());
    const src = dtype === x.dtype ? x : x.type(dtype);
    const out = allocArray(computeDType(dtype), x.numel());
    const lo = min === null ? -Infinity : scalarValue(min), hi = max === null ? Infinity : scalarValue(max);
    kernels().unary('hardtanh', x.shape, computeView(src), out, { min: lo, max: hi });
    return fromCompute(out, x.shape, dtype);
  }
  let r: Tensor = x;
  if (min !== null) r = where(binaryOp('lt', r, min), min, r);
  if (max !== null) r = where(binaryOp('gt', r, max), max, r);
  return r;
}
