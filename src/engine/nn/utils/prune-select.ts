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

/**
 * Keys that order floats like `<` does (-0 just below +0): the IEEE bits with the sign folded in. Values
 * from float32, float16 and bfloat16 tensors are all float32 numbers, so 32-bit keys find them in at most
 * 32 bisection steps; float64 needs 64.
 */
interface KeySpace { toKey(x: number): bigint; fromKey(k: bigint): number }
const scratch = new DataView(new ArrayBuffer(8));
function keySpace(width: 32 | 64): KeySpace {
  const sign = 1n << BigInt(width - 1), all = (sign << 1n) - 1n;
  const write = width === 32 ? (x: number) => { scratch.setFloat32(0, x); return BigInt(scratch.getUint32(0)); }
    : (x: number) => { scratch.setFloat64(0, x); return scratch.getBigUint64(0); };
  const read = width === 32 ? (b: bigint) => { scratch.setUint32(0, Number(b)); return scratch.getFloat32(0); }
    : (b: bigint) => { scratch.setBigUint64(0, b); return scratch.getFloat64(0); };
  return {
    toKey: (x) => { const b = write(x); return b & sign ? ~b & all : b | sign; },
    fromKey: (k) => read(k & sign ? k & ~sign : ~k & all),
  };
}
const KEYS32 = keySpace(32), KEYS64 = keySpace(64);

const count = (mask: Tensor): number => reduce.sum(mask).item() as number;

/**
 * A bool mask of the k smallest entries of a 1-D tensor, NaN counting as the largest value (topk's
 * order). The k-th smallest value is found by bisecting the bit patterns of the floats (at most 32 or 64
 * passes of a comparison and a count); among entries equal to it the first ones in order are taken, since
 * PyTorch leaves tie-breaking unspecified.
 */
export function smallestK(values: Tensor, k: number): Tensor {
  const n = values.numel();
  const wide = values.dtype === 'float64' || !values.is_floating_point();
  const x = values.reshape([n]).type(wide ? 'float64' : 'float32');
  const { toKey, fromKey } = wide ? KEYS64 : KEYS32;
  if (k <= 0) return Tensor.empty([n], 'bool');
  const isNum = x.eq(x);
  const numbers = count(isNum);
  if (k >= numbers) {
    const extraNaN = isNum.logical_not();
    return isNum.logical_or(extraNaN.logical_and(extraNaN.cumsum(0).le(k - numbers)));
  }
  let lo = toKey(reduce.amin(x.where(isNum, Infinity)).item() as number);
  let hi = toKey(reduce.amax(x.where(isNum, -Infinity)).item() as number);
  // invariant: count(x <= value(hi)) >= k; find the smallest such key. Every few steps the candidates
  // shrink to those between value(lo) and value(hi), so later passes read far fewer elements.
  let candidates = x.index(isNum), removedBelow = 0;
  for (let step = 1; lo < hi; step++) {
    const mid = lo + (hi - lo) / 2n;
    if (removedBelow + count(candidates.le(fromKey(mid))) >= k) hi = mid;
    else lo = mid + 1n;
    if (step % 4 === 0) {
      const low = fromKey(lo);
      removedBelow += count(candidates.lt(low));
      candidates = candidates.index(candidates.ge(low).logical_and(candidates.le(fromKey(hi))));
    }
  }
  const kth = fromKey(hi);
  const below = x.lt(kth);
  const needed = k - count(below);
  const equal = x.eq(kth);
  return below.logical_or(equal.logical_and(equal.cumsum(0).le(needed)));
}
