// forward: one eval-mode pass with global forward hooks timing every module call and recording its
// output shape. Python modules are called through the engine like any other, so they appear too.
import type { EngineDType, ForwardInput, ForwardOutput, ForwardParams, ForwardResult, LayerRecord } from '../../../protocol/engine';
import { nn, torch } from '../../../engine';
import { isFloating } from '../../../engine/dtype';
import type { Module } from '../../../engine/nn';
import { Tensor } from '../../../engine/tensor';
import { readNpy } from '../../../formats/npy';
import { EngineCallError } from '../bridge';
import { moduleOf } from './module-ops';
import { tensorBytes, tensorFromBytes } from './tensor-ops';

const bytesOf = (data: ArrayBuffer | Uint8Array): Uint8Array => (data instanceof Uint8Array ? data : new Uint8Array(data));

export function inputTensor(input: ForwardInput): Tensor {
  if ('npy' in input) {
    const raw = readNpy(bytesOf(input.npy));
    return tensorFromBytes(raw.bytes, raw.dtype, raw.shape);
  }
  if ('data' in input) return tensorFromBytes(bytesOf(input.data), input.dtype, input.shape);
  const dtype = input.dtype ?? 'float32';
  torch.manual_seed(input.seed ?? 0);
  if (isFloating(dtype)) return torch.randn(input.shape, { dtype });
  if (dtype === 'bool') return torch.randint(0, 2, input.shape).bool();
  // Token ids: small non-negative integers fit any vocabulary or class count the model may have.
  return torch.randint(0, input.high ?? 2, input.shape, { dtype });
}

function firstTensor(value: unknown): Tensor | undefined {
  if (value instanceof Tensor) return value;
  if (Array.isArray(value)) for (const v of value) { const t = firstTensor(v); if (t) return t; }
  if (value instanceof Map) for (const v of value.values()) { const t = firstTensor(v); if (t) return t; }
  return undefined;
}

function tensorsOf(value: unknown): Tensor[] {
  if (value instanceof Tensor) return [value];
  if (Array.isArray(value)) return value.flatMap(tensorsOf);
  if (value instanceof Map) return [...value.values()].flatMap(tensorsOf);
  return [];
}

function outputOf(t: Tensor, withData: boolean): ForwardOutput {
  const out: ForwardOutput = { shape: [...t.shape], dtype: t.dtype as EngineDType };
  if (withData) out.data = tensorBytes(t);
  return out;
}

export function runForward(params: ForwardParams): ForwardResult {
  const model = moduleOf(params.model);
  const input = inputTensor(params.input);
  const names = new Map<Module, string>();
  for (const [name, m] of model.named_modules()) names.set(m, name);

  const layers: LayerRecord[] = [];
  const open: { record: LayerRecord; start: number }[] = [];
  const pre = nn.register_module_forward_pre_hook((m: Module) => {
    const name = names.get(m);
    if (name === undefined) return;
    const record: LayerRecord = { name, type: m._get_name(), outputShape: null, ms: 0 };
    layers.push(record);
    open.push({ record, start: performance.now() });
  });
  const post = nn.register_module_forward_hook((m: Module, _args: unknown, output: unknown) => {
    if (!names.has(m) || !open.length) return;
    const { record, start } = open.pop()!;
    record.ms = round(performance.now() - start);
    const t = firstTensor(output);
    record.outputShape = t ? [...t.shape] : null;
  }, { always_call: true });

  const wasTraining = model.training;
  model.eval();
  const started = performance.now();
  let output: unknown;
  try {
    output = model.call(input);
  } finally {
    pre.remove();
    post.remove();
    model.train(wasTraining);
  }
  const ms = round(performance.now() - started);
  const tensors = tensorsOf(output);
  if (!tensors.length) throw new EngineCallError('TypeError', `the model returned ${describe(output)}, not a tensor`);
  const withData = params.outputData === true;
  const result: ForwardResult = { output: outputOf(tensors[0], withData), layers, ms };
  if (tensors.length > 1) result.outputs = tensors.map((t) => outputOf(t, withData));
  return result;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  return typeof value === 'object' ? (value as object).constructor?.name ?? 'an object' : typeof value;
}
