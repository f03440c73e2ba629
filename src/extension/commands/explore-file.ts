// torchExplorer.exploreFile / torchExplorer.explore: evaluate a model file in the engine (its entries, or the
// error as a diagnostic), build one entry (the given one, else the file's first class) and show it in the
// Models view. Arguments: a Uri or a file item; explore also takes (uri, entryName).
import * as vscode from 'vscode';
import type { ExploredFile, LoadedModel, ModelStore } from '../engine/model-store';
import type { ModelNode } from '../models-tree';
import { runCommand, withEngineProgress, type CommandOutcome } from './command-support';

export interface ExploreResult {
  file: ExploredFile;
  model?: LoadedModel;
}

export function defaultEntry(file: ExploredFile): string | undefined {
  return (file.entries.find((e) => e.kind === 'class') ?? file.entries[0])?.name;
}

export function registerExploreFile(store: ModelStore, reveal: (uri: vscode.Uri, entry?: string) => Promise<void>): vscode.Disposable[] {
  const explore = (arg?: vscode.Uri | ModelNode | string, entryName?: string): Promise<CommandOutcome<ExploreResult>> => {
    const uri = typeof arg === 'string' ? vscode.Uri.parse(arg) : arg instanceof vscode.Uri ? arg : arg?.uri ?? vscode.window.activeTextEditor?.document.uri;
    return runCommand('Explore', async () => {
      if (!uri) throw new Error('open a Python model file first');
      const rel = vscode.workspace.asRelativePath(uri);
      const result = await withEngineProgress(`Evaluating ${rel}`, async (token): Promise<ExploreResult> => {
        const file = await store.explore(uri, { token });
        if (file.state === 'error') return { file };
        const entry = entryName ?? defaultEntry(file);
        const model = entry ? await store.load(uri, entry, store.model(uri, entry)?.kwargs ?? {}, { token }) : undefined;
        return { file, model };
      });
      await reveal(uri, result.model?.entry).catch(() => undefined);
      return result;
    }, ({ file, model }) => {
      if (file.state === 'error') {
        const e = file.error!;
        void vscode.window.showErrorMessage(`Torch Explorer: ${file.relPath} raised ${e.type}: ${e.message}${e.line ? ` (line ${e.line})` : ''}`, 'Show Problems')
          .then((c) => c && vscode.commands.executeCommand('workbench.actions.view.problems'));
        return '';
      }
      if (model?.state === 'error') {
        void vscode.window.showErrorMessage(`Torch Explorer: building ${model.entry} raised ${model.error?.type}: ${model.error?.message}`);
        return '';
      }
      return ''; // the tree shows the result; no notification needed
    });
  };
  return [
    vscode.commands.registerCommand('torchExplorer.exploreFile', (arg?: vscode.Uri | ModelNode) => explore(arg)),
    vscode.commands.registerCommand('torchExplorer.explore', (uri?: vscode.Uri | string, entry?: string) => explore(uri, entry)),
  ];
}
