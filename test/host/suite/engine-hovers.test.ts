// Hovers from evaluated models (vscode.executeHoverProvider): `self.x = ...` lines and uses, constructor
// calls, class names, state-dict key strings, and a line that built several modules (a comprehension).
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { TorchExplorerApi } from '../../../src/extension/extension';
import { getApi, hoverText, lineOf, workspaceUri, writeFile } from './helpers';
import { backToStatic, explore, exploreNet } from './engine-helpers';

describe('Engine: hovers with evaluated facts', () => {
  let api: TorchExplorerApi;
  let net: vscode.TextDocument;
  before(async () => {
    api = await getApi();
    const model = await exploreNet();
    const run = await vscode.commands.executeCommand<{ ok: boolean; message: string }>('torchExplorer.runForward', model.file.uri.with({}),
      { shape: [1, 3, 38, 38], summary: false });
    assert.ok(run.ok, run.message);
    net = await vscode.workspace.openTextDocument(workspaceUri('net.py'));
  });
  after(async () => backToStatic(api));

  it('on `self.features = nn.Sequential(`: qualified name, repr, counts and output shape', async () => {
    const text = await hoverText(net.uri, lineOf(net, 'self.features = nn.Sequential(').translate(0, 'self.fea'.length));
    assert.match(text, /\*\*Net\*\* › \*\*features\*\* · `Sequential` · 693 params \(own 0\) · output \[1, 9, 8, 8\] \*\(engine\)\*/);
    assert.match(text, /\(4\): Conv2d\(6, 9, kernel_size=\(3, 3\), stride=\(1, 1\)\)/);
    assert.doesNotMatch(text, /static outline/);
  });

  it('on a constructor call inside Sequential: that module and its parameter shapes', async () => {
    const text = await hoverText(net.uri, lineOf(net, 'nn.Conv2d(in_channels=6').translate(0, 'nn.Con'.length));
    assert.match(text, /\*\*Net\*\* › \*\*features\.4\*\* · `Conv2d` · 495 params · output \[1, 9, 16, 16\]/);
    assert.match(text, /- `features\.4\.weight` \[9, 6, 3, 3\] float32/);
    assert.match(text, /- `features\.4\.bias` \[9\] float32/);
  });

  it('on a use `self.classifier(...)` in forward, on the class name and on `model = Net()`', async () => {
    const use = await hoverText(net.uri, lineOf(net, 'output = self.classifier(output)').translate(0, 'output = self.clas'.length));
    assert.match(use, /\*\*Net\*\* › \*\*classifier\*\* · `Sequential` · 75,146 params \(own 0\) · output \[1, 10\]/);
    const cls = await hoverText(net.uri, lineOf(net, 'class Net').translate(0, 7));
    assert.match(cls, /\*\*Net\*\* › \*\*\(root\)\*\* · `Net` · 75,839 params/);
    const instance = await hoverText(net.uri, lineOf(net, 'model = Net()').translate(0, 9));
    assert.match(instance, /`Net` · 75,839 params/);
    assert.strictEqual(await hoverText(net.uri, lineOf(net, 'import torch').translate(0, 8)), '');
  });

  it('on a state-dict key string: the tensor, its shape and owner', async () => {
    const uri = workspaceUri('keys.py');
    await writeFile(uri, 'WEIGHT = "features.0.weight"\nSTATS = "features.5.running_var"\nNOT_A_KEY = "features.9.weight"\n');
    const doc = await vscode.workspace.openTextDocument(uri);
    const weight = await hoverText(uri, lineOf(doc, 'features.0.weight').translate(0, 3));
    assert.match(weight, /\*\*`features\.0\.weight`\*\* · state_dict entry of \*\*Net\*\* · parameter/);
    assert.match(weight, /\[6, 3, 3, 3\] · float32 · 162 values/);
    assert.match(weight, /owned by `features\.0` \(Conv2d\) built at net\.py:\d+/);
    const stats = await hoverText(uri, lineOf(doc, 'running_var').translate(0, 3));
    assert.match(stats, /state_dict entry of \*\*Net\*\* · buffer/);
    assert.match(stats, /\[9\] · float32 · 9 values/);
    assert.strictEqual(await hoverText(uri, lineOf(doc, 'features.9.weight').translate(0, 3)), '');
    await vscode.workspace.fs.delete(uri);
  });

  it('a line that built several modules (a comprehension) lists them', async () => {
    await explore(workspaceUri('tiny_resnet.py'), 'TinyResNet');
    const doc = await vscode.workspace.openTextDocument(workspaceUri('tiny_resnet.py'));
    const loop = await hoverText(doc.uri, lineOf(doc, 'self.layers = nn.ModuleList(').translate(0, 'self.lay'.length));
    assert.match(loop, /\*\*3 modules\*\* from line \d+/);
    for (const name of ['layers', 'layers.0', 'layers.1']) assert.match(loop, new RegExp(`\\*\\*TinyResNet\\*\\* › \`${name.replace('.', '\\.')}\``));
    const conv1 = await hoverText(doc.uri, lineOf(doc, 'self.conv1 = nn.Conv2d(').translate(0, 'self.con'.length));
    assert.match(conv1, /\*\*2 modules\*\*/);
    assert.match(conv1, /`layers\.0\.conv1` · Conv2d · 2,304 params/);
    assert.match(conv1, /`layers\.1\.conv1` · Conv2d · 2,304 params/);
    // BasicBlock as a class name: its two instances
    const block = await hoverText(doc.uri, lineOf(doc, 'class BasicBlock').translate(0, 8));
    assert.match(block, /\*\*2 modules\*\* from class `BasicBlock`/);
  });
});
