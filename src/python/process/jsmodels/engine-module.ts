// What `import { torch, nn, F } from 'torch-explorer'` gives a model file: the engine's namespaces as frozen
// copies, so a model cannot add or replace names that later evaluations (or the Python shim, which lists
// nn's classes) would see. The classes and functions themselves are the engine's own: `instanceof`,
// `class Net extends nn.Module` and the engine's identity checks keep working.
import { F, nn, Tensor, torch } from '../../../engine';

/** The engine's own module specifier, and relative paths that reach the engine's sources (the examples in
 *  this repository import `../src/engine`). */
export const ENGINE_SPECIFIER = 'torch-explorer';
const ENGINE_SOURCE_PATHS = new Set(['src/engine', 'src/engine/index', 'src/engine/index.ts']);

export function isEngineSourcePath(workspacePath: string): boolean {
  return ENGINE_SOURCE_PATHS.has(workspacePath) || [...ENGINE_SOURCE_PATHS].some((p) => workspacePath.endsWith('/' + p));
}

function isNamespace(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function frozenCopy(namespace: Record<string, unknown>, copies: Map<object, object>): object {
  const existing = copies.get(namespace);
  if (existing) return existing;
  const copy: Record<string, unknown> = {};
  copies.set(namespace, copy);
  for (const key of Object.keys(namespace)) {
    const value = namespace[key];
    copy[key] = isNamespace(value) ? frozenCopy(value, copies) : value;
  }
  return Object.freeze(copy);
}

let engineModule: object | undefined;

/** The module object `require('torch-explorer')` returns (the same frozen object every time). */
export function engineExports(): object {
  if (!engineModule) {
    const copies = new Map<object, object>();
    const exports: Record<string, unknown> = {
      __esModule: true,
      torch: frozenCopy(torch as unknown as Record<string, unknown>, copies),
      nn: frozenCopy(nn as unknown as Record<string, unknown>, copies),
      F: frozenCopy(F as unknown as Record<string, unknown>, copies),
      Tensor,
    };
    exports.default = exports;
    engineModule = Object.freeze(exports);
  }
  return engineModule;
}
