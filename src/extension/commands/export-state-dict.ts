// torchExplorer.exportStateDict: write a built model's state_dict() as .safetensors or a torch.save .pt,
// optionally with floating tensors as float16/bfloat16. Values come from the engine tensor by tensor; the
// file appears only once complete (temp file, then rename). Arguments for use without UI:
// (target, { file, dtype?: 'float16' | 'bfloat16' }).
import * as vscode from 'vscode';
import type { Tensor } from '../../engine/tensor';
import { saveStateDict, type SaveReport } from '../../statedict/export-node';
import { formatForPath } from '../../statedict/export';
import type { EngineRequests } from '../engine/engine-requests';
import { ensureHostKernels, readEngineTensor } from '../engine/engine-tensors';
import type { ModelStore } from '../engine/model-store';
import { resolveModel, runCommand, withEngineProgress, type CommandOutcome, type ModelTarget } from './command-support';

export interface ExportArgs { file?: vscode.Uri | string; dtype?: 'float16' | 'bfloat16' }

export function registerExportStateDict(store: ModelStore, requests: EngineRequests): vscode.Disposable {
  return vscode.commands.registerCommand('torchExplorer.exportStateDict',
    (target?: ModelTarget, given: ExportArgs = {}): Promise<CommandOutcome<SaveReport>> => runCommand('Export state dict', async () => {
      const model = await resolveModel({ store }, target);
      if (!model?.facts) throw new Error('build a model first (Explore, or choose an entry)');
      let uri = typeof given.file === 'string' ? vscode.Uri.file(given.file) : given.file;
      let dtype = given.dtype;
      if (!uri) {
        uri = await vscode.window.showSaveDialog({
          defaultUri: vscode.Uri.joinPath(model.file.folder, `${model.entry}.safetensors`),
          filters: { Safetensors: ['safetensors'], 'PyTorch (torch.save)': ['pt', 'pth'] }, saveLabel: 'Export state dict',
        });
        if (!uri) return undefined;
        const pick = await vscode.window.showQuickPick([
          { label: 'Keep dtypes', dtype: undefined }, { label: 'float16', description: 'floating tensors as half precision', dtype: 'float16' as const },
          { label: 'bfloat16', description: 'floating tensors as bfloat16', dtype: 'bfloat16' as const },
        ], { placeHolder: 'Convert floating-point tensors?' });
        if (!pick) return undefined;
        dtype = pick.dtype;
      }
      if (!formatForPath(uri.fsPath)) throw new Error(`name the file .safetensors, .pt or .pth (got ${uri.path.slice(uri.path.lastIndexOf('/') + 1)})`);
      const target_ = uri;
      const records = model.facts.answer.stateDict;
      return withEngineProgress(`Exporting ${model.entry} to ${vscode.workspace.asRelativePath(target_)}`, async (token, progress) => {
        const handle = await store.live(model, { token });
        const sd = new Map<string, Tensor>();
        for (const rec of records) {
          if (token.isCancellationRequested) throw new vscode.CancellationError();
          sd.set(rec.name, await readEngineTensor(requests, handle, rec, token));
          progress.report({ increment: 90 / records.length, message: rec.name });
        }
        if (dtype) ensureHostKernels();
        return saveStateDict(sd, target_.fsPath, { dtype });
      });
    }, (r) => `exported ${r.keys} tensors (${(r.bytes / 1024).toFixed(1)} KiB${r.converted.length ? `, ${r.converted.length} converted` : ''}) to ${vscode.workspace.asRelativePath(r.target)}`));
}
