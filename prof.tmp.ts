import { WasmKernelRuntime } from './src/engine/kernels/wasm/runtime';
const rt = new WasmKernelRuntime('simd');
function conv(name: string, cIn: number, cOut: number, size: number, k: number, stride: number, pad: number) {
  const out = Math.floor((size + 2 * pad - k) / stride) + 1;
  const depth = cIn * k * k, plane = out * out;
  const cap = depth * plane; // one chunk: columns hold everything
  const [scratch, cols, wt, bias, inp, o] = rt.reserve([rt.gemmScratchBytes, cap * 4, cOut * depth * 4, cOut * 4, cIn * size * size * 4, cOut * plane * 4]);
  const f = rt.floats(); for (let i = 0; i < (o + cOut*plane*4)/4; i++) f[i] = (i % 7) * 0.1;
  const runConv = () => rt.exports.conv2d(1, cIn, size, size, cOut, k, k, 1, stride, stride, pad, pad, 1, 1, out, out, inp, wt, bias, 1, o, cols, cap, scratch, 0, out);
  const runGemm = () => rt.exports.sgemm(cOut, plane, depth, wt, depth, 1, cols, plane, 1, o, plane, 1, 1, scratch);
  let bc = 1e9, bg = 1e9;
  for (let r = 0; r < 15; r++) { let t = performance.now(); runConv(); bc = Math.min(bc, performance.now() - t); t = performance.now(); runGemm(); bg = Math.min(bg, performance.now() - t); }
  const flops = 2 * cOut * plane * depth;
  console.log(name.padEnd(10), 'conv', bc.toFixed(2), 'ms', (flops / bc / 1e6).toFixed(1), 'GF | gemm on columns', bg.toFixed(2), 'ms', (flops / bg / 1e6).toFixed(1), 'GF | im2col share', ((bc - bg) / bc * 100).toFixed(0), '%');
}
conv('stem', 3, 64, 224, 7, 2, 3);
conv('64@56', 64, 64, 56, 3, 1, 1);
conv('s2 64@56', 64, 128, 56, 3, 2, 1);
conv('128@28', 128, 128, 28, 3, 1, 1);
conv('256@14', 256, 256, 14, 3, 1, 1);
conv('512@7', 512, 512, 7, 3, 1, 1);
