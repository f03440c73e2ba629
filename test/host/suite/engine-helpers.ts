// Shared by the engine suites: exploring a file through the real command, walking the engine's part of the
// Models view, and putting the extension back to its static state afterwards (later suites expect it).
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { CommandOutcome } from '../../../src/extension/commands/command-support';
import type { ExploreResult } from '../../../src/extension/commands/explore-file';
import type { LoadedModel } from '../../../src/extension/engine/model-store';
import type { TorchExplorerApi } from '../../../src/extension/extension';
import type { ModelNode } from '../../../src/extension/models-tree';
import { label, workspaceUri } from './helpers';

/** named_modules() of examples/net.py's Net, in PyTorch's order. */
export const NET_MODULES = ['', 'features', ...[0, 1, 2, 3, 4, 5, 6, 7].map((i) => `features.${i}`), 'classifier', ...[0, 1, 2, 3].map((i) => `classifier.${i}`)];
export const NET_PARAMETERS = ['features.0.weight', 'features.0.bias', 'features.1.weight', 'features.1.bias', 'features.4.weight', 'features.4.bias',
  'features.5.weight', 'features.5.bias', 'classifier.0.weight', 'classifier.0.bias', 'classifier.3.weight', 'classifier.3.bias'];
export const NET_PARAMS = 75_839;

export async function explore(uri: vscode.Uri, entry: string): Promise<LoadedModel> {
  const outcome = await vscode.commands.executeCommand<CommandOutcome<ExploreResult>>('torchExplorer.explore', uri, entry);
  assert.ok(outcome.ok, `explore failed: ${outcome.message}`);
  const model = outcome.value.model;
  assert.ok(model, `explore built no model: file state ${outcome.value.file.state} ${outcome.value.file.error?.message ?? ''}`);
  assert.strictEqual(model.state, 'ready', `building ${entry} failed: ${model.error?.type}: ${model.error?.message}`);
  return model;
}

export const exploreNet = () => explore(workspaceUri('net.py'), 'Net');

export function entryNode(api: TorchExplorerApi, file: string, entry: string): ModelNode {
  const fileNode = api.modelsTree.getChildren().find((n) => label(api, n) === file);
  assert.ok(fileNode, `no ${file} in the Models view`);
  const node = api.modelsTree.getChildren(fileNode).find((n) => n.type === 'entry' && n.entry.name === entry);
  assert.ok(node, `no entry ${entry} under ${file}: [${api.modelsTree.getChildren(fileNode).map((n) => label(api, n)).join(', ')}]`);
  return node;
}

/** Every node below `node`, depth first, in the order the view shows them. */
export function descendants(api: TorchExplorerApi, node: ModelNode): ModelNode[] {
  const out: ModelNode[] = [];
  for (const child of api.modelsTree.getChildren(node)) {
    out.push(child);
    out.push(...descendants(api, child));
  }
  return out;
}

export async function backToStatic(api: TorchExplorerApi): Promise<void> {
  await vscode.commands.executeCommand('torchExplorer.viewAs', 'tree');
  api.engine.service.setTrustOverride(undefined);
  api.engine.store.forget();
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

export function description(api: TorchExplorerApi, node: ModelNode): string {
  return String(api.modelsTree.getTreeItem(node).description ?? '');
}
