// `torch-explorer convert` both ways, with values checked by reading the written file back, dtype casts,
// wrapped checkpoints, and the refusals (OUT == IN, unknown extension).
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import '../../../src/engine'; // registers the kernels the dtype casts below run on
import { openCheckpointFile } from '../../../src/formats/files-node';
import { tensorBytes, tensorFromRecord } from '../../../src/statedict/convert';
import { buildCli, examples, fixtures, hasPythonTorch, runCli, tmp } from './cli-harness';

function readAll(file: string): Map<string, { dtype: string; shape: number[]; bytes: Uint8Array }> {
  const opened = openCheckpointFile(file);
  try {
    return new Map([...opened.tensors].map(([k, t]) => [k, { dtype: t.dtype, shape: [...t.shape], bytes: t.readSync() }]));
  } finally {
    opened.close();
  }
}

function values(entry: { dtype: string; shape: readonly number[]; bytes: Uint8Array }): number[] {
  const t = tensorFromRecord({ dtype: entry.dtype as 'float32', shape: entry.shape, bytes: entry.bytes })!;
  return (t.type('float64').reshape([-1]).tolist() as number[]);
}

const source = fs.existsSync(path.join(examples, 'weights', 'net.pt')) ? path.join(examples, 'weights', 'net.pt') : path.join(fixtures, 'net.pt');

describe('cli: convert', function () {
  this.timeout(120_000);
  before(buildCli);

  it('.pt -> .safetensors -> .pt keeps every key, shape, dtype and byte', async () => {
    const st = tmp('net.safetensors'), back = tmp('net-back.pt');
    const first = await runCli(['convert', source, st]);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /wrote .*net\.safetensors \(safetensors\): 18 tensors/);
    const second = await runCli(['convert', st, back, '--json']);
    assert.equal(second.status, 0, second.stderr);
    assert.equal(second.json<{ tensors: number }>().tensors, 18);
    const original = readAll(source);
    for (const file of [st, back]) {
      const written = readAll(file);
      assert.deepEqual([...written.keys()].sort(), [...original.keys()].sort());
      for (const [key, t] of original) {
        const w = written.get(key)!;
        assert.equal(w.dtype, t.dtype, key);
        assert.deepEqual(w.shape, t.shape, key);
        assert.deepEqual(Buffer.from(w.bytes), Buffer.from(t.bytes), key);
      }
    }
  });

  it('keeps the key order and _metadata of a .pt written as .pt', async () => {
    const out = tmp('net-copy.pth');
    const run = await runCli(['convert', source, out]);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual([...readAll(out).keys()], [...readAll(source).keys()]);
    const reopened = openCheckpointFile(out);
    assert.ok(reopened.stateDicts[0].metadata, 'the _metadata attribute survives');
    reopened.close();
  });

  for (const dtype of ['float16', 'bfloat16'] as const) {
    it(`--dtype ${dtype} casts floating tensors (values within ${dtype} rounding) and leaves int64 alone`, async () => {
      const out = tmp(`net-${dtype}.safetensors`);
      const run = await runCli(['convert', source, out, '--dtype', dtype, '--json']);
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.json<{ converted: string[] }>().converted.length, 16);
      const original = readAll(source), written = readAll(out);
      for (const [key, t] of original) {
        const w = written.get(key)!;
        assert.equal(w.dtype, t.dtype === 'float32' ? dtype : t.dtype, key);
        const expected = t.dtype === 'float32' ? values({ ...t, dtype, bytes: tensorBytes(tensorFromRecord(t as never)!.type(dtype)) }) : values(t);
        assert.deepEqual(values(w), expected, key);
      }
    });
  }

  it('--dtype float32 widens float16 back; a wrapped checkpoint gives its model', async () => {
    const half = tmp('half.pt'), full = tmp('full.safetensors');
    assert.equal((await runCli(['convert', source, half, '--dtype', 'float16'])).status, 0);
    const run = await runCli(['convert', half, full, '--dtype', 'float32']);
    assert.equal(run.status, 0, run.stderr);
    for (const [key, t] of readAll(full)) assert.ok(t.dtype === 'float32' || t.dtype === 'int64', key);
    const wrapped = await runCli(['convert', path.join(fixtures, 'checkpoint.pt'), tmp('model.safetensors')]);
    assert.equal(wrapped.status, 0, wrapped.stderr);
    assert.match(wrapped.stderr, /using checkpoint\['model'\]/);
    assert.deepEqual([...readAll(tmp('model.safetensors')).keys()].sort(), ['0.bias', '0.weight', '2.bias', '2.weight']);
  });

  it('refuses to write over its input (also through a symlink) and leaves it untouched', async () => {
    const input = tmp('keep.safetensors');
    fs.copyFileSync(path.join(fixtures, 'handmade.safetensors'), input);
    const before = fs.readFileSync(input);
    const same = await runCli(['convert', input, input]);
    assert.equal(same.status, 3);
    assert.match(same.stderr, /refusing to write over the input file/);
    const link = tmp('link.safetensors');
    fs.symlinkSync(input, link);
    const viaLink = await runCli(['convert', input, link]);
    assert.equal(viaLink.status, 3);
    assert.deepEqual(fs.readFileSync(input), before);
    const shard = path.join(fixtures, 'sharded', 'model-00001-of-00002.safetensors');
    const shardRun = await runCli(['convert', path.join(fixtures, 'sharded', 'model.safetensors.index.json'), shard]);
    assert.equal(shardRun.status, 3);
    assert.match(shardRun.stderr, /refusing to write over the input file .*model-00001-of-00002/);
  });

  it('a dtype the output format cannot hold is refused with the keys named', async () => {
    const run = await runCli(['convert', path.join(fixtures, 'handmade.safetensors'), tmp('handmade.pt')]);
    assert.equal(run.status, 3);
    assert.match(run.stderr, /cannot export as \.pt: .*"u64" \(uint64\)/);
    assert.ok(!fs.existsSync(tmp('handmade.pt')));
  });

  it('rejects an output name without a known format and a bad --dtype (status 2)', async () => {
    const noFormat = await runCli(['convert', source, tmp('weights.bin2')]);
    assert.equal(noFormat.status, 2);
    assert.match(noFormat.stderr, /cannot tell the output format .*\.safetensors, \.pt or \.pth/);
    const badDtype = await runCli(['convert', source, tmp('x.pt'), '--dtype', 'int8']);
    assert.equal(badDtype.status, 2);
    assert.match(badDtype.stderr, /--dtype "int8": expected one of float16, bfloat16, float32/);
    assert.ok(!fs.existsSync(tmp('x.pt')));
  });

  it('a file real PyTorch loads with weights_only=True (when python3-torch is installed)', async function () {
    if (!hasPythonTorch()) this.skip();
    const out = tmp('for-torch.pt');
    assert.equal((await runCli(['convert', source, out, '--dtype', 'float16'])).status, 0);
    const script = `import torch, json; sd = torch.load(${JSON.stringify(out)}, weights_only=True); print(json.dumps({k: str(v.dtype) for k, v in sd.items()}))`;
    const dtypes = JSON.parse(execFileSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' })) as Record<string, string>;
    assert.equal(dtypes['features.0.weight'], 'torch.float16');
    assert.equal(dtypes['features.1.num_batches_tracked'], 'torch.int64');
  });
});

