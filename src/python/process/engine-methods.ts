// Engine methods the `torch` shim calls through `_torch_explorer.engine.call(name, *args)`.
// The engine is not wired yet; this is where `nn.*`, `tensor.*` and `ops.*` methods get registered.
import type { EngineBridge } from './bridge';
import { registerShimMethods } from './engine/shim-methods';

export function registerEngineMethods(bridge: EngineBridge): void {
  // Round-trips its arguments; the bridge tests use it to check the conversions in both directions.
  bridge.register('bridge.echo', (...args: unknown[]) => args);
  registerShimMethods(bridge);
}
