// The engine process's model requests on Python files: listEntries (classes, instances, factories found
// from the file's own code), instantiate (defaults, kwargs, errors), inspect (the CLI JSON; the source
// document's Net), forward (eval mode, per-layer shapes, inputs), tensorPage and loadStateDict.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EngineError } from '../../../../src/protocol/engine';
import { EngineRequestError } from '../../../../src/python/host/engine-client';
import { writeNpy } from '../../../../src/formats/npy';
import { EngineHarness } from './shim-harness';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const NET = fs.readFileSync(path.join(ROOT, 'examples/net.py'), 'utf8');

const ENTRIES = `
from typing import Optional
import torch.nn as nn
from helpers import Imported


class Net(nn.Module):
    def __init__(self, width=4):
        super().__init__()
        self.fc = nn.Linear(2, width)

    def forward(self, x):
        return self.fc(x)


def annotated() -> Net:
    return make_it_later()


def stringly() -> "nn.Module":
    pass


def builds_directly(width: int = 3):
    return nn.Sequential(nn.Linear(2, width), nn.ReLU())


def through_variable():
    model = Net(width=5)
    model.eval()
    return model


def through_factory():
    return builds_directly()


def not_a_factory():
    return 3


def returns_the_class():
    return Net


def returns_a_list():
    return [Net()]


def _private_factory() -> Net:
    return Net()


model = Net()
width = 4
`;

async function failure(promise: Promise<unknown>): Promise<EngineError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof EngineRequestError) return e.error;
    throw e;
  }
  assert.fail('the request succeeded');
}

describe('engine requests on Python model files', function () {
  this.timeout(180_000);
  let engine: EngineHarness;

  before(async () => {
    engine = await EngineHarness.start();
  });
  after(() => engine?.dispose());

  it('listEntries: Module subclasses, module-level instances and factories the code declares, by line', async () => {
    const result = await engine.client.request('listEntries', {
      files: { 'model.py': ENTRIES, 'helpers.py': 'import torch.nn as nn\nclass Imported(nn.Module):\n    pass\n' }, entryFile: 'model.py',
    });
    assert.deepEqual(result.entries, [
      { name: 'Net', kind: 'class', line: 7 },
      { name: 'annotated', kind: 'factory', line: 16 },
      { name: 'stringly', kind: 'factory', line: 20 },
      { name: 'builds_directly', kind: 'factory', line: 24 },
      { name: 'through_variable', kind: 'factory', line: 28 },
      { name: 'through_factory', kind: 'factory', line: 34 },
      { name: '_private_factory', kind: 'factory', line: 50 },
      { name: 'model', kind: 'instance', line: 54 },
    ]);
    assert.deepEqual(result.stubbedImports, []);
  });

  it('instantiate: defaults, keyword arguments, instances; clear errors otherwise', async () => {
    const files = { 'model.py': ENTRIES, 'helpers.py': 'import torch.nn as nn\nclass Imported(nn.Module):\n    pass\n' };
    await engine.client.request('listEntries', { files, entryFile: 'model.py' });
    const wide = await engine.client.request('instantiate', { entry: 'Net', kwargs: { width: 7 } });
    assert.equal(wide.entry, 'Net');
    const inspected = await engine.client.request('inspect', { model: wide.handle });
    assert.deepEqual(inspected.parameters.map((p) => p.shape), [[7, 2], [7]]);
    const factory = await engine.client.request('instantiate', { entry: 'through_variable' });
    assert.match((await engine.client.request('inspect', { model: factory.handle })).repr, /out_features=5/);
    const instance = await engine.client.request('instantiate', { entry: 'model' });
    assert.equal((await engine.client.request('inspect', { model: instance.handle })).modules[0].type, 'Net');

    const withKwargs = await failure(engine.client.request('instantiate', { entry: 'model', kwargs: { width: 2 } }));
    assert.deepEqual([withKwargs.type, withKwargs.message], ['TypeError', 'model is a module instance; it takes no keyword arguments']);
    const unknown = await failure(engine.client.request('instantiate', { entry: 'width' }));
    assert.equal(unknown.type, 'ValueError');
    assert.match(unknown.message, /'width' is not an entry of model.py \(entries: Net, _private_factory, annotated/);
    const broken = await failure(engine.client.request('instantiate', { entry: 'annotated' }));
    assert.deepEqual([broken.type, broken.file, broken.line], ['NameError', 'model.py', 17]);
    assert.match(broken.pythonTraceback ?? '', /File "model.py", line 17, in annotated/);
    const badKwarg = await failure(engine.client.request('instantiate', { entry: 'Net', kwargs: { depth: 1 } }));
    assert.equal(badKwarg.type, 'TypeError');
  });

  it('inspect of the source document\'s Net gives its lists: 15 modules, 2 children, 12 parameters, 18 state_dict entries, 75,839 parameters', async () => {
    const model = await engine.client.request('instantiate', { entry: 'Net', files: { 'net.py': NET }, entryFile: 'net.py' });
    const r = await engine.client.request('inspect', { model: model.handle });
    assert.equal(r.entry, 'Net');
    assert.deepEqual(r.modules.map((m) => m.name), ['', 'features', ...Array.from({ length: 8 }, (_, i) => `features.${i}`), 'classifier',
      ...Array.from({ length: 4 }, (_, i) => `classifier.${i}`)]);
    assert.deepEqual(r.modules.map((m) => m.type), ['Net', 'Sequential', 'Conv2d', 'BatchNorm2d', 'ReLU', 'MaxPool2d', 'Conv2d', 'BatchNorm2d',
      'ReLU', 'MaxPool2d', 'Sequential', 'Linear', 'ReLU', 'Dropout', 'Linear']);
    assert.deepEqual(r.modules.map((m) => m.params), [75839, 693, 168, 12, 0, 0, 495, 18, 0, 0, 75146, 73856, 0, 0, 1290]);
    assert.deepEqual(r.children, ['features', 'classifier']);
    assert.deepEqual(r.parameters.map((p) => `${p.name} ${p.shape.join('x')}`), [
      'features.0.weight 6x3x3x3', 'features.0.bias 6', 'features.1.weight 6', 'features.1.bias 6', 'features.4.weight 9x6x3x3',
      'features.4.bias 9', 'features.5.weight 9', 'features.5.bias 9', 'classifier.0.weight 128x576', 'classifier.0.bias 128',
      'classifier.3.weight 10x128', 'classifier.3.bias 10']);
    assert.deepEqual(r.buffers.map((b) => [b.name, b.dtype, b.persistent]), ['1', '5'].flatMap((i) => [
      [`features.${i}.running_mean`, 'float32', true], [`features.${i}.running_var`, 'float32', true], [`features.${i}.num_batches_tracked`, 'int64', true]]));
    assert.equal(r.stateDict.length, 18);
    assert.deepEqual(r.stateDict.slice(2, 7).map((e) => e.key), ['features.1.weight', 'features.1.bias', 'features.1.running_mean',
      'features.1.running_var', 'features.1.num_batches_tracked']);
    assert.deepEqual(r.stateDict[6].shape, []);
    assert.deepEqual([r.totalParams, r.trainableParams, r.stubbedImports], [75839, 75839, []]);
    assert.match(r.repr, /^Net\(\n {2}\(features\): Sequential\(\n {4}\(0\): Conv2d\(3, 6, kernel_size=\(3, 3\), stride=\(1, 1\)\)/);
    assert.match(r.repr, /\(2\): Dropout\(p=0\.5, inplace=False\)/);
    // where each module was created and assigned (UTF-16 columns)
    const features = r.modules[1];
    assert.deepEqual(features.source, { file: 'net.py', line: 11, column: NET.split('\n')[10].indexOf('nn.Sequential') });
    assert.deepEqual(features.assigned, { file: 'net.py', line: 11, column: 8 });
    assert.deepEqual(r.modules[2].source, { file: 'net.py', line: 12, column: 12 });
    assert.deepEqual(r.modules[0].source, { file: 'net.py', line: 8 });
  });

  it('forward: eval mode, per-layer output shapes in call order, outputs with data; npy and int64 inputs', async () => {
    const model = await engine.client.request('instantiate', { entry: 'Net', files: { 'net.py': NET }, entryFile: 'net.py' });
    const run = () => engine.client.request('forward', { model: model.handle, input: { shape: [2, 3, 38, 38], seed: 1 }, outputData: true });
    const a = await run(), b = await run();
    assert.deepEqual(a.output.shape, [2, 10]);
    assert.equal(a.output.dtype, 'float32');
    assert.deepEqual(new Float32Array(a.output.data!), new Float32Array(b.output.data!), 'eval mode: dropout is off, so two runs agree');
    assert.deepEqual(a.layers.map((l) => l.name), ['', 'features', ...Array.from({ length: 8 }, (_, i) => `features.${i}`), 'classifier',
      ...Array.from({ length: 4 }, (_, i) => `classifier.${i}`)]);
    assert.deepEqual(a.layers.find((l) => l.name === 'features')?.outputShape, [2, 9, 8, 8]);
    assert.deepEqual(a.layers.find((l) => l.name === 'features.0')?.outputShape, [2, 6, 36, 36]);
    assert.ok(a.layers.every((l) => l.ms >= 0) && a.ms >= a.layers[1].ms);
    const inspected = await engine.client.request('inspect', { model: model.handle });
    assert.ok(inspected.repr.startsWith('Net('), 'the model is unchanged');

    const npy = writeNpy({ dtype: 'float32', shape: [1, 3, 38, 38], bytes: new Uint8Array(new Float32Array(3 * 38 * 38).fill(0.5).buffer) });
    const fromNpy = await engine.client.request('forward', { model: model.handle, input: { npy: npy } });
    assert.deepEqual(fromNpy.output.shape, [1, 10]);
    const fromData = await engine.client.request('forward', {
      model: model.handle, input: { shape: [1, 3, 38, 38], dtype: 'float32', data: new Float32Array(3 * 38 * 38).fill(0.5).buffer },
      outputData: true,
    });
    assert.deepEqual(fromData.output.shape, [1, 10]);

    const bad = await failure(engine.client.request('forward', { model: model.handle, input: { shape: [2, 3] } }));
    assert.equal(bad.type, 'RuntimeError');
    assert.equal(bad.code, 'PythonError');
  });

  it('tensorPage reads parameter values; loadStateDict loads pages with PyTorch\'s report', async () => {
    const source = `${NET}\nimport torch\nwith torch.no_grad():\n    model.features[0].bias.copy_(torch.arange(6.0))\n`;
    await engine.client.request('listEntries', { files: { 'net.py': source }, entryFile: 'net.py' });
    const model = await engine.client.request('instantiate', { entry: 'model' });
    const page = await engine.client.request('tensorPage', { model: model.handle, name: 'features.0.bias', offset: 2, count: 3 });
    assert.deepEqual([page.dtype, page.shape, page.offset, [...new Float32Array(page.data)]], ['float32', [6], 2, [2, 3, 4]]);
    const counter = await engine.client.request('tensorPage', { model: model.handle, name: 'features.1.num_batches_tracked', offset: 0, count: 1 });
    assert.deepEqual([counter.dtype, [...new BigInt64Array(counter.data)]], ['int64', [0n]]);

    const bias = new Float32Array([9, 9, 9, 9, 9, 9]).buffer;
    const report = await engine.client.request('loadStateDict', {
      model: model.handle, strict: false,
      tensors: [['features.0.bias', { dtype: 'float32', shape: [6], offset: 0, data: bias }], ['extra.weight', { dtype: 'float32', shape: [1], offset: 0, data: new Float32Array(1).buffer }]],
    });
    assert.deepEqual(report.unexpected_keys, ['extra.weight']);
    // without _metadata BatchNorm fills in num_batches_tracked itself (version < 2), as PyTorch does
    assert.equal(report.missing_keys.length, 15, JSON.stringify(report));
    const after = await engine.client.request('tensorPage', { model: model.handle, name: 'features.0.bias', offset: 0, count: 6 });
    assert.deepEqual([...new Float32Array(after.data)], [9, 9, 9, 9, 9, 9]);
    const missing = await failure(engine.client.request('tensorPage', { model: model.handle, name: 'nope', offset: 0, count: 1 }));
    assert.equal(missing.type, 'KeyError');
  });

  it('a model handle of an earlier evaluation is refused clearly', async () => {
    const model = await engine.client.request('instantiate', { entry: 'Net', files: { 'net.py': NET }, entryFile: 'net.py' });
    await engine.client.request('listEntries', { files: { 'net.py': NET }, entryFile: 'net.py' });
    const stale = await failure(engine.client.request('inspect', { model: model.handle }));
    assert.match(stale.message, /no longer valid/);
  });
});
