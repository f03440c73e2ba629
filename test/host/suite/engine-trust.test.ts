// Restricted Mode (trust injected through the engine service): nothing runs, the engine process is never
// started, the Models view keeps the static outline and says why, CodeLens and hovers stay static.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { CommandOutcome } from '../../../src/extension/commands/command-support';
import { RESTRICTED_REASON, type EngineState } from '../../../src/extension/engine/engine-service';
import type { TorchExplorerApi } from '../../../src/extension/extension';
import { childrenAt, getApi, hoverText, label, lineOf, workspaceUri } from './helpers';
import { backToStatic } from './engine-helpers';

describe('Engine: Restricted Mode runs nothing', () => {
  let api: TorchExplorerApi;
  const states: EngineState[] = [];
  let sub: vscode.Disposable | undefined;
  before(async () => {
    api = await getApi();
    api.engine.store.forget();
    api.engine.service.setTrustOverride(false);
    sub = api.engine.service.onDidChangeStatus((s) => states.push(s.state));
  });
  after(async () => {
    sub?.dispose();
    await backToStatic(api);
  });

  it('says why in the view and the status bar', () => {
    assert.strictEqual(api.engine.service.status.state, 'restricted');
    assert.strictEqual(api.modelsView.message, RESTRICTED_REASON);
    assert.strictEqual(api.modelsView.description, 'static outline');
  });

  it('commands refuse without starting the engine; the tree stays the static outline', async () => {
    const generation = api.engine.service.generation;
    const uri = workspaceUri('net.py');
    for (const [command, args] of [['torchExplorer.explore', [uri, 'Net']], ['torchExplorer.exploreFile', [uri]],
      ['torchExplorer.chooseEntry', [uri, { entry: 'Net', kwargs: {} }]]] as const) {
      const outcome = await vscode.commands.executeCommand<CommandOutcome<unknown>>(command, ...args);
      assert.ok(!outcome.ok, `${command} must not run`);
      assert.match(outcome.message, /Restricted Mode/);
    }
    assert.ok(!states.includes('starting') && !states.includes('busy'), `engine states seen: ${states.join(', ')}`);
    assert.strictEqual(api.engine.service.generation, generation);
    assert.strictEqual(api.engine.store.exploredFiles().length, 0);
    const net = childrenAt(api, 'net.py', 'Net');
    assert.deepStrictEqual(net.map((n) => [n.type, label(api, n)]), [['assignment', 'features'], ['assignment', 'classifier']]);
    await assert.rejects(api.engine.service.request('ping', {}), /Restricted Mode/);
  });

  it('CodeLens and hovers stay static', async () => {
    const uri = workspaceUri('net.py');
    await vscode.workspace.openTextDocument(uri); // CodeLens is asked of open documents only
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    assert.deepStrictEqual(lenses.map((l) => l.command?.title), ['Explore (Restricted Mode: outline only)']);
    const doc = await vscode.workspace.openTextDocument(uri);
    const text = await hoverText(uri, lineOf(doc, 'self.features = nn.Sequential(').translate(0, 8));
    assert.match(text, /static outline/);
    assert.doesNotMatch(text, /\(engine\)/);
  });

  it('trusting the workspace lifts the gate', () => {
    api.engine.service.setTrustOverride(true);
    assert.notStrictEqual(api.engine.service.status.state, 'restricted');
    assert.strictEqual(api.engine.service.gateReason(), undefined);
    assert.doesNotMatch(String(api.modelsView.message), /Restricted Mode/);
  });
});
