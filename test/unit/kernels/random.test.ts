// randomFloat32 on every kernel set: the engine's random stream (Philox4x32-10, Box-Muller) gives the same float32
// values as the TypeScript loops, whatever the length, block offset (past 2^32, where the counter's high word
// starts) or seed; in linear memory in place (split across threads) as on the JS heap. Plus a sanity check of the
// distributions, so that a stream that is the same everywhere is also a good one.
import * as assert from 'node:assert/strict';
import { normalValues, uniformValues } from '../../../src/engine/kernels/ts/random';
import { describeKernels } from './kernel-sets';

const cases: [count: number, offset: number, seed: number][] = [
  [1, 0, 0], [5, 3, 1], [4099, 17, 42], [100_003, 2 ** 32 - 9, 7], [262_147, 2 ** 40 + 3, 0xffffffff],
];

function firstDifference(a: Float32Array, b: Float32Array): string | null {
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return `value ${i}: ${a[i]} against ${b[i]}`;
  return null;
}

describeKernels('randomFloat32', (kernels) => {
  for (const kind of ['uniform', 'normal'] as const) {
    const [p0, p1] = kind === 'uniform' ? [-2, 3] : [0.5, 2];
    for (const [count, offset, seed] of cases) {
      it(`${kind}: ${count} values at block ${offset}, seed ${seed}, equal to the TypeScript stream`, () => {
        const expected = new Float32Array(count), heap = new Float32Array(count).fill(NaN);
        (kind === 'uniform' ? uniformValues : normalValues)(expected, offset, seed, p0, p1);
        kernels().randomFloat32(heap, offset, seed, kind, p0, p1);
        assert.equal(firstDifference(heap, expected), null, 'on the JS heap');
        const linear = kernels().storageAllocator?.allocate('float32', count) as Float32Array | null | undefined;
        if (linear) {
          linear.fill(NaN);
          kernels().randomFloat32(linear, offset, seed, kind, p0, p1);
          assert.equal(firstDifference(linear, expected), null, 'in linear memory');
        }
      });
    }
  }

  it('uniform values fill [low, high) evenly; normal values have the mean and std asked for', () => {
    const n = 1 << 20;
    const u = new Float32Array(n), z = new Float32Array(n);
    kernels().randomFloat32(u, 123, 9, 'uniform', -1, 3);
    kernels().randomFloat32(z, 456, 9, 'normal', 2, 0.5);
    assert.ok(u.every((v) => v >= -1 && v < 3));
    const buckets = new Array(16).fill(0);
    for (const v of u) buckets[Math.floor((v + 1) * 4)]++;
    assert.ok(buckets.every((b) => Math.abs(b - n / 16) < 5 * Math.sqrt(n / 16)), `buckets ${buckets}`);
    let sum = 0, squares = 0, beyond = 0;
    for (const v of z) { sum += v; squares += v * v; if (Math.abs(v - 2) > 1) beyond++; }
    const mean = sum / n, std = Math.sqrt(squares / n - mean * mean);
    assert.ok(Math.abs(mean - 2) < 0.005 && Math.abs(std - 0.5) < 0.005, `mean ${mean}, std ${std}`);
    assert.ok(Math.abs(beyond / n - 0.0455) < 0.002, `${beyond / n} of the values beyond 2 std (0.0455 expected)`);
  });
});
