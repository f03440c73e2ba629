// The Tensor: a strided view over a Storage. Views (view, permute, narrow, basic indexing, ...) share
// the storage exactly where PyTorch's do; everything that computes goes through ops and kernels.
// The methods here are about layout and conversion; the computing ones come from ./ops/methods.
import { sizeArgs } from './args';
import {
  allocArray, checkDType, computeDType, DType, isFloating, itemSize, NumArray, readScalar,
} from './dtype';
import type { Encoding, Strided } from './kernels/types';
import { kernels } from './kernels/types';
import {
  contiguousStrides, IndexError, inferShape, isContiguous, normalizeDim, numel, Shape, shapeStr, viewStrides,
} from './shape';
import { Storage } from './storage';
import { ValueError } from './ops/errors';
import * as elementwise from './ops/elementwise';
import * as indexing from './ops/indexing';
import { installTensorMethods } from './ops/methods';
import { formatTensor } from './print';

export type Scalar = number | boolean;
export type TensorLike = Tensor | Scalar;
export type IndexItem = number | null | '...' | Slice | Tensor | number[] | boolean;

/** Python's slice(start, stop, step); null means "not given". */
export class Slice {
  constructor(readonly start: number | null = null, readonly stop: number | null = null, readonly step: number | null = null) {}
}
export const slice = (start: number | null = null, stop: number | null = null, step: number | null = null): Slice =>
  new Slice(start, stop, step);

export function encodingOf(dtype: DType): Encoding {
  switch (dtype) {
    case 'float16': return 'f16';
    case 'bfloat16': return 'bf16';
    case 'bool': return 'bool';
    case 'int64': return 'int';
    default: return 'plain';
  }
}

export class Tensor {
  requires_grad = false;

  constructor(
    readonly storage: Storage,
    readonly shape: readonly number[],
    readonly strides: readonly number[],
    readonly offset: number,
  ) {}

  // ---- construction ----

  static empty(shape: Shape, dtype: DType = 'float32'): Tensor {
    const n = numel(shape);
    return new Tensor(Storage.zeros(dtype, n), [...shape], contiguousStrides(shape), 0);
  }
  /** Wraps an array already in the storage representation of dtype (contiguous). */
  static fromArray(array: NumArray, shape: Shape, dtype: DType): Tensor {
    if (array.length !== numel(shape)) throw new Error(`array of ${array.length} elements does not fill shape ${shapeStr(shape)}`);
    return new Tensor(Storage.fromArray(dtype, array), [...shape], contiguousStrides(shape), 0);
  }
  /** A tensor whose values are computed on first read. */
  static lazy(shape: Shape, dtype: DType, fill: (out: NumArray) => void): Tensor {
    return new Tensor(Storage.lazy(dtype, numel(shape), fill), [...shape], contiguousStrides(shape), 0);
  }

  get dtype(): DType { return this.storage.dtype; }
  get device(): string { return 'cpu'; }
  get ndim(): number { return this.shape.length; }
  get is_leaf(): boolean { return true; }
  get grad(): null { return null; }
  get T(): Tensor { return this.permute(...[...this.shape.keys()].reverse()); }
  get mT(): Tensor { return this.transpose(-2, -1); }
  get data(): Tensor { return this.detach(); }

  dim(): number { return this.shape.length; }
  numel(): number { return numel(this.shape); }
  nelement(): number { return this.numel(); }
  size(dim?: number): any {
    return dim === undefined ? [...this.shape] : this.shape[normalizeDim(dim, this.ndim)];
  }
  stride(dim?: number): any {
    return dim === undefined ? [...this.strides] : this.strides[normalizeDim(dim, this.ndim)];
  }
  storage_offset(): number { return this.offset; }
  element_size(): number { return itemSize(this.dtype); }
  is_contiguous(): boolean { return isContiguous(this.shape, this.strides); }
  is_floating_point(): boolean { return isFloating(this.dtype); }
  is_complex(): boolean { return false; }
  /** True when both read the same storage (PyTorch: untyped_storage().data_ptr() equal); view(dtype) shares the buffer. */
  sharesStorage(other: Tensor): boolean {
    if (this.storage === other.storage) return true;
    if (!this.storage.isMaterialized || !other.storage.isMaterialized) return false;
    // Same buffer and overlapping bytes: storages in the kernels' linear memory all share one buffer.
    const a = this.storage.values, b = other.storage.values;
    return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
  }

  /** Kernel view of this tensor's elements, to read or write (materialises pending values). */
  strided(): Strided { return { data: this.storage.data, offset: this.offset, strides: this.strides }; }
  /** Kernel view of this tensor's elements for reading only (deferred readers keep reading it in place). */
  readStrided(): Strided { return { data: this.storage.values, offset: this.offset, strides: this.strides }; }

  /** The values as a fresh contiguous array in the compute representation (float16/bfloat16 decoded to float32). */
  toArray(): NumArray {
    const cd = computeDType(this.dtype);
    const out = allocArray(cd, this.numel());
    kernels().copy(this.shape, this.readStrided(), encodingOf(this.dtype), { data: out, offset: 0, strides: contiguousStrides(this.shape) }, encodingOf(cd));
    return out;
  }
  /** The values in the storage representation, contiguous (a copy unless already contiguous and whole). */
  rawArray(): NumArray {
    if (this.is_contiguous() && this.offset === 0 && this.storage.length === this.numel()) return this.storage.data;
    return this.clone().storage.data;
  }

  item(): number | boolean {
    if (this.numel() !== 1)
      throw new Error(`a Tensor with ${this.numel()} elements cannot be converted to Scalar`);
    const v = readScalar(this.storage.values[this.offset], this.dtype);
    return this.dtype === 'bool' ? v !== 0 : v;
  }
  /** Nested arrays like Tensor.tolist(). */
  tolist(): any {
    const flat = Array.from(this.toArray(), (v) => (this.dtype === 'bool' ? v !== 0 : v));
    const build = (d: number, start: number): any => {
      if (d === this.ndim) return flat[start];
      const step = numel(this.shape.slice(d + 1));
      return Array.from({ length: this.shape[d] }, (_, i) => build(d + 1, start + i * step));
    };
    return build(0, 0);
  }

  toString(): string { return formatTensor(this); }

  // ---- views (share storage) ----

  private viewAs(shape: readonly number[], strides: readonly number[], offset = this.offset): Tensor {
    return new Tensor(this.storage, shape, strides, offset);
  }

  view(...shape: (number | readonly number[] | DType)[]): Tensor {
    if (shape.length === 1 && typeof shape[0] === 'string') return this.viewDtype(checkDType(shape[0]));
    const target = inferShape(sizeArgs(shape), this.numel());
    const strides = viewStrides(this.shape, this.strides, target);
    if (strides === null)
      throw new Error('view size is not compatible with input tensor\'s size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.');
    return this.viewAs(target, strides);
  }
  /** view(dtype): the same bytes read as another dtype of the same size, sharing the storage's buffer. */
  private viewDtype(dtype: DType): Tensor {
    if (dtype === this.dtype) return this;
    const from = this.storage.data;
    const to = bitcastArray(from, dtype);
    if (to === null || itemSize(dtype) !== itemSize(this.dtype))
      throw new Error(`view(dtype) from ${this.dtype} to ${dtype} is not supported: the engine stores ${this.dtype} and ${dtype} in different representations`);
    // The new storage keeps this one alive: a block of the kernels' linear memory is freed with the array that owns it.
    return new Tensor(Storage.fromArray(dtype, to, this.storage), this.shape, this.strides, this.offset);
  }
  view_as(other: Tensor): Tensor { return this.view(other.size()); }
  reshape(...shape: (number | readonly number[])[]): Tensor {
    const target = inferShape(sizeArgs(shape), this.numel());
    const strides = viewStrides(this.shape, this.strides, target);
    return strides === null ? this.contiguous().view(target) : this.viewAs(target, strides);
  }
  reshape_as(other: Tensor): Tensor { return this.reshape(other.size()); }

  permute(...dims: (number | readonly number[])[]): Tensor {
    const d = sizeArgs(dims, 'dims').map((x) => normalizeDim(x, this.ndim));
    if (d.length !== this.ndim)
      throw new Error(`permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = ${this.ndim} is not equal to len(dims) = ${d.length}`);
    if (new Set(d).size !== d.length) throw new Error('permute(): duplicate dims are not allowed.');
    return this.viewAs(d.map((i) => this.shape[i]), d.map((i) => this.strides[i]));
  }
  transpose(dim0: number, dim1: number): Tensor {
    if (this.ndim === 0) return this;
    const a = normalizeDim(dim0, this.ndim), b = normalizeDim(dim1, this.ndim);
    const shape = [...this.shape], strides = [...this.strides];
    [shape[a], shape[b]] = [shape[b], shape[a]];
    [strides[a], strides[b]] = [strides[b], strides[a]];
    return this.viewAs(shape, strides);
  }
  swapaxes(a: number, b: number): Tensor { return this.transpose(a, b); }
  t(): Tensor {
    if (this.ndim > 2) throw new Error(`t() expects a tensor with <= 2 dimensions, but self is ${this.ndim}D`);
    return this.ndim < 2 ? this : this.transpose(0, 1);
  }
  expand(...sizes: (number | readonly number[])[]): Tensor {
    const target = sizeArgs(sizes);
    if (target.length < this.ndim)
      throw new Error(`expand(torch.FloatTensor{[${this.shape.join(', ')}]}, size=[${target.join(', ')}]): the number of sizes provided (${target.length}) must be greater or equal to the number of dimensions in the tensor (${this.ndim})`);
    const off = target.length - this.ndim;
    const shape: number[] = [], strides: number[] = [];
    for (let i = 0; i < target.length; i++) {
      const src = i - off;
      const have = src >= 0 ? this.shape[src] : 1;
      const want = target[i] === -1 ? have : target[i];
      if (src < 0 && target[i] === -1) throw new Error(`The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension ${i}`);
      if (have !== want && have !== 1)
        throw new Error(`The expanded size of the tensor (${want}) must match the existing size (${have}) at non-singleton dimension ${i}.  Target sizes: [${target.join(', ')}].  Tensor sizes: [${this.shape.join(', ')}]`);
      shape.push(want);
      strides.push(src < 0 || (have === 1 && want !== 1) ? 0 : this.strides[src]);
    }
    return this.viewAs(shape, strides);
  }
  expand_as(other: Tensor): Tensor { return this.expand(other.size()); }
  unsqueeze(dim: number): Tensor {
    const d = normalizeDim(dim, this.ndim + 1);
    const shape = [...this.shape], strides = [...this.strides];
    const stride = d < this.ndim ? this.shape[d] * this.strides[d] : 1;
    shape.splice(d, 0, 1);
    strides.splice(d, 0, stride);
    return this.viewAs(shape, strides);
  }
  squeeze(dim?: number | number[]): Tensor {
    const dims = dim === undefined || dim === null ? null : (Array.isArray(dim) ? dim : [dim]).map((x) => normalizeDim(x, this.ndim));
    const keep = (i: number) => this.shape[i] !== 1 || (dims !== null && !dims.includes(i));
    const idx = [...this.shape.keys()].filter(keep);
    return this.viewAs(idx.map((i) => this.shape[i]), idx.map((i) => this.strides[i]));
  }
  flatten(start_dim = 0, end_dim = -1): Tensor {
    if (this.ndim === 0) return this.reshape([1]);
    const s = normalizeDim(start_dim, this.ndim), e = normalizeDim(end_dim, this.ndim);
    if (s > e) throw new Error('flatten() has invalid args: start_dim cannot come after end_dim');
    if (s === e) return this;
    const shape = [...this.shape.slice(0, s), numel(this.shape.slice(s, e + 1)), ...this.shape.slice(e + 1)];
    return this.reshape(shape);
  }
  unflatten(dim: number, sizes: number[]): Tensor {
    const d = normalizeDim(dim, this.ndim);
    const inner = inferShape(sizes, this.shape[d]);
    return this.view([...this.shape.slice(0, d), ...inner, ...this.shape.slice(d + 1)]);
  }
  narrow(dim: number, start: number, length: number): Tensor {
    const d = normalizeDim(dim, this.ndim);
    const size = this.shape[d];
    const s = start < 0 ? start + size : start;
    if (s < 0 || s > size) throw new IndexError(`start out of range (expected to be in range of [${-size}, ${size}], but got ${start})`);
    if (length < 0 || s + length > size) throw new Error(`start (${s}) + length (${length}) exceeds dimension size (${size}).`);
    const shape = [...this.shape];
    shape[d] = length;
    return this.viewAs(shape, this.strides, this.offset + s * this.strides[d]);
  }
  select(dim: number, index: number): Tensor {
    if (this.ndim === 0) throw new IndexError('select() cannot be applied to a 0-dim tensor.');
    const d = normalizeDim(dim, this.ndim);
    const size = this.shape[d];
    if (index < -size || index >= size)
      throw new IndexError(`index ${index} is out of bounds for dimension ${d} with size ${size}`);
    const i = index < 0 ? index + size : index;
    const shape = [...this.shape], strides = [...this.strides];
    shape.splice(d, 1);
    strides.splice(d, 1);
    return this.viewAs(shape, strides, this.offset + i * this.strides[d]);
  }
  /** A view over [start, stop) with step along dim (Python slice semantics, clamped). */
  sliceDim(dim: number, start: number | null, stop: number | null, step: number | null): Tensor {
    const d = normalizeDim(dim, this.ndim);
    const size = this.shape[d];
    const st = step ?? 1;
    if (st === 0) throw new ValueError('slice step cannot be zero');
    if (st < 0) throw new ValueError('step must be greater than zero');
    const clamp = (v: number | null, dflt: number) => {
      if (v === null) return dflt;
      const x = v < 0 ? v + size : v;
      return Math.min(Math.max(x, 0), size);
    };
    const a = clamp(start, 0), b = Math.max(clamp(stop, size), a);
    const shape = [...this.shape], strides = [...this.strides];
    shape[d] = Math.ceil((b - a) / st);
    strides[d] = this.strides[d] * st;
    return this.viewAs(shape, strides, this.offset + (shape[d] > 0 ? a * this.strides[d] : 0));
  }
  unfold(dimension: number, size: number, step: number): Tensor {
    const d = normalizeDim(dimension, this.ndim);
    const n = Math.floor((this.shape[d] - size) / step) + 1;
    const shape = [...this.shape, size], strides = [...this.strides, this.strides[d]];
    shape[d] = n;
    strides[d] = this.strides[d] * step;
    return this.viewAs(shape, strides);
  }
  detach(): Tensor { return this.viewAs(this.shape, this.strides); }

  /** x[...] : basic indexing gives a view, tensor/list/bool indices a copy (PyTorch semantics). */
  index(...items: IndexItem[]): Tensor { return indexing.getItem(this, items); }
  /** x[...] = value */
  setIndex(items: IndexItem[], value: TensorLike): this {
    indexing.setItem(this, items, value);
    return this;
  }

  // ---- copies and conversion ----

  contiguous(): Tensor { return this.is_contiguous() ? this : this.clone(); }
  clone(): Tensor {
    const out = Tensor.empty(this.shape, this.dtype);
    out.copy_(this);
    return out;
  }
  /** Copies src (broadcast to this shape, cast to this dtype) into this tensor's elements. */
  copy_(src: TensorLike): this {
    const s = src instanceof Tensor ? src : elementwise.scalarTensor(src, this.dtype);
    const b = s.expand(this.shape);
    kernels().copy(this.shape, b.readStrided(), encodingOf(s.dtype), this.strided(), encodingOf(this.dtype));
    return this;
  }
  to(...args: unknown[]): Tensor {
    for (const a of args) {
      const d = a instanceof Tensor ? a.dtype : typeof a === 'object' && a !== null && 'dtype' in a ? (a as { dtype: unknown }).dtype : a;
      if (typeof d === 'string' && d !== 'cpu' && !d.startsWith('cuda') && d !== 'mps' && d !== 'meta') return this.type(checkDType(d));
    }
    return this;
  }
  type(dtype: DType): Tensor {
    if (dtype === this.dtype) return this;
    const out = Tensor.empty(this.shape, dtype);
    return out.copy_(this);
  }
  float(): Tensor { return this.type('float32'); }
  double(): Tensor { return this.type('float64'); }
  half(): Tensor { return this.type('float16'); }
  bfloat16(): Tensor { return this.type('bfloat16'); }
  long(): Tensor { return this.type('int64'); }
  int(): Tensor { return this.type('int32'); }
  short(): Tensor { return this.type('int16'); }
  char(): Tensor { return this.type('int8'); }
  byte(): Tensor { return this.type('uint8'); }
  bool(): Tensor { return this.type('bool'); }
  cpu(): Tensor { return this; }
  cuda(): Tensor { return this; }
  numpy(): Tensor { return this; }
  requires_grad_(flag = true): this { this.requires_grad = flag; return this; }

  /** Overwrites every element from a fill over a contiguous array; stays lazy when this is a whole, untouched storage. */
  fillWith(fill: (out: NumArray) => void): this {
    if (this.offset === 0 && this.is_contiguous() && this.storage.length === this.numel()) {
      this.storage.overwrite(fill);
      return this;
    }
    const tmp = Tensor.lazy(this.shape, this.dtype, fill);
    return this.copy_(tmp);
  }
  fill_(value: Scalar): this { return this.copy_(value); }
  zero_(): this { return this.copy_(0); }
}

/**
 * The same bytes as an array of dtype's storage type, or null where the representations differ
 * (int64 is held as float64 numbers, so it has no bit-level view).
 */
function bitcastArray(a: NumArray, dtype: DType): NumArray | null {
  if (dtype === 'int64' || a instanceof Float64Array) return null;
  const { buffer, byteOffset, byteLength } = a;
  const n = byteLength / itemSize(dtype);
  switch (dtype) {
    case 'float32': return new Float32Array(buffer, byteOffset, n);
    case 'float64': return null;
    case 'float16': case 'bfloat16': return new Uint16Array(buffer, byteOffset, n);
    case 'int32': return new Int32Array(buffer, byteOffset, n);
    case 'int16': return new Int16Array(buffer, byteOffset, n);
    case 'int8': return new Int8Array(buffer, byteOffset, n);
    case 'uint8': case 'bool': return new Uint8Array(buffer, byteOffset, n);
  }
}

export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}

// Arithmetic, reductions and the other computing methods (ops/methods.ts).
installTensorMethods(Tensor);
