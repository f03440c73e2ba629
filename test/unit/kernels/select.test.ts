import * as assert from 'node:assert/strict';
import type { WasmKernels } from '../../../src/engine/kernels/wasm';
import { createKernelSet, parseKernelMode } from '../../../src/engine/kernels/wasm/select';
import { nodeKernelSet } from '../../../src/engine-node/wasm-threads';
import './kernel-sets'; // builds the WASM module when it is missing or stale

describe('kernels selection (TORCH_EXPLORER_KERNELS)', () => {
  it('parses ts, wasm and auto case-insensitively, with unset or empty meaning auto', () => {
    assert.equal(parseKernelMode('ts'), 'ts');
    assert.equal(parseKernelMode(' WASM '), 'wasm');
    assert.equal(parseKernelMode(undefined), 'auto');
    assert.equal(parseKernelMode(''), 'auto');
  });

  it('names the valid values when given another', () => {
    assert.throws(() => parseKernelMode('gpu'), /TORCH_EXPLORER_KERNELS must be one of ts, wasm, auto, got 'gpu'/);
  });

  it('creates the TypeScript set for ts and a WASM set for wasm and auto', () => {
    assert.equal(createKernelSet('ts').name, 'ts');
    assert.match(createKernelSet('wasm').name, /^wasm/);
    assert.match(createKernelSet('auto').name, /^wasm/);
  });

  it('keeps tiny float32 products and float64 in TypeScript under auto, with the same results', () => {
    const auto = createKernelSet('auto'), ts = createKernelSet('ts');
    for (const Array of [Float32Array, Float64Array]) {
      const a = Array.from([1, 2, 3, 4]), b = Array.from([5, 6, 7, 8]);
      const run = (set: typeof ts) => {
        const out = new Array(4);
        set.gemm({ m: 2, n: 2, k: 2, batch: 1, a, aOffset: 0, aBatchStride: 0, aRowStride: 2, aColStride: 1,
          b, bOffset: 0, bBatchStride: 0, bRowStride: 2, bColStride: 1, out, outOffset: 0, outBatchStride: 0, alpha: 1, beta: 0 });
        return globalThis.Array.from(out);
      };
      assert.deepEqual(run(auto), [19, 22, 43, 50]);
      assert.deepEqual(run(ts), [19, 22, 43, 50]);
    }
  });
});

describe('kernels selection in Node (TORCH_EXPLORER_THREADS)', () => {
  it('adds worker threads to the WASM set and keeps one thread by default', () => {
    assert.equal(nodeKernelSet({ TORCH_EXPLORER_KERNELS: 'ts', TORCH_EXPLORER_THREADS: '2' }).name, 'ts');
    assert.doesNotMatch(nodeKernelSet({}).name, /threads/);
    const threaded = nodeKernelSet({ TORCH_EXPLORER_KERNELS: 'wasm', TORCH_EXPLORER_THREADS: '2' }) as WasmKernels;
    assert.match(threaded.name, /^wasm.*-2threads$/);
    threaded.close();
    assert.throws(() => nodeKernelSet({ TORCH_EXPLORER_THREADS: 'zero' }), /TORCH_EXPLORER_THREADS must be a positive integer/);
  });
});
