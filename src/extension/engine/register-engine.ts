// Creates the engine side of the extension (service, store, tree part, hovers, CodeLens, diagnostics,
// commands) and returns what extension.ts wires into the Models view and the API.
import * as vscode from 'vscode';
import { registerChooseEntry } from '../commands/choose-entry';
import { registerEditParameter } from '../commands/edit-parameter';
import { registerExploreFile } from '../commands/explore-file';
import { registerExportStateDict } from '../commands/export-state-dict';
import { registerInspectEngineItem } from '../commands/inspect-engine-item';
import { registerLoadStateDict } from '../commands/load-state-dict';
import { registerPrune } from '../commands/prune';
import { registerRemovePruning } from '../commands/remove-pruning';
import { registerResetParameters } from '../commands/reset-parameters';
import { registerRestartEngine } from '../commands/restart-engine';
import { registerRunForward } from '../commands/run-forward';
import { registerViewAs } from '../commands/view-as';
import type { InspectorPanel, InspectorTarget } from '../inspector/inspector-panel';
import type { ModelNode, ModelsTreeProvider } from '../models-tree';
import type { OutlineIndex } from '../outline-index';
import { ExploreCodeLensProvider } from './code-lens';
import { EngineDiagnostics } from './diagnostics';
import { EngineHovers } from './engine-hover';
import { EngineRequests } from './engine-requests';
import { EngineService } from './engine-service';
import { registerEngineStatus } from './engine-status';
import { EngineTree } from './engine-tree';
import { ForwardSummaryPanel } from './forward-summary-panel';
import { ModelStore } from './model-store';
import { bindViewState } from './models-view-state';
import { isViewMode, type ViewMode } from './view-modes';

const VIEW_MODE_KEY = 'torchExplorer.viewMode';

export interface EngineParts {
  service: EngineService;
  requests: EngineRequests;
  store: ModelStore;
  tree: EngineTree;
  hovers: EngineHovers;
  diagnostics: EngineDiagnostics;
  readonly viewMode: ViewMode;
  forwardSummary(): ForwardSummaryPanel | undefined;
}

/** Step 1: the parts the Models view's provider needs. */
export function createEngine(context: vscode.ExtensionContext): EngineParts & { disposables: vscode.Disposable[] } {
  const log = vscode.window.createOutputChannel('Torch Explorer Engine', { log: true });
  const service = new EngineService(context.globalStorageUri, log);
  const requests = new EngineRequests(service);
  const store = new ModelStore(requests);
  // a tree expansion of an entry nobody built yet builds it (errors land in the tree, not in a notification)
  const loading = new Set<string>();
  const tree = new EngineTree(store, (uri, entry) => {
    const key = `${uri}#${entry}`;
    if (loading.has(key) || service.gateReason()) return;
    loading.add(key);
    void store.load(uri, entry).catch((e) => log.warn(`building ${entry}: ${e instanceof Error ? e.message : String(e)}`)).finally(() => loading.delete(key));
  });
  const saved = context.workspaceState.get<string>(VIEW_MODE_KEY);
  if (isViewMode(saved)) tree.mode = saved;
  const diagnostics = new EngineDiagnostics(store);
  return {
    service, requests, store, tree, hovers: new EngineHovers(store), diagnostics,
    get viewMode() { return tree.mode; },
    forwardSummary: () => ForwardSummaryPanel.current,
    disposables: [log, service, store, diagnostics, { dispose: () => ForwardSummaryPanel.current?.dispose() }],
  };
}

/** Step 2: commands, status bar, CodeLens and the view's message, once the view exists. */
export function registerEngine(context: vscode.ExtensionContext, parts: EngineParts, index: OutlineIndex, modelsTree: ModelsTreeProvider,
  modelsView: vscode.TreeView<ModelNode>, showInspector: (target: InspectorTarget) => InspectorPanel): vscode.Disposable[] {
  const { service, requests, store, tree, diagnostics } = parts;
  const viewState = bindViewState(modelsView, service, store, () => tree.mode);
  const reveal = async (uri: vscode.Uri, entry?: string) => {
    const node = entry ? modelsTree.entryNode(uri, entry) : undefined;
    if (node) await modelsView.reveal(node, { select: true, focus: false, expand: true });
  };
  const setMode = (mode: ViewMode) => {
    tree.mode = mode;
    void context.workspaceState.update(VIEW_MODE_KEY, mode);
    modelsTree.refresh();
    viewState.update();
  };
  const codeLens = new ExploreCodeLensProvider(index, store, service);
  return [
    viewState, codeLens,
    ...registerEngineStatus(service),
    vscode.languages.registerCodeLensProvider({ language: 'python' }, codeLens),
    ...registerExploreFile(store, reveal),
    registerChooseEntry(store, reveal),
    registerRunForward(store, context.workspaceState),
    vscode.commands.registerCommand('torchExplorer.copyForwardSummary', () => ForwardSummaryPanel.current?.copyMarkdown()),
    registerLoadStateDict(store, requests, diagnostics),
    registerExportStateDict(store, requests),
    ...registerEditParameter(store, requests),
    registerPrune(store, requests),
    registerRemovePruning(store, requests),
    registerResetParameters(store, requests),
    registerViewAs(() => tree.mode, setMode),
    registerInspectEngineItem(store, requests, showInspector),
    ...registerRestartEngine(service, store),
    service.onDidChangeTrust(() => modelsTree.refresh()),
  ];
}
