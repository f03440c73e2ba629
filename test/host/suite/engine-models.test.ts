// The Models view from the engine, inside a real extension host: examples/net.py evaluated in the engine
// process, its module tree and the six "View as" lists, source navigation both ways, forward pass shapes,
// and a generated 10,000-module model that stays cheap to show.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { CommandOutcome } from '../../../src/extension/commands/command-support';
import type { ForwardRun } from '../../../src/extension/engine/model-store';
import { RANGE_SIZE } from '../../../src/extension/engine/engine-tree';
import type { TorchExplorerApi } from '../../../src/extension/extension';
import type { InspectorPanel } from '../../../src/extension/inspector/inspector-panel';
import type { ModelNode } from '../../../src/extension/models-tree';
import { getApi, label, lineOf, until, workspaceUri, writeFile } from './helpers';
import { NET_MODULES, NET_PARAMETERS, NET_PARAMS, backToStatic, descendants, description, entryNode, explore, exploreNet } from './engine-helpers';

describe('Engine: the Models view from evaluated models', () => {
  let api: TorchExplorerApi;
  before(async () => { api = await getApi(); });
  after(async () => backToStatic(api));

  it('evaluates net.py: entries Net and model, the status bar engine is ready', async () => {
    const model = await exploreNet();
    assert.strictEqual(model.facts?.answer.totalParams, NET_PARAMS);
    const file = api.modelsTree.getChildren().find((n) => label(api, n) === 'net.py')!;
    assert.deepStrictEqual(api.modelsTree.getChildren(file).map((n) => label(api, n)), ['Net', 'model']);
    assert.match(description(api, file), /evaluated/);
    assert.strictEqual(description(api, entryNode(api, 'net.py', 'Net')), 'class · 75,839 params');
    assert.ok(['ready', 'busy'].includes(api.engine.service.status.state), api.engine.service.status.state);
    assert.strictEqual(api.modelsView.description, 'engine');
    assert.match(String(api.modelsView.message), /Net 75,839 params/);
  });

  it('shows the tree of named_children(): 15 modules in order, 2 children, 12 parameters and 6 buffers', async () => {
    const net = entryNode(api, 'net.py', 'Net');
    const children = api.modelsTree.getChildren(net);
    assert.deepStrictEqual(children.map((n) => label(api, n)), ['features', 'classifier']);
    const all = descendants(api, net);
    const modules = all.filter((n): n is ModelNode & { type: 'module' } => n.type === 'module');
    assert.deepStrictEqual(['', ...modules.map((n) => n.name)], NET_MODULES);
    const params = all.filter((n) => n.type === 'tensor' && api.modelsTree.getTreeItem(n).contextValue === 'engine.parameter');
    assert.deepStrictEqual(params.map((n) => (n.type === 'tensor' ? n.name : '')), NET_PARAMETERS);
    assert.strictEqual(all.filter((n) => api.modelsTree.getTreeItem(n).contextValue === 'engine.buffer').length, 6);
    const conv = modules.find((n) => n.name === 'features.4')!;
    const item = api.modelsTree.getTreeItem(conv);
    assert.strictEqual(item.label, '4');
    assert.strictEqual(item.description, 'Conv2d · 495 params');
    assert.strictEqual((item.iconPath as vscode.ThemeIcon).id, 'layers');
    assert.strictEqual(description(api, children[0]), 'Sequential · 693 params (own 0)');
    const weight = api.modelsTree.getChildren(conv)[0];
    assert.strictEqual(label(api, weight), 'weight');
    assert.strictEqual(description(api, weight), '[9, 6, 3, 3] float32');
    assert.strictEqual(api.modelsTree.getParent(weight)?.id, conv.id);
  });

  it('"View as" lists modules(), named_modules(), children(), parameters(), named_parameters(), state_dict() with their counts', async () => {
    const expected: Array<[string, number]> = [['modules', 15], ['named_modules', 15], ['children', 2], ['parameters', 12], ['named_parameters', 12], ['state_dict', 18]];
    for (const [mode, count] of expected) {
      assert.strictEqual(await vscode.commands.executeCommand('torchExplorer.viewAs', mode), mode);
      const items = api.modelsTree.getChildren(entryNode(api, 'net.py', 'Net'));
      assert.strictEqual(items.length, count, `${mode}() gives ${count} items`);
      assert.match(String(api.modelsView.message), new RegExp(`View as ${mode}\\(\\): Net ${count}`));
      assert.match(description(api, entryNode(api, 'net.py', 'Net')), new RegExp(`${mode}\\(\\) ${count}`));
      if (mode === 'named_modules') assert.deepStrictEqual(items.map((n) => label(api, n)), ["'' (root)", ...NET_MODULES.slice(1)]);
      if (mode === 'state_dict') assert.strictEqual(label(api, items[4]), 'features.1.running_mean');
      if (mode === 'modules') assert.strictEqual(description(api, items[2]), 'Conv2d(3, 6, kernel_size=(3, 3), stride=(1, 1))');
    }
    await vscode.commands.executeCommand('torchExplorer.viewAs', 'tree');
    assert.strictEqual(api.modelsTree.getChildren(entryNode(api, 'net.py', 'Net')).length, 2);
  });

  it('clicking a module reveals the line that built it; the cursor on that line reveals the module', async () => {
    const conv = descendants(api, entryNode(api, 'net.py', 'Net')).find((n) => n.type === 'module' && n.name === 'features.4')!;
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('torchExplorer.revealSource', conv);
    assert.ok(editor);
    const expected = lineOf(editor.document, 'nn.Conv2d(in_channels=6');
    assert.strictEqual(editor.selection.start.line, expected.line);
    const node = api.nodeAtLine(editor.document, expected.line);
    assert.ok(node && node.type === 'module', `found ${node?.type}`);
    assert.strictEqual(node.name, 'features.4');
    await api.modelsView.reveal(node, { select: true, focus: false, expand: false });
    await until('the module selected in the view', () => api.modelsView.selection[0]?.id === conv.id);
    // the cursor moving there selects it on its own (debounced) while the view is visible
    const classifier = lineOf(editor.document, 'self.classifier = nn.Sequential(');
    editor.selection = new vscode.Selection(classifier, classifier);
    await until('classifier selected by the cursor', () => api.modelsView.selection[0]?.type === 'module' &&
      (api.modelsView.selection[0] as { name: string }).name === 'classifier', 5000);
  });

  it('a forward pass puts output shapes and times into the tree and opens the summary', async () => {
    const outcome = await vscode.commands.executeCommand<CommandOutcome<ForwardRun>>('torchExplorer.runForward',
      entryNode(api, 'net.py', 'Net'), { shape: [1, 3, 38, 38] });
    assert.ok(outcome.ok, outcome.message);
    assert.deepStrictEqual(outcome.value.shapes.get(''), [1, 10]);
    assert.deepStrictEqual(outcome.value.shapes.get('features.0'), [1, 6, 36, 36]);
    assert.deepStrictEqual(outcome.value.shapes.get('features'), [1, 9, 8, 8]);
    const conv = descendants(api, entryNode(api, 'net.py', 'Net')).find((n) => n.type === 'module' && n.name === 'features.4')!;
    assert.match(description(api, conv), /^Conv2d · 495 params · → \[1, 9, 16, 16\] · \d+\.\d\d ms$/);
    assert.match(description(api, entryNode(api, 'net.py', 'Net')), /→ \[1, 10\]/);
    const panel = api.engine.forwardSummary();
    assert.ok(panel?.summary, 'the summary panel opened');
    assert.strictEqual(panel.summary.totalMultAdds, 419_624);
    const md = await vscode.commands.executeCommand<string>('torchExplorer.copyForwardSummary');
    assert.strictEqual(await vscode.env.clipboard.readText(), md);
    assert.match(md, /\| ├─Sequential: 1-1 \(`features`\) \| \[1, 9, 8, 8\] \| -- \| -- \|/);
    assert.match(md, /\| │ ├─Conv2d: 2-5 \(`features\.4`\) \| \[1, 9, 16, 16\] \| 495 \| 126,720 \|/);
    assert.match(md, /\| │ └─MaxPool2d: 2-8 \(`features\.7`\) \|/);
    assert.match(md, /\|   └─Linear: 2-4 \(`classifier\.3`\) \| \[1, 10\] \| 1,290 \| 1,290 \|/);
    assert.match(md, /Total params: 75,839/);
  });

  it('clicking a parameter opens it in the inspector with the engine\'s values', async () => {
    const weight = descendants(api, entryNode(api, 'net.py', 'Net')).find((n) => n.type === 'tensor' && n.name === 'features.0.weight')!;
    const item = api.modelsTree.getTreeItem(weight);
    assert.strictEqual(item.command?.command, 'torchExplorer.inspectEngineItem');
    const panel = await vscode.commands.executeCommand<InspectorPanel>(item.command.command, ...(item.command.arguments ?? []));
    assert.ok(panel && panel.target?.kind === 'tensor');
    const source = panel.target.source;
    assert.deepStrictEqual([...source.info.shape], [6, 3, 3, 3]);
    const model = api.engine.store.model(workspaceUri('net.py'), 'Net')!;
    const page = await api.engine.requests.tensorPage(await api.engine.store.live(model), 'features.0.weight', 10, 5);
    assert.deepStrictEqual([...(await source.read(10, 5))], [...new Float32Array(page.data)]);
    const conv = descendants(api, entryNode(api, 'net.py', 'Net')).find((n) => n.type === 'module' && n.name === 'features')!;
    const modulePanel = await vscode.commands.executeCommand<InspectorPanel>('torchExplorer.inspectEngineItem', conv);
    assert.ok(modulePanel.target?.kind === 'module');
    assert.strictEqual(modulePanel.target.module.methods.named_modules.count, 9);
    assert.strictEqual(modulePanel.target.module.methods.state_dict.count, 14);
    assert.strictEqual(modulePanel.target.module.parameters, 693);
    modulePanel.dispose();
  });

  it('refreshes after a save keeping ids, so expansion survives', async () => {
    const uri = workspaceUri('net.py');
    const before = api.modelsTree.getChildren(entryNode(api, 'net.py', 'Net')).map((n) => n.id);
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    const at = lineOf(doc, '    def forward');
    await editor.edit((e) => e.insert(new vscode.Position(at.line - 1, 0), '        self.head = nn.Linear(10, 2)\n'));
    await doc.save();
    const after = await until('`head` after the save', () => {
      const c = api.modelsTree.getChildren(entryNode(api, 'net.py', 'Net'));
      return c.length === 3 ? c : undefined;
    }, 15000);
    assert.deepStrictEqual(after.map((n) => label(api, n)), ['features', 'classifier', 'head']);
    assert.deepStrictEqual(after.slice(0, 2).map((n) => n.id), before);
    assert.strictEqual(api.engine.store.model(uri, 'Net')?.facts?.answer.totalParams, NET_PARAMS + 22);
    await editor.edit((e) => e.delete(new vscode.Range(at.line - 1, 0, at.line, 0)));
    await doc.save();
    await until('`head` gone again', () => api.modelsTree.getChildren(entryNode(api, 'net.py', 'Net')).length === 2, 15000);
  });

  it('a 10,000-module model is shown level by level, in ranges, quickly', async () => {
    const uri = workspaceUri('big_model.py');
    await writeFile(uri, [
      'import torch.nn as nn', '', '',
      'class Big(nn.Module):', '    def __init__(self):', '        super().__init__()',
      '        self.blocks = nn.ModuleList([nn.Sequential(*[nn.ReLU() for _ in range(99)]) for _ in range(100)])', '',
      '    def forward(self, x):', '        return x', '',
    ].join('\n'));
    await api.refresh();
    const model = await explore(uri, 'Big');
    assert.strictEqual(model.facts?.modules.length, 1 + 1 + 100 + 100 * 99);
    const started = Date.now();
    const big = entryNode(api, 'big_model.py', 'Big');
    const blocks = api.modelsTree.getChildren(big)[0];
    const sequentials = api.modelsTree.getChildren(blocks);
    assert.strictEqual(sequentials.length, 100, 'a ModuleList of 100 shows its 100 entries');
    const items = sequentials.map((n) => api.modelsTree.getTreeItem(n));
    assert.ok(items.every((i) => i.collapsibleState === vscode.TreeItemCollapsibleState.Collapsed));
    assert.strictEqual(api.modelsTree.getChildren(sequentials[42]).length, 99);
    assert.ok(Date.now() - started < 500, `took ${Date.now() - started} ms`);
    // flat lists are cut into ranges of RANGE_SIZE
    await vscode.commands.executeCommand('torchExplorer.viewAs', 'named_modules');
    const groups = api.modelsTree.getChildren(entryNode(api, 'big_model.py', 'Big'));
    assert.strictEqual(groups.length, Math.ceil(10_002 / RANGE_SIZE));
    assert.strictEqual(label(api, groups[1]), `[${RANGE_SIZE} … ${2 * RANGE_SIZE - 1}]`);
    assert.strictEqual(api.modelsTree.getChildren(groups[1]).length, RANGE_SIZE);
    assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
    await vscode.commands.executeCommand('torchExplorer.viewAs', 'tree');
    api.engine.store.forget(uri);
    await vscode.workspace.fs.delete(uri);
  });
});
