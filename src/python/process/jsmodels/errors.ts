// Errors of model code as the protocol's EngineError: the workspace file, line and column where it happened
// (mapped back through sucrase's source map), and a stack of workspace frames only.
import type { EngineError } from '../../../protocol/engine';
import { parseStack } from './positions';
import { JsTimeLimitError, ownDataValue, runWithTimeLimit } from './time-limit';
import type { WorkspaceModules } from './workspace-modules';

/** EngineError plus the JS stack; `pythonTraceback` carries the same text for hosts that show that field. */
export type JsModelErrorInfo = EngineError & { stack?: string };

/** Evaluation or instantiation failed; `error` is what goes back to the host. */
export class JsModelError extends Error {
  constructor(readonly error: JsModelErrorInfo) {
    super(error.message);
    this.name = 'JsModelError';
  }
}

interface SucraseSyntaxError {
  loc?: { line: number; column: number };
}

/**
 * Sucrase's error for `file`: "Error transforming a.ts: Unexpected token (2:12)", where `loc.column` is one past
 * the 0-based column. Anything else it throws is ours, not the model's.
 */
export function transpileError(error: unknown, file: string): Error {
  const loc = (error as SucraseSyntaxError | null)?.loc;
  if (!(error instanceof SyntaxError) || !loc) return error instanceof Error ? error : new Error(String(error));
  const message = error.message.replace(/^Error transforming .*?: /, '').replace(/ \(\d+:\d+\)$/, '');
  return new JsModelError({ code: 'PythonError', type: 'SyntaxError', message, file, line: loc.line, column: Math.max(0, loc.column - 1) });
}

/** V8's compile errors put "file:line", the source line and a caret above the message. */
function fromCompileError(stack: string, workspace: WorkspaceModules): Partial<JsModelErrorInfo> {
  const [head, , caret] = stack.split('\n');
  const m = /^(.*):(\d+)$/.exec(head ?? '');
  return (m && workspace.site({ file: m[1], line: Number(m[2]), column: Math.max(0, (caret ?? '').indexOf('^')) })) || {};
}

function describe(error: unknown, workspace: WorkspaceModules): JsModelErrorInfo {
  if (error instanceof JsTimeLimitError) return { code: 'Timeout', type: 'TimeoutError', message: error.message };
  if (error instanceof JsModelError) return error.error;
  if (!(error instanceof Error)) {
    return { code: 'PythonError', type: 'Error', message: `a model file threw a non-Error value: ${String(error)}` };
  }
  const type = String(ownDataValue(error, 'name') ?? error.name ?? 'Error');
  const message = String(error.message);
  const stackText = String(error.stack ?? '');
  const frames = parseStack(stackText).flatMap((f) => {
    const site = workspace.site(f);
    return site ? [{ ...f, ...site }] : [];
  });
  const info: JsModelErrorInfo = {
    code: /allocation failed|Array buffer allocation|Invalid typed array length/i.test(message) ? 'MemoryLimit' : 'PythonError',
    type,
    message,
  };
  const where = frames[0] ?? fromCompileError(stackText, workspace);
  if (where.file) Object.assign(info, { file: where.file, line: where.line, column: where.column });
  if (frames.length) {
    const lines = frames.map((f) => `    at ${f.fn ? `${f.fn} (${f.file}:${f.line}:${f.column + 1})` : `${f.file}:${f.line}:${f.column + 1}`}`);
    info.stack = `${type}: ${message}\n${lines.join('\n')}`;
    info.pythonTraceback = info.stack;
  }
  return info;
}

/**
 * What went wrong, for the host. Reading a thrown value can run model code (getters, toString, Proxy traps),
 * so it happens under a short time limit of its own.
 */
export function describeJsError(error: unknown, workspace: WorkspaceModules): JsModelErrorInfo {
  try {
    return runWithTimeLimit(1000, () => describe(error, workspace));
  } catch {
    return { code: 'PythonError', type: 'Error', message: 'a model file threw a value that could not be read' };
  }
}
