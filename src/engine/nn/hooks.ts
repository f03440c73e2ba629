// Hook registries (ordered by id, like PyTorch's OrderedDicts) and the handle that removes a hook.

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
