// tfjs with its wasm backend (XNNPACK, SIMD; one thread: it does not thread in Node) on the same inputs and
// PyTorch's weights: the Net and ResNet-18 built from tf ops in NHWC, BatchNorm folded into the convolution
// bias (tf.fused.conv2d with bias + relu), plus tf.matMul for the GEMMs. A timing includes dataSync().
//   tsx scripts/bench/peers/tfjs.ts --cache DIR
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { emit, timeBlock } from '../benchutil';
import { maxAbsDiff, readPlain, type Plain } from '../cache';

const argv = process.argv.slice(2);
const option = (name: string) => { const i = argv.indexOf(name); return i < 0 ? undefined : argv.splice(i, 2)[1]; };
const cache = option('--cache') ?? '.te-cache/bench';
const only = new Set(argv);

type W = Map<string, Plain>;
const f32 = (p: Plain) => p.data as Float32Array;

/** Conv weight OIHW -> HWIO with eval BatchNorm folded in: w * g / sqrt(v + eps), (b - m) * g / sqrt(v + eps) + beta. */
function foldedConv(w: W, conv: string, bn: string | null, eps = 1e-5): { filter: tf.Tensor4D; bias: tf.Tensor1D } {
  const weight = w.get(`${conv}.weight`)!;
  const [o, i, kh, kw] = weight.shape;
  const scale = new Float32Array(o).fill(1), shift = new Float32Array(o);
  const convBias = w.get(`${conv}.bias`);
  if (convBias) shift.set(f32(convBias));
  if (bn) {
    const g = f32(w.get(`${bn}.weight`)!), b = f32(w.get(`${bn}.bias`)!), m = f32(w.get(`${bn}.running_mean`)!), v = f32(w.get(`${bn}.running_var`)!);
    for (let c = 0; c < o; c++) { scale[c] = g[c] / Math.sqrt(v[c] + eps); shift[c] = (shift[c] - m[c]) * scale[c] + b[c]; }
  }
  const src = f32(weight), hwio = new Float32Array(src.length);
  for (let a = 0; a < o; a++) for (let b = 0; b < i; b++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++)
    hwio[((y * kw + x) * i + b) * o + a] = src[((a * i + b) * kh + y) * kw + x] * scale[a];
  return { filter: tf.tensor4d(hwio, [kh, kw, i, o]), bias: tf.tensor1d(shift) };
}

function conv(x: tf.Tensor4D, c: { filter: tf.Tensor4D; bias: tf.Tensor1D }, stride: number, pad: number, relu: boolean): tf.Tensor4D {
  return tf.fused.conv2d({ x, filter: c.filter, strides: stride, pad: pad === 0 ? 'valid' : pad, bias: c.bias, activation: relu ? 'relu' : 'linear' });
}

/** Linear weight [out, in] as [in, out]; `perm` reorders the inputs (NCHW flatten order -> NHWC). */
function dense(w: W, name: string, perm?: (j: number) => number): { b: tf.Tensor2D; bias: tf.Tensor1D } {
  const weight = w.get(`${name}.weight`)!, [o, n] = weight.shape, src = f32(weight), out = new Float32Array(src.length);
  for (let r = 0; r < o; r++) for (let j = 0; j < n; j++) out[(perm ? perm(j) : j) * o + r] = src[r * n + j];
  return { b: tf.tensor2d(out, [n, o]), bias: tf.tensor1d(f32(w.get(`${name}.bias`)!)) };
}

function netModel(w: W): (x: tf.Tensor4D) => tf.Tensor {
  const c1 = foldedConv(w, 'features.0', 'features.1'), c2 = foldedConv(w, 'features.4', 'features.5');
  // PyTorch flattens [C=9, H=8, W=8]; NHWC flattens [H, W, C]: input j = c*64 + h*8 + w moves to (h*8 + w)*9 + c
  const fc1 = dense(w, 'classifier.0', (j) => (j % 64) * 9 + Math.floor(j / 64)), fc2 = dense(w, 'classifier.3');
  return (x) => {
    let y = tf.maxPool(conv(x, c1, 1, 0, true), 2, 2, 'valid');
    y = tf.maxPool(conv(y, c2, 1, 0, true), 2, 2, 'valid');
    const flat = tf.reshape(y, [x.shape[0], -1]) as tf.Tensor2D;
    const h = tf.fused.matMul({ a: flat, b: fc1.b, bias: fc1.bias, activation: 'relu' });
    return tf.fused.matMul({ a: h, b: fc2.b, bias: fc2.bias });
  };
}

function resnet18Model(w: W): (x: tf.Tensor4D) => tf.Tensor {
  const stem = foldedConv(w, 'conv1', 'bn1');
  const blocks: { c1: ReturnType<typeof foldedConv>; c2: ReturnType<typeof foldedConv>; down?: ReturnType<typeof foldedConv>; stride: number }[] = [];
  for (let l = 1; l <= 4; l++) for (let b = 0; b < 2; b++) {
    const p = `layer${l}.${b}`;
    blocks.push({
      c1: foldedConv(w, `${p}.conv1`, `${p}.bn1`), c2: foldedConv(w, `${p}.conv2`, `${p}.bn2`),
      down: w.has(`${p}.downsample.0.weight`) ? foldedConv(w, `${p}.downsample.0`, `${p}.downsample.1`) : undefined,
      stride: l > 1 && b === 0 ? 2 : 1,
    });
  }
  const fc = dense(w, 'fc');
  return (x) => {
    let y = tf.maxPool(conv(x, stem, 2, 3, true), 3, 2, 1);
    for (const blk of blocks) {
      const identity = blk.down ? conv(y, blk.down, blk.stride, 0, false) : y;
      const h = conv(conv(y, blk.c1, blk.stride, 1, true), blk.c2, 1, 1, false);
      y = tf.relu(tf.add(h, identity)) as tf.Tensor4D;
    }
    const pooled = tf.mean(y, [1, 2]) as tf.Tensor2D;
    return tf.fused.matMul({ a: pooled, b: fc.b, bias: fc.bias });
  };
}

const nhwc = (p: Plain) => tf.tidy(() => tf.transpose(tf.tensor4d(f32(p), p.shape as [number, number, number, number]), [0, 2, 3, 1]) as tf.Tensor4D);

async function main(): Promise<void> {
  setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), path.sep));
  if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs wasm backend did not initialise');
  await tf.ready();
  const x = readPlain(cache, 'inputs.safetensors');
  const net = netModel(readPlain(cache, 'net.safetensors')), r18 = resnet18Model(readPlain(cache, 'resnet18.safetensors'));
  const mat = (k: string) => tf.tensor2d(f32(x.get(k)!), x.get(k)!.shape as [number, number]);
  const cases: { name: string; run: () => tf.Tensor; expected?: string; flops?: number }[] = [];
  for (const n of [512, 1024]) { const a = mat(`gemm_a${n}`), b = mat(`gemm_b${n}`); cases.push({ name: `gemm_${n}`, run: () => tf.matMul(a, b), flops: 2 * n ** 3 }); }
  const xs = { b1: nhwc(x.get('x_net_b1')!), b64: nhwc(x.get('x_net_b64')!), r18: nhwc(x.get('x_resnet18')!) };
  cases.push(
    { name: 'net_b1', run: () => net(xs.b1), expected: 'y_net_b1' },
    { name: 'net_b64', run: () => net(xs.b64), expected: 'y_net_b64' },
    { name: 'resnet18_224', run: () => r18(xs.r18), expected: 'y_resnet18', flops: 3.628e9 },
  );
  const results: object[] = [], checks: Record<string, number> = {};
  for (const c of cases) {
    if (only.size && !only.has(c.name)) continue;
    const once = () => { const y = tf.tidy(c.run); const data = y.dataSync(); y.dispose(); return data; };
    if (c.expected) checks[c.name] = maxAbsDiff(once() as Float32Array, f32(x.get(c.expected)!));
    const r = await timeBlock(c.name, once);
    results.push({ workload: c.name, runtime: 'tfjs-wasm', threads: 1, ...r, ...(c.flops ? { gflops: +(c.flops / r.ms / 1e6).toFixed(2) } : {}) });
  }
  emit({
    tfjs_version: tf.version.tfjs, backend: tf.getBackend(),
    simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'), multithread: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
    checks, results,
  });
}

main().catch((error) => { console.error(error); process.exit(1); });
