// Wires the extension together; each feature lives in its own file.
import * as vscode from 'vscode';
import type { FileOutline } from '../protocol/outline';
import { CheckpointEditorProvider, registerCheckpointEditor } from './checkpoint-editor/checkpoint-editor';
import { registerRefreshModels } from './commands/refresh-models';
import { nodeAtLine, registerRevealInModels } from './commands/reveal-in-models';
import { registerRevealSource } from './commands/reveal-source';
import { OutlineHoverProvider } from './hover';
import { ModelsTreeProvider, type ModelNode } from './models-tree';
import { createOutliner, OutlineIndex } from './outline-index';
import { InspectorPanel, type InspectorTarget } from './inspector/inspector-panel';

/** What activate() returns: used by the host tests and, later, by other extensions. */
export interface TorchExplorerApi {
  /** Settles when the first workspace scan is done. */
  readonly ready: Promise<void>;
  /** The static outline of a file: an open document's current text, else the file on disk. */
  outline(uri: vscode.Uri): Promise<FileOutline | undefined>;
  readonly modelsTree: ModelsTreeProvider;
  readonly modelsView: vscode.TreeView<ModelNode>;
  /** Fires after the Models view's content changed (scan or debounced refresh after a save). */
  readonly onDidRefresh: vscode.Event<void>;
  /** Rescans the workspace now. */
  refresh(): Promise<void>;
  /** The Models item for a document line, if that line defines one. */
  nodeAtLine(doc: vscode.TextDocument, line: number): ModelNode | undefined;
  /** The checkpoint viewer (custom editor `torchExplorer.checkpointViewer`): its documents and trees. */
  readonly checkpoints: CheckpointEditorProvider;
  /** The parameter inspector: shows a tensor or a module in the (reused) inspector panel. */
  readonly inspector: {
    show(target: InspectorTarget, options?: { column?: vscode.ViewColumn; preserveFocus?: boolean }): InspectorPanel;
    readonly current: InspectorPanel | undefined;
  };
}

export async function activate(context: vscode.ExtensionContext): Promise<TorchExplorerApi> {
  // registered first: opening a checkpoint must not wait for the workspace scan
  const checkpoints = registerCheckpointEditor(context);
  context.subscriptions.push({ dispose: () => InspectorPanel.current?.dispose() });
  const log = vscode.window.createOutputChannel('Torch Explorer', { log: true });
  const index = new OutlineIndex(await createOutliner(context.extensionUri), log);
  const modelsTree = new ModelsTreeProvider(index);
  const modelsView = vscode.window.createTreeView('torchExplorer.models', { treeDataProvider: modelsTree, showCollapseAll: true });
  // The description shows only while the container has more than one view; the message always shows.
  modelsView.description = 'static outline';
  modelsView.message = 'Static outline: read from the source, nothing has run. Hover an item for details.';
  context.subscriptions.push(
    log, index, modelsTree, modelsView,
    registerRefreshModels(index),
    registerRevealSource(modelsView),
    ...registerRevealInModels(index, modelsTree, modelsView),
    vscode.languages.registerHoverProvider({ language: 'python' }, new OutlineHoverProvider(index)),
  );
  const ready = index.rescan();
  return {
    ready,
    async outline(uri) {
      await ready;
      const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      return open ? index.outlineOfDocument(open) : index.get(uri);
    },
    modelsTree,
    modelsView,
    onDidRefresh: index.onDidChange,
    refresh: () => index.rescan(),
    nodeAtLine: (doc, line) => nodeAtLine(index, modelsTree, doc, line),
    checkpoints,
    inspector: {
      show: (target, options) => InspectorPanel.show(context.extensionUri, target, options),
      get current() { return InspectorPanel.current; },
    },
  };
}

export function deactivate(): void { /* disposables are in context.subscriptions */ }
