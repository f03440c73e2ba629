// Opening a weights file for any command: by content, lazily, and choosing the state dict inside a wrapped
// checkpoint (`{'model': ..., 'optimizer': ...}`): the most likely one, or the one --path names.
import * as fs from 'node:fs';
import type { StateDictCandidate, TensorEntry } from '../formats';
import { openCheckpointFile, type OpenedFile } from '../formats/files-node';
import { CliError, EXIT, fileError, usageError } from './errors';

export interface OpenedWeights {
  readonly file: string;
  readonly opened: OpenedFile;
  readonly candidate: StateDictCandidate;
  readonly tensors: Map<string, TensorEntry>;
  /** what was chosen and why, when the file held more than a bare state dict; undefined otherwise */
  readonly note?: string;
  close(): void;
}

/** Fails with a clear message for a missing file or a folder, before any parser sees it. */
export function requireFile(file: string, what = 'file'): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw fileError(`${file}: no such ${what}`);
  }
  if (!stat.isFile()) throw fileError(`${file}: is not a ${what} (a folder?)`);
}

/** `checkpoint['model']`, `['model']`, `model` and `model.ema` all name checkpoint['model'](['ema']). */
function matchesPath(candidate: StateDictCandidate, wanted: string): boolean {
  const text = wanted.trim().replace(/"/g, "'");
  if (candidate.label === text || candidate.label === `checkpoint${text}`) return true;
  const dotted = candidate.path.map(String).join('.');
  return candidate.path.length > 0 && dotted === text;
}

export function chooseStateDict(candidates: readonly StateDictCandidate[], file: string, path?: string): StateDictCandidate {
  if (!candidates.length) {
    throw new CliError(`${file}: holds no state dict (no dict whose values are all tensors)`, EXIT.file);
  }
  if (path === undefined) return candidates[0];
  const found = candidates.find((c) => matchesPath(c, path));
  if (!found) {
    throw usageError(`--path ${JSON.stringify(path)}: ${file} has no such state dict; it has ${candidates.map((c) => c.label).join(', ')}`);
  }
  return found;
}

function describeChoice(candidates: readonly StateDictCandidate[], chosen: StateDictCandidate, explicit: boolean): string | undefined {
  const others = candidates.filter((c) => c !== chosen);
  if (!chosen.path.length && !others.length) return undefined;
  const how = explicit ? 'chosen with --path' : others.length ? 'the most likely state dict' : 'the only state dict';
  const listed = others.slice(0, 3).map((c) => `${c.label} (${c.tensors.size} tensor${c.tensors.size === 1 ? '' : 's'})`);
  if (others.length > 3) listed.push(`${others.length - 3} more`);
  const rest = others.length ? `; also found ${listed.join(', ')} (choose with --path)` : '';
  const skipped = chosen.skippedKeys.length ? `; skipped non-tensor entries ${chosen.skippedKeys.join(', ')}` : '';
  return `using ${chosen.label}: ${how}${rest}${skipped}`;
}

export function openWeights(file: string, options: { path?: string } = {}): OpenedWeights {
  requireFile(file);
  const opened = openCheckpointFile(file);
  try {
    const candidate = chooseStateDict(opened.stateDicts, file, options.path);
    return {
      file, opened, candidate, tensors: candidate.tensors,
      note: describeChoice(opened.stateDicts, candidate, options.path !== undefined),
      close: () => opened.close(),
    };
  } catch (error) {
    opened.close();
    throw error;
  }
}
