// Engine side of `npm run bench`: one kernel set and thread count per process, chosen by the runner.
//   TORCH_EXPLORER_KERNELS=ts|wasm tsx scripts/bench/engine.ts --cache DIR [--threads 2] [workload ...]
// Prints one JSON line: {kernels, threads, checks: {workload: {max_abs_diff, allclose}}, results: [...]}.
import { kernels, setKernels } from '../../src/engine';
import { nodeKernelSet } from '../../src/engine-node/wasm-threads';
import { emit, timeBlock } from './benchutil';
import { engineWorkloads } from './workloads';

const argv = process.argv.slice(2);
const option = (name: string) => { const i = argv.indexOf(name); return i < 0 ? undefined : argv.splice(i, 2)[1]; };
const cache = option('--cache') ?? '.te-cache/bench';
const threads = Number(option('--threads') ?? 1);
const only = new Set(argv);
const mode = process.env.TORCH_EXPLORER_KERNELS ?? 'auto';

async function main(): Promise<void> {
  if (threads > 1) {
    if (mode !== 'wasm') throw new Error(`--threads ${threads} needs TORCH_EXPLORER_KERNELS=wasm (only the WASM kernels run threads)`);
    // the engine's own Node kernel selection: TORCH_EXPLORER_KERNELS plus TORCH_EXPLORER_THREADS
    setKernels(nodeKernelSet({ ...process.env, TORCH_EXPLORER_THREADS: String(threads) }));
  }
  const { workloads, checks } = engineWorkloads(cache);
  const results: object[] = [];
  for (const w of workloads) {
    if (only.size && !only.has(w.name)) continue;
    const r = await timeBlock(w.name, w.run);
    results.push({ workload: w.name, runtime: 'engine', kernels: mode, threads, ...r, ...(w.flops ? { gflops: +(w.flops / r.ms / 1e6).toFixed(2) } : {}) });
  }
  emit({ kernels: mode, kernel_set: kernels().name, threads, checks, results });
  process.exit(0); // worker threads of the threaded set are unref'd, but leave no doubt
}

main().catch((error) => { console.error(error); process.exit(1); });
