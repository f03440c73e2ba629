// torchExplorer.prune: torch.nn.utils.prune on a built model: one parameter (the item's, or chosen) or
// global pruning over every Conv/Linear weight, by L1 magnitude, at random, or structured by Ln norm along a
// dim. Reports each pruned tensor's sparsity. Arguments for use without UI:
// (target, { method, amount, global?, targets?: [{ module, name }], n?, dim? }).
import * as vscode from 'vscode';
import type { PruneAmount } from '../../protocol/engine';
import { layerKind } from '../layer-kinds';
import type { EngineRequests } from '../engine/engine-requests';
import type { LoadedModel, ModelStore } from '../engine/model-store';
import { ownerOf, leafName } from '../engine/model-facts';
import { nodeItem, resolveModel, runCommand, withEngineProgress, type CommandOutcome, type ModelTarget } from './command-support';

export type PruneMethod = 'l1_unstructured' | 'random_unstructured' | 'ln_structured' | 'random_structured';
export interface PruneArgs { method?: PruneMethod; amount?: number | PruneAmount; global?: boolean; targets?: Array<{ module: string; name: string }>; n?: number; dim?: number }
export interface PruneOutcome { model: LoadedModel; sparsity: Array<{ module: string; name: string; zeros: number; numel: number }> }

/** `0.3` or `1.0` (a fraction), `30%`, or `5` (a count of values), as prune's `amount` (Python's float or int). */
export function parseAmount(text: string): PruneAmount | undefined {
  const t = text.trim();
  const v = Number(t.replace(/%$/, ''));
  if (t === '' || t === '%' || !Number.isFinite(v) || v < 0) return undefined;
  if (t.endsWith('%')) return v <= 100 ? { fraction: v / 100 } : undefined;
  if (/^\d+$/.test(t)) return { count: v };
  return v <= 1 ? { fraction: v } : undefined;
}

/** A number given as an argument: whole numbers count values, others are fractions (as JS cannot tell 1 from 1.0). */
function amountArgument(amount: number | PruneAmount): PruneAmount {
  if (typeof amount !== 'number') return amount;
  return Number.isInteger(amount) ? { count: amount } : { fraction: amount };
}

/** The Conv/Linear weights global pruning uses by default. */
export function prunableWeights(model: LoadedModel): Array<{ module: string; name: string }> {
  return (model.facts?.modules ?? [])
    .filter((m) => ['conv', 'linear'].includes(layerKind(m.type)) && m.params.some((p) => leafName(p.name) === 'weight' || leafName(p.name) === 'weight_orig'))
    .map((m) => ({ module: m.name, name: 'weight' }));
}

export function registerPrune(store: ModelStore, requests: EngineRequests): vscode.Disposable {
  return vscode.commands.registerCommand('torchExplorer.prune', (target?: ModelTarget, given: PruneArgs = {}): Promise<CommandOutcome<PruneOutcome>> =>
    runCommand('Prune', async () => {
      const model = await resolveModel({ store }, target);
      if (!model?.facts) throw new Error('build a model first (Explore, or choose an entry)');
      const item = nodeItem(target);
      let global = given.global;
      let targets = given.targets;
      if (!targets) {
        if (item.tensor) targets = [{ module: ownerOf(item.tensor), name: leafName(item.tensor).replace(/_orig$/, '') }];
        else if (item.module && model.facts.module(item.module)?.params.length) {
          targets = model.facts.module(item.module)!.params.map((p) => ({ module: item.module!, name: leafName(p.name).replace(/_orig$/, '') }))
            .filter((t) => t.name === 'weight');
        }
        if (global === undefined && !targets?.length) {
          const scope = await vscode.window.showQuickPick([{ label: 'Global', description: 'all Conv/Linear weights together', g: true },
            { label: 'One parameter', description: 'choose it next', g: false }], { placeHolder: 'What to prune?' });
          if (!scope) return undefined;
          global = scope.g;
        }
        if (global) targets = prunableWeights(model);
        if (!targets?.length) {
          const pick = await vscode.window.showQuickPick(model.facts.answer.parameters.map((p) => ({ label: p.name, description: `[${p.shape.join(', ')}]` })),
            { placeHolder: 'Parameter to prune' });
          if (!pick) return undefined;
          targets = [{ module: ownerOf(pick.label), name: leafName(pick.label) }];
        }
      }
      const method = given.method ?? (await vscode.window.showQuickPick([
        { label: 'l1_unstructured', description: 'smallest |values| first' }, { label: 'random_unstructured', description: 'values at random' },
        { label: 'ln_structured', description: 'whole channels by Ln norm (dim 0)' }, { label: 'random_structured', description: 'whole channels at random (dim 0)' },
      ], { placeHolder: 'Pruning method' }))?.label as PruneMethod | undefined;
      if (!method) return undefined;
      let amount = given.amount === undefined ? undefined : amountArgument(given.amount);
      if (amount === undefined) {
        const text = await vscode.window.showInputBox({ title: 'Amount', prompt: 'A fraction (0.3), a percentage (30%) or a count of values (5)', value: '0.3',
          validateInput: (t) => (parseAmount(t) === undefined ? 'a fraction in [0, 1], a percentage, or a whole count' : undefined) });
        if (text === undefined) return undefined;
        amount = parseAmount(text);
      }
      if (global && method.endsWith('structured') && !method.endsWith('unstructured')) throw new Error('global pruning is unstructured (l1_unstructured or random_unstructured), as in torch.nn.utils.prune.global_unstructured');
      const spec = { method, amount: amount!, targets: targets!, global: !!global, n: given.n ?? 2, dim: given.dim ?? 0 };
      const answer = await withEngineProgress(`Pruning ${spec.targets.length} tensor(s) of ${model.entry}`, async (token) => {
        const result = await requests.prune(await store.live(model, { token }), spec, { token });
        await store.reinspect(model, { token });
        return result;
      });
      return { model, sparsity: answer.sparsity };
    }, (o) => {
      const zeros = o.sparsity.reduce((n, s) => n + s.zeros, 0);
      const total = o.sparsity.reduce((n, s) => n + s.numel, 0);
      return `pruned ${o.sparsity.length} tensor(s): ${(100 * zeros / Math.max(1, total)).toFixed(1)}% zeros overall (` +
        o.sparsity.slice(0, 4).map((s) => `${s.module}.${s.name} ${(100 * s.zeros / Math.max(1, s.numel)).toFixed(1)}%`).join(', ') + ')';
    }));
}
