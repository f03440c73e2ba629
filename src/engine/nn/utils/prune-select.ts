// Building blocks of torch.nn.utils.prune expressed with engine ops: Python's round, the vector norms
// torch.norm(t, p, dim) computes for ln_structured, and "which k entries are smallest" (the role topk
// plays in PyTorch). Every loop over elements stays inside the ops' kernels.
import { Tensor } from '../../tensor';
import * as reduce from '../../ops/reduce';

/** Python's round(x) for floats: halves go to the even neighbour (round(2.5) == 2, round(3.5) == 4). */
export function pyRound(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

export type NormOrder = number | 'fro';

/** torch.norm(t, p=n, dim=dims) for the orders ln_structured accepts. */
export function vectorNorm(t: Tensor, n: NormOrder, dims: number[]): Tensor {
  if (n === 'fro') {
    if (dims.length > 2) throw new Error(`linalg.matrix_norm: dim must be a 2-tuple. Got [${dims.join(', ')}]`);
    n = 2;
  }
  const a = t.abs();
  if (n === Infinity) return reduce.amax(a, dims);
  if (n === -Infinity) return reduce.amin(a, dims);
  if (n === 0) return reduce.sum(t.ne(0).type(t.dtype), dims);
  if (n === 1) return reduce.sum(a, dims);
  if (n === 2) return reduce.sum(t.mul(t), dims).sqrt();
  return reduce.sum(a.pow(n), dims).pow(1 / n);
}

const bits = new DataView(new ArrayBuffer(8));
const SIGN = 1n << 63n;

/** A 64-bit key that orders doubles like `<` does (with -0 just below +0). */
function orderKey(x: number): bigint {
  bits.setFloat64(0, x);
  const b = bits.getBigUint64(0);
  return b & SIGN ? ~b & (SIGN * 2n - 1n) : b | SIGN;
}
function fromOrderKey(k: bigint): number {
  bits.setBigUint64(0, k & SIGN ? k & ~SIGN : ~k & (SIGN * 2n - 1n));
  return bits.getFloat64(0);
}

const count = (mask: Tensor): number => reduce.sum(mask).item() as number;

/**
 * A bool mask of the k smallest entries of a 1-D tensor, NaN counting as the largest value (topk's
 * order). The k-th smallest value is found by bisecting the bit patterns of doubles (at most 64 passes
 * of a comparison and a count); among entries equal to it the first ones in order are taken, since
 * PyTorch leaves tie-breaking unspecified.
 */
export function smallestK(values: Tensor, k: number): Tensor {
  const n = values.numel();
  const x = values.reshape([n]).type('float64');
  if (k <= 0) return Tensor.empty([n], 'bool');
  const isNum = x.eq(x);
  const numbers = count(isNum);
  if (k >= numbers) {
    const extraNaN = isNum.logical_not();
    return isNum.logical_or(extraNaN.logical_and(extraNaN.cumsum(0).le(k - numbers)));
  }
  let lo = orderKey(reduce.amin(x.where(isNum, Infinity)).item() as number);
  let hi = orderKey(reduce.amax(x.where(isNum, -Infinity)).item() as number);
  // invariant: count(x <= value(hi)) >= k; find the smallest such key. Every few steps the candidates
  // shrink to those between value(lo) and value(hi), so later passes read far fewer elements.
  let candidates = x.index(isNum), removedBelow = 0;
  for (let step = 1; lo < hi; step++) {
    const mid = lo + (hi - lo) / 2n;
    if (removedBelow + count(candidates.le(fromOrderKey(mid))) >= k) hi = mid;
    else lo = mid + 1n;
    if (step % 4 === 0) {
      const low = fromOrderKey(lo);
      removedBelow += count(candidates.lt(low));
      candidates = candidates.index(candidates.ge(low).logical_and(candidates.le(fromOrderKey(hi))));
    }
  }
  const kth = fromOrderKey(hi);
  const below = x.lt(kth);
  const needed = k - count(below);
  const equal = x.eq(kth);
  return below.logical_or(equal.logical_and(equal.cumsum(0).le(needed)));
}
