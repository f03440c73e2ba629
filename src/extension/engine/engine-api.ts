// The engine requests the extension uses, typed as the extension reads them. The requests that
// src/protocol/engine.ts does not define yet are declared here with the shapes the engine side announced;
// once the protocol defines them, these types only narrow what the extension relies on.
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
  /** parameters of this module and its children (the engine may send own counts instead; see facts) */
  params?: number;
  /** where the module was constructed */
  source?: SourceLocation;
}

export interface TensorRecord {
  name: string;
  shape: number[];
  dtype: string;
  requiresGrad?: boolean;
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
  stubbedImports: StubbedImport[];
}

export interface LayerTiming {
  name: string;
  type: string;
  outputShape: number[] | null;
  ms: number;
}

export interface ForwardAnswer {
  output: { shape: number[]; dtype: string } | unknown;
  layers: LayerTiming[];
  ms: number;
}

/** Input of a forward pass: random values of a shape, or values from a `.npy` file read by the host. */
export type ForwardInput =
  | { shape: number[]; dtype?: string }
  | { dtype: string; shape: number[]; data: ArrayBuffer };

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
