// Wires the extension together; each feature lives in its own file.
import * as vscode from 'vscode';
import type { FileOutline } from '../protocol/outline';
import { CheckpointEditorProvider, registerCheckpointEditor } from './checkpoint-editor/checkpoint-editor';
import { registerCheckpointMatch } from './checkpoint-editor/match-with-model';
import { registerRefreshModels } from './commands/refresh-models';
import { nodeAtLine, registerRevealInModels } from './commands/reveal-in-models';
import { registerRevealSource } from './commands/reveal-source';
import { OutlineHoverProvider } from './hover';
import { ModelsTreeProvider, type ModelNode } from './models-tree';
import { createOutliner, OutlineIndex } from './outline-index';
import { InspectorPanel, type InspectorTarget } from './inspector/inspector-panel';
import { createEngine, registerEngine, type EngineParts } from './engine/register-engine';
import { STATIC_MESSAGE } from './engine/models-view-state';

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
  /** The engine: its process, what was evaluated, the "View as" mode, hovers and diagnostics from it. */
  readonly engine: EngineParts;
}

export async function activate(context: vscode.ExtensionContext): Promise<TorchExplorerApi> {
  // registered first: opening a checkpoint must not wait for the workspace scan
  const checkpoints = registerCheckpointEditor(context);
  context.subscriptions.push({ dispose: () => InspectorPanel.current?.dispose() });
  const log = vscode.window.createOutputChannel('Torch Explorer', { log: true });
  const index = new OutlineIndex(await createOutliner(context.extensionUri), log);
  const engine = createEngine(context);
  const modelsTree = new ModelsTreeProvider(index, engine);
  const modelsView = vscode.window.createTreeView('torchExplorer.models', { treeDataProvider: modelsTree, showCollapseAll: true });
  // The description shows only while the container has more than one view; the message always shows.
  modelsView.description = 'static outline';
  modelsView.message = STATIC_MESSAGE;
  const showInspector = (target: InspectorTarget) => InspectorPanel.show(context.extensionUri, target);
  context.subscriptions.push(
    log, index, modelsTree, modelsView, ...engine.disposables,
    registerRefreshModels(index),
    registerRevealSource(modelsView, modelsTree),
    ...registerRevealInModels(index, modelsTree, modelsView),
    vscode.languages.registerHoverProvider({ language: 'python' },
      new OutlineHoverProvider(index, (doc, pos, outline) => engine.hovers.markdown(doc, pos, outline))),
    ...registerEngine(context, engine, index, modelsTree, modelsView, showInspector),
    ...registerCheckpointMatch(checkpoints, engine.store),
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
    engine,
  };
}

export function deactivate(): void { /* disposables are in context.subscriptions */ }
