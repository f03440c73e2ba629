// Shim operations on tensors and the torch / torch.nn.functional / torch.nn.init namespaces. Names are
// checked against what the engine exports; arguments follow PyTorch's signatures (positional values, then
// a kwargs object), so the engine binds them exactly as PyTorch would.
import { checkDType, DType, itemSize, NumArray, PyFloat } from '../../../engine/dtype';
import * as F from '../../../engine/functional';
import { nn, torch } from '../../../engine';
import { Parameter } from '../../../engine/nn';
import { IndexItem, Tensor } from '../../../engine/tensor';
import { EngineCallError } from '../bridge';
import { decode, decodeArgs, encode } from './codec';
import { handles } from './handles';

export type Op = (...args: unknown[]) => unknown;

/** Python-callable names: PyTorch spells them in snake_case (plus a few capitals such as Tensor.T). */
const PUBLIC_NAME = /^[a-z_][a-z0-9_]*$/;
const DENIED = new Set(['constructor', 'prototype', 'caller', 'arguments', 'call', 'apply', 'bind']);

export function isPublicName(name: unknown): name is string {
  return typeof name === 'string' && PUBLIC_NAME.test(name) && !name.startsWith('__') && !DENIED.has(name);
}

function namespaceFunctions(ns: object): string[] {
  return Object.keys(ns).filter((k) => isPublicName(k) && typeof (ns as Record<string, unknown>)[k] === 'function').sort();
}

const TENSOR_METHODS = (() => {
  const names = new Set<string>();
  for (let p: object | null = Parameter.prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p))
    for (const k of Object.getOwnPropertyNames(p)) {
      const d = Object.getOwnPropertyDescriptor(p, k);
      if (isPublicName(k) && d && typeof d.value === 'function') names.add(k);
    }
  for (const internal of ['index', 'strided']) names.delete(internal);
  return names;
})();

/** Tensor properties Python reads by name (the rest of the Python surface is computed in Python). */
const TENSOR_PROPERTIES = new Set(['T', 'mT', 'data', 'requires_grad', 'is_leaf', 'grad', 'shape', 'dtype', 'ndim']);

function callNamespace(ns: object, what: string, name: unknown, args: unknown, kwargs: unknown): unknown {
  const fn = isPublicName(name) ? (ns as Record<string, unknown>)[name] : undefined;
  if (typeof fn !== 'function' || !Object.prototype.hasOwnProperty.call(ns, name as string))
    throw new EngineCallError('AttributeError', `${what}.${String(name)} is not supported by Torch Explorer's engine`);
  const decoded = decodeArgs(args, kwargs);
  if (ns === torch && (name === 'max' || name === 'min')) {
    const adapted = extremeAlongDim(name, decoded[0], decoded.slice(1));
    if (adapted) return encode(adapted);
  }
  return encode((fn as Op)(...decoded));
}

/**
 * max/min along a dim as (values, indices). The engine tags its result array with `values`/`indices` by
 * assignment, which the engine process's frozen Array.prototype (its `values` method) rejects; this builds
 * the same result with defineProperty until the engine does.
 */
function extremeAlongDim(kind: 'max' | 'min', input: unknown, rest: unknown[]): unknown[] | undefined {
  if (!(input instanceof Tensor)) return undefined;
  const last = rest[rest.length - 1];
  const kw = last !== null && typeof last === 'object' && !Array.isArray(last) && !(last instanceof Tensor) ? (last as Record<string, unknown>) : {};
  const positional = kw === last ? rest.slice(0, -1) : rest;
  const dim = positional.length ? positional[0] : kw.dim;
  if (typeof dim !== 'number') return undefined;
  const keepdim = positional.length > 1 ? !!positional[1] : !!kw.keepdim;
  const values = kind === 'max' ? torch.amax(input, dim, { keepdim }) : torch.amin(input, dim, { keepdim });
  const indices = kind === 'max' ? torch.argmax(input, dim, { keepdim }) : torch.argmin(input, dim, { keepdim });
  const result = [values, indices];
  Object.defineProperty(result, 'values', { value: values });
  Object.defineProperty(result, 'indices', { value: indices });
  return result;
}

export function tensorOf(id: unknown): Tensor {
  const t = handles.get(id);
  if (!(t instanceof Tensor)) throw new EngineCallError('TypeError', `engine handle ${String(id)} is not a tensor`);
  return t;
}

/** `t.data = src` for any tensor (PyTorch allows it on plain tensors too): the same object, new storage. */
function rebind(t: Tensor, src: Tensor): void {
  if (t instanceof Parameter) {
    t.data = src;
    return;
  }
  const self = t as unknown as { storage: Tensor['storage']; shape: readonly number[]; strides: readonly number[]; offset: number };
  self.storage = src.storage;
  self.shape = src.shape;
  self.strides = src.strides;
  self.offset = src.offset;
}

const ARRAYS: Partial<Record<DType, new (buffer: ArrayBuffer, offset: number, length: number) => NumArray>> = {
  float32: Float32Array, float64: Float64Array, float16: Uint16Array, bfloat16: Uint16Array,
  int32: Int32Array, int16: Int16Array, int8: Int8Array, uint8: Uint8Array, bool: Uint8Array,
};

/** Little-endian bytes (Python bytes, a .npy payload) as a tensor; int64 becomes float64-held integers. */
export function tensorFromBytes(bytes: Uint8Array, dtypeName: unknown, shape: readonly number[]): Tensor {
  const dtype = checkDType(dtypeName);
  const numel = shape.reduce((a, b) => a * b, 1);
  if (bytes.byteLength !== numel * itemSize(dtype))
    throw new EngineCallError('ValueError', `${bytes.byteLength} bytes do not hold a ${dtype} tensor of shape [${shape.join(', ')}] (${numel * itemSize(dtype)} bytes)`);
  const copy = bytes.slice().buffer as ArrayBuffer;
  if (dtype === 'int64') {
    const big = new BigInt64Array(copy);
    const values = new Float64Array(numel);
    for (let i = 0; i < numel; i++) values[i] = Number(big[i]);
    return Tensor.fromArray(values, shape, dtype);
  }
  return Tensor.fromArray(new ARRAYS[dtype]!(copy, 0, numel), shape, dtype);
}

/**
 * The values in the storage representation, contiguous and starting at 0. (Tensor.rawArray() returns the
 * whole storage for a contiguous view that starts at an offset, so it is not used for views.)
 */
export function denseArray(t: Tensor): NumArray {
  const whole = t.is_contiguous() && t.offset === 0 && t.storage.length === t.numel();
  return whole ? t.storage.data : t.clone().storage.data;
}

/** Elements [offset, offset + count) as little-endian bytes, int64 as 64-bit integers (a fresh buffer). */
export function tensorBytes(t: Tensor, offset = 0, count = t.numel()): ArrayBuffer {
  const values = denseArray(t).subarray(offset, offset + count);
  if (t.dtype === 'int64') return BigInt64Array.from(values, (v) => BigInt(v)).buffer as ArrayBuffer;
  // A copy that is never a SharedArrayBuffer (parameters may live in the kernels' shared linear memory).
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice().buffer;
}

const unwrapScalar = (v: unknown): unknown => (v instanceof PyFloat ? v.value : v);

export const tensorOps: Record<string, Op> = {
  names(group: unknown): unknown {
    switch (group) {
      case 'torch': return namespaceFunctions(torch);
      case 'F': return namespaceFunctions(F);
      case 'init': return namespaceFunctions(nn.init);
      case 'tensor': return [...TENSOR_METHODS].sort();
      case 'nn': return Object.keys(nn).filter((k) => {
        const v = (nn as Record<string, unknown>)[k];
        return typeof v === 'function' && (v as { prototype?: unknown }).prototype instanceof nn.Module;
      }).sort();
      default: throw new EngineCallError('ValueError', `unknown name group ${String(group)}`);
    }
  },
  torch: (name, args, kwargs) => callNamespace(torch, 'torch', name, args, kwargs),
  F: (name, args, kwargs) => callNamespace(F, 'torch.nn.functional', name, args, kwargs),
  init: (name, args, kwargs) => callNamespace(nn.init, 'torch.nn.init', name, args, kwargs),

  /** A Tensor method: `x.sum(-1, keepdim=True)`. */
  tm(id, name, args, kwargs): unknown {
    const t = tensorOf(id);
    if (!isPublicName(name) || !TENSOR_METHODS.has(name))
      throw new EngineCallError('AttributeError', `'Tensor' object has no attribute '${String(name)}'`);
    const decoded = decodeArgs(args, kwargs);
    if (name === 'max' || name === 'min') {
      const adapted = extremeAlongDim(name, t, decoded);
      if (adapted) return encode(adapted);
    }
    return encode((t as unknown as Record<string, Op>)[name](...decoded));
  },
  tget(id, name): unknown {
    const t = tensorOf(id);
    if (typeof name !== 'string' || !TENSOR_PROPERTIES.has(name))
      throw new EngineCallError('AttributeError', `'Tensor' object has no attribute '${String(name)}'`);
    return encode((t as unknown as Record<string, unknown>)[name]);
  },
  tset(id, name, value): unknown {
    const t = tensorOf(id);
    const v = decode(value);
    if (name === 'requires_grad') t.requires_grad = !!v;
    else if (name === 'data') {
      if (!(v instanceof Tensor)) throw new EngineCallError('TypeError', `Tensor.data must be a Tensor, not ${typeof v}`);
      rebind(t, v);
    } else throw new EngineCallError('AttributeError', `cannot set Tensor.${String(name)}`);
    return encode(t);
  },
  info(id): unknown {
    const t = tensorOf(id);
    return [[...t.shape], t.dtype, t.requires_grad];
  },
  getitem(id, items): unknown {
    return encode(tensorOf(id).index(...((decode(items) as IndexItem[]))));
  },
  setitem(id, items, value): unknown {
    tensorOf(id).setIndex(decode(items) as IndexItem[], unwrapScalar(decode(value)) as Tensor | number | boolean);
    return null;
  },
  item: (id) => encode(tensorOf(id).item()),
  tolist: (id) => encode(tensorOf(id).tolist()),
  repr: (id) => String(handles.get(id)),
  frombytes(bytes, dtype, shape): unknown {
    if (!(bytes instanceof Uint8Array)) throw new EngineCallError('TypeError', 'frombuffer needs a bytes-like object');
    return encode(tensorFromBytes(bytes, dtype, (shape as number[] | null) ?? [bytes.byteLength / itemSize(checkDType(dtype))]));
  },
  /** The tensor's values as contiguous little-endian bytes (int64 as true 64-bit integers). */
  tobytes(id): unknown {
    return new Uint8Array(tensorBytes(tensorOf(id)));
  },
  parameter(data, requiresGrad): unknown {
    const d = decode(data);
    return encode(new Parameter(d === null ? undefined : d, !!requiresGrad));
  },
};
