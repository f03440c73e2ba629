// The global scope model code sees. Model code runs in the host realm (a separate vm context would give it
// its own Object.prototype and Map, and the engine recognises keyword objects `{ padding: 1 }` and Maps by
// identity), compiled with vm.compileFunction under a scope object that shadows every host global: names
// on the allow-list below resolve to the (frozen) intrinsics, all others (process, require, Buffer, fetch,
// setTimeout, ...) to undefined, and `globalThis` to a frozen stand-in holding only the allowed names.
import { inspect } from 'node:util';

/**
 * ECMAScript globals a model may use. Not: anything that runs model code later, outside the time limit
 * (Promise, FinalizationRegistry, timers; async syntax is refused in workspace-modules.ts), SharedArrayBuffer
 * and Atomics (Atomics.wait blocks the process), WebAssembly, Intl (not frozen by the lock-down), Node's globals.
 */
const ALLOWED_GLOBALS = [
  'Object', 'Function', 'Array', 'Number', 'Boolean', 'String', 'Symbol', 'BigInt', 'Date', 'RegExp', 'JSON', 'Math',
  'Reflect', 'Proxy', 'Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'Iterator',
  'Error', 'AggregateError', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError', 'URIError',
  'ArrayBuffer', 'DataView', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
  'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
  'TextEncoder', 'TextDecoder', 'parseInt', 'parseFloat', 'isNaN', 'isFinite', 'encodeURIComponent',
  'decodeURIComponent', 'encodeURI', 'decodeURI', 'Infinity', 'NaN', 'undefined',
  // Present so that `eval(...)` fails the way it does everywhere in this process (EvalError), not as a ReferenceError.
  'eval',
];

export type LogLevel = 'stdout' | 'stderr';
export type LogSink = (level: LogLevel, message: string) => void;

/** Modules and tensors print as PyTorch's repr (their toString); other values as Node prints them. */
function formatValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const toString = (value as { toString?: unknown }).toString;
    if (typeof toString === 'function' && toString !== Object.prototype.toString && toString !== Array.prototype.toString)
      return String(value);
  }
  return inspect(value, { depth: 4, customInspect: false, getters: false, showProxy: true });
}

function makeConsole(log: LogSink): object {
  const write = (level: LogLevel) => (...args: unknown[]) => log(level, args.map(formatValue).join(' '));
  const out = write('stdout'), err = write('stderr');
  return Object.freeze({ log: out, info: out, debug: out, trace: out, warn: err, error: err });
}

function globalNames(): Set<string> {
  const names = new Set<string>();
  for (let o: object | null = globalThis; o; o = Object.getPrototypeOf(o))
    for (const key of Object.getOwnPropertyNames(o)) names.add(key);
  return names;
}

/**
 * A frozen object for vm.compileFunction's `contextExtensions`. Built per evaluation from the globals that
 * exist now, so a global added after start-up is shadowed too.
 */
export function createModelScope(log: LogSink): object {
  const allowed: Record<string, unknown> = Object.create(null);
  for (const name of ALLOWED_GLOBALS) {
    if (name in globalThis) allowed[name] = (globalThis as Record<string, unknown>)[name];
  }
  allowed.console = makeConsole(log);
  allowed.globalThis = Object.freeze({ ...allowed });

  const scope: Record<string, unknown> = Object.create(null);
  for (const name of globalNames()) scope[name] = undefined;
  Object.assign(scope, allowed);
  return Object.freeze(scope);
}
