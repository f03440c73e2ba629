// The Models view, hovers and navigation, inside a real extension host, on a copy of examples/.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { TorchExplorerApi } from '../../../src/extension/extension';
import {
  childrenAt, EXTENSION_ID, getApi, hoverText, label, lineOf, nodeAt, refreshedAfter, until, workspaceUri, writeFile,
} from './helpers';

describe('Torch Explorer in the extension host', () => {
  let api: TorchExplorerApi;
  before(async () => {
    api = await getApi();
    // These tests are about the static outline: forget what earlier suites evaluated (suites share one window).
    await vscode.commands.executeCommand('torchExplorer.forgetEvaluation');
  });
  afterEach(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  it('activates and registers its commands', async () => {
    assert.ok(vscode.extensions.getExtension(EXTENSION_ID)?.isActive);
    const commands = await vscode.commands.getCommands(true);
    for (const c of ['torchExplorer.refreshModels', 'torchExplorer.revealSource', 'torchExplorer.revealInModels']) {
      assert.ok(commands.includes(c), `command ${c} is not registered`);
    }
    assert.strictEqual(api.modelsView.description, 'static outline');
  });

  it('lists examples/net.py with class Net and its children features, classifier in order', () => {
    const roots = api.modelsTree.getChildren().map((n) => label(api, n));
    assert.ok(roots.includes('net.py'), `model files: ${roots.join(', ')}`);
    assert.deepStrictEqual(childrenAt(api, 'net.py').map((n) => label(api, n)), ['Net', 'model']);
    const net = childrenAt(api, 'net.py', 'Net');
    assert.deepStrictEqual(net.map((n) => label(api, n)), ['features', 'classifier']);
    const features = api.modelsTree.getTreeItem(net[0]);
    assert.match(String(features.description), /^nn\.Sequential\(nn\.Conv2d\(in_channels=3/);
    assert.strictEqual((features.iconPath as vscode.ThemeIcon).id, 'list-tree');
    const inside = childrenAt(api, 'net.py', 'Net', 'features').map((n) => api.modelsTree.getTreeItem(n));
    assert.deepStrictEqual(inside.map((i) => i.label), ['0', '1', '2', '3', '4', '5', '6', '7']);
    assert.deepStrictEqual(inside.map((i) => (i.iconPath as vscode.ThemeIcon).id),
      ['layers', 'symbol-ruler', 'zap', 'fold-down', 'layers', 'symbol-ruler', 'zap', 'fold-down']);
    assert.strictEqual(inside[2].description, 'nn.ReLU(inplace=True)');
    assert.deepStrictEqual(childrenAt(api, 'net.py', 'Net', 'classifier').map((n) => api.modelsTree.getTreeItem(n).description),
      ['nn.Linear(9*8*8, 128)', 'nn.ReLU(inplace=True)', 'nn.Dropout()', 'nn.Linear(128, num_class)']);
    const tooltip = api.modelsTree.getTreeItem(net[0]).tooltip as vscode.MarkdownString;
    assert.match(tooltip.value, /Static outline.*engine.*trusted workspace/s);
  });

  it('hover on `self.features = nn.Sequential(` names Sequential and is marked static', async () => {
    const uri = workspaceUri('net.py');
    const doc = await vscode.workspace.openTextDocument(uri);
    const at = lineOf(doc, 'self.features = nn.Sequential(');
    const text = await hoverText(uri, at.translate(0, 'self.fea'.length));
    assert.match(text, /Sequential/);
    assert.match(text, /\*\*Net\*\* › \*\*features\*\*/);
    assert.match(text, /features\.7/);
    assert.match(text, /static outline/i);
  });

  it('hover on a layer inside Sequential and on the class name', async () => {
    const uri = workspaceUri('net.py');
    const doc = await vscode.workspace.openTextDocument(uri);
    const conv = await hoverText(uri, lineOf(doc, 'nn.Conv2d(in_channels=6').translate(0, 4));
    assert.match(conv, /features\.4/);
    assert.match(conv, /`nn\.Conv2d`/);
    assert.match(conv, /- `out_channels=9`/);
    const cls = await hoverText(uri, lineOf(doc, 'class Net').translate(0, 7));
    assert.match(cls, /class Net\*\*\(nn\.Module\)/);
    assert.match(cls, /`classifier`: nn\.Sequential/);
    const use = await hoverText(uri, lineOf(doc, 'model = Net()').translate(0, 9));
    assert.match(use, /class Net/);
    const blank = await hoverText(uri, lineOf(doc, 'import torch').translate(0, 8));
    assert.strictEqual(blank, '');
  });

  it('revealing an outline item selects its line in the editor', async () => {
    const node = nodeAt(api, 'net.py', 'Net', 'classifier');
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('torchExplorer.revealSource', node);
    assert.ok(editor);
    const active = vscode.window.activeTextEditor;
    assert.strictEqual(active?.document.uri.toString(), workspaceUri('net.py').toString());
    const expected = lineOf(active.document, 'self.classifier = nn.Sequential(');
    assert.strictEqual(active.selection.start.line, expected.line);
    assert.strictEqual(active.document.getText(active.selection), 'classifier');
  });

  it('the cursor on a layer line finds and reveals its Models item', async () => {
    const doc = await vscode.workspace.openTextDocument(workspaceUri('net.py'));
    await vscode.window.showTextDocument(doc);
    const node = api.nodeAtLine(doc, lineOf(doc, 'nn.MaxPool2d', 1).line);
    assert.ok(node && node.type === 'assignment');
    assert.deepStrictEqual(node.path.map((p) => p.name), ['features', '7']);
    await api.modelsView.reveal(node, { select: true, focus: false, expand: false });
    await until('the tree selection', () => api.modelsView.selection[0]?.id === node.id);
    assert.strictEqual(api.nodeAtLine(doc, lineOf(doc, 'def forward').line), undefined);
  });

  it('a file with a syntax error still yields its classes', async () => {
    const outline = await api.outline(workspaceUri('syntax_error.py'));
    assert.ok(outline);
    assert.ok(outline.errors.length > 0, 'tree-sitter should report the syntax error');
    assert.deepStrictEqual(outline.classes.map((c) => [c.name, c.assignments.map((a) => a.name)]),
      [['Encoder', ['embed', 'rnn']], ['Tagger', ['head']]]);
    const file = api.modelsTree.getChildren().find((n) => label(api, n) === 'syntax_error.py');
    assert.ok(file);
    assert.match(String(api.modelsTree.getTreeItem(file).description), /syntax errors/);
  });

  it('finds factories, instances, ModuleList entries and workspace classes used as layers', async () => {
    assert.deepStrictEqual(childrenAt(api, 'tiny_resnet.py').map((n) => label(api, n)), ['BasicBlock', 'TinyResNet', 'tiny_resnet()']);
    const factory = nodeAt(api, 'tiny_resnet.py', 'tiny_resnet()');
    assert.strictEqual(api.modelsTree.getTreeItem(factory).description, '→ TinyResNet');
    const layers = childrenAt(api, 'tiny_resnet.py', 'TinyResNet').map((n) => api.modelsTree.getTreeItem(n));
    assert.deepStrictEqual(layers.map((i) => [i.label, (i.iconPath as vscode.ThemeIcon).id]),
      [['stem', 'layers'], ['layers', 'list-tree'], ['pool', 'fold-down'], ['fc', 'symbol-operator']]);
  });

  it('resolves bases across files, skips non-model files and virtual environments', async () => {
    await writeFile(workspaceUri('heads', 'head.py'), [
      'import torch', 'import torch.nn as nn', 'from tiny_resnet import TinyResNet', '', '',
      'class WithHead(TinyResNet):', '    def __init__(self):', '        super().__init__()',
      '        self.scale: nn.Parameter = nn.Parameter(torch.ones(1))', '        self.buffer = torch.zeros(3)',
      '        self.helper = make_helper()', '        self.extra = nn.ModuleDict({"a": nn.Identity(), "b": nn.Tanh()})', '',
    ].join('\n'));
    await writeFile(workspaceUri('utils.py'), 'def add(a, b):\n    return a + b\n');
    await writeFile(workspaceUri('.venv', 'lib', 'site-packages', 'pkg', 'layers.py'),
      'import torch.nn as nn\nclass Hidden(nn.Module):\n    pass\n');
    await api.refresh();
    const roots = api.modelsTree.getChildren().map((n) => label(api, n));
    assert.ok(roots.includes('head.py'), roots.join(', '));
    assert.ok(!roots.includes('utils.py') && !roots.includes('layers.py'), roots.join(', '));
    const head = childrenAt(api, 'head.py', 'WithHead').map((n) => api.modelsTree.getTreeItem(n));
    assert.deepStrictEqual(head.map((i) => [i.label, (i.iconPath as vscode.ThemeIcon).id]),
      [['scale', 'symbol-numeric'], ['extra', 'list-tree']]);
    assert.deepStrictEqual(childrenAt(api, 'head.py', 'WithHead', 'extra').map((n) => label(api, n)), ['a', 'b']);
  });

  it('refreshes after a save (debounced) and keeps item ids, so expansion survives', async () => {
    const uri = workspaceUri('edited.py');
    await writeFile(uri, (await vscode.workspace.fs.readFile(workspaceUri('net.py'))).toString().replace('class Net', 'class Edited'));
    await api.refresh();
    const before = childrenAt(api, 'edited.py', 'Edited').map((n) => n.id);
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    const at = lineOf(doc, '    def forward');
    await editor.edit((e) => e.insert(new vscode.Position(at.line - 1, 0), '        self.head = nn.Linear(10, 2)\n'));
    assert.deepStrictEqual(childrenAt(api, 'edited.py', 'Edited').length, 2, 'unsaved edits must not change the tree');
    // the save, not a file-watcher rescan of the earlier writes, must bring `head`: wait for it, not for one event
    await refreshedAfter(api, () => doc.save());
    const after = await until('`head` in the tree after the save', () => {
      const c = childrenAt(api, 'edited.py', 'Edited');
      return c.length === 3 ? c : undefined;
    });
    assert.deepStrictEqual(after.map((n) => label(api, n)), ['features', 'classifier', 'head']);
    assert.deepStrictEqual(after.slice(0, 2).map((n) => n.id), before);
  });
});
