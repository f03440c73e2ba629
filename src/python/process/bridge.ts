// The one JS module Python may import (`_torch_explorer_bridge`). Its surface is a single frozen function,
// `call(method, args)`, that dispatches to engine methods registered here. Design rules, so that holding it
// gives Python nothing beyond the engine:
// - results and errors are converted to Python objects before they cross (toPy), so Python never receives a
//   JsProxy from the bridge; the only JS values it holds are this module and its `call` function;
// - those lead only to frozen intrinsics, and `call.constructor` (Function) throws EvalError because the
//   process runs with --disallow-code-generation-from-strings;
// - engine methods receive plain data; other Python objects arrive as borrowed PyProxies, destroyed after the
//   call unless the method keeps a `.copy()`.
import type { PyodideInterface } from 'pyodide';
import type { PyProxy } from 'pyodide/ffi';

export const BRIDGE_MODULE_NAME = '_torch_explorer_bridge';

export type BridgeMethod = (...args: unknown[]) => unknown;

/** An engine error that should surface in Python as a specific exception type (PyTorch's wording). */
export class EngineCallError extends Error {
  constructor(readonly pythonType: string, message: string) {
    super(message);
  }
}

function pythonTypeOf(error: unknown): string {
  if (error instanceof EngineCallError) return error.pythonType;
  if (error instanceof TypeError) return 'TypeError';
  if (error instanceof RangeError) return 'ValueError';
  return 'RuntimeError';
}

function isPyProxy(value: unknown): value is PyProxy {
  return typeof value === 'object' && value !== null && typeof (value as PyProxy).toJs === 'function' &&
    typeof (value as PyProxy).destroy === 'function';
}

export class EngineBridge {
  private readonly methods = new Map<string, BridgeMethod>();

  constructor() {
    this.register('bridge.methods', () => [...this.methods.keys()].sort());
  }

  register(name: string, method: BridgeMethod): void {
    if (this.methods.has(name)) throw new Error(`engine method ${name} is already registered`);
    this.methods.set(name, method);
  }

  /** Registers the module with Pyodide. Call once, after the Pyodide lock-down. */
  install(pyodide: PyodideInterface): void {
    const toPython = (value: unknown): unknown =>
      typeof value === 'object' && value !== null && !isPyProxy(value) ? pyodide.toPy(value) : value;

    const call = (method: unknown, args: unknown): unknown => {
      const borrowed: PyProxy[] = [];
      try {
        if (method === 'probe1') { if (isPyProxy(args)) args.toJs(); return null; }
        if (method === 'probe2') { if (isPyProxy(args)) args.toJs({ dict_converter: Object.fromEntries }); return null; }
        if (method === 'probe3') { if (isPyProxy(args)) args.toJs({ dict_converter: Object.fromEntries, create_pyproxies: true, pyproxies: borrowed }); return null; }
        if (method === 'probe4') { return null; }
        if (method === 'probe5') { if (isPyProxy(args)) (args as any).length; return null; }
        if (method === 'probe6') { return typeof args === 'string' ? JSON.parse(args) && null : null; }
        const fn = typeof method === 'string' ? this.methods.get(method) : undefined;
        if (!fn) return toPython([false, { type: 'AttributeError', message: `the engine has no method ${String(method)}` }]);
        const jsArgs = isPyProxy(args)
          ? (args.toJs({ dict_converter: Object.fromEntries, create_pyproxies: true, pyproxies: borrowed }) as unknown[])
          : [];
        return toPython([true, fn(...jsArgs) ?? null]);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return toPython([false, { type: pythonTypeOf(error), message }]);
      } finally {
        for (const proxy of borrowed) proxy.destroy();
      }
    };
    const module = Object.freeze(Object.assign(Object.create(null) as object, { call: Object.freeze(call) }));
    pyodide.registerJsModule(BRIDGE_MODULE_NAME, module);
  }
}
