import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { torch } from '../../../src/engine';
import { DType, PyFloat, promoteTypes } from '../../../src/engine/dtype';
import { Tensor } from '../../../src/engine/tensor';

const ORDER: DType[] = ['uint8', 'int8', 'int16', 'int32', 'int64', 'float16', 'float32', 'float64', 'bool', 'bfloat16'];
const [u1, i1, i2, i4, i8, f2, f4, f8, b1, bf] = ORDER;

/** torch.promote_types(row, column), transcribed from PyTorch 2.x (c10/core/ScalarType.h, complex columns left out). */
const TABLE: DType[][] = [
  /* u1 */ [u1, i2, i2, i4, i8, f2, f4, f8, u1, bf],
  /* i1 */ [i2, i1, i2, i4, i8, f2, f4, f8, i1, bf],
  /* i2 */ [i2, i2, i2, i4, i8, f2, f4, f8, i2, bf],
  /* i4 */ [i4, i4, i4, i4, i8, f2, f4, f8, i4, bf],
  /* i8 */ [i8, i8, i8, i8, i8, f2, f4, f8, i8, bf],
  /* f2 */ [f2, f2, f2, f2, f2, f2, f4, f8, f2, f4],
  /* f4 */ [f4, f4, f4, f4, f4, f4, f4, f8, f4, f4],
  /* f8 */ [f8, f8, f8, f8, f8, f8, f8, f8, f8, f8],
  /* b1 */ [u1, i1, i2, i4, i8, f2, f4, f8, b1, bf],
  /* bf */ [bf, bf, bf, bf, bf, f4, f4, f8, bf, bf],
];

const category = (d: DType) => (d === 'bool' ? 0 : d.startsWith('float') || d === 'bfloat16' ? 2 : 1);
const promote = (a: DType, b: DType) => TABLE[ORDER.indexOf(a)][ORDER.indexOf(b)];

/** A tensor of ones of dtype with ndim 0 or 1. */
const onesOf = (dtype: DType, dim: number) => torch.ones(dim === 0 ? [] : [2], { dtype });

describe('engine: type promotion', () => {
  it('promote_types matches PyTorch\'s table for every pair', () => {
    for (const a of ORDER) for (const b of ORDER) assert.equal(promoteTypes(a, b), promote(a, b), `${a} + ${b}`);
  });

  it('binary ops follow result_type: dimensioned tensors win unless a 0-d operand is of a higher category', () => {
    const operand = fc.record({ dtype: fc.constantFrom(...ORDER), dim: fc.constantFrom(0, 1) });
    fc.assert(fc.property(operand, operand, (x, y) => {
      let expected: DType;
      if (x.dim === y.dim) expected = promote(x.dtype, y.dtype);
      else {
        const [dimmed, zero] = x.dim ? [x.dtype, y.dtype] : [y.dtype, x.dtype];
        expected = category(zero) > category(dimmed) ? promote(dimmed, zero) : dimmed;
      }
      assert.equal(torch.mul(onesOf(x.dtype, x.dim), onesOf(y.dtype, y.dim)).dtype, expected);
    }), { numRuns: 200 });
  });

  it('Python scalars take part by category: int -> int64, float -> the default dtype, bool -> bool', () => {
    const scalars: [number | boolean | PyFloat, DType][] = [[2, 'int64'], [2.5, 'float32'], [new PyFloat(2), 'float32'], [true, 'bool']];
    fc.assert(fc.property(fc.constantFrom(...ORDER), fc.constantFrom(0, 1), fc.constantFrom(...scalars), (dtype, dim, [value, sdtype]) => {
      const expected = category(sdtype) > category(dtype) ? promote(dtype, sdtype) : dtype;
      assert.equal(torch.mul(onesOf(dtype, dim), value as number).dtype, expected);
    }));
  });

  it('facts from PyTorch sessions', () => {
    const t = (dtype: DType, dims: number[] = [2]) => torch.ones(dims, { dtype });
    assert.equal(torch.add(t('int64'), torch.tensor(1.5, { dtype: 'float64' })).dtype, 'float64');
    assert.equal(torch.add(t('float32'), torch.tensor(1.5, { dtype: 'float64' })).dtype, 'float32');
    assert.equal(torch.add(t('uint8'), torch.tensor(300)).dtype, 'uint8');
    assert.equal(torch.add(t('int32'), 5).dtype, 'int32');
    assert.equal(torch.add(t('bool'), 1).dtype, 'int64');
    assert.equal(torch.add(t('float16'), 1e10).dtype, 'float16');
    assert.equal(torch.div(t('int64'), t('int64')).dtype, 'float32');
    assert.equal(torch.floor_divide(t('int32'), 2).dtype, 'int32');
    assert.equal(torch.lt(t('int8'), 1.5).dtype, 'bool');
    assert.equal((torch.where(t('bool'), t('int32'), 0.5) as Tensor).dtype, 'float32');
    assert.equal(torch.cat([t('bool'), t('int16')]).dtype, 'int16');
    assert.equal(torch.sqrt(t('int64')).dtype, 'float32');
    assert.equal(torch.sum(t('int8')).dtype, 'int64');
  });
});
