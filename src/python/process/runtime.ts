// Loads Pyodide inside the engine process and puts it into its locked-down state, either cold or from a
// memory snapshot of a previous process taken right after that same lock-down (before any user code).
import * as path from 'node:path';
import type { PyodideInterface } from 'pyodide';
import pythonFiles from 'virtual:python-files';
import { EngineBridge } from './bridge';
import { Deadline } from './deadline';
import { registerEngineMethods } from './engine-methods';

export interface RuntimeOptions {
  pyodideDir: string;
  maxWasmMb: number;
  /** Restore this snapshot instead of a cold start. */
  snapshot?: Uint8Array;
  /** Cold start only: return a snapshot of the locked-down interpreter. */
  makeSnapshot?: boolean;
  onOutput(stream: 'stdout' | 'stderr', line: string): void;
  /** Methods of the process itself (progress reports) next to the engine's. */
  registerMethods(bridge: EngineBridge): void;
}

export interface Runtime {
  pyodide: PyodideInterface;
  deadline: Deadline;
  /** `_torch_explorer.runner.evaluate(request_json) -> response_json` */
  evaluateJson(requestJson: string): string;
  pythonVersion: string;
  startedFrom: 'cold' | 'snapshot';
  snapshot?: Uint8Array;
  /** Milliseconds per start-up phase, for the ready event. */
  phases: Record<string, number>;
}

type PyCallable = ((...args: unknown[]) => unknown) & { destroy(): void };
type LoadPyodide = (options: Record<string, unknown>) => Promise<PyodideInterface>;
type SnapshotApi = { makeMemorySnapshot(options: { serializer(value: unknown): unknown }): Uint8Array };

// Imports and the import layer are part of a snapshot. The lock-down is applied after it, on every start:
// Pyodide's snapshot format expects its own JS handles (webloop, package loader) to be alive when taken.
const SETUP = `
import _torch_explorer.sandbox, _torch_explorer.imports, _torch_explorer.runner
_torch_explorer.imports.install()
`;
const LOCK_DOWN = `
import _torch_explorer.sandbox
_torch_explorer.sandbox.apply()
`;

export async function loadRuntime(options: RuntimeOptions): Promise<Runtime> {
  const phases: Record<string, number> = {};
  let mark = Date.now();
  const phase = (name: string) => {
    phases[name] = Date.now() - mark;
    mark = Date.now();
  };
  // Required at run time from the package folder (not bundled): Pyodide locates its wasm and stdlib next
  // to itself, and that folder is one of the two the permission model lets us read.
  const { loadPyodide } = require(path.join(options.pyodideDir, 'pyodide.js')) as { loadPyodide: LoadPyodide };
  const jsglobals = Object.freeze(Object.create(null));
  const settings = {
    indexURL: options.pyodideDir + path.sep,
    jsglobals,
    env: { HOME: '/home/pyodide' },
    stdin: () => null,
    stdout: (line: string) => options.onOutput('stdout', line),
    stderr: (line: string) => options.onOutput('stderr', line),
    // Runs on restores too: file contents live in JS, not in the snapshotted wasm heap.
    fsInit: async (FS: { mkdirTree(p: string): void; writeFile(p: string, data: string): void }, info: { sitePackages: string }) => {
      for (const [relative, source] of Object.entries(pythonFiles)) {
        const target = path.posix.join(info.sitePackages, relative);
        FS.mkdirTree(path.posix.dirname(target));
        FS.writeFile(target, source);
      }
    },
  };
  const restoring = options.snapshot !== undefined;
  const pyodide = restoring
    ? await loadPyodide({ ...settings, _loadSnapshot: options.snapshot, _snapshotDeserializer: unexpectedJsValue })
    : await loadPyodide({ ...settings, _makeSnapshot: options.makeSnapshot === true });
  phase('loadPyodide');

  let snapshot: Uint8Array | undefined;
  if (!restoring) pyodide.runPython(SETUP);
  if (options.makeSnapshot && !restoring) {
    // Before the bridge exists and before any user code: the snapshot holds only Pyodide's own JS handles.
    snapshot = (pyodide as unknown as SnapshotApi).makeMemorySnapshot({ serializer: unexpectedJsValue });
    phase('makeSnapshot');
  }
  // Python-visible Pyodide API (FS, mountNodeFS, _module): unreachable from now on.
  pyodide.unregisterJsModule('pyodide_js');
  pyodide.runPython(LOCK_DOWN);
  phase('lockDownPython');

  const bridge = new EngineBridge();
  registerEngineMethods(bridge);
  options.registerMethods(bridge);
  bridge.install(pyodide);
  const configure = pyodide.runPython('from _torch_explorer.runner import configure; configure') as PyCallable;
  configure(JSON.stringify({ maxWasmMb: options.maxWasmMb }));
  configure.destroy();
  const evaluate = pyodide.runPython('from _torch_explorer.runner import evaluate; evaluate') as PyCallable;

  const deadline = new Deadline();
  pyodide.setInterruptBuffer(deadline.interruptBuffer as unknown as Int32Array);
  const pythonVersion = pyodide.runPython('import sys; sys.version.split()[0]') as string;
  phase('runner');
  return {
    phases,
    pyodide,
    deadline,
    pythonVersion,
    startedFrom: restoring ? 'snapshot' : 'cold',
    snapshot,
    evaluateJson: (requestJson) => evaluate(requestJson) as string,
  };
}

/** A snapshot may only reference JS values Pyodide itself knows how to find again. */
function unexpectedJsValue(value: unknown): never {
  throw new Error(`the memory snapshot references an unexpected JS value (${typeof value})`);
}
