// The real-world-style example files load, list their entries, build and run: examples/resnet_like (a model
// zoo's resnet.py shape: stubbed zoo imports, decorators, weights enums, relative imports, _make_layer, an
// init loop over self.modules()) and examples/gpt_like.py (a single-file GPT: dataclass config,
// ModuleDict(dict(...)), weight tying, self.apply, a named_parameters() filter, fused attention).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineHarness } from './shim-harness';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const read = (relative: string) => fs.readFileSync(path.join(ROOT, relative), 'utf8');

function std(values: Float32Array): number {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1));
}

describe('example model files shaped like real projects', function () {
  this.timeout(180_000);
  let engine: EngineHarness;

  before(async () => {
    engine = await EngineHarness.start();
  });
  after(() => engine?.dispose());

  describe('examples/resnet_like (resnet.py + blocks.py)', () => {
    const files = { 'examples/resnet_like/resnet.py': read('examples/resnet_like/resnet.py'), 'examples/resnet_like/blocks.py': read('examples/resnet_like/blocks.py') };
    const entryFile = 'examples/resnet_like/resnet.py';

    it('lists the class and the factories; the zoo imports are reported stubs', async () => {
      const r = await engine.client.request('listEntries', { files, entryFile });
      assert.deepEqual(r.entries.map((e) => `${e.kind} ${e.name}`), ['class ResNet', 'factory _resnet', 'factory resnet18', 'factory resnet34', 'factory resnet50']);
      assert.deepEqual(r.stubbedImports.map((s) => s.name), ['torchvision', 'torchvision.models', 'torchvision.models._api', 'torchvision.models._utils',
        'torchvision.transforms', 'torchvision.transforms._presets']);
      assert.deepEqual(r.stubbedImports[0].importedFrom, { file: entryFile, line: 11 });
    });

    it('resnet18() has torchvision\'s structure and parameter count; the init loop ran', async () => {
      await engine.client.request('listEntries', { files, entryFile });
      const model = await engine.client.request('instantiate', { entry: 'resnet18' });
      const r = await engine.client.request('inspect', { model: model.handle });
      assert.deepEqual([r.modules.length, r.parameters.length, r.stateDict.length, r.totalParams], [68, 62, 122, 11_689_512]);
      assert.deepEqual(r.children, ['conv1', 'bn1', 'relu', 'maxpool', 'layer1', 'layer2', 'layer3', 'layer4', 'avgpool', 'fc']);
      assert.equal(r.modules.find((m) => m.name === 'layer2.0.downsample')?.type, 'Sequential');
      const blocks = files['examples/resnet_like/blocks.py'].split('\n');
      const line = blocks.findIndex((l) => l.includes('return nn.Conv2d(in_planes, out_planes, kernel_size=3')) + 1;
      assert.deepEqual(r.modules.find((m) => m.name === 'layer1.0.conv1')?.source, { file: 'examples/resnet_like/blocks.py', line, column: 11 });
      assert.deepEqual(r.stubbedImports.length, 6);
      const bn = await engine.client.request('tensorPage', { model: model.handle, name: 'bn1.weight', offset: 0, count: 64 });
      assert.deepEqual([...new Float32Array(bn.data)], new Array(64).fill(1));
      const conv = await engine.client.request('tensorPage', { model: model.handle, name: 'conv1.weight', offset: 0, count: 64 * 3 * 49 });
      const expected = Math.sqrt(2 / (64 * 49)); // kaiming_normal_(mode="fan_out", nonlinearity="relu")
      assert.ok(Math.abs(std(new Float32Array(conv.data)) / expected - 1) < 0.1, `std ${std(new Float32Array(conv.data))} vs ${expected}`);

      const out = await engine.client.request('forward', { model: model.handle, input: { shape: [1, 3, 32, 32] } });
      assert.deepEqual(out.output.shape, [1, 1000]);
      assert.deepEqual(out.layers.find((l) => l.name === 'layer4.1.conv2')?.outputShape, [1, 512, 1, 1]);
    });

    it('resnet50(num_classes=10) through keyword arguments', async () => {
      const model = await engine.client.request('instantiate', { entry: 'resnet50', kwargs: { num_classes: 10 }, files, entryFile });
      const r = await engine.client.request('inspect', { model: model.handle });
      assert.deepEqual([r.modules.length, r.totalParams], [151, 23_528_522]);
      assert.match(r.repr, /\(fc\): Linear\(in_features=2048, out_features=10, bias=True\)/);
    });
  });

  describe('examples/gpt_like.py', () => {
    const files = { 'examples/gpt_like.py': read('examples/gpt_like.py') };
    const entryFile = 'examples/gpt_like.py';

    it('lists its module classes, the factory and the module-level instance (not the dataclass)', async () => {
      const r = await engine.client.request('listEntries', { files, entryFile });
      assert.deepEqual(r.entries.map((e) => `${e.kind} ${e.name}`), ['class LayerNorm', 'class CausalSelfAttention', 'class MLP', 'class Block',
        'class GPT', 'factory tiny_gpt', 'instance model']);
    });

    it('GPT(): tied weights counted once, scaled residual init, forward on token ids', async () => {
      const events: string[] = [];
      const stop = engine.client.onEvent((e) => { if (e.event === 'log') events.push(e.message); });
      const model = await engine.client.request('instantiate', { entry: 'GPT', files, entryFile });
      stop();
      assert.ok(events.some((m) => m.includes('number of parameters: 0.11M')), events.join('\n'));
      const r = await engine.client.request('inspect', { model: model.handle });
      assert.equal(r.totalParams, 110_336);
      assert.ok(!r.parameters.some((p) => p.name === 'lm_head.weight'), 'the tied head is not listed twice');
      assert.ok(r.stateDict.some((e) => e.key === 'lm_head.weight') && r.stateDict.some((e) => e.key === 'transformer.wte.weight'));
      assert.equal(r.modules.find((m) => m.name === 'transformer.h')?.type, 'ModuleList');
      assert.match(r.repr, /\(h\): ModuleList\(\n\s+\(0-1\): 2 x Block\(/);
      const proj = await engine.client.request('tensorPage', { model: model.handle, name: 'transformer.h.0.attn.c_proj.weight', offset: 0, count: 64 * 64 });
      assert.ok(Math.abs(std(new Float32Array(proj.data)) / (0.02 / Math.sqrt(4)) - 1) < 0.1);

      const out = await engine.client.request('forward', { model: model.handle, input: { shape: [2, 16], dtype: 'int64', high: 96 } });
      assert.deepEqual(out.output.shape, [2, 1, 96]);
      assert.deepEqual(out.layers.find((l) => l.name === 'transformer.h.1.attn')?.outputShape, [2, 16, 64]);
    });

    it('tiny_gpt(n_layer=1) and the module-level instance', async () => {
      const small = await engine.client.request('instantiate', { entry: 'tiny_gpt', kwargs: { n_layer: 1 } });
      assert.equal((await engine.client.request('inspect', { model: small.handle })).totalParams, 110_336 - 49_984);
      const instance = await engine.client.request('instantiate', { entry: 'model' });
      assert.equal((await engine.client.request('inspect', { model: instance.handle })).modules[0].type, 'GPT');
    });
  });
});
