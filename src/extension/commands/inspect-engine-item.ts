// torchExplorer.inspectEngineItem: show a module or a tensor of a built model in the parameter inspector
// (what clicking a parameter or buffer item runs; "Inspect" on a module item). Tensor values come from the
// engine page by page.
import * as vscode from 'vscode';
import type { TensorRecord } from '../engine/engine-api';
import type { EngineRequests } from '../engine/engine-requests';
import { engineTensorSource } from '../engine/engine-tensors';
import { findTensor } from '../engine/engine-tree';
import { moduleDescription } from '../engine/module-description';
import type { LoadedModel, ModelStore } from '../engine/model-store';
import type { InspectorPanel, InspectorTarget } from '../inspector/inspector-panel';
import type { ModelNode } from '../models-tree';

export function registerInspectEngineItem(store: ModelStore, requests: EngineRequests,
  show: (target: InspectorTarget) => InspectorPanel): vscode.Disposable {
  return vscode.commands.registerCommand('torchExplorer.inspectEngineItem', (node?: ModelNode): InspectorPanel | undefined => {
    if (!node || (node.type !== 'module' && node.type !== 'tensor' && node.type !== 'entry')) return undefined;
    const model = node.type === 'entry' ? store.model(node.uri, node.entry.name) : store.allModels().find((m) => m.id === node.modelId);
    const facts = model?.facts;
    if (!model || !facts) return undefined;
    const origin = `${model.file.relPath}:${model.entry}`;
    const source = (rec: TensorRecord) => engineTensorSource(requests, () => store.live(model), rec, origin);
    if (node.type === 'tensor') {
      const rec = findTensor(facts, node.name, node.role);
      return rec ? show({ kind: 'tensor', source: source(rec) }) : undefined;
    }
    const name = node.type === 'entry' ? '' : node.name;
    const module = moduleDescription(facts, name, origin);
    if (!module) return undefined;
    return show({ kind: 'module', module, tensor: (rel) => tensorOf(model, name, rel, source) });
  });
}

/** A tensor named relative to the inspected module, as the inspector's module view asks for it. */
function tensorOf(model: LoadedModel, moduleName: string, rel: string, source: (rec: TensorRecord) => ReturnType<typeof engineTensorSource>) {
  const facts = model.facts!;
  const q = moduleName ? `${moduleName}.${rel}` : rel;
  const rec = findTensor(facts, q, 'state') ?? findTensor(facts, q, 'parameter') ?? findTensor(facts, q, 'buffer');
  return rec ? source(rec) : undefined;
}
