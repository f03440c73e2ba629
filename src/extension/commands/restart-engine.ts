// torchExplorer.restartEngine: stop the engine process and start a new one (built models are built again on
// their next use). torchExplorer.forgetEvaluation: drop what was evaluated; the view shows the static outline.
import * as vscode from 'vscode';
import type { EngineService } from '../engine/engine-service';
import type { ModelStore } from '../engine/model-store';
import type { ModelNode } from '../models-tree';
import { reportFailure } from './command-support';

export function registerRestartEngine(engine: EngineService, store: ModelStore): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('torchExplorer.restartEngine', async () => {
      try {
        await engine.restart();
        return true;
      } catch (error) {
        reportFailure('Restart engine', error);
        return false;
      }
    }),
    vscode.commands.registerCommand('torchExplorer.forgetEvaluation', (node?: ModelNode | vscode.Uri) => {
      store.forget(node instanceof vscode.Uri ? node : node?.uri);
    }),
  ];
}
