// Values between the torch shim and the engine. Python encodes what plain conversion would lose into
// one-key marker objects, so every plain object that reaches here is a marker (Python dicts travel as
// {D: pairs} and become Maps; kwargs travel separately). Results go back the same way:
//   {t: id | [id, shape, dtype, isParameter]}  tensor      {m: id | [id, engine class]}  module
//   {f: x}  a Python float that JS would print as an int   {s: [start, stop, step]}  slice   {e: 0}  Ellipsis
//   {D: [[k, v], ...]}  dict   {fn: name}  an engine F function   {c: token}  a Python callable
//   {o: token}  another Python object, opaque to the engine   {x: [id, class]}  another engine object
//   {nt: [name, fields, values]}  named tuple   {meth: name}  a method of the object asked about
import { PyFloat } from '../../../engine/dtype';
import * as F from '../../../engine/functional';
import { Module } from '../../../engine/nn';
import { IncompatibleKeys, StateDict } from '../../../engine/nn/state-dict';
import { Slice, Tensor } from '../../../engine/tensor';
import { EngineCallError } from '../bridge';
import { handles } from './handles';

type Marker = Record<string, unknown>;

/** A Python object the engine passes along without looking inside (a dataclass returned by forward). */
export class PyOpaque {
  constructor(readonly token: number) {}
}

/** How a Python callable becomes a JS function (set by python-link.ts, which owns the callback path). */
let callableFactory: (token: number) => (...args: unknown[]) => unknown = () => {
  throw new EngineCallError('RuntimeError', 'Python callbacks are not connected');
};
export function setCallableFactory(factory: typeof callableFactory): void {
  callableFactory = factory;
}

const NONFINITE: Record<string, number> = { nan: NaN, inf: Infinity, '-inf': -Infinity, '-0.0': -0 };

function engineFunction(name: unknown): unknown {
  const fn = typeof name === 'string' && Object.prototype.hasOwnProperty.call(F, name) ? (F as Record<string, unknown>)[name] : undefined;
  if (typeof fn !== 'function') throw new EngineCallError('TypeError', `torch.nn.functional.${String(name)} is not an engine function`);
  return fn;
}

function decodeMarker(v: Marker): unknown {
  if ('t' in v || 'm' in v || 'x' in v) return handles.get(v.t ?? v.m ?? v.x);
  if ('f' in v) return new PyFloat(typeof v.f === 'string' ? NONFINITE[v.f] : (v.f as number));
  if ('s' in v) {
    const [start, stop, step] = (v.s as unknown[]).map((x) => (x === undefined || x === null ? null : Number(decode(x))));
    return new Slice(start, stop, step);
  }
  if ('e' in v) return '...';
  if ('D' in v) return new Map((v.D as [unknown, unknown][]).map(([k, x]) => [decode(k), decode(x)]));
  if ('sd' in v) {
    const [pairs, meta] = v.sd as [[unknown, unknown][], [string, unknown][] | null];
    const sd = new StateDict((pairs ?? []).map(([k, x]) => [String(k), decode(x) as Tensor]));
    if (meta) sd._metadata = new Map(meta.map(([k, m]) => [k, Object.fromEntries(decode(m) as Map<string, unknown>)]));
    return sd;
  }
  if ('fn' in v) return engineFunction(v.fn);
  if ('c' in v) return callableFactory(v.c as number);
  if ('o' in v) return new PyOpaque(v.o as number);
  throw new EngineCallError('TypeError', `cannot pass ${JSON.stringify(Object.keys(v))} to the engine`);
}

/** A value from Python (after toJs or JSON.parse) as the engine takes it. */
export function decode(v: unknown): unknown {
  switch (typeof v) {
    case 'number': case 'string': case 'boolean': return v;
    case 'undefined': return null;
    case 'bigint': return Number(v);
    case 'object':
      if (v === null) return null;
      if (Array.isArray(v)) return v.map(decode);
      if (ArrayBuffer.isView(v)) return v;
      return decodeMarker(v as Marker);
    default:
      throw new EngineCallError('TypeError', `cannot pass a ${typeof v} to the engine`);
  }
}

export function decodeArgs(args: unknown, kwargs: unknown): unknown[] {
  const positional = Array.isArray(args) ? args.map(decode) : [];
  if (kwargs && typeof kwargs === 'object' && !Array.isArray(kwargs)) {
    const entries = Object.entries(kwargs as Record<string, unknown>);
    if (entries.length) positional.push(Object.fromEntries(entries.map(([k, x]) => [k, decode(x)])));
  }
  return positional;
}

function encodeNumber(x: number): unknown {
  if (Object.is(x, -0)) return { f: '-0.0' }; // toPy and JSON would both drop the sign
  return Number.isFinite(x) ? x : { f: Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf' };
}

export function encodeTensor(t: Tensor): Marker {
  return { t: [handles.idOf(t), [...t.shape], t.dtype, t.constructor === Tensor ? 0 : 1] };
}

export function encodeModule(m: Module): Marker {
  return { m: [handles.idOf(m), Object.getPrototypeOf(m).constructor.name] };
}

/**
 * An engine value as Python values and markers (for toPy or JSON.stringify). None is `undefined`: toPy turns
 * JS null into pyodide's JsNull, undefined into None (JSON.stringify writes null for undefined in arrays).
 */
export function encode(v: unknown): unknown {
  switch (typeof v) {
    case 'number': return encodeNumber(v);
    case 'string': case 'boolean': return v;
    case 'undefined': return undefined;
    case 'function': return { x: [handles.idOf(v), 'function'] };
    case 'object': break;
    default: return undefined;
  }
  if (v === null) return undefined;
  if (v instanceof Tensor) return encodeTensor(v);
  if (v instanceof Module) return encodeModule(v);
  if (v instanceof PyFloat) return { f: Number.isFinite(v.value) ? v.value : (encodeNumber(v.value) as Marker).f };
  if (v instanceof PyOpaque) return { o: v.token };
  if (Array.isArray(v)) {
    const items = v.map(encode);
    const named = v as unknown as { values?: unknown; indices?: unknown };
    if (items.length === 2 && named.values instanceof Tensor && named.indices instanceof Tensor)
      return { nt: ['return_types', ['values', 'indices'], items] };
    return items;
  }
  if (v instanceof StateDict) {
    const meta = v._metadata ? [...v._metadata].map(([k, m]) => [k, encode(m)]) : undefined;
    return { sd: [[...v].map(([k, t]) => [k, encode(t)]), meta] };
  }
  if (v instanceof IncompatibleKeys) return { nt: ['_IncompatibleKeys', ['missing_keys', 'unexpected_keys'], [v.missing_keys, v.unexpected_keys]] };
  if (v instanceof Map) return { D: [...v].map(([k, x]) => [encode(k), encode(x)]) };
  if (v instanceof Set) return [...v].map(encode);
  if (v instanceof Slice) return { s: [v.start, v.stop, v.step].map((x) => x ?? undefined) };
  if (ArrayBuffer.isView(v)) return v;
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null)
    return { D: Object.entries(v as object).map(([k, x]) => [k, encode(x)]) };
  if (typeof (v as Iterable<unknown>)[Symbol.iterator] === 'function' && typeof (v as Iterator<unknown>).next === 'function')
    return [...(v as Iterable<unknown>)].map(encode); // generators (named_modules, ...) arrive as lists
  return { x: [handles.idOf(v as object), proto?.constructor?.name ?? 'object'] };
}
