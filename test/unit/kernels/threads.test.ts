// The WASM thread pool's call slots: a call whose arguments do not fit a worker's slot is refused before any worker
// starts (it used to spill silently: a 30th argument vanished past the control buffer and the worker read NaN), and
// the pool stays usable.
import * as assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { nodeWorkerLauncher } from '../../../src/engine-node/wasm-threads';
import { WasmKernelRuntime } from '../../../src/engine/kernels/wasm/runtime';
import { WasmThreadPool, type KernelCall } from '../../../src/engine/kernels/wasm/threads';

setFlagsFromString('--experimental-wasm-relaxed-simd');

describe('kernels/wasm thread pool', () => {
  it('refuses argument lists longer than a slot holds, and still runs calls afterwards', () => {
    const runtime = new WasmKernelRuntime('simd', true);
    const pool = new WasmThreadPool(runtime, 2, nodeWorkerLauncher);
    try {
      const [a, b, c, scratch] = runtime.reserve([64, 64, 64, 2 * runtime.gemmScratchBytes]);
      const floats = runtime.floats();
      floats.set([1, 2, 3, 4], a >>> 2);
      floats.set([5, 6, 7, 8], b >>> 2);
      // 2x2 @ 2x2 split in two row blocks of one row each, one per thread.
      const gemm = (row: number): KernelCall => ({
        op: 'sgemm', args: [1, 2, 2, a + row * 8, 2, 1, b, 2, 1, c + row * 8, 2, 1, 0, scratch + row * runtime.gemmScratchBytes],
      });
      const tooLong: KernelCall = { op: 'sgemm', args: new Array(62).fill(0) };
      assert.throws(() => pool.run([gemm(0), tooLong]), /sgemm takes 62 arguments; worker slots hold 61/);
      pool.run([gemm(0), { ...gemm(1), args: [...gemm(1).args] }]);
      assert.deepEqual([...runtime.floats().subarray(c >>> 2, (c >>> 2) + 4)], [19, 22, 43, 50]);
    } finally {
      pool.close();
    }
  });
});
