// The engine process's model requests as the CLI uses them, mapped to the CLI's JSON. This is the one file
// that knows the shapes of those requests and their answers (src/protocol/engine.ts).
import type {
  ForwardInput, ForwardOutput, LoadStateDictResult, ModuleTensor, PruneParams, PruneResult, SourceLocation, TensorPage,
} from '../protocol/engine';
import type { RawTensor, TensorEntry } from '../formats';
import { engineSupports } from '../statedict/convert';
import type { EngineSession } from './engine-session';
import type { EntryInfo, ForwardJson, InspectJson, ModuleSummary } from './model-types';

/** Exactly the bytes of a view: IPC clones a typed array's whole underlying buffer. */
function exactBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? (bytes.buffer as ArrayBuffer)
    : (bytes.slice().buffer as ArrayBuffer);
}

export function toPage(tensor: { dtype: string; shape: readonly number[] }, bytes: Uint8Array): TensorPage {
  return { dtype: tensor.dtype as TensorPage['dtype'], shape: [...tensor.shape], offset: 0, data: exactBuffer(bytes) };
}

export async function listEntries(engine: EngineSession): Promise<{ entries: EntryInfo[]; stubbedImports: string[] }> {
  const result = await engine.request('listEntries', engine.sources);
  return {
    entries: result.entries.map(({ name, kind, line }) => ({ name, kind, line })),
    stubbedImports: [...new Set(result.stubbedImports.map((s) => s.name))],
  };
}

/** Builds the entry of the file listEntries evaluated last; returns the model's handle. */
export async function instantiate(engine: EngineSession, entry: string, kwargs?: Record<string, unknown>): Promise<number> {
  const result = await engine.request('instantiate', { entry, ...(kwargs ? { kwargs } : {}) });
  return result.handle;
}

function sourceOf(location: SourceLocation | undefined, engine: EngineSession): ModuleSummary['source'] {
  return location ? { file: engine.workspace.displayPath(location.file), line: location.line } : null;
}

export async function inspect(engine: EngineSession, handle: number): Promise<InspectJson> {
  const r = await engine.request('inspect', { model: handle });
  return {
    entry: r.entry,
    repr: r.repr,
    modules: r.modules.map((m) => ({ name: m.name, type: m.type, params: m.params, source: sourceOf(m.source, engine) })),
    children: r.children,
    parameters: r.parameters.map(({ name, shape, dtype }) => ({ name, shape, dtype })),
    buffers: r.buffers.map(({ name, shape, dtype, persistent }) => ({ name, shape, dtype, persistent })),
    stateDict: r.stateDict.map(({ key, shape, dtype }) => ({ key, shape, dtype })),
    totalParams: r.totalParams,
    trainableParams: r.trainableParams,
    stubbedImports: r.stubbedImports,
  };
}

/** load_state_dict in the engine process, with PyTorch's report (missing, unexpected, size mismatches). */
export async function loadStateDict(engine: EngineSession, handle: number, weights: { tensors: Map<string, TensorEntry> }, strict: boolean): Promise<LoadStateDictResult> {
  // dtypes the engine cannot compute in (float8, uint64, complex) stay behind and show up as missing keys
  const tensors: [string, TensorPage][] = [...weights.tensors]
    .filter(([, entry]) => engineSupports(entry.dtype))
    .map(([key, entry]) => [key, toPage(entry, entry.readSync())]);
  return engine.request('loadStateDict', { model: handle, tensors, strict });
}

export type ForwardSpec =
  | { kind: 'random'; shape: number[]; dtype: 'float32' | 'int64'; seed: number; high: number }
  | { kind: 'tensor'; tensor: RawTensor };

function forwardInput(spec: ForwardSpec): ForwardInput {
  if (spec.kind === 'random') return { shape: spec.shape, dtype: spec.dtype, seed: spec.seed, high: spec.high };
  const t = spec.tensor;
  return { shape: [...t.shape], dtype: t.dtype as ForwardOutput['dtype'], data: exactBuffer(t.bytes) };
}

export async function forward(engine: EngineSession, handle: number, input: ForwardSpec, wantOutput: boolean): Promise<ForwardJson & { outputTensor?: RawTensor }> {
  const r = await engine.request('forward', { model: handle, input: forwardInput(input), outputData: wantOutput });
  const { shape, dtype, data } = r.output;
  return {
    output: { shape, dtype },
    layers: r.layers.map(({ name, type, outputShape, ms }) => ({ name, type, outputShape, ms })),
    ms: r.ms,
    ...(data ? { outputTensor: { dtype, shape, bytes: new Uint8Array(data) } } : {}),
  };
}

/** torch.nn.utils.prune on the model in the engine process (prune's request shapes: src/protocol/engine.ts). */
export async function prune(engine: EngineSession, handle: number, spec: Omit<PruneParams, 'model'>): Promise<PruneResult> {
  return engine.request('prune', { model: handle, ...spec });
}

export async function removePruning(engine: EngineSession, handle: number, targets: ModuleTensor[]): Promise<number> {
  return (await engine.request('removePruning', { model: handle, targets })).removed;
}

/** The model's state_dict() as the engine holds it now: every entry's bytes in the formats' layout, in order. */
export async function readStateDict(engine: EngineSession, handle: number): Promise<Map<string, RawTensor>> {
  const { stateDict } = await engine.request('inspect', { model: handle });
  const out = new Map<string, RawTensor>();
  for (const entry of stateDict) {
    const count = entry.shape.reduce((a, b) => a * b, 1);
    const page = await engine.request('tensorPage', { model: handle, name: entry.key, offset: 0, count });
    out.set(entry.key, { dtype: page.dtype, shape: page.shape, bytes: new Uint8Array(page.data) });
  }
  return out;
}
