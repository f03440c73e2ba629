// The engine's settings (torchExplorer.*), read fresh each time so a change applies to the next request.
import * as vscode from 'vscode';

export type KernelChoice = 'ts' | 'wasm' | 'auto';

export interface EngineSettings {
  timeoutMs: number;
  maxTensorMemoryMB: number;
  /** entry name (or `file.py:Entry`) -> input shape */
  defaultInputShapes: Record<string, number[]>;
  kernels: KernelChoice;
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
    modelFiles: c.get<string>('modelFiles') || '**/*.py',
    excludeFiles: c.get<string[]>('excludeFiles') ?? [],
  };
}

/** The default input shape for an entry: `file.py:Entry` first, then `Entry`. */
export function defaultShapeFor(settings: EngineSettings, relPath: string, entry: string): number[] | undefined {
  return settings.defaultInputShapes[`${relPath}:${entry}`] ?? settings.defaultInputShapes[entry];
}
