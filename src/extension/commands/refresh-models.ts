// torchExplorer.refreshModels: rescan the workspace's model files now (the view also refreshes after saves).
import * as vscode from 'vscode';
import type { OutlineIndex } from '../outline-index';

export function registerRefreshModels(index: OutlineIndex): vscode.Disposable {
  return vscode.commands.registerCommand('torchExplorer.refreshModels', () => index.rescan());
}
