// Requests on TypeScript/JavaScript model files. main.ts asks this file first: evaluate / listEntries /
// instantiate whose entry file is `.ts`/`.js`, instantiate after such an evaluation, and requests on a model
// built here. inspect and forward reuse the Python side's handlers (the module tree is the engine's either
// way), run under this file's time limit because they call model code (forward, extra_repr, hooks).
import type {
  EngineError, EngineOutbound, EngineRequest, EngineResponse, EvaluateResult, InstantiateResult, ListEntriesResult,
} from '../../../protocol/engine';
import { handles } from '../engine/handles';
import { runForward } from '../engine/forward';
import { inspectModel } from '../engine/inspect';
import { handleModelRequest } from '../engine/requests';
import type { Runtime } from '../runtime';
import { evaluateJsModelFiles, isJsModelFile, JsModelError, type JsModelEvaluation } from './index';

type Post = (message: EngineOutbound) => void;

/** The last JS evaluation and the models built from it (handle -> entry name). */
const session = {
  evaluation: undefined as JsModelEvaluation | undefined,
  models: new Map<number, string>(),
};

function evaluateFiles(request: EngineRequest & { files: Record<string, string>; entryFile: string }, post: Post): JsModelEvaluation {
  session.evaluation = undefined;
  session.models.clear();
  handles.reset(); // a new evaluation: handles of the previous one (Python's or ours) are no longer valid
  const evaluation = evaluateJsModelFiles(request.files, request.entryFile, {
    timeoutMs: request.timeoutMs,
    log: (level, message) => post({ event: 'log', level, message, requestId: request.id }),
  });
  for (const stub of evaluation.stubbedImports) post({ event: 'stubbedImport', requestId: request.id, ...stub });
  session.evaluation = evaluation;
  return evaluation;
}

function current(): JsModelEvaluation {
  if (!session.evaluation) throw new JsModelError({ code: 'BadRequest', type: 'RuntimeError', message: 'no model file has been evaluated yet: list its entries first' });
  return session.evaluation;
}

function answer(runtime: Runtime, request: EngineRequest, post: Post): unknown {
  switch (request.kind) {
    case 'evaluate': {
      const evaluation = evaluateFiles(request, post);
      const result: EvaluateResult = { moduleName: evaluation.entryFile, names: evaluation.names, stubbedImports: evaluation.stubbedImports, ms: evaluation.ms };
      return result;
    }
    case 'listEntries': {
      const evaluation = evaluateFiles(request, post);
      const result: ListEntriesResult = { entries: evaluation.entries, stubbedImports: evaluation.stubbedImports };
      return result;
    }
    case 'instantiate': {
      const { files, entryFile } = request;
      const evaluation = files && entryFile ? evaluateFiles({ ...request, files, entryFile }, post) : current();
      const model = evaluation.instantiate(request.entry, request.kwargs ?? {}, request.timeoutMs);
      const handle = handles.idOf(model);
      session.models.set(handle, request.entry);
      const result: InstantiateResult = { handle, entry: request.entry };
      return result;
    }
    case 'inspect': {
      const evaluation = current();
      const entry = session.models.get(request.model) ?? '';
      const line = evaluation.entries.find((e) => e.name === entry)?.line;
      const definition = line !== undefined ? { file: evaluation.entryFile, line } : undefined;
      const stubbed = evaluation.stubbedImports.map((s) => s.name);
      return evaluation.run(() => inspectModel(request.model, entry, stubbed, definition), request.timeoutMs);
    }
    case 'forward':
      return current().run(() => runForward(request), request.timeoutMs);
    default: {
      // tensorPage, loadStateDict, ...: the engine's handlers, which may still call model code (hooks)
      const response = current().run(() => handleModelRequest(runtime, request, post), request.timeoutMs);
      if (!response) throw new JsModelError({ code: 'NotImplemented', type: 'NotImplemented', message: `'${request.kind}' is not implemented` });
      if (!response.ok) throw new JsModelError(response.error);
      return response.result;
    }
  }
}

function isJsModelRequest(request: EngineRequest): boolean {
  const { entryFile, model } = request as { entryFile?: unknown; model?: unknown };
  if (typeof entryFile === 'string' && (request.kind === 'evaluate' || request.kind === 'listEntries' || request.kind === 'instantiate')) {
    if (isJsModelFile(entryFile)) return true;
    // a Python file replaces the JS session, as a new evaluation replaces the last one
    session.evaluation = undefined;
    session.models.clear();
    return false;
  }
  if (request.kind === 'instantiate') return session.evaluation !== undefined;
  return typeof model === 'number' && session.models.has(model);
}

/** The response to a request on a TypeScript/JavaScript model, or undefined when it is not one. */
export function handleJsModelRequest(runtime: Runtime, request: EngineRequest, post: Post): EngineResponse | undefined {
  if (!isJsModelRequest(request)) return undefined;
  try {
    return { id: request.id, ok: true, result: answer(runtime, request, post) } as EngineResponse;
  } catch (error) {
    const described: EngineError = error instanceof JsModelError
      ? error.error
      : { code: 'Internal', type: 'InternalError', message: error instanceof Error ? error.stack ?? error.message : String(error) };
    return { id: request.id, ok: false, error: described };
  }
}
