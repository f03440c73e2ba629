// The fast paths of the memory-bound passes (ResNet's BatchNorm, ReLU and residual add) against the
// generic definitions they replace, bit for bit: the per-dtype binary loops (same-shape, broadcast,
// strided, offset and mixed-type operands, which must not take them), the bitwise float32/float64 ReLU,
// the per-dtype batch-norm loops and batch_norm's scale/shift loop against the tensor-op formula.
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { F, torch } from '../../../src/engine';
import type { NumArray } from '../../../src/engine/dtype';
import { batchNormCoefficients } from '../../../src/engine/functional/normalization';
import type { BinaryOp, Strided } from '../../../src/engine/kernels/types';
import { binaryFn, unaryFn } from '../../../src/engine/kernels/ts/elementwise';
import { Tensor } from '../../../src/engine/tensor';
import { describeKernels } from './kernel-sets';

const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1e-40, -1e-40, 5e-324, 3.4e38, -3.4e38, 1, -1, 0.1, -2.5];
const value = fc.oneof(fc.double({ min: -1e3, max: 1e3 }), fc.constantFrom(...SPECIAL));

type ArrayKind = 'f32' | 'f64' | 'i32';
const makeArray = (kind: ArrayKind, n: number): NumArray =>
  kind === 'f32' ? new Float32Array(n) : kind === 'f64' ? new Float64Array(n) : new Int32Array(n);

/** Equal as stored values: Object.is, so -0 differs from +0, and NaN equals NaN. */
function assertSameArrays(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++)
    assert.ok(Object.is(actual[i], expected[i]), `${what}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
}

/** out[i] = f(a, b) element by element over `shape`, walking every index (no collapsing, no fast paths). */
function naiveBinary(f: (a: number, b: number) => number, shape: number[], a: Strided, b: Strided, out: NumArray): void {
  const total = shape.reduce((p, q) => p * q, 1);
  const index = shape.map(() => 0);
  for (let k = 0; k < total; k++) {
    let ia = a.offset, ib = b.offset;
    index.forEach((v, d) => { ia += v * a.strides[d]; ib += v * b.strides[d]; });
    out[k] = f(a.data[ia], b.data[ib]);
    for (let d = shape.length - 1; d >= 0 && ++index[d] === shape[d]; d--) index[d] = 0;
  }
}

/** An operand over `shape`: contiguous, broadcast along some dims (stride 0), or a strided, offset view into a larger array. */
const layout = fc.record({ broadcast: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), gap: fc.integer({ min: 1, max: 3 }), offset: fc.integer({ min: 0, max: 5 }), transpose: fc.boolean() });
type Layout = { broadcast: boolean[]; gap: number; offset: number; transpose: boolean };

function operand(kind: ArrayKind, shape: number[], l: Layout, values: number[]): Strided {
  // Dims innermost first (outermost first with `transpose`), each stride `gap` times the extent inside it.
  const strides = shape.map(() => 0);
  const order = shape.map((_, d) => d).reverse();
  if (l.transpose) order.reverse();
  let step = l.gap;
  for (const d of order) {
    if (l.broadcast[d]) continue;
    strides[d] = step;
    step *= shape[d];
  }
  const data = makeArray(kind, l.offset + step);
  for (let i = 0; i < data.length; i++) data[i] = values[i % values.length];
  return { data, offset: l.offset, strides };
}

describeKernels('memory-bound fast paths: binary add/sub/mul/div', (kernels) => {
  const ops: BinaryOp[] = ['add', 'sub', 'mul', 'div'];
  const kinds: [ArrayKind, ArrayKind, ArrayKind][] = [['f32', 'f32', 'f32'], ['f64', 'f64', 'f64'], ['f32', 'f64', 'f64'], ['i32', 'i32', 'i32'], ['f32', 'f32', 'f64']];

  it('match a per-index loop over random shapes, broadcasts, strides and offsets, for every array type mix', () => {
    fc.assert(fc.property(
      fc.constantFrom(...ops), fc.constantFrom(...kinds),
      fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }),
      layout, layout, fc.array(value, { minLength: 1, maxLength: 50 }), fc.array(value, { minLength: 1, maxLength: 50 }),
      (op, [ka, kb, ko], shape, la, lb, va, vb) => {
        const a = operand(ka, shape, la, va), b = operand(kb, shape, lb, vb);
        const n = shape.reduce((p, q) => p * q, 1);
        const integer = ko === 'i32';
        const expected = makeArray(ko, n), out = makeArray(ko, n);
        out.fill(12345);
        naiveBinary(binaryFn(op, integer), shape, a, b, expected);
        kernels().binary(op, shape, a, b, out, integer);
        assertSameArrays(out, expected, `${op} ${ka}/${kb}->${ko} shape [${shape}]`);
      }), { numRuns: 400 });
  });

  it('every op and array type mix over fixed layouts: same shape, row/column/scalar broadcasts, transposed, gapped', () => {
    const shape = [3, 37];
    const layouts: Layout[] = [
      { broadcast: [false, false], gap: 1, offset: 0, transpose: false },
      { broadcast: [true, false], gap: 1, offset: 2, transpose: false },
      { broadcast: [false, true], gap: 1, offset: 1, transpose: false },
      { broadcast: [true, true], gap: 1, offset: 3, transpose: false },
      { broadcast: [false, false], gap: 1, offset: 0, transpose: true },
      { broadcast: [false, false], gap: 2, offset: 1, transpose: false },
    ];
    const va = Array.from({ length: 97 }, (_, i) => (i % 11 === 0 ? SPECIAL[i % SPECIAL.length] : Math.sin(i) * 50));
    const vb = Array.from({ length: 89 }, (_, i) => (i % 7 === 0 ? SPECIAL[(i * 3) % SPECIAL.length] : Math.cos(i) * 3));
    for (const op of ops) for (const [ka, kb, ko] of kinds) for (const la of layouts) for (const lb of layouts) {
      const a = operand(ka, shape, la, va), b = operand(kb, shape, lb, vb);
      const integer = ko === 'i32';
      const expected = makeArray(ko, 111), out = makeArray(ko, 111);
      naiveBinary(binaryFn(op, integer), shape, a, b, expected);
      kernels().binary(op, shape, a, b, out, integer);
      assertSameArrays(out, expected, `${op} ${ka}/${kb}->${ko} ${JSON.stringify([la, lb])}`);
    }
  });

  it('take the one-run contiguous path for large same-shape operands (unrolled body and tail)', () => {
    for (const kind of ['f32', 'f64'] as const) {
      for (const n of [1, 3, 4, 5, 1023, 4099]) {
        const a = makeArray(kind, n + 2), b = makeArray(kind, n + 1);
        for (let i = 0; i < a.length; i++) a[i] = SPECIAL[i % SPECIAL.length] * (i % 3 === 0 ? -1 : 1.25) + (i % 7 === 0 ? 0 : i);
        for (let i = 0; i < b.length; i++) b[i] = SPECIAL[(i * 5) % SPECIAL.length] + (i % 4 === 0 ? 0 : i / 3);
        for (const op of ops) {
          const x: Strided = { data: a, offset: 2, strides: [n, 1] }, y: Strided = { data: b, offset: 1, strides: [n, 1] };
          const expected = makeArray(kind, n), out = makeArray(kind, n);
          naiveBinary(binaryFn(op, false), [1, n], x, y, expected);
          kernels().binary(op, [1, n], x, y, out, false);
          assertSameArrays(out, expected, `${op} ${kind} n=${n}`);
        }
      }
    }
  });

  it('int64 values (float64 storage, integer semantics) keep exact integer sums and products', () => {
    const a = Float64Array.from([2 ** 52, -(2 ** 40), 7, -0]), b = Float64Array.from([1, 3, -2, 0]);
    const out = new Float64Array(4);
    kernels().binary('add', [4], { data: a, offset: 0, strides: [1] }, { data: b, offset: 0, strides: [1] }, out, true);
    assert.deepEqual(Array.from(out), [2 ** 52 + 1, -(2 ** 40) + 3, 5, 0]);
    kernels().binary('mul', [4], { data: a, offset: 0, strides: [1] }, { data: b, offset: 0, strides: [1] }, out, true);
    assert.deepEqual(Array.from(out), [2 ** 52, -3 * 2 ** 40, -14, -0]);
  });
});

describeKernels('memory-bound fast paths: bitwise relu', (kernels) => {
  const relu = unaryFn('relu');

  /** Float arrays whose values include NaNs of both signs and with payloads in either float64 word. */
  function withSpecials(kind: 'f32' | 'f64', values: number[]): Float32Array | Float64Array {
    const x = kind === 'f32' ? Float32Array.from(values) : Float64Array.from(values);
    const words = new Int32Array(x.buffer);
    if (kind === 'f32' && x.length > 3) { words[1] = 0xffc00001 | 0; words[2] = 0x7f800001; words[3] = 0xff800000 | 0; }
    if (kind === 'f64' && x.length > 4) {
      words[2] = 1; words[3] = 0xfff00000 | 0;          // -NaN, payload only in the low word
      words[4] = 0; words[5] = 0xfff80000 | 0;          // -NaN, quiet bit
      words[6] = 0; words[7] = 0xfff00000 | 0;          // -Infinity (not NaN)
      words[8] = 0x12345; words[9] = 0x7ff00000;        // +NaN, low-word payload
    }
    return x;
  }

  it('the bitwise path (64 elements and more) keeps every special value and the tails of odd lengths', () => {
    for (const kind of ['f32', 'f64'] as const) for (const n of [63, 64, 65, 66, 67, 131, 1000]) for (const offset of [0, 1, 3]) for (const inPlace of [false, true]) {
      const values = Array.from({ length: n + offset }, (_, i) => (i % 3 === 0 ? SPECIAL[i % SPECIAL.length] : Math.sin(i) * 10));
      const x = withSpecials(kind, values);
      const expected = Array.from(x.subarray(offset), relu);
      const out = inPlace ? x.subarray(offset) : (kind === 'f32' ? new Float32Array(n) : new Float64Array(n));
      kernels().unary('relu', [n], { data: x, offset, strides: [1] }, out);
      assertSameArrays(out, expected, `${kind} relu, n=${n}, offset ${offset}${inPlace ? ', in place' : ''}`);
    }
  });

  it('matches the generic definition (NaN stays NaN, -0 becomes +0), contiguous with offsets and in place', () => {
    fc.assert(fc.property(fc.constantFrom('f32' as const, 'f64' as const), fc.array(value, { minLength: 1, maxLength: 300 }),
      fc.integer({ min: 0, max: 3 }), fc.boolean(), (kind, values, offset, inPlace) => {
        const x = withSpecials(kind, values);
        const n = x.length - offset;
        if (n <= 0) return;
        const expected = Array.from(x.subarray(offset), relu);
        const out = inPlace ? x.subarray(offset) : (kind === 'f32' ? new Float32Array(n) : new Float64Array(n));
        kernels().unary('relu', [n], { data: x, offset, strides: [1] }, out);
        assertSameArrays(out, expected, `${kind} relu, n=${n}`);
      }), { numRuns: 300 });
  });
});

describeKernels('memory-bound fast paths: batchNormInference', (kernels) => {
  it('float32 data with float64 coefficients (and the reverse) take the generic loop and round once', () => {
    const x = Float32Array.from({ length: 3 * 70 }, (_, i) => Math.sin(i) * 10);
    const scale = Float64Array.from([0.1, -3.3, 1 / 3]), shift = Float64Array.from([0.7, 0, -1e-3]);
    const out = new Float32Array(x.length);
    kernels().batchNormInference(x, 1, 3, 70, scale, shift, out);
    assertSameArrays(out, Array.from(x, (v, i) => Math.fround(v * scale[Math.floor(i / 70)] + shift[Math.floor(i / 70)])), 'f32 x, f64 coefficients');
    const x64 = Float64Array.from(x), out64 = new Float64Array(x.length);
    kernels().batchNormInference(x64, 2, 3, 35, Float32Array.from(scale), Float32Array.from(shift), out64);
    assertSameArrays(out64, Array.from(x64, (v, i) => v * Math.fround(scale[Math.floor(i / 35) % 3]) + Math.fround(shift[Math.floor(i / 35) % 3])), 'f64 x, f32 coefficients');
  });
});

describe('batch_norm coefficients: the direct loop equals the tensor-op formula bit for bit', () => {
  /** The formula as tensor ops, as batch_norm computed it before the loop (each step rounded by its op). */
  function tensorFormula(mean: Tensor, variance: Tensor, eps: number, weight: Tensor | null, bias: Tensor | null): [Tensor, Tensor] {
    let scale = variance.add(eps).rsqrt();
    if (weight) scale = scale.mul(weight);
    const meanScaled = mean.mul(scale);
    return [scale, bias ? bias.sub(meanScaled) : meanScaled.neg()];
  }
  const same = (a: Tensor, b: Tensor) => assertSameArrays(a.toArray(), b.toArray(), 'coefficients');

  it('float32 and float64, with and without weight and bias, strided parameters, tiny, zero and huge variances', () => {
    fc.assert(fc.property(fc.constantFrom('float32', 'float64'), fc.integer({ min: 1, max: 40 }), fc.constantFrom(1e-5, 1e-3, 0.1, 0, 1),
      fc.boolean(), fc.boolean(), fc.boolean(), fc.integer(), (dtype, c, eps, hasWeight, hasBias, strided, seed) => {
        torch.manual_seed(seed);
        const vec = (t: Tensor) => (strided ? torch.stack([t, t.neg()], 1).select(1, 0) : t);
        const mean = vec(torch.randn([c], { dtype }).mul(3));
        const variance = vec(torch.rand([c], { dtype }).pow(4).mul(torch.tensor(Array.from({ length: c }, (_, i) => [1, 1e-9, 0, 1e6][i % 4]), { dtype })));
        const weight = hasWeight ? vec(torch.randn([c], { dtype })) : null, bias = hasBias ? vec(torch.randn([c], { dtype })) : null;
        const [scale, shift] = batchNormCoefficients(mean, variance, eps, weight, bias);
        const [expectedScale, expectedShift] = tensorFormula(mean, variance, eps, weight, bias);
        assert.equal(scale.dtype, dtype);
        same(scale, expectedScale);
        same(shift, expectedShift);
      }), { numRuns: 150 });
  });

  it('mixed dtypes fall back to the tensor ops (promotion as before)', () => {
    const mean = torch.randn([5], { dtype: 'float64' }), variance = torch.rand([5]);
    const weight = torch.randn([5], { dtype: 'float16' });
    const [scale, shift] = batchNormCoefficients(mean, variance, 1e-5, weight, null);
    const [expectedScale, expectedShift] = tensorFormula(mean, variance, 1e-5, weight, null);
    assert.equal(scale.dtype, expectedScale.dtype);
    same(scale, expectedScale);
    same(shift, expectedShift);
  });

  it('F.batch_norm in eval mode equals x * scale + shift from the tensor formula, float32 and float64', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      torch.manual_seed(3);
      const x = torch.randn([2, 3, 5, 7], { dtype });
      const mean = torch.randn([3], { dtype }), variance = torch.rand([3], { dtype }), weight = torch.randn([3], { dtype }), bias = torch.randn([3], { dtype });
      const out = F.batch_norm(x, mean, variance, weight, bias, false, 0.1, 1e-5) as Tensor;
      const [scale, shift] = tensorFormula(mean, variance, 1e-5, weight, bias);
      const s = scale.toArray(), t = shift.toArray(), xs = x.toArray();
      const exact = Array.from(xs, (v, i) => v * s[Math.floor(i / 35) % 3] + t[Math.floor(i / 35) % 3]);
      const expected = dtype === 'float32' ? exact.map(Math.fround) : exact;
      assertSameArrays(out.toArray(), expected, dtype);
    }
  });
});
