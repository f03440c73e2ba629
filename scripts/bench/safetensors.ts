// Loading a ~1 GB safetensors file with src/formats: header + tree (what the checkpoint viewer shows first)
// and reading every tensor's bytes from the page cache. The file is generated once into the bench cache
// with the formats writer (a LLaMA-style layout: width 1024, MLP 2816, 17 layers, vocab 32000, float32;
// 155 tensors, 1.005 GB).
//   tsx scripts/bench/safetensors.ts --cache DIR        prints one JSON line
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { groupByPrefix } from '../../src/extension/checkpoint-editor/state-dict-tree';
import { writeFileAtomicSync } from '../../src/formats/atomic-node';
import { openCheckpointFile } from '../../src/formats/files-node';
import { safetensorsChunks } from '../../src/formats/safetensors';
import type { TensorEntry } from '../../src/formats/tensor-data';
import { tensorFromRecord } from '../../src/statedict/convert';
import { emit, timeBlock } from './benchutil';

const argv = process.argv.slice(2);
const option = (name: string) => { const i = argv.indexOf(name); return i < 0 ? undefined : argv.splice(i, 2)[1]; };
const cache = option('--cache') ?? '.te-cache/bench';
const file = path.join(cache, 'big-1g.safetensors');

function layout(): [string, number[]][] {
  const dim = 1024, hidden = 2816, layers = 17, vocab = 32000;
  const out: [string, number[]][] = [['model.embed_tokens.weight', [vocab, dim]]];
  for (let l = 0; l < layers; l++) {
    const p = `model.layers.${l}`;
    for (const n of ['q_proj', 'k_proj', 'v_proj', 'o_proj']) out.push([`${p}.self_attn.${n}.weight`, [dim, dim]]);
    out.push([`${p}.mlp.gate_proj.weight`, [hidden, dim]], [`${p}.mlp.up_proj.weight`, [hidden, dim]], [`${p}.mlp.down_proj.weight`, [dim, hidden]]);
    out.push([`${p}.input_layernorm.weight`, [dim]], [`${p}.post_attention_layernorm.weight`, [dim]]);
  }
  out.push(['model.norm.weight', [dim]]);
  return out;
}

function generate(): number {
  const tiles = new Uint8Array(1 << 20);
  const f = new Float32Array(tiles.buffer);
  for (let i = 0; i < f.length; i++) f[i] = (Math.random() - 0.5) * 0.04;
  const entries = layout().map(([name, shape]): [string, TensorEntry] => {
    const bytes = shape.reduce((a, b) => a * b, 1) * 4;
    const produce = () => { const out = new Uint8Array(bytes); for (let o = 0; o < bytes; o += tiles.length) out.set(tiles.subarray(0, Math.min(tiles.length, bytes - o)), o); return out; };
    return [name, { dtype: 'float32', shape, byteLength: bytes, readSync: produce, read: async () => produce() }];
  });
  const t0 = performance.now();
  writeFileAtomicSync(file, safetensorsChunks(entries, { format: 'pt' }));
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const expected = layout().reduce((s, [, shape]) => s + shape.reduce((a, b) => a * b, 1) * 4, 0);
  let generatedMs: number | null = null;
  if (!fs.existsSync(file) || fs.statSync(file).size < expected) generatedMs = generate();
  const size = fs.statSync(file).size;

  const headerTree = () => {
    const opened = openCheckpointFile(file);
    const tree = groupByPrefix([...opened.tensors].map(([k, t]) => [k, { dtype: t.dtype, shape: t.shape, byteLength: t.byteLength }] as const));
    opened.close();
    return tree;
  };
  const readAll = () => {
    const opened = openCheckpointFile(file);
    let bytes = 0;
    for (const entry of opened.tensors.values()) bytes += entry.readSync().byteLength;
    opened.close();
    return bytes;
  };
  const toTensors = () => {
    const opened = openCheckpointFile(file);
    let n = 0;
    for (const entry of opened.tensors.values()) n += tensorFromRecord(entry)!.numel();
    opened.close();
    return n;
  };
  const tensors = openCheckpointFile(file);
  const count = tensors.tensors.size;
  tensors.close();
  if (readAll() !== expected) throw new Error(`${file}: read ${readAll()} tensor bytes, expected ${expected}`);
  const first0 = performance.now();
  headerTree();
  const firstMs = +(performance.now() - first0).toFixed(2);
  const header = { ...(await timeBlock('safetensors_1g_header_tree', headerTree)), first_ms: firstMs };
  const read = await timeBlock('safetensors_1g_read', readAll);
  const engine = await timeBlock('safetensors_1g_read', toTensors);
  const gbps = (ms: number) => +(expected / ms / 1e6).toFixed(2);
  emit({
    file: path.basename(file), file_bytes: size, tensor_bytes: expected, tensors: count, generated_ms: generatedMs && +generatedMs.toFixed(0),
    results: [
      { workload: 'safetensors_1g_header_tree', runtime: 'engine', threads: 1, ...header },
      { workload: 'safetensors_1g_read', runtime: 'engine', threads: 1, ...read, gb_per_s: gbps(read.ms) },
      { workload: 'safetensors_1g_to_tensors', runtime: 'engine', threads: 1, ...engine, gb_per_s: gbps(engine.ms) },
    ],
  });
}

main().catch((error) => { console.error(error?.stack ?? error); process.exit(1); });
