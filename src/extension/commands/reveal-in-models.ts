// torchExplorer.revealInModels: select, in the Models view, the item for the line under the cursor.
// The same happens on its own while the view is visible (setting torchExplorer.followCursor). Once the engine
// built a model, the item is the module made on that line.
import * as vscode from 'vscode';
import type { ModelNode, ModelsTreeProvider } from '../models-tree';
import { outlineAtLine } from '../outline';
import type { OutlineIndex } from '../outline-index';

/** The Models item for a line of a document, or undefined when the line defines none. */
export function nodeAtLine(index: OutlineIndex, tree: ModelsTreeProvider, doc: vscode.TextDocument, line: number): ModelNode | undefined {
  if (doc.languageId !== 'python') return undefined;
  const hit = outlineAtLine(index.outlineOfDocument(doc), line);
  // a module a built model made on this line, or on the first line of the call this line is part of
  const start = hit?.kind === 'assignment' ? hit.path[hit.path.length - 1].range.startLine : undefined;
  const built = tree.engineNodeAtLine(doc, line) ?? (start !== undefined ? tree.engineNodeAtLine(doc, start) : undefined);
  return built ?? (hit && tree.nodeFor(doc.uri, hit));
}

export function registerRevealInModels(index: OutlineIndex, tree: ModelsTreeProvider, view: vscode.TreeView<ModelNode>): vscode.Disposable[] {
  const reveal = async (editor: vscode.TextEditor | undefined, focus: boolean) => {
    const node = editor && nodeAtLine(index, tree, editor.document, editor.selection.active.line);
    if (node) await view.reveal(node, { select: true, focus, expand: false });
    return node;
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  return [
    vscode.commands.registerCommand('torchExplorer.revealInModels', () => reveal(vscode.window.activeTextEditor, false)),
    vscode.window.onDidChangeTextEditorSelection((e) => {
      if (!view.visible || !vscode.workspace.getConfiguration('torchExplorer').get<boolean>('followCursor', true)) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => { void reveal(e.textEditor, false).catch(() => undefined); }, 150);
    }),
    { dispose: () => timer && clearTimeout(timer) },
  ];
}
