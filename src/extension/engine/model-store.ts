// What has been evaluated: explored files (their entries, or the error evaluation raised) and the models
// built from them (facts from `inspect`, the last forward pass). Saved edits re-evaluate explored files
// (debounced) and rebuild their models with the same keyword arguments. A new engine process invalidates
// model handles; models are rebuilt on their next use.
import * as vscode from 'vscode';
import { EngineRequestError } from '../../python/host/engine-client';
import type { EngineError, EntryInfo, ForwardAnswer, ForwardInput, StubbedImport } from './engine-api';
import { EngineUnavailableError } from './engine-api';
import type { EngineRequests, ModelHandle } from './engine-requests';
import type { EngineRequestOptions } from './engine-service';
import { ModelFacts } from './model-facts';
import { readEngineSettings } from './settings';
import { readWorkspaceSources, relativePath, evaluationFolder, type WorkspaceSources } from './workspace-sources';

const REFRESH_DEBOUNCE_MS = 500;

export interface ExploredFile {
  uri: vscode.Uri;
  /** path relative to the evaluation folder, as the engine names the file */
  relPath: string;
  folder: vscode.Uri;
  state: 'evaluating' | 'ready' | 'error';
  entries: EntryInfo[];
  stubbedImports: StubbedImport[];
  /** why evaluation failed (a Python error with its location and traceback, a timeout, ...) */
  error?: EngineError;
  sources?: WorkspaceSources;
}

export interface ForwardRun {
  input: ForwardInput;
  /** how the input was described to the user: `[1, 3, 32, 32]` or the .npy file */
  inputLabel: string;
  answer: ForwardAnswer;
  /** layer name -> output shape */
  shapes: Map<string, number[] | null>;
  ms: Map<string, number>;
}

export interface LoadedModel {
  id: string;
  file: ExploredFile;
  entry: string;
  kwargs: Record<string, unknown>;
  state: 'loading' | 'ready' | 'error';
  handle?: ModelHandle;
  facts?: ModelFacts;
  forward?: ForwardRun;
  error?: EngineError;
  /** a state dict was loaded or parameters were edited: rebuilding the model would lose that */
  modified?: boolean;
}

export const modelId = (uri: vscode.Uri, entry: string) => `${uri.toString()}#${entry}`;

/** An engine failure as data; anything else is rethrown. */
export function engineErrorOf(error: unknown): EngineError | undefined {
  if (error instanceof EngineRequestError) return error.error;
  return undefined;
}

export class ModelStore implements vscode.Disposable {
  private readonly files = new Map<string, ExploredFile>();
  private readonly models = new Map<string, LoadedModel>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri | undefined>();
  /** Fires with the file whose facts changed (undefined: everything). */
  readonly onDidChange = this.changed.event;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(readonly requests: EngineRequests) {
    this.disposables.push(
      vscode.workspace.onDidSaveTextDocument((doc) => { if (doc.languageId === 'python') this.scheduleRefresh(doc.uri); }),
      requests.service.onDidChangeTrust((trusted) => { if (!trusted) this.forget(); }),
    );
  }

  explored(uri: vscode.Uri): ExploredFile | undefined { return this.files.get(uri.toString()); }
  exploredFiles(): ExploredFile[] { return [...this.files.values()]; }
  model(uri: vscode.Uri, entry: string): LoadedModel | undefined { return this.models.get(modelId(uri, entry)); }
  modelsOf(uri: vscode.Uri): LoadedModel[] { return [...this.models.values()].filter((m) => m.file.uri.toString() === uri.toString()); }
  allModels(): LoadedModel[] { return [...this.models.values()]; }

  /** Evaluates a file: its entries, or the error. Rejects only when nothing may run (Restricted Mode, no engine). */
  async explore(uri: vscode.Uri, options: EngineRequestOptions = {}): Promise<ExploredFile> {
    this.checkGate();
    const folder = evaluationFolder(uri);
    const file: ExploredFile = this.files.get(uri.toString()) ?? { uri, folder, relPath: relativePath(folder, uri), state: 'evaluating', entries: [], stubbedImports: [] };
    file.state = 'evaluating';
    this.files.set(uri.toString(), file);
    this.changed.fire(uri);
    try {
      file.sources = await readWorkspaceSources(uri, readEngineSettings());
      const answer = await this.requests.listEntries(file.sources.files, file.sources.entryFile, options);
      Object.assign(file, { state: 'ready', entries: answer.entries, stubbedImports: answer.stubbedImports ?? [], error: undefined });
    } catch (error) {
      const e = engineErrorOf(error);
      if (!e) {
        if (file.entries.length === 0 && !file.error) this.files.delete(uri.toString());
        else file.state = file.error ? 'error' : 'ready';
        this.changed.fire(uri);
        throw error;
      }
      Object.assign(file, { state: 'error', error: e, entries: [] });
    }
    this.changed.fire(uri);
    return file;
  }

  /** Builds (or rebuilds) a model of an explored file's entry and inspects it. */
  async load(uri: vscode.Uri, entry: string, kwargs: Record<string, unknown> = {}, options: EngineRequestOptions = {}): Promise<LoadedModel> {
    this.checkGate();
    const file = this.files.get(uri.toString()) ?? await this.explore(uri, options);
    const id = modelId(uri, entry);
    const model: LoadedModel = this.models.get(id) ?? { id, file, entry, kwargs, state: 'loading' };
    Object.assign(model, { file, kwargs, state: 'loading', modified: false });
    this.models.set(id, model);
    this.changed.fire(uri);
    try {
      if (file.state === 'error') throw new EngineRequestError(file.error!);
      const sources = file.sources ?? await readWorkspaceSources(uri, readEngineSettings());
      const handle = await this.requests.instantiate(sources.files, sources.entryFile, entry, kwargs, options);
      const answer = await this.requests.inspect(handle, options);
      Object.assign(model, { handle, facts: new ModelFacts(answer), state: 'ready', error: undefined });
      if (model.forward) model.forward = undefined; // shapes of the old build
    } catch (error) {
      const e = engineErrorOf(error);
      if (!e) {
        if (!model.facts) this.models.delete(id);
        else model.state = 'ready';
        this.changed.fire(uri);
        throw error;
      }
      Object.assign(model, { state: 'error', error: e });
    }
    this.changed.fire(uri);
    return model;
  }

  /** The model's handle in the current engine process, rebuilding the model when the process changed. */
  async live(model: LoadedModel, options: EngineRequestOptions = {}): Promise<ModelHandle> {
    if (model.handle && this.requests.isLive(model.handle) && model.state === 'ready') return model.handle;
    if (model.modified) {
      this.requests.service.log.warn(`${model.entry} is built again (the engine evaluated another file or restarted): its loaded or edited values are gone`);
    }
    const rebuilt = await this.load(model.file.uri, model.entry, model.kwargs, options);
    if (rebuilt.state !== 'ready' || !rebuilt.handle) throw new EngineUnavailableError(`${model.entry} could not be built: ${rebuilt.error?.message ?? 'unknown error'}`, 'failed');
    return rebuilt.handle;
  }

  async forward(model: LoadedModel, input: ForwardInput, inputLabel: string, options: EngineRequestOptions = {}): Promise<ForwardRun> {
    const handle = await this.live(model, options);
    const answer = await this.requests.forward(handle, input, options);
    const run: ForwardRun = { input, inputLabel, answer, shapes: new Map(), ms: new Map() };
    for (const l of answer.layers) { // a module called twice keeps its first call's shape; times add up
      if (!run.shapes.has(l.name)) run.shapes.set(l.name, l.outputShape);
      run.ms.set(l.name, (run.ms.get(l.name) ?? 0) + l.ms);
    }
    const out = answer.output as { shape?: unknown } | null;
    if (!run.shapes.has('') && Array.isArray(out?.shape)) run.shapes.set('', out.shape as number[]);
    if (!run.ms.has('')) run.ms.set('', answer.ms);
    model.forward = run;
    this.changed.fire(model.file.uri);
    return run;
  }

  /** After a load, an edit or pruning: the facts come again from the engine. */
  async reinspect(model: LoadedModel, options: EngineRequestOptions = {}): Promise<void> {
    const handle = await this.live(model, options);
    model.facts = new ModelFacts(await this.requests.inspect(handle, options));
    model.modified = true;
    this.changed.fire(model.file.uri);
  }

  /** Nothing is evaluated in Restricted Mode: refuse before the view shows anything as running. */
  private checkGate(): void {
    const reason = this.requests.service.gateReason();
    if (reason) throw new EngineUnavailableError(reason, 'restricted');
  }

  /** Drops what was evaluated (one file, or everything): the view goes back to the static outline. */
  forget(uri?: vscode.Uri): void {
    for (const [k, m] of this.models) if (!uri || m.file.uri.toString() === uri.toString()) this.models.delete(k);
    if (uri) this.files.delete(uri.toString());
    else this.files.clear();
    this.changed.fire(uri);
  }

  /** Saved Python files re-evaluate the explored files of the same folder (imports may have changed). */
  private pendingRefresh = new Set<string>();
  private scheduleRefresh(saved: vscode.Uri): void {
    const folder = evaluationFolder(saved).toString();
    for (const f of this.files.values()) if (f.folder.toString() === folder) this.pendingRefresh.add(f.uri.toString());
    if (!this.pendingRefresh.size) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => { this.timer = undefined; void this.refreshPending(); }, REFRESH_DEBOUNCE_MS);
  }

  private async refreshPending(): Promise<void> {
    const keys = [...this.pendingRefresh];
    this.pendingRefresh.clear();
    for (const key of keys) {
      const file = this.files.get(key);
      if (!file) continue;
      try {
        await this.explore(file.uri);
        for (const m of this.modelsOf(file.uri)) {
          const lastInput = m.forward;
          const rebuilt = await this.load(file.uri, m.entry, m.kwargs);
          if (lastInput && rebuilt.state === 'ready') await this.forward(rebuilt, lastInput.input, lastInput.inputLabel).catch(() => undefined);
        }
      } catch (error) {
        this.requests.service.log.warn(`refresh of ${file.relPath} after a save failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    this.refreshed.fire();
  }

  private readonly refreshed = new vscode.EventEmitter<void>();
  /** Fires after the debounced refresh that follows a save has finished. */
  readonly onDidRefreshAfterSave = this.refreshed.event;

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.refreshed.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
