// JS-side lock-down of the engine process. See ../shared/reference/pyodide-sandbox.md section 3: any JS
// value handed to Python leads to intrinsics (Function, Object), so what matters is what those can reach.
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { SandboxReport } from '../../protocol/engine';

/**
 * Emscripten's NODEFS calls process.binding('constants') while loading, which the permission model denies.
 * Must run before loadPyodide.
 */
export function installBindingWorkaround(): void {
  // process.binding is deprecated and missing from @types/node.
  const host = process as unknown as { binding: (name: string) => unknown };
  const original = host.binding.bind(process);
  host.binding = (name: string) => (name === 'constants' ? { fs: fs.constants, os: os.constants } : original(name));
}

/**
 * Caps the wasm heap (Python's memory) below Pyodide's 4 GiB maximum. Emscripten grows memory through
 * WebAssembly.Memory#grow inside a try/catch, so a refusal becomes malloc() == NULL, i.e. MemoryError.
 */
export function capWasmMemory(maxBytes: number): void {
  const proto = WebAssembly.Memory.prototype;
  const grow = proto.grow;
  Object.defineProperty(proto, 'grow', {
    value: function cappedGrow(this: WebAssembly.Memory, deltaPages: number): number {
      if (this.buffer.byteLength + deltaPages * 65536 > maxBytes) throw new RangeError('wasm memory cap reached');
      return grow.call(this, deltaPages);
    },
    writable: false,
    configurable: false,
  });
}

/** Host capabilities a leaked `process` or global would offer; Node's internals keep their own references. */
const PROCESS_MEMBERS = ['getBuiltinModule', 'binding', '_linkedBinding', 'dlopen', 'mainModule', 'openStdin', 'kill'];
const NETWORK_GLOBALS = ['fetch', 'WebSocket', 'EventSource', 'Request', 'Response', 'Headers', 'FormData', 'navigator'];

export function removeHostCapabilities(): void {
  for (const name of PROCESS_MEMBERS) {
    try {
      delete (process as unknown as Record<string, unknown>)[name];
    } catch {
      // non-configurable on this Node: shadow it instead
    }
    if (name in process) {
      Object.defineProperty(process, name, { value: undefined, writable: false, configurable: false });
    }
  }
  for (const name of NETWORK_GLOBALS) delete (globalThis as Record<string, unknown>)[name];
}

// Prototype properties that code commonly assigns on instances (`err.name = ...`, `obj.toString = ...`).
// Frozen as data properties they would make such assignments throw (the "override mistake"), so they
// become accessors whose setter defines an own property on the instance.
const OVERRIDABLE = ['constructor', 'name', 'message', 'toString', 'valueOf', 'toJSON', 'toLocaleString', 'stack'];

const INTRINSIC_ROOTS = [
  'Object', 'Function', 'Array', 'Error', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError',
  'URIError', 'AggregateError', 'Promise', 'Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry',
  'Symbol', 'String', 'Number', 'Boolean', 'BigInt', 'Date', 'RegExp', 'JSON', 'Math', 'Reflect', 'Proxy',
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Atomics', 'WebAssembly', 'Int8Array', 'Uint8Array',
  'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array',
  'BigInt64Array', 'BigUint64Array', 'Iterator', 'TextDecoder', 'TextEncoder',
];

function hiddenIntrinsics(): unknown[] {
  const generator = function* () {};
  const asyncFunction = async function () {};
  const asyncGenerator = async function* () {};
  return [
    Object.getPrototypeOf(generator), Object.getPrototypeOf(asyncFunction), Object.getPrototypeOf(asyncGenerator),
    Object.getPrototypeOf(Int8Array), Object.getPrototypeOf([][Symbol.iterator]()), Object.getPrototypeOf(generator()),
    Object.getPrototypeOf(new Map().entries()), Object.getPrototypeOf(new Set().values()),
    Object.getPrototypeOf(''[Symbol.iterator]()), Object.getPrototypeOf(/x/[Symbol.matchAll]('')),
  ];
}

function makeOverridable(proto: object): void {
  for (const key of OVERRIDABLE) {
    const desc = Object.getOwnPropertyDescriptor(proto, key);
    if (!desc || !('value' in desc) || !desc.writable || !desc.configurable) continue;
    const value = desc.value;
    Object.defineProperty(proto, key, {
      get: () => value,
      set(this: object, next: unknown) {
        if (this === proto) throw new TypeError(`Cannot assign to read only property '${key}' of a frozen prototype`);
        Object.defineProperty(this, key, { value: next, writable: true, enumerable: true, configurable: true });
      },
      enumerable: desc.enumerable,
      configurable: false,
    });
  }
}

/**
 * Freezes the language intrinsics (deeply). Python can reach Object, Function and friends from any JS value
 * it holds; unfrozen, it could install a getter (pyodide.ffi.create_proxy(..., capture_this=True)) on
 * Object.prototype and receive privileged objects such as `process` as `this` when Node reads a property.
 */
export function freezeIntrinsics(): void {
  const roots = INTRINSIC_ROOTS.map((name) => (globalThis as Record<string, unknown>)[name]).filter(Boolean);
  const pending: unknown[] = [...roots, ...hiddenIntrinsics()];
  const seen = new Set<unknown>();
  while (pending.length) {
    const value = pending.pop();
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null || seen.has(value)) continue;
    if (value === globalThis) continue;
    seen.add(value);
    const isPrototype = Object.prototype.hasOwnProperty.call(value, 'constructor');
    // Accessors for Array's and Promise's `constructor` would switch off V8's species fast paths (Array#map
    // 22x slower): those keep the ordinary frozen data property.
    if (isPrototype && value !== Array.prototype && value !== Promise.prototype) makeOverridable(value);
    for (const key of Reflect.ownKeys(value)) {
      const desc = Object.getOwnPropertyDescriptor(value, key);
      if (!desc) continue;
      pending.push(desc.value, desc.get, desc.set);
    }
    pending.push(Object.getPrototypeOf(value));
    if (value === Error) freezeErrorConstructor();
    else if (isElementsPrototype(value)) freezeKeepingFastElements(value as object);
    // Everything else the ordinary way. Redefined property by property, V8 turns namespaces into dictionaries
    // (optimised code stopped inlining Math.*: a Box-Muller fill 8.6 instead of 4.6 ms, Math.imul loops 3x) and
    // redefining Array.prototype[Symbol.iterator] switches off the array iteration fast paths (spread 14x,
    // for-of 8x, Array.from 14x slower); Object.freeze changes neither.
    else Object.freeze(value);
  }
}

/** Object.prototype and the typed-array prototypes: Object.freeze on them slows every typed-array store (below). */
function isElementsPrototype(value: unknown): boolean {
  const typed = Object.getPrototypeOf(Int8Array.prototype);
  return value === Object.prototype || value === typed || Object.getPrototypeOf(value) === typed;
}

/**
 * The same integrity level as Object.freeze (Object.isFrozen is true afterwards), reached property by property.
 * Object.freeze on Object.prototype or a typed array prototype moves V8 onto its frozen-elements maps, and
 * from then on optimised code stores into every typed array about 20x slower (measured on Node 20: 21 ms
 * against 1 ms for 800k float32 stores; ResNet-18's batch-norm and ReLU went from 14 to 150 ms).
 */
function freezeKeepingFastElements(value: object): void {
  for (const key of Reflect.ownKeys(value)) {
    const desc = Object.getOwnPropertyDescriptor(value, key)!;
    if (!desc.configurable && (!('value' in desc) || !desc.writable)) continue;
    try {
      Object.defineProperty(value, key, 'value' in desc ? { writable: false, configurable: false } : { configurable: false });
    } catch {
      // some exotic objects refuse a redefinition; freeze them the ordinary way
      Object.freeze(value);
      return;
    }
  }
  Object.preventExtensions(value);
}

/**
 * Like Object.freeze, except that `Error.stackTraceLimit` stays a writable data property: Pyodide assigns it
 * when it converts Python exceptions, and V8 reads it only as a data property. The hook that matters,
 * `prepareStackTrace` (it would hand Python the call sites' functions and receivers), is pinned to undefined.
 */
function freezeErrorConstructor(): void {
  Object.defineProperty(Error, 'prepareStackTrace', { value: undefined, writable: false, configurable: false });
  for (const key of Reflect.ownKeys(Error)) {
    if (key === 'stackTraceLimit') continue;
    const desc = Object.getOwnPropertyDescriptor(Error, key)!;
    Object.defineProperty(Error, key, 'value' in desc ? { writable: false, configurable: false } : { configurable: false });
  }
  Object.preventExtensions(Error);
}

/** Inspects the running process rather than trusting the flags it was given. */
export function sandboxReport(): SandboxReport {
  const permission = (process as { permission?: { has(scope: string, reference?: string): boolean } }).permission;
  const permissionModel =
    !!permission && !permission.has('fs.read', '/') && !permission.has('fs.write', '/') && !permission.has('child');
  let codeGenerationFromStrings = true;
  try {
    new Function('return 1');
  } catch {
    codeGenerationFromStrings = false;
  }
  const envKeys = Object.keys(process.env).filter((k) => k !== 'ELECTRON_RUN_AS_NODE');
  const emptyEnvironment = envKeys.length === 0;
  const problems: string[] = [];
  if (!permissionModel) problems.push("Node's permission model is not active (this Node refused the flags)");
  if (codeGenerationFromStrings) problems.push('code generation from strings is allowed');
  if (!emptyEnvironment) problems.push(`the environment is not empty (${envKeys.length} variables)`);
  return {
    sandboxed: problems.length === 0,
    permissionModel,
    codeGenerationFromStrings,
    emptyEnvironment,
    ...(problems.length ? { reason: problems.join('; ') } : {}),
  };
}
