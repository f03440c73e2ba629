// The engine process's requests that change a live model, on the source document's Net: editParameter and
// undoEdit (read back with tensorPage), prune / removePruning (masks and keys equal to
// src/engine/nn/utils/prune.ts on the same weights in this process), resetParameters, requiresGrad.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nn, torch } from '../../../../src/engine';
import { PyFloat } from '../../../../src/engine/dtype';
import * as prune from '../../../../src/engine/nn/utils/prune';
import { Tensor } from '../../../../src/engine/tensor';
import type { EngineError } from '../../../../src/protocol/engine';
import { EngineRequestError } from '../../../../src/python/host/engine-client';
import { EngineHarness } from './shim-harness';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const NET = fs.readFileSync(path.join(ROOT, 'examples/net.py'), 'utf8');

async function failure(p: Promise<unknown>): Promise<EngineError> {
  try {
    await p;
  } catch (error) {
    if (error instanceof EngineRequestError) return error.error;
    throw error;
  }
  assert.fail('expected the request to fail');
}

describe('engine requests that change a model', function () {
  this.timeout(180_000);
  let engine: EngineHarness;
  let model: number;

  const page = async (name: string): Promise<{ bytes: Uint8Array; shape: number[]; floats: Float32Array }> => {
    const p = await engine.client.request('tensorPage', { model, name, offset: 0, count: 1e9 });
    return { bytes: new Uint8Array(p.data), shape: p.shape, floats: new Float32Array(p.data.slice(0)) };
  };
  const tensorOf = async (name: string): Promise<Tensor> => {
    const p = await page(name);
    return Tensor.fromArray(p.floats, p.shape, 'float32');
  };
  const keys = async () => (await engine.client.request('inspect', { model })).stateDict.map((e) => e.key);

  before(async () => {
    engine = await EngineHarness.start();
    model = (await engine.client.request('instantiate', { entry: 'Net', files: { 'net.py': NET }, entryFile: 'net.py' })).handle;
  });
  after(() => engine?.dispose());

  it('editParameter fills, zeroes, scales and sets a slice; undoEdit restores the bytes, newest first', async () => {
    const weight = await page('features.0.weight'); // [6, 3, 3, 3]
    const bias = await page('features.0.bias');
    assert.deepEqual(await engine.client.request('editParameter', { model, name: 'features.0.bias', op: 'fill', value: 2 }), { changed: 6 });
    assert.deepEqual([...(await page('features.0.bias')).floats], [2, 2, 2, 2, 2, 2]);
    await engine.client.request('editParameter', { model, name: 'features.0.bias', op: 'scale', value: 1.5, index: '1:3' });
    assert.deepEqual([...(await page('features.0.bias')).floats], [2, 3, 3, 2, 2, 2]);
    const set = await engine.client.request('editParameter', { model, name: 'features.0.weight', op: 'set', value: -1, index: '0, :, 1:3' });
    assert.equal(set.changed, 18);
    const w = (await page('features.0.weight')).floats;
    w.forEach((v, i) => assert.equal(v, i < 27 && i % 9 >= 3 ? -1 : weight.floats[i], `element ${i}`));
    await engine.client.request('editParameter', { model, name: 'features.1.num_batches_tracked', op: 'fill', value: 7 });
    assert.equal(new BigInt64Array((await page('features.1.num_batches_tracked')).bytes.buffer)[0], 7n);

    const outOfBounds = await failure(engine.client.request('editParameter', { model, name: 'features.0.weight', op: 'zero', index: '6' }));
    assert.equal(outOfBounds.type, 'IndexError');
    assert.match(outOfBounds.message, /index 6 is out of bounds for dimension 0 with size 6/);
    assert.equal((await failure(engine.client.request('editParameter', { model, name: 'features.0.wieght', op: 'zero' }))).type, 'KeyError');

    assert.equal((await engine.client.request('undoEdit', { model })).undone, 'features.1.num_batches_tracked = 7');
    assert.match((await engine.client.request('undoEdit', { model })).undone!, /^features\.0\.weight\[0, :, 1:3\] = -1$/);
    assert.deepEqual((await page('features.0.weight')).bytes, weight.bytes);
    await engine.client.request('undoEdit', { model });
    await engine.client.request('undoEdit', { model });
    assert.deepEqual((await page('features.0.bias')).bytes, bias.bytes);
    assert.deepEqual(await engine.client.request('undoEdit', { model }), { undone: null });
  });

  it('prune gives the masks and keys of torch.nn.utils.prune on the same weights', async () => {
    const conv0 = new nn.Conv2d(3, 6, 3), conv4 = new nn.Conv2d(6, 9, 3);
    conv0.weight.data = await tensorOf('features.0.weight');
    conv4.weight.data = await tensorOf('features.4.weight');

    const l1 = await engine.client.request('prune', { model, method: 'l1_unstructured', amount: { fraction: 0.3 }, targets: [{ module: 'features.0', name: 'weight' }], global: false });
    prune.l1_unstructured(conv0, 'weight', new PyFloat(0.3));
    assert.deepEqual(l1.sparsity, [{ module: 'features.0', name: 'weight', zeros: 49, numel: 162 }]);
    assert.deepEqual([...(await page('features.0.weight_mask')).floats], [...(conv0 as unknown as { weight_mask: Tensor }).weight_mask.tolist() as number[][][][]].flat(3));
    const k = await keys();
    assert.deepEqual(k.slice(0, 3), ['features.0.bias', 'features.0.weight_orig', 'features.0.weight_mask']);
    assert.equal(k.length, 19);
    assert.equal(l1.report.rows.find((r) => r.name === 'features.0.weight')?.pruned, true);

    // a count of 2 channels (Python's int 2), then random pruning composed on top with a seed
    const ln = await engine.client.request('prune', { model, method: 'ln_structured', amount: { count: 2 }, n: 2, dim: 0, targets: [{ module: 'features.4', name: 'weight' }], global: false });
    prune.ln_structured(conv4, 'weight', 2, 2, 0);
    assert.equal(ln.sparsity[0].zeros, 2 * 54);
    assert.deepEqual((await page('features.4.weight_mask')).floats, new Float32Array((conv4 as unknown as { weight_mask: Tensor }).weight_mask.contiguous().storage.data as Float32Array));
    await engine.client.request('prune', { model, method: 'random_unstructured', amount: { fraction: 0.25 }, seed: 3, targets: [{ module: 'features.4', name: 'weight' }], global: false });
    torch.manual_seed(3);
    prune.random_unstructured(conv4, 'weight', new PyFloat(0.25));
    assert.deepEqual((await page('features.4.weight_mask')).floats, new Float32Array((conv4 as unknown as { weight_mask: Tensor }).weight_mask.contiguous().storage.data as Float32Array));

    // `1.0` prunes everything, `1` one entry
    const one = await engine.client.request('prune', { model, method: 'l1_unstructured', amount: { count: 1 }, targets: [{ module: 'classifier.3', name: 'bias' }], global: false });
    assert.equal(one.sparsity[0].zeros, 1);
    const all = await engine.client.request('prune', { model, method: 'l1_unstructured', amount: { fraction: 1 }, targets: [{ module: 'classifier.3', name: 'bias' }], global: false });
    assert.equal(all.sparsity[0].zeros, 10);
    const tooMuch = await failure(engine.client.request('prune', { model, method: 'l1_unstructured', amount: { fraction: 1.5 }, targets: [{ module: 'classifier.0', name: 'weight' }], global: false }));
    assert.match(tooMuch.message, /amount=1\.5 should either be a float in the range \[0, 1\] or a non-negative integer/);
  });

  it('removePruning bakes the mask into the parameter and restores the original keys', async () => {
    const orig = await page('features.0.weight_orig'), mask = await page('features.0.weight_mask');
    const removed = await engine.client.request('removePruning', { model, targets: [{ module: 'features.0', name: 'weight' }, { module: 'features.4', name: 'weight' }, { module: 'classifier.3', name: 'bias' }] });
    assert.equal(removed.removed, 3);
    assert.deepEqual([...(await page('features.0.weight')).floats], [...orig.floats].map((v, i) => v * mask.floats[i]));
    const k = await keys();
    assert.equal(k.length, 18);
    assert.ok(!k.some((key) => key.endsWith('_orig') || key.endsWith('_mask')));
    const again = await failure(engine.client.request('removePruning', { model, targets: [{ module: 'features.0', name: 'weight' }] }));
    assert.match(again.message, /has to be pruned before pruning can be removed/);
  });

  it('global pruning over the four weights, then removePruning', async () => {
    const targets = [['features.0', 'weight'], ['features.4', 'weight'], ['classifier.0', 'weight'], ['classifier.3', 'weight']].map(([module, name]) => ({ module, name }));
    const r = await engine.client.request('prune', { model, method: 'l1_unstructured', amount: { fraction: 0.5 }, targets, global: true });
    const numel = r.sparsity.reduce((n, s) => n + s.numel, 0);
    assert.equal(r.sparsity.reduce((n, s) => n + s.zeros, 0), Math.round(0.5 * numel));
    assert.equal((await engine.client.request('removePruning', { model, targets })).removed, 4);
  });

  it('resetParameters runs reset_parameters() on each submodule that has one, after manual_seed', async () => {
    const before = await page('classifier.0.weight');
    const r = await engine.client.request('resetParameters', { model, module: '', seed: 0 });
    assert.deepEqual(r.reset, ['features.0', 'features.1', 'features.4', 'features.5', 'classifier.0', 'classifier.3']);
    const after1 = await page('classifier.0.weight');
    assert.notDeepEqual(after1.bytes, before.bytes);
    await engine.client.request('resetParameters', { model, module: '', seed: 0 });
    assert.deepEqual((await page('classifier.0.weight')).bytes, after1.bytes); // the seed makes it repeatable
    assert.deepEqual((await engine.client.request('resetParameters', { model, module: 'classifier.3' })).reset, ['classifier.3']);
    assert.equal((await failure(engine.client.request('resetParameters', { model, module: 'nope' }))).type, 'AttributeError');
  });

  it('inspect reports requiresGrad per parameter and counts only trainable ones', async () => {
    const r = await engine.client.request('inspect', { model });
    assert.ok(r.parameters.every((p) => p.requiresGrad === true));
    assert.equal(r.trainableParams, r.totalParams);
  });
});

describe('engine process kernels option', function () {
  this.timeout(180_000);

  it('runs a forward pass with the WASM kernels (one thread) as with the TypeScript ones', async () => {
    const outputs: Float32Array[] = [];
    for (const kernels of ['ts', 'wasm'] as const) {
      const engine = await EngineHarness.start({ kernels });
      const warnings: string[] = [];
      engine.client.onEvent((e) => { if (e.event === 'log' && e.level === 'warning') warnings.push(e.message); });
      try {
        const { handle } = await engine.client.request('instantiate', { entry: 'Net', files: { 'net.py': NET }, entryFile: 'net.py' });
        const r = await engine.client.request('forward', { model: handle, input: { shape: [2, 3, 38, 38], seed: 1 }, outputData: true });
        outputs.push(new Float32Array(r.output.data!));
        assert.deepEqual(warnings.filter((w) => /kernels/.test(w)), [], kernels);
      } finally {
        await engine.dispose();
      }
    }
    outputs[0].forEach((v, i) => assert.ok(Math.abs(v - outputs[1][i]) <= 1e-5 + 1e-4 * Math.abs(v), `output ${i}: ${v} vs ${outputs[1][i]}`));
  });
});
