// Module.__setattr__/__getattr__/__delattr__ as Proxy traps. Every Module is a Proxy over its raw object:
// assigning a Parameter, a Module or a registered buffer name registers it in the ordered
// _parameters/_buffers/_modules maps, and reading such a name finds it there.
import { Tensor } from '../tensor';
import type { Module } from './module';
import { Parameter } from './parameter';
import { typename } from './python';

/** Marks Module.prototype, so this file needs no runtime import of module.ts. */
export const MODULE_BRAND = Symbol('nn.Module');
const isModule = (v: unknown): v is Module => typeof v === 'object' && v !== null && (v as any)[MODULE_BRAND] === true;

const INDEX = /^-?\d+$/;
const hasOwn = (o: object, k: PropertyKey) => Object.prototype.hasOwnProperty.call(o, k);

function isRegistered(t: Module, name: string): boolean {
  return t._parameters.has(name) || t._buffers.has(name) || t._modules.has(name);
}

/** Python's hasattr(); an own property still holding `undefined` is a declared-but-unassigned class field. */
export function hasattr(m: Module, name: string): boolean {
  if (!(name in m)) return false;
  return !(hasOwn(m, name) && (m as any)[name] === undefined && !isRegistered(m, name));
}

/** Module.__setattr__ */
function setattr(target: Module, self: Module, name: string, value: unknown): void {
  const dropOwn = () => { if (hasOwn(target, name)) Reflect.deleteProperty(target, name); };
  if (value instanceof Parameter) {
    dropOwn();
    target._buffers.delete(name);
    target._modules.delete(name);
    target._non_persistent_buffers_set.delete(name);
    self.register_parameter(name, value);
  } else if (target._parameters.has(name)) {
    if (value != null)
      throw new TypeError(`cannot assign '${typename(value)}' as parameter '${name}' (torch.nn.Parameter or None expected)`);
    self.register_parameter(name, null);
  } else if (isModule(value)) {
    dropOwn();
    target._parameters.delete(name);
    target._buffers.delete(name);
    target._non_persistent_buffers_set.delete(name);
    target._modules.set(name, value);
  } else if (target._modules.has(name)) {
    if (value != null)
      throw new TypeError(`cannot assign '${typename(value)}' as child module '${name}' (torch.nn.Module or None expected)`);
    target._modules.set(name, null);
  } else if (target._buffers.has(name)) {
    if (value != null && !(value instanceof Tensor))
      throw new TypeError(`cannot assign '${typename(value)}' as buffer '${name}' (torch.Tensor or None expected)`);
    target._buffers.set(name, (value as Tensor | null | undefined) ?? null);
  } else {
    Reflect.set(target, name, value, self);
  }
}

const handler: ProxyHandler<Module> = {
  get(target, prop, receiver) {
    if (typeof prop === 'string' && !(prop in target)) {
      if (target._parameters.has(prop)) return target._parameters.get(prop);
      if (target._buffers.has(prop)) return target._buffers.get(prop);
      if (target._modules.has(prop)) return target._modules.get(prop);
      const indexGet = (target as { _index_get?: (i: number) => unknown })._index_get;
      if (indexGet && INDEX.test(prop)) return indexGet.call(receiver, Number(prop));
      return undefined;
    }
    return Reflect.get(target, prop, receiver);
  },
  set(target, prop, value, receiver) {
    if (typeof prop !== 'string') return Reflect.set(target, prop, value, receiver);
    setattr(target, receiver, prop, value);
    return true;
  },
  has(target, prop) {
    return Reflect.has(target, prop) || (typeof prop === 'string' && isRegistered(target, prop));
  },
  deleteProperty(target, prop) {
    if (typeof prop === 'string') {
      if (target._parameters.delete(prop)) return true;
      if (target._buffers.delete(prop)) { target._non_persistent_buffers_set.delete(prop); return true; }
      if (target._modules.delete(prop)) return true;
    }
    return Reflect.deleteProperty(target, prop);
  },
  // Class fields are defined, not assigned: route them through __setattr__ as well.
  defineProperty(target, prop, desc) {
    if (typeof prop === 'string' && 'value' in desc && !desc.get && !desc.set) {
      const isFieldDefine = desc.writable === true && desc.enumerable === true && desc.configurable === true;
      if (isFieldDefine && desc.value === undefined && (isRegistered(target, prop) || hasOwn(target, prop))) return true;
      if (isModule(desc.value) || desc.value instanceof Parameter || (isFieldDefine && isRegistered(target, prop))) {
        setattr(target, PROXIES.get(target) ?? target, prop, desc.value);
        return true;
      }
    }
    return Reflect.defineProperty(target, prop, desc);
  },
};

/** Wraps a raw module object (used by the constructor and by deepcopy). */
export function wrapModule<T extends Module>(raw: T): T {
  const proxy = new Proxy(raw, handler as ProxyHandler<T>);
  PROXIES.set(raw, proxy);
  return proxy;
}
const PROXIES = new WeakMap<Module, Module>();
