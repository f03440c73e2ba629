#!/usr/bin/env node
// `npm run bench`: the engine and PyTorch (Debian's python3-torch, when installed) on the same workloads,
// in one run. Prints a table of medians and ratios and writes bench-results/<date>.json and latest.json.
//   node scripts/bench.mjs [workload ...]     env: TE_BENCH_NO_TORCH=1 skips PyTorch
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.slice(2);

function runJson(cmd, args, label) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    console.error(`[bench] ${label} failed (status ${r.status}):\n${r.stderr.slice(-2000)}`);
    return null;
  }
  const line = r.stdout.trim().split('\n').pop();
  return JSON.parse(line);
}

const engine = runJson(process.execPath, ['--import', 'tsx', 'scripts/bench/engine.ts', ...only], 'engine');
const torchPython = '/usr/bin/python3';
let torch = null;
if (process.env.TE_BENCH_NO_TORCH !== '1' && fs.existsSync(torchPython)) {
  const probe = spawnSync(torchPython, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status === 0) torch = runJson(torchPython, ['scripts/bench/torch_bench.py', ...only], 'pytorch');
  else console.error('[bench] python3-torch is not installed: PyTorch columns are empty (apt-get install python3-torch python3-torchvision)');
}

const rows = [];
for (const e of engine?.results ?? []) {
  const t1 = torch?.results.find((t) => t.workload === e.workload && t.threads === 1);
  const t2 = torch?.results.find((t) => t.workload === e.workload && t.threads === 2);
  rows.push({
    workload: e.workload, engine: e.engine, threads: e.threads, ms: e.ms, gflops: e.gflops ?? null,
    torch1_ms: t1?.ms ?? null, torch2_ms: t2?.ms ?? null,
    ratio_vs_torch_same_threads: (e.threads === 2 ? t2 : t1) ? +(e.ms / (e.threads === 2 ? t2 : t1).ms).toFixed(3) : null,
    extra: e.extra ?? undefined,
  });
}

const pad = (s, n) => String(s ?? '-').padStart(n);
console.log(`\n${'workload'.padEnd(22)}${pad('engine', 8)}${pad('thr', 4)}${pad('ms', 11)}${pad('GFLOP/s', 9)}${pad('torch1 ms', 11)}${pad('torch2 ms', 11)}${pad('ratio', 8)}`);
for (const r of rows)
  console.log(`${r.workload.padEnd(22)}${pad(r.engine, 8)}${pad(r.threads, 4)}${pad(r.ms, 11)}${pad(r.gflops, 9)}${pad(r.torch1_ms, 11)}${pad(r.torch2_ms, 11)}${pad(r.ratio_vs_torch_same_threads, 8)}`);

const out = {
  date: new Date().toISOString(), node: process.version, cpus: (await import('node:os')).cpus().length,
  torch_version: torch?.torch_version ?? null, rows, engine_raw: engine, torch_raw: torch,
};
const dir = path.join(root, 'bench-results');
fs.mkdirSync(dir, { recursive: true });
const file = path.join(dir, `${out.date.replace(/[:.]/g, '-')}.json`);
fs.writeFileSync(file, JSON.stringify(out, null, 2));
fs.writeFileSync(path.join(dir, 'latest.json'), JSON.stringify(out, null, 2));
console.log(`\n[bench] JSON: ${path.relative(root, file)}`);
if (!engine) process.exit(1);
