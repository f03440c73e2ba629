// Reductions over the middle axis of a contiguous [outer, size, inner] array.
import type { NumArray } from '../../dtype';
import type { ArgReduceOp, ReduceOp } from '../types';

export function reduce(op: ReduceOp, x: NumArray, outer: number, size: number, inner: number, out: NumArray): void {
  for (let o = 0; o < outer; o++) {
    const base = o * size * inner;
    for (let i = 0; i < inner; i++) {
      const start = base + i;
      let acc: number;
      switch (op) {
        case 'sum': case 'mean': case 'nansum': {
          acc = 0;
          if (op === 'nansum') for (let k = 0; k < size; k++) { const v = x[start + k * inner]; if (!Number.isNaN(v)) acc += v; }
          else for (let k = 0; k < size; k++) acc += x[start + k * inner];
          if (op === 'mean') acc /= size;
          break;
        }
        case 'prod': acc = 1; for (let k = 0; k < size; k++) acc *= x[start + k * inner]; break;
        case 'max': case 'amax': {
          acc = -Infinity;
          for (let k = 0; k < size; k++) { const v = x[start + k * inner]; if (v > acc || Number.isNaN(v)) { acc = v; if (Number.isNaN(v)) break; } }
          break;
        }
        case 'min': case 'amin': {
          acc = Infinity;
          for (let k = 0; k < size; k++) { const v = x[start + k * inner]; if (v < acc || Number.isNaN(v)) { acc = v; if (Number.isNaN(v)) break; } }
          break;
        }
        case 'any': acc = 0; for (let k = 0; k < size; k++) if (x[start + k * inner] !== 0) { acc = 1; break; } break;
        case 'all': acc = 1; for (let k = 0; k < size; k++) if (x[start + k * inner] === 0) { acc = 0; break; } break;
        case 'logsumexp': {
          let m = -Infinity;
          for (let k = 0; k < size; k++) m = Math.max(m, x[start + k * inner]);
          if (!Number.isFinite(m)) { acc = m; break; }
          let s = 0;
          for (let k = 0; k < size; k++) s += Math.exp(x[start + k * inner] - m);
          acc = m + Math.log(s);
          break;
        }
      }
      out[o * inner + i] = acc;
    }
  }
}

export function argReduce(op: ArgReduceOp, x: NumArray, outer: number, size: number, inner: number, values: NumArray | null, indices: NumArray): void {
  const better = op === 'argmax' ? (v: number, b: number) => v > b : (v: number, b: number) => v < b;
  for (let o = 0; o < outer; o++) {
    const base = o * size * inner;
    for (let i = 0; i < inner; i++) {
      const start = base + i;
      let best = x[start], bi = 0;
      if (!Number.isNaN(best)) {
        for (let k = 1; k < size; k++) {
          const v = x[start + k * inner];
          if (Number.isNaN(v)) { best = v; bi = k; break; }
          if (better(v, best)) { best = v; bi = k; }
        }
      }
      indices[o * inner + i] = bi;
      if (values) values[o * inner + i] = best;
    }
  }
}
