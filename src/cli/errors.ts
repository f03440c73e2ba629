// How the CLI fails: one error type with an exit status, and the translation of every other error (formats,
// engine, Python) into a message for stderr. Our own stack traces are shown only with --debug.
import { FormatError } from '../formats';
import type { EngineError } from '../protocol/engine';
import { EngineRequestError } from '../python/host/engine-client';
import { ExportError } from '../statedict/export';

/** Exit statuses; docs/cli.md lists them. */
export const EXIT = {
  ok: 0,
  /** the model file raised, did not finish in time, or ran out of memory */
  model: 1,
  /** bad command line: unknown option, malformed --shape or --kwargs, missing argument */
  usage: 2,
  /** a file could not be read, is not what was expected, or the output could not be written */
  file: 3,
  /** the engine process could not run (no sandbox on this Node, crashed, a request it does not know) */
  engine: 4,
  /** a bug of ours */
  internal: 70,
} as const;

export type ExitStatus = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  override name = 'CliError';
  constructor(message: string, readonly exitCode: ExitStatus = EXIT.usage, readonly details?: string) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(message, EXIT.usage);
export const fileError = (message: string) => new CliError(message, EXIT.file);

const ENGINE_EXIT: Partial<Record<EngineError['code'], ExitStatus>> = {
  PythonError: EXIT.model,
  Timeout: EXIT.model,
  MemoryLimit: EXIT.model,
  BadRequest: EXIT.engine,
  Crashed: EXIT.engine,
  SandboxUnavailable: EXIT.engine,
  NotImplemented: EXIT.engine,
  Disposed: EXIT.engine,
  Internal: EXIT.internal,
};

/**
 * `path/to/file.py:12: ValueError: message` plus the traceback's user frames. `resolveFile` turns the
 * engine's workspace-relative paths into paths the user can click.
 */
export function describeEngineError(error: EngineError, resolveFile: (file: string) => string = (f) => f): CliError {
  const where = error.file ? `${resolveFile(error.file)}:${error.line ?? 1}${error.column !== undefined ? `:${error.column + 1}` : ''}: ` : '';
  const kind = error.code === 'PythonError' || error.code === 'MemoryLimit' || error.code === 'Timeout' ? `${error.type}: ` : '';
  let details: string | undefined;
  if (error.pythonTraceback) details = relevantTraceback(error.pythonTraceback, resolveFile);
  if (error.code === 'SandboxUnavailable') {
    details = 'Model files run only inside the sandboxed engine process. Use Node 20 or newer (it has the permission ' +
      'model), or pass --allow-unsandboxed if you trust this file.';
  }
  return new CliError(`${where}${kind}${error.message}`, ENGINE_EXIT[error.code] ?? EXIT.engine, details);
}

/** The traceback without its last line (the message, already shown) and at most the last 12 frames. */
export function relevantTraceback(traceback: string, resolveFile: (file: string) => string): string {
  const lines = traceback.replace(/\s+$/, '').split('\n').map((line) =>
    line.replace(/^(\s*File ")([^"]+)(")/, (_, open: string, file: string, close: string) => `${open}${resolveFile(file)}${close}`));
  const frames: string[][] = [];
  let header: string[] = [];
  for (const line of lines) {
    if (/^\s+File "/.test(line)) frames.push([line]);
    else if (frames.length && /^\s/.test(line)) frames[frames.length - 1].push(line);
    else if (!frames.length) header.push(line);
  }
  if (!frames.length) return lines.join('\n');
  // frames inside our torch shim are how the engine is reached, not where the user's code went wrong
  const ours = (frame: string[]) => /^\s*File "[^"]*\/(site-packages\/torch|_torch_explorer)\//.test(frame[0]);
  const user = frames.filter((f) => !ours(f));
  const shown = (user.length ? user : frames).slice(-12);
  const hidden = frames.length - (user.length ? user.length : frames.length);
  const dropped = (user.length ? user.length : frames.length) - shown.length;
  if (dropped > 0) header = [...header, `  ... ${dropped} earlier frame(s)`];
  const footer = hidden > 0 ? [`  (${hidden} frame(s) inside torch-explorer's torch package not shown)`] : [];
  return [...header, ...shown.flat(), ...footer].join('\n');
}

/** Any error as a CliError; unknown errors count as our bugs. */
export function toCliError(error: unknown, resolveFile?: (file: string) => string): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof EngineRequestError) return describeEngineError(error.error, resolveFile);
  if (error instanceof FormatError) {
    const key = error.key !== undefined && !error.message.includes(error.key) ? ` (key ${JSON.stringify(error.key)})` : '';
    return new CliError(`${error.message}${key}`, EXIT.file);
  }
  if (error instanceof ExportError) return new CliError(error.message, EXIT.file);
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    return new CliError((error as Error).message, EXIT.file);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new CliError(`internal error: ${message}`, EXIT.internal, 'This is a bug in torch-explorer; run again with --debug for the stack trace.');
}
