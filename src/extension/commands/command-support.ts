// Shared by the engine commands: which model a command is about (a tree item, a file and entry, the active
// editor's file), cancellable progress for long work, and how failures are told to the user. Commands take
// their choices as arguments too, so tests (and keybindings) can run them without any UI.
import * as vscode from 'vscode';
import { EngineRequestError } from '../../python/host/engine-client';
import { EngineUnavailableError } from '../engine/engine-api';
import { describeFailure } from '../engine/engine-service';
import type { LoadedModel, ModelStore } from '../engine/model-store';
import type { ModelNode } from '../models-tree';

export interface EngineContext {
  store: ModelStore;
}

/** What a command's first argument may be. */
export type ModelTarget = ModelNode | vscode.Uri | { uri: vscode.Uri | string; entry: string } | undefined;

/** The node's module or tensor name inside its model, when it names one. */
export function nodeItem(target: ModelTarget): { module?: string; tensor?: string } {
  if (!target || target instanceof vscode.Uri || !('type' in target)) return {};
  if (target.type === 'module') return { module: target.name };
  if (target.type === 'tensor') return { tensor: target.name };
  return {};
}

const asUri = (u: vscode.Uri | string) => (typeof u === 'string' ? vscode.Uri.parse(u) : u);

/** The built model a command applies to; asks with a QuickPick only when several fit and none was given. */
export async function resolveModel(ctx: EngineContext, target: ModelTarget): Promise<LoadedModel | undefined> {
  const { store } = ctx;
  if (target && !(target instanceof vscode.Uri)) {
    if ('modelId' in target) return store.allModels().find((m) => m.id === target.modelId);
    if ('type' in target && target.type === 'entry') return store.model(target.uri, target.entry.name) ?? await store.load(target.uri, target.entry.name);
    if ('entry' in target && typeof target.entry === 'string') {
      const uri = asUri(target.uri);
      return store.model(uri, target.entry) ?? await store.load(uri, target.entry);
    }
  }
  const uri = target instanceof vscode.Uri ? target
    : target && 'uri' in target && target.uri instanceof vscode.Uri ? target.uri : vscode.window.activeTextEditor?.document.uri;
  const built = store.allModels().filter((m) => m.facts && (!uri || m.file.uri.toString() === uri.toString()));
  const candidates = built.length ? built : store.allModels().filter((m) => m.facts);
  if (candidates.length <= 1) return candidates[0];
  const pick = await vscode.window.showQuickPick(candidates.map((m) => ({
    label: m.entry, description: vscode.workspace.asRelativePath(m.file.uri), detail: `${m.facts!.answer.totalParams.toLocaleString('en-US')} params`, m,
  })), { placeHolder: 'Which model?' });
  return pick?.m;
}

/** Runs work under a cancellable notification; cancelling stops the engine request. */
export function withEngineProgress<T>(title: string, work: (token: vscode.CancellationToken, progress: vscode.Progress<{ message?: string; increment?: number }>) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => work(token, progress));
}

/** Tells the user why a command did not do its work; returns the message (commands return it to callers). */
export function reportFailure(what: string, error: unknown): string {
  if (error instanceof EngineUnavailableError) {
    const message = error.reason === 'missing' ? `${what}: ${error.message}` : error.message;
    if (error.reason !== 'cancelled') void vscode.window.showWarningMessage(`Torch Explorer: ${message}`);
    return message;
  }
  const message = `${what} failed: ${error instanceof EngineRequestError ? describeFailure(error) : error instanceof Error ? error.message : String(error)}`;
  void vscode.window.showErrorMessage(`Torch Explorer: ${message}`);
  return message;
}

/** The outcome every engine command returns: done, or why not (tests read it). */
export type CommandOutcome<T> = { ok: true; value: T; message: string } | { ok: false; message: string };

export async function runCommand<T>(what: string, work: () => Promise<T | undefined>, success: (value: T) => string): Promise<CommandOutcome<T>> {
  try {
    const value = await work();
    if (value === undefined) return { ok: false, message: `${what}: nothing chosen` };
    const message = success(value);
    if (message) void vscode.window.showInformationMessage(`Torch Explorer: ${message}`);
    return { ok: true, value, message };
  } catch (error) {
    return { ok: false, message: reportFailure(what, error) };
  }
}
