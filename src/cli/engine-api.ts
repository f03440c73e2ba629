// The engine process's model requests as the CLI uses them, mapped to the CLI's JSON. This is the one file
// that knows the shapes of those requests' answers.
import type { EngineDType, TensorPage } from '../protocol/engine';
import type { RawTensor, TensorEntry } from '../formats';
import type { LoadReport } from '../statedict/load';
import type { EngineSession } from './engine-session';
import type { EntryInfo, ForwardJson, InspectJson } from './model-types';

type Loose = Record<string, unknown>;

/** A request by name: the CLI is typed against its own JSON, not against every engine result. */
function call<T>(engine: EngineSession, kind: string, params: Loose): Promise<T> {
  return engine.client.request(kind as 'call', params as never, { timeoutMs: engine.timeoutMs }) as Promise<T>;
}

function exactBuffer(bytes: Uint8Array): ArrayBuffer {
  // IPC clones a typed array's whole underlying buffer: send exactly the bytes
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? (bytes.buffer as ArrayBuffer)
    : (bytes.slice().buffer as ArrayBuffer);
}

export function toPage(tensor: { dtype: string; shape: readonly number[] }, bytes: Uint8Array): TensorPage {
  return { dtype: tensor.dtype as EngineDType, shape: [...tensor.shape], offset: 0, data: exactBuffer(bytes) };
}

export function fromPage(page: TensorPage): RawTensor {
  return { dtype: page.dtype, shape: [...page.shape], bytes: new Uint8Array(page.data) };
}

export async function listEntries(engine: EngineSession): Promise<{ entries: EntryInfo[]; stubbedImports: string[] }> {
  const result = await call<{ entries: EntryInfo[]; stubbedImports: { name: string }[] }>(engine, 'listEntries', engine.sources);
  return {
    entries: result.entries.map(({ name, kind, line }) => ({ name, kind, line })),
    stubbedImports: [...new Set(result.stubbedImports.map((s) => s.name))],
  };
}

export async function instantiate(engine: EngineSession, entry: string, kwargs?: Record<string, unknown>): Promise<number> {
  const result = await call<{ handle: number }>(engine, 'instantiate', { entry, ...(kwargs ? { kwargs } : {}) });
  return result.handle;
}

export async function loadStateDict(engine: EngineSession, handle: number, weights: { tensors: Map<string, TensorEntry> }, strict: boolean): Promise<LoadReport> {
  const tensors: [string, TensorPage][] = [...weights.tensors].map(([key, entry]) => [key, toPage(entry, entry.readSync())]);
  return call<LoadReport>(engine, 'loadStateDict', { handle, tensors, strict });
}

export async function inspect(engine: EngineSession, handle: number, entry: string, stubbedImports: string[]): Promise<InspectJson> {
  const result = await call<Omit<InspectJson, 'entry' | 'stubbedImports'>>(engine, 'inspect', { handle });
  return { entry, ...result, stubbedImports };
}

export async function forward(engine: EngineSession, handle: number, inputs: RawTensor[], wantOutput: boolean): Promise<ForwardJson & { outputTensor?: RawTensor }> {
  const result = await call<ForwardJson & { outputPage?: TensorPage }>(engine, 'forward', {
    handle, inputs: inputs.map((t) => toPage(t, t.bytes)), returnOutput: wantOutput, timeLayers: true,
  });
  return { output: result.output, layers: result.layers, ms: result.ms, ...(result.outputPage ? { outputTensor: fromPage(result.outputPage) } : {}) };
}
