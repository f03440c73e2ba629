import assert from 'node:assert/strict';
import fc from 'fast-check';
import { jsonToPlain, parseJsonStrict } from '../../../src/formats/json-strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ByteSource, MemoryByteSource } from '../../../src/formats/byte-source';
import { FileByteSource, openCheckpointFile } from '../../../src/formats/files-node';
import {
  MAX_HEADER_SIZE, openSafetensors, openSafetensorsSync, readSafetensors, safetensorsChunks, writeSafetensors,
} from '../../../src/formats/safetensors';
import { openShardedSafetensorsSync, parseSafetensorsIndex } from '../../../src/formats/safetensors-index';
import { FIXTURES, base64, expectFormatError, expectFormatErrorAsync, expectedFor, fixture, safetensorsFile } from './helpers';

interface ExpectedSafetensors { safetensors: { metadata: Record<string, string> | null; tensors: { key: string; dtype: string; shape: number[]; data: string }[] } }

const f32 = (shape: number[], offsets: [number, number]) => ({ dtype: 'F32', shape, data_offsets: offsets });
const header = (entries: Record<string, unknown>) => JSON.stringify(entries);
const read = (bytes: Uint8Array) => readSafetensors(bytes, { fileName: 'model.safetensors' });

describe('formats/safetensors: reading', () => {
  it('reads the hand-written fixture with exact values and metadata', () => {
    const expected = (expectedFor('handmade.safetensors') as ExpectedSafetensors).safetensors;
    const sd = read(fixture('handmade.safetensors'));
    assert.deepEqual({ ...sd.metadata }, expected.metadata);
    assert.equal(sd.tensors.size, expected.tensors.length);
    for (const t of expected.tensors) {
      const got = sd.tensors.get(t.key);
      assert.ok(got, t.key);
      assert.deepEqual([...got.shape], t.shape, t.key);
      assert.equal(base64(got.bytes), t.data, t.key);
    }
    assert.equal(sd.tensors.get('f8.e4m3')?.dtype, 'float8_e4m3fn');
    assert.equal(sd.tensors.get('u64')?.dtype, 'uint64');
    assert.equal(sd.tensors.get('w.bf16')?.dtype, 'bfloat16');
  });

  it('rewrites the fixture byte for byte (reference order and padding)', () => {
    const original = fixture('handmade.safetensors');
    const sd = read(original);
    assert.equal(Buffer.compare(Buffer.from(writeSafetensors(sd.tensors, sd.metadata)), Buffer.from(original)), 0);
  });

  it('reads the header first and tensor ranges on demand from a file', () => {
    const source = new FileByteSource(path.join(FIXTURES, 'handmade.safetensors'));
    const reads: [number, number][] = [];
    const counting: ByteSource = { size: source.size, name: source.name, read: (o, l) => { reads.push([o, l]); return source.read(o, l); } };
    try {
      const file = openSafetensorsSync(counting);
      assert.equal(reads.length, 2, 'length prefix and header only');
      const bytes = file.tensors.get('n.i64')?.readSync() as Uint8Array;
      assert.equal(reads.length, 3);
      assert.deepEqual([...new BigInt64Array(bytes.slice().buffer)], [-5n, 2n ** 40n]);
    } finally {
      source.close();
    }
  });

  it('works over an asynchronous source, and says so when used synchronously', async () => {
    const bytes = fixture('handmade.safetensors');
    const source: ByteSource = { size: bytes.length, name: 'remote.safetensors', read: async (o, l) => bytes.slice(o, o + l) };
    const file = await openSafetensors(source);
    assert.equal((await file.tensors.get('w.f32')?.read())?.length, 24);
    await expectFormatErrorAsync(async () => file.tensors.get('w.f32')?.readSync(), 'AsyncSource');
    expectFormatError(() => openSafetensorsSync(source), 'AsyncSource');
  });

  it('is recognised by content through the generic opener', () => {
    const opened = openCheckpointFile(path.join(FIXTURES, 'handmade.safetensors'));
    try {
      assert.equal(opened.format, 'safetensors');
      assert.equal(opened.tensors.size, 17);
      assert.equal(opened.metadata?.format, 'pt');
    } finally {
      opened.close();
    }
    expectFormatError(() => openCheckpointFile(path.join(FIXTURES, 'npy', 'float32_2x3.npy')), 'UnknownFormat', 'readNpy');
    expectFormatError(() => openCheckpointFile(path.join(FIXTURES, 'no-such-file.pt')), 'IoError', 'no-such-file.pt');
  });

  it('accepts empty files, 0-d and empty tensors, and null metadata', () => {
    assert.equal(read(safetensorsFile('{}')).tensors.size, 0);
    const sd = read(safetensorsFile(header({ __metadata__: null, s: f32([], [0, 4]), e: f32([0, 3], [4, 4]) }), 4));
    assert.deepEqual(sd.tensors.get('s')?.shape, []);
    assert.deepEqual(sd.tensors.get('e')?.shape, [0, 3]);
    assert.equal(sd.metadata, undefined);
  });

  it('keeps header order and accepts any order of offsets', () => {
    const sd = read(safetensorsFile(header({ b: f32([1], [4, 8]), a: f32([1], [0, 4]) }), 8));
    assert.deepEqual([...sd.tensors.keys()], ['b', 'a']);
  });
});

describe('formats/safetensors: the strict JSON parser', () => {
  it('agrees with JSON.parse on every JSON text (fast-check)', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 6 }), fc.boolean(), (value, pretty) => {
      const text = JSON.stringify(value, null, pretty ? 2 : undefined);
      assert.equal(JSON.stringify(jsonToPlain(parseJsonStrict(text))), JSON.stringify(JSON.parse(text)));
    }), { numRuns: 300 });
  });
});

describe('formats/safetensors: the reference validation rules and attack cases', () => {
  it('HeaderTooSmall, HeaderTooLarge, InvalidHeaderLength', () => {
    expectFormatError(() => read(new Uint8Array(7)), 'HeaderTooSmall', 'model.safetensors');
    const big = new Uint8Array(16);
    new DataView(big.buffer).setBigUint64(0, BigInt(MAX_HEADER_SIZE + 1), true);
    expectFormatError(() => read(big), 'HeaderTooLarge', '100000000');
    new DataView(big.buffer).setBigUint64(0, 2n ** 64n - 1n, true);
    expectFormatError(() => read(big), 'HeaderTooLarge');
    new DataView(big.buffer).setBigUint64(0, 9n, true);
    expectFormatError(() => read(big), 'InvalidHeaderLength');
  });

  it('InvalidHeader (not UTF-8), InvalidHeaderStart, InvalidHeaderDeserialization', () => {
    const bad = safetensorsFile('{"a":1}');
    bad[10] = 0xff;
    expectFormatError(() => read(bad), 'InvalidHeader');
    expectFormatError(() => read(safetensorsFile('[]')), 'InvalidHeaderStart');
    expectFormatError(() => read(safetensorsFile('\ufeff{}')), 'InvalidHeaderStart');
    for (const text of ['{', '{"a":1}', '{"a":{"dtype":"F32","shape":[1]}}', '{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}',
      '{"a":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}', '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}',
      '{"a\\ud800":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}', '{} x', '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,18446744073709551616]}}']) {
      expectFormatError(() => read(safetensorsFile(text, 4)), 'InvalidHeaderDeserialization');
    }
  });

  it('JSON attack: deep nesting fails fast', () => {
    const start = Date.now();
    expectFormatError(() => read(safetensorsFile(`{"a":${'['.repeat(1_000_000)}`)), 'InvalidHeaderDeserialization', 'nesting');
    assert.ok(Date.now() - start < 1000);
  });

  it('JSON attack: a huge number of keys sharing offsets fails with InvalidOffset, quickly', () => {
    const entries: string[] = [];
    for (let i = 0; i < 200_000; i++) entries.push(`"weight_${i}":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}`);
    const start = Date.now();
    expectFormatError(() => read(safetensorsFile(`{${entries.join(',')}}`, 16)), 'InvalidOffset');
    assert.ok(Date.now() - start < 5000, `${Date.now() - start} ms`);
  });

  it('InvalidOffset for overlaps, gaps, a late start and end before begin', () => {
    const cases: Record<string, unknown>[] = [
      { a: f32([4], [0, 16]), b: f32([4], [8, 24]) },
      { a: f32([4], [0, 16]), b: f32([4], [20, 36]) },
      { a: f32([1], [4, 8]) },
      { a: f32([0], [8, 4]) },
    ];
    for (const c of cases) expectFormatError(() => read(safetensorsFile(header(c), 36)), 'InvalidOffset');
    expectFormatError(() => read(safetensorsFile(header(cases[1]), 36)), 'InvalidOffset', '"b"', 'should begin at 16');
  });

  it('TensorInvalidInfo, ValidationOverflow, MisalignedSlice', () => {
    expectFormatError(() => read(safetensorsFile(header({ a: f32([2, 2], [0, 12]) }), 12)), 'TensorInvalidInfo', '"a"', 'needs 16');
    expectFormatError(() => read(safetensorsFile(header({ a: f32([2 ** 40, 2 ** 40], [0, 0]) }))), 'ValidationOverflow');
    const huge = '{"a":{"dtype":"F64","shape":[4611686018427387904,2],"data_offsets":[0,0]}}';
    expectFormatError(() => read(safetensorsFile(huge)), 'ValidationOverflow');
    expectFormatError(() => read(safetensorsFile(header({ a: { dtype: 'F4', shape: [3], data_offsets: [0, 1] } }), 1)), 'MisalignedSlice');
    expectFormatError(() => read(safetensorsFile(header({ a: { dtype: 'F6_E2M3', shape: [2], data_offsets: [0, 1] } }), 1)), 'MisalignedSlice');
    assert.equal(read(safetensorsFile(header({ a: { dtype: 'F4', shape: [4], data_offsets: [0, 2] } }), 2)).tensors.get('a')?.bytes.length, 2);
    assert.equal(read(safetensorsFile(header({ a: { dtype: 'F6_E3M2', shape: [4], data_offsets: [0, 3] } }), 3)).tensors.get('a')?.bytes.length, 3);
  });

  it('MetadataIncompleteBuffer for missing or extra bytes, including a zip appended as a polyglot', () => {
    const text = header({ a: f32([2], [0, 8]) });
    expectFormatError(() => read(safetensorsFile(text, 7)), 'MetadataIncompleteBuffer');
    expectFormatError(() => read(safetensorsFile(text, 9)), 'MetadataIncompleteBuffer');
    const valid = safetensorsFile(text, 8);
    const zip = fixture('views.pt');
    const polyglot = new Uint8Array(valid.length + zip.length);
    polyglot.set(valid);
    polyglot.set(zip, valid.length);
    expectFormatError(() => read(polyglot), 'MetadataIncompleteBuffer');
  });

  it('DuplicateKey at the top level and inside a tensor entry (JSON.parse would keep the last)', () => {
    const dup = '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}';
    expectFormatError(() => read(safetensorsFile(dup, 4)), 'DuplicateKey', '"a"');
    const inner = '{"a":{"dtype":"F32","dtype":"F16","shape":[1],"data_offsets":[0,4]}}';
    expectFormatError(() => read(safetensorsFile(inner, 4)), 'DuplicateKey');
  });

  it('UnknownDtype and InvalidMetadata', () => {
    expectFormatError(() => read(safetensorsFile(header({ a: { dtype: 'F128', shape: [], data_offsets: [0, 16] } }), 16)), 'UnknownDtype', 'F128');
    expectFormatError(() => read(safetensorsFile(header({ __metadata__: { a: 1 } }))), 'InvalidMetadata');
    expectFormatError(() => read(safetensorsFile(header({ __metadata__: ['x'] }))), 'InvalidMetadata');
  });
});

describe('formats/safetensors: writing', () => {
  const t = (dtype: 'float32' | 'int64' | 'bool' | 'float16', shape: number[], n: number) => ({ dtype, shape, bytes: new Uint8Array(n) });

  it('sorts by descending alignment then name, writes metadata first and pads to 8 bytes', () => {
    const bytes = writeSafetensors(new Map([['z', t('bool', [3], 3)], ['b', t('float32', [1], 4)], ['a', t('float32', [], 4)], ['l', t('int64', [1], 8)]]), { k: 'v' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    assert.equal(n % 8, 0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    assert.equal(text.trimEnd(), '{"__metadata__":{"k":"v"},"l":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},' +
      '"a":{"dtype":"F32","shape":[],"data_offsets":[8,12]},"b":{"dtype":"F32","shape":[1],"data_offsets":[12,16]},' +
      '"z":{"dtype":"BOOL","shape":[3],"data_offsets":[16,19]}}');
  });

  it('streams one chunk per tensor', () => {
    const chunks = [...safetensorsChunks(new Map([['a', t('float32', [1], 4)], ['b', t('float16', [1], 2)]]))];
    assert.equal(chunks.length, 4);
  });

  it('refuses what safetensors cannot hold', () => {
    expectFormatError(() => writeSafetensors(new Map([['c', { dtype: 'complex128' as const, shape: [1], bytes: new Uint8Array(16) }]])), 'UnsupportedDtype');
    expectFormatError(() => writeSafetensors(new Map([['__metadata__', t('float32', [1], 4)]])), 'InvalidArgument');
    expectFormatError(() => writeSafetensors(new Map([['a', t('float32', [2], 4)]])), 'InvalidArgument', 'need 8');
    expectFormatError(() => writeSafetensors(new Map([['\ud800', t('float32', [1], 4)]])), 'InvalidArgument');
    expectFormatError(() => writeSafetensors([['a', t('float32', [1], 4)], ['a', t('float32', [1], 4)]]), 'DuplicateKey');
  });
});

describe('formats/safetensors: sharded checkpoints', () => {
  const indexPath = path.join(FIXTURES, 'sharded', 'model.safetensors.index.json');

  it('opens every shard lazily through the index with exact values', () => {
    const expected = (expectedFor('sharded/model.safetensors.index.json') as ExpectedSafetensors).safetensors;
    const opened = openCheckpointFile(indexPath);
    try {
      assert.deepEqual([...opened.tensors.keys()], Object.keys(JSON.parse(fs.readFileSync(indexPath, 'utf8')).weight_map));
      for (const e of expected.tensors) assert.equal(base64(opened.tensors.get(e.key)?.readSync() as Uint8Array), e.data, e.key);
      assert.equal(opened.sharded?.shards.size, 2);
    } finally {
      opened.close();
    }
  });

  it('errors on a missing shard, a key the shard lacks, escaping paths and duplicates', () => {
    const shard = fixture('sharded/model-00001-of-00002.safetensors');
    const open = (name: string) => {
      if (name !== 'a.safetensors') throw new Error('ENOENT: no such file');
      return new MemoryByteSource(shard, name);
    };
    const index = (map: Record<string, string>) => new TextEncoder().encode(JSON.stringify({ weight_map: map }));
    expectFormatError(() => openShardedSafetensorsSync(index({ 'w.f32': 'b.safetensors' }), open, 'i.json'), 'MissingShard', 'i.json', 'b.safetensors');
    expectFormatError(() => openShardedSafetensorsSync(index({ nope: 'a.safetensors' }), open), 'MissingTensor', 'nope');
    expectFormatError(() => parseSafetensorsIndex(index({ x: '../secret.safetensors' })), 'InvalidIndex');
    expectFormatError(() => parseSafetensorsIndex(index({ x: '/etc/x.safetensors' })), 'InvalidIndex');
    expectFormatError(() => parseSafetensorsIndex(new TextEncoder().encode('{"weight_map":{"a":"x","a":"y"}}')), 'DuplicateKey');
    expectFormatError(() => parseSafetensorsIndex(new TextEncoder().encode('{"metadata":{}}')), 'InvalidIndex');
    expectFormatError(() => parseSafetensorsIndex(new TextEncoder().encode('not json')), 'InvalidIndex');
  });

  it('names the index file when a shard is absent on disk', () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'te-shards-'));
    try {
      fs.writeFileSync(path.join(folder, 'm.safetensors.index.json'), JSON.stringify({ weight_map: { a: 'gone.safetensors' } }));
      expectFormatError(() => openCheckpointFile(path.join(folder, 'm.safetensors.index.json')), 'MissingShard', 'gone.safetensors');
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
