// Kept outputs (kept-outputs.ts): the WASM kernels keep copies of recent convolution and max-pool outputs in linear
// memory and read them in place when the next kernel takes those arrays as inputs. The copies must never be seen
// stale (a write through Storage.data drops them), must never give other bits than the copies they replace, and the
// cache stays within its byte bound.
import * as assert from 'node:assert/strict';
import { F, nn, setKernels, torch, type Tensor } from '../../../src/engine';
import { kernels } from '../../../src/engine/kernels/types';
import { createWasmKernels, type WasmKernels } from '../../../src/engine/kernels/wasm';
import { KeptOutputs } from '../../../src/engine/kernels/wasm/kept-outputs';
import { WasmKernelRuntime } from '../../../src/engine/kernels/wasm/runtime';
import { createThreadedWasmKernels } from '../../../src/engine-node/wasm-threads';
import './kernel-sets'; // builds a missing or stale WASM module

function sameBits(actual: Tensor, expected: Tensor, what: string): void {
  const a = actual.toArray() as Float32Array, e = expected.toArray() as Float32Array;
  assert.equal(a.length, e.length, what);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], e[i])) assert.fail(`${what}: element ${i} is ${a[i]}, expected ${e[i]}`);
}

/** A small ResNet-like stem and block: every kind of kernel that keeps or reads kept outputs, with a residual. */
class Block extends nn.Module {
  stem = new nn.Conv2d(3, 16, 7, { stride: 2, padding: 3, bias: false });
  bn = new nn.BatchNorm2d(16);
  pool = new nn.MaxPool2d(3, { stride: 2, padding: 1 });
  conv1 = new nn.Conv2d(16, 16, 3, { padding: 1 });
  conv2 = new nn.Conv2d(16, 16, 3, { padding: 1 });
  down = new nn.Conv2d(16, 32, 3, { stride: 2, padding: 1 });
  override forward(x: Tensor): Tensor {
    const y = this.pool.call(F.relu(this.bn.call(this.stem.call(x))));
    const z = F.relu(this.conv2.call(F.relu(this.conv1.call(y))).add(y));
    return this.down.call(z);
  }
}

const sets: [string, (keptOutputBytes?: number) => WasmKernels][] = [
  ['one thread', (keptOutputBytes) => createWasmKernels({ variant: 'simd', minConvWork: 0, keptOutputBytes })],
  ['two threads', (keptOutputBytes) => createThreadedWasmKernels(2, { variant: 'simd', minConvWork: 0, minParallelWork: 0, keptOutputBytes })],
];

for (const [label, create] of sets) {
  describe(`WASM kept outputs (${label})`, function () {
    this.timeout(60_000);
    const previous = kernels();
    let withKept: WasmKernels, without: WasmKernels;
    before(() => { withKept = create(); without = create(0); });
    after(() => { setKernels(previous); withKept.close(); without.close(); });

    /** f's result with kept outputs and without them; the same bits, and the kept set's stats after. */
    function bothWays(f: () => Tensor, what: string): ReturnType<WasmKernels['keptOutputStats']> {
      setKernels(without);
      const expected = torch.no_grad(f);
      setKernels(withKept);
      const actual = torch.no_grad(f);
      sameBits(actual, expected, what);
      assert.equal(without.keptOutputStats(), null, 'keptOutputBytes 0 keeps nothing');
      return withKept.keptOutputStats();
    }

    it('serves the next kernel from the kept copy, with the same bits as copying the output in', () => {
      torch.manual_seed(1);
      const model = new Block().eval();
      const x = torch.randn([2, 3, 32, 32]);
      const before = withKept.keptOutputStats()!;
      const stats = bothWays(() => model.call(x), 'block')!;
      // stem+pool, conv1, conv2 and down each keep their output; conv1 reads the pool's, conv2 conv1's, down conv2's.
      assert.ok(stats.kept - before.kept >= 4, `${stats.kept - before.kept} outputs kept`);
      assert.ok(stats.hits - before.hits >= 3, `${stats.hits - before.hits} reads from kept copies`);
      // Forward again: same bits, the copies of the previous pass do not leak into this one.
      sameBits(torch.no_grad(() => model.call(x)), torch.no_grad(() => { setKernels(without); return model.call(x); }), 'second pass');
      setKernels(withKept);
    });

    it('drops a kept copy once its array is written, in place or through a view', () => {
      torch.manual_seed(2);
      const w = torch.randn([8, 8, 3, 3]), w2 = torch.randn([8, 8, 3, 3]);
      const x = torch.randn([1, 8, 12, 12]);
      for (const [name, write] of [
        ['mul_ as the first read of the result (the convolution runs inside the write)', (t: Tensor) => { t.mul_(-2); }],
        ['copy_ into a part, the first access to the result', (t: Tensor) => { t.narrow(2, 3, 4).copy_(torch.ones([1, 8, 4, 12])); }],
        ['mul_', (t: Tensor) => { t.toArray(); t.mul_(-2); }],
        ['a view\'s fill_', (t: Tensor) => { t.toArray(); t.view([-1]).narrow(0, 5, 7).fill_(3); }],
        ['view(dtype) of the storage', (t: Tensor) => { t.toArray(); t.view('int32').fill_(0x3f800000); }],
      ] as [string, (t: Tensor) => void][]) {
        const before = withKept.keptOutputStats()!;
        const stats = bothWays(() => {
          const y = F.conv2d(x, w, null, 1, 1);
          write(y);
          return F.conv2d(y, w2, null, 1, 1);
        }, name)!;
        assert.ok(stats.stale > before.stale, `${name}: the kept copy was found stale`);
      }
    });

    it('reads a kept residual and an input kept several calls ago', () => {
      torch.manual_seed(3);
      const w = torch.randn([8, 8, 3, 3]);
      const x = torch.randn([1, 8, 16, 16]);
      bothWays(() => {
        const a = F.conv2d(x, w, null, 1, 1);
        let b = a;
        for (let i = 0; i < 4; i++) b = F.conv2d(F.relu(b), w, null, 1, 1);
        return F.relu(F.conv2d(b, w, null, 1, 1).add(a));
      }, 'chain with a long residual');
    });
  });
}

describe('KeptOutputs bounds', () => {
  const runtime = new WasmKernelRuntime('simd', true);
  const array = (n: number) => new Float32Array(n);

  it('stays within its bytes, reuses blocks and never gives away a kept input the call reads', () => {
    const kept = new KeptOutputs(runtime, 4096);
    const arrays = [array(256), array(256), array(256), array(256)];
    const blocks = arrays.map((a) => {
      const at = kept.reserve(1024, []);
      assert.ok(at >= 0);
      kept.commit(a, at);
      return at;
    });
    assert.equal(new Set(blocks).size, 4, 'distinct blocks');
    assert.deepEqual(kept.stats(), { kept: 4, hits: 0, stale: 0, blocks: 4, bytes: 4096 });
    // Full: the next block is the least recently used copy's, unless the call reads it (keep).
    const at = kept.reserve(1024, [arrays[0]]);
    assert.equal(at, blocks[1], 'the oldest copy outside keep gave its block');
    assert.equal(kept.lookup(arrays[0]), blocks[0], 'the kept input is still there');
    assert.equal(kept.lookup(arrays[1]), -1, 'the recycled copy is gone');
    kept.commit(array(256), at);
    assert.ok(kept.stats().bytes <= 4096);
    assert.equal(kept.reserve(1025, []), -1, 'outputs over a quarter of the bytes are not kept');
  });

  it('reuses the block of a reservation never committed (a failed call)', () => {
    const kept = new KeptOutputs(runtime, 1 << 16);
    const first = kept.reserve(2048, []);
    const second = kept.reserve(2048, []); // the first call never committed
    assert.equal(second, first);
    assert.throws(() => kept.commit(array(512), first + 64), /no pending kept-output block/);
    kept.commit(array(512), second);
    assert.equal(kept.stats().blocks, 1);
  });
});
