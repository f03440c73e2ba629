// Hook registries (ordered by id, like PyTorch's OrderedDicts), the handle that removes a hook, and
// Module.__call__ with its forward pre- and post-hooks.
import { isKwargs } from '../args';
import type { Module } from './module';

let nextHookId = 0;

export type HookMap = Map<number, (...args: any[]) => any>;

/** torch.utils.hooks.RemovableHandle: `handle.remove()` takes the hook out of every registry it was put in. */
export class RemovableHandle {
  readonly id = nextHookId++;

  constructor(private readonly registries: (Map<number, unknown> | Set<number>)[]) {}

  remove(): void {
    for (const r of this.registries) r.delete(this.id);
  }
}

/** Adds a hook under a fresh handle; prepend puts it first (PyTorch's move_to_end(last=False)). */
export function addHook(map: HookMap, hook: (...args: any[]) => any, prepend: boolean, extra: Set<number>[] = []): RemovableHandle {
  const handle = new RemovableHandle([map, ...extra]);
  if (prepend) {
    const rest = [...map];
    map.clear();
    map.set(handle.id, hook);
    for (const [k, v] of rest) map.set(k, v);
  } else map.set(handle.id, hook);
  return handle;
}

// Global hooks (torch.nn.modules.module.register_module_forward_pre_hook / register_module_forward_hook).
export const globalForwardPreHooks: HookMap = new Map();
export const globalForwardHooks: HookMap = new Map();
export const globalForwardHooksWithKwargs = new Set<number>();
export const globalForwardHooksAlwaysCalled = new Set<number>();

/** Runs before every Module's forward: `hook(module, args)` may return replacement args. */
export function register_module_forward_pre_hook(hook: (...args: any[]) => any): RemovableHandle {
  return addHook(globalForwardPreHooks, hook, false);
}

/** Runs after every Module's forward: `hook(module, args, output)` may return a replacement output. */
export function register_module_forward_hook(
  hook: (...args: any[]) => any, opts: { with_kwargs?: boolean; always_call?: boolean } = {},
): RemovableHandle {
  const handle = addHook(globalForwardHooks, hook, false, [globalForwardHooksWithKwargs, globalForwardHooksAlwaysCalled]);
  if (opts.with_kwargs) globalForwardHooksWithKwargs.add(handle.id);
  if (opts.always_call) globalForwardHooksAlwaysCalled.add(handle.id);
  return handle;
}

/** Module._call_impl: pre-hooks may replace the args, post-hooks the output; always_call hooks run even on error. */
export function callWithHooks(m: Module, rawArgs: any[]): any {
  let hadKwargs = rawArgs.length > 0 && isKwargs(rawArgs[rawArgs.length - 1]);
  let args: any[] = hadKwargs ? rawArgs.slice(0, -1) : rawArgs.slice();
  let kwargs: Record<string, any> = hadKwargs ? rawArgs[rawArgs.length - 1] : {};
  let result: any;
  const alwaysCalledDone = new Set<number>();
  try {
    for (const [id, hook] of [...globalForwardPreHooks, ...m._forward_pre_hooks]) {
      if (m._forward_pre_hooks_with_kwargs.has(id)) {
        const r = hook(m, args, kwargs);
        if (r == null) continue;
        if (!Array.isArray(r) || r.length !== 2)
          throw new Error(`forward pre-hook must return None or a tuple of (new_args, new_kwargs), but got ${r}.`);
        args = [...r[0]];
        kwargs = r[1];
        hadKwargs = true;
      } else {
        const r = hook(m, args);
        if (r != null) args = Array.isArray(r) ? [...r] : [r];
      }
    }
    result = m.forward(...(hadKwargs ? [...args, kwargs] : args));
    for (const [id, hook] of [...globalForwardHooks, ...m._forward_hooks]) {
      if (m._forward_hooks_always_called.has(id) || globalForwardHooksAlwaysCalled.has(id)) alwaysCalledDone.add(id);
      const withKwargs = m._forward_hooks_with_kwargs.has(id) || globalForwardHooksWithKwargs.has(id);
      const r = withKwargs ? hook(m, args, kwargs, result) : hook(m, args, result);
      if (r != null) result = r;
    }
    return result;
  } catch (e) {
    for (const [id, hook] of [...globalForwardHooks, ...m._forward_hooks]) {
      const always = m._forward_hooks_always_called.has(id) || globalForwardHooksAlwaysCalled.has(id);
      if (!always || alwaysCalledDone.has(id)) continue;
      try {
        const withKwargs = m._forward_hooks_with_kwargs.has(id) || globalForwardHooksWithKwargs.has(id);
        const r = withKwargs ? hook(m, args, kwargs, result) : hook(m, args, result);
        if (r != null) result = r;
      } catch { /* PyTorch only warns about a failing always_call hook */ }
    }
    throw e;
  }
}
