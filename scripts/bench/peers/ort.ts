// onnxruntime-node side of `npm run bench`: the ONNX exports (opset 13) of the same models on the same inputs.
//   tsx scripts/bench/peers/ort.ts --cache DIR [--threads 1,2]
// Session: intraOpNumThreads 1 or 2, interOpNumThreads 1, sequential, all graph optimisations; a timing is
// `await session.run()` end to end (output allocation and the copy into JS included).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { emit, timeBlock } from '../benchutil';
import { maxAbsDiff, readPlain, type Plain } from '../cache';

const argv = process.argv.slice(2);
const option = (name: string) => { const i = argv.indexOf(name); return i < 0 ? undefined : argv.splice(i, 2)[1]; };
const cache = option('--cache') ?? '.te-cache/bench';
const threadCounts = (option('--threads') ?? '1,2').split(',').map(Number);
const only = new Set(argv);

const tensor = (p: Plain) => p.data instanceof BigInt64Array ? new ort.Tensor('int64', p.data, p.shape) : new ort.Tensor('float32', p.data, p.shape);

async function main(): Promise<void> {
  const manifest = JSON.parse(fs.readFileSync(path.join(cache, 'manifest.json'), 'utf8')) as { onnx: Record<string, string | null> };
  const x = readPlain(cache, 'inputs.safetensors');
  const cases: { name: string; model: string; feeds: Record<string, Plain>; expected?: string; flops?: number }[] = [
    { name: 'gemm_512', model: 'matmul', feeds: { a: x.get('gemm_a512')!, b: x.get('gemm_b512')! }, flops: 2 * 512 ** 3 },
    { name: 'gemm_1024', model: 'matmul', feeds: { a: x.get('gemm_a1024')!, b: x.get('gemm_b1024')! }, flops: 2 * 1024 ** 3 },
    { name: 'net_b1', model: 'net', feeds: { x: x.get('x_net_b1')! }, expected: 'y_net_b1' },
    { name: 'net_b64', model: 'net', feeds: { x: x.get('x_net_b64')! }, expected: 'y_net_b64' },
    { name: 'resnet18_224', model: 'resnet18', feeds: { x: x.get('x_resnet18')! }, expected: 'y_resnet18', flops: 3.628e9 },
    { name: 'gpt_128', model: 'gpt', feeds: { idx: x.get('idx_gpt')! }, expected: 'y_gpt' },
  ];
  const results: object[] = [], checks: Record<string, number> = {}, skipped: Record<string, string> = {};
  for (const threads of threadCounts) {
    const sessions = new Map<string, ort.InferenceSession>();
    for (const c of cases) {
      if (only.size && !only.has(c.name)) continue;
      const file = manifest.onnx[c.model];
      if (!file) { skipped[c.name] = `the ONNX export of ${c.model} failed (see torch_bench.py --prepare)`; continue; }
      let session = sessions.get(c.model);
      if (!session) {
        session = await ort.InferenceSession.create(path.join(cache, file), {
          intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
        });
        sessions.set(c.model, session);
      }
      const feeds = Object.fromEntries(Object.entries(c.feeds).map(([k, v]) => [k, tensor(v)]));
      const s = session;
      if (c.expected && threads === threadCounts[0]) {
        const out = await s.run(feeds);
        checks[c.name] = maxAbsDiff(out.y.data as Float32Array, x.get(c.expected)!.data as Float32Array);
      }
      const r = await timeBlock(c.name, async () => s.run(feeds));
      results.push({ workload: c.name, runtime: 'ort', threads, ...r, ...(c.flops ? { gflops: +(c.flops / r.ms / 1e6).toFixed(2) } : {}) });
    }
    for (const s of sessions.values()) await s.release();
  }
  emit({ ort_version: ort.env.versions?.common ?? null, checks, skipped, results });
}

main().catch((error) => { console.error(error); process.exit(1); });
