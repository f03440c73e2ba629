import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { torch } from '../../../src/engine';
import {
  bfloat16BitsToFloat32, float16BitsToFloat32, float32ToBFloat16Bits, float32ToFloat16Bits,
} from '../../../src/engine/dtype';

/** Every finite non-negative half, ascending by bits (bits order = value order for positive halves). */
const HALF_MAX_BITS = 0x7bff;

/**
 * Round-to-nearest-even to a 16-bit format, by search: the two representable neighbours of |x|, the
 * nearer one, ties to the even bit pattern. `next` beyond the largest finite value is infinity at one
 * more ulp, which is what rounding overflow means.
 */
function referenceRound(x: number, decode: (bits: number) => number, maxBits: number, infBits: number): number {
  if (Number.isNaN(x)) return -1;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  let lo = 0, hi = maxBits;
  if (a >= decode(maxBits)) {
    const ulp = decode(maxBits) - decode(maxBits - 1);
    const overflow = decode(maxBits) + ulp; // where infinity would sit if the format went on
    if (a === decode(maxBits)) return sign | maxBits;
    const mid = (decode(maxBits) + overflow) / 2;
    if (a < mid) return sign | maxBits;
    if (a > mid) return sign | infBits;
    return sign | ((maxBits & 1) ? infBits : maxBits);
  }
  while (hi - lo > 1) { // largest bits with decode(bits) <= a
    const m = (lo + hi) >> 1;
    if (decode(m) <= a) lo = m; else hi = m;
  }
  if (decode(lo) === a) return sign | lo;
  const dLo = a - decode(lo), dHi = decode(lo + 1) - a;
  if (dLo < dHi) return sign | lo;
  if (dHi < dLo) return sign | (lo + 1);
  return sign | ((lo & 1) ? lo + 1 : lo);
}

const float32Values = fc.oneof(
  fc.float({ noNaN: true }),
  fc.float({ min: -70000, max: 70000, noNaN: true }),
  fc.float({ min: Math.fround(-1e-4), max: Math.fround(1e-4), noNaN: true }),
  // exact midpoints between neighbouring halves, where ties-to-even decides
  fc.integer({ min: 0, max: HALF_MAX_BITS - 1 }).map((b) => Math.fround((float16BitsToFloat32(b) + float16BitsToFloat32(b + 1)) / 2)),
);

describe('engine: float16 / bfloat16 bits', () => {
  it('float32 -> float16 rounds to the nearest half, ties to even, overflow to inf', () => {
    fc.assert(fc.property(float32Values, (x) => {
      assert.equal(float32ToFloat16Bits(x), referenceRound(x, float16BitsToFloat32, HALF_MAX_BITS, 0x7c00), `x = ${x}`);
    }), { numRuns: 2000 });
  });

  it('float32 -> bfloat16 rounds to the nearest bfloat16, ties to even', () => {
    const values = fc.oneof(
      fc.float({ noNaN: true }),
      // midpoints: the upper 16 bits plus exactly half an ulp
      fc.integer({ min: 0, max: 0x7f7e }).map((b) => Math.fround((bfloat16BitsToFloat32(b) + bfloat16BitsToFloat32(b + 1)) / 2)),
    );
    fc.assert(fc.property(values, (x) => {
      assert.equal(float32ToBFloat16Bits(x), referenceRound(x, bfloat16BitsToFloat32, 0x7f7f, 0x7f80), `x = ${x}`);
    }), { numRuns: 2000 });
  });

  it('every finite half and bfloat16 survives a round trip through float32', () => {
    for (let b = 0; b <= 0xffff; b++) {
      const h = float16BitsToFloat32(b);
      if (!Number.isNaN(h)) assert.equal(float32ToFloat16Bits(h), b);
      const bf = bfloat16BitsToFloat32(b);
      if (!Number.isNaN(bf)) assert.equal(float32ToBFloat16Bits(bf), b);
    }
  });

  it('NaN stays NaN, and tensors of both dtypes store the rounded bits', () => {
    assert.ok(Number.isNaN(float16BitsToFloat32(float32ToFloat16Bits(NaN))));
    assert.ok(Number.isNaN(bfloat16BitsToFloat32(float32ToBFloat16Bits(NaN))));
    const h = torch.tensor([0.1, 65519, 65520, 2.0009765625 + 2 ** -11], { dtype: 'float16' });
    assert.deepEqual(Array.from(h.storage.data), [0x2e66, 0x7bff, 0x7c00, 0x4001]);
    const bf = torch.tensor([0.1, 1 + 2 ** -8], { dtype: 'bfloat16' });
    assert.deepEqual(Array.from(bf.storage.data), [0x3dcd, 0x3f80]);
  });
});
