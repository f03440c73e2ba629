// forward: one eval-mode pass with global forward hooks timing every module call and recording its
// output shape. Python modules are called through the engine like any other, so they appear too.
// Convolutions run when their result is first read (batch-norm, residual add and ReLU fold into them:
// engine/functional/conv-fusion.ts), often inside a later module: a deferred-work tracer charges that time to
// the module that made the convolution (and the modules around it), not to the one that happened to read it.
import type { EngineDType, ForwardInput, ForwardOutput, ForwardParams, ForwardResult, LayerRecord } from '../../../protocol/engine';
import { nn, torch } from '../../../engine';
import { isFloating } from '../../../engine/dtype';
import type { Module } from '../../../engine/nn';
import { setDeferredTracer } from '../../../engine/storage';
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
  /** Each record's enclosing records when it started, and the records whose module call has ended. */
  const enclosing = new Map<LayerRecord, LayerRecord[]>();
  const closed = new Set<LayerRecord>();
  const pre = nn.register_module_forward_pre_hook((m: Module) => {
    const name = names.get(m);
    if (name === undefined) return;
    const record: LayerRecord = { name, type: m._get_name(), outputShape: null, ms: 0 };
    layers.push(record);
    enclosing.set(record, open.map((o) => o.record));
    open.push({ record, start: performance.now() });
  });
  const post = nn.register_module_forward_hook((m: Module, _args: unknown, output: unknown) => {
    if (!names.has(m) || !open.length) return;
    const { record, start } = open.pop()!;
    record.ms = round(record.ms + performance.now() - start);
    closed.add(record);
    const t = firstTensor(output);
    record.outputShape = t ? [...t.shape] : null;
  }, { always_call: true });

  const previousTracer = setDeferredTracer({
    created: () => open.at(-1)?.record,
    ran(tag, ms) {
      const owner = tag as LayerRecord;
      const owners = new Set([owner, ...enclosing.get(owner) ?? []]);
      // Running modules that do not contain the owner stop their clocks for it; ended owners get it added.
      for (const o of open) if (!owners.has(o.record)) o.start += ms;
      for (const r of owners) if (closed.has(r)) r.ms = round(r.ms + ms);
    },
  });
  const wasTraining = model.training;
  model.eval();
  const started = performance.now();
  let output: unknown;
  let tensors: Tensor[];
  try {
    output = model.call(input);
    tensors = tensorsOf(output);
    for (const t of tensors) void t.storage.values; // outputs still deferred run within the timed pass
  } finally {
    setDeferredTracer(previousTracer);
    pre.remove();
    post.remove();
    model.train(wasTraining);
  }
  const ms = round(performance.now() - started);
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
