import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DTYPES, dtypeInfo, itemSize } from '../../../src/formats/dtypes';
import { PyDict, PyValue, makeTuple } from '../../../src/formats/py-values';
import { readSafetensors, writeSafetensors } from '../../../src/formats/safetensors';
import { RawTensor, TensorInput, memoryStorage, stridedTensor } from '../../../src/formats/tensor-data';
import { readTorchCheckpoint } from '../../../src/formats/torch-zip';
import { SaveValue, stateDictObject, torchSaveBytes } from '../../../src/formats/torch-zip-writer';
import { FIXTURES, base64, describe as describeValue, fixture } from './helpers';

/**
 * Files this layer writes, loaded by real PyTorch with torch.load(f, weights_only=True) (and our
 * safetensors read by a plain-Python reading of the spec). Runs when /usr/bin/python3 can import torch;
 * the Python output is kept as evidence in test/fixtures/checkpoints/evidence/.
 */
const PYTHON = process.env.TE_PYTHON ?? '/usr/bin/python3';
const SCRIPT = path.resolve(__dirname, '../../../scripts/goldens/checkpoints.py');
const EVIDENCE = path.join(FIXTURES, 'evidence');

function pattern(length: number, seed: number, bool = false): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (bool ? (i * 7 + seed) % 3 === 0 ? 1 : 0 : (i * 131 + seed * 17 + (i >> 3)) & 0xff));
}

function raw(dtype: RawTensor['dtype'], shape: number[], seed: number): RawTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return { dtype, shape, bytes: pattern((n * dtypeInfo(dtype).bits) / 8, seed, dtype === 'bool') };
}

function torchFiles(): Record<string, SaveValue> {
  const everyDtype = new Map<string, TensorInput>();
  DTYPES.filter((d) => dtypeInfo(d).storageClass).forEach((d, i) => everyDtype.set(d, raw(d, [2, 3], i)));
  everyDtype.set('scalar', raw('int64', [], 99));
  everyDtype.set('empty', raw('float32', [0, 4], 98));
  const metadata = new PyDict(true, [['', new PyDict(false, [['version', 1]])]]);

  const base = memoryStorage('float32', pattern(12 * 4, 5));
  const longs = memoryStorage('int64', pattern(10 * 8, 6));
  const views = new Map<string, TensorInput>([
    ['base', stridedTensor(base, 0, [12])], ['slice', stridedTensor(base, 2, [2, 3])],
    ['transposed', stridedTensor(base, 0, [4, 3], [1, 4])], ['scalar_view', stridedTensor(base, 5, [], [])],
    ['every_third', stridedTensor(base, 0, [4], [3])], ['expanded', stridedTensor(memoryStorage('float32', pattern(12, 7)), 0, [4, 3], [0, 1])],
    ['longs_tail', stridedTensor(longs, 7, [3])], ['longs', stridedTensor(longs, 0, [10])],
  ]);
  const net = readTorchCheckpoint(fixture('net.pt')).stateDicts[0];
  const parameter = stridedTensor(memoryStorage('float32', pattern(24, 8)), 0, [2, 3], undefined, { isParameter: true, requiresGrad: true });
  const wrapped = new PyDict(false, [['model', stateDictObject(views)], ['epoch', 3], ['names', ['a', 'b']],
    ['shape', makeTuple([1, 2])], ['flags', new PyDict(false, [['frozen', false], ['none', null]])]] as [PyValue, PyValue][]);
  return {
    'ours_every_dtype.pt': stateDictObject(everyDtype, metadata),
    'ours_views.pt': stateDictObject(views),
    'ours_net.pt': stateDictObject(net.tensors, net.metadata),
    'ours_parameter.pt': parameter,
    'ours_wrapped.pt': wrapped,
    'ours_zip64.pt': stateDictObject(new Map([['w', raw('float32', [3, 2], 9)]])),
  };
}

function run(args: string[]): unknown {
  const result = spawnSync(PYTHON, [SCRIPT, ...args], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout);
}

function saveEvidence(name: string, value: unknown): void {
  fs.mkdirSync(EVIDENCE, { recursive: true });
  fs.writeFileSync(path.join(EVIDENCE, name), `${JSON.stringify(value, null, 1)}\n`);
}

describe('formats/files we write load in real PyTorch (weights_only=True)', function () {
  this.timeout(180_000);
  let folder: string;

  before(function () {
    const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8', timeout: 60_000 });
    if (probe.status !== 0) {
      console.log(`      (skipped: ${PYTHON} cannot import torch; install Debian's python3-torch to run this check)`);
      this.skip();
    }
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'te-interop-'));
  });
  after(() => folder && fs.rmSync(folder, { recursive: true, force: true }));

  it('torch.load gives identical keys, dtypes, shapes, strides, storage sharing and bytes', () => {
    const files = torchFiles();
    const expected: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(files)) {
      const bytes = torchSaveBytes(value, { archiveName: name.replace(/\.pt$/, ''), forceZip64: name.includes('zip64') });
      fs.writeFileSync(path.join(folder, name), bytes);
      expected[name] = describeValue(readTorchCheckpoint(bytes).object);
    }
    const output = run(['verify', ...Object.keys(files).map((n) => path.join(folder, n))]) as { torch: string; files: Record<string, unknown> };
    saveEvidence('torch-load-weights-only.json', output);
    for (const name of Object.keys(files)) assert.deepEqual(output.files[name], expected[name], name);
  });

  it('a plain-Python reading of the safetensors spec agrees with our writer', () => {
    const tensors = new Map<string, RawTensor>();
    DTYPES.filter((d) => dtypeInfo(d).safetensors && dtypeInfo(d).bits % 8 === 0).forEach((d, i) => tensors.set(`t.${d}`, raw(d, [3, 1], i)));
    tensors.set('scalar', raw('float32', [], 1));
    tensors.set('empty', raw('int8', [0], 2));
    tensors.set('f4', raw('float4_e2m1fn', [2, 4], 3));
    const name = 'ours_all_dtypes.safetensors';
    const bytes = writeSafetensors(tensors, { format: 'pt', tool: 'torch-explorer' });
    fs.writeFileSync(path.join(folder, name), bytes);
    const output = run(['verify-safetensors', path.join(folder, name)]) as { files: Record<string, { safetensors: { metadata: unknown; tensors: { key: string; shape: number[]; data: string }[] } }> };
    saveEvidence('safetensors-read-by-python.json', output);
    const got = output.files[name].safetensors;
    assert.deepEqual(got.metadata, { format: 'pt', tool: 'torch-explorer' });
    const back = readSafetensors(bytes);
    assert.deepEqual(got.tensors.map((t) => t.key), [...back.tensors.keys()], 'data order is header order');
    for (const t of got.tensors) {
      assert.deepEqual(t.shape, [...(tensors.get(t.key) as RawTensor).shape]);
      assert.equal(t.data, base64((tensors.get(t.key) as RawTensor).bytes), t.key);
    }
    assert.ok(itemSize('float32') === 4);
  });
});
