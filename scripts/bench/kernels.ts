// Throughput of the kernel sets (TypeScript, WASM SIMD on 1 and 2 threads, and relaxed-SIMD WASM where the runtime validates it):
// GEMM, the ResNet-18 convolutions (with their count in the network) and a few other conv paths, float32.
//   npx tsx scripts/bench/kernels.ts [--quick]      table on stderr, one JSON object on stdout
//   node --experimental-wasm-relaxed-simd --import tsx scripts/bench/kernels.ts     adds the relaxed-SIMD set on Node 20
// Each case reports the best of a few runs (the machine is shared; the best run is the least disturbed).
import { createTsKernels } from '../../src/engine/kernels/ts';
import type { Conv2dParams, GemmParams, Kernels } from '../../src/engine/kernels/types';
import { createWasmKernels } from '../../src/engine/kernels/wasm';
import { createThreadedWasmKernels } from '../../src/engine-node/wasm-threads';
import { wasmModule, WasmKernelRuntime } from '../../src/engine/kernels/wasm/runtime';

const quick = process.argv.includes('--quick');

function randomFloat32(size: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = Math.random() - 0.5;
  return out;
}

/** Best wall time in ms over at least `minRuns` runs, stopping after about `budgetMs` (at most 20 runs). */
function bestTime(run: () => void, minRuns: number, budgetMs: number): number {
  run(); // warm-up: lets V8 optimise (and tier up WASM) before timing
  let best = Infinity;
  const start = performance.now();
  for (let i = 0; i < minRuns || performance.now() - start < (quick ? budgetMs / 3 : budgetMs); i++) {
    const t0 = performance.now();
    run();
    best = Math.min(best, performance.now() - t0);
    if (i >= 20) break;
  }
  return best;
}

interface Case { name: string; flops: number; count?: number; run(k: Kernels): () => void }

function gemmCase(size: number, transposedB = false): Case {
  const a = randomFloat32(size * size), b = randomFloat32(size * size), out = new Float32Array(size * size);
  const p: GemmParams = {
    m: size, n: size, k: size, batch: 1,
    a, aOffset: 0, aBatchStride: 0, aRowStride: size, aColStride: 1,
    b, bOffset: 0, bBatchStride: 0, bRowStride: transposedB ? 1 : size, bColStride: transposedB ? size : 1,
    out, outOffset: 0, outBatchStride: 0, alpha: 1, beta: 0,
  };
  return { name: `gemm ${size}^3${transposedB ? ' (A @ B^T)' : ''}`, flops: 2 * size ** 3, run: (k) => () => k.gemm(p) };
}

interface ConvSpec { name: string; cIn: number; cOut: number; size: number; k: number; stride: number; pad: number; groups?: number; count?: number }

function convCase(s: ConvSpec): Case {
  const groups = s.groups ?? 1;
  const out = Math.floor((s.size + 2 * s.pad - s.k) / s.stride) + 1;
  const p: Conv2dParams = {
    n: 1, cIn: s.cIn, h: s.size, w: s.size, cOut: s.cOut, kh: s.k, kw: s.k, groups,
    strideH: s.stride, strideW: s.stride, padTop: s.pad, padLeft: s.pad, padBottom: s.pad, padRight: s.pad,
    dilationH: 1, dilationW: 1, outH: out, outW: out,
    input: randomFloat32(s.cIn * s.size * s.size), weight: randomFloat32(s.cOut * (s.cIn / groups) * s.k * s.k),
    bias: randomFloat32(s.cOut), out: new Float32Array(s.cOut * out * out),
  };
  return { name: s.name, count: s.count, flops: 2 * s.cOut * out * out * (s.cIn / groups) * s.k * s.k, run: (k) => () => k.conv2d(p) };
}

function maxPoolCase(): Case {
  const c = 64, size = 112, out = 56;
  const p = {
    n: 1, c, h: size, w: size, kh: 3, kw: 3, strideH: 2, strideW: 2, padH: 1, padW: 1, dilationH: 1, dilationW: 1,
    outH: out, outW: out, countIncludePad: true, divisorOverride: null,
    input: randomFloat32(c * size * size), out: new Float32Array(c * out * out), indices: null,
  };
  return { name: 'maxpool 3x3 s2 64x112x112 (G taps/s)', flops: c * out * out * 9, run: (k) => () => k.maxPool2d(p) };
}

// Every convolution of torchvision's resnet18 at 1x3x224x224, with how often it occurs.
const resnet18: ConvSpec[] = [
  { name: 'r18 conv1 7x7 s2 3->64 @224', cIn: 3, cOut: 64, size: 224, k: 7, stride: 2, pad: 3, count: 1 },
  { name: 'r18 layer1 3x3 64->64 @56', cIn: 64, cOut: 64, size: 56, k: 3, stride: 1, pad: 1, count: 4 },
  { name: 'r18 layer2 3x3 s2 64->128 @56', cIn: 64, cOut: 128, size: 56, k: 3, stride: 2, pad: 1, count: 1 },
  { name: 'r18 layer2 1x1 s2 64->128 @56', cIn: 64, cOut: 128, size: 56, k: 1, stride: 2, pad: 0, count: 1 },
  { name: 'r18 layer2 3x3 128->128 @28', cIn: 128, cOut: 128, size: 28, k: 3, stride: 1, pad: 1, count: 3 },
  { name: 'r18 layer3 3x3 s2 128->256 @28', cIn: 128, cOut: 256, size: 28, k: 3, stride: 2, pad: 1, count: 1 },
  { name: 'r18 layer3 1x1 s2 128->256 @28', cIn: 128, cOut: 256, size: 28, k: 1, stride: 2, pad: 0, count: 1 },
  { name: 'r18 layer3 3x3 256->256 @14', cIn: 256, cOut: 256, size: 14, k: 3, stride: 1, pad: 1, count: 3 },
  { name: 'r18 layer4 3x3 s2 256->512 @14', cIn: 256, cOut: 512, size: 14, k: 3, stride: 2, pad: 1, count: 1 },
  { name: 'r18 layer4 1x1 s2 256->512 @14', cIn: 256, cOut: 512, size: 14, k: 1, stride: 2, pad: 0, count: 1 },
  { name: 'r18 layer4 3x3 512->512 @7', cIn: 512, cOut: 512, size: 7, k: 3, stride: 1, pad: 1, count: 3 },
];
const otherConvs: ConvSpec[] = [
  { name: 'conv 1x1 64->256 @56 (pointwise, no im2col)', cIn: 64, cOut: 256, size: 56, k: 1, stride: 1, pad: 0 },
  { name: 'conv 3x3 depthwise 128 @56', cIn: 128, cOut: 128, size: 56, k: 3, stride: 1, pad: 1, groups: 128 },
  { name: 'conv 3x3 s2 depthwise 128 @56', cIn: 128, cOut: 128, size: 56, k: 3, stride: 2, pad: 1, groups: 128 },
];

const sets: Kernels[] = [createTsKernels(), createWasmKernels({ variant: 'simd' }), createThreadedWasmKernels(2, { variant: 'simd' })];
if (wasmModule('relaxedSimd') !== null) sets.push(createWasmKernels({ variant: 'relaxedSimd' }));
const cases: Case[] = [gemmCase(512), gemmCase(512, true), gemmCase(1024), ...resnet18.map(convCase), ...otherConvs.map(convCase), maxPoolCase()];

interface Row { name: string; count?: number; sets: Record<string, { ms: number; gflops: number }> }
const rows: Row[] = cases.map((c) => {
  const row: Row = { name: c.name, count: c.count, sets: {} };
  for (const k of sets) {
    const ms = bestTime(c.run(k), 2, k.name === 'ts' ? 800 : 400);
    row.sets[k.name] = { ms: Number(ms.toFixed(3)), gflops: Number((c.flops / ms / 1e6).toFixed(2)) };
  }
  return row;
});

// Sum of the resnet18 convolutions, each times its count: the conv share of one forward pass.
const resnetTotal: Record<string, number> = {};
for (const k of sets) {
  resnetTotal[k.name] = Number(rows.filter((r) => r.count).reduce((sum, r) => sum + r.count! * r.sets[k.name].ms, 0).toFixed(2));
}

// The copies into and out of linear memory: sgemm alone on resident operands against the whole call.
function copyShare(size: number): { callMs: number; sgemmMs: number } {
  const runtime = new WasmKernelRuntime('simd');
  const bytes = size * size * 4;
  const [scratch, a, b, c] = runtime.reserve([runtime.gemmScratchBytes, bytes, bytes, bytes]);
  runtime.floats().set(randomFloat32(size * size), a >>> 2);
  runtime.floats().set(randomFloat32(size * size), b >>> 2);
  const sgemmMs = bestTime(() => runtime.exports.sgemm(size, size, size, a, size, 1, b, size, 1, c, size, 1, 0, scratch), 2, 400);
  return { callMs: rows.find((r) => r.name === `gemm ${size}^3`)!.sets.wasm.ms, sgemmMs: Number(sgemmMs.toFixed(3)) };
}
/** The same for resnet18's layer1 convolution (3x3 64->64 at 56x56): the conv2d export on resident data. */
function convCopyShare(): { callMs: number; convMs: number } {
  const runtime = new WasmKernelRuntime('simd');
  const c = 64, size = 56, depth = c * 9, plane = size * size, columns = Math.min(1 << 20, depth * plane);
  const [scratch, cols, weight, bias, input, out] = runtime.reserve([runtime.gemmScratchBytes, columns * 4, c * depth * 4, c * 4, c * plane * 4, c * plane * 4]);
  runtime.floats().set(randomFloat32(c * depth), weight >>> 2);
  runtime.floats().set(randomFloat32(c * plane), input >>> 2);
  const convMs = bestTime(() => runtime.exports.conv2d(1, c, size, size, c, 3, 3, 1, 1, 1, 1, 1, 1, 1, size, size, input, weight, bias, 1,
    out, cols, columns, scratch, 0, size, 0, 0, 0), 2, 400);
  return { callMs: rows.find((r) => r.name === 'r18 layer1 3x3 64->64 @56')!.sets.wasm.ms, convMs: Number(convMs.toFixed(3)) };
}
const copies = { gemm512: copyShare(512), conv64at56: convCopyShare() };

const names = sets.map((k) => k.name);
const pad = (s: unknown, n: number) => String(s).padStart(n);
process.stderr.write(`${'case'.padEnd(46)}${names.map((n) => pad(`${n} ms`, 14) + pad('GFLOP/s', 9)).join('')}\n`);
for (const r of rows) {
  process.stderr.write(`${`${r.name}${r.count ? ` x${r.count}` : ''}`.padEnd(46)}${names.map((n) => pad(r.sets[n].ms, 14) + pad(r.sets[n].gflops, 9)).join('')}\n`);
}
process.stderr.write(`${'resnet18 convolutions, total ms'.padEnd(46)}${names.map((n) => pad(resnetTotal[n], 14) + pad('', 9)).join('')}\n`);
process.stderr.write(`gemm 512^3 wasm: whole call ${copies.gemm512.callMs} ms, sgemm on resident operands ${copies.gemm512.sgemmMs} ms\n`);
process.stderr.write(`conv 3x3 64->64 @56 wasm: whole call ${copies.conv64at56.callMs} ms, conv2d on resident data ${copies.conv64at56.convMs} ms\n`);
for (const k of sets) if ('close' in k) (k as { close(): void }).close();
console.log(JSON.stringify({
  node: process.version,
  unit: 'GFLOP/s (maxpool: G window taps/s); ms is the best run',
  sets: names, results: rows, resnet18ConvTotalMs: resnetTotal, copies,
}));
