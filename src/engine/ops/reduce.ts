// Reductions: dims and dtypes here; the loops in kernels.reduce/argReduce/variance.
import { signature } from '../args';
import { allocArray, checkDType, PyFloat, computeDType, DType, isFloating, isIntegral } from '../dtype';
import type { ReduceOp } from '../kernels/types';
import { kernels } from '../kernels/types';
import { IndexError as IndexErrorLike, normalizeDim, numel } from '../shape';
import { Tensor } from '../tensor';
import { dtypeTitle, fromCompute } from './elementwise';

const num = (x: unknown): number => (x instanceof PyFloat ? x.value : (x as number));

/** The reduced dims, sorted and de-duplicated; null/undefined/[] mean all dims. */
function reducedDims(x: Tensor, dim: unknown): number[] {
  if (dim === null || dim === undefined) return [...x.shape.keys()];
  const list = Array.isArray(dim) ? dim : [dim];
  if (list.length === 0) return [...x.shape.keys()];
  const dims = list.map((d) => normalizeDim(d as number, x.ndim));
  if (new Set(dims).size !== dims.length) throw new Error(`dim ${dims.find((d, i) => dims.indexOf(d) !== i)} appears multiple times in the list of dims`);
  return dims.sort((a, b) => a - b);
}

/** Lays x out as contiguous [outer, size, inner] with the reduced dims in the middle. */
function layout(x: Tensor, dims: number[]): { data: ReturnType<Tensor['toArray']>; outer: number; size: number; inner: number; keptShape: number[]; keepdimShape: number[] } {
  const kept = [...x.shape.keys()].filter((d) => !dims.includes(d));
  const keptShape = kept.map((d) => x.shape[d]);
  const keepdimShape = x.shape.map((s, d) => (dims.includes(d) ? 1 : s));
  const size = numel(dims.map((d) => x.shape[d]));
  const contiguousRun = dims.every((d, i) => i === 0 || d === dims[i - 1] + 1);
  if (contiguousRun && x.is_contiguous() && dims.length > 0) {
    const outer = numel(x.shape.slice(0, dims[0]));
    const inner = numel(x.shape.slice(dims[dims.length - 1] + 1));
    return { data: x.toArray(), outer, size, inner, keptShape, keepdimShape };
  }
  const perm = [...kept, ...dims];
  return { data: x.permute(perm).toArray(), outer: numel(keptShape), size, inner: 1, keptShape, keepdimShape };
}

function reduceWith(op: ReduceOp, x: Tensor, dim: unknown, keepdim: boolean, outDType: DType): Tensor {
  const dims = x.ndim === 0 ? [] : reducedDims(x, dim);
  const l = x.ndim === 0 ? { data: x.toArray(), outer: 1, size: 1, inner: 1, keptShape: [], keepdimShape: [] } : layout(x, dims);
  const out = allocArray(computeDType(outDType), l.outer * l.inner);
  kernels().reduce(op, l.data, l.outer, l.size, l.inner, out);
  return fromCompute(out, keepdim ? l.keepdimShape : l.keptShape, outDType);
}

const sumSig = signature('sum(input, dim=None, keepdim=False, *, dtype=None)');
export function sum(x: Tensor, ...args: unknown[]): Tensor {
  const a = sumSig.bind([x, ...args]);
  const dtype = a.dtype ? checkDType(a.dtype) : isIntegral(x.dtype, true) ? 'int64' : x.dtype;
  return reduceWith('sum', a.dtype ? x.type(dtype) : x, a.dim, a.keepdim, dtype);
}
const nansumSig = signature('nansum(input, dim=None, keepdim=False, *, dtype=None)');
export function nansum(x: Tensor, ...args: unknown[]): Tensor {
  const a = nansumSig.bind([x, ...args]);
  return reduceWith('nansum', x, a.dim, a.keepdim, a.dtype ? checkDType(a.dtype) : isIntegral(x.dtype, true) ? 'int64' : x.dtype);
}
const prodSig = signature('prod(input, dim=None, keepdim=False, *, dtype=None)');
export function prod(x: Tensor, ...args: unknown[]): Tensor {
  const a = prodSig.bind([x, ...args]);
  return reduceWith('prod', x, a.dim, a.keepdim, a.dtype ? checkDType(a.dtype) : isIntegral(x.dtype, true) ? 'int64' : x.dtype);
}
const meanSig = signature('mean(input, dim=None, keepdim=False, *, dtype=None)');
export function mean(x: Tensor, ...args: unknown[]): Tensor {
  const a = meanSig.bind([x, ...args]);
  const dtype = a.dtype ? checkDType(a.dtype) : x.dtype;
  if (!isFloating(dtype))
    throw new Error(`mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ${dtypeTitle(dtype)}`);
  return reduceWith('mean', x, a.dim, a.keepdim, dtype);
}
const lseSig = signature('logsumexp(input, dim, keepdim=False)');
export function logsumexp(x: Tensor, ...args: unknown[]): Tensor {
  const a = lseSig.bind([x, ...args]);
  return reduceWith('logsumexp', x, a.dim, a.keepdim, isFloating(x.dtype) ? x.dtype : 'float32');
}
const anySig = signature('any(input, dim=None, keepdim=False)');
export function any(x: Tensor, ...args: unknown[]): Tensor {
  const a = anySig.bind([x, ...args]);
  return reduceWith('any', x, a.dim, a.keepdim, x.dtype === 'uint8' ? 'uint8' : 'bool');
}
export function all(x: Tensor, ...args: unknown[]): Tensor {
  const a = anySig.bind([x, ...args]);
  return reduceWith('all', x, a.dim, a.keepdim, x.dtype === 'uint8' ? 'uint8' : 'bool');
}
const amaxSig = signature('amax(input, dim=(), keepdim=False)');
export function amax(x: Tensor, ...args: unknown[]): Tensor {
  const a = amaxSig.bind([x, ...args]);
  return reduceWith('amax', x, a.dim, a.keepdim, x.dtype);
}
export function amin(x: Tensor, ...args: unknown[]): Tensor {
  const a = amaxSig.bind([x, ...args]);
  return reduceWith('amin', x, a.dim, a.keepdim, x.dtype);
}
const cntSig = signature('count_nonzero(input, dim=None)');
export function count_nonzero(x: Tensor, ...args: unknown[]): Tensor {
  const a = cntSig.bind([x, ...args]);
  return sum(x.ne(0), a.dim);
}

/** (values, indices), indexable like PyTorch's named tuple. */
export type ValuesIndices = [Tensor, Tensor] & { values: Tensor; indices: Tensor };
function valuesIndices(values: Tensor, indices: Tensor): ValuesIndices {
  // defineProperty, not assignment: in the engine process Array.prototype is frozen, and assigning an own
  // `values` would hit the read-only inherited Array.prototype.values.
  const pair = [values, indices] as [Tensor, Tensor];
  Object.defineProperty(pair, 'values', { value: values, enumerable: false });
  Object.defineProperty(pair, 'indices', { value: indices, enumerable: false });
  return pair as ValuesIndices;
}

function argLayout(x: Tensor, dim: number | null, keepdim: boolean) {
  if (dim === null) return { data: x.toArray(), outer: 1, size: x.numel(), inner: 1, shape: keepdim ? x.shape.map(() => 1) : [] };
  const d = normalizeDim(dim, x.ndim);
  const c = x.contiguous();
  const shape = keepdim ? x.shape.map((s, i) => (i === d ? 1 : s)) : x.shape.filter((_, i) => i !== d);
  return { data: c.toArray(), outer: numel(x.shape.slice(0, d)), size: x.ndim ? x.shape[d] : 1, inner: numel(x.shape.slice(d + 1)), shape };
}

function extreme(kind: 'max' | 'min', x: Tensor, args: unknown[]): Tensor | ValuesIndices {
  const sig = signature(`${kind}(input, dim=None, keepdim=False)`);
  const a = sig.bind([x, ...args]);
  if (a.dim instanceof Tensor) return kind === 'max' ? x.maximum(a.dim) : x.minimum(a.dim);
  if (a.dim === null) {
    if (x.numel() === 0)
      throw new Error(`${kind}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.`);
    return reduceWith(kind, x, null, false, x.dtype);
  }
  const d = normalizeDim(a.dim, x.ndim);
  if (x.ndim && x.shape[d] === 0)
    throw new IndexErrorLike(`${kind}(): Expected reduction dim ${d} to have non-zero size.`);
  const l = argLayout(x, a.dim, a.keepdim);
  const values = allocArray(computeDType(x.dtype), l.outer * l.inner);
  const indices = allocArray('int64', l.outer * l.inner);
  kernels().argReduce(kind === 'max' ? 'argmax' : 'argmin', l.data, l.outer, l.size, l.inner, values, indices);
  return valuesIndices(fromCompute(values, l.shape, x.dtype), Tensor.fromArray(indices, l.shape, 'int64'));
}

export const max = (x: Tensor, ...args: unknown[]) => extreme('max', x, args);
export const min = (x: Tensor, ...args: unknown[]) => extreme('min', x, args);

function argExtreme(kind: 'argmax' | 'argmin', x: Tensor, args: unknown[]): Tensor {
  const a = signature(`${kind}(input, dim=None, keepdim=False)`).bind([x, ...args]);
  if (x.numel() === 0) throw new IndexErrorLike(`${kind}(): Expected reduction dim to be specified for input.numel() == 0.`);
  const l = argLayout(x, a.dim, a.keepdim);
  const indices = allocArray('int64', l.outer * l.inner);
  kernels().argReduce(kind, l.data, l.outer, l.size, l.inner, null, indices);
  return Tensor.fromArray(indices, l.shape, 'int64');
}
export const argmax = (x: Tensor, ...args: unknown[]) => argExtreme('argmax', x, args);
export const argmin = (x: Tensor, ...args: unknown[]) => argExtreme('argmin', x, args);

/** Variance (or std) and the mean over dims in one kernel pass: [var, mean]. */
function varianceAndMean(x: Tensor, args: unknown[], sqrt: boolean, name: string): [Tensor, Tensor] {
  const a = signature(`${name}(input, dim=None, unbiased=None, keepdim=False, *, correction=None)`).bind([x, ...args]);
  if (typeof a.dim === 'boolean') { a.unbiased = a.dim; a.dim = null; }
  const correction = num(a.correction ?? (a.unbiased === false ? 0 : 1));
  if (!isFloating(x.dtype)) throw new Error(`std and var only support floating point and complex dtypes`);
  const dims = x.ndim === 0 ? [] : reducedDims(x, a.dim);
  const l = x.ndim === 0 ? { data: x.toArray(), outer: 1, size: 1, inner: 1, keptShape: [], keepdimShape: [] } : layout(x, dims);
  const out = allocArray(computeDType(x.dtype), l.outer * l.inner);
  const meanOut = allocArray(computeDType(x.dtype), l.outer * l.inner);
  kernels().variance(l.data, l.outer, l.size, l.inner, correction, out, meanOut);
  const shape = a.keepdim ? l.keepdimShape : l.keptShape;
  const v = fromCompute(out, shape, x.dtype);
  return [sqrt ? v.sqrt() : v, fromCompute(meanOut, shape, x.dtype)];
}
export const var_ = (x: Tensor, ...args: unknown[]) => varianceAndMean(x, args, false, 'var')[0];
export const std = (x: Tensor, ...args: unknown[]) => varianceAndMean(x, args, true, 'std')[0];
/** torch.var_mean: (var, mean). */
export const var_mean = (x: Tensor, ...args: unknown[]) => varianceAndMean(x, args, false, 'var_mean');
export const std_mean = (x: Tensor, ...args: unknown[]) => varianceAndMean(x, args, true, 'std_mean');

const normSig = signature('norm(input, p=2, dim=None, keepdim=False, dtype=None)');
export function norm(x: Tensor, ...args: unknown[]): Tensor {
  const a = normSig.bind([x, ...args]);
  const p = a.p === 'fro' ? 2 : a.p;
  if (p === Infinity) return amax(x.abs(), a.dim ?? [], a.keepdim);
  if (p === 1) return sum(x.abs(), a.dim, a.keepdim);
  if (p === 2) return sum(x.mul(x), a.dim, a.keepdim).sqrt();
  return sum(x.abs().pow(p), a.dim, a.keepdim).pow(1 / p);
}

const cumSig = signature('cumsum(input, dim, *, dtype=None)');
export function cumsum(x: Tensor, ...args: unknown[]): Tensor {
  const a = cumSig.bind([x, ...args]);
  const dtype = a.dtype ? checkDType(a.dtype) : isIntegral(x.dtype, true) ? 'int64' : x.dtype;
  const l = argLayout(x, a.dim, true);
  const out = allocArray(computeDType(dtype), x.numel());
  kernels().cumulative('cumsum', l.data, l.outer, l.size, l.inner, out);
  return fromCompute(out, x.shape, dtype);
}

