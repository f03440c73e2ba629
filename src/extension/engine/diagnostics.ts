// The Problems panel: evaluation and build errors at the line Python names (the traceback's frames as related
// information), and load_state_dict mismatches at the line that built the module owning each key.
import * as vscode from 'vscode';
import type { EngineError } from './engine-api';
import { shapeText } from './model-facts';
import type { LoadedModel, ModelStore } from './model-store';

export interface LoadMismatches {
  missing_keys: readonly string[];
  unexpected_keys: readonly string[];
  size_mismatches: ReadonlyArray<{ key: string; checkpoint: readonly number[]; model: readonly number[]; message?: string }>;
  /** the checkpoint file, named in the messages */
  file: string;
}

const SOURCE = 'Torch Explorer';

/** `File "net.py", line 12, in __init__` frames of a Python traceback. */
export function tracebackFrames(traceback: string | undefined): Array<{ file: string; line: number; fn: string; code?: string }> {
  if (!traceback) return [];
  const lines = traceback.split('\n');
  const frames: Array<{ file: string; line: number; fn: string; code?: string }> = [];
  lines.forEach((l, i) => {
    const m = /^\s*File "([^"]+)", line (\d+)(?:, in (.+))?$/.exec(l);
    if (m) frames.push({ file: m[1], line: Number(m[2]), fn: m[3] ?? '', code: lines[i + 1]?.trim() || undefined });
  });
  return frames;
}

export class EngineDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('torchExplorer');
  private readonly loads = new Map<string, LoadMismatches>();
  private readonly sub: vscode.Disposable;

  constructor(private readonly store: ModelStore) {
    this.sub = store.onDidChange(() => this.update());
  }

  /** Shows (or, with undefined, clears) the mismatches of the last state-dict load into a model. */
  setLoadReport(model: LoadedModel, report: LoadMismatches | undefined): void {
    if (report) this.loads.set(model.id, report);
    else this.loads.delete(model.id);
    this.update();
  }

  update(): void {
    const byUri = new Map<string, { uri: vscode.Uri; list: vscode.Diagnostic[] }>();
    const add = (uri: vscode.Uri, d: vscode.Diagnostic) => {
      const k = uri.toString();
      if (!byUri.has(k)) byUri.set(k, { uri, list: [] });
      byUri.get(k)!.list.push(d);
    };
    for (const file of this.store.exploredFiles()) {
      if (file.state === 'error' && file.error) this.addError(file.folder, file.uri, file.error, add);
    }
    for (const model of this.store.allModels()) {
      if (model.state === 'error' && model.error) this.addError(model.file.folder, model.file.uri, model.error, add, `building ${model.entry}: `);
      const load = this.loads.get(model.id);
      if (load && model.facts) this.addLoad(model, load, add);
    }
    for (const k of [...this.loads.keys()]) if (!this.store.allModels().some((m) => m.id === k)) this.loads.delete(k);
    this.collection.clear();
    for (const { uri, list } of byUri.values()) this.collection.set(uri, list);
  }

  private addError(folder: vscode.Uri, fallback: vscode.Uri, e: EngineError, add: (uri: vscode.Uri, d: vscode.Diagnostic) => void, prefix = ''): void {
    const uri = e.file ? vscode.Uri.joinPath(folder, ...e.file.split('/')) : fallback;
    const line = Math.max(0, (e.line ?? 1) - 1);
    const start = e.column ?? 0;
    const endLine = e.endLine !== undefined ? e.endLine - 1 : line;
    const end = e.endColumn ?? (endLine === line ? Math.max(start + 1, 1000) : 1000); // to the line's end when unknown
    const d = new vscode.Diagnostic(new vscode.Range(line, start, Math.max(line, endLine), end),
      `${prefix}${e.type}: ${e.message}`, vscode.DiagnosticSeverity.Error);
    d.source = SOURCE;
    d.code = e.code;
    const frames = tracebackFrames(e.pythonTraceback);
    d.relatedInformation = frames.map((f) => new vscode.DiagnosticRelatedInformation(
      new vscode.Location(vscode.Uri.joinPath(folder, ...f.file.split('/')), new vscode.Position(Math.max(0, f.line - 1), 0)),
      `${f.fn ? `in ${f.fn}` : 'here'}${f.code ? `: ${f.code}` : ''}`));
    if (!frames.length && e.pythonTraceback) d.message += `\n\n${e.pythonTraceback}`;
    add(uri, d);
  }

  private addLoad(model: LoadedModel, load: LoadMismatches, add: (uri: vscode.Uri, d: vscode.Diagnostic) => void): void {
    const facts = model.facts!;
    const at = (key: string, message: string, severity: vscode.DiagnosticSeverity) => {
      const owner = facts.ownerOfKey(key);
      const src = owner?.source;
      const uri = src ? vscode.Uri.joinPath(model.file.folder, ...src.file.split('/')) : model.file.uri;
      const entryLine = model.file.entries.find((e) => e.name === model.entry)?.line ?? 1;
      const line = (src?.line ?? entryLine) - 1;
      const d = new vscode.Diagnostic(new vscode.Range(line, src?.column ?? 0, line, 1000), message, severity);
      d.source = SOURCE;
      d.code = 'load_state_dict';
      add(uri, d);
    };
    for (const key of load.missing_keys) at(key, `missing key "${key}" in ${load.file} (load_state_dict into ${model.entry})`, vscode.DiagnosticSeverity.Warning);
    for (const key of load.unexpected_keys) at(key, `unexpected key "${key}" in ${load.file} (load_state_dict into ${model.entry})`, vscode.DiagnosticSeverity.Warning);
    for (const m of load.size_mismatches) {
      at(m.key, m.message ?? `size mismatch for ${m.key}: copying a param with shape ${shapeText(m.checkpoint)} from checkpoint, the shape in current model is ${shapeText(m.model)}.`,
        vscode.DiagnosticSeverity.Error);
    }
  }

  dispose(): void {
    this.sub.dispose();
    this.collection.dispose();
  }
}
