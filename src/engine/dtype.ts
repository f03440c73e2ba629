// dtypes, their storage arrays, and PyTorch's type-promotion rules.

export type DType =
  | 'float32' | 'float64' | 'float16' | 'bfloat16'
  | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

export const DTYPES: readonly DType[] = ['float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'int16', 'int8', 'uint8', 'bool'];

/** Every typed array a storage or a kernel may hold. */
export type NumArray = Float32Array | Float64Array | Int32Array | Int16Array | Int8Array | Uint8Array | Uint16Array;

const ITEM_SIZE: Record<DType, number> = {
  float32: 4, float64: 8, float16: 2, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};

export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && (DTYPES as readonly string[]).includes(x);
}
export function checkDType(x: unknown): DType {
  const d = typeof x === 'string' && x.startsWith('torch.') ? x.slice(6) : x;
  const alias: Record<string, DType> = { float: 'float32', double: 'float64', half: 'float16', long: 'int64', int: 'int32', short: 'int16' };
  const name = typeof d === 'string' && alias[d] ? alias[d] : d;
  if (!isDType(name)) throw new TypeError(`unknown dtype ${JSON.stringify(x)}; expected one of ${DTYPES.join(', ')}`);
  return name;
}

export const itemSize = (d: DType): number => ITEM_SIZE[d];
export const isFloating = (d: DType): boolean => d === 'float32' || d === 'float64' || d === 'float16' || d === 'bfloat16';
/** Integral in PyTorch's sense; bool counts only when includeBool. */
export const isIntegral = (d: DType, includeBool = false): boolean => (d === 'bool' ? includeBool : !isFloating(d));
/** float16 and bfloat16 live as raw bits and are computed in float32. */
export const isReducedFloat = (d: DType): boolean => d === 'float16' || d === 'bfloat16';

/** The dtype whose array a kernel computes in: reduced floats compute in float32. */
export function computeDType(d: DType): DType {
  return isReducedFloat(d) ? 'float32' : d;
}

/** A fresh zeroed array holding n elements of dtype d in its storage representation. */
export function allocArray(d: DType, n: number): NumArray {
  switch (d) {
    case 'float32': return new Float32Array(n);
    case 'float64': case 'int64': return new Float64Array(n);
    case 'float16': case 'bfloat16': return new Uint16Array(n);
    case 'int32': return new Int32Array(n);
    case 'int16': return new Int16Array(n);
    case 'int8': return new Int8Array(n);
    case 'uint8': case 'bool': return new Uint8Array(n);
  }
}

// ---- type promotion (c10/core/ScalarType.h promoteTypes, ATen's ResultTypeState) ----

type Category = 0 | 1 | 2; // bool < integral < floating
const category = (d: DType): Category => (d === 'bool' ? 0 : isFloating(d) ? 2 : 1);

const INT_RANK: Partial<Record<DType, number>> = { int8: 1, int16: 2, int32: 3, int64: 4 };
const FLOAT_RANK: Partial<Record<DType, number>> = { float16: 1, bfloat16: 1, float32: 2, float64: 3 };

/** torch.promote_types */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  if (a === 'bool') return b;
  if (b === 'bool') return a;
  const fa = isFloating(a), fb = isFloating(b);
  if (fa && fb) {
    if ((a === 'float16' && b === 'bfloat16') || (a === 'bfloat16' && b === 'float16')) return 'float32';
    return FLOAT_RANK[a]! >= FLOAT_RANK[b]! ? a : b;
  }
  if (fa) return a;
  if (fb) return b;
  if (a === 'uint8' || b === 'uint8') {
    const other = a === 'uint8' ? b : a;
    return other === 'int8' ? 'int16' : other;
  }
  return INT_RANK[a]! >= INT_RANK[b]! ? a : b;
}

/** A participant of torch.result_type: a tensor (by its dimensionality) or a Python scalar. */
export type Operand = { dtype: DType; dim: number } | number | boolean;

function scalarDType(x: number | boolean, defaultFloat: DType): DType {
  if (typeof x === 'boolean') return 'bool';
  return Number.isInteger(x) ? 'int64' : defaultFloat;
}
/** JS has one number type: a Python float that happens to be integral (2.0) is passed wrapped in PyFloat. */
export class PyFloat { constructor(readonly value: number) {} }

function combineCategories(higher: DType | undefined, lower: DType | undefined): DType | undefined {
  if (higher === undefined) return lower;
  if (lower === undefined) return higher;
  if (isFloating(higher)) return higher;
  if (higher === 'bool' || isFloating(lower)) return promoteTypes(higher, lower);
  return higher;
}

/** torch.result_type over tensors and scalars: dimensioned tensors win within their category. */
export function resultType(operands: readonly (Operand | PyFloat)[], defaultFloat: DType = 'float32'): DType {
  let dimResult: DType | undefined, zeroResult: DType | undefined, wrapped: DType | undefined;
  const up = (cur: DType | undefined, d: DType) => (cur === undefined ? d : promoteTypes(cur, d));
  for (const op of operands) {
    if (op instanceof PyFloat) wrapped = up(wrapped, defaultFloat);
    else if (typeof op === 'number' || typeof op === 'boolean') wrapped = up(wrapped, scalarDType(op, defaultFloat));
    else if (op.dim === 0) zeroResult = up(zeroResult, op.dtype);
    else dimResult = up(dimResult, op.dtype);
  }
  const r = combineCategories(dimResult, combineCategories(zeroResult, wrapped));
  if (r === undefined) throw new Error('result_type needs at least one operand');
  return r;
}

export const categoryOf = category;

// ---- reduced-precision floats, stored as raw bits ----

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 -> bfloat16 bits, round to nearest even (NaN stays a quiet NaN), as torch does. */
export function float32ToBFloat16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  if ((bits & 0x7fffffff) > 0x7f800000) return ((bits >>> 16) | 0x40) & 0xffff;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}
export function bfloat16BitsToFloat32(h: number): number {
  u32[0] = (h & 0xffff) << 16;
  return f32[0];
}

/** float32 -> IEEE half bits, round to nearest even. */
export function float32ToFloat16Bits(x: number): number {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++;
  return sign | half;
}
export function float16BitsToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Converts one computed value into what a storage of dtype d holds (casts like torch's .to()). */
export function castScalar(x: number, d: DType): number {
  switch (d) {
    case 'float32': return Math.fround(x);
    case 'float64': return x;
    case 'float16': return float32ToFloat16Bits(x);
    case 'bfloat16': return float32ToBFloat16Bits(x);
    case 'bool': return x !== 0 ? 1 : 0;
    case 'int64': return Number.isFinite(x) ? Math.trunc(x) : 0;
    default: return Number.isFinite(x) ? Math.trunc(x) : 0; // typed arrays wrap int32/16/8/uint8 like C
  }
}
/** Reads one stored value of dtype d as a JS number. */
export function readScalar(raw: number, d: DType): number {
  if (d === 'float16') return float16BitsToFloat32(raw);
  if (d === 'bfloat16') return bfloat16BitsToFloat32(raw);
  return raw;
}
