import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DTYPES, DType, dtypeInfo, itemSize } from '../../../src/formats/dtypes';
import { readNpy, writeNpy } from '../../../src/formats/npy';
import { PyDict } from '../../../src/formats/py-values';
import { openSafetensorsSync, readSafetensors, writeSafetensors } from '../../../src/formats/safetensors';
import { MemoryByteSource } from '../../../src/formats/byte-source';
import { RawTensor, StorageRef, TensorEntry, memoryStorage, stridedTensor } from '../../../src/formats/tensor-data';
import { readTorchCheckpoint } from '../../../src/formats/torch-zip';
import { stateDictObject, torchSaveBytes } from '../../../src/formats/torch-zip-writer';

const SAFETENSORS_DTYPES = DTYPES.filter((d) => dtypeInfo(d).safetensors);
const TORCH_DTYPES = DTYPES.filter((d) => dtypeInfo(d).storageClass);
const NPY_DTYPES = DTYPES.filter((d) => dtypeInfo(d).npy);

const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const bytesOf = (length: number) => fc.uint8Array({ minLength: length, maxLength: length });
const shapeArb = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 });

/** Elements of a strided view in C order, computed the slow obvious way (independent of gatherStrided). */
function naiveGather(storage: Uint8Array, item: number, shape: number[], strides: number[], offset: number): Uint8Array {
  const out: number[] = [];
  const visit = (dim: number, at: number) => {
    if (dim === shape.length) {
      for (let b = 0; b < item; b++) out.push(storage[at * item + b]);
      return;
    }
    for (let i = 0; i < shape[dim]; i++) visit(dim + 1, at + i * strides[dim]);
  };
  if (numel(shape) > 0) visit(0, offset);
  return Uint8Array.from(out);
}

const tensorArb = (dtypes: readonly DType[]) => fc.tuple(fc.constantFrom(...dtypes), shapeArb).chain(([dtype, dims]) => {
  const bits = dtypeInfo(dtype).bits;
  const shape = (numel(dims) * bits) % 8 === 0 ? dims : [...dims, 8]; // sub-byte dtypes must end on a byte
  return bytesOf((numel(shape) * bits) / 8).map((bytes): RawTensor => ({ dtype, shape, bytes }));
});

const nameArb = fc.string({ unit: 'binary', maxLength: 10 }).filter((s) => s !== '__metadata__');

describe('formats/round trips (fast-check)', () => {
  it('safetensors: every dtype, random shapes (empty and 0-d), unicode names and metadata', () => {
    fc.assert(fc.property(
      fc.uniqueArray(fc.tuple(nameArb, tensorArb(SAFETENSORS_DTYPES)), { selector: ([n]) => n, maxLength: 8 }),
      fc.option(fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 8 }), { maxKeys: 3 }), { nil: undefined }),
      (entries, metadata) => {
        const written = writeSafetensors(entries, metadata);
        const back = readSafetensors(written);
        assert.equal(back.tensors.size, entries.length);
        for (const [name, t] of entries) {
          const got = back.tensors.get(name) as RawTensor;
          assert.equal(got.dtype, t.dtype);
          assert.deepEqual([...got.shape], t.shape);
          assert.deepEqual(got.bytes, t.bytes);
        }
        assert.deepEqual(back.metadata === undefined ? undefined : { ...back.metadata }, metadata === undefined ? undefined : { ...metadata });
        assert.deepEqual(writeSafetensors(back.tensors, back.metadata), written, 'rewriting is byte-identical');
        assert.equal(openSafetensorsSync(new MemoryByteSource(written)).tensors.size, entries.length);
      }), { numRuns: 200 });
  });

  it('torch zip: every storage dtype, random shapes, Parameters and _metadata', () => {
    fc.assert(fc.property(
      fc.uniqueArray(fc.tuple(nameArb, tensorArb(TORCH_DTYPES), fc.boolean()), { selector: ([n]) => n, maxLength: 8 }),
      (entries) => {
        const tensors = new Map<string, RawTensor | TensorEntry>();
        for (const [name, t, parameter] of entries) {
          tensors.set(name, parameter ? stridedTensor(memoryStorage(t.dtype, t.bytes), 0, t.shape, undefined, { isParameter: true, requiresGrad: true }) : t);
        }
        const metadata = new PyDict(true, [['', new PyDict(false, [['version', 1]])]]);
        const back = readTorchCheckpoint(torchSaveBytes(stateDictObject(tensors, metadata)));
        const sd = back.stateDicts[0]?.tensors ?? new Map();
        assert.equal(sd.size, entries.length);
        for (const [name, t, parameter] of entries) {
          const got = sd.get(name) as TensorEntry;
          assert.equal(got.dtype, t.dtype);
          assert.deepEqual([...got.shape], t.shape);
          assert.deepEqual(got.readSync(), t.bytes);
          assert.equal(got.isParameter, parameter);
        }
        if (entries.length) assert.equal(((back.stateDicts[0].metadata as PyDict).get('') as PyDict).get('version'), 1);
      }), { numRuns: 200 });
  });

  const viewArb = fc.record({
    shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
    stridesSeed: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 3, maxLength: 3 }),
    offset: fc.integer({ min: 0, max: 6 }),
  }).map(({ shape, stridesSeed, offset }) => {
    const strides = shape.map((_, i) => stridesSeed[i]);
    const span = numel(shape) === 0 ? 0 : shape.reduce((s, d, i) => s + (d - 1) * strides[i], 0);
    return { shape, strides, offset, needs: offset + span + 1 };
  });

  it('torch zip: non-contiguous views sharing storages are written once and read back exactly', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.constantFrom(...TORCH_DTYPES), fc.array(viewArb, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 3 }),
      fc.integer(),
      (groups, seed) => {
        const tensors = new Map<string, TensorEntry>();
        const expected = new Map<string, { bytes: Uint8Array; group: number; strides: number[]; offset: number }>();
        groups.forEach(([dtype, views, extra], g) => {
          const item = itemSize(dtype);
          const storageNumel = Math.max(...views.map((v) => v.needs)) + extra;
          const bytes = Uint8Array.from({ length: storageNumel * item }, (_, i) => (i * 31 + seed + g) & 0xff);
          const storage: StorageRef = memoryStorage(dtype, bytes);
          views.forEach((v, i) => {
            const name = `g${g}.v${i}`;
            tensors.set(name, stridedTensor(storage, v.offset, v.shape, v.strides));
            expected.set(name, { bytes: naiveGather(bytes, item, v.shape, v.strides, v.offset), group: g, strides: v.strides, offset: v.offset });
          });
        });
        const written = torchSaveBytes(stateDictObject(tensors));
        const back = readTorchCheckpoint(written);
        assert.equal(back.entries.filter((e) => e.includes('/data/')).length, groups.length, 'one record per storage');
        const sd = back.stateDicts[0].tensors;
        const keyOfGroup = new Map<number, string | undefined>();
        for (const [name, e] of expected) {
          const got = sd.get(name) as TensorEntry;
          assert.deepEqual(got.readSync(), e.bytes, name);
          assert.deepEqual([...(got.view?.strides ?? [])], e.strides);
          assert.equal(got.view?.storageOffset, e.offset);
          if (!keyOfGroup.has(e.group)) keyOfGroup.set(e.group, got.view?.storage.key);
          assert.equal(got.view?.storage.key, keyOfGroup.get(e.group), `${name} shares its storage`);
        }
      }), { numRuns: 200 });
  });

  it('.npy: every numpy dtype and random shapes', () => {
    fc.assert(fc.property(tensorArb(NPY_DTYPES), (t) => {
      const back = readNpy(writeNpy(t));
      assert.equal(back.dtype, t.dtype);
      assert.deepEqual(back.shape, t.shape);
      assert.deepEqual(back.bytes, t.bytes);
      assert.equal(writeNpy(t).length % 64, (numel(t.shape) * itemSize(t.dtype)) % 64);
    }), { numRuns: 200 });
  });
});
