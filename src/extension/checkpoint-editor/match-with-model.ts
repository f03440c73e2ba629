// "Match with model…" in the checkpoint viewer: a dry run of strict load_state_dict of the shown state dict into a
// model explored in this window (keys and shapes only, nothing is loaded), then "Load into model", which runs
// torchExplorer.loadStateDict for the same file, state dict and key prefix.
// torchExplorer.matchCheckpointWithModel(checkpoint?: Uri, model?: ModelTarget | { modelId }, { prefix?: 'suggested' | fix })
// and torchExplorer.loadCheckpointIntoModel(checkpoint?: Uri) take arguments, so they run without UI.
import * as vscode from 'vscode';
import type { CheckpointMatch } from '../../protocol/inspector';
import { resolveModel, runCommand, type CommandOutcome, type ModelTarget } from '../commands/command-support';
import type { LoadOutcome } from '../commands/load-state-dict';
import type { LoadedModel, ModelStore } from '../engine/model-store';
import type { CheckpointDocument } from './checkpoint-document';
import type { CheckpointEditorProvider, CheckpointModelMatching, MatchRequest } from './checkpoint-editor';
import { matchCheckpoint } from './model-match';

type PrefixChange = { kind: 'strip' | 'add'; prefix: string };
export interface MatchOptions { prefix?: PrefixChange | 'suggested' }

interface MatchState { model: LoadedModel; prefix?: PrefixChange; report: CheckpointMatch }

const modelLabel = (m: LoadedModel) => `${m.entry} · ${vscode.workspace.asRelativePath(m.file.uri)}`;

class CheckpointMatcher implements CheckpointModelMatching {
  private readonly states = new Map<CheckpointDocument, MatchState>();

  constructor(private readonly viewer: CheckpointEditorProvider, private readonly store: ModelStore) {}

  private models(): LoadedModel[] {
    return this.store.allModels().filter((m) => m.facts);
  }

  modelCount(): number {
    return this.models().length;
  }

  current(document: CheckpointDocument): CheckpointMatch | undefined {
    return this.states.get(document)?.report;
  }

  /** The report for the document against the model; shown in every editor of the document. */
  compute(document: CheckpointDocument, model: LoadedModel, prefix?: PrefixChange): CheckpointMatch {
    const chosen = document.chosen();
    if (!chosen || !model.facts) throw new Error(`${document.name} has no state dict to match`);
    const report = matchCheckpoint({ id: model.id, label: modelLabel(model), answer: model.facts.answer }, document.tensors(), chosen.metadata, prefix);
    this.states.set(document, { model, ...(prefix ? { prefix } : {}), report });
    this.viewer.postTo(document, { type: 'match', match: report });
    return report;
  }

  async match(document: CheckpointDocument, target: ModelTarget | { modelId: string }, options: MatchOptions = {}): Promise<CheckpointMatch | undefined> {
    const model = await resolveModel({ store: this.store }, target as ModelTarget);
    if (!model) {
      if (!this.modelCount()) throw new Error('explore a model first (the Explore CodeLens of a model file)');
      return undefined; // the QuickPick was dismissed
    }
    if (!model.facts) throw new Error(`${model.entry} was not built: ${model.error?.message ?? 'unknown error'}`);
    let prefix = options.prefix === 'suggested' ? undefined : options.prefix;
    if (options.prefix === 'suggested') {
      const suggestion = matchCheckpoint({ id: model.id, label: modelLabel(model), answer: model.facts.answer }, document.tensors(), document.chosen()?.metadata).suggestion;
      if (suggestion) prefix = { kind: suggestion.kind, prefix: suggestion.prefix };
    }
    return this.compute(document, model, prefix);
  }

  /** The file into the matched model through the engine (diagnostics at the lines that built the modules). */
  async load(document: CheckpointDocument): Promise<CommandOutcome<LoadOutcome>> {
    const state = this.states.get(document);
    const chosen = document.chosen();
    if (!state || !chosen) return { ok: false, message: 'Load into model: match the checkpoint with a model first' };
    // the viewer may show the keys with `module.` stripped, and the match may change a prefix on top: one change
    const prefix = state.prefix ?? (chosen.strippedPrefix ? { kind: 'strip' as const, prefix: chosen.strippedPrefix } : undefined);
    this.viewer.postTo(document, { type: 'loadStatus', state: 'loading', message: `Loading into ${state.model.entry}…` });
    const outcome = await vscode.commands.executeCommand<CommandOutcome<LoadOutcome>>('torchExplorer.loadStateDict',
      { modelId: state.model.id }, { file: document.uri, stateDict: chosen.label, strict: true, ...(prefix ? { prefix } : {}) });
    const loadedCleanly = outcome.ok && outcome.value.loaded && !outcome.value.notLoaded;
    const message = !outcome.ok ? outcome.message
      : loadedCleanly ? `Loaded into ${state.model.entry}: all keys matched`
        : `${outcome.value.loaded ? 'Loaded the matching entries, then' : 'Not loaded:'} ${outcome.value.notLoaded}`;
    this.viewer.postTo(document, { type: 'loadStatus', state: loadedCleanly ? 'loaded' : 'failed', message });
    return outcome;
  }

  handle(document: CheckpointDocument, request: MatchRequest): void {
    const fail = (error: unknown) => void vscode.window.showErrorMessage(`Torch Explorer: ${error instanceof Error ? error.message : String(error)}`);
    switch (request.type) {
      case 'matchWithModel':
        void this.match(document, undefined).catch(fail);
        break;
      case 'applyPrefixSuggestion': {
        const state = this.states.get(document);
        const s = state?.report.suggestion;
        if (state && s) {
          try { this.compute(document, state.model, { kind: s.kind, prefix: s.prefix }); } catch (error) { fail(error); }
        }
        break;
      }
      case 'clearMatch':
        this.states.delete(document);
        this.viewer.postTo(document, { type: 'match', match: null });
        break;
      case 'loadIntoModel':
        void this.load(document).catch(fail);
        break;
    }
  }

  documentChanged(document: CheckpointDocument): void {
    const state = this.states.get(document);
    if (!state) return;
    try {
      // a prefix change chosen for the old keys need not fit the new ones
      this.compute(document, state.model);
    } catch {
      this.states.delete(document);
      this.viewer.postTo(document, { type: 'match', match: null });
    }
  }

  /** Models were explored, rebuilt or forgotten: the button's state and the reports follow. */
  modelsChanged(): void {
    const live = new Set(this.models());
    for (const document of this.viewer.openDocuments()) {
      this.viewer.postTo(document, { type: 'models', count: live.size });
      const state = this.states.get(document);
      if (!state) continue;
      const model = this.store.allModels().find((m) => m.id === state.model.id);
      if (model && live.has(model)) {
        try { this.compute(document, model, state.prefix); continue; } catch { /* cleared below */ }
      }
      if (model?.state === 'loading') continue; // being rebuilt: the report returns with its facts
      this.states.delete(document);
      this.viewer.postTo(document, { type: 'match', match: null });
    }
    for (const document of [...this.states.keys()]) if (!this.viewer.openDocuments().includes(document)) this.states.delete(document);
  }
}

/** The document a command is about: the given file's open viewer, else the active viewer. */
function documentOf(viewer: CheckpointEditorProvider, uri: vscode.Uri | string | undefined): CheckpointDocument {
  const target = typeof uri === 'string' ? vscode.Uri.parse(uri) : uri;
  const document = target ? viewer.document(target) : viewer.activeDocument();
  if (!document) throw new Error(target ? `open ${vscode.workspace.asRelativePath(target)} in the checkpoint viewer first` : 'open a checkpoint in the checkpoint viewer first');
  return document;
}

export function registerCheckpointMatch(viewer: CheckpointEditorProvider, store: ModelStore): vscode.Disposable[] {
  const matcher = new CheckpointMatcher(viewer, store);
  return [
    viewer.attachMatching(matcher),
    store.onDidChange(() => matcher.modelsChanged()),
    vscode.commands.registerCommand('torchExplorer.matchCheckpointWithModel',
      (uri?: vscode.Uri | string, model?: ModelTarget | { modelId: string }, options?: MatchOptions): Promise<CommandOutcome<CheckpointMatch>> =>
        runCommand('Match with model', async () => matcher.match(documentOf(viewer, uri), model, options), () => '')),
    vscode.commands.registerCommand('torchExplorer.loadCheckpointIntoModel', async (uri?: vscode.Uri | string): Promise<CommandOutcome<LoadOutcome>> => {
      try {
        return await matcher.load(documentOf(viewer, uri));
      } catch (error) {
        return { ok: false, message: `Load into model: ${error instanceof Error ? error.message : String(error)}` };
      }
    }),
  ];
}
