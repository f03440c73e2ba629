// Time limit for model code written in TypeScript/JavaScript. Pyodide's interrupt buffer only stops Python;
// for JS, Node's vm watchdog (a native thread, allowed under the permission model) terminates whatever runs
// inside `script.runInContext(..., { timeout })` - including host-realm functions called from it. So every
// call into model code goes through a one-line script that calls back into the host.
import { types } from 'node:util';
import * as vm from 'node:vm';

export class JsTimeLimitError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`the model code exceeded the time limit of ${timeoutMs} ms`);
    this.name = 'TimeoutError';
  }
}

// The trampoline's context holds only `invoke`; it never sees model code, which runs in the host realm.
let pending: (() => unknown) | undefined;
const trampolineContext = vm.createContext(Object.create(null), {
  name: 'torch-explorer time limit',
  codeGeneration: { strings: false, wasm: false },
});
Object.defineProperty(trampolineContext, 'invoke', {
  value: () => {
    const fn = pending!;
    pending = undefined;
    return fn();
  },
});
const trampoline = new vm.Script('invoke()', { filename: 'torch-explorer:time-limit' });
let running = false;

/** Runs `fn` and stops it (JsTimeLimitError) once it has run for `timeoutMs`. Nested calls share the outer limit. */
export function runWithTimeLimit<T>(timeoutMs: number, fn: () => T): T {
  if (running) return fn();
  running = true;
  pending = fn;
  try {
    return trampoline.runInContext(trampolineContext, { timeout: Math.max(1, Math.round(timeoutMs)) }) as T;
  } catch (error) {
    if (ownDataValue(error, 'code') === 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw new JsTimeLimitError(timeoutMs);
    throw error;
  } finally {
    running = false;
    pending = undefined;
  }
}

/**
 * An own data property of a value model code may have thrown, read without running model code: no getter,
 * no Proxy trap (those would run outside any time limit).
 */
export function ownDataValue(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null || types.isProxy(value)) return undefined;
  const desc = Object.getOwnPropertyDescriptor(value, key);
  return desc && 'value' in desc ? desc.value : undefined;
}
