import { WasmKernelRuntime } from './src/engine/kernels/wasm/runtime';
const rt = new WasmKernelRuntime('simd');
function best(f: () => void, n = 12) { f(); let b = 1e9; for (let i = 0; i < n; i++) { const t = performance.now(); f(); b = Math.min(b, performance.now() - t); } return b; }
const res: string[] = [];
for (const [m, n, k] of [[512, 512, 512], [1024, 1024, 1024], [64, 3136, 576], [256, 196, 2304], [512, 49, 4608]]) {
  const [scratch, a, b, c] = rt.reserve([rt.gemmScratchBytes, m * k * 4, k * n * 4, m * n * 4]);
  const f = rt.floats(); for (let i = a / 4; i < (c + m * n * 4) / 4; i++) f[i] = (i % 13) * 0.05 - 0.3;
  const t = best(() => rt.exports.sgemm(m, n, k, a, k, 1, b, n, 1, c, n, 1, 0, scratch), m === 1024 ? 5 : 15);
  res.push(`${m}x${n}x${k}: ${(2 * m * n * k / t / 1e6).toFixed(1)}`);
}
console.log(process.argv[2] ?? '', res.join(' | '));
