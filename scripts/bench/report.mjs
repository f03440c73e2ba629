// Tables and issue-6 targets of `npm run bench` from the merged child outputs (bench.mjs).
//   node scripts/bench/report.mjs [bench-results/latest.json] [--markdown]   reprints a saved run
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const FORWARD = ['gemm_512', 'gemm_1024', 'net_b1', 'net_b64', 'resnet18_224', 'gpt_128'];
const LABELS = {
  gemm_512: 'GEMM 512³', gemm_1024: 'GEMM 1024³', net_b1: 'Net, batch 1', net_b64: 'Net, batch 64',
  resnet18_224: 'ResNet-18 1×3×224²', gpt_128: 'GPT decoder 1×128',
};
const CONTENDED = 0.05;

/** The timed columns: [key, header, child output, threads]. */
function columns(o) {
  return [
    ['ts1', 'engine TS 1t', o.engine_ts_1, 1], ['wasm1', 'engine WASM 1t', o.engine_wasm_1, 1],
    ...(o.engine_wasmr_1 ? [['wasmr1', 'engine WASM relaxed 1t', o.engine_wasmr_1, 1]] : []), ['wasm2', o.engine_wasm_2?.kernel_set?.includes('relaxed') ? 'engine WASM relaxed 2t' : 'engine WASM 2t', o.engine_wasm_2, 2],
    ['pt1', 'PyTorch 1t', o.pytorch, 1], ['pt2', 'PyTorch 2t', o.pytorch, 2],
    ['ort1', 'ORT 1t', o.ort, 1], ['ort2', 'ORT 2t', o.ort, 2], ['tfjs', 'tfjs-wasm 1t', o.tfjs, 1],
  ];
}

function find(output, workload, threads) {
  return output?.results?.find((r) => r.workload === workload && r.threads === threads) ?? null;
}

function grid(result) {
  const g = {};
  for (const w of FORWARD) {
    g[w] = {};
    for (const [key, , output, threads] of columns(result.outputs)) g[w][key] = find(output, w, threads);
  }
  return g;
}

/** The fastest one-thread engine variant of a workload (TS, WASM, WASM relaxed SIMD). */
function best1(g, w) {
  return [['ts', g[w].ts1], ['wasm', g[w].wasm1], ['wasm relaxed', g[w].wasmr1]].filter((x) => x[1])
    .map(([variant, r]) => ({ ...r, variant })).sort((a, b) => a.ms - b.ms)[0] ?? null;
}

const ratio = (a, b) => (a && b ? a.ms / b.ms : null);
const fmtMs = (ms) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3));
const fmtRatio = (r) => (r === null ? '–' : r >= 10 ? `${r.toFixed(0)}×` : `${r.toFixed(2)}×`);

/** A median cell: ms, GFLOP/s for GEMM, * when the kept attempt still saw foreign load > 5 %. */
function fmtCell(r, gemm) {
  if (!r) return '–';
  const star = r.foreign_load !== null && r.foreign_load > CONTENDED ? '*' : '';
  return `${fmtMs(r.ms)}${gemm && r.gflops ? ` (${r.gflops.toFixed(0)})` : ''}${star}`;
}

function median(xs) {
  const s = xs.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : null;
}

function llamaSummary(runs) {
  const ok = (runs ?? []).filter((r) => !r.error);
  if (!ok.length) return null;
  return {
    runs: ok.length, total_ms: median(ok.map((r) => r.cold.total_ms)), build_ms: median(ok.map((r) => r.cold.build_ms)),
    tree_ms: median(ok.map((r) => r.cold.tree_ms)), import_ms: median(ok.map((r) => r.cold.import_ms)),
    peak_rss_mb: Math.max(...ok.map((r) => r.peak.max_rss_mb)), baseline_rss_mb: median(ok.map((r) => r.baseline.max_rss_mb)),
    parameter_bytes_allocated: Math.max(...ok.map((r) => r.parameter_bytes_allocated)), tree: ok[0].tree,
  };
}

/** Where each issue-6 target stands; value null means not measured in this run. */
export function evaluateTargets(result) {
  const g = grid(result), o = result.outputs, t = [];
  const add = (id, text, value, pass, detail) => t.push({ id, target: text, value, met: value === null ? null : pass, detail });
  const gemm = best1(g, 'gemm_512');
  add('gemm512_1t', 'GEMM 512³ ≥ 35 GFLOP/s, one thread', gemm?.gflops ?? null, (gemm?.gflops ?? 0) >= 35, gemm && `engine ${gemm.variant}`);
  for (const [w, name] of [['resnet18_224', 'ResNet-18'], ['net_b64', 'Net batch 64']]) {
    const r1 = ratio(best1(g, w), g[w].pt1);
    add(`${w}_vs_torch_1t`, `${name} ≤ 1.5× PyTorch, 1 thread`, r1, r1 !== null && r1 <= 1.5, best1(g, w) && `engine ${best1(g, w).variant} ${fmtMs(best1(g, w).ms)} ms vs ${g[w].pt1 ? fmtMs(g[w].pt1.ms) : '–'} ms`);
    const two = g[w].wasm2;
    const r2 = ratio(two, g[w].pt2);
    add(`${w}_vs_torch_2t`, `${name} ≤ 1.5× PyTorch, 2 threads`, r2, r2 !== null && r2 <= 1.5, two && `engine wasm 2t ${fmtMs(two.ms)} ms vs ${g[w].pt2 ? fmtMs(g[w].pt2.ms) : '–'} ms`);
  }
  const rt = ratio(best1(g, 'resnet18_224'), g.resnet18_224.tfjs);
  add('resnet18_vs_tfjs', 'ResNet-18 ≤ 0.5× tfjs-wasm (1 thread)', rt, rt !== null && rt <= 0.5,
    best1(g, 'resnet18_224') && `engine ${best1(g, 'resnet18_224').variant} ${fmtMs(best1(g, 'resnet18_224').ms)} ms vs ${g.resnet18_224.tfjs ? fmtMs(g.resnet18_224.tfjs.ms) : '–'} ms` +
      // tfjs-wasm cannot use threads in Node, so the engine's 2-thread time is shown beside it, not counted
      (g.resnet18_224.wasm2 && g.resnet18_224.tfjs ? `; engine 2t ${fmtMs(g.resnet18_224.wasm2.ms)} ms = ${fmtRatio(ratio(g.resnet18_224.wasm2, g.resnet18_224.tfjs))}` : ''));
  const l = llamaSummary(o.llama);
  add('llama_time', 'LLaMA-7B-sized definition: tree ready ≤ 2 s', l?.total_ms ?? null, (l?.total_ms ?? Infinity) <= 2000, l && `import ${l.import_ms} + build ${l.build_ms} + tree ${l.tree_ms} ms`);
  add('llama_peak', 'LLaMA-7B-sized definition: peak RSS ≤ 400 MB', l?.peak_rss_mb ?? null, (l?.peak_rss_mb ?? Infinity) <= 400, l && `process baseline ${l.baseline_rss_mb} MB`);
  const st = o.safetensors?.results;
  const stH = st?.find((r) => r.workload === 'safetensors_1g_header_tree'), stR = st?.find((r) => r.workload === 'safetensors_1g_read');
  add('safetensors_header', '1 GB safetensors: header + tree ≤ 100 ms', stH?.ms ?? null, (stH?.ms ?? Infinity) <= 100, stH && `first call ${stH.first_ms ?? '–'} ms`);
  add('safetensors_read', '1 GB safetensors: all tensors read ≥ 1 GB/s (page cache)', stR?.gb_per_s ?? null, (stR?.gb_per_s ?? 0) >= 1);
  const checks = ['engine_ts_1', 'engine_wasm_1', 'engine_wasmr_1', 'engine_wasm_2'].flatMap((k) => Object.entries(o[k]?.checks ?? {}).map(([w, c]) => ({ k, w, ...c })));
  const bad = checks.filter((c) => !c.allclose);
  add('correctness', 'Net/ResNet-18/GPT outputs match PyTorch (rtol 1e-4, atol 1e-5), every kernel set', checks.length ? checks.length - bad.length : null,
    checks.length > 0 && bad.length === 0, checks.length ? `${checks.length - bad.length}/${checks.length} allclose${bad.length ? `; failing: ${bad.map((c) => `${c.k}:${c.w}`).join(', ')}` : ''}` : undefined);
  return t;
}

function table(header, rows, markdown, left = false) {
  if (markdown) {
    return [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i && !left ? '---:' : '---')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n') + '\n';
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (i && !left ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

export function formatReport(result, markdown = false) {
  const g = grid(result), o = result.outputs, out = [];
  const h = (s) => out.push(markdown ? `\n### ${s}\n` : `\n== ${s}`);
  h('Median ms (GFLOP/s for GEMM); * = the block still saw > 5 % foreign CPU load after its retries');
  const cols = columns(o);
  out.push(table(['workload', ...cols.map((c) => c[1])], FORWARD.filter((w) => cols.some((c) => g[w][c[0]]))
    .map((w) => [LABELS[w], ...cols.map((c) => fmtCell(g[w][c[0]], w.startsWith('gemm')))]), markdown));
  h('Ratios (engine time / other time; < 1 means the engine is faster)');
  out.push(table(['workload', 'TS/PyTorch 1t', 'WASM/PyTorch 1t', 'WASM 2t/PyTorch 2t', 'best 1t/tfjs-wasm', 'WASM/ORT 1t', 'WASM 2t/ORT 2t'],
    FORWARD.filter((w) => g[w].wasm1 || g[w].ts1).map((w) => [LABELS[w], fmtRatio(ratio(g[w].ts1, g[w].pt1)), fmtRatio(ratio(g[w].wasm1, g[w].pt1)),
      fmtRatio(ratio(g[w].wasm2, g[w].pt2)), fmtRatio(ratio(best1(g, w), g[w].tfjs)), fmtRatio(ratio(g[w].wasm1, g[w].ort1)), fmtRatio(ratio(g[w].wasm2, g[w].ort2))]), markdown));
  h('Correctness against PyTorch on the same weights and inputs: max |difference| (engine: allclose rtol 1e-4 / atol 1e-5)');
  const diff = (c) => (c === undefined ? '–' : typeof c === 'number' ? c.toExponential(1) : `${c.max_abs_diff.toExponential(1)} ${c.allclose ? 'ok' : 'FAIL'}`);
  out.push(table(['output', 'engine TS', 'engine WASM 1t', 'engine WASM relaxed', 'engine WASM 2t', 'ORT', 'tfjs-wasm'],
    ['net_b1', 'net_b64', 'resnet18_224', 'gpt_128'].map((w) => [LABELS[w], diff(o.engine_ts_1?.checks?.[w]), diff(o.engine_wasm_1?.checks?.[w]),
      diff(o.engine_wasmr_1?.checks?.[w]), diff(o.engine_wasm_2?.checks?.[w]), diff(o.ort?.checks?.[w]), diff(o.tfjs?.checks?.[w])]), markdown));
  h('Definitions, files and trees');
  const rows = [];
  const l = llamaSummary(o.llama);
  if (l) rows.push(['LLaMA-7B-sized definition (6.74 B params), fresh process', `${l.total_ms} ms to a filled tree (import ${l.import_ms}, build ${l.build_ms}, tree ${l.tree_ms}); peak RSS ${l.peak_rss_mb} MB (process before: ${l.baseline_rss_mb} MB); parameter bytes allocated: ${l.parameter_bytes_allocated}`]);
  else if (o.llama) rows.push(['LLaMA-7B-sized definition', `failed: ${o.llama[0]?.error}`]);
  const st = o.safetensors;
  if (st && !st.error) {
    const by = Object.fromEntries(st.results.map((r) => [r.workload, r]));
    const star = (r) => (r.foreign_load > CONTENDED ? '*' : '');
    rows.push([`safetensors ${(st.file_bytes / 1e9).toFixed(2)} GB, ${st.tensors} tensors: header + tree`, `${fmtMs(by.safetensors_1g_header_tree.ms)} ms${star(by.safetensors_1g_header_tree)} (first call in the process ${by.safetensors_1g_header_tree.first_ms ?? '–'} ms)`]);
    rows.push(['safetensors: read every tensor (page cache)', `${fmtMs(by.safetensors_1g_read.ms)} ms${star(by.safetensors_1g_read)} = ${by.safetensors_1g_read.gb_per_s} GB/s`]);
    rows.push(['safetensors: read into engine tensors', `${fmtMs(by.safetensors_1g_to_tensors.ms)} ms${star(by.safetensors_1g_to_tensors)} = ${by.safetensors_1g_to_tensors.gb_per_s} GB/s`]);
  } else if (st) rows.push(['1 GB safetensors', `failed: ${st.error}`]);
  for (const [m, r] of Object.entries(o.tree ?? {})) {
    rows.push([`${m === 'net' ? 'Net' : 'ResNet-18'} .ts model file -> tree (TS engine)`, r.error ? `failed: ${r.error}`
      : `cold ${r.cold.total_ms} ms (import ${r.cold.import_ms}, build ${r.cold.build_ms}, tree ${r.cold.tree_ms}); warm rebuild + tree ${fmtMs(r.warm.ms)} ms; ${r.tree.modules} modules, ${r.tree.state_dict} state_dict entries`]);
  }
  const pe = o.python_engine;
  if (pe) {
    rows.push(['Python engine: cold start -> evaluate examples/net.py -> inspect', pe.cold.error ? `pending: ${pe.cold.error}`
      : `${pe.cold.total_ms} ms (start ${pe.cold.start_ms}, evaluate + build ${pe.cold.evaluate_build_ms}, inspect ${pe.cold.inspect_ms})`]);
    if (pe.snapshot) rows.push(['Python engine: start from snapshot -> evaluate -> inspect', pe.snapshot.error ? `failed: ${pe.snapshot.error}`
      : `${pe.snapshot.total_ms} ms (start ${pe.snapshot.start_ms}, evaluate + build ${pe.snapshot.evaluate_build_ms}, inspect ${pe.snapshot.inspect_ms})`]);
    for (const [threads, r] of Object.entries(pe.resnet18 ?? {})) {
      rows.push([`Python engine: forward of examples/resnet_like resnet18 1×3×224², ${threads} thread(s)`, r.error ? `failed: ${r.error}`
        : `${r.forward_ms} ms median of ${r.repeat} (min ${r.min_ms}; kernels ${r.kernels})`]);
    }
  }
  out.push(table(['what', 'result'], rows, markdown, true));
  h('Issue-6 targets');
  const fmtV = (v) => (v === null ? '–' : typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : String(v));
  out.push(table(['target', 'measured', 'status', 'detail'], (result.targets ?? []).map((t) => [t.target, fmtV(t.value),
    t.met === null ? 'not measured' : t.met ? 'met' : 'MISSED', t.detail ?? '']), markdown, true));
  const errors = Object.entries(o).filter(([, v]) => v && !Array.isArray(v) && v.error).map(([k, v]) => `${k}: ${v.error}`);
  const skipped = Object.entries(o.ort?.skipped ?? {}).map(([w, why]) => `ORT ${w}: ${why}`);
  const all = [...(result.notes ?? []), ...errors, ...skipped];
  if (all.length) { h('Notes'); out.push(all.map((n) => `- ${n}`).join('\n') + '\n'); }
  out.push(`\n${markdown ? '' : '== '}${result.date} · ${result.machine.cpu} · ${result.machine.cpus} CPUs · Node ${result.machine.node} · torch ${result.torch_version ?? '–'}` +
    ` · load average at the end ${result.machine.loadavg_at_end.join(' ')} · ${result.elapsed_s} s\n`);
  return out.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 'bench-results/latest.json';
  process.stdout.write(formatReport(JSON.parse(fs.readFileSync(file, 'utf8')), process.argv.includes('--markdown')));
}
