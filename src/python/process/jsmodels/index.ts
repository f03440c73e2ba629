// TypeScript/JavaScript model files in the engine process: evaluate the files the host handed over, list the
// entry file's entries, build an entry on demand. The counterpart of the Python runner for `.ts`/`.js`.
// See scope.ts for how model code is confined and time-limit.ts for how it is stopped.
import type { StubbedImport, TopLevelName } from '../../../protocol/engine';
import { torch } from '../../../engine';
import { Module } from '../../../engine/nn';
import { argumentsFor, EntryScanner, isModuleClass, type JsEntry } from './entries';
import { describeJsError, JsModelError } from './errors';
import { withModuleSources } from './module-sources';
import { createModelScope, type LogSink } from './scope';
import { runWithTimeLimit } from './time-limit';
import { isJsModelFile, WorkspaceModules } from './workspace-modules';

export { isJsModelFile } from './workspace-modules';
export { JsModelError } from './errors';
export type { JsModelErrorInfo } from './errors';
export type { JsEntry } from './entries';

export const DEFAULT_TIMEOUT_MS = 10_000;

export interface JsModelOptions {
  /** Time limit for running the files (and, by default, for each later call into model code). */
  timeoutMs?: number;
  /** Where `console.log` / `console.error` of model code goes. */
  log?: LogSink;
}

export interface JsModelEvaluation {
  entryFile: string;
  /** Entries of the entry file in line order: `{ name, kind, line }` as for Python files. */
  entries: JsEntry[];
  /** Every declared export of the entry file (the `evaluate` request's `names`). */
  names: TopLevelName[];
  /** Packages that are neither the engine nor workspace files; they were replaced by permissive stubs. */
  stubbedImports: StubbedImport[];
  ms: number;
  /** Builds an entry: a class with its defaults or keyword arguments, a factory's result, or the instance. */
  instantiate(entry: string, kwargs?: Record<string, unknown>, timeoutMs?: number): Module;
  /** Runs `fn`, which may call into model code (a forward pass), under the time limit; errors become JsModelError. */
  run<T>(fn: () => T, timeoutMs?: number): T;
}

/**
 * Evaluates `entryFile` (and the workspace files it imports) and lists its entries.
 * Throws JsModelError for syntax errors, errors thrown while the files run, and the time limit.
 */
export function evaluateJsModelFiles(files: Readonly<Record<string, string>>, entryFile: string, options: JsModelOptions = {}): JsModelEvaluation {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Object.prototype.hasOwnProperty.call(files, entryFile) || !isJsModelFile(entryFile))
    throw new JsModelError({ code: 'BadRequest', type: 'BadRequest', message: `${entryFile} is not a TypeScript or JavaScript file among the files sent` });
  const workspace = new WorkspaceModules(files, createModelScope(options.log ?? (() => undefined)));

  /** Model code under the time limit and source recording; its errors as JsModelError. */
  const guarded = <T>(limitMs: number, fn: () => T): T => {
    try {
      return runWithTimeLimit(limitMs, () => withModuleSources(workspace, fn));
    } catch (error) {
      throw new JsModelError(describeJsError(error, workspace));
    }
  };

  const { exports, entries, names } = guarded(timeoutMs, () => {
    const loaded = workspace.load(entryFile);
    const scanner = new EntryScanner(workspace, entryFile, files[entryFile]);
    return { exports: loaded, entries: scanner.entries(loaded), names: scanner.names(loaded) };
  });
  const kinds = new Map(entries.map((e) => [e.name, e.kind]));

  return {
    entryFile,
    entries,
    names,
    stubbedImports: workspace.stubbedImports,
    ms: Date.now() - started,
    instantiate(entry, kwargs = {}, limitMs = timeoutMs) {
      const kind = kinds.get(entry);
      if (!kind) {
        const known = [...kinds.keys()].sort().join(', ') || 'none';
        throw new JsModelError({ code: 'PythonError', type: 'ValueError', message: `'${entry}' is not an entry of ${entryFile} (entries: ${known})` });
      }
      return guarded(limitMs, () => {
        const value = exports[entry];
        if (kind === 'instance') {
          if (Object.keys(kwargs).length) throw new TypeError(`${entry} is a module instance; it takes no keyword arguments`);
          return value as Module;
        }
        torch.manual_seed(0); // as the Python side does: the same file gives the same initial weights
        const args = argumentsFor(value, kind === 'class', entry, kwargs);
        const model = kind === 'class' && isModuleClass(value) ? new value(...args) : (value as (...a: unknown[]) => unknown)(...args);
        if (!(model instanceof Module)) throw new TypeError(`${entry}() returned ${model === null ? 'null' : typeof model}, not an nn.Module`);
        return model;
      });
    },
    run(fn, limitMs = timeoutMs) {
      return guarded(limitMs, fn);
    },
  };
}
