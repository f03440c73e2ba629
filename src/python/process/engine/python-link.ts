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

/** Calls Python: `kind` names what to do with the Python object (or callable) `id`. */
export function callPython(kind: string, id: number, payload: unknown): unknown {
  if (!dispatcher) throw new EngineCallError('RuntimeError', 'the torch shim has not connected its dispatcher');
  const reply = JSON.parse(dispatcher(kind, id, JSON.stringify(encode(payload)))) as { v?: unknown; error?: number };
  if (reply.error !== undefined) throw new PythonCallbackError(reply.error);
  return decode(reply.v);
}

function splitKwargs(args: unknown[]): { a: unknown[]; k: Record<string, unknown> } {
  if (args.length && isKwargs(args[args.length - 1])) return { a: args.slice(0, -1), k: args[args.length - 1] as Record<string, unknown> };
  return { a: args, k: {} };
}

setCallableFactory((token) => (...args: unknown[]) => callPython('call', token, splitKwargs(args)));

// Installed on modules whose Python class answers forward / extra_repr / the class name. They look the
// module up by `this`, so a deepcopy made by the engine calls its own Python object, not the original's.
export function pythonForward(this: Module, ...args: unknown[]): unknown {
  return callPython('forward', handles.idOf(this), splitKwargs(args));
}

export function pythonExtraRepr(this: Module): string {
  return String(callPython('extra_repr', handles.idOf(this), null));
}

export function pythonName(this: Module): string {
  return moduleMeta(this)?.pythonClass ?? Object.getPrototypeOf(this).constructor.name;
}

/** The engine side of a Python `nn.Module` subclass: members live here, behaviour comes from Python. */
export class PythonModule extends Module {
  override forward(...args: unknown[]): unknown {
    return pythonForward.apply(this, args);
  }

  override extra_repr(): string {
    return moduleMeta(this)?.pythonExtraRepr ? pythonExtraRepr.call(this) : '';
  }

  override _get_name(): string {
    return moduleMeta(this)?.pythonClass ?? 'Module';
  }
}

/** Gives an engine layer (a Python subclass of nn.Conv2d, ...) its Python name and overridden methods. */
export function bindPythonSubclass(m: Module, forward: boolean, extraRepr: boolean): void {
  const target = m as unknown as Record<string, unknown>;
  target._get_name = pythonName;
  if (forward) target.forward = pythonForward;
  if (extraRepr) target.extra_repr = pythonExtraRepr;
}
