// Shim operations on modules. The module tree is the engine's: Python's __setattr__/__getattr__ and the
// nn.Module methods end up here, so named_*(), state_dict(), repr() and load_state_dict() are computed by
// the engine exactly as for a model written in TypeScript.
import type { SourceLocation } from '../../../protocol/engine';
import { nn } from '../../../engine';
import { fmt } from '../../../engine/nn/python';
import { Module, Parameter } from '../../../engine/nn';
import { Tensor } from '../../../engine/tensor';
import { EngineCallError } from '../bridge';
import { decode, decodeArgs, encode, encodeModule } from './codec';
import { handles, moduleMeta, setModuleMeta, updateModuleMeta } from './handles';
import { isPythonPrototype, PythonModule, pythonClass } from './python-link';
import { isPublicName, type Op } from './tensor-ops';

/** What Python tells the engine about a module it creates. */
interface PythonInfo {
  /** Python class name when the Python class is not the engine's own (a subclass). */
  name?: string | null;
  forward?: boolean;
  extraRepr?: boolean;
  created?: SourceLocation | null;
}

export function moduleOf(id: unknown): Module {
  const m = handles.get(id);
  if (!(m instanceof Module)) throw new EngineCallError('TypeError', `engine handle ${String(id)} is not a module`);
  return m;
}

function isMember(m: Module, name: string): boolean {
  return m._parameters.has(name) || m._buffers.has(name) || m._modules.has(name);
}

function engineClass(name: unknown): new (...args: unknown[]) => Module {
  const ctor = typeof name === 'string' && isLayerName(name) ? (nn as Record<string, unknown>)[name] : undefined;
  if (typeof ctor !== 'function' || !((ctor as { prototype?: unknown }).prototype instanceof Module))
    throw new EngineCallError('AttributeError', `torch.nn.${String(name)} is not supported by Torch Explorer's engine`);
  return ctor as new (...args: unknown[]) => Module;
}

const isLayerName = (name: string) => /^[A-Z][A-Za-z0-9_]*$/.test(name);

function note(m: Module, info: unknown): Module {
  const i = (info ?? {}) as PythonInfo;
  setModuleMeta(m, {
    ...(i.name ? { pythonClass: i.name } : {}),
    ...(i.forward ? { pythonForward: true } : {}),
    ...(i.extraRepr ? { pythonExtraRepr: true } : {}),
    ...(i.created ? { created: i.created } : {}),
  });
  return m;
}

/** A module attribute as Python sees it: floats that the engine holds as integral numbers stay floats. */
function attributeValue(m: Module, name: string, value: unknown): unknown {
  if (typeof value === 'function') return { meth: name };
  if (typeof value === 'number' && Number.isInteger(value) && /[.e]|inf|nan/.test(fmt(m, name))) return { f: value };
  return encode(value);
}

/** A method of the object itself (not one every JS object has), callable from Python. */
function methodOf(obj: object, name: unknown, owner: string): Op {
  const fn = isPublicName(name) ? (obj as Record<string, unknown>)[name] : undefined;
  if (typeof fn !== 'function' || fn === (Object.prototype as unknown as Record<string, unknown>)[name as string])
    throw new EngineCallError('AttributeError', `'${owner}' object has no attribute '${String(name)}'`);
  return fn as Op;
}

export const moduleOps: Record<string, Op> = {
  /** nn.Conv2d(3, 6, 3): an engine layer, possibly the base of a Python subclass. */
  nnNew(className, args, kwargs, info): unknown {
    const i = (info ?? {}) as PythonInfo;
    const base = engineClass(className);
    const Ctor = i.name ? pythonClass(base, i.name, !!i.forward, !!i.extraRepr) : base;
    return encodeModule(note(new Ctor(...decodeArgs(args, kwargs)), info));
  },
  /** A Python nn.Module subclass: members live in the engine, forward is the Python method. */
  nnPython(info): unknown {
    const i = (info ?? {}) as PythonInfo;
    const Ctor = pythonClass(PythonModule, String(i.name ?? 'Module'), true, !!i.extraRepr);
    return encodeModule(note(new Ctor(), info));
  },

  /** Module.__getattr__: [found, value]. Python modules expose members only; engine layers expose everything. */
  mget(id, name, membersOnly): unknown {
    const m = moduleOf(id);
    if (typeof name !== 'string') return [false, null];
    if (isMember(m, name)) return [true, encode((m as unknown as Record<string, unknown>)[name])];
    if (membersOnly || !isPublicName(name) || !nn.hasattr(m, name)) return [false, null];
    return [true, attributeValue(m, name, (m as unknown as Record<string, unknown>)[name])];
  },
  /**
   * Module.__setattr__. Returns true when the engine took the value: parameters, modules, registered names,
   * `training`, and (for engine layers) attributes the layer has. Otherwise Python keeps it in __dict__.
   */
  mset(id, name, value, membersOnly, assigned): unknown {
    const m = moduleOf(id);
    if (typeof name !== 'string') throw new EngineCallError('TypeError', 'attribute name must be a string');
    const v = decode(value);
    const engineTakes = v instanceof Parameter || v instanceof Module || isMember(m, name) || name === 'training' ||
      (!membersOnly && isPublicName(name) && nn.hasattr(m, name) && typeof (m as unknown as Record<string, unknown>)[name] !== 'function');
    if (!engineTakes) return false;
    (m as unknown as Record<string, unknown>)[name] = v;
    if (v instanceof Module && assigned) updateModuleMeta(v, { assigned: assigned as SourceLocation });
    return true;
  },
  mdel(id, name): unknown {
    const m = moduleOf(id);
    if (typeof name !== 'string' || !isMember(m, name)) return false;
    delete (m as unknown as Record<string, unknown>)[name];
    return true;
  },
  /** What `name` is on the module: 'parameter', 'buffer', 'module' or null. */
  mkind(id, name): unknown {
    const m = moduleOf(id);
    if (typeof name !== 'string') return null;
    return m._parameters.has(name) ? 'parameter' : m._buffers.has(name) ? 'buffer' : m._modules.has(name) ? 'module' : null;
  },
  /** module(*args, **kwargs): through the engine's call, so hooks see every module. */
  mcall(id, args, kwargs): unknown {
    return encode(moduleOf(id).call(...decodeArgs(args, kwargs)));
  },
  /** A method of the module (named_modules, state_dict, register_buffer, get, append, ...). */
  mm(id, name, args, kwargs): unknown {
    const m = moduleOf(id);
    return encode(methodOf(m, name, m._get_name()).apply(m, decodeArgs(args, kwargs)));
  },
  /** The engine class's own method (`super().forward(x)` in a Python subclass of an engine layer). */
  mbase(id, name, args, kwargs): unknown {
    const m = moduleOf(id);
    let proto = Object.getPrototypeOf(m) as object;
    while (isPythonPrototype(proto)) proto = Object.getPrototypeOf(proto) as object;
    return encode(methodOf(proto, name, m._get_name()).apply(m, decodeArgs(args, kwargs)));
  },
  /** The module's own registered members, in registration order: 'parameters', 'buffers', 'modules' or 'all'. */
  mmembers(id, which): unknown {
    const m = moduleOf(id);
    const maps = which === 'parameters' ? [m._parameters] : which === 'buffers' ? [m._buffers] : which === 'modules' ? [m._modules]
      : [m._parameters, m._buffers, m._modules];
    return maps.flatMap((map) => [...(map as Map<string, unknown>)].map(([k, v]) => [k, encode(v)]));
  },
  /** Source positions Python learns after the fact (add_module's caller). */
  mnote(id, patch): unknown {
    const assigned = (patch as { assigned?: SourceLocation } | null)?.assigned;
    if (assigned) updateModuleMeta(moduleOf(id), { assigned });
    return null;
  },
  /** Buffers with their persistence: [[name, tensor, persistent], ...] in named_buffers() order. */
  mbuffers(id): unknown {
    const m = moduleOf(id);
    const out: unknown[] = [];
    const seen = new Set<Tensor>();
    for (const [prefix, owner] of m.named_modules()) {
      for (const [k, b] of owner._buffers) {
        if (b === null || seen.has(b)) continue;
        seen.add(b);
        out.push([prefix ? `${prefix}.${k}` : k, encode(b), !owner._non_persistent_buffers_set.has(k)]);
      }
    }
    return out;
  },
  /** copy.deepcopy(module): the engine copies the tree; Python then copies the Python objects it pairs. */
  mdeepcopy(id): unknown {
    const m = moduleOf(id);
    const memo = new Map<unknown, unknown>();
    const copy = nn.deepcopy(m, memo);
    const pairs: unknown[] = [];
    for (const [original, copied] of memo) {
      if (!(original instanceof Module) || !(copied instanceof Module)) continue;
      const meta = moduleMeta(original);
      if (meta) setModuleMeta(copied, { ...meta });
      const originalId = handles.peek(original);
      if (originalId !== undefined) pairs.push([originalId, encodeModule(copied)]);
    }
    return [encodeModule(copy), pairs];
  },
  /** Methods of other engine objects Python holds (RemovableHandle.remove, ...). */
  om(id, name, args, kwargs): unknown {
    const obj = handles.get(id);
    if (typeof obj === 'function') throw new EngineCallError('TypeError', 'engine functions have no methods');
    return encode(methodOf(obj, name, obj.constructor?.name ?? 'object').apply(obj, decodeArgs(args, kwargs)));
  },
};
