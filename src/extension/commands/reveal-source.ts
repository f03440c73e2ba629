// torchExplorer.revealSource: open the file of a Models item and select the line that defines it
// (the class or function name, or the `self.x = ...` attribute). Also what clicking an item runs.
import * as vscode from 'vscode';
import { ModelsTreeProvider, type ModelNode } from '../models-tree';

export function registerRevealSource(view: vscode.TreeView<ModelNode>): vscode.Disposable {
  return vscode.commands.registerCommand('torchExplorer.revealSource', async (node?: ModelNode) => {
    node ??= view.selection[0];
    const r = node && ModelsTreeProvider.target(node);
    if (!node || !r) return undefined;
    const selection = new vscode.Range(r.startLine, r.startCharacter, r.endLine, r.endCharacter);
    const editor = await vscode.window.showTextDocument(node.uri, { selection, preserveFocus: false });
    editor.revealRange(selection, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    return editor;
  });
}
