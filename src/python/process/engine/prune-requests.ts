// prune / removePruning: torch.nn.utils.prune on the live model, so tied weights, the model's own hooks and
// an earlier pruning (a PruningContainer) behave as in PyTorch, and state_dict() then shows
// `<name>_orig` / `<name>_mask`.
import type {
  ModuleTensor, PruneAmount, PruneParams, PruneResult, RemovePruningParams, RemovePruningResult, TensorSparsity,
} from '../../../protocol/engine';
import { torch } from '../../../engine';
import { PyFloat } from '../../../engine/dtype';
import type { Module } from '../../../engine/nn';
import * as prune from '../../../engine/nn/utils/prune';
import type { Tensor } from '../../../engine/tensor';
import { EngineCallError } from '../bridge';
import { moduleOf } from './module-ops';
import { submodule } from './model-tensors';
import { tensorFromBytes } from './tensor-ops';

/** `{count: 1}` is Python's `1` (one entry), `{fraction: 1}` its `1.0` (everything). */
function amountOf(amount: PruneAmount | undefined, method: string): number | PyFloat {
  if (!amount) throw new EngineCallError('TypeError', `${method}() missing 1 required positional argument: 'amount'`);
  return 'count' in amount ? amount.count : new PyFloat(amount.fraction);
}

/** Integral orders stay ints (`n=2`); inf and fractional orders are floats, as Python would pass them. */
function normOf(n: PruneParams['n']): number | 'fro' | PyFloat {
  if (n === undefined) throw new EngineCallError('TypeError', "ln_structured() missing 1 required positional argument: 'n'");
  return n === 'fro' || Number.isInteger(n) ? n : new PyFloat(n);
}

function dimOf(dim: number | undefined, method: string): number {
  if (dim === undefined) throw new EngineCallError('TypeError', `${method}() missing 1 required positional argument: 'dim'`);
  return dim;
}

function resolve(model: Module, targets: readonly ModuleTensor[]): Array<[Module, string]> {
  if (!targets.length) throw new EngineCallError('ValueError', 'nothing to prune: no targets given');
  return targets.map((t) => [submodule(model, t.module), t.name]);
}

function pruneOne(params: PruneParams, module: Module, name: string, mask: Tensor | undefined): void {
  const { method } = params;
  switch (method) {
    case 'l1_unstructured': prune.l1_unstructured(module, name, amountOf(params.amount, method)); break;
    case 'random_unstructured': prune.random_unstructured(module, name, amountOf(params.amount, method)); break;
    case 'ln_structured': prune.ln_structured(module, name, amountOf(params.amount, method), normOf(params.n), dimOf(params.dim, method)); break;
    case 'random_structured': prune.random_structured(module, name, amountOf(params.amount, method), dimOf(params.dim, method)); break;
    case 'identity': prune.identity(module, name); break;
    case 'custom_from_mask':
      if (!mask) throw new EngineCallError('TypeError', "custom_from_mask() missing 1 required positional argument: 'mask'");
      prune.custom_from_mask(module, name, mask);
      break;
    default: throw new EngineCallError('ValueError', `unknown pruning method ${JSON.stringify(method)}`);
  }
}

const zerosOf = (t: Tensor): number => Number(t.eq(0).sum().item());

export function pruneModel(params: PruneParams): PruneResult {
  const model = moduleOf(params.model);
  const targets = resolve(model, params.targets);
  if (params.seed !== undefined) torch.manual_seed(params.seed);
  if (params.global) {
    if (params.method !== 'l1_unstructured' && params.method !== 'random_unstructured')
      throw new EngineCallError('ValueError', `global pruning takes l1_unstructured or random_unstructured, not ${params.method}`);
    const cls = params.method === 'l1_unstructured' ? prune.L1Unstructured : prune.RandomUnstructured;
    prune.global_unstructured(targets, cls as unknown as prune.PruningMethodClass, { amount: amountOf(params.amount, params.method) });
  } else {
    const page = params.mask;
    const mask = page ? tensorFromBytes(new Uint8Array(page.data), page.dtype, page.shape) : undefined;
    for (const [module, name] of targets) pruneOne(params, module, name, mask);
  }
  const sparsity: TensorSparsity[] = params.targets.map((t, i) => {
    const [module, name] = targets[i];
    const effective = prune.getattr(module, name) as Tensor; // mask * orig, what forward uses
    return { module: t.module, name: t.name, zeros: zerosOf(effective), numel: effective.numel() };
  });
  const report = prune.sparsityReport(model);
  return { sparsity, report: { rows: report.rows.map((r) => ({ ...r })), zeros: report.zeros, total: report.total, sparsity: report.sparsity } };
}

/** prune.remove per target: the pruned values become the parameter again. */
export function removePruning(params: RemovePruningParams): RemovePruningResult {
  const model = moduleOf(params.model);
  const targets = resolve(model, params.targets);
  for (const [module, name] of targets) prune.remove(module, name);
  return { removed: targets.length };
}
