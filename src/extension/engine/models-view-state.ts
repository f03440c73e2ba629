// The Models view's description and message: static outline or engine, why nothing runs (Restricted Mode),
// whether the engine is sandboxed, and in a "View as" mode each built model's count for that method.
import * as vscode from 'vscode';
import type { EngineService } from './engine-service';
import type { ModelStore } from './model-store';
import { VIEW_MODE_LABELS, modeCount, type ViewMode } from './view-modes';

export const STATIC_MESSAGE = 'Static outline: read from the source, nothing has run. Hover an item for details; ' +
  'Explore a file (its ▷ button or the CodeLens) to build its models in the engine.';

const count = (n: number) => n.toLocaleString('en-US');

export function viewState(engine: EngineService, store: ModelStore, mode: ViewMode): { description: string; message: string } {
  const restricted = engine.gateReason();
  if (restricted) return { description: 'static outline', message: restricted };
  const built = store.allModels().filter((m) => m.facts);
  const sandbox = engine.status.state === 'ready' || engine.status.state === 'busy' ? engine.status.sandbox : undefined;
  const unsandboxed = sandbox && !sandbox.sandboxed
    ? ` The engine runs WITHOUT Node's sandbox (${sandbox.reason ?? 'unknown reason'}): models run only because this workspace is trusted.` : '';
  if (!store.exploredFiles().length) return { description: 'static outline', message: STATIC_MESSAGE + unsandboxed };
  const failed = store.exploredFiles().filter((f) => f.state === 'error').length;
  const failures = failed ? ` ${failed} file(s) raised an error (see Problems).` : '';
  if (mode === 'tree') {
    const list = built.slice(0, 3).map((m) => `${m.entry} ${count(m.facts!.answer.totalParams)} params`).join(' · ');
    return { description: 'engine', message: `Built by the engine${list ? `: ${list}` : ''}.${failures}${unsandboxed}` };
  }
  const label = VIEW_MODE_LABELS[mode];
  const counts = built.map((m) => `${m.entry} ${count(modeCount(m.facts!, mode))}`).join(' · ');
  return { description: `${label} · ${counts}`, message: `View as ${label}: ${counts || 'no model built yet'}.${failures}${unsandboxed}` };
}

export function bindViewState(view: vscode.TreeView<unknown>, engine: EngineService, store: ModelStore, mode: () => ViewMode): vscode.Disposable & { update(): void } {
  const update = () => {
    const s = viewState(engine, store, mode());
    view.description = s.description;
    view.message = s.message;
  };
  update();
  const subs = [store.onDidChange(update), engine.onDidChangeStatus(update), engine.onDidChangeTrust(update)];
  return { update, dispose: () => subs.forEach((s) => s.dispose()) };
}
