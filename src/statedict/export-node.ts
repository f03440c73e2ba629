// Writing exports to disk: atomically (formats' temp-file-then-rename) and never over the source file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { archiveNameFor } from '../formats';
import { writeFileAtomic, writeFileAtomicSync } from '../formats/atomic-node';
import { StateDictValue } from './convert';
import type { StateDictEditor } from './editor';
import { ExportError, ExportOptions, exportChunks, formatForPath, planExport } from './export';

export interface SaveOptions extends Partial<ExportOptions> {
  /** the file the state dict was read from; writing over it is refused */
  source?: string;
}

export interface SaveReport {
  readonly target: string;
  readonly format: ExportOptions['format'];
  readonly keys: number;
  /** tensor bytes written (without headers) */
  readonly bytes: number;
  readonly converted: readonly string[];
}

function realOrResolved(p: string): string {
  const resolved = path.resolve(p);
  try { return fs.realpathSync(resolved); } catch { return resolved; }
}

function resolveOptions(target: string, options: SaveOptions): ExportOptions {
  if (options.source !== undefined && realOrResolved(options.source) === realOrResolved(target))
    throw new ExportError(`refusing to overwrite the source file ${target}; choose a new file name`);
  const format = options.format ?? formatForPath(target);
  if (!format) throw new ExportError(`cannot tell the format from ${JSON.stringify(path.basename(target))}: name it .safetensors or .pt, or pass a format`);
  return { ...options, format, archiveName: options.archiveName ?? archiveNameFor(target) };
}

/** Writes sd to target; the target is replaced only once the whole file is on disk. */
export async function saveStateDict(sd: ReadonlyMap<string, StateDictValue>, target: string, options: SaveOptions = {}): Promise<SaveReport> {
  const opts = resolveOptions(target, options);
  const plan = planExport(sd, opts);
  await writeFileAtomic(target, exportChunks(plan, opts));
  return { target, format: opts.format, keys: plan.records.size, bytes: plan.bytes, converted: plan.converted };
}

export function saveStateDictSync(sd: ReadonlyMap<string, StateDictValue>, target: string, options: SaveOptions = {}): SaveReport {
  const opts = resolveOptions(target, options);
  const plan = planExport(sd, opts);
  writeFileAtomicSync(target, exportChunks(plan, opts));
  return { target, format: opts.format, keys: plan.records.size, bytes: plan.bytes, converted: plan.converted };
}

/** Writes an editor's current state to a new file; its source file is refused as a target. */
export function saveEditorAs(editor: StateDictEditor, target: string, options: SaveOptions = {}): Promise<SaveReport> {
  return saveStateDict(editor.stateDict, target, { ...options, source: options.source ?? editor.source });
}
