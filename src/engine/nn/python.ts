// Python-isms that nn needs to read exactly like PyTorch: exception types, torch.typename, repr()/str() of
// the values that appear in extra_repr, and the int/float distinction JS numbers lose (2 vs 2.0).
import { PyFloat } from '../dtype';
import { dtypeTitle } from '../ops/elementwise';
import { Tensor } from '../tensor';

// ValueError, NotImplementedError and IndexError are the engine-wide classes (ops/errors); `name` is Python's.
export { ValueError, NotImplementedError, IndexError as PyIndexError } from '../ops/errors';
export class KeyError extends Error { override name = 'KeyError'; }
export class AttributeError extends Error { override name = 'AttributeError'; }
export class AssertionError extends Error { override name = 'AssertionError'; }

/** torch.typename(): `torch.FloatTensor` for tensors, the Python type name for anything else. */
export function typename(value: unknown): string {
  if (value instanceof Tensor) return `torch.${dtypeTitle(value.dtype)}Tensor`;
  if (value === null || value === undefined) return 'NoneType';
  if (value instanceof PyFloat) return 'float';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'function') return 'function';
  const ctor = (value as object).constructor;
  return ctor && ctor !== Object ? ctor.name : 'dict';
}

/** repr(float): shortest round-trip digits, exponent form below 1e-4 and from 1e16 (Python's float_repr). */
export function floatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = Math.abs(x).toExponential().split('e');
  const exp = Number(expText);
  const digits = mantissa.replace('.', '');
  const sign = x < 0 ? '-' : '';
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp >= 0) return `${sign}${digits.slice(0, exp + 1).padEnd(exp + 1, '0')}.${digits.slice(exp + 1) || '0'}`;
  return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
}

/** repr(str) with Python's quote choice. */
export function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  const body = s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(/\r/g, '\\r');
  return quote + (quote === "'" ? body.replace(/'/g, "\\'") : body) + quote;
}

/** repr() of a value: arrays print as tuples (PyTorch keeps sizes as tuples), numbers as int unless PyFloat/fractional. */
export function repr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v instanceof PyFloat) return floatRepr(v.value);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : floatRepr(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'string') return strRepr(v);
  if (Array.isArray(v)) return v.length === 1 ? `(${repr(v[0])},)` : `(${v.map(repr).join(', ')})`;
  return String(v);
}

/** str() of a value, as `'{x}'.format(x)` prints it: strings unquoted, everything else like repr. */
export function str(v: unknown): string {
  return typeof v === 'string' ? v : repr(v);
}

/** Python list repr, e.g. for `_IncompatibleKeys(missing_keys=['a'], ...)`. */
export function listRepr(items: readonly unknown[]): string {
  return `[${items.map(repr).join(', ')}]`;
}

// ---- remembering which numeric attributes were Python floats ----

const FLOAT_ATTRS = Symbol('floatAttrs');
type WithFloats = { [FLOAT_ATTRS]?: Set<string> };

/** Unwraps a number or PyFloat; non-integers, PyFloats and `asFloat` values print as floats later (see fmt). */
export function num(owner: object, name: string, raw: unknown, asFloat = false): number {
  const value = raw instanceof PyFloat ? raw.value : (raw as number);
  const o = owner as WithFloats;
  const set = o[FLOAT_ATTRS] ?? (o[FLOAT_ATTRS] = new Set());
  if (asFloat || raw instanceof PyFloat) set.add(name);
  else set.delete(name);
  return value;
}

/** The attribute as PyTorch's `{name}` format prints it. */
export function fmt(owner: object, name: string): string {
  const v = (owner as Record<string, unknown>)[name];
  if (typeof v === 'number' && (owner as WithFloats)[FLOAT_ATTRS]?.has(name)) return floatRepr(v);
  return str(v);
}

export const unwrapFloat = (x: unknown): unknown => (x instanceof PyFloat ? x.value : x);
