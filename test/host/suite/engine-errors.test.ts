// Evaluation errors in the Problems panel: a syntax error at its line, an exception raised while building a
// model at the raising line with the traceback's frames as related information; fixed and saved, they go.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { CommandOutcome } from '../../../src/extension/commands/command-support';
import type { ExploreResult } from '../../../src/extension/commands/explore-file';
import type { TorchExplorerApi } from '../../../src/extension/extension';
import { getApi, label, lineOf, until, workspaceUri, writeFile } from './helpers';
import { backToStatic } from './engine-helpers';

const ours = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Torch Explorer');

describe('Engine: errors as diagnostics', () => {
  let api: TorchExplorerApi;
  before(async () => { api = await getApi(); });
  after(async () => backToStatic(api));

  it('a syntax error shows a diagnostic at its line and an error item in the tree', async () => {
    const uri = workspaceUri('syntax_error.py');
    const outcome = await vscode.commands.executeCommand<CommandOutcome<ExploreResult>>('torchExplorer.exploreFile', uri);
    assert.ok(outcome.ok, outcome.message);
    assert.strictEqual(outcome.value.file.state, 'error');
    assert.strictEqual(outcome.value.file.error?.type, 'SyntaxError');
    const doc = await vscode.workspace.openTextDocument(uri);
    const diags = await until('the SyntaxError diagnostic', () => (ours(uri).length ? ours(uri) : undefined));
    assert.strictEqual(diags.length, 1);
    assert.strictEqual(diags[0].range.start.line, lineOf(doc, 'def forward(self, tokens)').line);
    assert.strictEqual(diags[0].severity, vscode.DiagnosticSeverity.Error);
    assert.match(diags[0].message, /^SyntaxError: /);
    const file = api.modelsTree.getChildren().find((n) => label(api, n) === 'syntax_error.py')!;
    const items = api.modelsTree.getChildren(file).map((n) => label(api, n));
    assert.match(items[0], /^SyntaxError: .*\(line 12\)$/);
    assert.deepStrictEqual(items.slice(1), ['Encoder', 'Tagger'], 'the static outline stays below the error');
    api.engine.store.forget(uri);
    await until('the diagnostic cleared', () => ours(uri).length === 0);
  });

  it('an exception while building a model points at the raising line, with the traceback frames', async () => {
    const uri = workspaceUri('broken_init.py');
    await writeFile(uri, [
      'import torch.nn as nn', '', '',
      'def check(width):', '    if width > 8:', '        raise ValueError(f"width {width} is too large")', '    return width', '', '',
      'class Broken(nn.Module):', '    def __init__(self, width=16):', '        super().__init__()',
      '        self.fc = nn.Linear(check(width), 2)', '',
    ].join('\n'));
    await api.refresh();
    const outcome = await vscode.commands.executeCommand<CommandOutcome<ExploreResult>>('torchExplorer.explore', uri, 'Broken');
    assert.ok(outcome.ok, outcome.message);
    assert.strictEqual(outcome.value.model?.state, 'error');
    const diags = await until('the ValueError diagnostic', () => (ours(uri).length ? ours(uri) : undefined));
    assert.strictEqual(diags.length, 1);
    assert.match(diags[0].message, /building Broken: ValueError: width 16 is too large/);
    assert.strictEqual(diags[0].range.start.line, 5, 'the raise statement');
    const related = diags[0].relatedInformation ?? [];
    assert.ok(related.some((r) => r.location.range.start.line === 12 && /__init__/.test(r.message)), related.map((r) => `${r.location.range.start.line} ${r.message}`).join('; '));
    // fixed and saved: the refresh after the save rebuilds the model and the diagnostic goes
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    await editor.edit((e) => e.replace(doc.lineAt(10).range, '    def __init__(self, width=4):'));
    await doc.save();
    await until('the model built after the fix', () => api.engine.store.model(uri, 'Broken')?.state === 'ready', 15000);
    await until('the diagnostic gone', () => ours(uri).length === 0);
    api.engine.store.forget(uri);
    await vscode.workspace.fs.delete(uri);
  });
});
