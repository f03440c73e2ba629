import assert from 'node:assert/strict';
import * as path from 'node:path';
import { ByteSource, MemoryByteSource, runSync } from '../../../src/formats/byte-source';
import { openCheckpointSync } from '../../../src/formats/checkpoint';
import { openCheckpointFile } from '../../../src/formats/files-node';
import { PyDict } from '../../../src/formats/py-values';
import { stripPrefix } from '../../../src/formats/state-dicts';
import { memoryStorage, stridedTensor } from '../../../src/formats/tensor-data';
import { TorchTensor, unpickleTorch } from '../../../src/formats/torch-pickle';
import { openTorchCheckpoint, readTorchCheckpoint } from '../../../src/formats/torch-zip';
import { archiveNameFor, saveStateDictChunks, torchSaveBytes } from '../../../src/formats/torch-zip-writer';
import { readZipDirectoryOp, readZipEntryOp } from '../../../src/formats/zip-reader';
import { ZipStreamWriter } from '../../../src/formats/zip-writer';
import { PickleWriter } from '../../../src/formats/pickle-writer';
import { FIXTURES, describe as describeValue, expectFormatError, expectFormatErrorAsync, expectedFor, fixture } from './helpers';

const DESCRIBED = ['net.pt', 'views.pt', 'dtypes.pt', 'parameter.pt', 'checkpoint.pt', 'state_dict_key.pth', 'dataparallel.pt',
  'nested.pt', 'saved_from_buffer.pt', 'deflated.pt', 'big_endian.pt'];

const zipOptions = { maxEntries: 1000, maxEntryBytes: 2 ** 30, verifyChecksums: true };
const directoryOf = (bytes: Uint8Array) => runSync(readZipDirectoryOp(bytes.length, zipOptions), new MemoryByteSource(bytes));

function recordsOf(bytes: Uint8Array): [string, Uint8Array][] {
  const directory = directoryOf(bytes);
  return directory.entries.map((e) => [e.name, runSync(readZipEntryOp(e, directory, zipOptions), new MemoryByteSource(bytes))]);
}

function zipOf(records: [string, Uint8Array][]): Uint8Array {
  const writer = new ZipStreamWriter();
  const chunks = records.flatMap(([name, data]) => [...writer.entry(name, data)]);
  return Buffer.concat([...chunks, writer.finish()]);
}

describe('formats/torch-zip: files written by PyTorch 1.13', () => {
  for (const name of DESCRIBED) {
    it(`reads ${name} with exact values, strides and storage sharing`, () => {
      const checkpoint = readTorchCheckpoint(fixture(name), { fileName: name });
      assert.deepEqual(describeValue(checkpoint.object), expectedFor(name));
    });
  }

  it('takes the root folder from the archive, whatever it is', () => {
    assert.equal(readTorchCheckpoint(fixture('net.pt')).root, 'net/');
    assert.equal(readTorchCheckpoint(fixture('saved_from_buffer.pt')).root, 'archive/');
    assert.equal(readTorchCheckpoint(fixture('net.pt')).version, '3');
  });

  it('keeps the shared-storage information of views', () => {
    const sd = readTorchCheckpoint(fixture('views.pt')).stateDicts[0].tensors;
    const key = (name: string) => sd.get(name)?.view?.storage.key;
    assert.equal(key('base'), key('slice'));
    assert.equal(key('base'), key('transposed'));
    assert.equal(key('longs'), key('longs_tail'));
    assert.notEqual(key('base'), key('expanded'));
    assert.deepEqual(sd.get('transposed')?.view?.strides, [1, 4]);
    assert.deepEqual([...new Float32Array((sd.get('transposed')?.readSync() as Uint8Array).slice().buffer)], [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
    assert.deepEqual(sd.get('expanded')?.view?.strides, [0, 1]);
  });

  it('reads big-endian archives (byteorder record) as little-endian values', () => {
    const checkpoint = readTorchCheckpoint(fixture('big_endian.pt'));
    assert.equal(checkpoint.byteorder, 'big');
    const i64 = checkpoint.stateDicts[0].tensors.get('i64')?.readSync() as Uint8Array;
    assert.deepEqual([...new BigInt64Array(i64.slice().buffer)], [1n, -(2n ** 40n)]);
  });

  it('recognises wrapped state dicts: model/optimizer/epoch, state_dict, DataParallel, nested dicts', () => {
    const checkpoint = readTorchCheckpoint(fixture('checkpoint.pt'));
    assert.equal(checkpoint.stateDicts[0].label, "checkpoint['model']");
    assert.deepEqual([...checkpoint.stateDicts[0].tensors.keys()], ['0.weight', '0.bias', '2.weight', '2.bias']);
    assert.ok(checkpoint.stateDicts.slice(1).every((c) => c.path[0] === 'optimizer'));
    assert.equal((checkpoint.object as PyDict).get('epoch'), 3);

    assert.equal(readTorchCheckpoint(fixture('state_dict_key.pth')).stateDicts[0].label, "checkpoint['state_dict']");

    const parallel = readTorchCheckpoint(fixture('dataparallel.pt')).stateDicts[0];
    assert.equal(parallel.modulePrefix, 'module.');
    assert.deepEqual([...stripPrefix(parallel.tensors, 'module.').keys()], ['0.weight', '0.bias', '2.weight', '2.bias']);

    const nested = readTorchCheckpoint(fixture('nested.pt')).stateDicts[0];
    assert.ok(nested.nested);
    assert.deepEqual([...nested.tensors.keys()], ['encoder.layer.weight', 'encoder.bias', 'decoder.weight']);

    const net = readTorchCheckpoint(fixture('net.pt')).stateDicts[0];
    assert.equal(net.label, 'checkpoint');
    assert.equal(((net.metadata as PyDict).get('features.1') as PyDict).get('version'), 2);

    const flat = readTorchCheckpoint(torchSaveBytes(new Map<string, unknown>([['w', { dtype: 'float32', shape: [], bytes: new Uint8Array(4) }], ['step', 10]]) as never)).stateDicts;
    assert.deepEqual(flat.map((c) => [c.label, [...c.tensors.keys()], c.skippedKeys]), [['checkpoint', ['w'], ['step']]]);

    const parameter = readTorchCheckpoint(fixture('parameter.pt'));
    assert.equal(parameter.stateDicts.length, 0);
    assert.ok(parameter.object instanceof TorchTensor && parameter.object.isParameter && parameter.object.requiresGrad);
  });

  it('opens files lazily from disk and from an asynchronous source', async () => {
    const opened = openCheckpointFile(path.join(FIXTURES, 'net.pt'));
    try {
      assert.equal(opened.format, 'torch-zip');
      assert.equal(opened.tensors.size, 18);
      assert.equal(opened.tensors.get('classifier.0.weight')?.readSync().length, 128 * 576 * 4);
    } finally {
      opened.close();
    }
    const bytes = fixture('views.pt');
    const source: ByteSource = { size: bytes.length, read: async (o, l) => bytes.slice(o, o + l) };
    const checkpoint = await openTorchCheckpoint(source, { fileName: 'views.pt' });
    assert.equal((await checkpoint.stateDicts[0].tensors.get('slice')?.read())?.length, 24);
  });
});

describe('formats/torch-zip: refusals with typed errors', () => {
  it('legacy format: says how to re-save', () => {
    expectFormatError(() => readTorchCheckpoint(fixture('legacy.pt'), { fileName: 'legacy.pt' }), 'LegacyFormat', 'legacy.pt', 're-save');
    expectFormatError(() => openCheckpointSync(new MemoryByteSource(fixture('legacy.pt'))), 'LegacyFormat');
  });

  it('TorchScript archives, bare pickles and unknown bytes', () => {
    expectFormatError(() => readTorchCheckpoint(fixture('torchscript.pt')), 'TorchScriptArchive', 'state_dict');
    expectFormatError(() => openCheckpointSync(new MemoryByteSource(fixture('plain_protocol2.pkl'))), 'UnknownFormat', 'bare pickle');
    expectFormatError(() => readTorchCheckpoint(new TextEncoder().encode('hello world')), 'UnknownFormat');
  });

  it('a forbidden global, in an archive and in a bare pickle, is named and never run', () => {
    expectFormatError(() => readTorchCheckpoint(fixture('forbidden_global.pt'), { fileName: 'evil.pt' }), 'ForbiddenGlobal', 'evil.pt', 'posix.system');
    expectFormatError(() => unpickleTorch(fixture('forbidden_global.pkl')), 'ForbiddenGlobal', 'posix.system');
  });

  it('truncated archives', () => {
    const bytes = fixture('views.pt');
    for (const length of [0, 3, 21, 100, bytes.length >> 1, bytes.length - 23, bytes.length - 1]) {
      const error = expectFormatError(() => readTorchCheckpoint(bytes.subarray(0, length), { fileName: 'cut.pt' }), length < 2 ? 'UnknownFormat' : 'InvalidZip');
      assert.ok(error.message.startsWith('cut.pt: '));
    }
  });

  it('an archive without data.pkl, or missing a storage record', () => {
    expectFormatError(() => readTorchCheckpoint(zipOf([['m/version', new TextEncoder().encode('3\n')]])), 'MissingRecord', 'data.pkl');
    const withoutOne = zipOf(recordsOf(fixture('views.pt')).filter(([name]) => name !== 'views/data/1'));
    expectFormatError(() => readTorchCheckpoint(withoutOne), 'MissingRecord', 'views/data/1');
  });

  it('a storage record whose size disagrees with the pickle', () => {
    const pickle = new PickleWriter();
    pickle.global('torch._utils', '_rebuild_tensor_v2').tuple(6, () => {
      pickle.tuple(5, () => pickle.str('storage').global('torch', 'FloatStorage').str('0').str('cpu').int(4)).op(0x51);
      pickle.int(0).tuple(1, () => pickle.int(4)).tuple(1, () => pickle.int(1)).bool(false).emptyOrderedDict();
    }).op(0x52);
    const bytes = zipOf([['a/data.pkl', pickle.finish()], ['a/data/0', new Uint8Array(12)]]);
    expectFormatError(() => readTorchCheckpoint(bytes), 'InvalidTensor', 'needs 16');
  });

  it('a damaged storage fails its CRC when read', () => {
    const bytes = fixture('views.pt').slice();
    const entry = directoryOf(bytes).byName.get('views/data/0');
    assert.ok(entry);
    bytes[entry.localHeaderOffset + 30 + entry.name.length + 32 + 4] ^= 1; // inside the data (FB padding is 32 bytes)
    const checkpoint = readTorchCheckpoint(bytes, { fileName: 'damaged.pt' });
    expectFormatError(() => checkpoint.stateDicts[0].tensors.get('base')?.readSync(), 'ChecksumMismatch', 'damaged.pt', 'views/data/0');
    assert.equal(readTorchCheckpoint(bytes, { verifyChecksums: false }).stateDicts[0].tensors.get('base')?.readSync().length, 48);
  });

  it('awaits reads of a damaged file with typed errors too', async () => {
    const bytes = fixture('views.pt').subarray(0, 600);
    await expectFormatErrorAsync(() => openTorchCheckpoint({ size: bytes.length, read: async (o, l) => bytes.slice(o, o + l) }), 'InvalidZip');
  });
});

describe('formats/torch-zip: writing the layout torch.save uses', () => {
  const storage = memoryStorage('float32', new Uint8Array(new Float32Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]).buffer));
  const tensors = new Map<string, ReturnType<typeof stridedTensor> | { dtype: 'int64'; shape: number[]; bytes: Uint8Array }>();
  for (let i = 0; i < 12; i++) tensors.set(`t${i}`, { dtype: 'int64', shape: [1], bytes: new Uint8Array(8).fill(i) });
  tensors.set('view', stridedTensor(storage, 2, [2, 3], [3, 1]));
  tensors.set('transposed', stridedTensor(storage, 0, [4, 3], [1, 4]));
  const bytes = Buffer.concat([...saveStateDictChunks(tensors, { archiveName: archiveNameFor('/x/my.model.pt') })]);
  const directory = directoryOf(bytes);

  it('records: data.pkl, byteorder, data/<key> in string order, version; the stem as root', () => {
    assert.equal(archiveNameFor('/x/my.model.pt'), 'my.model');
    assert.deepEqual(directory.entries.map((e) => e.name), ['my.model/data.pkl', 'my.model/byteorder',
      ...['0', '1', '10', '11', '12', '2', '3', '4', '5', '6', '7', '8', '9'].map((k) => `my.model/data/${k}`), 'my.model/version']);
  });

  it('stored entries, data 64-byte aligned, data descriptors, Zip64 end records', () => {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (const e of directory.entries) {
      assert.equal(e.method, 0);
      assert.equal(e.flags, 0x0808);
      const start = e.localHeaderOffset + 30 + view.getUint16(e.localHeaderOffset + 26, true) + view.getUint16(e.localHeaderOffset + 28, true);
      assert.equal(start % 64, 0, e.name);
      assert.equal(view.getUint32(start + e.size, true), 0x08074b50, `${e.name} descriptor`);
    }
    assert.equal(view.getUint32(bytes.length - 22 - 20 - 56, true), 0x06064b50);
  });

  it('writes a shared storage once and reads the views back', () => {
    const back = readTorchCheckpoint(bytes).stateDicts[0].tensors;
    assert.equal(back.get('view')?.view?.storage.key, back.get('transposed')?.view?.storage.key);
    assert.deepEqual([...new Float32Array((back.get('view')?.readSync() as Uint8Array).slice().buffer)], [2, 3, 4, 5, 6, 7]);
    assert.equal(back.get('t10')?.readSync()[0], 10);
  });

  it('reads Zip64 extra fields (forced on small files)', () => {
    const forced = torchSaveBytes(new Map([['a', { dtype: 'float32' as const, shape: [2], bytes: new Uint8Array(8).fill(7) }]]), { forceZip64: true });
    assert.equal(readTorchCheckpoint(forced).stateDicts[0].tensors.get('a')?.readSync()[0], 7);
  });

  it('refuses dtypes torch.save cannot hold and cyclic objects', () => {
    expectFormatError(() => torchSaveBytes(new Map([['a', { dtype: 'uint16', shape: [1], bytes: new Uint8Array(2) }]])), 'UnsupportedDtype');
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    expectFormatError(() => torchSaveBytes(cyclic as never), 'InvalidArgument');
  });
});
