#!/usr/bin/env node
// `npm run bench`: the engine (TypeScript and WASM kernels, 1 and 2 threads), PyTorch (Debian's python3-torch,
// 1 and 2 threads), onnxruntime-node (1 and 2 intra-op threads) and tfjs-wasm on the same inputs and weights,
// in one run; plus the LLaMA-7B-sized definition (time, peak RSS), a 1 GB safetensors file, model file ->
// tree, and the Python engine process. Every runtime runs in its own child process, one after another.
// Prints tables of medians, ratios, correctness and the issue-6 targets; writes bench-results/<date>.json
// and bench-results/latest.json.
//   node scripts/bench.mjs [name ...]    names: workloads (gemm_512 net_b64 ...) or sections (llama safetensors tree python)
//   env: TE_BENCH_NO_TORCH=1 skips PyTorch; TE_BENCH_NO_PEERS=1 skips onnxruntime-node and tfjs
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluateTargets, formatReport } from './bench/report.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cache = path.join(root, '.te-cache', 'bench');
const peersDir = path.join(root, 'scripts', 'bench', 'peers');
const CACHE_VERSION = 'bench-cache-v1';
const FORWARD = ['gemm_512', 'gemm_1024', 'net_b1', 'net_b64', 'resnet18_224', 'gpt_128'];
const SECTIONS = ['llama', 'safetensors', 'tree', 'python'];
const only = process.argv.slice(2);
for (const name of only) {
  if (!FORWARD.includes(name) && !SECTIONS.includes(name)) {
    console.error(`[bench] unknown name ${name}; expected workloads ${FORWARD.join(' ')} or sections ${SECTIONS.join(' ')}`);
    process.exit(2);
  }
}
const forwardOnly = only.filter((n) => FORWARD.includes(n));
const wants = (section) => only.length === 0 || only.includes(section);
const wantsForward = only.length === 0 || forwardOnly.length > 0;
const started = Date.now();
const notes = [];
const log = (msg) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${msg}\n`);

/** Runs a child; its last stdout line is its JSON result. `retryBudgetS` bounds its foreign-load retries. */
function child(label, cmd, args, { env = {}, retryBudgetS = 30, timeoutS = 600 } = {}) {
  log(`${label} ...`);
  const t0 = Date.now();
  const r = spawnSync(cmd, args, {
    cwd: root, encoding: 'utf8', maxBuffer: 64 << 20, timeout: timeoutS * 1000,
    env: { ...process.env, ...env, TE_BENCH_RETRY_UNTIL: String(Date.now() + retryBudgetS * 1000) },
  });
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  const lines = (r.stdout ?? '').trim().split('\n');
  if (r.status !== 0 || !lines.at(-1)?.startsWith('{')) {
    const why = r.error ? r.error.message : (r.stderr ?? '').trim().split('\n').filter(Boolean).slice(-1)[0] ?? `exit ${r.status}`;
    log(`${label} failed after ${seconds} s: ${why}`);
    return { error: why };
  }
  log(`${label} done in ${seconds} s`);
  return JSON.parse(lines.at(-1));
}

// Engine-side children run with the engine process's V8 heap settings (src/engine-node/v8-heap.json says why).
const v8Heap = JSON.parse(fs.readFileSync(path.join(root, 'src', 'engine-node', 'v8-heap.json'), 'utf8'));
const engineFlags = [`--initial-old-space-size=${v8Heap.initialOldSpaceMb}`];
const node = (script, args, options, flags = []) => [process.execPath, [...flags, '--import', 'tsx', `scripts/bench/${script}`, ...args], options];
const python = '/usr/bin/python3';

// ---- PyTorch and the shared cache (inputs, PyTorch's weights and outputs, ONNX exports) ----------------
let torchOk = false;
if (process.env.TE_BENCH_NO_TORCH !== '1' && fs.existsSync(python)) {
  torchOk = spawnSync(python, ['-c', 'import torch, torchvision'], { encoding: 'utf8' }).status === 0;
  if (!torchOk) notes.push('python3-torch/python3-torchvision are not installed: PyTorch columns are empty and the engine runs on its own random inputs (apt-get install python3-torch python3-torchvision)');
}
const manifestPath = path.join(cache, 'manifest.json');
const readManifest = () => { try { return JSON.parse(fs.readFileSync(manifestPath, 'utf8')); } catch { return null; } };
if (torchOk && wantsForward && readManifest()?.version !== CACHE_VERSION) {
  const prepared = child('preparing the cache with PyTorch (inputs, weights, ONNX exports)', python, ['scripts/bench/torch_bench.py', '--prepare', cache]);
  if (prepared.error) notes.push(`preparing the cache failed: ${prepared.error}`);
}
const manifest = readManifest();
const haveCache = manifest?.version === CACHE_VERSION;
if (wantsForward && !haveCache) notes.push('no bench cache: no correctness checks, and no ORT/tfjs columns (they need PyTorch\'s weights and ONNX exports)');

const outputs = {};
if (wantsForward) {
  // ---- the engine: one process per kernel set and thread count ---------------------------------------
  const threadsFile = path.join(root, 'src', 'engine-node', 'wasm-threads.ts');
  const threaded = fs.existsSync(threadsFile) && /TORCH_EXPLORER_THREADS/.test(fs.readFileSync(threadsFile, 'utf8'));
  if (!threaded) notes.push('the engine has no threaded kernels yet: no WASM 2-thread column');
  // VS Code's Electron validates relaxed SIMD (fused multiply-add), so the engine picks that module there; Node 20
  // needs a V8 flag for it (later Node versions validate it by default, and the plain WASM column uses it)
  const relaxed = Number(process.versions.node.split('.')[0]) === 20 ? ['--experimental-wasm-relaxed-simd'] : null;
  const variants = [['ts', 'ts', 1, 100, []], ['wasm', 'wasm', 1, 40, []], ...(relaxed ? [['wasmr', 'wasm', 1, 30, relaxed]] : []),
    // 2 threads run the module the engine process runs: relaxed SIMD (it turns the flag on itself on Node 20)
    ...(threaded ? [['wasm', 'wasm', 2, 40, relaxed ?? []]] : [])];
  for (const [name, kernels, threads, budget, flags] of variants) {
    outputs[`engine_${name}_${threads}`] = child(`engine ${kernels} kernels${flags.length ? ` (${flags.join(' ')})` : ''}, ${threads} thread${threads > 1 ? 's' : ''}`,
      ...node('engine.ts', ['--cache', cache, '--threads', String(threads), ...forwardOnly],
        { env: { TORCH_EXPLORER_KERNELS: kernels }, retryBudgetS: budget }, [...engineFlags, ...flags]));
  }
  if (torchOk && haveCache) {
    outputs.pytorch = child('PyTorch 1 and 2 threads', python, ['scripts/bench/torch_bench.py', '--cache', cache, '--threads', '1,2', ...forwardOnly], { retryBudgetS: 80 });
  }
  // ---- onnxruntime-node and tfjs-wasm: installed on demand into scripts/bench/peers (not project dependencies)
  if (process.env.TE_BENCH_NO_PEERS === '1') notes.push('TE_BENCH_NO_PEERS=1: no ORT/tfjs columns');
  else if (haveCache) {
    const peers = installPeers();
    if (peers.error) notes.push(`installing the peer runtimes failed (${peers.error}): no ORT/tfjs columns`);
    else {
      outputs.ort = child('onnxruntime-node 1 and 2 threads', ...node('peers/ort.ts', ['--cache', cache, '--threads', '1,2', ...forwardOnly], { retryBudgetS: 30 }));
      outputs.tfjs = child('tfjs wasm backend', ...node('peers/tfjs.ts', ['--cache', cache, ...forwardOnly], { retryBudgetS: 40 }));
    }
  }
}

if (wants('llama')) {
  // three fresh processes: the build time is a cold figure, and maxRSS is per process
  outputs.llama = [1, 2, 3].map((i) => child(`LLaMA-7B-sized definition (fresh process ${i}/3)`, ...node('tree.ts', ['llama'], { retryBudgetS: 0 }, engineFlags)));
}
if (wants('safetensors')) outputs.safetensors = child('1 GB safetensors (generated once into the cache)', ...node('safetensors.ts', ['--cache', cache], { retryBudgetS: 30 }, engineFlags));
if (wants('tree')) {
  outputs.tree = {};
  for (const m of ['net', 'resnet18']) outputs.tree[m] = child(`model file -> tree: ${m}`, ...node('tree.ts', [m], { retryBudgetS: 5 }, engineFlags));
}
if (wants('python')) {
  const snapshotDir = path.join(cache, 'engine-snapshot');
  const cold = child('Python engine process: cold start -> evaluate examples/net.py -> inspect', ...node('python_engine.ts', ['examples/net.py'], { timeoutS: 180 }));
  outputs.python_engine = { cold };
  if (!cold.error) {
    // the first start with a snapshot folder writes the snapshot; the second restores it
    child('Python engine process: making the memory snapshot', ...node('python_engine.ts', ['examples/net.py', '--snapshot', snapshotDir], { timeoutS: 180 }));
    outputs.python_engine.snapshot = child('Python engine process: start from the snapshot -> evaluate -> inspect',
      ...node('python_engine.ts', ['examples/net.py', '--snapshot', snapshotDir], { timeoutS: 180 }));
  }
  // the product's path for a forward pass: hardened engine process, Python model code, the CLI's request
  outputs.python_engine.resnet18 = {};
  for (const threads of [1, 2]) {
    outputs.python_engine.resnet18[threads] = child(`Python engine process: forward of examples/resnet_like resnet18, ${threads} thread(s)`,
      ...node('python_engine.ts', ['examples/resnet_like/resnet.py', '--entry', 'resnet18', '--forward', '1,3,224,224', '--threads', String(threads), '--repeat', '10'], { timeoutS: 240 }));
  }
}

function installPeers() {
  const want = JSON.parse(fs.readFileSync(path.join(peersDir, 'package.json'), 'utf8')).dependencies;
  const installed = (name) => { try { return JSON.parse(fs.readFileSync(path.join(peersDir, 'node_modules', name, 'package.json'), 'utf8')).version; } catch { return null; } };
  if (Object.entries(want).every(([name, version]) => installed(name) === version)) return {};
  log('installing onnxruntime-node and tfjs into scripts/bench/peers (benchmark only) ...');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['install', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error'], {
    cwd: peersDir, encoding: 'utf8', timeout: 300_000,
    // onnxruntime-node's postinstall would fetch CUDA/TensorRT libraries from NuGet; the CPU binaries ship in the tarball
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
  });
  if (r.status !== 0) return { error: (r.error?.message ?? r.stderr.trim().split('\n').slice(-1)[0]) || `npm exit ${r.status}` };
  return {};
}

// ---- report --------------------------------------------------------------------------------------------
const machine = {
  cpu: os.cpus()[0]?.model ?? 'unknown', cpus: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.release()}`,
  memory_gb: +(os.totalmem() / 2 ** 30).toFixed(1), loadavg_at_end: os.loadavg().map((x) => +x.toFixed(2)),
  simd_flags: (() => { try { const f = fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1].split(/\s+/) ?? []; return f.filter((x) => /^(avx2|fma|avx512f|avx512_bf16|avx512_fp16|amx_tile)$/.test(x)); } catch { return []; } })(),
};
const result = {
  date: new Date().toISOString(), machine, elapsed_s: Math.round((Date.now() - started) / 1000), only: only.length ? only : undefined,
  torch_version: outputs.pytorch?.torch_version ?? manifest?.torch_version ?? null, torch_blas: outputs.pytorch?.blas ?? null,
  engine_node_flags: engineFlags, notes, outputs,
};
result.targets = evaluateTargets(result);
process.stdout.write(formatReport(result));
const dir = path.join(root, 'bench-results');
fs.mkdirSync(dir, { recursive: true });
const file = path.join(dir, `${result.date.replace(/[:.]/g, '-')}.json`);
fs.writeFileSync(file, `${JSON.stringify(result, null, 1)}\n`);
// latest.json is the committed record of a full run; a run of selected names writes its dated file only
if (!only.length) fs.writeFileSync(path.join(dir, 'latest.json'), `${JSON.stringify(result, null, 1)}\n`);
log(`JSON: ${path.relative(root, file)}${only.length ? '' : ' and bench-results/latest.json'} (${result.elapsed_s} s in all)`);
if (wantsForward && outputs.engine_wasm_1?.error && outputs.engine_ts_1?.error) process.exit(1);
