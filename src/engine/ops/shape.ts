// Joining, splitting and rearranging: views where PyTorch gives views, copies through kernels otherwise.
import { promoteTypes } from '../dtype';
import { normalizeDim, shapeStr } from '../shape';
import { Tensor } from '../tensor';
import { where } from './elementwise';
import { arange } from './factories';

export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new Error('torch.cat(): expected a non-empty list of Tensors');
  // PyTorch still skips legacy empty 1-d tensors of shape [0].
  const parts = tensors.filter((t) => !(t.ndim === 1 && t.shape[0] === 0));
  if (parts.length === 0) return Tensor.empty([0], tensors.map((t) => t.dtype).reduce(promoteTypes));
  const ref = parts[0];
  if (ref.ndim === 0) throw new Error('zero-dimensional tensor (at position 0) cannot be concatenated');
  const d = normalizeDim(dim, ref.ndim);
  parts.forEach((t, i) => {
    if (t.ndim !== ref.ndim)
      throw new Error(`Tensors must have same number of dimensions: got ${ref.ndim} and ${t.ndim}`);
    for (let k = 0; k < ref.ndim; k++)
      if (k !== d && t.shape[k] !== ref.shape[k])
        throw new Error(`Sizes of tensors must match except in dimension ${d}. Expected size ${ref.shape[k]} but got size ${t.shape[k]} for tensor number ${tensors.indexOf(t) === -1 ? i : tensors.indexOf(t)} in the list.`);
  });
  const dtype = tensors.map((t) => t.dtype).reduce(promoteTypes);
  const shape = [...ref.shape];
  shape[d] = parts.reduce((s, t) => s + t.shape[d], 0);
  const out = Tensor.empty(shape, dtype);
  let at = 0;
  for (const t of parts) {
    out.narrow(d, at, t.shape[d]).copy_(t);
    at += t.shape[d];
  }
  return out;
}
export const concat = cat;
export const concatenate = cat;

export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new Error('stack expects a non-empty TensorList');
  const ref = tensors[0];
  tensors.forEach((t, i) => {
    if (t.ndim !== ref.ndim || t.shape.some((s, k) => s !== ref.shape[k]))
      throw new Error(`stack expects each tensor to be equal size, but got ${shapeStr(ref.shape)} at entry 0 and ${shapeStr(t.shape)} at entry ${i}`);
  });
  const d = normalizeDim(dim, ref.ndim + 1);
  return cat(tensors.map((t) => t.unsqueeze(d)), d);
}

export function split(x: Tensor, sizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  const d = normalizeDim(dim, x.ndim);
  const total = x.shape[d];
  if (typeof sizeOrSections === 'number') {
    if (sizeOrSections <= 0 && total > 0) throw new Error(`split expects split_size be non-negative, but got split_size=${sizeOrSections}`);
    const out: Tensor[] = [];
    if (total === 0) return [x];
    for (let s = 0; s < total; s += sizeOrSections) out.push(x.narrow(d, s, Math.min(sizeOrSections, total - s)));
    return out;
  }
  const sum = sizeOrSections.reduce((a, b) => a + b, 0);
  if (sum !== total)
    throw new Error(`split_with_sizes expects split_sizes to sum exactly to ${total} (input tensor's size at dimension ${d}), but got split_sizes=[${sizeOrSections.join(', ')}]`);
  const out: Tensor[] = [];
  let at = 0;
  for (const n of sizeOrSections) { out.push(x.narrow(d, at, n)); at += n; }
  return out;
}

export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (chunks <= 0) throw new Error('chunk expects `chunks` to be greater than 0, got: ' + chunks);
  const d = normalizeDim(dim, x.ndim);
  const size = Math.ceil(x.shape[d] / chunks);
  if (x.shape[d] === 0) return Array.from({ length: chunks }, () => x);
  return split(x, size, d);
}

export function unbind(x: Tensor, dim = 0): Tensor[] {
  const d = normalizeDim(dim, x.ndim);
  return Array.from({ length: x.shape[d] }, (_, i) => x.select(d, i));
}

export function repeat(x: Tensor, sizes: readonly number[]): Tensor {
  if (sizes.length < x.ndim)
    throw new Error('Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor');
  const lead = sizes.length - x.ndim;
  const padded = [...new Array(lead).fill(1), ...x.shape];
  const interleaved: number[] = [], expanded: number[] = [];
  padded.forEach((s, i) => { interleaved.push(1, s); expanded.push(sizes[i], s); });
  return x.reshape(padded).reshape(interleaved).expand(expanded).contiguous().reshape(padded.map((s, i) => s * sizes[i]));
}

/** Mask of the last two dims where (col - row) compared with diagonal holds. */
function triangle(x: Tensor, diagonal: number, lower: boolean): Tensor {
  if (x.ndim < 2) throw new Error(`${lower ? 'tril' : 'triu'}: input tensor must have at least 2 dimensions`);
  const rows = x.shape[x.ndim - 2], cols = x.shape[x.ndim - 1];
  const diff = arange(cols).unsqueeze(0).sub(arange(rows).unsqueeze(1));
  const keep = lower ? diff.le(diagonal) : diff.ge(diagonal);
  return where(keep, x, Tensor.empty([], x.dtype));
}
export const tril = (x: Tensor, diagonal = 0): Tensor => triangle(x, diagonal, true);
export const triu = (x: Tensor, diagonal = 0): Tensor => triangle(x, diagonal, false);

export function flip(x: Tensor, dims: number | readonly number[]): Tensor {
  const list = (typeof dims === 'number' ? [dims] : dims).map((d) => normalizeDim(d, x.ndim));
  let offset = x.offset;
  const strides = [...x.strides];
  for (const d of list) {
    if (x.shape[d] > 0) offset += (x.shape[d] - 1) * strides[d];
    strides[d] = -strides[d];
  }
  return new Tensor(x.storage, x.shape, strides, offset).clone();
}

export function roll(x: Tensor, shifts: number | readonly number[], dims?: number | readonly number[]): Tensor {
  if (dims === undefined || dims === null) return roll(x.flatten(), shifts, 0).view(x.shape as number[]);
  const s = typeof shifts === 'number' ? [shifts] : shifts;
  const ds = typeof dims === 'number' ? [dims] : dims;
  let r = x;
  s.forEach((shift, i) => {
    const d = normalizeDim(ds[i], x.ndim);
    const n = x.shape[d];
    if (n === 0) return;
    const k = ((shift % n) + n) % n;
    if (k) r = cat([r.narrow(d, n - k, k), r.narrow(d, 0, n - k)], d);
  });
  return r === x ? x.clone() : r;
}

/** torch.diagonal: a view whose single stride walks the diagonal of dims (dim1, dim2), appended last. */
export function diagonal(x: Tensor, offset = 0, dim1 = 0, dim2 = 1): Tensor {
  const d1 = normalizeDim(dim1, x.ndim), d2 = normalizeDim(dim2, x.ndim);
  if (d1 === d2) throw new Error(`diagonal dimensions cannot be identical ${dim1}, ${dim2}`);
  let start = x.offset;
  let length: number;
  if (offset >= 0) {
    length = Math.max(0, Math.min(x.shape[d1], x.shape[d2] - offset));
    if (length > 0) start += offset * x.strides[d2];
  } else {
    length = Math.max(0, Math.min(x.shape[d1] + offset, x.shape[d2]));
    if (length > 0) start -= offset * x.strides[d1];
  }
  const keep = [...x.shape.keys()].filter((d) => d !== d1 && d !== d2);
  return new Tensor(x.storage, [...keep.map((d) => x.shape[d]), length],
    [...keep.map((d) => x.strides[d]), x.strides[d1] + x.strides[d2]], start);
}

/** torch.movedim: a permutation view moving source dims to destination positions. */
export function movedim(x: Tensor, source: number | readonly number[], destination: number | readonly number[]): Tensor {
  const src = (typeof source === 'number' ? [source] : source).map((d) => normalizeDim(d, x.ndim));
  const dst = (typeof destination === 'number' ? [destination] : destination).map((d) => normalizeDim(d, x.ndim));
  if (src.length !== dst.length)
    throw new Error(`movedim: Invalid source or destination dims: source (${src.length} dims) should contain the same number of dims as destination (${dst.length} dims)`);
  if (new Set(src).size !== src.length) throw new Error(`movedim: repeated dim in \`source\` (${JSON.stringify(source)})`);
  if (new Set(dst).size !== dst.length) throw new Error(`movedim: repeated dim in \`destination\` (${JSON.stringify(destination)})`);
  const order = new Array<number>(x.ndim).fill(-1);
  src.forEach((s, i) => { order[dst[i]] = s; });
  const rest = [...x.shape.keys()].filter((d) => !src.includes(d));
  let k = 0;
  for (let i = 0; i < x.ndim; i++) if (order[i] === -1) order[i] = rest[k++];
  return x.permute(order);
}

/** torch.repeat_interleave(input, repeats, dim): every element (or slice along dim) repeated in place. */
export function repeat_interleave(x: Tensor, repeats: number | Tensor, dim: number | null = null): Tensor {
  const src = dim === null ? x.flatten() : x;
  const d = dim === null ? 0 : normalizeDim(dim, x.ndim);
  const n = src.shape[d];
  let index: Tensor;
  if (typeof repeats === 'number' || repeats.numel() === 1) {
    const r = typeof repeats === 'number' ? repeats : Number(repeats.item());
    if (r < 0) throw new Error('repeats can not be negative');
    index = arange(n * r).floor_divide(Math.max(r, 1));
  } else {
    if (repeats.ndim !== 1 || repeats.shape[0] !== n)
      throw new Error(`repeats must have the same size as input along dim, but got repeats.size(0) = ${repeats.shape[0]} and input.size(${d}) = ${n}`);
    // Output position p reads the first source whose cumulative repeat count exceeds p.
    const ends = repeats.long().cumsum(0);
    const total = n ? Number(ends.index(n - 1).item()) : 0;
    index = arange(total).unsqueeze(1).ge(ends.unsqueeze(0)).sum(1);
  }
  return src.index_select(d, index);
}
