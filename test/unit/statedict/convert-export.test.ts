import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { torch } from '../../../src/engine';
import { DType, DTYPES } from '../../../src/engine/dtype';
import { Tensor } from '../../../src/engine/tensor';
import { RawTensor, readSafetensors, readTorchCheckpoint, TensorInput, tensorBytesSync } from '../../../src/formats';
import { openCheckpointFile } from '../../../src/formats/files-node';
import { recordsToStateDict, stateDictToRecords, tensorBytes, tensorFromBytes } from '../../../src/statedict/convert';
import { ExportError } from '../../../src/statedict/export';
import { saveEditorAs, saveStateDict, saveStateDictSync } from '../../../src/statedict/export-node';
import { StateDictEditor } from '../../../src/statedict/editor';
import { assertSameStateDict, bytesOf, fingerprint, sampleStateDict, tempDir } from './helpers';

const ITEM: Record<DType, number> = { float32: 4, float64: 8, float16: 2, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1 };

describe('statedict/convert', () => {
  it('wraps aligned bytes without copying and reads them back unchanged, for every engine dtype', () => {
    fc.assert(fc.property(
      fc.constantFrom(...DTYPES), fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }), fc.uint8Array({ minLength: 0, maxLength: 256 }),
      (dtype, shape, seed) => {
        const numel = shape.reduce((a, b) => a * b, 1);
        const bytes = new Uint8Array(numel * ITEM[dtype]);
        for (let i = 0; i < bytes.length; i++) bytes[i] = seed.length ? seed[i % seed.length] ^ (i * 37) : i;
        if (dtype === 'bool') bytes.forEach((b, i) => { bytes[i] = b & 1; });
        if (dtype === 'int64') for (let i = 7; i < bytes.length; i += 8) bytes[i] = bytes[i] & 0x80 ? 0xff : 0; // keep within 2^56
        const t = tensorFromBytes(dtype, shape, bytes);
        assert.deepEqual([...t.shape], shape);
        assert.equal(t.dtype, dtype);
        assert.deepEqual(tensorBytes(t), bytes);
      }), { numRuns: 300 });
  });

  it('shares memory with the record when aligned', () => {
    const bytes = new Uint8Array(new Float32Array([1, 2, 3]).buffer);
    const t = tensorFromBytes('float32', [3], bytes);
    bytes.set(new Uint8Array(new Float32Array([9]).buffer), 0);
    assert.deepEqual(t.tolist(), [9, 2, 3]);
    assert.equal(tensorBytes(t).buffer, bytes.buffer);
  });

  it('copies unaligned bytes', () => {
    const backing = new Uint8Array(13);
    backing.set(new Uint8Array(new Float32Array([1.5, -2, 4]).buffer), 1);
    assert.deepEqual(tensorFromBytes('float32', [3], backing.subarray(1)).tolist(), [1.5, -2, 4]);
  });

  it('keeps int64 values beyond 2^53 exact while untouched, and converts edited values', () => {
    const sd = sampleStateDict();
    const record = stateDictToRecords(new Map([['x', sd.get('module.f8')!]])).get('x') as RawTensor;
    assert.equal(record.dtype, 'float8_e4m3fn');
    const big = new Uint8Array(16);
    new DataView(big.buffer).setBigInt64(0, 2n ** 60n + 3n, true);
    new DataView(big.buffer).setBigInt64(8, -7n, true);
    const t = tensorFromBytes('int64', [2], big);
    assert.deepEqual(tensorBytes(t), big);
    const edited = t.add(1);
    assert.equal(new DataView(tensorBytes(edited).buffer).getBigInt64(8, true), -6n);
  });

  it('splits records into engine tensors and raw records of dtypes the engine lacks, in order', () => {
    const records = new Map<string, TensorInput>([
      ['a', { dtype: 'float32', shape: [2], bytes: new Uint8Array(new Float32Array([1, 2]).buffer) }],
      ['q', { dtype: 'float8_e5m2', shape: [2], bytes: new Uint8Array([1, 2]) }],
      ['u', { dtype: 'uint16', shape: [1], bytes: new Uint8Array([1, 2]) }],
      ['b', { dtype: 'int64', shape: [], bytes: new Uint8Array(8) }],
    ]);
    const out = recordsToStateDict(records);
    assert.deepEqual([...out.entries.keys()], ['a', 'q', 'u', 'b']);
    assert.deepEqual([...out.tensors.keys()], ['a', 'b']);
    assert.deepEqual(out.unsupported, [{ key: 'q', dtype: 'float8_e5m2', shape: [2] }, { key: 'u', dtype: 'uint16', shape: [1] }]);
    assert.deepEqual(out.entries.get('q'), records.get('q'));
    assert.ok(out.entries.get('b') instanceof Tensor);
  });
});

describe('statedict/export', () => {
  let dir: string;
  before(() => { dir = tempDir(); });
  after(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  const withoutRaw = () => {
    const sd = sampleStateDict();
    sd.delete('module.f8');
    return sd;
  };

  it('.safetensors: re-read with formats gives the same keys, dtypes and bytes (float8 kept raw)', async () => {
    const sd = sampleStateDict();
    const target = path.join(dir, 'out.safetensors');
    const report = await saveStateDict(sd, target);
    assert.equal(report.format, 'safetensors');
    assert.equal(report.keys, sd.size);
    const back = readSafetensors(new Uint8Array(fs.readFileSync(target)));
    const reread = recordsToStateDict(back.tensors).entries;
    // safetensors orders by dtype alignment then name; compare as sets of entries
    const sorted = (m: ReadonlyMap<string, unknown>) => fingerprint(m as never).sort((a, b) => (a[0] < b[0] ? -1 : 1));
    assert.deepEqual(sorted(reread), sorted(sd));
  });

  it('.pt: torch.save layout re-read keeps order, dtypes and bytes, including int64 past 2^53', () => {
    const sd = withoutRaw();
    const big = new Uint8Array(8);
    new DataView(big.buffer).setBigInt64(0, 2n ** 62n + 1n, true);
    sd.set('big', tensorFromBytes('int64', [1], big));
    const target = path.join(dir, 'model.pt');
    saveStateDictSync(sd, target);
    const ckpt = readTorchCheckpoint(new Uint8Array(fs.readFileSync(target)));
    assert.equal(ckpt.root, 'model/');
    const reread = recordsToStateDict(ckpt.stateDicts[0].tensors).entries;
    assertSameStateDict(reread, sd);
    assert.deepEqual(tensorBytesSync(ckpt.stateDicts[0].tensors.get('big')!), big);
  });

  it('converts floating tensors to float16/bfloat16 on export and leaves the rest', () => {
    for (const dtype of ['float16', 'bfloat16'] as const) {
      const sd = withoutRaw();
      const target = path.join(dir, `half-${dtype}.safetensors`);
      const report = saveStateDictSync(sd, target, { dtype });
      assert.deepEqual([...report.converted].sort(), ['module.bn.running_mean', 'module.fc.bias', 'module.fc.weight', ...(dtype === 'float16' ? ['module.emb.scale'] : ['module.emb.weight'])].sort());
      const back = recordsToStateDict(readSafetensors(new Uint8Array(fs.readFileSync(target))).tensors).entries;
      for (const [key, v] of sd) {
        const got = back.get(key)!;
        if (!(v as Tensor).is_floating_point()) { assert.deepEqual(bytesOf(got), bytesOf(v), key); continue; }
        assert.equal(got.dtype, dtype, key);
        assert.deepEqual(bytesOf(got), tensorBytes((v as Tensor).type(dtype)), key);
      }
    }
  });

  it('opens an exported file with openCheckpointFile and finds the state dict', () => {
    const target = path.join(dir, 'opened.pth');
    saveStateDictSync(withoutRaw(), target);
    const file = openCheckpointFile(target);
    try {
      assert.equal(file.format, 'torch-zip');
      assert.deepEqual([...file.tensors.keys()], [...withoutRaw().keys()]);
    } finally { file.close(); }
  });

  it('refuses the source file, unknown extensions and dtypes a format cannot hold; leaves no temp files', () => {
    const source = path.join(dir, 'source.safetensors');
    fs.writeFileSync(source, 'original');
    assert.throws(() => saveStateDictSync(withoutRaw(), source, { source }), ExportError);
    assert.throws(() => saveStateDictSync(withoutRaw(), path.join(dir, '.', 'source.safetensors'), { source }), /refusing to overwrite the source file/);
    assert.equal(fs.readFileSync(source, 'utf8'), 'original');
    assert.throws(() => saveStateDictSync(withoutRaw(), path.join(dir, 'weights.xyz')), /cannot tell the format from "weights.xyz"/);
    assert.throws(() => saveStateDictSync(sampleStateDict(), path.join(dir, 'f8.pt')),
      { message: 'cannot export as .pt: torch.save\'s format has no storage class for "module.f8" (float8_e4m3fn); delete or convert these keys, or choose the other format' });
    assert.ok(!fs.existsSync(path.join(dir, 'f8.pt')));
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  });

  it('an edited state dict is saved to a new file, never over its source', async () => {
    const source = path.join(dir, 'edited-source.safetensors');
    saveStateDictSync(withoutRaw(), source);
    const file = openCheckpointFile(source);
    const editor = new StateDictEditor(recordsToStateDict(file.tensors).entries, source);
    file.close();
    editor.apply({ kind: 'renamePrefix', from: 'module.', to: '' });
    editor.apply({ kind: 'scale', keys: ['fc.weight'], factor: 2 });
    const before = fs.readFileSync(source);
    await assert.rejects(saveEditorAs(editor, source), /refusing to overwrite the source file/);
    const target = path.join(dir, 'edited.safetensors');
    await saveEditorAs(editor, target);
    assert.deepEqual(fs.readFileSync(source), before);
    const back = recordsToStateDict(readSafetensors(new Uint8Array(fs.readFileSync(target))).tensors).entries;
    assert.deepEqual((back.get('fc.weight') as Tensor).tolist(), [[1, -2.5, 6], [4, 0.25, -8]]);
  });

  it('an export replaces an existing target atomically', () => {
    const target = path.join(dir, 'replace.safetensors');
    fs.writeFileSync(target, 'old');
    saveStateDictSync(new Map([['w', torch.ones([2])]]), target);
    const back = readSafetensors(new Uint8Array(fs.readFileSync(target)));
    assert.deepEqual([...back.tensors.keys()], ['w']);
  });
});
