// The torch shim's one bridge method, `te`: `engine.call("te", op, releases, *args)`. One method keeps the
// bridge surface small and lets every call carry the handles Python dropped since the previous call
// (batched releases at no extra crossing). Engine errors become the Python exception type they name.
import type { EngineBridge } from '../bridge';
import { EngineCallError } from '../bridge';
import { handles } from './handles';
import { moduleOps } from './module-ops';
import { PythonCallbackError, setDispatcher } from './python-link';
import { tensorOps, type Op } from './tensor-ops';

const PYTHON_TYPES = new Set([
  'ValueError', 'TypeError', 'IndexError', 'KeyError', 'AttributeError', 'NotImplementedError', 'MemoryError',
  'AssertionError', 'ZeroDivisionError', 'RuntimeError', 'RecursionError',
]);

/** A JS exception as the Python exception PyTorch would raise. */
export function asPythonError(error: unknown): EngineCallError {
  if (error instanceof EngineCallError) return error;
  if (!(error instanceof Error)) return new EngineCallError('RuntimeError', String(error));
  if (error instanceof RangeError) {
    if (/call stack/i.test(error.message)) return new EngineCallError('RecursionError', error.message);
    if (/allocation|array length|buffer/i.test(error.message)) return new EngineCallError('MemoryError', error.message);
    return new EngineCallError('ValueError', error.message);
  }
  return new EngineCallError(PYTHON_TYPES.has(error.name) ? error.name : 'RuntimeError', error.message);
}

const resetHooks: (() => void)[] = [];
/** Other parts of the engine process (requests) forget their per-evaluation state here too. */
export function onShimReset(hook: () => void): void {
  resetHooks.push(hook);
}

const ops: Record<string, Op> = {
  ...tensorOps,
  ...moduleOps,
  dispatcher: (fn) => setDispatcher(fn),
  /** A new evaluation: every handle of the previous one is dropped. */
  reset(): null {
    handles.reset();
    for (const hook of resetHooks) hook();
    return null;
  },
  release: () => null,
  stats: () => ({ handles: handles.size }),
};

function te(op: unknown, releases: unknown, ...args: unknown[]): unknown {
  if (Array.isArray(releases) && releases.length) handles.release(releases);
  const fn = typeof op === 'string' && Object.prototype.hasOwnProperty.call(ops, op) ? ops[op] : undefined;
  if (!fn) throw new EngineCallError('AttributeError', `the engine has no shim operation ${String(op)}`);
  try {
    return fn(...args);
  } catch (error) {
    if (error instanceof PythonCallbackError) throw error;
    throw asPythonError(error);
  }
}

export function registerShimMethods(bridge: EngineBridge): void {
  bridge.register('te', te);
}
