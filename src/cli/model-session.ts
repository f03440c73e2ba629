// The model-level steps the commands share, over one engine session: list a file's entries, build one
// (with --kwargs and --weights), describe it, run it. The engine process does the Python; this file maps
// its answers to the CLI's JSON (model-types.ts).
import type { RawTensor } from '../formats';
import type { LoadReport } from '../statedict/load';
import { EngineSession, type EngineCliOptions } from './engine-session';
import { CliError, EXIT, usageError } from './errors';
import * as engineApi from './engine-api';
import type { ForwardSpec } from './engine-api';
import { defaultEntry, type EntryInfo, type ForwardJson, type InspectJson, type TensorSummary } from './model-types';
import { note } from './output';
import { parseKwargs } from './options';
import { openWeights, requireFile } from './weights';

export interface ModelOptions extends EngineCliOptions {
  entry?: string;
  kwargs?: string;
  weights?: string;
  path?: string;
  strict?: boolean;
}

export interface WeightsReport {
  /** one line for stderr: file, state dict, outcome */
  summary: string;
  json: { file: string; stateDict: string; missingKeys: string[]; unexpectedKeys: string[] };
}

export interface BuiltModel {
  entry: EntryInfo;
  handle: number;
  stubbedImports: string[];
  weights?: WeightsReport;
}

export interface ForwardRun extends ForwardJson {
  outputTensor?: RawTensor;
}

/** Fails on malformed options before an engine process is started for nothing. */
export function precheckModelOptions(options: ModelOptions): void {
  parseKwargs(options.kwargs);
  if (options.weights !== undefined) requireFile(options.weights, 'weights file');
}

/** A load report as an error when load_state_dict would raise, naming the file and the keys. */
export function checkLoadReport(report: Pick<LoadReport, 'error' | 'suggestion' | 'size_mismatches'>, file: string): void {
  if (!report.error) return;
  const advice = report.size_mismatches?.length
    ? 'The checkpoint was saved from a model of other sizes: check --entry and --kwargs.'
    : 'Pass --no-strict to load the matching keys only, or --path to choose another state dict in the file.';
  const hint = report.suggestion
    ? `\nhint: ${report.suggestion.kind === 'strip' ? 'the checkpoint keys carry' : 'the model keys carry'} the prefix ${JSON.stringify(report.suggestion.prefix)}; ` +
      `${report.suggestion.matchedAfter} of the keys match without it`
    : '';
  throw new CliError(`${file}: ${report.error}${hint}`, EXIT.file, advice);
}

export class ModelSession {
  private entries?: { entries: EntryInfo[]; stubbedImports: string[] };

  private constructor(readonly engine: EngineSession) {}

  static with<T>(modelFile: string, options: ModelOptions, body: (session: ModelSession) => Promise<T>): Promise<T> {
    return EngineSession.with(modelFile, options, (engine) => body(new ModelSession(engine)));
  }

  get workspace() {
    return this.engine.workspace;
  }

  async listEntries(): Promise<EntryInfo[]> {
    if (!this.entries) {
      this.entries = await engineApi.listEntries(this.engine);
      if (this.entries.stubbedImports.length) note(`imports not available here, replaced by stand-ins: ${this.entries.stubbedImports.join(', ')}`);
    }
    return this.entries.entries;
  }

  private async chooseEntry(name: string | undefined): Promise<EntryInfo> {
    const entries = await this.listEntries();
    const file = this.workspace.displayPath(this.workspace.entryFile);
    if (name !== undefined) {
      const found = entries.find((e) => e.name === name);
      if (found) return found;
      const known = entries.length ? `; it has ${entries.map((e) => `${e.name} (${e.kind})`).join(', ')}` : '; it defines none';
      throw usageError(`--entry ${name}: ${file} has no nn.Module class, instance or factory named ${JSON.stringify(name)}${known}`);
    }
    const chosen = defaultEntry(entries);
    if (!chosen) throw new CliError(`${file}: defines no nn.Module class, module instance or factory function`, EXIT.model);
    if (entries.length > 1) note(`using ${chosen.name} (${chosen.kind}, line ${chosen.line}); choose another with --entry`);
    return chosen;
  }

  /** Evaluates the file, instantiates the entry and loads --weights into it (load_state_dict in the engine). */
  async build(options: ModelOptions): Promise<BuiltModel> {
    const kwargs = parseKwargs(options.kwargs);
    const entry = await this.chooseEntry(options.entry);
    if (kwargs && entry.kind === 'instance') {
      throw usageError(`--kwargs: ${entry.name} is a module instance the file already built; --kwargs applies to a class or a factory function`);
    }
    const handle = await engineApi.instantiate(this.engine, entry.name, kwargs);
    const model: BuiltModel = { entry, handle, stubbedImports: this.entries?.stubbedImports ?? [] };
    if (options.weights !== undefined) model.weights = await this.loadWeights(model, options);
    return model;
  }

  private async loadWeights(model: BuiltModel, options: ModelOptions): Promise<WeightsReport> {
    const weights = openWeights(options.weights!, { path: options.path });
    try {
      if (weights.note) note(weights.note);
      const report = await engineApi.loadStateDict(this.engine, model.handle, weights, options.strict !== false);
      checkLoadReport(report, weights.file);
      return describeLoad(weights.file, weights.candidate.label, report);
    } finally {
      weights.close();
    }
  }

  async inspect(model: BuiltModel): Promise<InspectJson> {
    return engineApi.inspect(this.engine, model.handle);
  }

  async forward(model: BuiltModel, input: ForwardSpec, options: { wantOutput: boolean }): Promise<ForwardRun> {
    return engineApi.forward(this.engine, model.handle, input, options.wantOutput);
  }
}

function describeLoad(file: string, label: string, report: Pick<LoadReport, 'missing_keys' | 'unexpected_keys' | 'repr'>): WeightsReport {
  return {
    summary: `loaded ${label === 'checkpoint' ? file : `${label} of ${file}`}: ${report.repr ?? 'loaded'}`,
    json: { file, stateDict: label, missingKeys: [...report.missing_keys], unexpectedKeys: [...report.unexpected_keys] },
  };
}

export type { TensorSummary };
