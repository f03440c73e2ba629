// Shapes, strides and broadcasting, with PyTorch's error messages.

export type Shape = readonly number[];

export const numel = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);

export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= Math.max(shape[i], 1);
  }
  return strides;
}

/** True when the elements are laid out densely in row-major order (size-1 dims may have any stride). */
export function isContiguous(shape: Shape, strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === 1) continue;
    if (shape[i] === 0) return true;
    if (strides[i] !== expected) return false;
    expected *= shape[i];
  }
  return true;
}

/** Wraps a possibly negative dim into [0, ndim), PyTorch's IndexError wording otherwise. */
export function normalizeDim(dim: number, ndim: number): number {
  const n = Math.max(ndim, 1); // a 0-d tensor accepts dim 0 and -1
  if (!Number.isInteger(dim) || dim < -n || dim >= n)
    throw new IndexError(`Dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${dim})`);
  return dim < 0 ? dim + n : dim;
}

export class IndexError extends Error {
  override name = 'IndexError';
}

/**
 * The broadcast shape. Shapes fold pairwise (as TensorIterator does), each pair checked from the last dim
 * backwards, so the error names the same sizes and dim as PyTorch's.
 */
export function broadcastShapes(...shapes: Shape[]): number[] {
  let out: number[] = [];
  for (const s of shapes) {
    const ndim = Math.max(out.length, s.length);
    const next = new Array<number>(ndim);
    for (let i = ndim - 1; i >= 0; i--) {
      const ia = out.length - ndim + i, ib = s.length - ndim + i;
      const a = ia >= 0 ? out[ia] : 1, b = ib >= 0 ? s[ib] : 1;
      if (a !== b && a !== 1 && b !== 1)
        throw new Error(`The size of tensor a (${a}) must match the size of tensor b (${b}) at non-singleton dimension ${i}`);
      next[i] = a === 1 ? b : a;
    }
    out = next;
  }
  return out;
}

/** Strides that read a tensor of `shape`/`strides` as if expanded to `target` (0 on broadcast dims). */
export function broadcastStrides(shape: Shape, strides: readonly number[], target: Shape): number[] {
  const out = new Array<number>(target.length).fill(0);
  const off = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) out[off + i] = shape[i] === 1 && target[off + i] !== 1 ? 0 : strides[i];
  return out;
}

export const shapeStr = (shape: Shape): string => `[${shape.join(', ')}]`;
export const sameShape = (a: Shape, b: Shape): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** Resolves one -1 entry of a view/reshape target, with PyTorch's messages. */
export function inferShape(target: readonly number[], total: number): number[] {
  let infer = -1, known = 1;
  for (let i = 0; i < target.length; i++) {
    const s = target[i];
    if (s === -1) {
      if (infer >= 0) throw new Error('only one dimension can be inferred');
      infer = i;
    } else if (!Number.isInteger(s) || s < 0) {
      throw new Error(`invalid shape dimension ${s}`);
    } else known *= s;
  }
  const out = [...target];
  if (infer >= 0) {
    if (known === 0 && total === 0)
      throw new Error(`cannot reshape tensor of 0 elements into shape ${shapeStr(target)} because the unspecified dimension size -1 can be any value and is ambiguous`);
    if (known === 0 || total % known !== 0) throw new Error(`shape '${shapeStr(target)}' is invalid for input of size ${total}`);
    out[infer] = total / known;
  } else if (known !== total) throw new Error(`shape '${shapeStr(target)}' is invalid for input of size ${total}`);
  return out;
}

/**
 * Strides for viewing (shape, strides) as newShape without copying, or null when impossible
 * (ATen's computeStride: dims may be merged only where the old layout is contiguous across them).
 */
export function viewStrides(oldShape: Shape, oldStrides: readonly number[], newShape: Shape): number[] | null {
  if (numel(oldShape) === 0) return contiguousStrides(newShape);
  // A 0-d tensor (one element) views as any all-ones shape.
  if (oldShape.length === 0) return newShape.map(() => 1);
  const newStrides = new Array<number>(newShape.length).fill(0);
  let viewD = newShape.length - 1;
  let chunkBase = oldStrides[oldStrides.length - 1] ?? 1;
  let tensorNumel = 1, viewNumel = 1;
  for (let d = oldShape.length - 1; d >= 0; d--) {
    tensorNumel *= oldShape[d];
    if (d === 0 || (oldShape[d - 1] !== 1 && oldStrides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        newStrides[viewD] = viewNumel * chunkBase;
        viewNumel *= newShape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = oldStrides[d - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD !== -1) return null;
  return newStrides;
}
