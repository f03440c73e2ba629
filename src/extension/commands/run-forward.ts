// torchExplorer.runForward: a forward pass of a built model with random input of a shape (remembered per
// entry in workspaceState, newest first; the setting torchExplorer.defaultInputShapes seeds it) or the values
// of a .npy file. Per-layer output shapes and times go into the Models view; the torchinfo-style summary
// opens in a webview. Arguments for use without UI: (target, { shape } | { npy: uri }, { summary: false }).
import * as vscode from 'vscode';
import { readNpy } from '../../formats/npy';
import type { ForwardInput } from '../engine/engine-api';
import { ForwardSummaryPanel } from '../engine/forward-summary-panel';
import { buildSummary } from '../engine/forward-summary-table';
import { shapeText } from '../engine/model-facts';
import type { ForwardRun, LoadedModel, ModelStore } from '../engine/model-store';
import { defaultShapeFor, readEngineSettings } from '../engine/settings';
import { resolveModel, runCommand, withEngineProgress, type CommandOutcome, type ModelTarget } from './command-support';

const HISTORY_KEY = 'torchExplorer.inputShapeHistory';
const HISTORY_SIZE = 10;

/** `1, 3, 32, 32`, `[1, 3, 32, 32]` or `(1,3,32,32)` -> [1, 3, 32, 32]. */
export function parseShape(text: string): { shape?: number[]; error?: string } {
  const inner = text.trim().replace(/^[[(]|[\])]$/g, '').trim();
  if (!inner) return { error: 'Give the input shape, e.g. 1, 3, 32, 32' };
  const parts = inner.split(/\s*[,x×\s]\s*/).filter(Boolean);
  const shape = parts.map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) return { error: `"${text}" is not a shape: use non-negative integers, e.g. 1, 3, 32, 32` };
  if (shape.reduce((a, b) => a * b, 1) > 1e9) return { error: 'That input would have more than 10^9 values' };
  return { shape };
}

export interface ForwardArgs { shape?: number[]; npy?: vscode.Uri | string; summary?: boolean }

export function registerRunForward(store: ModelStore, state: vscode.Memento): vscode.Disposable {
  const historyKey = (m: LoadedModel) => `${m.file.relPath}:${m.entry}`;
  const history = (m: LoadedModel): number[][] => (state.get<Record<string, number[][]>>(HISTORY_KEY) ?? {})[historyKey(m)] ?? [];
  const remember = async (m: LoadedModel, shape: number[]) => {
    const all = state.get<Record<string, number[][]>>(HISTORY_KEY) ?? {};
    const list = [shape, ...(all[historyKey(m)] ?? []).filter((s) => s.join(',') !== shape.join(','))].slice(0, HISTORY_SIZE);
    await state.update(HISTORY_KEY, { ...all, [historyKey(m)]: list });
  };

  const askInput = async (m: LoadedModel): Promise<{ input: ForwardInput; label: string } | undefined> => {
    const seeded = defaultShapeFor(readEngineSettings(), m.file.relPath, m.entry);
    const shapes = [...history(m), ...(seeded ? [seeded] : [])].filter((s, i, all) => all.findIndex((t) => t.join(',') === s.join(',')) === i);
    const NEW = 'Enter a shape…', NPY = 'Values from a .npy file…';
    const pick = await vscode.window.showQuickPick([
      ...shapes.map((s, i) => ({ label: shapeText(s), description: i < history(m).length ? 'used before' : 'torchExplorer.defaultInputShapes', shape: s })),
      { label: NEW, description: 'random values (torch.randn) of this shape', shape: undefined },
      { label: NPY, description: 'a NumPy array saved with numpy.save', shape: undefined },
    ], { placeHolder: `Input for ${m.entry}.forward(x)` });
    if (!pick) return undefined;
    if (pick.shape) return { input: { shape: pick.shape }, label: shapeText(pick.shape) };
    if (pick.label === NPY) {
      const files = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'NumPy array': ['npy'] }, openLabel: 'Use as input' });
      return files?.[0] && inputFromNpy(files[0]);
    }
    const text = await vscode.window.showInputBox({ title: `Input shape for ${m.entry}`, prompt: 'Random values of this shape, e.g. 1, 3, 32, 32',
      value: shapes[0] ? shapes[0].join(', ') : '1, 3, 32, 32', validateInput: (t) => parseShape(t).error });
    const shape = text === undefined ? undefined : parseShape(text).shape;
    return shape && { input: { shape }, label: shapeText(shape) };
  };

  return vscode.commands.registerCommand('torchExplorer.runForward',
    (target?: ModelTarget, given?: ForwardArgs): Promise<CommandOutcome<ForwardRun>> =>
      runCommand('Forward pass', async () => {
        const model = await resolveModel({ store }, target);
        if (!model?.facts) throw new Error('build a model first (Explore, or choose an entry)');
        const chosen = given?.npy ? await inputFromNpy(typeof given.npy === 'string' ? vscode.Uri.parse(given.npy) : given.npy)
          : given?.shape ? { input: { shape: given.shape }, label: shapeText(given.shape) } : await askInput(model);
        if (!chosen) return undefined;
        const run = await withEngineProgress(`Forward pass of ${model.entry} with input ${chosen.label}`,
          (token) => store.forward(model, chosen.input, chosen.label, { token }));
        if ('shape' in chosen.input) await remember(model, chosen.input.shape);
        if (given?.summary !== false && model.facts) ForwardSummaryPanel.show(buildSummary(model.entry, model.facts, run), { preserveFocus: !!given });
        return run;
      }, (run) => (given?.summary === false ? `forward pass: output ${shapeText(run.shapes.get('') ?? null)} in ${run.answer.ms.toFixed(1)} ms` : '')));
}

async function inputFromNpy(uri: vscode.Uri): Promise<{ input: ForwardInput; label: string }> {
  const bytes = await vscode.workspace.fs.readFile(uri);
  // read here too: a broken file is reported before the engine starts, and the label names shape and dtype
  const raw = readNpy(bytes, { fileName: uri.path.slice(uri.path.lastIndexOf('/') + 1) });
  const npy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return { input: { npy }, label: `${vscode.workspace.asRelativePath(uri)} ${shapeText([...raw.shape])} ${raw.dtype}` };
}
