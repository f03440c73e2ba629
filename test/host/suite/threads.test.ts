// torchExplorer.threads inside a real extension host: changing it restarts the engine process with that many
// WASM kernel threads (reported in the status), forward passes run on them, and going back to one works.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { CommandOutcome } from '../../../src/extension/commands/command-support';
import { statusText } from '../../../src/extension/engine/engine-status';
import type { ForwardRun } from '../../../src/extension/engine/model-store';
import type { TorchExplorerApi } from '../../../src/extension/extension';
import { getApi, until, workspaceUri } from './helpers';
import { backToStatic } from './engine-helpers';

describe('Engine: kernel threads (torchExplorer.threads)', () => {
  let api: TorchExplorerApi;
  const settings = () => vscode.workspace.getConfiguration('torchExplorer');
  before(async () => { api = await getApi(); });
  after(async () => {
    await settings().update('threads', undefined, vscode.ConfigurationTarget.Global);
    await backToStatic(api);
  });

  async function forwardOnNet(): Promise<ForwardRun> {
    const outcome = await vscode.commands.executeCommand<CommandOutcome<ForwardRun>>('torchExplorer.runForward',
      { uri: workspaceUri('net.py'), entry: 'Net' }, { shape: [4, 3, 38, 38], summary: false });
    assert.ok(outcome.ok, outcome.message);
    return outcome.value;
  }

  it('restarts the engine on two threads when the setting asks, runs forward passes there, and goes back to one', async () => {
    await settings().update('threads', 2, vscode.ConfigurationTarget.Global);
    const two = await forwardOnNet();
    assert.deepStrictEqual(two.shapes.get(''), [4, 10]);
    await until('the engine to be ready', () => api.engine.service.status.state === 'ready');
    assert.strictEqual(api.engine.service.status.kernels, 'wasm-relaxedSimd-2threads');
    assert.match(statusText(api.engine.service.status).tooltip, /Kernels: wasm-relaxedSimd-2threads/);
    assert.strictEqual(api.engine.service.status.sandbox?.sandboxed, true);

    await settings().update('threads', 1, vscode.ConfigurationTarget.Global);
    const one = await forwardOnNet();
    assert.deepStrictEqual(one.shapes.get(''), [4, 10]);
    await until('the engine to be ready', () => api.engine.service.status.state === 'ready');
    assert.strictEqual(api.engine.service.status.kernels, 'wasm-relaxedSimd');
  });
});
