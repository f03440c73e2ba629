// `torch-explorer statedict` on the formats fixtures (written by real PyTorch) and the examples' weights:
// keys, shapes and dtypes in file order, wrapped checkpoints, statistics, and bad files.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dtypeFromSafetensors } from '../../../src/formats';
import { openCheckpointFile } from '../../../src/formats/files-node';
import { buildCli, examples, fixtures, runCli } from './cli-harness';

interface Row { key: string; shape: number[]; dtype: string; stats?: Stats | null }
interface Stats { min: number | null; max: number | null; mean: number | null; std: number | null; sparsity: number; nonFinite: number }

type Encoded = { dict?: [string, Encoded][]; tensor?: { dtype: string; shape: number[]; data: string }; safetensors?: { tensors: { key: string; dtype: string; shape: number[] }[] } };
const expected = JSON.parse(fs.readFileSync(path.join(fixtures, 'expected.json'), 'utf8')) as Record<string, Encoded>;

/** The fixture's tensors as statedict lists them: nested dicts flattened with dots, in order. */
function expectedRows(value: Encoded, prefix = ''): Row[] {
  if (value.safetensors) return value.safetensors.tensors.map((t) => ({ key: t.key, shape: t.shape, dtype: dtypeFromSafetensors(t.dtype) ?? t.dtype }));
  return (value.dict ?? []).flatMap(([key, v]) => (v.tensor ? [{ key: prefix + key, shape: v.tensor.shape, dtype: v.tensor.dtype }] : expectedRows(v, `${prefix}${key}.`)));
}

function floats(bytes: Uint8Array): number[] {
  const copy = bytes.slice();
  return [...new Float32Array(copy.buffer, 0, copy.byteLength / 4)];
}

describe('cli: statedict', function () {
  this.timeout(120_000);
  before(buildCli);

  const plain = ['net.pt', 'deflated.pt', 'dataparallel.pt', 'dtypes.pt', 'nested.pt', 'views.pt', 'saved_from_buffer.pt', 'big_endian.pt', 'handmade.safetensors', 'sharded/model.safetensors.index.json'];
  for (const name of plain) {
    it(`lists ${name} in file order with shapes and dtypes`, async () => {
      const run = await runCli(['statedict', path.join(fixtures, name), '--json']);
      assert.equal(run.status, 0, run.stderr);
      const rows = run.json<Row[]>();
      const want = expectedRows(expected[name]);
      if (name.endsWith('.safetensors') || name.endsWith('.json')) {
        // safetensors stores tensors sorted by the reference writer; compare as sets, the order is the header's
        assert.deepEqual([...rows].sort((a, b) => a.key.localeCompare(b.key)), [...want].sort((a, b) => a.key.localeCompare(b.key)));
      } else {
        assert.deepEqual(rows, want);
      }
    });
  }

  it('picks the model inside a wrapped checkpoint and says which on stderr; --path chooses another', async () => {
    const file = path.join(fixtures, 'checkpoint.pt');
    const run = await runCli(['statedict', file, '--json']);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(run.json<Row[]>().map((r) => r.key), ['0.weight', '0.bias', '2.weight', '2.bias']);
    assert.match(run.stderr, /using checkpoint\['model'\]: the most likely state dict; also found checkpoint\['optimizer'\]/);
    const chosen = await runCli(['statedict', file, '--json', '--path', "checkpoint['optimizer']['state'][0]"]);
    assert.equal(chosen.status, 0, chosen.stderr);
    assert.deepEqual(chosen.json<Row[]>().map((r) => r.key), ['momentum_buffer']);
    const bad = await runCli(['statedict', file, '--path', 'ema']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--path "ema": .*checkpoint\.pt has no such state dict; it has checkpoint\['model'\]/);
  });

  it("finds state_dict_key.pth's checkpoint['state_dict']", async () => {
    const run = await runCli(['statedict', path.join(fixtures, 'state_dict_key.pth'), '--json']);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(run.json<Row[]>(), expectedRows(expected['state_dict_key.pth'].dict![0][1]));
    assert.match(run.stderr, /using checkpoint\['state_dict'\]/);
  });

  it('--stats gives min, max, mean, std (N-1) and sparsity per tensor', async () => {
    const run = await runCli(['statedict', path.join(fixtures, 'net.pt'), '--json', '--stats']);
    assert.equal(run.status, 0, run.stderr);
    const rows = run.json<Row[]>();
    const opened = openCheckpointFile(path.join(fixtures, 'net.pt'));
    for (const [key, entry] of opened.tensors) {
      if (entry.dtype !== 'float32') continue;
      const xs = floats(entry.readSync());
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
      const stats = rows.find((r) => r.key === key)!.stats!;
      assert.equal(stats.min, Math.min(...xs), key);
      assert.equal(stats.max, Math.max(...xs), key);
      assert.ok(Math.abs(stats.mean! - mean) <= 1e-6 * Math.max(1, Math.abs(mean)), key);
      if (xs.length > 1) assert.ok(Math.abs(stats.std! - std) <= 1e-6 * Math.max(1, std), key);
      assert.equal(stats.sparsity, xs.filter((x) => x === 0).length / xs.length, key);
    }
    opened.close();
  });

  it('--stats leaves NaN and infinities out of the moments and counts them; complex has no stats', async () => {
    const run = await runCli(['statedict', path.join(fixtures, 'dtypes.pt'), '--json', '--stats']);
    assert.equal(run.status, 0, run.stderr);
    const rows = run.json<Row[]>();
    const f32 = rows.find((r) => r.key === 'float32')!.stats!;
    assert.deepEqual([f32.min, f32.max, f32.nonFinite], [-2.25, 3.5, 3]);
    assert.equal(rows.find((r) => r.key === 'complex64')!.stats, null);
    assert.deepEqual(rows.find((r) => r.key === 'empty')!.stats, { min: null, max: null, mean: null, std: null, sparsity: 0, nonFinite: 0 });
  });

  it('prints a readable table by default', async () => {
    const run = await runCli(['statedict', path.join(fixtures, 'net.pt'), '--stats']);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /torch\.save archive, 18 tensors/);
    assert.match(run.stdout, /^features\.0\.weight\s+\[6, 3, 3, 3\]\s+float32\s+-?\d/m);
    assert.match(run.stdout, /^features\.1\.num_batches_tracked\s+\[\]\s+int64/m);
  });

  const exampleWeights = ['net.pt', 'net.safetensors'].map((f) => path.join(examples, 'weights', f)).filter((f) => fs.existsSync(f));
  for (const file of exampleWeights) {
    it(`lists the example weights ${path.basename(file)} as the source document's 18 state_dict entries`, async () => {
      const run = await runCli(['statedict', file, '--json']);
      assert.equal(run.status, 0, run.stderr);
      const meta = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'models', 'net', 'meta.json'), 'utf8')) as { state_dict: Row[] };
      assert.deepEqual(run.json<Row[]>(), meta.state_dict);
    });
  }

  describe('bad files', () => {
    const cases: [string, string, RegExp][] = [
      ['a missing file', 'no/such/file.pt', /error: no\/such\/file\.pt: no such file/],
      ['a forbidden pickle global', 'forbidden_global.pt', /forbidden_global\.pt: .*posix\.system.*not on the allow-list/],
      ['the legacy format', 'legacy.pt', /legacy\.pt: .*legacy \(pre-1\.6\) format/],
      ['a TorchScript archive', 'torchscript.pt', /torchscript\.pt: .*TorchScript/],
      ['a .npy array', 'npy/float32_2x3.npy', /float32_2x3\.npy: .*\.npy array, not a checkpoint/],
      ['a folder', 'npy', /npy: is not a file/],
    ];
    for (const [what, name, message] of cases) {
      it(`${what}: exit status 3 and a message naming the file`, async () => {
        const run = await runCli(['statedict', name.startsWith('no/') ? name : path.join(fixtures, name)]);
        assert.equal(run.status, 3, run.stderr);
        assert.match(run.stderr, message);
        assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
        assert.equal(run.stdout, '');
      });
    }

    it('a truncated archive', async () => {
      const cut = path.join(fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'te-cut-')), 'cut.pt');
      const bytes = fs.readFileSync(path.join(fixtures, 'net.pt'));
      fs.writeFileSync(cut, bytes.subarray(0, bytes.length - 200));
      const run = await runCli(['statedict', cut]);
      assert.equal(run.status, 3, run.stderr);
      assert.match(run.stderr, /cut\.pt: /);
      fs.rmSync(path.dirname(cut), { recursive: true });
    });

    it('--debug adds our stack trace', async () => {
      const run = await runCli(['statedict', path.join(fixtures, 'forbidden_global.pt'), '--debug']);
      assert.equal(run.status, 3);
      assert.match(run.stderr, /\n\s+at /);
    });
  });
});
