// Engine side of `npm run bench`: prints one JSON line {results: [{workload, engine, threads, ms, gflops?, runs}]}.
// Medians after warm-up; the same workloads as torch_bench.py.
import { performance } from 'node:perf_hooks';
import { torch } from '../../src/engine';
import { engineWorkloads } from './workloads';

function medianMs(fn: () => unknown, minRuns: number, minSeconds = 1): { ms: number; runs: number } {
  fn();
  fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minRuns || (performance.now() - start < minSeconds * 1000 && times.length < 200)) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { ms: +times[Math.floor(times.length / 2)].toFixed(4), runs: times.length };
}

const only = new Set(process.argv.slice(2));
const results: object[] = [];
torch.manual_seed(0);
for (const w of engineWorkloads()) {
  if (only.size && !only.has(w.name)) continue;
  const { ms, runs } = medianMs(w.run, w.minRuns);
  results.push({ workload: w.name, engine: 'ts', threads: 1, ms, runs, gflops: w.flops ? +(w.flops / ms / 1e6).toFixed(2) : undefined, extra: w.extra?.() });
}
console.log(JSON.stringify({ results }));
