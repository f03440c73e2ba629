// Walking n-d strided views: collapse mergeable dims, then run an inner loop over the last dim.

/**
 * Merges adjacent dims that are contiguous with each other in every one of `stridesList`,
 * so most loops end up 1-d or 2-d. Returns the reduced shape and strides.
 */
export function collapse(shape: readonly number[], stridesList: (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = stridesList.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && stridesList.every((s, k) => outStrides[k][last] === s[d] * shape[d])) {
      outShape[last] *= shape[d];
      stridesList.forEach((s, k) => { outStrides[k][last] = s[d]; });
    } else {
      outShape.push(shape[d]);
      stridesList.forEach((s, k) => outStrides[k].push(s[d]));
    }
  }
  if (outShape.length === 0) { outShape.push(1); outStrides.forEach((s) => s.push(1)); }
  return { shape: outShape, strides: outStrides };
}

/**
 * Calls inner(count, offsets) once per run of the innermost dim, where offsets[k] is the start of
 * operand k (base offsets added) and the inner strides are strides[k][last].
 */
export function forEachRun(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  bases: readonly number[],
  inner: (count: number, offsets: number[]) => void,
): void {
  const nd = shape.length;
  const nOps = strides.length;
  const offsets = bases.slice();
  if (nd === 0) { inner(1, offsets); return; }
  for (const s of shape) if (s === 0) return;
  const counter = new Array<number>(nd).fill(0);
  const count = shape[nd - 1];
  for (;;) {
    inner(count, offsets);
    let d = nd - 2;
    for (; d >= 0; d--) {
      counter[d]++;
      for (let k = 0; k < nOps; k++) offsets[k] += strides[k][d];
      if (counter[d] < shape[d]) break;
      for (let k = 0; k < nOps; k++) offsets[k] -= strides[k][d] * shape[d];
      counter[d] = 0;
    }
    if (d < 0) return;
  }
}
