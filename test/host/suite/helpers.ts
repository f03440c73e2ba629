// Shared by the host suites: the activated extension's API, tree reading, workspace files, waiting.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { TorchExplorerApi } from '../../../src/extension/extension';
import type { ModelNode } from '../../../src/extension/models-tree';

export const EXTENSION_ID = 'torch-explorer.torch-explorer';

let api: TorchExplorerApi | undefined;
export async function getApi(): Promise<TorchExplorerApi> {
  if (api) return api;
  const ext = vscode.extensions.getExtension<TorchExplorerApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
  api = await ext.activate();
  await api.ready;
  return api;
}

export const workspaceUri = (...segments: string[]): vscode.Uri => {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the host tests need a workspace folder (a copy of examples/)');
  return vscode.Uri.joinPath(folder.uri, ...segments);
};

export async function writeFile(uri: vscode.Uri, text: string): Promise<void> {
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
}

export function label(a: TorchExplorerApi, n: ModelNode): string {
  const l = a.modelsTree.getTreeItem(n).label;
  return typeof l === 'string' ? l : l?.label ?? '';
}

/** Children of the node reached by following labels from the root: childrenAt(api, 'net.py', 'Net'). */
export function childrenAt(a: TorchExplorerApi, ...labels: string[]): ModelNode[] {
  let nodes = a.modelsTree.getChildren();
  for (const l of labels) {
    const n = nodes.find((x) => label(a, x) === l);
    assert.ok(n, `no tree item "${l}" among [${nodes.map((x) => label(a, x)).join(', ')}]`);
    nodes = a.modelsTree.getChildren(n);
  }
  return nodes;
}

export function nodeAt(a: TorchExplorerApi, ...labels: string[]): ModelNode {
  const parent = childrenAt(a, ...labels.slice(0, -1));
  const n = parent.find((x) => label(a, x) === labels[labels.length - 1]);
  assert.ok(n, `no tree item "${labels.join(' > ')}"`);
  return n;
}

/** Runs action and waits for the Models view's next refresh. */
export async function refreshedAfter(a: TorchExplorerApi, action: () => Thenable<unknown>, timeoutMs = 8000): Promise<void> {
  let sub: vscode.Disposable | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const refreshed = new Promise<void>((resolve, reject) => {
    sub = a.onDidRefresh(() => resolve());
    timer = setTimeout(() => reject(new Error(`the Models view did not refresh within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await action();
    await refreshed;
  } finally {
    sub?.dispose();
    clearTimeout(timer);
  }
}

export async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function lineOf(doc: vscode.TextDocument, text: string, nth = 0): vscode.Position {
  let seen = 0;
  for (let i = 0; i < doc.lineCount; i++) {
    const c = doc.lineAt(i).text.indexOf(text);
    if (c >= 0 && seen++ === nth) return new vscode.Position(i, c);
  }
  assert.fail(`"${text}" not found in ${doc.uri.path}`);
}

export async function hoverText(uri: vscode.Uri, pos: vscode.Position): Promise<string> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, pos);
  return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
}
