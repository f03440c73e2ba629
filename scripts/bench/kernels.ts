// Throughput of the TypeScript kernels: GEMM and a ResNet-18-style convolution set, float32.
//   npx tsx scripts/bench/kernels.ts            prints one JSON object
// Each case reports the best of a few runs (the machine is shared; the best run is the least disturbed).
import { conv2d } from '../../src/engine/kernels/ts/conv';
import { gemm } from '../../src/engine/kernels/ts/gemm';
import { maxPool2d } from '../../src/engine/kernels/ts/pool';
import type { Conv2dParams } from '../../src/engine/kernels/types';

function randomFloat32(size: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = Math.random() - 0.5;
  return out;
}

/** Best wall time in ms over at least `minRuns` runs, stopping after about `budgetMs`. */
function bestTime(run: () => void, minRuns: number, budgetMs: number): number {
  run(); // warm-up: lets V8 optimise before timing
  let best = Infinity;
  const start = performance.now();
  for (let i = 0; i < minRuns || performance.now() - start < budgetMs; i++) {
    const t0 = performance.now();
    run();
    best = Math.min(best, performance.now() - t0);
    if (i >= 20) break;
  }
  return best;
}

interface Result { name: string; ms: number; gflops: number }

function benchGemm(size: number): Result {
  const a = randomFloat32(size * size), b = randomFloat32(size * size), out = new Float32Array(size * size);
  const ms = bestTime(() => gemm({
    m: size, n: size, k: size, batch: 1,
    a, aOffset: 0, aBatchStride: 0, aRowStride: size, aColStride: 1,
    b, bOffset: 0, bBatchStride: 0, bRowStride: size, bColStride: 1,
    out, outOffset: 0, outBatchStride: 0, alpha: 1, beta: 0,
  }), 2, 1000);
  return { name: `gemm ${size}^3`, ms, gflops: (2 * size ** 3) / ms / 1e6 };
}

interface ConvSpec { name: string; cIn: number; cOut: number; size: number; k: number; stride: number; pad: number; groups?: number }

function benchConv(s: ConvSpec): Result {
  const groups = s.groups ?? 1;
  const out = Math.floor((s.size + 2 * s.pad - s.k) / s.stride) + 1;
  const p: Conv2dParams = {
    n: 1, cIn: s.cIn, h: s.size, w: s.size, cOut: s.cOut, kh: s.k, kw: s.k, groups,
    strideH: s.stride, strideW: s.stride, padTop: s.pad, padLeft: s.pad, padBottom: s.pad, padRight: s.pad,
    dilationH: 1, dilationW: 1, outH: out, outW: out,
    input: randomFloat32(s.cIn * s.size * s.size), weight: randomFloat32(s.cOut * (s.cIn / groups) * s.k * s.k),
    bias: randomFloat32(s.cOut), out: new Float32Array(s.cOut * out * out),
  };
  const ms = bestTime(() => conv2d(p), 2, 800);
  const flops = 2 * s.cOut * out * out * (s.cIn / groups) * s.k * s.k;
  return { name: s.name, ms, gflops: flops / ms / 1e6 };
}

function benchMaxPool(): Result {
  const c = 64, size = 112, out = 56;
  const p = {
    n: 1, c, h: size, w: size, kh: 3, kw: 3, strideH: 2, strideW: 2, padH: 1, padW: 1, dilationH: 1, dilationW: 1,
    outH: out, outW: out, countIncludePad: true, divisorOverride: null,
    input: randomFloat32(c * size * size), out: new Float32Array(c * out * out), indices: null,
  };
  const ms = bestTime(() => maxPool2d(p), 3, 300);
  return { name: 'maxpool 3x3 s2 64x112x112', ms, gflops: (c * out * out * 9) / ms / 1e6 };
}

const convs: ConvSpec[] = [
  { name: 'conv 7x7 s2 3->64 @224 (stem)', cIn: 3, cOut: 64, size: 224, k: 7, stride: 2, pad: 3 },
  { name: 'conv 3x3 64->64 @56', cIn: 64, cOut: 64, size: 56, k: 3, stride: 1, pad: 1 },
  { name: 'conv 3x3 s2 64->128 @56', cIn: 64, cOut: 128, size: 56, k: 3, stride: 2, pad: 1 },
  { name: 'conv 3x3 256->256 @14', cIn: 256, cOut: 256, size: 14, k: 3, stride: 1, pad: 1 },
  { name: 'conv 1x1 s2 64->128 @56 (downsample)', cIn: 64, cOut: 128, size: 56, k: 1, stride: 2, pad: 0 },
  { name: 'conv 1x1 s2 256->512 @14 (downsample)', cIn: 256, cOut: 512, size: 14, k: 1, stride: 2, pad: 0 },
  { name: 'conv 1x1 64->256 @56 (bottleneck, no im2col)', cIn: 64, cOut: 256, size: 56, k: 1, stride: 1, pad: 0 },
  { name: 'conv 3x3 depthwise 128 @56', cIn: 128, cOut: 128, size: 56, k: 3, stride: 1, pad: 1, groups: 128 },
];

const results: Result[] = [benchGemm(512), benchGemm(1024), ...convs.map(benchConv), benchMaxPool()];
console.log(JSON.stringify({
  node: process.version,
  unit: 'GFLOP/s (maxpool: G window taps/s); ms is the best run',
  results: results.map((r) => ({ name: r.name, ms: Number(r.ms.toFixed(2)), gflops: Number(r.gflops.toFixed(2)) })),
}, null, 1));
