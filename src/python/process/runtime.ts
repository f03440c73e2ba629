// Loads Pyodide inside the engine process and puts it into its locked-down state.
import * as path from 'node:path';
import type { PyodideInterface } from 'pyodide';
import pythonFiles from 'virtual:python-files';
import { EngineBridge } from './bridge';
import { Deadline } from './deadline';
import { registerEngineMethods } from './engine-methods';

export interface RuntimeOptions {
  pyodideDir: string;
  maxWasmMb: number;
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
  /** Milliseconds per start-up phase, for the ready event. */
  phases: Record<string, number>;
}

type PyCallable = ((...args: unknown[]) => unknown) & { destroy(): void };
type LoadPyodide = (options: Record<string, unknown>) => Promise<PyodideInterface>;

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
  const pyodide = await loadPyodide({
    indexURL: options.pyodideDir + path.sep,
    jsglobals,
    env: { HOME: '/home/pyodide' },
    stdin: () => null,
    stdout: (line: string) => options.onOutput('stdout', line),
    stderr: (line: string) => options.onOutput('stderr', line),
    fsInit: async (FS: { mkdirTree(p: string): void; writeFile(p: string, data: string): void }, info: { sitePackages: string }) => {
      for (const [relative, source] of Object.entries(pythonFiles)) {
        const target = path.posix.join(info.sitePackages, relative);
        FS.mkdirTree(path.posix.dirname(target));
        FS.writeFile(target, source);
      }
    },
  });
  phase('loadPyodide');
  // Python-visible Pyodide API (FS, mountNodeFS, _module): unreachable from now on.
  pyodide.unregisterJsModule('pyodide_js');
  const bridge = new EngineBridge();
  registerEngineMethods(bridge);
  options.registerMethods(bridge);
  bridge.install(pyodide);

  pyodide.runPython(`
import _torch_explorer.sandbox, _torch_explorer.imports, _torch_explorer.runner
_torch_explorer.sandbox.apply()
_torch_explorer.imports.install()
`);
  phase('lockDownPython');
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
    evaluateJson: (requestJson) => evaluate(requestJson) as string,
  };
}
