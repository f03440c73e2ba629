// torchExplorer.revealSource: open the file of a Models item and select the line that defines it
// (the class or function name, or the `self.x = ...` attribute). Also what clicking an item runs.
import * as vscode from 'vscode';
import type { ModelNode, ModelsTreeProvider } from '../models-tree';

export function registerRevealSource(view: vscode.TreeView<ModelNode>, tree: ModelsTreeProvider): vscode.Disposable {
  return vscode.commands.registerCommand('torchExplorer.revealSource', async (node?: ModelNode) => {
    node ??= view.selection[0];
    const target = node && tree.locate(node);
    if (!node || !target) return undefined;
    const r = target.range;
    const selection = new vscode.Range(r.startLine, r.startCharacter, r.endLine, r.endCharacter);
    // where the file is already shown, not over a webview (such as the forward summary) in the active group
    const shown = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === target.uri.toString());
    const editor = await vscode.window.showTextDocument(target.uri, { selection, preserveFocus: false, viewColumn: shown?.viewColumn });
    editor.revealRange(selection, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    return editor;
  });
}
