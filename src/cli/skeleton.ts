// A stand-in of a model built in the engine process: the same module tree (names, class names, order) with
// the same parameters and buffers registered in the same order, as plain engine Modules in this process.
// Everything torch.nn.utils.prune and load_state_dict look at (attributes, _parameters, _buffers,
// persistence, forward pre-hooks) behaves as on the real model, so pruning it gives the real model's masks
// and state_dict keys in PyTorch's order. It has no forward: layers' code stays in the engine process.
import { isDType, type DType } from '../engine/dtype';
import { Module, Parameter } from '../engine/nn';
import { Tensor } from '../engine/tensor';
import type { InspectJson } from './model-types';

export interface Skeleton {
  readonly root: Module;
  /** named_modules() name -> module */
  readonly modules: Map<string, Module>;
  /** named_modules() name -> class name (Conv2d, Linear, ...) */
  readonly types: Map<string, string>;
}

const classes = new Map<string, typeof Module>();

/** A Module subclass per class name, so messages and reprs name `Conv2d` as PyTorch would. */
function classNamed(name: string): typeof Module {
  let cls = classes.get(name);
  if (!cls) {
    cls = class extends Module {};
    Object.defineProperty(cls, 'name', { value: name });
    classes.set(name, cls);
  }
  return cls;
}

function split(qualified: string): [string, string] {
  const dot = qualified.lastIndexOf('.');
  return dot < 0 ? ['', qualified] : [qualified.slice(0, dot), qualified.slice(dot + 1)];
}

/** Unallocated values of the right shape: loading a state dict with assign replaces them. */
function placeholder(shape: readonly number[], dtype: string): Tensor {
  return Tensor.lazy([...shape], (isDType(dtype) ? dtype : 'float32') as DType, () => {});
}

export function buildSkeleton(model: InspectJson): Skeleton {
  const modules = new Map<string, Module>();
  const types = new Map<string, string>();
  for (const m of model.modules) {
    const module = new (classNamed(m.type))();
    modules.set(m.name, module);
    types.set(m.name, m.type);
    if (m.name === '') continue;
    const [parent, leaf] = split(m.name);
    modules.get(parent)?.add_module(leaf, module);
  }
  const root = modules.get('') ?? new (classNamed(model.entry))();
  const ownerOf = (qualified: string): [Module, string] | undefined => {
    const [path, leaf] = split(qualified);
    const owner = modules.get(path);
    return owner ? [owner, leaf] : undefined;
  };
  for (const p of model.parameters) {
    const found = ownerOf(p.name);
    if (found) found[0].register_parameter(found[1], new Parameter(placeholder(p.shape, p.dtype)));
  }
  for (const b of model.buffers) {
    const found = ownerOf(b.name);
    if (found) found[0].register_buffer(found[1], placeholder(b.shape, b.dtype), b.persistent);
  }
  // entries named_parameters() lists once but state_dict() under every owner (tied weights)
  for (const e of model.stateDict) {
    const found = ownerOf(e.key);
    if (!found) continue;
    const [owner, leaf] = found;
    if (!owner._parameters.has(leaf) && !owner._buffers.has(leaf)) owner.register_parameter(leaf, new Parameter(placeholder(e.shape, e.dtype)));
  }
  return { root, modules, types };
}
