// The engine's answers as the extension keeps them. engine-requests.ts converts the protocol's results
// (src/protocol/engine.ts) into these: one name field for every tensor, stubbed imports by name.
import type {
  EngineError, ForwardInput, ForwardOutput, ForwardResult, InspectResult, ListEntriesResult, ModuleSummary,
  SourceLocation, StubbedImport, TensorSummary,
} from '../../protocol/engine';

export type { EngineError, ForwardInput, SourceLocation, StubbedImport };

export type EntryInfo = ListEntriesResult['entries'][number];
export type ListEntriesAnswer = ListEntriesResult;

/** One module of `named_modules()`, in that order. */
export type ModuleRecord = ModuleSummary;

/** A parameter, buffer (with `persistent`: whether state_dict() includes it) or state_dict entry, named by `name`. */
export type TensorRecord = TensorSummary & { persistent?: boolean };

/** The inspect result with state_dict entries named like the other tensors. */
export type InspectAnswer = Omit<InspectResult, 'stateDict'> & { stateDict: TensorRecord[] };

export type ForwardAnswer = Omit<ForwardResult, 'output' | 'outputs'> & { output: Omit<ForwardOutput, 'data'> };

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
