// The engine's settings (torchExplorer.*), read fresh each time so a change applies to the next request.
import * as os from 'node:os';
import * as vscode from 'vscode';

export type KernelChoice = 'ts' | 'wasm' | 'auto';

export interface EngineSettings {
  timeoutMs: number;
  maxTensorMemoryMB: number;
  /** entry name (or `file.py:Entry`) -> input shape */
  defaultInputShapes: Record<string, number[]>;
  kernels: KernelChoice;
  /** WASM kernel threads (setting 0 resolved to the automatic count). */
  threads: number;
  modelFiles: string;
  excludeFiles: string[];
}

const positive = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback);

export function readEngineSettings(): EngineSettings {
  const c = vscode.workspace.getConfiguration('torchExplorer');
  const shapes: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(c.get<Record<string, unknown>>('defaultInputShapes') ?? {})) {
    if (Array.isArray(v) && v.every((d) => Number.isInteger(d) && d >= 0)) shapes[k] = v as number[];
  }
  const kernels = c.get<string>('kernels');
  return {
    timeoutMs: positive(c.get('evaluationTimeoutSeconds'), 10) * 1000,
    maxTensorMemoryMB: positive(c.get('maxTensorMemoryMB'), 1024),
    defaultInputShapes: shapes,
    kernels: kernels === 'ts' || kernels === 'wasm' ? kernels : 'auto',
    threads: resolveThreads(c.get('threads')),
    modelFiles: c.get<string>('modelFiles') || '**/*.py',
    excludeFiles: c.get<string[]>('excludeFiles') ?? [],
  };
}

/** The default input shape for an entry: `file.py:Entry` first, then `Entry`. */
export function defaultShapeFor(settings: EngineSettings, relPath: string, entry: string): number[] | undefined {
  return settings.defaultInputShapes[`${relPath}:${entry}`] ?? settings.defaultInputShapes[entry];
}

/**
 * `torchExplorer.threads`: a positive count as given (at most 64); 0 or anything else means automatic: half the
 * logical processors (they are usually hyper-threads), at most 4, at least 1, like PyTorch 1.13's default.
 */
export function resolveThreads(setting: unknown, processors = os.availableParallelism()): number {
  if (typeof setting === 'number' && Number.isInteger(setting) && setting >= 1) return Math.min(setting, 64);
  return Math.max(1, Math.min(4, Math.floor(processors / 2)));
}
