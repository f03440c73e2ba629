// `torch-explorer prune` on the source document's network and the example weights: PyTorch's keys
// (weight_orig, weight_mask), mask counts that round like Python, --global, --remove, and refusals.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openCheckpointFile } from '../../../src/formats/files-node';
import { buildCli, examples, fixtures, runCli, skipUnlessImplemented, tmp } from './cli-harness';

const netFile = path.join('examples', 'net.py');
const weights = fs.existsSync(path.join(examples, 'weights', 'net.pt')) ? path.join(examples, 'weights', 'net.pt') : path.join(fixtures, 'net.pt');

function readBack(file: string): Map<string, { shape: readonly number[]; dtype: string; values: number[] }> {
  const opened = openCheckpointFile(file);
  try {
    return new Map([...opened.tensors].map(([k, t]) => {
      const bytes = t.readSync().slice();
      const values = t.dtype === 'float32' ? [...new Float32Array(bytes.buffer)] : t.dtype === 'int64' ? [...new BigInt64Array(bytes.buffer)].map(Number) : [];
      return [k, { shape: t.shape, dtype: t.dtype, values }];
    }));
  } finally {
    opened.close();
  }
}

describe('cli: prune', function () {
  this.timeout(180_000);
  before(buildCli);

  it('l1_unstructured on one parameter writes weight_orig and weight_mask in PyTorch\'s order', async function () {
    const out = tmp('pruned-l1.pt');
    const run = await runCli(['prune', netFile, '--weights', weights, '--method', 'l1_unstructured', '--param', 'features.0.weight', '--amount', '0.3', '--out', out, '--json']);
    skipUnlessImplemented(this, run);
    assert.equal(run.status, 0, run.stderr);
    const sd = readBack(out);
    assert.deepEqual([...sd.keys()].slice(0, 3), ['features.0.bias', 'features.0.weight_orig', 'features.0.weight_mask']);
    assert.equal(sd.size, 19);
    const mask = sd.get('features.0.weight_mask')!.values;
    assert.equal(mask.filter((v) => v === 0).length, Math.round(0.3 * 162));
    // the smallest magnitudes are the ones masked
    const orig = sd.get('features.0.weight_orig')!.values.map(Math.abs);
    const kept = Math.min(...orig.filter((_, i) => mask[i] === 1));
    assert.ok(orig.filter((_, i) => mask[i] === 0).every((v) => v <= kept));
    const report = run.json<{ sparsity: { rows: { name: string; sparsity: number; pruned: boolean }[] } }>().sparsity;
    const row = report.rows.find((r) => r.name === 'features.0.weight')!;
    assert.equal(row.pruned, true);
    assert.equal(row.sparsity, Math.round(0.3 * 162) / 162);
  });

  it('--global Conv2d,Linear --remove keeps the original keys with half of those weights zero', async function () {
    const out = tmp('pruned-global.safetensors');
    const run = await runCli(['prune', netFile, '--weights', weights, '--method', 'l1_unstructured', '--global', 'Conv2d,Linear', '--amount', '0.5', '--remove', '--out', out]);
    skipUnlessImplemented(this, run);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^overall\s+/m);
    const sd = readBack(out);
    assert.deepEqual([...sd.keys()].sort(), [...readBack(weights).keys()].sort());
    const names = ['features.0.weight', 'features.4.weight', 'classifier.0.weight', 'classifier.3.weight'];
    const zeros = names.reduce((n, k) => n + sd.get(k)!.values.filter((v) => v === 0).length, 0);
    const total = names.reduce((n, k) => n + sd.get(k)!.values.length, 0);
    assert.equal(zeros, Math.round(0.5 * total));
  });

  it('ln_structured needs --n and --dim; a count amount prunes whole channels', async function () {
    const missing = await runCli(['prune', netFile, '--weights', weights, '--method', 'ln_structured', '--param', 'features.4.weight', '--amount', '2', '--out', tmp('x.pt')]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /--method ln_structured needs --n/);
    const out = tmp('pruned-ln.pt');
    const run = await runCli(['prune', netFile, '--weights', weights, '--method', 'ln_structured', '--param', 'features.4.weight', '--amount', '2', '--n', '2', '--dim', '0', '--out', out]);
    skipUnlessImplemented(this, run);
    assert.equal(run.status, 0, run.stderr);
    const mask = readBack(out).get('features.4.weight_mask')!.values;
    const perChannel = Array.from({ length: 9 }, (_, c) => mask.slice(c * 54, (c + 1) * 54));
    assert.equal(perChannel.filter((ch) => ch.every((v) => v === 0)).length, 2);
    assert.equal(perChannel.filter((ch) => ch.every((v) => v === 1)).length, 7);
  });

  it('refuses an unknown parameter, --global with a structured method, and writing over the weights', async function () {
    const unknown = await runCli(['prune', netFile, '--weights', weights, '--method', 'l1_unstructured', '--param', 'features.0.wieght', '--amount', '0.3', '--out', tmp('y.pt')]);
    skipUnlessImplemented(this, unknown);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /--param features\.0\.wieght: Conv2d features\.0 has no parameter "wieght"; it has weight, bias/);
    const structured = await runCli(['prune', netFile, '--weights', weights, '--method', 'ln_structured', '--global', 'Conv2d', '--amount', '1', '--n', '1', '--dim', '0', '--out', tmp('z.pt')]);
    assert.equal(structured.status, 2);
    assert.match(structured.stderr, /--global .* works with l1_unstructured or random_unstructured, not ln_structured/);
    const copy = tmp('weights-copy.pt');
    fs.copyFileSync(weights, copy);
    const over = await runCli(['prune', netFile, '--weights', copy, '--method', 'l1_unstructured', '--param', 'features.0.weight', '--amount', '0.3', '--out', copy]);
    assert.equal(over.status, 3);
    assert.match(over.stderr, /refusing to write over the input file/);
    assert.deepEqual(fs.readFileSync(copy), fs.readFileSync(weights));
  });

  it('an amount over 1.0 fails with PyTorch\'s message', async function () {
    const run = await runCli(['prune', netFile, '--weights', weights, '--method', 'random_unstructured', '--param', 'classifier.3.weight', '--amount', '1.5', '--out', tmp('w.pt')]);
    skipUnlessImplemented(this, run);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /amount=1\.5 should either be a float in the range \[0, 1\] or a non-negative integer/);
  });
});
