// The checkpoint viewer and the parameter inspector inside a real extension host, on the example weights of
// examples/weights (a copy of examples/ is the workspace). Expected values are computed here from the files.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { TorchExplorerApi } from '../../../src/extension/extension';
import { treeKeys } from '../../../src/extension/checkpoint-editor/checkpoint-editor';
import type { InspectorPanel } from '../../../src/extension/inspector/inspector-panel';
import { pythonLiteral } from '../../../src/extension/inspector/python-literal';
import { memoryTensorSource } from '../../../src/extension/inspector/tensor-source';
import { CancelledError, computeStats } from '../../../src/extension/inspector/tensor-stats';
import { readSafetensors, stateDictObject, torchSaveBytes, writeSafetensors, type RawTensor, type SaveValue } from '../../../src/formats';
import type { InspectorMessage, InspectorMessageType, InspectorRequest } from '../../../src/protocol/inspector';
import { getApi, until, workspaceUri } from './helpers';
import { moduleOfNet } from './net-module';

const VIEWER = 'torchExplorer.checkpointViewer';
const closeAll = () => vscode.commands.executeCommand('workbench.action.closeAllEditors');

async function weights(): Promise<Map<string, RawTensor>> {
  return readSafetensors(await vscode.workspace.fs.readFile(workspaceUri('weights', 'net.safetensors'))).tensors;
}
const floats = (t: RawTensor) => new Float32Array(new Uint8Array(t.bytes).buffer); // a copy: the file's bytes may be a Node Buffer

function expectedStats(values: Float32Array) {
  let min = Infinity, max = -Infinity, sum = 0, zeros = 0;
  for (const v of values) { min = Math.min(min, v); max = Math.max(max, v); sum += v; if (v === 0) zeros++; }
  const mean = sum / values.length;
  let m2 = 0;
  for (const v of values) m2 += (v - mean) ** 2;
  return { min, max, mean, std: Math.sqrt(m2 / (values.length - 1)), zeros };
}

const close = (actual: number | undefined, expected: number, what: string) =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= 1e-9 + 1e-6 * Math.abs(expected), `${what}: ${actual} != ${expected}`);

/** The newest message of a type the panel sent about its current tensor (waits for it). */
async function answer<T extends InspectorMessageType>(panel: InspectorPanel, type: T, match: (m: InspectorMessage & { type: T }) => boolean = () => true) {
  return until(`the inspector's ${type} message`, () => [...panel.history].reverse().map((h) => h.message)
    .find((m): m is InspectorMessage & { type: T } => m.type === type && 'tensorId' in m && m.tensorId === panel.tensorId && match(m as InspectorMessage & { type: T })), 10000);
}

async function rendered(panel: InspectorPanel, part: string): Promise<void> {
  await until(`the webview to draw its ${part}`, () => panel.history.some(({ dir, message }) => dir === 'in' &&
    (message as InspectorRequest).type === 'rendered' && (message as { part: string; tensorId: number }).part === part &&
    (message as { tensorId: number }).tensorId === panel.tensorId), 10000);
}

async function openViewer(api: TorchExplorerApi, uri: vscode.Uri) {
  let shown = false;
  const sub = api.checkpoints.onDidShow((d) => { if (d.uri.toString() === uri.toString()) shown = true; });
  try {
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEWER);
    // A webview closed while loading can leave the next one blank for 10-30 s (VS Code's service worker): wait long.
    await until(`the viewer's webview to draw ${uri.path}`, () => shown, 45000);
  } finally {
    sub.dispose();
  }
  const document = api.checkpoints.document(uri);
  assert.ok(document, `no checkpoint document for ${uri.path}`);
  return document;
}

describe('Checkpoint viewer and parameter inspector', () => {
  let api: TorchExplorerApi;
  before(async () => { api = await getApi(); });
  afterEach(closeAll);

  it('opens .safetensors with the viewer by default, .pt only when asked', async () => {
    const associations = vscode.workspace.getConfiguration('workbench').get<Record<string, string>>('editorAssociations');
    assert.strictEqual(associations?.['*.safetensors'], VIEWER);
    await vscode.commands.executeCommand('vscode.open', workspaceUri('weights', 'net.safetensors'));
    await until('the viewer to be the active tab', () => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return input instanceof vscode.TabInputCustom && input.viewType === VIEWER;
    }, 10000);
    assert.ok((await vscode.commands.getCommands(true)).includes('torchExplorer.openCheckpoint'));
  });

  it('shows net.safetensors as a tree grouped by key prefix, in file order, with totals', async () => {
    const uri = workspaceUri('weights', 'net.safetensors');
    await openViewer(api, uri);
    const view = api.checkpoints.view(uri);
    assert.ok(view);
    const file = await weights();
    assert.strictEqual(view.format, 'safetensors');
    assert.deepStrictEqual(view.tree.map((n) => n.name), ['features', 'classifier']);
    const [features, classifier] = view.tree;
    assert.deepStrictEqual(features.children.map((n) => n.name), ['0', '1', '4', '5']);
    assert.deepStrictEqual(features.children[1].children.map((n) => n.name), ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
    assert.deepStrictEqual(classifier.children.map((n) => n.name), ['0', '3']);
    assert.deepStrictEqual(features.children[0].children[0].tensor, { dtype: 'float32', shape: [6, 3, 3, 3], bytes: 648 });
    assert.deepStrictEqual(treeKeys(view.tree), [...file.keys()]);
    const numel = (prefix: string) => [...file].filter(([k]) => k.startsWith(prefix)).reduce((n, [, t]) => n + t.shape.reduce((a, b) => a * b, 1), 0);
    assert.strictEqual(features.tensors, 14);
    assert.strictEqual(features.numel, numel('features.'));
    assert.strictEqual(classifier.numel, numel('classifier.'));
    assert.strictEqual(classifier.children[0].numel, 9 * 8 * 8 * 128 + 128);
    assert.deepStrictEqual(view.totals, { tensors: 18, numel: numel(''), bytes: [...file.values()].reduce((n, t) => n + t.bytes.length, 0) });
  });

  it('shows net.pt (torch.save zip) with the same tree', async () => {
    const uri = workspaceUri('weights', 'net.pt');
    await openViewer(api, uri);
    const view = api.checkpoints.view(uri);
    assert.ok(view);
    assert.strictEqual(view.format, 'torch-zip');
    assert.deepStrictEqual(view.candidates, [{ label: 'checkpoint', tensors: 18 }]);
    assert.deepStrictEqual(treeKeys(view.tree), [...(await weights()).keys()]);
    assert.deepStrictEqual(view.tree[0].children[1].children[4].tensor, { dtype: 'int64', shape: [], bytes: 8 });
  });

  it('offers the state dict inside a wrapped checkpoint and reads sharded safetensors', async () => {
    const file = await weights();
    const wrapped = workspaceUri('weights', 'wrapped.pt');
    await vscode.workspace.fs.writeFile(wrapped, torchSaveBytes(new Map<SaveValue, SaveValue>([
      ['model', stateDictObject(file)], ['optimizer', new Map<SaveValue, SaveValue>([['state', new Map()], ['param_groups', []]])], ['epoch', 3],
    ]), { archiveName: 'wrapped' }));
    await openViewer(api, wrapped);
    const view = api.checkpoints.view(wrapped);
    assert.ok(view);
    assert.strictEqual(view.candidates[0].label, "checkpoint['model']");
    assert.strictEqual(view.totals.tensors, 18);
    assert.deepStrictEqual(view.metadata.find(([k]) => k === 'epoch'), ['epoch', '3']);

    const keys = [...file.keys()];
    const shards = [keys.slice(0, 9), keys.slice(9)];
    const weightMap: Record<string, string> = {};
    for (const [i, part] of shards.entries()) {
      const name = `net-0000${i + 1}-of-00002.safetensors`;
      await vscode.workspace.fs.writeFile(workspaceUri('weights', name), writeSafetensors(part.map((k) => [k, file.get(k) as RawTensor])));
      for (const k of part) weightMap[k] = name;
    }
    const index = workspaceUri('weights', 'net.safetensors.index.json');
    await vscode.workspace.fs.writeFile(index, new TextEncoder().encode(JSON.stringify({ metadata: {}, weight_map: weightMap })));
    const sharded = await openViewer(api, index);
    assert.strictEqual(sharded.view()?.format, 'safetensors-index');
    assert.strictEqual(sharded.view()?.totals.tensors, 18);
    const source = sharded.tensorSource('classifier.3.weight');
    assert.ok(source);
    assert.deepStrictEqual([...(await source.read(5, 3))], [...floats(file.get('classifier.3.weight') as RawTensor).subarray(5, 8)]);
  });

  it('inspects a 4-D conv weight: stats, pages, histogram and heatmap reach the webview with the right values', async () => {
    const uri = workspaceUri('weights', 'net.safetensors');
    const document = await openViewer(api, uri);
    const panel = api.checkpoints.inspect(document, 'features.4.weight');
    assert.ok(panel);
    const values = floats((await weights()).get('features.4.weight') as RawTensor);
    const expected = expectedStats(values);

    const stats = (await answer(panel, 'stats')).stats;
    close(stats.min, expected.min, 'min');
    close(stats.max, expected.max, 'max');
    close(stats.mean, expected.mean, 'mean');
    close(stats.std, expected.std, 'std (N-1)');
    assert.deepStrictEqual([stats.numel, stats.zeros, stats.nan, stats.posInf, stats.negInf], [9 * 6 * 3 * 3, expected.zeros, 0, 0, 0]);

    const histogram = await answer(panel, 'histogram');
    assert.strictEqual(histogram.counts.length, 64);
    assert.strictEqual(histogram.counts.reduce((a, b) => a + b, 0), values.length);
    const width = (expected.max - expected.min) / 64;
    const counts = new Array(64).fill(0);
    for (const v of values) counts[Math.min(63, Math.floor((v - expected.min) / width))]++;
    assert.deepStrictEqual(histogram.counts, counts);

    const heatmap = await answer(panel, 'heatmap', (m) => m.channel === 0);
    assert.deepStrictEqual([heatmap.channels, heatmap.tiles, heatmap.tileRows, heatmap.tileCols, heatmap.rowStep], [9, 6, 3, 3, 1]);
    assert.deepStrictEqual([...new Float32Array(heatmap.data)], [...values.subarray(0, 54)]);
    close(heatmap.scale, Math.max(-expected.min, expected.max), 'heatmap scale');

    const page = await answer(panel, 'page', (m) => m.offset === 0);
    assert.strictEqual(page.array, 'Float32Array');
    assert.deepStrictEqual([...new Float32Array(page.data)], [...values.subarray(0, page.count)]);
    for (const part of ['stats', 'histogram', 'heatmap', 'page']) await rendered(panel, part);

    // the same requests the channel picker and the scrolled table make
    await panel.handle({ type: 'requestHeatmap', tensorId: panel.tensorId as number, channel: 8 });
    const last = await answer(panel, 'heatmap', (m) => m.channel === 8);
    assert.deepStrictEqual([...new Float32Array(last.data)], [...values.subarray(8 * 54, 9 * 54)]);
    await panel.handle({ type: 'requestPage', tensorId: panel.tensorId as number, offset: 100, count: 50 });
    const later = await answer(panel, 'page', (m) => m.offset === 100);
    assert.deepStrictEqual([...new Float32Array(later.data)], [...values.subarray(100, 150)]);
    await rendered(panel, 'heatmap');
  });

  it('reads .pt tensors by range with the same values, and copies values as a Python literal', async () => {
    const document = await openViewer(api, workspaceUri('weights', 'net.pt'));
    const file = await weights();
    const source = document.tensorSource('classifier.0.weight');
    assert.ok(source);
    assert.deepStrictEqual(source.info.strides, [576, 1]);
    assert.deepStrictEqual([...(await source.read(70000, 700))], [...floats(file.get('classifier.0.weight') as RawTensor).subarray(70000, 70700)]);

    const panel = api.checkpoints.inspect(document, 'features.0.bias');
    assert.ok(panel);
    await answer(panel, 'stats');
    await panel.handle({ type: 'copyAsPython', tensorId: panel.tensorId as number });
    const copied = await answer(panel, 'copied');
    const bias = memoryTensorSource({ name: 'features.0.bias', dtype: 'float32', shape: [6] }, (file.get('features.0.bias') as RawTensor).bytes);
    const literal = await pythonLiteral(bias);
    assert.match(literal.text, /^torch\.tensor\(\[-?\d\.\d+(, -?\d\.\d+(e-0\d)?){5}\], dtype=torch\.float32\)$/);
    assert.deepStrictEqual([copied.values, copied.total, copied.chars], [6, 6, literal.text.length]);
    const capped = await pythonLiteral(memoryTensorSource({ name: 'w', dtype: 'float32', shape: [6, 27] }, (file.get('features.0.weight') as RawTensor).bytes), 4);
    assert.match(capped.text, /^# w: the first 4 of 162 values .* shape \[6, 27\]\ntorch\.tensor\(\[[^\]]+\], dtype=torch\.float32\)$/);
  });

  it('shows a module description: repr, counts and the seven methods', async () => {
    const panel = api.inspector.show({ kind: 'module', module: moduleOfNet(await weights()) });
    await rendered(panel, 'module');
    const init = panel.history.map((h) => h.message).find((m) => m.type === 'init' && (m as { tensorId: number }).tensorId === panel.tensorId);
    assert.ok(init && init.type === 'init' && init.kind === 'module');
    const counts = Object.fromEntries(Object.entries(init.module.methods).map(([k, v]) => [k, v.count]));
    assert.deepStrictEqual(counts, { modules: 15, named_modules: 15, children: 2, named_children: 2, parameters: 12, named_parameters: 12, state_dict: 18 });
  });

  it('shows the formats layer\'s typed error for bad files, naming the file', async () => {
    const good = await vscode.workspace.fs.readFile(workspaceUri('weights', 'net.safetensors'));
    const truncated = workspaceUri('weights', 'truncated.safetensors');
    await vscode.workspace.fs.writeFile(truncated, good.slice(0, 2000));
    const broken = await openViewer(api, truncated);
    assert.strictEqual(broken.view(), undefined);
    assert.ok(broken.failure);
    assert.match(broken.failure.message, /^weights\/truncated\.safetensors: /);
    assert.match(broken.failure.code, /Invalid|Metadata|Truncated/);

    const junk = workspaceUri('weights', 'junk.pt');
    await vscode.workspace.fs.writeFile(junk, new TextEncoder().encode('not a checkpoint at all'));
    const unknown = await openViewer(api, junk);
    assert.strictEqual(unknown.failure?.code, 'UnknownFormat');
    assert.match(unknown.failure.message, /^weights\/junk\.pt: not a checkpoint/);
  });

  it('computes statistics in chunks, yielding to the event loop, and stops when cancelled', async () => {
    const n = 1 << 22;
    const source = memoryTensorSource({ name: 'big', dtype: 'float32', shape: [n] }, new Uint8Array(new Float32Array(n).fill(0.5).buffer));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    try {
      const stats = await computeStats(source, { chunkElements: 1 << 18 });
      assert.deepStrictEqual([stats.mean, stats.std, stats.zeros], [0.5, 0, 0]);
    } finally {
      clearInterval(timer);
    }
    assert.ok(ticks >= 3, `the event loop ran ${ticks} timer callbacks during the pass`);
    const token = { isCancellationRequested: false };
    const cancelled = computeStats(source, { chunkElements: 1 << 18, token, onProgress: (f) => { if (f > 0.2) token.isCancellationRequested = true; } });
    await assert.rejects(cancelled, CancelledError);
  });
});
