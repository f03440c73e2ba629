import * as assert from 'node:assert/strict';
import { torch } from '../../../src/engine';
import type { NumArray } from '../../../src/engine/dtype';
import { getAllocatedBytes, MemoryCapError, setAllocationCap } from '../../../src/engine/storage';
import { Tensor } from '../../../src/engine/tensor';

const ramp = (out: NumArray) => { for (let i = 0; i < out.length; i++) out[i] = i; };

describe('engine: lazy storage and the memory cap', () => {
  it('a lazy tensor allocates nothing until its values are read', () => {
    const before = getAllocatedBytes();
    // An embedding the size of LLaMA-7B's: 32000 x 4096 float32, 524 MB if it were allocated.
    const big = Tensor.lazy([32000, 4096], 'float32', ramp);
    const views = [big.t(), big.reshape(4096, 32000), big.narrow(0, 10, 5), big.index(3), big.unsqueeze(0).expand(2, 32000, 4096)];
    big.fillWith((out) => out.fill(0.5)); // overwriting a pending tensor only swaps the fill
    assert.equal(getAllocatedBytes(), before, 'creating, viewing and refilling allocates nothing');
    assert.ok(!big.storage.isMaterialized);
    assert.equal(views[0].shape[0], 4096);

    const small = Tensor.lazy([3, 4], 'float32', ramp);
    assert.equal(getAllocatedBytes(), before);
    assert.deepEqual(Array.from(small.narrow(0, 1, 1).toArray()), [4, 5, 6, 7]);
    assert.ok(small.storage.isMaterialized);
    // Exactly the storage's 48 bytes (the array toArray() returns is a transient copy, not a storage).
    assert.equal(getAllocatedBytes(), before + 3 * 4 * 4);
  });

  it('reading gives the values an eager fill would have given', () => {
    const lazy = Tensor.lazy([2, 3], 'float64', ramp);
    const eager = torch.arange(6, { dtype: 'float64' }).reshape(2, 3);
    assert.deepEqual(Array.from(lazy.t().contiguous().toArray()), Array.from(eager.t().contiguous().toArray()));
  });

  it('allocations past the cap raise MemoryError naming the request and the cap', () => {
    const used = getAllocatedBytes();
    setAllocationCap(used + 1000);
    try {
      assert.throws(() => torch.zeros(1000), (e: unknown) => {
        assert.ok(e instanceof MemoryCapError);
        assert.equal((e as Error).name, 'MemoryError');
        assert.match((e as Error).message, /allocating 4000 bytes for a float32 tensor of 1000 elements would exceed the engine's memory cap of \d+ bytes/);
        return true;
      });
      const pending = Tensor.lazy([1000], 'float32', ramp); // fine until read
      assert.throws(() => pending.toArray(), MemoryCapError);
      assert.doesNotThrow(() => torch.zeros(10));
    } finally {
      setAllocationCap(Infinity);
    }
  });
});
