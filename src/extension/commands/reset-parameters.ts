// torchExplorer.resetParameters: call reset_parameters() on a module of a built model and every submodule
// that has one (the item's module, else the whole model), optionally after torch.manual_seed(seed).
// Arguments for use without UI: (target, { module?: qualified name, seed?: number }).
import * as vscode from 'vscode';
import type { EngineRequests } from '../engine/engine-requests';
import type { LoadedModel, ModelStore } from '../engine/model-store';
import { nodeItem, resolveModel, runCommand, withEngineProgress, type CommandOutcome, type ModelTarget } from './command-support';

export function registerResetParameters(store: ModelStore, requests: EngineRequests): vscode.Disposable {
  return vscode.commands.registerCommand('torchExplorer.resetParameters',
    (target?: ModelTarget, given: { module?: string; seed?: number } = {}): Promise<CommandOutcome<{ model: LoadedModel; reset: string[] }>> =>
      runCommand('Reset parameters', async () => {
        const model = await resolveModel({ store }, target);
        if (!model?.facts) throw new Error('build a model first (Explore, or choose an entry)');
        const module = given.module ?? nodeItem(target).module ?? '';
        if (!model.facts.module(module)) throw new Error(`${model.entry} has no module ${JSON.stringify(module)}`);
        const answer = await withEngineProgress(`Resetting the parameters of ${module || model.entry}`, async (token) => {
          const result = await requests.resetParameters(await store.live(model, { token }), module, given.seed, { token });
          await store.reinspect(model, { token });
          return result;
        });
        return { model, reset: answer.reset };
      }, (o) => `reset_parameters() ran on ${o.reset.length} module(s) of ${o.model.entry}`));
}
