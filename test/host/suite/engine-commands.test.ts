// The engine commands end to end, driven by arguments instead of QuickPicks: choose an entry with keyword
// arguments, forward from a .npy file, load a state dict (mismatches as diagnostics), export (read back),
// edit / prune / remove pruning / reset, CodeLens, and cancelling a running request.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { CommandOutcome } from '../../../src/extension/commands/command-support';
import { parseKwargs } from '../../../src/extension/commands/choose-entry';
import type { LoadOutcome } from '../../../src/extension/commands/load-state-dict';
import { parseShape } from '../../../src/extension/commands/run-forward';
import type { ForwardRun, LoadedModel } from '../../../src/extension/engine/model-store';
import type { TorchExplorerApi } from '../../../src/extension/extension';
import { openCheckpointFile } from '../../../src/formats/files-node';
import { readSafetensors, writeNpy } from '../../../src/formats';
import { getApi, lineOf, until, workspaceUri, writeFile } from './helpers';
import { NET_PARAMS, backToStatic, entryNode, exploreNet } from './engine-helpers';

type Outcome<T> = CommandOutcome<T>;

async function values(api: TorchExplorerApi, model: LoadedModel, key: string): Promise<Uint8Array> {
  const rec = model.facts!.answer.stateDict.find((t) => t.name === key)!;
  const handle = await api.engine.store.live(model);
  const page = await api.engine.requests.tensorPage(handle, key, 0, rec.shape.reduce((a, b) => a * b, 1));
  return new Uint8Array(page.data); // little-endian, int64 as 64-bit integers: as files store them
}

describe('Engine: commands', () => {
  let api: TorchExplorerApi;
  before(async () => { api = await getApi(); });
  after(async () => backToStatic(api));

  it('parses keyword arguments and shapes as typed', () => {
    assert.deepStrictEqual(parseKwargs('{"num_class": 3}').kwargs, { num_class: 3 });
    assert.deepStrictEqual(parseKwargs('"num_class": 3').kwargs, { num_class: 3 });
    assert.deepStrictEqual(parseKwargs('').kwargs, {});
    assert.match(parseKwargs('[1, 2]').error!, /JSON object/);
    assert.match(parseKwargs('{num_class: 3}').error!, /Not JSON/);
    assert.deepStrictEqual(parseShape('[1, 3, 38, 38]').shape, [1, 3, 38, 38]);
    assert.deepStrictEqual(parseShape('2x3').shape, [2, 3]);
    assert.match(parseShape('1, -3').error!, /not a shape/);
  });

  it('chooses an entry with keyword arguments; CodeLens shows the parameter count', async () => {
    const uri = workspaceUri('net.py');
    const outcome = await vscode.commands.executeCommand<Outcome<LoadedModel>>('torchExplorer.chooseEntry', uri, { entry: 'Net', kwargs: { num_class: 5 } });
    assert.ok(outcome.ok, outcome.message);
    assert.strictEqual(outcome.value.facts?.answer.totalParams, NET_PARAMS - 645);
    assert.deepStrictEqual(outcome.value.facts?.stateDictEntry('classifier.3.weight')?.shape, [5, 128]);
    await vscode.workspace.openTextDocument(uri); // CodeLens is asked of open documents only
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    assert.deepStrictEqual(lenses.map((l) => l.command?.title), ['Explore · 75,194 params']);
    assert.deepStrictEqual(lenses[0].command?.arguments?.[1], 'Net');
    const bad = await vscode.commands.executeCommand<Outcome<LoadedModel>>('torchExplorer.chooseEntry', uri, { entry: 'Nope', kwargs: {} });
    assert.ok(!bad.ok);
    assert.match(bad.message, /has no entry Nope/);
  });

  it('load_state_dict mismatches become diagnostics at the line that built the module', async () => {
    const net = workspaceUri('net.py');
    const outcome = await vscode.commands.executeCommand<Outcome<LoadOutcome>>('torchExplorer.loadStateDict',
      { uri: net, entry: 'Net' }, { file: workspaceUri('weights', 'net.safetensors') });
    assert.ok(outcome.ok, outcome.message);
    const { check } = outcome.value;
    assert.deepStrictEqual(check.size_mismatches.map((m) => m.key), ['classifier.3.weight', 'classifier.3.bias']);
    assert.strictEqual(check.size_mismatches[0].message,
      'size mismatch for classifier.3.weight: copying a param with shape torch.Size([10, 128]) from checkpoint, the shape in current model is torch.Size([5, 128]).');
    assert.match(outcome.value.notLoaded!, /^Error\(s\) in loading state_dict for Net:/);
    const doc = await vscode.workspace.openTextDocument(net);
    const line = lineOf(doc, 'nn.Linear(128, num_class)').line;
    const diags = await until('load diagnostics', () => {
      const d = vscode.languages.getDiagnostics(net).filter((x) => x.code === 'load_state_dict');
      return d.length === 2 ? d : undefined;
    });
    assert.deepStrictEqual(diags.map((d) => d.range.start.line), [line, line]);
    assert.match(diags[0].message, /size mismatch for classifier\.3\.weight/);
  });

  it('loads a matching state dict (net.pt); the values in the engine are the file\'s', async () => {
    const net = workspaceUri('net.py');
    await vscode.commands.executeCommand('torchExplorer.chooseEntry', net, { entry: 'Net', kwargs: {} });
    const outcome = await vscode.commands.executeCommand<Outcome<LoadOutcome>>('torchExplorer.loadStateDict',
      { uri: net, entry: 'Net' }, { file: workspaceUri('weights', 'net.pt') });
    assert.ok(outcome.ok, outcome.message);
    assert.deepStrictEqual(outcome.value.check, { missing_keys: [], unexpected_keys: [], size_mismatches: [], error: null });
    assert.strictEqual(vscode.languages.getDiagnostics(net).filter((x) => x.code === 'load_state_dict').length, 0);
    assert.ok(outcome.value.loaded, outcome.value.notLoaded);
    const file = readSafetensors(await vscode.workspace.fs.readFile(workspaceUri('weights', 'net.safetensors')));
    for (const key of ['features.0.weight', 'features.1.running_var', 'features.1.num_batches_tracked', 'classifier.3.bias']) {
      assert.deepStrictEqual(await values(api, outcome.value.model, key), new Uint8Array(file.tensors.get(key)!.bytes), key);
    }
    assert.ok(outcome.value.model.modified);
  });

  it('exports the state dict as safetensors and as a float16 .pt, read back', async () => {
    const model = api.engine.store.model(workspaceUri('net.py'), 'Net')!;
    const target = workspaceUri('exported.safetensors');
    const outcome = await vscode.commands.executeCommand<Outcome<{ keys: number }>>('torchExplorer.exportStateDict', { uri: model.file.uri, entry: 'Net' }, { file: target.fsPath });
    assert.ok(outcome.ok, outcome.message);
    const back = readSafetensors(await vscode.workspace.fs.readFile(target));
    assert.deepStrictEqual([...back.tensors.keys()].sort(), model.facts!.answer.stateDict.map((t) => t.name).sort());
    assert.deepStrictEqual(back.tensors.get('features.1.num_batches_tracked')?.dtype, 'int64');
    for (const key of ['features.0.weight', 'classifier.3.bias', 'features.1.num_batches_tracked']) {
      assert.deepStrictEqual(new Uint8Array(back.tensors.get(key)!.bytes), await values(api, model, key), key);
    }
    const half = workspaceUri('exported-half.pt');
    const halfOutcome = await vscode.commands.executeCommand<Outcome<{ converted: string[] }>>('torchExplorer.exportStateDict',
      { uri: model.file.uri, entry: 'Net' }, { file: half.fsPath, dtype: 'float16' });
    assert.ok(halfOutcome.ok, halfOutcome.message);
    const opened = openCheckpointFile(half.fsPath);
    try {
      const tensors = opened.stateDicts[0].tensors;
      assert.strictEqual(tensors.size, 18);
      assert.strictEqual(tensors.get('features.0.weight')?.dtype, 'float16');
      assert.strictEqual(tensors.get('features.5.num_batches_tracked')?.dtype, 'int64');
    } finally {
      opened.close();
    }
    const refused = await vscode.commands.executeCommand<Outcome<unknown>>('torchExplorer.exportStateDict', { uri: model.file.uri, entry: 'Net' },
      { file: workspaceUri('exported.txt').fsPath });
    assert.ok(!refused.ok);
    assert.match(refused.message, /\.safetensors, \.pt or \.pth/);
  });

  it('runs a forward pass on the values of a .npy file', async () => {
    const npy = workspaceUri('input.npy');
    const values = new Float32Array(2 * 3 * 38 * 38).map((_, i) => Math.sin(i));
    await vscode.workspace.fs.writeFile(npy, writeNpy({ dtype: 'float32', shape: [2, 3, 38, 38], bytes: new Uint8Array(values.buffer) }));
    const outcome = await vscode.commands.executeCommand<Outcome<ForwardRun>>('torchExplorer.runForward',
      { uri: workspaceUri('net.py'), entry: 'Net' }, { npy, summary: false });
    assert.ok(outcome.ok, outcome.message);
    assert.deepStrictEqual(outcome.value.shapes.get(''), [2, 10]);
    assert.match(outcome.value.inputLabel, /input\.npy \[2, 3, 38, 38\] float32/);
  });

  it('edits a parameter (whole and a slice) and undoes the edits byte for byte', async () => {
    const target = { uri: workspaceUri('net.py'), entry: 'Net' };
    const model = api.engine.store.model(workspaceUri('net.py'), 'Net')!;
    const bias = await values(api, model, 'features.0.bias');
    const weight = await values(api, model, 'features.0.weight');
    const zero = await vscode.commands.executeCommand<Outcome<{ changed: number }>>('torchExplorer.editParameter', target, { name: 'features.0.bias', op: 'zero' });
    assert.ok(zero.ok, zero.message);
    assert.strictEqual(zero.value.changed, 6);
    assert.ok((await values(api, model, 'features.0.bias')).every((b) => b === 0));
    const slice = await vscode.commands.executeCommand<Outcome<{ changed: number }>>('torchExplorer.editParameter', target,
      { name: 'features.0.weight', op: 'set', index: '0, :, 1:3', value: 0.5 });
    assert.ok(slice.ok, slice.message);
    assert.strictEqual(slice.value.changed, 3 * 3 * 2);
    const w = new Float32Array((await values(api, model, 'features.0.weight')).buffer); // [6, 3, 3, 3]
    const original = new Float32Array(weight.slice().buffer);
    for (let i = 0; i < w.length; i++) {
      const inSlice = i < 27 && i % 9 >= 3; // [0, :, 1:3] of [6, 3, 3, 3]: rows 1-2 of every kernel of channel 0
      assert.strictEqual(w[i], inSlice ? 0.5 : original[i], `element ${i}`);
    }
    const bad = await vscode.commands.executeCommand<Outcome<unknown>>('torchExplorer.editParameter', target, { name: 'features.0.weight', op: 'set', index: '7', value: 1 });
    assert.ok(!bad.ok);
    assert.match(bad.message, /out of bounds/);
    const undo1 = await vscode.commands.executeCommand<Outcome<string>>('torchExplorer.undoParameterEdit', target);
    assert.ok(undo1.ok, undo1.message);
    assert.match(undo1.value, /features\.0\.weight\[0, :, 1:3\]/);
    assert.deepStrictEqual(await values(api, model, 'features.0.weight'), weight);
    const undo2 = await vscode.commands.executeCommand<Outcome<string>>('torchExplorer.undoParameterEdit', target);
    assert.ok(undo2.ok, undo2.message);
    assert.deepStrictEqual(await values(api, model, 'features.0.bias'), bias);
    const none = await vscode.commands.executeCommand<Outcome<string>>('torchExplorer.undoParameterEdit', target);
    assert.ok(!none.ok);
    assert.match(none.message, /nothing left to undo/);
  });

  it('prunes (keys weight_orig / weight_mask in the tree and in an exported file), removes pruning, resets', async () => {
    const target = { uri: workspaceUri('net.py'), entry: 'Net' };
    const model = api.engine.store.model(workspaceUri('net.py'), 'Net')!;
    const weight = new Float32Array((await values(api, model, 'features.0.weight')).slice().buffer);
    const pruned = await vscode.commands.executeCommand<Outcome<{ sparsity: Array<{ zeros: number; numel: number }> }>>('torchExplorer.prune', target,
      { method: 'l1_unstructured', amount: 0.5, targets: [{ module: 'features.0', name: 'weight' }] });
    assert.ok(pruned.ok, pruned.message);
    assert.deepStrictEqual(pruned.value.sparsity.map((s) => [s.zeros, s.numel]), [[81, 162]]);
    const keys = () => api.engine.store.model(workspaceUri('net.py'), 'Net')!.facts!.answer.stateDict.map((t) => t.name);
    assert.deepStrictEqual(keys().slice(0, 3), ['features.0.bias', 'features.0.weight_orig', 'features.0.weight_mask']);
    const mask = new Float32Array((await values(api, model, 'features.0.weight_mask')).slice().buffer);
    const cut = Math.max(...[...weight].filter((_, i) => mask[i] === 0).map(Math.abs));
    assert.ok([...weight].every((v, i) => mask[i] === 1 || Math.abs(v) <= cut) && [...weight].filter((v, i) => mask[i] === 1).every((v) => Math.abs(v) >= cut));
    const file = workspaceUri('pruned.safetensors');
    const exported = await vscode.commands.executeCommand<Outcome<unknown>>('torchExplorer.exportStateDict', target, { file: file.fsPath });
    assert.ok(exported.ok, exported.message);
    const back = readSafetensors(await vscode.workspace.fs.readFile(file));
    assert.ok(back.tensors.has('features.0.weight_orig') && back.tensors.has('features.0.weight_mask') && !back.tensors.has('features.0.weight'));
    assert.deepStrictEqual(new Uint8Array(back.tensors.get('features.0.weight_mask')!.bytes), await values(api, model, 'features.0.weight_mask'));
    await vscode.workspace.fs.delete(file);

    const removed = await vscode.commands.executeCommand<Outcome<{ removed: number }>>('torchExplorer.removePruning', target, {});
    assert.ok(removed.ok, removed.message);
    assert.strictEqual(removed.value.removed, 1);
    assert.ok(keys().includes('features.0.weight') && !keys().some((k) => k.endsWith('_mask')));
    const baked = new Float32Array((await values(api, model, 'features.0.weight')).slice().buffer);
    assert.deepStrictEqual([...baked], [...weight].map((v, i) => v * mask[i])); // -0 where a negative value was pruned, as in PyTorch

    const global = await vscode.commands.executeCommand<Outcome<{ sparsity: Array<{ zeros: number; numel: number }> }>>('torchExplorer.prune', target,
      { method: 'l1_unstructured', amount: 0.2, global: true });
    assert.ok(global.ok, global.message);
    assert.strictEqual(global.value.sparsity.length, 4); // 2 convolutions, 2 linear layers
    const all = global.value.sparsity.reduce((n, s) => n + s.numel, 0);
    assert.strictEqual(global.value.sparsity.reduce((n, s) => n + s.zeros, 0), Math.round(0.2 * all));
    const removedAll = await vscode.commands.executeCommand<Outcome<{ removed: number }>>('torchExplorer.removePruning', target, {});
    assert.ok(removedAll.ok, removedAll.message);
    assert.strictEqual(removedAll.value.removed, 4);

    const before = await values(api, model, 'features.4.weight');
    const reset = await vscode.commands.executeCommand<Outcome<{ reset: string[] }>>('torchExplorer.resetParameters', target, { module: 'features', seed: 0 });
    assert.ok(reset.ok, reset.message);
    assert.deepStrictEqual(reset.value.reset, ['features.0', 'features.1', 'features.4', 'features.5']);
    assert.notDeepStrictEqual(await values(api, model, 'features.4.weight'), before);
    const bn = new Float32Array((await values(api, model, 'features.1.running_var')).slice().buffer);
    assert.ok(bn.every((v) => v === 1)); // BatchNorm.reset_parameters resets the running statistics too
  });

  it('cancelling a long evaluation stops the engine; the next request starts a new process', async () => {
    const uri = workspaceUri('slow.py');
    await writeFile(uri, 'import torch.nn as nn\n\n\nclass Slow(nn.Module):\n    def __init__(self):\n        super().__init__()\n        while True:\n            pass\n');
    const generation = api.engine.service.generation;
    const cancel = new vscode.CancellationTokenSource();
    const started = Date.now();
    const pending = api.engine.store.load(uri, 'Slow', {}, { token: cancel.token });
    setTimeout(() => cancel.cancel(), 1500);
    const result = await pending.then((m) => `resolved: ${m.state} ${m.error?.type}: ${m.error?.message} / ${m.file.error?.message}`, (e: Error) => e);
    assert.ok(result instanceof Error && /Cancelled/.test(result.message), String(result));
    assert.ok(Date.now() - started < 4000, `cancelled after ${Date.now() - started} ms`);
    assert.ok(api.engine.service.generation > generation, 'the engine process was replaced');
    const again = await exploreNet();
    assert.strictEqual(again.facts?.answer.totalParams, NET_PARAMS);
    assert.ok(entryNode(api, 'net.py', 'Net'));
    await vscode.workspace.fs.delete(uri);
  });
});
