// Advanced-indexing kernels: gather/scatter through precomputed element offsets, and nonzero.
import type { NumArray } from '../../dtype';
import type { IndexGatherParams, Strided } from '../types';
import { forEachRun } from './strided';

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function eachPre(shape: readonly number[], strides: readonly number[], base: number, f: (off: number, k: number) => void): void {
  let k = 0;
  if (shape.length === 0) { f(base, 0); return; }
  forEachRun([...shape, 1], [[...strides, 0]], [base], (_n, [off]) => f(off, k++));
}

export function indexGather(p: IndexGatherParams): void {
  const { data, offsets, out } = p;
  const nIdx = offsets.length, postN = prod(p.postShape);
  const postOffsets = new Float64Array(postN);
  let j = 0;
  eachPre(p.postShape, p.postStrides, 0, (off) => { postOffsets[j++] = off; });
  eachPre(p.preShape, p.preStrides, p.base, (preOff, k) => {
    let o = k * nIdx * postN;
    for (let i = 0; i < nIdx; i++) {
      const start = preOff + offsets[i];
      for (let q = 0; q < postN; q++) out[o++] = data[start + postOffsets[q]];
    }
  });
}

export function indexScatter(p: IndexGatherParams, values: Strided, accumulate: boolean): void {
  const { data, offsets } = p;
  const nIdx = offsets.length, postN = prod(p.postShape);
  const postOffsets = new Float64Array(postN);
  let j = 0;
  eachPre(p.postShape, p.postStrides, 0, (off) => { postOffsets[j++] = off; });
  // values are addressed in the output order [pre..., nIdx, post...]
  const vShape = [...p.preShape, nIdx, ...p.postShape];
  const vOffsets = new Float64Array(prod(vShape));
  let m = 0;
  eachPre(vShape, values.strides, values.offset, (off) => { vOffsets[m++] = off; });
  m = 0;
  const v = values.data;
  eachPre(p.preShape, p.preStrides, p.base, (preOff) => {
    for (let i = 0; i < nIdx; i++) {
      const start = preOff + offsets[i];
      for (let q = 0; q < postN; q++) {
        const t = start + postOffsets[q];
        data[t] = accumulate ? data[t] + v[vOffsets[m++]] : v[vOffsets[m++]];
      }
    }
  });
}

export function nonzero(x: NumArray, shape: readonly number[]): Float64Array {
  let count = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== 0) count++;
  const nd = shape.length;
  const out = new Float64Array(count * nd);
  let w = 0;
  for (let i = 0; i < x.length; i++) {
    if (x[i] === 0) continue;
    let rem = i;
    for (let d = nd - 1; d >= 0; d--) { out[w + d] = rem % shape[d]; rem = Math.floor(rem / shape[d]); }
    w += nd;
  }
  return out;
}
