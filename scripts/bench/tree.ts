// "Open a model file -> filled tree" on the TypeScript engine path, each in a fresh process:
//   tsx scripts/bench/tree.ts llama       the LLaMA-7B-sized definition: build + tree, and the peak RSS
//   tsx scripts/bench/tree.ts net|resnet18  import the model file, build, tree (cold); then warm repeats
// The tree is what the Models view and the inspector show: named_modules with types, named_parameters and
// named_buffers with shapes, the state_dict listing, the parameter count and the repr. Prints one JSON line.
import { performance } from 'node:perf_hooks';
import { nn } from '../../src/engine';
import { getAllocatedBytes } from '../../src/engine/storage';
import { emit, timeBlock } from './benchutil';

const maxRssMb = () => process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB
const rssMb = () => process.memoryUsage().rss / 2 ** 20;

/** The listing a tree view is filled from. */
export function fillTree(m: nn.Module) {
  const modules = [...m.named_modules()].map(([name, mod]) => ({ name, type: mod._get_name() }));
  const parameters = [...m.named_parameters()].map(([name, p]) => ({ name, shape: [...p.shape], dtype: p.dtype, numel: p.numel() }));
  const buffers = [...m.named_buffers()].map(([name, b]) => ({ name, shape: [...b.shape], dtype: b.dtype }));
  const stateDict = [...m.state_dict()].map(([key, t]) => ({ key, shape: [...t.shape], dtype: t.dtype }));
  const repr = String(m);
  return { modules: modules.length, parameters: parameters.length, buffers: buffers.length, state_dict: stateDict.length,
    numel: parameters.reduce((s, p) => s + p.numel, 0), repr_chars: repr.length };
}

const MODEL_FILES: Record<string, { file: string; build: (mod: Record<string, unknown>) => nn.Module }> = {
  net: { file: '../../test/golden/models/net', build: (mod) => new (mod.Net as new () => nn.Module)() },
  resnet18: { file: './models/resnet18', build: (mod) => new (mod.ResNet18 as new () => nn.Module)() },
  llama: { file: '../../test/support/llama', build: (mod) => new (mod.LlamaForCausalLM as new () => nn.Module)() },
};

async function main(): Promise<void> {
  const which = process.argv[2] ?? 'llama';
  const spec = MODEL_FILES[which];
  if (!spec) throw new Error(`tree.ts: unknown model ${which}; expected one of ${Object.keys(MODEL_FILES).join(', ')}`);
  // the baseline: this process with the engine loaded, before the model file is opened
  const baseline = { max_rss_mb: +maxRssMb().toFixed(1), rss_mb: +rssMb().toFixed(1) };
  const allocated0 = getAllocatedBytes();
  const t0 = performance.now();
  const mod = await import(spec.file) as Record<string, unknown>;
  const t1 = performance.now();
  const model = spec.build(mod);
  const t2 = performance.now();
  const tree = fillTree(model);
  const t3 = performance.now();
  const peak = { max_rss_mb: +maxRssMb().toFixed(1), rss_mb: +rssMb().toFixed(1) };
  const cold = { import_ms: +(t1 - t0).toFixed(2), build_ms: +(t2 - t1).toFixed(2), tree_ms: +(t3 - t2).toFixed(2), total_ms: +(t3 - t0).toFixed(2) };
  const allocatedBytes = getAllocatedBytes() - allocated0;
  // warm: the file is loaded; building and listing again (what a refresh costs)
  const warm = which === 'llama' ? null : await timeBlock('model_tree', () => fillTree(spec.build(mod)));
  emit({ model: which, cold, warm, tree, baseline, peak, peak_over_baseline_mb: +(peak.max_rss_mb - baseline.max_rss_mb).toFixed(1),
    parameter_bytes_allocated: allocatedBytes });
}

main().catch((error) => { console.error(error?.stack ?? error); process.exit(1); });
