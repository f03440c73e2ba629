// CommonJS modules over the workspace files the host handed over (the process cannot read the disk).
// TypeScript is transpiled by sucrase, which keeps line numbers; `require` resolves 'torch-explorer' to the
// engine, relative paths to other handed-over files, Node's built-in modules to an error, and other
// packages to permissive stubs that are reported (like the Python side's unknown imports).
import { isBuiltin } from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { transform } from 'sucrase';
import type { StubbedImport } from '../../../protocol/engine';
import { ENGINE_SPECIFIER, engineExports, isEngineSourcePath } from './engine-module';
import { JsModelError, transpileError } from './errors';
import { captureFrames, LineMap, type Position } from './positions';
import { lineAndColumn, maskSource } from './source-scan';

export const JS_MODEL_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'];
const TYPESCRIPT = /\.[mc]?ts$/;

export function isJsModelFile(file: string): boolean {
  return JS_MODEL_EXTENSIONS.some((ext) => file.endsWith(ext)) && !file.endsWith('.d.ts');
}

export interface WorkspaceModule {
  file: string;
  source: string;
  exports: Record<string, unknown>;
  lineMap: LineMap;
  loaded: boolean;
}

/** Node's message for a module that cannot be found, with what can be imported instead. */
export class ModuleNotFound extends Error {
  constructor(specifier: string, from: string, why: string) {
    super(`Cannot find module '${specifier}' imported from ${from}: ${why}`);
    this.name = 'Error';
  }
}

const PARAMETERS = ['exports', 'require', 'module', '__filename', '__dirname'];
const FILE_PREFIX = 'workspace:';

/** A stand-in for an unknown package: any property, call or `new` gives another stand-in. */
function permissiveStub(name: string): unknown {
  const target = function stub() {};
  const handler: ProxyHandler<typeof target> = {
    get(_t, key) {
      if (key === Symbol.toPrimitive) return () => `<stub ${name}>`;
      if (key === Symbol.hasInstance) return () => false;
      if (key === 'then' || key === '__esModule' || typeof key === 'symbol') return undefined;
      return permissiveStub(`${name}.${key}`);
    },
    apply: () => permissiveStub(`${name}()`),
    construct: () => permissiveStub(`new ${name}()`) as object,
    set: () => true,
  };
  return new Proxy(target, handler);
}

/** `async f()`, `async () =>`, `async function`, `await`: the ways model code could still be running after
 *  the request returned (the time limit covers synchronous code; a rejected promise would end the process). */
const ASYNC_CODE = /\basync\s+(?:function\b|\(|\*|\[|[\w$]+\s*(?:=>|\())|\bawait\b/;

function refuseAsyncCode(file: string, source: string): void {
  const masked = maskSource(source);
  const m = ASYNC_CODE.exec(masked);
  if (!m) return;
  const at = lineAndColumn(masked, m.index);
  throw new JsModelError({
    code: 'PythonError', type: 'SyntaxError', file, ...at,
    message: 'async code is not supported in model files: model code runs synchronously, under the time limit',
  });
}

export class WorkspaceModules {
  readonly modules = new Map<string, WorkspaceModule>();
  readonly stubbedImports: StubbedImport[] = [];
  private readonly lines = new Map<string, string[]>();

  constructor(
    private readonly files: Readonly<Record<string, string>>,
    private readonly scope: object,
  ) {}

  isWorkspaceFile(file: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.files, file);
  }

  /**
   * Where a stack frame (or V8's "file:line" of a compile error) is in a file the user wrote; undefined outside
   * workspace files. Model code is compiled under `workspace:<path>`: a plain relative path could be taken for
   * a real file by a host with source maps enabled, which would rewrite the frame.
   */
  site(frame: { file: string; line: number; column: number }): (Position & { file: string }) | undefined {
    if (!frame.file.startsWith(FILE_PREFIX)) return undefined;
    const file = frame.file.slice(FILE_PREFIX.length);
    const module = this.modules.get(file);
    if (!module) return undefined;
    return { file, ...module.lineMap.original(frame.line, frame.column) };
  }

  /** A line (1-based) of a workspace file as the user wrote it. */
  lineText(file: string, line: number): string {
    let lines = this.lines.get(file);
    if (!lines) this.lines.set(file, (lines = (this.files[file] ?? '').split('\n')));
    return lines[line - 1] ?? '';
  }

  /** Loads `file` (and what it imports) and returns its exports. */
  load(file: string): Record<string, unknown> {
    const cached = this.modules.get(file);
    if (cached) return cached.exports; // a circular import sees the exports so far, as in Node
    const source = this.files[file];
    const transforms: ('typescript' | 'imports')[] = TYPESCRIPT.test(file) ? ['typescript', 'imports'] : ['imports'];
    refuseAsyncCode(file, source);
    let output: ReturnType<typeof transform>;
    try {
      output = transform(source, { transforms, filePath: file, sourceMapOptions: { compiledFilename: file } });
    } catch (error) {
      throw transpileError(error, file);
    }
    const record: WorkspaceModule = {
      file, source, exports: {}, lineMap: new LineMap(output.sourceMap?.mappings), loaded: false,
    };
    this.modules.set(file, record);
    // Strict mode is part of the confinement: a sloppy function called bare gets the host's globalThis as
    // `this`. Sucrase emits the directive today; it is not left to chance (same line, so lines stay put).
    const code = output.code.startsWith('"use strict";') ? output.code : `"use strict";${output.code}`;
    const body = vm.compileFunction(code, PARAMETERS, { filename: FILE_PREFIX + file, contextExtensions: [this.scope] });
    const moduleObject = { exports: record.exports as unknown, id: file, filename: file };
    const requireFn = (specifier: unknown) => this.require(file, specifier);
    body.call(record.exports, record.exports, requireFn, moduleObject, file, path.posix.dirname(file));
    record.exports = moduleObject.exports as Record<string, unknown>;
    record.loaded = true;
    return record.exports;
  }

  /** What `require(specifier)` from `from` gave, without loading anything new (for reading types). */
  exportsFor(from: string, specifier: string): object | undefined {
    if (specifier === ENGINE_SPECIFIER) return engineExports();
    if (!specifier.startsWith('.')) return undefined;
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
    if (isEngineSourcePath(target)) return engineExports();
    const file = this.resolveWorkspaceFile(target);
    return file ? this.modules.get(file)?.exports : undefined;
  }

  private require(from: string, specifier: unknown): unknown {
    if (typeof specifier !== 'string') throw new TypeError('require() takes a module name');
    if (specifier === ENGINE_SPECIFIER) return engineExports();
    if (specifier.startsWith('./') || specifier.startsWith('../') || specifier === '.' || specifier === '..') {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
      if (isEngineSourcePath(target)) return engineExports();
      const file = this.resolveWorkspaceFile(target);
      if (!file) throw new ModuleNotFound(specifier, from, 'no such file among the workspace files handed to the engine');
      return this.load(file);
    }
    if (isBuiltin(specifier))
      throw new ModuleNotFound(specifier, from, `Node's built-in modules are not available to model files; import '${ENGINE_SPECIFIER}' or workspace files`);
    if (specifier.startsWith('/') || /^[a-z][a-z0-9+.-]*:/i.test(specifier))
      throw new ModuleNotFound(specifier, from, `only '${ENGINE_SPECIFIER}' and relative paths can be imported`);
    this.noteStub(specifier, from);
    return permissiveStub(specifier);
  }

  /** `./blocks` -> blocks.ts, blocks.js, blocks/index.ts ...; `./blocks.js` may name blocks.ts (TypeScript's ESM style). */
  private resolveWorkspaceFile(target: string): string | undefined {
    if (target.startsWith('../') || target === '..') return undefined;
    const candidates = [target, ...JS_MODEL_EXTENSIONS.map((ext) => target + ext), ...JS_MODEL_EXTENSIONS.map((ext) => `${target}/index${ext}`)];
    const jsStyle = /\.([mc]?)js$/.exec(target);
    if (jsStyle) candidates.push(target.slice(0, -jsStyle[0].length) + `.${jsStyle[1]}ts`);
    return candidates.find((c) => this.isWorkspaceFile(c) && isJsModelFile(c));
  }

  private noteStub(name: string, from: string): void {
    const at = captureFrames(this.noteStub).map((f) => this.site(f)).find((site) => site?.file === from);
    this.stubbedImports.push({ name, importedFrom: { file: from, line: at?.line ?? 1 } });
  }
}
