// Module parameters in the WASM kernels' linear memory (linear-storage.ts): where they materialise, that every
// kernel reading or writing operands in place gives the same bits as through its copies, and the places where
// such bytes could alias or leave the engine (sharesStorage, view(dtype), state-dict bytes).
import * as assert from 'node:assert/strict';
import { nn, setKernels, torch } from '../../../src/engine';
import type { Conv2dParams, GemmParams, Kernels, Pool2dParams } from '../../../src/engine/kernels/types';
import { createTsKernels } from '../../../src/engine/kernels/ts';
import { createWasmKernels, type WasmKernels } from '../../../src/engine/kernels/wasm';
import { createThreadedWasmKernels } from '../../../src/engine-node/wasm-threads';
import { tensorBytes } from '../../../src/statedict/convert';
import { randomArray } from './kernel-sets'; // importing it also builds a missing or stale WASM module

function assertSameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i])) assert.fail(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
  }
}

/** A copy of `values` in the set's linear memory (through its storage allocator, as a parameter would be). */
function linearCopy(kernels: WasmKernels, values: Float32Array): Float32Array {
  const array = kernels.storageAllocator!.allocate('float32', values.length) as Float32Array | null;
  assert.ok(array !== null, 'the allocator placed the array');
  assert.ok(array.buffer instanceof SharedArrayBuffer, 'a view on shared linear memory');
  array.set(values);
  return array;
}

const sets: [string, () => WasmKernels][] = [
  ['one thread', () => createWasmKernels({ variant: 'simd', minGemmWork: 0, minConvWork: 0, minPointwiseWork: 0, minLinearFloats: 1 })],
  ['two threads', () => createThreadedWasmKernels(2, { variant: 'simd', minGemmWork: 0, minConvWork: 0, minPointwiseWork: 0,
    minParallelWork: 0, minLinearFloats: 1 })],
];

for (const [label, create] of sets) {
  describe(`WASM kernels over operands in linear memory (${label})`, function () {
    this.timeout(60_000);
    let wasm: WasmKernels;
    before(() => { wasm = create(); });
    after(() => wasm.close());

    /** Runs `call` on JS-heap operands and on the same operands in linear memory, out included; same bits. */
    function sameBothWays<P extends object>(base: P, keys: (keyof P)[], out: keyof P, call: (p: P) => void, what: string): void {
      const heap = { ...base };
      for (const key of keys) heap[key] = (base[key] as Float32Array).slice() as P[keyof P];
      call(heap);
      const inLinear = { ...base };
      for (const key of keys) inLinear[key] = linearCopy(wasm, base[key] as Float32Array) as P[keyof P];
      call(inLinear);
      assertSameBits(inLinear[out] as Float32Array, heap[out] as Float32Array, what);
    }

    it('gemm: plain, transposed, batched and accumulating (beta 1), also with C overlapping A', () => {
      const m = 37, n = 29, k = 23, batch = 3;
      const base: GemmParams = {
        m, n, k, batch, alpha: 1.5, beta: 0,
        a: randomArray(batch * m * k, 1), aOffset: 0, aBatchStride: m * k, aRowStride: k, aColStride: 1,
        b: randomArray(batch * k * n + 5, 2), bOffset: 5, bBatchStride: k * n, bRowStride: 1, bColStride: k,
        out: randomArray(batch * m * n, 3), outOffset: 0, outBatchStride: m * n,
      };
      sameBothWays(base, ['a', 'b', 'out'], 'out', (p) => wasm.gemm(p), 'gemm');
      sameBothWays({ ...base, beta: 1 }, ['a', 'b', 'out'], 'out', (p) => wasm.gemm(p), 'gemm beta 1');
      // C written over A's own bytes (out = a, square and larger than the GEMM's blocks): the kernel must not write
      // C while it still reads A.
      const size = 300;
      const square: GemmParams = { m: size, n: size, k: size, batch: 1, alpha: 1, beta: 0,
        a: randomArray(size * size, 4), aOffset: 0, aBatchStride: 0, aRowStride: size, aColStride: 1,
        b: randomArray(size * size, 5), bOffset: 0, bBatchStride: 0, bRowStride: size, bColStride: 1,
        out: new Float32Array(0), outOffset: 0, outBatchStride: 0 };
      const expected = new Float32Array(size * size);
      wasm.gemm({ ...square, out: expected });
      const aliased = linearCopy(wasm, square.a as Float32Array);
      wasm.gemm({ ...square, a: aliased, out: aliased });
      assertSameBits(aliased, expected, 'gemm writing over A');
    });

    it('conv2d on each path (im2col, 1x1, depthwise, stem, Winograd cached and fused) with weights in place', () => {
      const shapes: [string, Partial<Conv2dParams>][] = [
        ['im2col 5x5', { cIn: 6, cOut: 10, h: 13, w: 11, kh: 5, kw: 5, padTop: 2, padLeft: 2, padBottom: 2, padRight: 2 }],
        ['pointwise stride 2', { cIn: 16, cOut: 24, h: 14, w: 14, kh: 1, kw: 1, strideH: 2, strideW: 2 }],
        ['depthwise', { cIn: 8, cOut: 8, groups: 8, h: 12, w: 12, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1 }],
        ['stem', { cIn: 3, cOut: 8, h: 32, w: 32, kh: 7, kw: 7, strideH: 2, strideW: 2, padTop: 3, padLeft: 3, padBottom: 3, padRight: 3 }],
        ['winograd cached', { cIn: 16, cOut: 16, h: 40, w: 40, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1 }],
        ['winograd fused', { cIn: 32, cOut: 24, h: 7, w: 7, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1 }],
      ];
      for (const [what, shape] of shapes) {
        const p = { n: 2, groups: 1, kh: 3, kw: 3, strideH: 1, strideW: 1, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0,
          dilationH: 1, dilationW: 1, ...shape } as Conv2dParams;
        p.outH = Math.floor((p.h + p.padTop + p.padBottom - p.kh) / p.strideH) + 1;
        p.outW = Math.floor((p.w + p.padLeft + p.padRight - p.kw) / p.strideW) + 1;
        p.input = randomArray(p.n * p.cIn * p.h * p.w, 10);
        p.weight = randomArray(p.cOut * (p.cIn / p.groups) * p.kh * p.kw, 11, 0.3);
        p.bias = randomArray(p.cOut, 12);
        p.out = randomArray(p.n * p.cOut * p.outH * p.outW, 13, 1e3);
        sameBothWays(p, ['input', 'weight', 'out'], 'out', (q) => wasm.conv2d(q), what);
      }
    });

    it('the Winograd cache notices weights changed in place in linear memory', () => {
      const p = { n: 1, cIn: 16, cOut: 16, h: 40, w: 40, kh: 3, kw: 3, groups: 1, strideH: 1, strideW: 1, padTop: 1, padLeft: 1,
        padBottom: 1, padRight: 1, dilationH: 1, dilationW: 1, outH: 40, outW: 40, bias: null,
        input: randomArray(16 * 1600, 20), out: new Float32Array(16 * 1600) } as unknown as Conv2dParams;
      const weight = linearCopy(wasm, randomArray(16 * 16 * 9, 21, 0.3));
      wasm.conv2d({ ...p, weight });
      const before = wasm.winogradStats().transforms;
      weight[100] += 0.5; // as an in-place update would
      const changed = new Float32Array(16 * 1600);
      wasm.conv2d({ ...p, weight, out: changed });
      assert.equal(wasm.winogradStats().transforms, before + 1, 'transformed again');
      const expected = new Float32Array(16 * 1600);
      wasm.conv2d({ ...p, weight: weight.slice(), out: expected });
      assertSameBits(changed, expected, 'after the change');
    });

    it('max_pool2d, activations (in place too), batch-norm and softmax read and write in place', () => {
      const pool = { n: 2, c: 5, h: 17, w: 15, kh: 3, kw: 3, strideH: 2, strideW: 2, padH: 1, padW: 1, dilationH: 1, dilationW: 1,
        outH: 9, outW: 8, countIncludePad: false, divisorOverride: null, input: randomArray(2 * 5 * 17 * 15, 30),
        out: new Float32Array(2 * 5 * 9 * 8) } as Pool2dParams;
      sameBothWays(pool, ['input', 'out'], 'out', (p) => wasm.maxPool2d(p), 'max_pool2d');
      const size = 70_001;
      const unary = { x: randomArray(size, 31, 5), out: new Float32Array(size) };
      sameBothWays(unary, ['x', 'out'], 'out', (p) => wasm.unary('gelu', [size], { data: p.x, offset: 0, strides: [1] }, p.out), 'gelu');
      const inPlace = linearCopy(wasm, unary.x), expected = new Float32Array(size);
      wasm.unary('relu', [size], { data: unary.x.slice(), offset: 0, strides: [1] }, expected);
      wasm.unary('relu', [size], { data: inPlace, offset: 0, strides: [1] }, inPlace);
      assertSameBits(inPlace, expected, 'relu in place');
      const scale = randomArray(7, 32), shift = randomArray(7, 33);
      sameBothWays({ x: randomArray(3 * 7 * 123, 34), out: new Float32Array(3 * 7 * 123) }, ['x', 'out'], 'out',
        (p) => wasm.batchNormInference(p.x, 3, 7, 123, scale, shift, p.out), 'batch-norm');
      sameBothWays({ x: randomArray(50 * 99, 35, 4), out: new Float32Array(50 * 99) }, ['x', 'out'], 'out',
        (p) => wasm.softmax(p.x, 50, 99, 1, p.out, false), 'softmax');
    });
  });
}

describe('module parameters in linear memory', function () {
  this.timeout(60_000);
  let wasm: WasmKernels;
  let previous: Kernels;
  before(() => {
    previous = createTsKernels();
    wasm = createWasmKernels({ variant: 'simd', maxLinearBytes: 1 << 20 });
    setKernels(wasm);
  });
  after(() => { setKernels(previous); wasm.close(); });

  const inLinear = (t: { storage: { data: unknown } }) => (t.storage.data as ArrayBufferView).buffer instanceof SharedArrayBuffer;

  it('large float32 parameters materialise there; small ones, results and other dtypes stay on the JS heap', () => {
    const start = wasm.linearStats()!.allocations;
    const conv = new nn.Conv2d(16, 32, 3);
    const x = torch.randn([1, 16, 10, 10]);
    const y = torch.no_grad(() => conv.call(x)) as ReturnType<typeof torch.randn>;
    assert.ok(inLinear(conv.weight), 'weight (4608 floats) in linear memory');
    assert.ok(!inLinear(conv.bias!), 'bias (32 floats) on the JS heap');
    assert.ok(!inLinear(y) && !inLinear(x), 'activations on the JS heap');
    assert.equal(wasm.linearStats()!.allocations, start + 1);
    const double = new nn.Linear(100, 100).double();
    assert.ok(!inLinear(double.weight), 'float64 parameters on the JS heap');
  });

  it('past the byte budget parameters go to the JS heap and still compute', () => {
    const fallbacks = wasm.linearStats()!.fallbacks;
    const big = new nn.Linear(1024, 512); // 2 MiB of weights against a 1 MiB budget
    const x = torch.randn([2, 1024]);
    const y = torch.no_grad(() => big.call(x)) as ReturnType<typeof torch.randn>;
    assert.ok(!inLinear(big.weight));
    assert.equal(wasm.linearStats()!.fallbacks, fallbacks + 1);
    assert.deepEqual(y.shape, [2, 512]);
  });

  it('distinct parameters do not share storage; view(dtype) does and keeps the bytes alive', () => {
    const a = new nn.Linear(64, 64), b = new nn.Linear(64, 64);
    torch.no_grad(() => { a.call(torch.randn([1, 64])); b.call(torch.randn([1, 64])); });
    assert.ok(inLinear(a.weight) && inLinear(b.weight));
    assert.equal(a.weight.sharesStorage(b.weight), false);
    const bits = a.weight.view('int32');
    assert.equal(bits.sharesStorage(a.weight), true);
    assert.equal(bits.storage.base, a.weight.storage, 'the reinterpreting storage holds the owner');
  });

  it('state-dict bytes of a parameter in linear memory are a private copy', () => {
    const layer = new nn.Linear(64, 64);
    const weight = layer.weight;
    const bytes = tensorBytes(weight);
    assert.ok(inLinear(weight));
    assert.ok(!(bytes.buffer instanceof SharedArrayBuffer), 'not a view on shared memory');
    assertSameBits(new Float32Array(bytes.buffer, bytes.byteOffset, 64 * 64), weight.storage.data as Float32Array, 'bytes');
  });
});
