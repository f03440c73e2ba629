// The memory-bound WASM kernels on arrays larger than one chunk of linear memory (64K floats): every chunk
// boundary must line up, in place and out of place, against the TypeScript kernels.
import * as assert from 'node:assert/strict';
import { createTsKernels } from '../../../src/engine/kernels/ts';
import { createWasmKernels } from '../../../src/engine/kernels/wasm';
import './kernel-sets'; // builds the WASM module when it is missing or stale

const ts = createTsKernels();

/** Compares element by element (a deepEqual of millions of floats would print them all). */
function assertSameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i])) assert.fail(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
  }
}
const big = (length: number, seed: number) => Float32Array.from({ length }, (_, i) => Math.sin(i * 0.37 + seed) * 9 + (i % 7 === 0 ? -0 : 0));

describe('WASM pointwise kernels across chunk boundaries', function () {
  this.timeout(60_000);
  const wasm = createWasmKernels({ variant: 'simd' });

  it('relu and leaky_relu give the TypeScript bits over 2.5M elements, also in place', () => {
    const x = big(2_500_003, 1);
    for (const [op, params] of [['relu', {}], ['leaky_relu', { alpha: 0.1 }]] as const) {
      const expected = new Float32Array(x.length), out = new Float32Array(x.length);
      ts.unary(op, [x.length], { data: x, offset: 0, strides: [1] }, expected, params);
      wasm.unary(op, [x.length], { data: x, offset: 0, strides: [1] }, out, params);
      assertSameBits(out, expected, op);
      const inPlace = x.slice();
      wasm.unary(op, [x.length], { data: inPlace, offset: 0, strides: [1] }, inPlace, params);
      assertSameBits(inPlace, expected, `${op} in place`);
    }
  });

  it('an offset view starts at its offset', () => {
    const x = big(100_000, 2), expected = new Float32Array(90_000), out = new Float32Array(90_000);
    ts.unary('sigmoid', [90_000], { data: x, offset: 10_000, strides: [1] }, expected);
    wasm.unary('sigmoid', [90_000], { data: x, offset: 10_000, strides: [1] }, out);
    out.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= 2e-6 * Math.abs(expected[i]), `sigmoid at ${i}: ${v} vs ${expected[i]}`));
  });

  it('batch norm over channels bigger than a chunk and over many small channels matches bit for bit', () => {
    for (const [n, c, spatial] of [[1, 3, 600_001], [3, 700, 1601]]) {
      const x = big(n * c * spatial, 3);
      const scale = Float32Array.from({ length: c }, (_, i) => 0.5 + i / c), shift = Float32Array.from({ length: c }, (_, i) => i - c / 2);
      const expected = new Float32Array(x.length), out = new Float32Array(x.length);
      ts.batchNormInference(x, n, c, spatial, scale, shift, expected);
      wasm.batchNormInference(x, n, c, spatial, scale, shift, out);
      assertSameBits(out, expected, `batch norm [${n}, ${c}, ${spatial}]`);
    }
  });

  it('softmax and log_softmax rows across chunks (rows of 50,000 and of 3)', () => {
    for (const [rows, size] of [[41, 50_000], [400_001, 3]]) {
      const x = big(rows * size, 4);
      for (const log of [false, true]) {
        const expected = new Float32Array(x.length), out = new Float32Array(x.length);
        ts.softmax(x, rows, size, 1, expected, log);
        wasm.softmax(x, rows, size, 1, out, log);
        for (let i = 0; i < x.length; i++) {
          assert.ok(Math.abs(out[i] - expected[i]) <= 1e-5 * Math.abs(expected[i]) + 1e-12, `${rows}x${size} log=${log} at ${i}: ${out[i]} vs ${expected[i]}`);
        }
      }
    }
  });
});
