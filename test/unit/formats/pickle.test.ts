import assert from 'node:assert/strict';
import { PyCallable, unpickle } from '../../../src/formats/pickle';
import { PickleWriter } from '../../../src/formats/pickle-writer';
import { PyDict, PyValue, isTuple } from '../../../src/formats/py-values';
import { findStateDicts } from '../../../src/formats/state-dicts';
import { TorchTensor, unpickleTorch } from '../../../src/formats/torch-pickle';
import { describe as describeValue, expectFormatError, expectedFor, fixture } from './helpers';

const bytes = (...parts: (number | string | Uint8Array)[]) => {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'number') out.push(p);
    else if (typeof p === 'string') for (const b of new TextEncoder().encode(p)) out.push(b);
    else out.push(...p);
  }
  return Uint8Array.from(out);
};
const u32 = (n: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n, true); return b; };
const u64 = (n: bigint) => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, n, true); return b; };
const noGlobals = { findGlobal: (m: string, n: string): PyValue => { throw new Error(`unexpected global ${m}.${n}`); } };

/** A pickle building one float32 tensor of `shape` over a storage of `numel` elements. */
function tensorPickle(shape: number[], stride: number[], numel: number | bigint, offset = 0): Uint8Array {
  const w = new PickleWriter();
  w.global('torch._utils', '_rebuild_tensor_v2').tuple(6, () => {
    w.tuple(5, () => w.str('storage').global('torch', 'FloatStorage').str('0').str('cpu').int(numel)).op(0x51);
    w.int(offset).tuple(shape.length, () => shape.forEach((d) => w.int(d))).tuple(stride.length, () => stride.forEach((d) => w.int(d)));
    w.bool(false).emptyOrderedDict();
  }).op(0x52);
  return w.finish();
}

describe('formats/pickle: what Python writes', () => {
  for (const protocol of [2, 3, 4, 5]) {
    it(`reads plain data pickled with protocol ${protocol} exactly`, () => {
      const name = `plain_protocol${protocol}.pkl`;
      assert.deepEqual(describeValue(unpickleTorch(fixture(name))), expectedFor(name));
    });
  }

  it('keeps shared references shared and tuples marked', () => {
    const value = unpickleTorch(fixture('plain_protocol4.pkl')) as PyDict;
    const shared = value.get('shared') as PyValue[];
    assert.equal(shared[0], shared[1]);
    assert.ok(isTuple(value.get('tuple')));
    assert.equal((value.get('ints') as PyValue[])[9], 2n ** 63n);
  });

  it('round-trips plain data through the pickle writer', () => {
    const value = unpickleTorch(fixture('plain_protocol2.pkl'));
    assert.deepEqual(describeValue(unpickleTorch(new PickleWriter().value(value).finish())), describeValue(value));
  });

  it('handles FRAME, MEMOIZE, STACK_GLOBAL, SHORT_BINBYTES, LONG4, DUP, POP, POP_MARK', () => {
    const found: string[] = [];
    const hooks = { findGlobal: (m: string, n: string) => { found.push(`${m}.${n}`); return new PyCallable(`${m}.${n}`, (a) => a[0]); } };
    const value = unpickle(bytes(0x80, 4, 0x95, u64(10n), 0x8c, 1, 'm', 0x94, 0x8c, 1, 'f', 0x94, 0x93, 0x94,
      0x43, 2, 'hi', 0x8b, u32(2), 0xff, 0x7f, 0x32, 0x30, 0x28, 0x4e, 0x31, 0x86, 0x85, 0x52, 0x4b, 0, 0x86, 0x2e), hooks);
    assert.deepEqual(found, ['m.f']);
    assert.ok(isTuple(value));
    assert.equal((value as PyValue[])[1], 0);
    assert.deepEqual([...((value as PyValue[])[0] as PyValue[])], [new TextEncoder().encode('hi'), 32767]);
  });
});

describe('formats/pickle: hostile pickles end in typed errors, fast, without allocating', () => {
  it('refuses globals off the allow-list, by name', () => {
    expectFormatError(() => unpickleTorch(bytes(0x80, 2, 'c', 'builtins\neval\n', 0x2e)), 'ForbiddenGlobal', 'builtins.eval');
    expectFormatError(() => unpickleTorch(bytes(0x80, 4, 0x8c, 2, 'os', 0x8c, 6, 'system', 0x93, 0x2e)), 'ForbiddenGlobal', 'os.system');
    expectFormatError(() => unpickleTorch(bytes(0x80, 2, 'c', 'torch\nload\n', 0x2e)), 'ForbiddenGlobal', 'torch.load');
  });

  it('refuses calling what is not callable and building what is not buildable', () => {
    expectFormatError(() => unpickleTorch(bytes(0x80, 2, 0x5d, 0x29, 0x52, 0x2e)), 'InvalidPickle', 'not an allowed callable');
    expectFormatError(() => unpickleTorch(bytes(0x80, 2, 0x5d, 0x7d, 0x62, 0x2e)), 'InvalidPickle', 'BUILD');
    expectFormatError(() => unpickleTorch(bytes(0x80, 2, 'c', 'torch\nfloat32\n', 0x29, 0x52, 0x2e)), 'InvalidPickle');
  });

  it('a tensor shape of 1e12 elements fails at once (before any allocation)', () => {
    const start = Date.now();
    expectFormatError(() => unpickleTorch(tensorPickle([1e6, 1e6], [1e6, 1], 16)), 'InvalidTensor', 'reaches element');
    expectFormatError(() => unpickleTorch(tensorPickle([2 ** 40, 2 ** 40, 2 ** 40], [0, 0, 0], 1)), 'InvalidTensor', 'too many elements');
    assert.ok(Date.now() - start < 100);
  });

  it('a stride-0 view that would be huge when made contiguous fails on read with LimitExceeded', () => {
    const tensor = unpickleTorch(tensorPickle([1e6, 1e6], [0, 0], 1), { maxTensorBytes: 2 ** 20 }) as TorchTensor;
    expectFormatError(() => tensor.readSync(), 'LimitExceeded');
  });

  it('length prefixes larger than the pickle fail before allocating', () => {
    expectFormatError(() => unpickle(bytes(0x80, 4, 0x8e, u64(2n ** 62n), 0x2e), noGlobals), 'InvalidPickle', 'ends inside');
    expectFormatError(() => unpickle(bytes(0x80, 4, 0x8d, u64(2n ** 40n), 0x2e), noGlobals), 'InvalidPickle');
    expectFormatError(() => unpickle(bytes(0x80, 2, 0x58, u32(0xffffffff), 0x2e), noGlobals), 'InvalidPickle');
    expectFormatError(() => unpickle(bytes(0x80, 2, 0x8b, u32(0x7fffffff), 0x2e), noGlobals), 'InvalidPickle');
    expectFormatError(() => unpickle(bytes(0x80, 2, 0x8b, u32(5000), new Uint8Array(5000), 0x2e), noGlobals), 'LimitExceeded');
  });

  it('caps container items, memo entries, MARK depth and stack size', () => {
    const appends = new Uint8Array(2 + 1 + 2 * 3000 + 1);
    appends.set([0x80, 2, 0x5d]);
    for (let i = 0; i < 3000; i++) appends.set([0x4e, 0x61], 3 + 2 * i);
    appends[appends.length - 1] = 0x2e;
    expectFormatError(() => unpickle(appends, noGlobals, { maxContainerItems: 1000 }), 'LimitExceeded', 'containers');
    expectFormatError(() => unpickle(bytes(0x80, 2, 0x4e, 0x71, 1, 0x71, 2, 0x71, 3, 0x2e), noGlobals, { maxMemoEntries: 2 }), 'LimitExceeded', 'memo');
    expectFormatError(() => unpickle(bytes(0x80, 2, ...new Array(100).fill(0x28), 0x2e), noGlobals, { maxMarkDepth: 50 }), 'LimitExceeded', 'MARK');
    expectFormatError(() => unpickle(bytes(0x80, 2, ...new Array(100).fill(0x4e), 0x2e), noGlobals, { maxStackItems: 50 }), 'LimitExceeded', 'stack');
  });

  it('malformed streams: underflow, missing STOP, bad memo, unknown and text-protocol opcodes', () => {
    expectFormatError(() => unpickle(bytes(0x80, 2, 0x2e), noGlobals), 'InvalidPickle', 'underflow');
    expectFormatError(() => unpickle(bytes(0x80, 2, 0x4e), noGlobals), 'InvalidPickle', 'STOP');
    expectFormatError(() => unpickle(bytes(0x80, 2, 0x68, 7, 0x2e), noGlobals), 'InvalidPickle', 'memo key 7');
    expectFormatError(() => unpickle(bytes(0x80, 2, 0x65, 0x2e), noGlobals), 'InvalidPickle', 'MARK');
    expectFormatError(() => unpickle(bytes(0x80, 2, 0xff, 0x2e), noGlobals), 'UnsupportedOpcode', '0xff');
    expectFormatError(() => unpickle(bytes('I1\n.'), noGlobals), 'UnsupportedOpcode', 'INT');
    expectFormatError(() => unpickle(bytes(0x80, 9, 0x2e), noGlobals), 'InvalidPickle', 'protocol 9');
    expectFormatError(() => unpickle(bytes(0x80, 2, 0x7d, 0x5d, 0x4e, 0x73, 0x2e), noGlobals), 'InvalidPickle', 'unhashable');
    expectFormatError(() => unpickle(bytes(0x80, 2, 0x4e, 0x4e, 0x61, 0x2e), noGlobals), 'InvalidPickle', 'append');
  });

  it('self-referencing and exponentially shared structures stay cheap to walk', () => {
    // l = []; l.append(l)
    const cyclic = unpickle(bytes(0x80, 2, 0x5d, 0x71, 0, 0x68, 0, 0x61, 0x2e), noGlobals) as PyValue[];
    assert.equal(cyclic[0], cyclic);
    assert.deepEqual(findStateDicts(cyclic), []);
    // d0 = {}; d(i+1) = {'a': d(i), 'b': d(i)} for 40 levels: 2^40 paths, 40 objects
    const parts: (number | string | Uint8Array)[] = [0x80, 2, 0x7d, 0x71, 0];
    for (let i = 1; i <= 40; i++) parts.push(0x7d, 0x28, 0x58, u32(1), 'a', 0x68, i - 1, 0x58, u32(1), 'b', 0x68, i - 1, 0x75, 0x71, i);
    parts.push(0x2e);
    const start = Date.now();
    const dag = unpickle(bytes(...parts), noGlobals);
    assert.deepEqual(findStateDicts(dag), []);
    assert.ok(Date.now() - start < 200);
  });
});
