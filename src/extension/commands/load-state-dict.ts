// torchExplorer.loadStateDict: load a .pt/.pth/.safetensors file into a built model. A wrapped checkpoint
// ({'model': ..., 'optimizer': ...}) offers the state dicts inside; a key prefix such as DataParallel's
// `module.` can be stripped. Missing/unexpected keys and size mismatches become diagnostics at the lines
// that built the modules, and a message. Arguments for use without UI:
// (target, { file, stateDict?: label, strict?: boolean, prefix?: { kind, prefix } | 'suggested' }).
import * as vscode from 'vscode';
import { openCheckpointFile } from '../../formats/files-node';
import type { EngineDiagnostics } from '../engine/diagnostics';
import type { EngineRequests } from '../engine/engine-requests';
import type { LoadedModel, ModelStore } from '../engine/model-store';
import { checkKeys, withPrefix, type KeyCheck } from '../engine/state-dict-check';
import { engineSupports } from '../../statedict/convert';
import { resolveModel, runCommand, withEngineProgress, type CommandOutcome, type ModelTarget } from './command-support';

export interface LoadArgs {
  file?: vscode.Uri | string;
  stateDict?: string;
  strict?: boolean;
  prefix?: { kind: 'strip' | 'add'; prefix: string } | 'suggested';
}

export interface LoadOutcome {
  model: LoadedModel;
  file: string;
  /** which state dict of the file, e.g. `checkpoint['model']` */
  stateDict: string;
  check: KeyCheck;
  /** values were written into the model (as PyTorch does, also when strict loading then raises) */
  loaded: boolean;
  /** why the values were not loaded */
  notLoaded?: string;
}

const list = (keys: string[], max = 4) => keys.slice(0, max).map((k) => `"${k}"`).join(', ') + (keys.length > max ? ` and ${keys.length - max} more` : '');

export function registerLoadStateDict(store: ModelStore, requests: EngineRequests, diagnostics: EngineDiagnostics): vscode.Disposable {
  return vscode.commands.registerCommand('torchExplorer.loadStateDict',
    (target?: ModelTarget, given: LoadArgs = {}): Promise<CommandOutcome<LoadOutcome>> => runCommand('Load state dict', async () => {
      const model = await resolveModel({ store }, target);
      if (!model?.facts) throw new Error('build a model first (Explore, or choose an entry)');
      let uri = typeof given.file === 'string' ? vscode.Uri.file(given.file) : given.file;
      if (!uri) {
        uri = (await vscode.window.showOpenDialog({
          canSelectMany: false, openLabel: `Load into ${model.entry}`, filters: { 'State dict': ['pt', 'pth', 'safetensors', 'bin'] },
        }))?.[0];
      }
      if (!uri) return undefined;
      const opened = openCheckpointFile(uri.fsPath);
      try {
        if (!opened.stateDicts.length) throw new Error(`${vscode.workspace.asRelativePath(uri)} holds no state dict (no tensors by key)`);
        let candidate = opened.stateDicts[0];
        if (given.stateDict) {
          const found = opened.stateDicts.find((c) => c.label === given.stateDict);
          if (!found) throw new Error(`no ${given.stateDict} in the file; it has ${opened.stateDicts.map((c) => c.label).join(', ')}`);
          candidate = found;
        } else if (opened.stateDicts.length > 1 && !given.file) {
          const pick = await vscode.window.showQuickPick(opened.stateDicts.map((c) => ({ label: c.label, description: `${c.tensors.size} tensors`, c })),
            { placeHolder: 'The file holds several state dicts: which one?' });
          if (!pick) return undefined;
          candidate = pick.c;
        }
        let entries = new Map([...candidate.tensors].map(([k, t]) => [k, t] as const));
        const strict = given.strict ?? true;
        const facts = model.facts!;
        let check = checkKeys(facts.root?.type ?? model.entry, facts.answer.stateDict, entries, strict);
        let fix = given.prefix === 'suggested' ? check.suggestion : given.prefix;
        if (!fix && check.suggestion && !given.file) {
          const s = check.suggestion;
          const yes = `${s.kind === 'strip' ? 'Strip' : 'Add'} "${s.prefix}"`;
          const answer = await vscode.window.showWarningMessage(
            `${s.kind === 'strip' ? 'Stripping' : 'Adding'} the key prefix "${s.prefix}" matches ${s.matchedAfter} keys instead of ${s.matchedBefore}.`, yes, 'Load as is');
          if (answer === yes) fix = s;
        }
        if (fix) {
          entries = withPrefix(entries, fix);
          check = checkKeys(facts.root?.type ?? model.entry, facts.answer.stateDict, entries, strict);
        }
        const fileLabel = vscode.workspace.asRelativePath(uri);
        const outcome: LoadOutcome = { model, file: fileLabel, stateDict: candidate.label, check, loaded: false };
        // dtypes the engine lacks (float8, complex) are left out and named
        const skipped = [...entries].filter(([, t]) => !engineSupports(t.dtype)).map(([k, t]) => `${k} (${t.dtype})`);
        try {
          await withEngineProgress(`Loading ${fileLabel} into ${model.entry}`, async (token) => {
            const handle = await store.live(model, { token });
            const tensors = [];
            for (const [key, t] of entries) {
              if (token.isCancellationRequested) throw new vscode.CancellationError();
              if (!engineSupports(t.dtype)) continue;
              const bytes = await t.read();
              tensors.push({ key, dtype: t.dtype, shape: [...t.shape], data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer });
            }
            // the engine's own load_state_dict decides, with PyTorch's report (it copies matching entries even when it raises)
            const report = await requests.loadStateDict(handle, tensors, strict, { token });
            outcome.check = { missing_keys: report.missing_keys, unexpected_keys: report.unexpected_keys, size_mismatches: report.size_mismatches,
              error: report.error, ...(check.suggestion ? { suggestion: check.suggestion } : {}) };
            outcome.loaded = report.loaded;
            if (report.error) outcome.notLoaded = report.error;
            await store.reinspect(model, { token });
          });
        } catch (error) {
          if (!(error instanceof Error) || !/not available yet/.test(error.message)) throw error;
          // without the engine request the check from keys and shapes still tells what would not match
          outcome.notLoaded = `keys and shapes checked; values not loaded: ${error.message}`;
        }
        if (skipped.length) outcome.notLoaded = `${outcome.notLoaded ? `${outcome.notLoaded}; ` : ''}not loaded (dtype the engine lacks): ${skipped.join(', ')}`;
        diagnostics.setLoadReport(model, { ...outcome.check, file: fileLabel });
        return outcome;
      } finally {
        opened.close();
      }
    }, (o) => {
      const c = o.check;
      const problems = [
        c.missing_keys.length ? `missing ${list(c.missing_keys)}` : '',
        c.unexpected_keys.length ? `unexpected ${list(c.unexpected_keys)}` : '',
        c.size_mismatches.length ? `size mismatch for ${list(c.size_mismatches.map((m) => m.key))}` : '',
      ].filter(Boolean).join('; ');
      const summary = `${o.stateDict} of ${o.file} → ${o.model.entry}: ${problems || 'all keys matched'}`;
      if (!o.loaded || o.notLoaded) {
        void vscode.window.showWarningMessage(`Torch Explorer: ${summary}. ${o.loaded ? 'Loaded the matching entries, then' : 'Not loaded:'} ${o.notLoaded}`);
        return '';
      }
      return `${summary}; loaded`;
    }));
}
