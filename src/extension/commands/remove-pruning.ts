// torchExplorer.removePruning: torch.nn.utils.prune.remove for the pruned parameters of a built model (those
// with a `<name>_orig` parameter and a `<name>_mask` buffer), or for the item's module only: the pruned
// values become the parameter and the reparametrization goes. Arguments: (target, { targets?: [{ module, name }] }).
import * as vscode from 'vscode';
import type { EngineRequests } from '../engine/engine-requests';
import type { LoadedModel, ModelStore } from '../engine/model-store';
import { leafName, ownerOf } from '../engine/model-facts';
import { nodeItem, resolveModel, runCommand, withEngineProgress, type CommandOutcome, type ModelTarget } from './command-support';

/** Parameters under pruning: `weight_orig` next to a `weight_mask` buffer. */
export function prunedTensors(model: LoadedModel, module?: string): Array<{ module: string; name: string }> {
  const facts = model.facts;
  if (!facts) return [];
  const masks = new Set(facts.answer.buffers.map((b) => b.name));
  return facts.answer.parameters
    .filter((p) => p.name.endsWith('_orig') && masks.has(p.name.replace(/_orig$/, '_mask')))
    .map((p) => ({ module: ownerOf(p.name), name: leafName(p.name).replace(/_orig$/, '') }))
    .filter((t) => module === undefined || t.module === module);
}

export function registerRemovePruning(store: ModelStore, requests: EngineRequests): vscode.Disposable {
  return vscode.commands.registerCommand('torchExplorer.removePruning',
    (target?: ModelTarget, given: { targets?: Array<{ module: string; name: string }> } = {}): Promise<CommandOutcome<{ model: LoadedModel; removed: number }>> =>
      runCommand('Remove pruning', async () => {
        const model = await resolveModel({ store }, target);
        if (!model?.facts) throw new Error('build a model first (Explore, or choose an entry)');
        const item = nodeItem(target);
        const targets = given.targets ?? prunedTensors(model, item.module ?? (item.tensor ? ownerOf(item.tensor) : undefined));
        if (!targets.length) throw new Error(`nothing of ${model.entry} is pruned (no parameter has a <name>_orig with a <name>_mask)`);
        const answer = await withEngineProgress(`Removing pruning from ${targets.length} tensor(s)`, async (token) => {
          const result = await requests.removePruning(await store.live(model, { token }), targets, { token });
          await store.reinspect(model, { token });
          return result;
        });
        return { model, removed: answer.removed };
      }, (o) => `pruning removed from ${o.removed} tensor(s) of ${o.model.entry}`));
}
