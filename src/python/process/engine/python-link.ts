// The engine calling Python: a module's Python `forward`/`extra_repr`, hooks and other Python callables.
// Python registers ONE dispatcher function (kept as the only PyProxy copy) and keeps id -> object itself;
// calls pass only strings and numbers, so Python never receives a JS object, and no per-module proxy
// has to outlive or follow a module (deepcopy copies engine modules field by field).
import type { PyProxy } from 'pyodide/ffi';
import { isKwargs } from '../../../engine/args';
import { Module } from '../../../engine/nn';
import { EngineCallError } from '../bridge';
import { decode, encode, setCallableFactory } from './codec';
import { handles, moduleMeta } from './handles';

type Dispatcher = PyProxy & ((kind: string, id: number, payload: string) => string);

let dispatcher: Dispatcher | null = null;

/** Python raised inside a callback; the shim re-raises the original exception (traceback intact) by token. */
export class PythonCallbackError extends EngineCallError {
  constructor(readonly token: number) {
    super('PythonCallbackError', String(token));
  }
}

export function setDispatcher(proxy: unknown): void {
  const candidate = proxy as PyProxy;
  if (typeof proxy !== 'function' || typeof candidate.copy !== 'function')
    throw new EngineCallError('TypeError', 'the dispatcher must be a Python callable');
  dispatcher?.destroy();
  dispatcher = candidate.copy() as Dispatcher;
}

/** Calls Python: `kind` names what to do with the Python object (or callable) `id`; args may end in kwargs. */
export function callPython(kind: string, id: number, args: unknown[]): unknown {
  if (!dispatcher) throw new EngineCallError('RuntimeError', 'the torch shim has not connected its dispatcher');
  const { a, k } = splitKwargs(args);
  const payload = { a: a.map(encode), k: Object.fromEntries(Object.entries(k).map(([key, v]) => [key, encode(v)])) };
  const reply = JSON.parse(dispatcher(kind, id, JSON.stringify(payload))) as { v?: unknown; error?: number };
  if (reply.error !== undefined) throw new PythonCallbackError(reply.error);
  return decode(reply.v);
}

function splitKwargs(args: unknown[]): { a: unknown[]; k: Record<string, unknown> } {
  if (args.length && isKwargs(args[args.length - 1])) return { a: args.slice(0, -1), k: args[args.length - 1] as Record<string, unknown> };
  return { a: args, k: {} };
}

setCallableFactory((token) => (...args: unknown[]) => callPython('call', token, args));

// Python classes become JS subclasses named like them (so `_get_name()`, error messages and
// `this.constructor` read as in PyTorch) whose prototype routes forward / extra_repr to Python. The methods
// look the module up by `this`, so a deepcopy made by the engine calls its own Python object.
export function pythonForward(this: Module, ...args: unknown[]): unknown {
  return callPython('forward', handles.idOf(this), args);
}

export function pythonExtraRepr(this: Module): string {
  return String(callPython('extra_repr', handles.idOf(this), []));
}

/** Marks the prototypes of Python classes; `super().forward()` skips them to reach the engine's method. */
const PYTHON_CLASS = Symbol('python class');

export function isPythonPrototype(proto: object): boolean {
  return Object.prototype.hasOwnProperty.call(proto, PYTHON_CLASS);
}

/** The engine side of a Python `nn.Module` subclass: members live here, forward comes from Python. */
export class PythonModule extends Module {
  override forward(...args: unknown[]): unknown {
    return pythonForward.apply(this, args);
  }
}

type ModuleClass = new (...args: unknown[]) => Module;
const subclasses = new WeakMap<ModuleClass, Map<string, ModuleClass>>();

/** A JS class for Python class `name` deriving from an engine class (PythonModule for plain nn.Module). */
export function pythonClass(base: ModuleClass, name: string, forward: boolean, extraRepr: boolean): ModuleClass {
  let byKey = subclasses.get(base);
  if (!byKey) subclasses.set(base, (byKey = new Map()));
  const key = `${name}|${forward}|${extraRepr}`;
  let cls = byKey.get(key);
  if (!cls) {
    cls = { [name]: class extends base {} }[name];
    const proto = cls.prototype as unknown as Record<PropertyKey, unknown>;
    Object.defineProperty(proto, PYTHON_CLASS, { value: true });
    if (forward) Object.defineProperty(proto, 'forward', { value: pythonForward, writable: true, configurable: true });
    if (extraRepr) Object.defineProperty(proto, 'extra_repr', { value: pythonExtraRepr, writable: true, configurable: true });
    byKey.set(key, cls);
  }
  return cls;
}
