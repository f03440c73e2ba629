// The engine's benchmark workloads on the shared cache (written by `torch_bench.py --prepare`): the same
// inputs as PyTorch, onnxruntime-node and tfjs, and PyTorch's weights loaded with load_state_dict.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nn, torch } from '../../src/engine';
import type { Tensor } from '../../src/engine/tensor';
import { openCheckpointFile } from '../../src/formats/files-node';
import { tensorFromRecord } from '../../src/statedict/convert';
import { Net } from '../../test/golden/models/net';
import { GPT } from './models/gpt';
import { ResNet18, RESNET18_PARAMS } from './models/resnet18';

export interface Workload { name: string; run: () => unknown; flops?: number }

/** Every tensor of a safetensors file in the cache, as engine tensors. */
export function readTensors(cache: string, file: string): Map<string, Tensor> {
  const opened = openCheckpointFile(path.join(cache, file));
  try {
    const out = new Map<string, Tensor>();
    for (const [name, entry] of opened.tensors) out.set(name, tensorFromRecord(entry)!);
    return out;
  } finally {
    opened.close();
  }
}

export function loadModel<M extends nn.Module>(model: M, cache: string, file: string): M {
  model.load_state_dict(readTensors(cache, file), true);
  return model.eval() as M;
}

export interface Check { max_abs_diff: number; allclose: boolean; worst_excess: number }

/** torch.allclose(actual, expected, rtol, atol) with the largest |a - e| and the worst |a - e| - (atol + rtol |e|). */
export function compare(actual: Tensor, expected: Tensor, rtol = 1e-4, atol = 1e-5): Check {
  const a = actual.contiguous().toArray() as ArrayLike<number>, e = expected.contiguous().toArray() as ArrayLike<number>;
  if (a.length !== e.length) throw new Error(`output has ${a.length} elements, PyTorch's ${e.length}`);
  let maxAbs = 0, worst = -Infinity;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - e[i]);
    maxAbs = Math.max(maxAbs, Number.isNaN(d) ? Infinity : d);
    worst = Math.max(worst, Number.isNaN(d) ? Infinity : d - (atol + rtol * Math.abs(e[i])));
  }
  return { max_abs_diff: maxAbs, allclose: worst <= 0, worst_excess: worst };
}

export function buildModels(cache: string) {
  const net = loadModel(new Net(), cache, 'net.safetensors');
  const resnet18 = loadModel(new ResNet18(), cache, 'resnet18.safetensors');
  const params = [...resnet18.parameters()].reduce((s, p) => s + p.numel(), 0);
  if (params !== RESNET18_PARAMS) throw new Error(`ResNet-18 has ${params} parameters, torchvision's has ${RESNET18_PARAMS}`);
  const gpt = loadModel(new GPT(), cache, 'gpt.safetensors');
  return { net, resnet18, gpt };
}

/** The timed workloads plus the correctness checks against PyTorch's outputs on the same weights and inputs. */
export function engineWorkloads(cache: string): { workloads: Workload[]; checks: Record<string, Check> | null } {
  const prepared = fs.existsSync(path.join(cache, 'manifest.json'));
  const x = prepared ? readTensors(cache, 'inputs.safetensors') : randomInputs();
  const { net, resnet18, gpt } = prepared ? buildModels(cache) : { net: new Net().eval(), resnet18: new ResNet18().eval(), gpt: new GPT().eval() };
  const get = (k: string) => x.get(k)!;
  const checks: Record<string, Check> | null = prepared ? {
    net_b1: compare(net.call(get('x_net_b1')), get('y_net_b1')),
    net_b64: compare(net.call(get('x_net_b64')), get('y_net_b64')),
    resnet18_224: compare(resnet18.call(get('x_resnet18')), get('y_resnet18')),
    gpt_128: compare(gpt.call(get('idx_gpt')), get('y_gpt')),
  } : null;
  const workloads: Workload[] = [];
  for (const n of [512, 1024]) {
    const a = get(`gemm_a${n}`), b = get(`gemm_b${n}`);
    workloads.push({ name: `gemm_${n}`, run: () => computed(torch.mm(a, b)), flops: 2 * n ** 3 });
  }
  workloads.push(
    { name: 'net_b1', run: () => computed(net.call(get('x_net_b1'))) },
    { name: 'net_b64', run: () => computed(net.call(get('x_net_b64'))) },
    { name: 'resnet18_224', run: () => computed(resnet18.call(get('x_resnet18'))), flops: 3.628e9 },
    { name: 'gpt_128', run: () => computed(gpt.call(get('idx_gpt'))) },
  );
  return { workloads, checks };
}

/**
 * The output with its values computed: a convolution's result is computed when first read (conv-fusion.ts), so a
 * model ending in one would otherwise be timed without it.
 */
function computed(t: Tensor): Tensor {
  void t.storage.values;
  return t;
}

/** Without python3-torch there is no cache: the engine runs alone on its own random inputs and weights. */
function randomInputs(): Map<string, Tensor> {
  torch.manual_seed(0);
  return new Map<string, Tensor>([
    ['gemm_a512', torch.randn(512, 512)], ['gemm_b512', torch.randn(512, 512)],
    ['gemm_a1024', torch.randn(1024, 1024)], ['gemm_b1024', torch.randn(1024, 1024)],
    ['x_net_b1', torch.randn(1, 3, 38, 38)], ['x_net_b64', torch.randn(64, 3, 38, 38)],
    ['x_resnet18', torch.randn(1, 3, 224, 224)], ['idx_gpt', torch.randint(0, 8192, [1, 128])],
  ]);
}
