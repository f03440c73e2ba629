// torchExplorer.chooseEntry: pick an entry of a model file (class, factory or instance) and the keyword
// arguments to build it with (JSON, checked as typed), then build it. Arguments for use without UI:
// (uri | file item, { entry, kwargs }).
import * as vscode from 'vscode';
import type { LoadedModel, ModelStore } from '../engine/model-store';
import type { ModelNode } from '../models-tree';
import { runCommand, withEngineProgress, type CommandOutcome } from './command-support';

/** Parses keyword arguments typed as a JSON object; returns the reason when they are not one. */
export function parseKwargs(text: string): { kwargs?: Record<string, unknown>; error?: string } {
  const t = text.trim();
  if (!t) return { kwargs: {} };
  try {
    const v = JSON.parse(/^[[{"]/.test(t) && !/^"[^"]*"\s*:/.test(t) ? t : `{${t}}`) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return { error: 'Keyword arguments must be a JSON object, e.g. {"num_class": 10}' };
    return { kwargs: v as Record<string, unknown> };
  } catch (e) {
    return { error: `Not JSON: ${(e as Error).message}. Example: {"num_class": 10, "dropout": 0.1}` };
  }
}

export function registerChooseEntry(store: ModelStore, reveal: (uri: vscode.Uri, entry?: string) => Promise<void>): vscode.Disposable {
  return vscode.commands.registerCommand('torchExplorer.chooseEntry',
    (arg?: vscode.Uri | ModelNode, given?: { entry?: string; kwargs?: Record<string, unknown> }): Promise<CommandOutcome<LoadedModel>> =>
      runCommand('Choose entry', async () => {
        const uri = arg instanceof vscode.Uri ? arg : arg?.uri ?? vscode.window.activeTextEditor?.document.uri;
        if (!uri) throw new Error('open a Python model file first');
        const file = store.explored(uri)?.state === 'ready' ? store.explored(uri)! : await withEngineProgress(`Evaluating ${vscode.workspace.asRelativePath(uri)}`, (token) => store.explore(uri, { token }));
        if (file.state === 'error') throw new Error(`${file.relPath} raised ${file.error?.type}: ${file.error?.message}`);
        let entry = given?.entry ?? (arg && !(arg instanceof vscode.Uri) && arg.type === 'entry' ? arg.entry.name : undefined);
        if (!entry) {
          const pick = await vscode.window.showQuickPick(file.entries.map((e) => ({
            label: e.kind === 'factory' ? `${e.name}()` : e.name, description: `${e.kind} · line ${e.line}`, name: e.name,
          })), { placeHolder: `Entry of ${file.relPath} to build` });
          if (!pick) return undefined;
          entry = pick.name;
        }
        if (!file.entries.some((e) => e.name === entry)) throw new Error(`${file.relPath} has no entry ${entry} (it has ${file.entries.map((e) => e.name).join(', ')})`);
        let kwargs = given?.kwargs;
        if (!kwargs) {
          const previous = store.model(uri, entry)?.kwargs ?? {};
          const text = await vscode.window.showInputBox({
            title: `Keyword arguments for ${entry}`, prompt: 'A JSON object; empty for none', value: JSON.stringify(previous),
            validateInput: (t) => parseKwargs(t).error,
          });
          if (text === undefined) return undefined;
          kwargs = parseKwargs(text).kwargs!;
        }
        const chosen = entry;
        const model = await withEngineProgress(`Building ${chosen}`, (token) => store.load(uri, chosen, kwargs, { token }));
        if (model.state === 'error') throw new Error(`building ${chosen} raised ${model.error?.type}: ${model.error?.message}`);
        await reveal(uri, chosen).catch(() => undefined);
        return model;
      }, (m) => `${m.entry} built: ${m.facts?.answer.totalParams.toLocaleString('en-US')} params`));
}
