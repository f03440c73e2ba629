// The WASM conv2d's Winograd F(4x4, 3x3) paths, cached and fused (weights transformed per call): results against a
// float64 direct convolution over awkward shapes, the weight cache (in-place mutation, content hits, the byte bound),
// thread splits, and when each path is chosen.
import * as assert from 'node:assert/strict';
import type { Conv2dParams } from '../../../src/engine/kernels/types';
import { chooseConvAlgorithm, createWasmKernels, type WasmKernels } from '../../../src/engine/kernels/wasm';
import { WasmKernelRuntime } from '../../../src/engine/kernels/wasm/runtime';
import { createThreadedWasmKernels } from '../../../src/engine-node/wasm-threads';
import { randomArray } from './kernel-sets'; // importing it also builds a missing or stale WASM module and enables relaxed SIMD on Node 20

interface Shape { n: number; cIn: number; cOut: number; h: number; w: number; pad: [number, number, number, number]; bias: boolean }

function params(s: Shape, seed: number, scale = 1): Conv2dParams {
  const [padTop, padBottom, padLeft, padRight] = s.pad;
  const outH = s.h + padTop + padBottom - 2, outW = s.w + padLeft + padRight - 2;
  return {
    n: s.n, cIn: s.cIn, h: s.h, w: s.w, cOut: s.cOut, kh: 3, kw: 3, groups: 1, strideH: 1, strideW: 1,
    padTop, padBottom, padLeft, padRight, dilationH: 1, dilationW: 1, outH, outW,
    input: randomArray(s.n * s.cIn * s.h * s.w, seed, scale),
    weight: randomArray(s.cOut * s.cIn * 9, seed + 1, 0.2 * scale),
    bias: s.bias ? randomArray(s.cOut, seed + 2, scale) : null,
    out: randomArray(s.n * s.cOut * outH * outW, seed + 3, 1e3), // garbage the kernel must overwrite
  };
}

/**
 * Direct convolution in float64. Tolerance as in conv.test.ts, which PyTorch's float32 kernels meet too:
 * atol 1e-5 + rtol 1e-4 plus 4u * sqrt(taps) * Σ|x w| per output, a few times a float32 accumulation's
 * rounding. Winograd's transforms add rounding that scales with Σ|x w| as well (~1e-6 of it here).
 */
function assertMatchesReference(p: Conv2dParams, what: string): void {
  const taps = p.cIn * 9;
  for (let b = 0; b < p.n; b++) for (let oc = 0; oc < p.cOut; oc++) for (let oy = 0; oy < p.outH; oy++) for (let ox = 0; ox < p.outW; ox++) {
    let sum = p.bias ? p.bias[oc] : 0, absSum = Math.abs(sum);
    for (let ic = 0; ic < p.cIn; ic++) for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) {
      const iy = oy - p.padTop + ky, ix = ox - p.padLeft + kx;
      if (iy < 0 || iy >= p.h || ix < 0 || ix >= p.w) continue;
      const product = p.input[((b * p.cIn + ic) * p.h + iy) * p.w + ix] * p.weight[((oc * p.cIn + ic) * 3 + ky) * 3 + kx];
      sum += product;
      absSum += Math.abs(product);
    }
    const actual = p.out[((b * p.cOut + oc) * p.outH + oy) * p.outW + ox];
    const tolerance = 1e-5 + 1e-4 * Math.abs(sum) + 2 ** -22 * Math.sqrt(taps + 1) * absSum;
    if (!(Math.abs(actual - sum) <= tolerance)) {
      assert.fail(`${what}: out[${b}, ${oc}, ${oy}, ${ox}] is ${actual}, expected ${sum} (tolerance ${tolerance.toExponential(2)})`);
    }
  }
}

type Path = 'winograd' | 'winograd-fused';
/** winogradFusedMaxTiles sending every eligible conv down `path`. */
const FUSED_MAX_TILES: Record<Path, number> = { winograd: 0, 'winograd-fused': 1e9 };

/** Runs conv2d and asserts that it went through `path`. */
function convolve(kernels: WasmKernels, p: Conv2dParams, path: Path = 'winograd'): void {
  assert.equal(chooseConvAlgorithm(p, FUSED_MAX_TILES[path]), path);
  const stat = path === 'winograd' ? 'calls' : 'fusedCalls';
  const before = kernels.winogradStats()[stat];
  kernels.conv2d(p);
  assert.equal(kernels.winogradStats()[stat], before + 1, `the conv took the ${path} path`);
}

const SHAPES: Shape[] = [
  { n: 1, cIn: 16, cOut: 16, h: 8, w: 8, pad: [1, 1, 1, 1], bias: true },
  { n: 2, cIn: 17, cOut: 19, h: 9, w: 7, pad: [1, 1, 1, 1], bias: false }, // batch, odd sizes, channels not multiples of 4
  { n: 1, cIn: 21, cOut: 30, h: 13, w: 11, pad: [0, 0, 0, 0], bias: true },
  { n: 1, cIn: 32, cOut: 24, h: 3, w: 40, pad: [1, 1, 1, 1], bias: true }, // fewer rows than a tile
  { n: 2, cIn: 16, cOut: 18, h: 2, w: 60, pad: [1, 1, 0, 2], bias: true }, // two rows: most of a tile is padding
  { n: 1, cIn: 4, cOut: 5, h: 40, w: 2, pad: [1, 1, 2, 2], bias: false }, // fewer columns than a tile
  { n: 3, cIn: 18, cOut: 16, h: 6, w: 5, pad: [2, 0, 1, 2], bias: false }, // asymmetric padding
  { n: 1, cIn: 64, cOut: 36, h: 30, w: 29, pad: [1, 1, 1, 1], bias: true },
  { n: 1, cIn: 16, cOut: 33, h: 71, w: 45, pad: [1, 1, 1, 1], bias: true }, // several blocks of tile rows
  { n: 1, cIn: 64, cOut: 20, h: 6, w: 230, pad: [1, 1, 0, 2], bias: true }, // tile rows split into segments
  { n: 1, cIn: 160, cOut: 140, h: 7, w: 7, pad: [1, 1, 1, 1], bias: true }, // more channels than pixels
  { n: 2, cIn: 24, cOut: 8, h: 14, w: 13, pad: [1, 1, 1, 1], bias: true }, // one full 8-channel sliver
  { n: 1, cIn: 36, cOut: 23, h: 7, w: 9, pad: [1, 1, 1, 1], bias: false }, // full slivers then a partial one
];

const SETS: { name: string; create(winogradFusedMaxTiles: number): WasmKernels }[] = [
  { name: 'simd', create: (t) => createWasmKernels({ variant: 'simd', minGemmWork: 0, minConvWork: 0, winogradFusedMaxTiles: t }) },
  {
    name: 'relaxedSimd',
    create: (t) => createWasmKernels({ variant: 'relaxedSimd', minGemmWork: 0, minConvWork: 0, winogradFusedMaxTiles: t }),
  },
  {
    name: '2threads',
    create: (t) => createThreadedWasmKernels(2, { variant: 'simd', minGemmWork: 0, minConvWork: 0, minParallelWork: 0,
      winogradFusedMaxTiles: t }),
  },
];

for (const set of SETS) for (const path of ['winograd', 'winograd-fused'] as const) {
  describe(`kernels/wasm-${set.name} conv2d by Winograd F(4x4, 3x3), ${path === 'winograd' ? 'cached' : 'fused'}`, () => {
    let kernels: WasmKernels;
    const cached = path === 'winograd';
    before(() => { kernels = set.create(FUSED_MAX_TILES[path]); });
    after(() => kernels.close());

    it('matches a float64 direct convolution (odd sizes, padding 0-2, tiny inputs, batches, bias, many blocks)', () => {
      SHAPES.forEach((shape, i) => {
        const p = params(shape, 100 + i);
        convolve(kernels, p, path);
        assertMatchesReference(p, JSON.stringify(shape));
      });
    });

    it('stays within tolerance for large values', () => {
      const p = params({ n: 1, cIn: 48, cOut: 32, h: 12, w: 10, pad: [1, 1, 1, 1], bias: true }, 7, 1e3);
      convolve(kernels, p, path);
      assertMatchesReference(p, 'values up to 1e3');
    });

    it('recomputes the transformed weights when the weight array changes in place', () => {
      const p = params({ n: 1, cIn: 20, cOut: 24, h: 10, w: 9, pad: [1, 1, 1, 1], bias: true }, 11);
      convolve(kernels, p, path);
      const first = Float32Array.from(p.out);
      const transforms = kernels.winogradStats().transforms;
      convolve(kernels, p, path); // unchanged: served from the cache
      assert.equal(kernels.winogradStats().transforms, transforms, 'no transform on a hit (none at all when fused)');
      assert.deepEqual(p.out, first);
      p.weight[p.weight.length - 1] += 0.5; // one tap of the last output channel, as an in-place op would
      p.weight[0] = -p.weight[0];
      convolve(kernels, p, path);
      assert.equal(kernels.winogradStats().transforms, transforms + (cached ? 1 : 0));
      assert.notDeepEqual(p.out, first);
      assertMatchesReference(p, 'after mutating the weights');
      p.weight.set(randomArray(p.weight.length, 99, 0.2)); // load_state_dict-like overwrite of everything
      convolve(kernels, p, path);
      assertMatchesReference(p, 'after overwriting the weights');
    });

    it('finds equal weights in a fresh array by content (conv-bn fusion makes one per call)', () => {
      const p = params({ n: 1, cIn: 16, cOut: 16, h: 9, w: 9, pad: [1, 1, 1, 1], bias: false }, 21);
      convolve(kernels, p, path);
      const transforms = kernels.winogradStats().transforms;
      convolve(kernels, { ...p, weight: Float32Array.from(p.weight) }, path);
      assert.equal(kernels.winogradStats().transforms, transforms);
      assertMatchesReference(p, 'fresh weight array');
    });
  });
}

describe('kernels/wasm conv2d by Winograd: cache bound, threads, choice', () => {
  it('lays persistent blocks and per-call scratch out without overlap, reusing freed ranges', () => {
    const runtime = new WasmKernelRuntime('simd');
    const overlaps = (a: number, aSize: number, b: number, bSize: number) => a < b + bSize && b < a + aSize;
    const a = runtime.allocate(100_000), b = runtime.allocate(50_000), c = runtime.allocate(70_000);
    assert.ok(!overlaps(a, 100_000, b, 50_000) && !overlaps(b, 50_000, c, 70_000) && !overlaps(a, 100_000, c, 70_000));
    const [s0, s1] = runtime.reserve([30_000, 200_000]);
    for (const [block, size] of [[a, 100_000], [b, 50_000], [c, 70_000]]) {
      assert.ok(!overlaps(block, size, s0, 30_000) && !overlaps(block, size, s1, 200_000), 'scratch overlaps a block');
    }
    runtime.release(b);
    assert.equal(runtime.allocate(40_000), b, 'a freed range is reused (best fit)');
    assert.deepEqual(runtime.reserve([30_000, 200_000]), [s0, s1], 'scratch large enough is kept');
    const size = runtime.exports.memory.buffer.byteLength;
    runtime.release(a);
    runtime.release(b);
    assert.equal(runtime.allocate(140_000), a, 'adjacent free ranges coalesce');
    assert.equal(runtime.exports.memory.buffer.byteLength, size, 'no growth while free ranges fit');
    assert.throws(() => runtime.release(b + 8), /no WASM memory block/);
  });

  it('keeps the weight cache within its byte bound and linear memory from growing', () => {
    const budget = 1 << 20;
    // Without kept outputs, whose blocks (bounded on their own, kept-outputs.test.ts) would grow memory for a while.
    const kernels = createWasmKernels({ variant: 'simd', minConvWork: 0, winogradCacheBytes: budget, winogradFusedMaxTiles: 0, keptOutputBytes: 0 });
    const shape: Shape = { n: 1, cIn: 32, cOut: 32, h: 8, w: 8, pad: [1, 1, 1, 1], bias: true };
    let memoryAfterWarmUp = 0;
    for (let i = 0; i < 60; i++) {
      const p = params(shape, 1000 + i); // a different weight array every call
      convolve(kernels, p);
      if (i === 9) memoryAfterWarmUp = kernels.winogradStats().memoryBytes;
      if (i % 20 === 0) assertMatchesReference(p, `weights ${i}`);
      const stats = kernels.winogradStats();
      assert.ok(stats.bytes <= budget, `cache holds ${stats.bytes} bytes, more than ${budget}`);
    }
    const stats = kernels.winogradStats();
    assert.equal(stats.transforms, 60);
    assert.ok(stats.entries >= 1 && stats.entries <= 6, `${stats.entries} entries`);
    assert.equal(stats.memoryBytes, memoryAfterWarmUp, 'freed cache blocks are reused');
    // An evicted filter comes back correct.
    const p = params(shape, 1000);
    convolve(kernels, p);
    assertMatchesReference(p, 'evicted weights again');
  });

  it('falls back to im2col when the transformed weights do not fit the cache, or the cache is off', () => {
    for (const winogradCacheBytes of [0, 64 * 1024]) {
      const kernels = createWasmKernels({ variant: 'simd', minConvWork: 0, winogradCacheBytes, winogradFusedMaxTiles: 0 });
      const p = params({ n: 1, cIn: 32, cOut: 32, h: 8, w: 8, pad: [1, 1, 1, 1], bias: true }, 5);
      kernels.conv2d(p);
      assert.equal(kernels.winogradStats().calls, 0);
      if (winogradCacheBytes === 0) assert.equal(kernels.winogradStats().fusedCalls, 0, 'a cache of 0 turns the fused path off too');
      assertMatchesReference(p, `cache of ${winogradCacheBytes} bytes`);
    }
  });

  for (const path of ['winograd', 'winograd-fused'] as const) {
    it(`gives bitwise the same results on two threads as on one (${path}; split by tile rows or output channels)`, () => {
      const t = FUSED_MAX_TILES[path];
      const one = createWasmKernels({ variant: 'simd', minGemmWork: 0, minConvWork: 0, winogradFusedMaxTiles: t });
      const two = createThreadedWasmKernels(2, { variant: 'simd', minGemmWork: 0, minConvWork: 0, minParallelWork: 0,
        winogradFusedMaxTiles: t });
      try {
        for (const shape of [...SHAPES, { n: 2, cIn: 24, cOut: 40, h: 23, w: 17, pad: [1, 1, 1, 1], bias: true } as Shape]) {
          const p = params(shape, 3), q = { ...params(shape, 3) };
          convolve(one, p, path);
          convolve(two, q, path);
          assert.deepEqual(q.out, p.out, JSON.stringify(shape));
        }
      } finally {
        two.close();
      }
    });
  }

  it('fused on two threads sees in-place weight changes in both threads\' channels (each share copied separately)', () => {
    const one = createWasmKernels({ variant: 'simd', minGemmWork: 0, minConvWork: 0, winogradFusedMaxTiles: 1e9 });
    const two = createThreadedWasmKernels(2, { variant: 'simd', minGemmWork: 0, minConvWork: 0, minParallelWork: 0,
      winogradFusedMaxTiles: 1e9 });
    try {
      const shape: Shape = { n: 2, cIn: 8, cOut: 48, h: 9, w: 10, pad: [1, 1, 1, 1], bias: true };
      const p = params(shape, 61), q = params(shape, 61);
      q.weight = p.weight; // the same array: changed in place between calls
      for (const at of [-1, 0, p.weight.length - 1, 20 * 8 * 9 + 4]) { // unchanged, first channel, last, the split's side
        if (at >= 0) p.weight[at] += 0.5;
        convolve(one, p, 'winograd-fused');
        convolve(two, q, 'winograd-fused');
        assert.deepEqual(q.out, p.out, `weight ${at} changed`);
      }
      assertMatchesReference(q, 'fused, two threads, changed weights');
    } finally {
      two.close();
    }
  });

  it('runs small calls of a threaded set on its private runtime and large ones on threads, with the same results', () => {
    const one = createWasmKernels({ variant: 'simd', minConvWork: 0 });
    const two = createThreadedWasmKernels(2, { variant: 'simd', minConvWork: 0 }); // default parallel threshold (2^23)
    try {
      // 16x16 channels at 8x8: 0.15M multiply-adds, one thread; 64x64 at 40x37 (cached path, 100 tiles, 55M): threads.
      for (const [shape, path] of [[{ n: 2, cIn: 16, cOut: 16, h: 8, w: 8, pad: [1, 1, 1, 1], bias: true }, 'winograd-fused'],
        [{ n: 1, cIn: 64, cOut: 64, h: 40, w: 37, pad: [1, 1, 1, 1], bias: false }, 'winograd']] as [Shape, Path][]) {
        const p = params(shape, 41), q = params(shape, 41);
        convolve(one, p, path);
        convolve(two, q, path);
        assert.deepEqual(q.out, p.out, JSON.stringify(shape));
      }
      assert.equal(two.winogradStats().calls, 1);
      assert.equal(two.winogradStats().fusedCalls, 1);
    } finally {
      two.close();
    }
  });

  it('takes the fused path by default for small images (ResNet 7x7 to 28x28), with chunked weights on one thread', () => {
    const kernels = createWasmKernels({ variant: 'simd', minConvWork: 0 });
    // 80 * 9 * 96 floats: more than one chunk of raw weights (64 Ki floats), so later chunks reuse the input tiles.
    const p = params({ n: 2, cIn: 80, cOut: 96, h: 7, w: 7, pad: [1, 1, 1, 1], bias: true }, 31);
    convolve(kernels, p, 'winograd-fused');
    assertMatchesReference(p, 'fused, several chunks');
    assert.equal(kernels.winogradStats().entries, 0, 'nothing cached');
  });

  it('chooses Winograd only for float32 3x3 stride-1 undilated ungrouped convs with enough channels and outputs', () => {
    const base = params({ n: 1, cIn: 16, cOut: 16, h: 8, w: 8, pad: [1, 1, 1, 1], bias: false }, 1);
    assert.equal(chooseConvAlgorithm(base), 'winograd-fused');
    assert.equal(chooseConvAlgorithm(base, 0), 'winograd');
    assert.equal(chooseConvAlgorithm({ ...base, cIn: 4, cOut: 1 }), 'winograd-fused');
    assert.equal(chooseConvAlgorithm({ ...base, cIn: 64, cOut: 64, outH: 56, outW: 56 }), 'winograd'); // 196 tiles
    assert.equal(chooseConvAlgorithm({ ...base, cIn: 128, cOut: 128, outH: 28, outW: 28 }), 'winograd-fused'); // 49 tiles
    assert.equal(chooseConvAlgorithm({ ...base, cIn: 128, cOut: 128, outH: 32, outW: 32 }), 'winograd-fused'); // 64 tiles
    assert.equal(chooseConvAlgorithm({ ...base, cIn: 128, cOut: 128, outH: 33, outW: 32 }), 'winograd'); // 72 tiles
    assert.equal(chooseConvAlgorithm({ ...base, cIn: 256, cOut: 256, outH: 14, outW: 14 }), 'winograd-fused'); // 16 tiles
    assert.equal(chooseConvAlgorithm({ ...base, cIn: 4096, cOut: 8, outH: 14, outW: 14 }), 'winograd'); // V over 2 MiB
    assert.equal(chooseConvAlgorithm({ ...base, cIn: 3 }), 'im2col');
    assert.equal(chooseConvAlgorithm({ ...base, outH: 5, outW: 7 }), 'im2col'); // 35 outputs
    assert.equal(chooseConvAlgorithm({ ...base, outH: 1, outW: 100 }), 'im2col'); // 4 outputs per tile
    assert.equal(chooseConvAlgorithm({ ...base, cIn: 512, cOut: 512, outH: 7, outW: 7 }), 'winograd-fused');
    assert.equal(chooseConvAlgorithm({ ...base, cIn: 512, cOut: 512, outH: 6, outW: 6 }), 'winograd-fused');
    assert.equal(chooseConvAlgorithm({ ...base, cIn: 512, cOut: 512, outH: 6, outW: 6 }, 0), 'im2col'); // cached U too large
    assert.equal(chooseConvAlgorithm({ ...base, cIn: 256, cOut: 256, outH: 6, outW: 6 }, 0), 'winograd');
    assert.equal(chooseConvAlgorithm({ ...base, strideH: 2, outH: 3 }), 'im2col');
    // Stride 2 both ways: from 16 input channels and 4 output tiles, while 81 values per tile and channel fit in 2 MiB.
    const s2 = { ...base, strideH: 2, strideW: 2, h: 56, w: 56, outH: 28, outW: 28 };
    assert.equal(chooseConvAlgorithm({ ...s2, cIn: 64, cOut: 128 }), 'winograd-s2');
    assert.equal(chooseConvAlgorithm({ ...s2, cIn: 15 }), 'im2col');
    assert.equal(chooseConvAlgorithm({ ...s2, cIn: 256, cOut: 512, h: 14, w: 14, outH: 7, outW: 7 }), 'winograd-s2'); // 4 tiles
    assert.equal(chooseConvAlgorithm({ ...s2, outH: 4, outW: 7 }), 'im2col'); // 2 tiles
    assert.equal(chooseConvAlgorithm({ ...s2, cIn: 128 }), 'im2col'); // V 2.1 MiB
    assert.equal(chooseConvAlgorithm({ ...s2, strideW: 1 }), 'im2col');
    assert.equal(chooseConvAlgorithm({ ...s2, dilationH: 2 }), 'im2col');
    assert.equal(chooseConvAlgorithm({ ...base, dilationW: 2 }), 'im2col');
    assert.equal(chooseConvAlgorithm({ ...base, groups: 2 }), 'im2col');
    assert.equal(chooseConvAlgorithm({ ...base, kh: 5, kw: 5 }), 'im2col');
    assert.equal(chooseConvAlgorithm({ ...base, input: new Float64Array(base.input), weight: new Float64Array(base.weight) }), 'im2col');
  });
});
