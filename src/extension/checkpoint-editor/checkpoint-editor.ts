// The checkpoint viewer: a read-only custom editor for .pt/.pth/.safetensors files and safetensors indexes.
// It shows the state dict as a tree grouped by key prefix; choosing a tensor opens it in the inspector beside.
import * as vscode from 'vscode';
import type { CheckpointMatch, CheckpointMessage, CheckpointRequest, CheckpointTreeNode, CheckpointView } from '../../protocol/inspector';
import { InspectorPanel } from '../inspector/inspector-panel';
import { webviewHtml, webviewOptions } from '../inspector/webview-html';
import { CheckpointDocument } from './checkpoint-document';

export const CHECKPOINT_VIEW_TYPE = 'torchExplorer.checkpointViewer';

/** The requests of the "Match with model…" part, answered by the engine side (match-with-model.ts). */
export type MatchRequest = Extract<CheckpointRequest, { type: 'matchWithModel' | 'applyPrefixSuggestion' | 'clearMatch' | 'loadIntoModel' }>;

export interface CheckpointModelMatching {
  /** explored models in this window */
  modelCount(): number;
  /** the report an editor of the document shows, if any */
  current(document: CheckpointDocument): CheckpointMatch | undefined;
  handle(document: CheckpointDocument, request: MatchRequest): void;
  /** the shown state dict changed (another candidate, a prefix stripped): the report is computed again */
  documentChanged(document: CheckpointDocument): void;
}

export class CheckpointEditorProvider implements vscode.CustomReadonlyEditorProvider<CheckpointDocument>, vscode.Disposable {
  private readonly documents = new Map<string, CheckpointDocument>();
  private readonly panels = new Map<CheckpointDocument, Set<vscode.WebviewPanel>>();
  private readonly opened = new vscode.EventEmitter<CheckpointDocument>();
  /** Fires when an editor's webview has drawn its document (the tree or the error). */
  readonly onDidShow = this.opened.event;
  private readonly matchShown = new vscode.EventEmitter<CheckpointDocument>();
  /** Fires when an editor's webview has drawn a match report (or cleared it). */
  readonly onDidShowMatch = this.matchShown.event;
  private matching: CheckpointModelMatching | undefined;

  constructor(private readonly extensionUri: vscode.Uri) {}

  /** The open document of a file, if an editor shows it. */
  document(uri: vscode.Uri): CheckpointDocument | undefined {
    return this.documents.get(uri.toString());
  }

  /** Documents some editor shows. */
  openDocuments(): CheckpointDocument[] {
    return [...this.panels.keys()];
  }

  /** The document of the active checkpoint editor. */
  activeDocument(): CheckpointDocument | undefined {
    for (const [document, panels] of this.panels) if ([...panels].some((p) => p.active)) return document;
    return undefined;
  }

  /** Lets the engine side answer "Match with model…" (the viewer works without it). */
  attachMatching(matching: CheckpointModelMatching): vscode.Disposable {
    this.matching = matching;
    for (const document of this.openDocuments()) this.refresh(document);
    return { dispose: () => { if (this.matching === matching) this.matching = undefined; } };
  }

  /** Sends a message to every editor of the document. */
  postTo(document: CheckpointDocument, message: CheckpointMessage): void {
    for (const panel of this.panels.get(document) ?? []) this.post(panel, message);
  }

  /** The match report the editors of `uri` show, if any. */
  currentMatch(uri: vscode.Uri): CheckpointMatch | undefined {
    const document = this.document(uri);
    return document && this.matching?.current(document);
  }

  /** The tree an editor of `uri` shows (what the webview renders). */
  view(uri: vscode.Uri): CheckpointView | undefined {
    return this.document(uri)?.view();
  }

  async openCustomDocument(uri: vscode.Uri): Promise<CheckpointDocument> {
    const document = await CheckpointDocument.open(uri);
    this.documents.set(uri.toString(), document);
    return document;
  }

  async resolveCustomEditor(document: CheckpointDocument, panel: vscode.WebviewPanel): Promise<void> {
    panel.webview.options = webviewOptions(this.extensionUri);
    panel.webview.html = webviewHtml(panel.webview, this.extensionUri, 'checkpoint', document.name);
    let set = this.panels.get(document);
    if (!set) this.panels.set(document, (set = new Set()));
    set.add(panel);
    const subscription = panel.webview.onDidReceiveMessage((m: CheckpointRequest) => this.handle(document, panel, m));
    panel.onDidDispose(() => {
      subscription.dispose();
      const remaining = this.panels.get(document);
      remaining?.delete(panel);
      // the document itself is disposed by VS Code once no editor shows it
      if (remaining && remaining.size === 0) {
        this.panels.delete(document);
        if (this.documents.get(document.uri.toString()) === document) this.documents.delete(document.uri.toString());
      }
    });
  }

  /** Shows a tensor of an open checkpoint in the inspector (what selecting it in the tree does). */
  inspect(document: CheckpointDocument, key: string, column?: vscode.ViewColumn): InspectorPanel | undefined {
    const source = document.tensorSource(key);
    if (!source) return undefined;
    const panel = InspectorPanel.show(this.extensionUri, { kind: 'tensor', source }, { column: column ?? vscode.ViewColumn.Beside, preserveFocus: true });
    for (const p of this.panels.get(document) ?? []) this.post(p, { type: 'inspected', key });
    return panel;
  }

  private handle(document: CheckpointDocument, panel: vscode.WebviewPanel, message: CheckpointRequest): void {
    switch (message.type) {
      case 'ready':
        this.sendDocument(document, panel);
        break;
      case 'inspect':
        if (!this.inspect(document, message.key)) void vscode.window.showErrorMessage(`${document.name} has no tensor ${JSON.stringify(message.key)}`);
        break;
      case 'chooseStateDict':
        document.chooseStateDict(message.index);
        this.refresh(document);
        this.matching?.documentChanged(document);
        break;
      case 'rendered':
        this.opened.fire(document);
        break;
      case 'stripPrefix':
        try {
          document.stripModulePrefix(message.strip);
        } catch (error) {
          document.stripModulePrefix(false);
          void vscode.window.showErrorMessage(`${document.name}: ${(error as Error).message}`);
        }
        this.refresh(document);
        this.matching?.documentChanged(document);
        break;
      case 'matchRendered':
        this.matchShown.fire(document);
        break;
      case 'matchWithModel':
      case 'applyPrefixSuggestion':
      case 'clearMatch':
      case 'loadIntoModel':
        this.matching?.handle(document, message);
        break;
    }
  }

  private refresh(document: CheckpointDocument): void {
    for (const panel of this.panels.get(document) ?? []) this.sendDocument(document, panel);
  }

  private sendDocument(document: CheckpointDocument, panel: vscode.WebviewPanel): void {
    const view = document.view();
    if (view) {
      this.post(panel, { type: 'checkpoint', view });
      this.post(panel, { type: 'models', count: this.matching?.modelCount() ?? 0 });
      const match = this.matching?.current(document);
      if (match) this.post(panel, { type: 'match', match });
    } else this.post(panel, { type: 'checkpointError', file: document.name, code: document.failure?.code ?? 'Internal', message: document.failure?.message ?? 'unreadable' });
  }

  private post(panel: vscode.WebviewPanel, message: CheckpointMessage): void {
    void panel.webview.postMessage(message);
  }

  dispose(): void {
    this.opened.dispose();
    this.matchShown.dispose();
  }
}

/** Leaves of a tree in order: the keys it shows. */
export function treeKeys(nodes: readonly CheckpointTreeNode[]): string[] {
  return nodes.flatMap((n) => [...(n.tensor ? [n.path] : []), ...treeKeys(n.children)]);
}

export function registerCheckpointEditor(context: vscode.ExtensionContext): CheckpointEditorProvider {
  const provider = new CheckpointEditorProvider(context.extensionUri);
  context.subscriptions.push(
    provider,
    vscode.window.registerCustomEditorProvider(CHECKPOINT_VIEW_TYPE, provider, { supportsMultipleEditorsPerDocument: true }),
    vscode.commands.registerCommand('torchExplorer.openCheckpoint', async (uri?: vscode.Uri) => {
      const target = uri instanceof vscode.Uri ? uri : (await vscode.window.showOpenDialog({
        canSelectMany: false, openLabel: 'Open Checkpoint',
        filters: { Checkpoints: ['pt', 'pth', 'safetensors', 'json'] },
      }))?.[0];
      if (target) await vscode.commands.executeCommand('vscode.openWith', target, CHECKPOINT_VIEW_TYPE);
    }),
  );
  return provider;
}
