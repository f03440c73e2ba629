// torch.nn.utils.prune: the same functions, classes, state and messages. Pruning `name` moves the
// Parameter to `name + '_orig'`, registers the buffer `name + '_mask'`, and keeps a plain attribute
// `name = mask * orig` that a forward pre-hook recomputes; pruning again composes in a PruningContainer.
import { signature } from '../../args';
import { ones_like } from '../../ops/factories';
import { cat } from '../../ops/shape';
import { Tensor } from '../../tensor';
import { hasattr, Module } from '../module';
import { ValueError } from '../python';
import {
  BasePruningMethod, CustomFromMask, getattr, Identity, L1Unstructured, LnStructured, PruningContainer, pruningMethodOf,
  PruningType, RandomStructured, RandomUnstructured,
} from './prune-methods';

export * from './prune-methods';
export { sparsityReport, formatSparsity } from './prune-report';
export type { SparsityReport, SparsityRow } from './prune-report';

// ---- the functional API ----

const identitySig = signature('identity(module, name)');
const randomUnstructuredFnSig = signature('random_unstructured(module, name, amount)');
const l1Sig = signature('l1_unstructured(module, name, amount, importance_scores=None)');
const randomStructuredFnSig = signature('random_structured(module, name, amount, dim)');
const lnSig = signature('ln_structured(module, name, amount, n, dim, importance_scores=None)');
const customFnSig = signature('custom_from_mask(module, name, mask)');

export function identity(...args: unknown[]): Module {
  const a = identitySig.bind(args);
  Identity.apply(a.module, a.name);
  return a.module;
}
export function random_unstructured(...args: unknown[]): Module {
  const a = randomUnstructuredFnSig.bind(args);
  RandomUnstructured.apply(a.module, a.name, a.amount);
  return a.module;
}
export function l1_unstructured(...args: unknown[]): Module {
  const a = l1Sig.bind(args);
  L1Unstructured.apply(a.module, a.name, a.amount, a.importance_scores);
  return a.module;
}
export function random_structured(...args: unknown[]): Module {
  const a = randomStructuredFnSig.bind(args);
  RandomStructured.apply(a.module, a.name, a.amount, a.dim);
  return a.module;
}
export function ln_structured(...args: unknown[]): Module {
  const a = lnSig.bind(args);
  LnStructured.apply(a.module, a.name, a.amount, a.n, a.dim, a.importance_scores);
  return a.module;
}
export function custom_from_mask(...args: unknown[]): Module {
  const a = customFnSig.bind(args);
  CustomFromMask.apply(a.module, a.name, a.mask);
  return a.module;
}

export type PruningMethodClass = (new (...args: any[]) => BasePruningMethod) & { PRUNING_TYPE: PruningType };
export type ImportanceScores = Map<readonly [Module, string], Tensor>;

/** Options of global_unstructured: importance_scores plus the method's own keyword arguments (amount, ...). */
export type GlobalOptions = { importance_scores?: ImportanceScores | null } & Record<string, unknown>;

/** Prunes the union of (module, name) tensors as one vector with an unstructured method. */
export function global_unstructured(parameters: Iterable<readonly [Module, string]>, pruning_method: PruningMethodClass, options: GlobalOptions = {}): void {
  if (parameters == null || typeof (parameters as Iterable<unknown>)[Symbol.iterator] !== 'function')
    throw new TypeError('global_unstructured(): parameters is not an Iterable');
  const { importance_scores, ...kwargs } = options;
  const scores = importance_scores ?? new Map();
  if (!(scores instanceof Map)) throw new TypeError('global_unstructured(): importance_scores must be of type dict');
  const params = [...parameters];
  const scoreOf = (m: Module, n: string): Tensor | undefined => {
    for (const [[km, kn], v] of scores) if (km === m && kn === n) return v;
    return undefined;
  };
  const relevant = parametersToVector(params.map(([m, n]) => scoreOf(m, n) ?? getattr(m, n)));
  const defaultMask = parametersToVector(params.map(([m, n]) => (hasattr(m, n + '_mask') ? getattr(m, n + '_mask') : ones_like(getattr(m, n)))));
  const container = new PruningContainer();
  container._tensor_name = 'temp';
  const method = new pruning_method(kwargs);
  method._tensor_name = 'temp';
  if (method.PRUNING_TYPE !== 'unstructured')
    throw new TypeError(`Only "unstructured" PRUNING_TYPE supported for the \`pruning_method\`. Found method <class 'torch.nn.utils.prune.${pruning_method.name}'> of type ${method.PRUNING_TYPE}`);
  container.add_pruning_method(method);
  const finalMask = container.compute_mask(relevant, defaultMask);
  let pointer = 0;
  for (const [m, n] of params) {
    const param: Tensor = getattr(m, n);
    const count = param.numel();
    custom_from_mask(m, n, finalMask.narrow(0, pointer, count).view(param.shape as number[]));
    pointer += count;
  }
}

/** torch.nn.utils.parameters_to_vector */
function parametersToVector(tensors: Tensor[]): Tensor {
  return cat(tensors.map((t) => t.reshape([-1])));
}

/** Removes the pruning reparametrization of `name`; the pruned values stay. */
export function remove(module: Module, name: string): Module {
  for (const [k, hook] of module._forward_pre_hooks) {
    const method = pruningMethodOf(hook);
    if (method && method._tensor_name === name) {
      method.remove(module);
      module._forward_pre_hooks.delete(k);
      module._forward_pre_hooks_with_kwargs.delete(k);
      return module;
    }
  }
  throw new ValueError(`Parameter '${name}' of module ${module} has to be pruned before pruning can be removed`);
}

/** True when any submodule has a pruning forward pre-hook. */
export function is_pruned(module: Module): boolean {
  for (const [, m] of module.named_modules())
    for (const hook of m._forward_pre_hooks.values()) if (pruningMethodOf(hook)) return true;
  return false;
}
