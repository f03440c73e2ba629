// `entries`, `inspect` and `forward` through the engine process on the source document's network
// (examples/net.py): the JSON equals the document's lists, forward gives PyTorch's output for PyTorch's
// weights, .npy goes in and out, and the process exits promptly.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readNpy, writeNpy, writeSafetensors, type DType, type RawTensor } from '../../../src/formats';
import { buildCli, examples, root, runCli, skipUnlessImplemented, tmp } from './cli-harness';

const netFile = path.join('examples', 'net.py');
const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(root, 'test', 'fixtures', 'models', 'net', name), 'utf8'));
const meta = fixture('meta.json');

type Encoded = { tensor: { dtype: DType; shape: number[]; data: string } };
const decodeTensor = (e: Encoded): RawTensor => ({ dtype: e.tensor.dtype, shape: e.tensor.shape, bytes: new Uint8Array(Buffer.from(e.tensor.data, 'base64')) });
const floats = (t: RawTensor) => [...new Float32Array(t.bytes.slice().buffer)];

describe('cli: entries, inspect, forward on examples/net.py', function () {
  this.timeout(180_000);
  before(buildCli);

  it('entries lists the class and the instance in file order', async function () {
    const run = await runCli(['entries', netFile, '--json']);
    skipUnlessImplemented(this, run);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(run.json(), [{ name: 'Net', kind: 'class', line: 8 }, { name: 'model', kind: 'instance', line: 35 }]);
    const text = await runCli(['entries', netFile]);
    assert.match(text.stdout, /^Net\s+class\s+8$/m);
  });

  it("inspect --json equals the source document's lists", async function () {
    const run = await runCli(['inspect', netFile, '--json']);
    skipUnlessImplemented(this, run);
    assert.equal(run.status, 0, run.stderr);
    const r = run.json<Record<string, any>>();
    assert.equal(r.modules.length, 15);
    assert.deepEqual(r.modules.map((m: any) => ({ name: m.name, type: m.type })), meta.named_modules);
    assert.deepEqual(r.children, ['features', 'classifier']);
    assert.equal(r.parameters.length, 12);
    assert.deepEqual(r.parameters, meta.named_parameters.map(({ name, shape, dtype }: any) => ({ name, shape, dtype })));
    assert.deepEqual(r.buffers, meta.named_buffers.map((b: any) => ({ ...b, persistent: true })));
    assert.equal(r.stateDict.length, 18);
    assert.deepEqual(r.stateDict, meta.state_dict);
    assert.equal(r.totalParams, 75_839);
    assert.equal(r.trainableParams, 75_839);
    assert.equal(r.repr, meta.repr);
    assert.deepEqual(r.stubbedImports, []);
    assert.equal(r.entry, 'model');
    const byName = new Map(r.modules.map((m: any) => [m.name, m]));
    assert.equal((byName.get('') as any).params, 75_839);
    assert.equal((byName.get('features.0') as any).params, 168);
    assert.deepEqual((byName.get('features.0') as any).source, { file: 'examples/net.py', line: 12 });
    assert.deepEqual((byName.get('classifier.3') as any).source, { file: 'examples/net.py', line: 25 });
  });

  it('inspect prints a tree; --entry Net with --kwargs builds another model', async function () {
    const text = await runCli(['inspect', netFile]);
    skipUnlessImplemented(this, text);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /75,839 parameters \(75,839 trainable\)/);
    assert.match(text.stdout, /^│  ├─ 0\s+Conv2d\s+168\s+examples\/net\.py:12$/m);
    const run = await runCli(['inspect', netFile, '--entry', 'Net', '--kwargs', '{"num_class": 5}', '--json']);
    assert.equal(run.status, 0, run.stderr);
    const r = run.json<Record<string, any>>();
    assert.deepEqual(r.stateDict.find((e: any) => e.key === 'classifier.3.weight').shape, [5, 128]);
    assert.equal(r.totalParams, 75_839 - 5 * 129);
  });

  it("forward --shape 2,3,38,38 --json gives [2, 10] and every layer's shape", async function () {
    const run = await runCli(['forward', netFile, '--shape', '2,3,38,38', '--json']);
    skipUnlessImplemented(this, run);
    assert.equal(run.status, 0, run.stderr);
    const r = run.json<{ output: { shape: number[]; dtype: string }; layers: { name: string; type: string; outputShape: number[]; ms: number }[]; ms: number }>();
    assert.deepEqual(r.output, { shape: [2, 10], dtype: 'float32' });
    const shapes = Object.fromEntries(r.layers.map((l) => [l.name, l.outputShape]));
    assert.deepEqual(shapes['features.0'], [2, 6, 36, 36]);
    assert.deepEqual(shapes['features.3'], [2, 6, 18, 18]);
    assert.deepEqual(shapes['features.4'], [2, 9, 16, 16]);
    assert.deepEqual(shapes.features, [2, 9, 8, 8]);
    assert.deepEqual(shapes['classifier.0'], [2, 128]);
    assert.deepEqual(shapes.classifier, [2, 10]);
    assert.equal(r.layers.find((l) => l.name === 'features.1')?.type, 'BatchNorm2d');
    assert.ok(r.ms > 0 && r.layers.every((l) => l.ms >= 0));
  });

  it("forward with PyTorch's weights and input gives PyTorch's eval output (.npy in and out)", async function () {
    const weights = tmp('net-golden.safetensors'), input = tmp('net-input.npy'), output = tmp('net-output.npy');
    const state = fixture('state.json') as Record<string, Encoded>;
    fs.writeFileSync(weights, writeSafetensors(Object.entries(state).map(([k, v]) => [k, decodeTensor(v)])));
    const io = fixture('io.json');
    fs.writeFileSync(input, writeNpy(decodeTensor(io.input)));
    const run = await runCli(['forward', netFile, '--weights', weights, '--input', input, '--output', output, '--json']);
    skipUnlessImplemented(this, run);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /All keys matched successfully/);
    const got = readNpy(fs.readFileSync(output));
    const want = decodeTensor(io.eval_output);
    assert.deepEqual(got.shape, want.shape);
    floats(got).forEach((x, i) => assert.ok(Math.abs(x - floats(want)[i]) <= 1e-5 + 1e-4 * Math.abs(floats(want)[i]), `element ${i}: ${x}`));
  });

  it('.npy round trip keeps float32, float64 and int64', async function () {
    const model = tmp('double.py');
    fs.writeFileSync(model, 'import torch.nn as nn\n\nclass Double(nn.Module):\n    def forward(self, x):\n        return x * 2\n');
    const cases: [DType, ArrayLike<number> | bigint[], number][] = [['float32', [1.5, -2, 0.25], 4], ['float64', [1e-300, 3.25, -7], 8], ['int64', [1, -3, 2 ** 40], 8]];
    for (const [dtype, values] of cases) {
      const bytes = dtype === 'float32' ? new Uint8Array(Float32Array.from(values as number[]).buffer)
        : dtype === 'float64' ? new Uint8Array(Float64Array.from(values as number[]).buffer)
          : new Uint8Array(BigInt64Array.from((values as number[]).map(BigInt)).buffer);
      const input = tmp(`in-${dtype}.npy`), output = tmp(`out-${dtype}.npy`);
      fs.writeFileSync(input, writeNpy({ dtype, shape: [3], bytes }));
      const run = await runCli(['forward', model, '--input', input, '--output', output, '--json']);
      skipUnlessImplemented(this, run);
      assert.equal(run.status, 0, run.stderr);
      const got = readNpy(fs.readFileSync(output));
      assert.equal(got.dtype, dtype);
      const doubled = dtype === 'int64' ? [...new BigInt64Array(got.bytes.slice().buffer)].map(Number)
        : [...(dtype === 'float32' ? new Float32Array(got.bytes.slice().buffer) : new Float64Array(got.bytes.slice().buffer))];
      assert.deepEqual(doubled, (values as number[]).map((v) => v * 2));
    }
  });

  it('forward --repeat 3 reports medians; the process exits with nothing left open', async function () {
    const run = await runCli(['forward', netFile, '--shape', '1,3,38,38', '--repeat', '3', '--debug']);
    skipUnlessImplemented(this, run);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /median of 3 runs after a warm-up/);
    assert.doesNotMatch(run.stderr, /open handles remained/);
  });

  it('inspect --weights loads the example weights and reports it', async function () {
    const weights = path.join(examples, 'weights', 'net.pt');
    if (!fs.existsSync(weights)) this.skip();
    const run = await runCli(['inspect', netFile, '--weights', weights, '--json']);
    skipUnlessImplemented(this, run);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(run.json<any>().weights, { file: weights, stateDict: 'checkpoint', missingKeys: [], unexpectedKeys: [] });
  });
});
