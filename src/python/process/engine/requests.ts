// Engine-process requests on models: listEntries, instantiate, inspect, forward, tensorPage. main.ts hands
// every request kind it does not know to handleModelRequest. Python runs under the request's deadline;
// a Python exception raised inside an engine callback is described by Python (file, line, traceback).
import type {
  EngineError, EngineOutbound, EngineRequest, EngineResponse, InstantiateResult, ListEntriesResult, StubbedImport,
} from '../../../protocol/engine';
import type { Runtime } from '../runtime';
import { editParameter, resetParameters, undoEdit } from './edit-requests';
import { runForward } from './forward';
import { inspectModel, loadStateDict, tensorPage } from './inspect';
import { pruneModel, removePruning } from './prune-requests';
import { PythonCallbackError } from './python-link';
import { asPythonError, onShimReset } from './shim-methods';

type PyCallable = ((...args: unknown[]) => unknown) & { destroy(): void };

/** A request failed; `error` is what goes back to the host. */
export class RequestError extends Error {
  constructor(readonly error: EngineError) {
    super(error.message);
  }
}

/** What the host learnt from the last evaluation (models belong to it). */
const session = {
  stubbedImports: [] as StubbedImport[],
  entryFile: '',
  /** entry name -> line of its definition (the root module's source when Torch Explorer built it) */
  entryLines: new Map<string, number>(),
  /** model handle -> entry name */
  entries: new Map<number, string>(),
};
onShimReset(() => session.entries.clear());

const pythonHandlers = new WeakMap<Runtime, PyCallable>();

/** `torch._explorer.requests.handle`: JSON in, JSON out. Importing it imports the shim (once per process). */
export function callPython<T>(runtime: Runtime, kind: string, params: Record<string, unknown>): T {
  let handler = pythonHandlers.get(runtime);
  if (!handler) {
    handler = runtime.pyodide.runPython('import torch._explorer.requests as r\nr.handle') as PyCallable;
    pythonHandlers.set(runtime, handler);
  }
  const reply = JSON.parse(handler(JSON.stringify({ kind, ...params })) as string) as { ok: boolean; result?: T; error?: EngineError };
  if (!reply.ok) throw new RequestError(reply.error!);
  return reply.result as T;
}

/** An exception from the engine or from Python code it called, as the host's EngineError. */
export function describeFailure(runtime: Runtime, error: unknown): EngineError {
  if (error instanceof RequestError) return error.error;
  if (error instanceof PythonCallbackError) return callPython<EngineError>(runtime, 'describe', { token: error.token });
  const python = asPythonError(error);
  return { code: python.pythonType === 'MemoryError' ? 'MemoryLimit' : 'PythonError', type: python.pythonType, message: python.message };
}

function evaluateFiles(runtime: Runtime, files: Record<string, string>, entryFile: string, post: Post, id: number): ListEntriesResult {
  const outcome = JSON.parse(runtime.evaluateJson(JSON.stringify({ files, entryFile }))) as {
    ok: boolean; result?: { moduleName: string; stubbedImports: StubbedImport[] }; error?: EngineError; stubbedImports?: StubbedImport[];
  };
  const stubbed = outcome.result?.stubbedImports ?? outcome.stubbedImports ?? [];
  for (const stub of stubbed) post({ event: 'stubbedImport', requestId: id, ...stub });
  if (!outcome.ok) throw new RequestError(outcome.error!);
  session.stubbedImports = stubbed;
  const entries = callPython<ListEntriesResult['entries']>(runtime, 'entries', { moduleName: outcome.result!.moduleName, entryFile });
  session.entryFile = entryFile;
  session.entryLines = new Map(entries.map((e) => [e.name, e.line]));
  return { entries, stubbedImports: stubbed };
}

type Post = (message: EngineOutbound) => void;

function answer(runtime: Runtime, request: EngineRequest, post: Post): unknown {
  switch (request.kind) {
    case 'listEntries':
      return evaluateFiles(runtime, request.files, request.entryFile, post, request.id);
    case 'instantiate': {
      if (request.files && request.entryFile) evaluateFiles(runtime, request.files, request.entryFile, post, request.id);
      const result = callPython<InstantiateResult>(runtime, 'instantiate', { entry: request.entry, kwargs: request.kwargs ?? {} });
      session.entries.set(result.handle, result.entry);
      return result;
    }
    case 'inspect': {
      const entry = session.entries.get(request.model) ?? '';
      const line = session.entryLines.get(entry);
      const definition = line !== undefined ? { file: session.entryFile, line } : undefined;
      return inspectModel(request.model, entry, session.stubbedImports.map((s) => s.name), definition);
    }
    case 'forward':
      return runForward(request);
    case 'tensorPage':
      return tensorPage(request);
    case 'loadStateDict':
      return loadStateDict(request);
    case 'editParameter':
      return editParameter(request);
    case 'undoEdit':
      return undoEdit(request);
    case 'prune':
      return pruneModel(request);
    case 'removePruning':
      return removePruning(request);
    case 'resetParameters':
      return resetParameters(request);
    default:
      return undefined;
  }
}

const KINDS = new Set(['listEntries', 'instantiate', 'inspect', 'forward', 'tensorPage', 'loadStateDict',
  'editParameter', 'undoEdit', 'prune', 'removePruning', 'resetParameters']);

/** The response to a model request, or undefined for kinds this file does not handle. */
export function handleModelRequest(runtime: Runtime, request: EngineRequest, post: Post): EngineResponse | undefined {
  if (!KINDS.has(request.kind)) return undefined;
  const { deadline } = runtime;
  deadline.arm(request.timeoutMs);
  try {
    return { id: request.id, ok: true, result: answer(runtime, request, post) } as EngineResponse;
  } catch (error) {
    if (typeof error === 'object' && error !== null && (error as { pyodide_fatal_error?: boolean }).pyodide_fatal_error) throw error;
    const timedOut = deadline.fired;
    deadline.disarm(); // describing the error runs Python, which must not be interrupted again
    let described: EngineError;
    try {
      described = describeFailure(runtime, error);
    } catch (inner) {
      described = { code: 'Internal', type: 'InternalError', message: String((inner as Error)?.message ?? inner) };
    }
    if (timedOut) {
      const where = described.file ? ` (stopped at ${described.file}:${described.line})` : '';
      described = { ...described, code: 'Timeout', type: 'TimeoutError', message: `the request exceeded the time limit of ${request.timeoutMs} ms${where}` };
    }
    return { id: request.id, ok: false, error: described };
  } finally {
    deadline.disarm();
  }
}
