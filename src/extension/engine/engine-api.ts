// The engine's answers as the extension keeps them. engine-requests.ts converts the protocol's results
// (src/protocol/engine.ts) into these: one name field for every tensor, stubbed imports by name.
import type { EngineError, SourceLocation, StubbedImport } from '../../protocol/engine';

export type { EngineError, SourceLocation, StubbedImport };

export interface EntryInfo {
  name: string;
  kind: 'class' | 'instance' | 'factory';
  line: number;
}

export interface ListEntriesAnswer {
  entries: EntryInfo[];
  stubbedImports: StubbedImport[];
}

/** One module of `named_modules()`, in that order. */
export interface ModuleRecord {
  /** qualified name, '' for the root */
  name: string;
  type: string;
  /** parameters of this module and its children, each once */
  params?: number;
  /** where the module was constructed */
  source?: SourceLocation;
  /** where it was assigned (`self.features = ...`) */
  assigned?: SourceLocation;
}

export interface TensorRecord {
  name: string;
  shape: number[];
  dtype: string;
  requiresGrad?: boolean;
  /** buffers only: whether state_dict() includes it */
  persistent?: boolean;
}

export interface InspectAnswer {
  entry: string;
  repr: string;
  modules: ModuleRecord[];
  /** names of `named_children()` of the root */
  children: string[];
  parameters: TensorRecord[];
  buffers: TensorRecord[];
  stateDict: TensorRecord[];
  totalParams: number;
  trainableParams: number;
  /** dotted names of the imports replaced by stubs */
  stubbedImports: string[];
}

export interface LayerTiming {
  name: string;
  type: string;
  outputShape: number[] | null;
  ms: number;
}

export interface ForwardAnswer {
  output: { shape: number[]; dtype: string };
  layers: LayerTiming[];
  ms: number;
}

/** Input of a forward pass: random values of a shape, or the bytes of a `.npy` file read by the host. */
export type ForwardInput = { shape: number[]; dtype?: string; seed?: number } | { npy: ArrayBuffer };

export class EngineUnavailableError extends Error {
  constructor(message: string, readonly reason: 'restricted' | 'unsandboxed' | 'failed' | 'cancelled' | 'missing') {
    super(message);
    this.name = 'EngineUnavailableError';
  }
}

export function isEngineError(e: unknown): e is { error: EngineError; code: EngineError['code'] } {
  return typeof e === 'object' && e !== null && typeof (e as { error?: { code?: unknown } }).error?.code === 'string';
}

/** A request the engine process does not answer yet: the UI says so instead of faking a result. */
export function notAvailable(request: string): EngineUnavailableError {
  return new EngineUnavailableError(`not available yet: needs engine request ${request}`, 'missing');
}
