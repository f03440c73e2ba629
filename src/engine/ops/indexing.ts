// Python indexing: x[...] reads and writes. Basic items (ints, slices, None, Ellipsis) give views;
// tensor, list and bool-mask items gather through element offsets, with PyTorch's placement rules.
import { allocArray } from '../dtype';
import { kernels } from '../kernels/types';
import { broadcastShapes, broadcastStrides, IndexError, normalizeDim, numel } from '../shape';
import { IndexItem, Slice, Tensor, TensorLike } from '../tensor';
import { add, binaryOp, mul, scalarTensor, where } from './elementwise';
import { tensor } from './factories';
import { dtypeTitle } from './elementwise';
import { arange } from './factories';

interface Decomposed {
  view: Tensor;
  advDims: number[];   // dims of `view` indexed by tensors
  advIndex: Tensor[];  // int64 index tensors, one per advDim (not yet broadcast)
}

function consumedDims(item: IndexItem): number {
  if (item === null || item === '...' || typeof item === 'boolean') return 0;
  if (item instanceof Tensor) return item.dtype === 'bool' || item.dtype === 'uint8' ? Math.max(item.ndim, 1) : 1;
  return 1;
}

function decompose(x: Tensor, items: readonly IndexItem[]): Decomposed {
  const used = items.reduce<number>((s, it) => s + consumedDims(it), 0);
  // Several ellipses are accepted, as PyTorch does: each one skips the dims not otherwise indexed.
  if (used > x.ndim) throw new IndexError(`too many indices for tensor of dimension ${x.ndim}`);
  let view = x;
  let d = 0;
  let realDim = 0; // the dim of x an item indexes, for error messages
  const advDims: number[] = [], advIndex: Tensor[] = [];
  for (const item of items) {
    if (item === '...') { d += x.ndim - used; realDim += x.ndim - used; continue; }
    if (item === null || item === true) { view = view.unsqueeze(d); d++; continue; }
    if (item === false) { view = view.unsqueeze(d).sliceDim(d, 0, 0, 1); d++; continue; }
    if (typeof item === 'number') {
      const size = view.shape[d];
      if (item < -size || item >= size) throw new IndexError(`index ${item} is out of bounds for dimension ${realDim} with size ${size}`);
      view = view.select(d, item);
      realDim++;
      continue;
    }
    if (item instanceof Slice) { view = view.sliceDim(d, item.start, item.stop, item.step); d++; realDim++; continue; }
    const idx = item instanceof Tensor ? item : tensor(item);
    if (idx.dtype === 'bool' || idx.dtype === 'uint8') {
      const k = Math.max(idx.ndim, 1);
      const mask = idx.ndim === 0 ? idx.unsqueeze(0) : idx;
      for (let j = 0; j < k; j++)
        if (mask.shape[j] !== view.shape[d + j])
          throw new IndexError(`The shape of the mask [${mask.shape.join(', ')}] at index ${j} does not match the shape of the indexed tensor [${view.shape.join(', ')}] at index ${d + j}`);
      const coords = nonzero(mask);
      for (let j = 0; j < k; j++) { advDims.push(d + j); advIndex.push(coords.select(1, j)); }
      d += k;
      realDim += k;
      continue;
    }
    if (idx.dtype !== 'int64' && idx.dtype !== 'int32' && idx.dtype !== 'int16' && idx.dtype !== 'int8')
      throw new IndexError('tensors used as indices must be long, int, byte or bool tensors');
    advDims.push(d);
    advIndex.push(idx);
    d++;
    realDim++;
  }
  return { view, advDims, advIndex };
}

/** Element offsets of the advanced part, plus the output layout (pre dims, index shape, post dims). */
function advancedLayout(dec: Decomposed) {
  const { view, advDims } = dec;
  const idxShape = broadcastShapes(...dec.advIndex.map((t) => t.shape));
  let offsets: Tensor = scalarTensor(0, 'int64');
  dec.advIndex.forEach((raw, j) => {
    const dim = advDims[j], size = view.shape[dim];
    const idx = raw.long();
    if (idx.numel() > 0) {
      const lo = idx.min().item() as number, hi = idx.max().item() as number;
      if (hi >= size || lo < -size) throw new IndexError(`index ${hi >= size ? hi : lo} is out of bounds for dimension ${dim} with size ${size}`);
    }
    const wrapped = where(idx.lt(0), add(idx, size), idx);
    offsets = add(offsets, mul(wrapped, view.strides[dim]));
  });
  const flatOffsets = offsets.expand(idxShape).contiguous().toArray() as Float64Array;
  const adjacent = advDims.every((dim, i) => dim === advDims[0] + i);
  const rest = [...view.shape.keys()].filter((dim) => !advDims.includes(dim));
  const pre = adjacent ? rest.filter((dim) => dim < advDims[0]) : [];
  const post = adjacent ? rest.filter((dim) => dim > advDims[advDims.length - 1]) : rest;
  return {
    params: {
      data: view.storage.data, base: view.offset,
      preShape: pre.map((dim) => view.shape[dim]), preStrides: pre.map((dim) => view.strides[dim]),
      offsets: flatOffsets,
      postShape: post.map((dim) => view.shape[dim]), postStrides: post.map((dim) => view.strides[dim]),
    },
    outShape: [...pre.map((dim) => view.shape[dim]), ...idxShape, ...post.map((dim) => view.shape[dim])],
  };
}

export function getItem(x: Tensor, items: readonly IndexItem[]): Tensor {
  const dec = decompose(x, items);
  if (dec.advDims.length === 0) return dec.view;
  const { params, outShape } = advancedLayout(dec);
  const out = allocArray(x.dtype, numel(outShape));
  kernels().indexGather({ ...params, out });
  return Tensor.fromArray(out, outShape, x.dtype);
}

export function setItem(x: Tensor, items: readonly IndexItem[], value: TensorLike): void {
  const dec = decompose(x, items);
  if (dec.advDims.length === 0) { dec.view.copy_(value); return; }
  const { params, outShape } = advancedLayout(dec);
  const v = (value instanceof Tensor ? value : scalarTensor(value, x.dtype)).type(x.dtype);
  broadcastShapes(v.shape, outShape);
  const strided = v.readStrided();
  kernels().indexScatter({ ...params, out: params.data }, { ...strided, strides: broadcastStrides(v.shape, strided.strides, outShape) }, false);
}

export function nonzero(x: Tensor): Tensor {
  const coords = kernels().nonzero(x.toArray(), x.shape);
  return Tensor.fromArray(coords, [coords.length / Math.max(x.ndim, 1), x.ndim], 'int64');
}

export function index_select(x: Tensor, dim: number, index: Tensor): Tensor {
  if (index.ndim > 1) throw new IndexError('index_select(): Index is supposed to be a vector');
  const d = normalizeDim(dim, x.ndim);
  const items: IndexItem[] = [...new Array(d).fill(new Slice()), index.ndim === 0 ? index.unsqueeze(0) : index];
  const r = getItem(x, items);
  return index.ndim === 0 && x.ndim > 0 ? r : r;
}

/** torch.gather: out[i][j][k] = x[index[i][j][k]][j][k] for dim 0 (and likewise for other dims). */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normalizeDim(dim, x.ndim);
  if (index.dtype !== 'int64') throw new Error(`gather(): Expected dtype int64 for index`);
  if (index.ndim !== x.ndim) throw new Error('Index tensor must have the same number of dimensions as input tensor');
  let offsets: Tensor = mul(where(index.lt(0), add(index, x.shape[d]), index), x.strides[d]);
  for (let k = 0; k < x.ndim; k++) {
    if (k === d) continue;
    const shape = new Array(x.ndim).fill(1);
    shape[k] = index.shape[k];
    offsets = add(offsets, mul(arange(index.shape[k]).view(shape), x.strides[k]));
  }
  const flat = offsets.expand(index.shape).contiguous().toArray() as Float64Array;
  const out = allocArray(x.dtype, flat.length);
  kernels().indexGather({ data: x.storage.data, base: x.offset, preShape: [], preStrides: [], offsets: flat, postShape: [], postStrides: [], out });
  return Tensor.fromArray(out, index.shape, x.dtype);
}

export { dtypeTitle, binaryOp };

/** torch.take_along_dim: gather after broadcasting input and indices (flattened when dim is None). */
export function take_along_dim(x: Tensor, indices: Tensor, dim: number | null = null): Tensor {
  if (indices.dtype !== 'int64' && indices.dtype !== 'int32')
    throw new Error(`torch.take_along_dim(): dtype of indices should be Long but got ${dtypeTitle(indices.dtype)}`);
  if (dim === null) return gather(x.flatten(), 0, indices.flatten().long());
  const d = normalizeDim(dim, x.ndim);
  if (x.ndim !== indices.ndim)
    throw new Error(`torch.take_along_dim(): input and indices should have the same number of dimensions, but got ${x.ndim} dimensions for input, and ${indices.ndim} dimensions for indices`);
  const xShape = [...x.shape], iShape = [...indices.shape];
  xShape[d] = 1; iShape[d] = 1;
  const common = broadcastShapes(xShape, iShape);
  const xs = [...common], is = [...common];
  xs[d] = x.shape[d]; is[d] = indices.shape[d];
  return gather(x.expand(xs), d, indices.long().expand(is));
}

/** torch.masked_select: the elements where mask (broadcast with x) is true, as a 1-d copy. */
export function masked_select(x: Tensor, mask: Tensor): Tensor {
  if (mask.dtype !== 'bool') throw new Error(`masked_select: expected BoolTensor for mask`);
  const shape = broadcastShapes(x.shape, mask.shape);
  return getItem(x.expand(shape), [mask.expand(shape)]);
}
