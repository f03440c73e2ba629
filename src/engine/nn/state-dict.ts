// Module.state_dict() and Module.load_state_dict(), with PyTorch's key order, `_metadata` versions and messages.
import { Tensor } from '../tensor';
import type { Module } from './module';
import { Parameter } from './parameter';
import { listRepr, typename } from './python';

export type Metadata = Map<string, Record<string, unknown>>;

/** The OrderedDict state_dict() returns: insertion-ordered key -> tensor, plus `_metadata` (prefix -> {version}). */
export class StateDict extends Map<string, Tensor> {
  _metadata?: Metadata;
}

/** What load_state_dict accepts: a Map (a StateDict keeps its _metadata) or a plain object of tensors. */
export type StateDictLike = Map<string, Tensor> | Record<string, Tensor>;

/** The NamedTuple load_state_dict returns. */
export class IncompatibleKeys {
  constructor(readonly missing_keys: string[], readonly unexpected_keys: string[]) {}
  toString(): string {
    if (!this.missing_keys.length && !this.unexpected_keys.length) return '<All keys matched successfully>';
    return `_IncompatibleKeys(missing_keys=${listRepr(this.missing_keys)}, unexpected_keys=${listRepr(this.unexpected_keys)})`;
  }
  *[Symbol.iterator](): Generator<string[]> {
    yield this.missing_keys;
    yield this.unexpected_keys;
  }
}

function versionOf(m: Module): number {
  const own = (m as unknown as { _version?: number })._version;
  return own ?? (m.constructor as unknown as { _version?: number })._version ?? 1;
}

export function saveStateDict(m: Module, destination: StateDict | null, prefix: string, keepVars: boolean): StateDict {
  let dest = destination;
  if (dest === null) {
    dest = new StateDict();
    dest._metadata = new Map();
  }
  const localMetadata: Record<string, unknown> = { version: versionOf(m) };
  dest._metadata?.set(prefix.slice(0, -1), localMetadata);
  for (const hook of m._state_dict_pre_hooks.values()) hook(m, prefix, keepVars);
  m._save_to_state_dict(dest, prefix, keepVars);
  for (const [name, child] of m._modules)
    if (child !== null) child.state_dict({ destination: dest, prefix: prefix + name + '.', keep_vars: keepVars });
  for (const hook of m._state_dict_hooks.values()) {
    const r = hook(m, dest, prefix, localMetadata);
    if (r != null) dest = r as StateDict;
  }
  return dest;
}

function metadataOf(sd: unknown): Metadata | null {
  const raw = (sd as { _metadata?: unknown })._metadata;
  if (raw instanceof Map) return raw as Metadata;
  if (raw && typeof raw === 'object' && !(raw instanceof Tensor)) return new Map(Object.entries(raw as Record<string, Record<string, unknown>>));
  return null;
}

export function loadStateDict(m: Module, stateDict: StateDictLike, strict: boolean, assign: boolean): IncompatibleKeys {
  if (stateDict === null || typeof stateDict !== 'object')
    throw new TypeError(`Expected state_dict to be dict-like, got <class '${typename(stateDict)}'>.`);
  const metadata = metadataOf(stateDict);
  const entries = stateDict instanceof Map ? [...stateDict] : Object.entries(stateDict).filter(([k, v]) => k !== '_metadata' || v instanceof Tensor);
  const missing: string[] = [], unexpected: string[] = [], errors: string[] = [];

  const load = (module: Module, local: StateDict, prefix: string): void => {
    const localMetadata: Record<string, unknown> = metadata?.get(prefix.slice(0, -1)) ?? {};
    if (assign) localMetadata.assign_to_params_buffers = assign;
    module._load_from_state_dict(local, prefix, localMetadata, true, missing, unexpected, errors);
    for (const [name, child] of module._modules) {
      if (child === null) continue;
      const childPrefix = prefix + name + '.';
      load(child, new StateDict([...local].filter(([k]) => k.startsWith(childPrefix))), childPrefix);
    }
    const incompatible = new IncompatibleKeys(missing, unexpected);
    for (const hook of module._load_state_dict_post_hooks.values()) {
      if (hook(module, incompatible) != null)
        throw new Error('Hooks registered with ``register_load_state_dict_post_hook`` are notexpected to return new values, if incompatible_keys need to be modified,it should be done inplace.');
    }
  };
  load(m, new StateDict(entries), '');

  if (strict) {
    if (unexpected.length) errors.unshift(`Unexpected key(s) in state_dict: ${unexpected.map((k) => `"${k}"`).join(', ')}. `);
    if (missing.length) errors.unshift(`Missing key(s) in state_dict: ${missing.map((k) => `"${k}"`).join(', ')}. `);
  }
  if (errors.length) throw new Error(`Error(s) in loading state_dict for ${m.constructor.name}:\n\t${errors.join('\n\t')}`);
  return new IncompatibleKeys(missing, unexpected);
}

/** Module._load_from_state_dict's body: copy (or assign) matching entries, collect missing/unexpected keys. */
export function loadOwnEntries(
  m: Module, stateDict: StateDict, prefix: string, localMetadata: Record<string, unknown>, strict: boolean,
  missing: string[], unexpected: string[], errors: string[],
): void {
  for (const hook of m._load_state_dict_pre_hooks.values())
    hook(m, stateDict, prefix, localMetadata, strict, missing, unexpected, errors);
  const local = new Map<string, Tensor>();
  for (const [k, p] of m._parameters) if (p !== null) local.set(k, p);
  for (const [k, b] of m._buffers) if (b !== null && !m._non_persistent_buffers_set.has(k)) local.set(k, b);
  const assign = localMetadata.assign_to_params_buffers === true;
  const sizeStr = (s: readonly number[]) => `torch.Size([${s.join(', ')}])`;
  for (const [name, param] of local) {
    const key = prefix + name;
    if (!stateDict.has(key)) {
      if (strict) missing.push(key);
      continue;
    }
    let input = stateDict.get(key) as unknown;
    if (!(input instanceof Tensor)) {
      errors.push(`While copying the parameter named "${key}", expected torch.Tensor or Tensor-like object from checkpoint but received <class '${typename(input)}'>`);
      continue;
    }
    if (param.ndim === 0 && input.ndim === 1) input = input.select(0, 0); // checkpoints from before 0-d tensors
    const value = input as Tensor;
    if (value.shape.length !== param.shape.length || value.shape.some((d, i) => d !== param.shape[i])) {
      errors.push(`size mismatch for ${key}: copying a param with shape ${sizeStr(value.shape)} from checkpoint, the shape in current model is ${sizeStr(param.shape)}.`);
      continue;
    }
    try {
      if (assign) {
        const next = param instanceof Parameter && !(value instanceof Parameter) ? new Parameter(value, param.requires_grad) : value;
        if (next instanceof Parameter && param instanceof Parameter) next.requires_grad_(param.requires_grad);
        (m as any)[name] = next;
      } else param.copy_(value);
    } catch (ex) {
      errors.push(`While copying the parameter named "${key}", whose dimensions in the model are ${sizeStr(param.shape)} and whose dimensions in the checkpoint are ${sizeStr(value.shape)}, an exception occurred : ('${(ex as Error).message}',).`);
    }
  }
  const extraKey = prefix + '_extra_state';
  if (overridesModuleMethod(m, 'set_extra_state')) {
    if (stateDict.has(extraKey)) m.set_extra_state(stateDict.get(extraKey));
    else if (strict) missing.push(extraKey);
  } else if (strict && stateDict.has(extraKey)) unexpected.push(extraKey);
  if (strict) {
    for (const key of stateDict.keys()) {
      if (!key.startsWith(prefix) || key === extraKey) continue;
      const rest = key.slice(prefix.length);
      const dot = rest.indexOf('.');
      if (dot >= 0) { if (!m._modules.has(rest.slice(0, dot))) unexpected.push(key); }
      else if (!local.has(rest)) unexpected.push(key);
    }
  }
}

/** True when a subclass overrides a Module method (PyTorch: `type(self).set_extra_state is not Module.set_extra_state`). */
export function overridesModuleMethod(m: Module, name: string): boolean {
  for (let proto = Object.getPrototypeOf(m); proto; proto = Object.getPrototypeOf(proto)) {
    if (Object.prototype.hasOwnProperty.call(proto, 'register_parameter')) return false; // reached Module.prototype
    if (Object.prototype.hasOwnProperty.call(proto, name)) return true;
  }
  return false;
}
