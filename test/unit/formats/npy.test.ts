import assert from 'node:assert/strict';
import { readNpy, writeNpy } from '../../../src/formats/npy';
import { base64, expectFormatError, expectedFor, fixture } from './helpers';

const NUMPY_NAMES: Record<string, string> = { float32: 'float32', float64: 'float64', int64: 'int64', bool: 'bool', uint8: 'uint8' };

describe('formats/npy', () => {
  for (const name of ['float32_2x3.npy', 'float64_fortran.npy', 'int64_bigendian.npy', 'bool_scalar.npy', 'uint8_empty.npy']) {
    it(`reads ${name} written by numpy (C order, little-endian)`, () => {
      const expected = (expectedFor(`npy/${name}`) as { npy: { dtype: string; shape: number[]; data: string } }).npy;
      const t = readNpy(fixture(`npy/${name}`), { fileName: name });
      assert.equal(NUMPY_NAMES[t.dtype], expected.dtype);
      assert.deepEqual(t.shape, expected.shape);
      assert.equal(base64(t.bytes), expected.data);
    });
  }

  it('writes the header numpy.save writes', () => {
    const bytes = writeNpy({ dtype: 'float32', shape: [2, 3], bytes: new Uint8Array(24) });
    assert.equal(new TextDecoder().decode(bytes.subarray(10, 128)).trimEnd(), "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }");
    assert.equal(new TextDecoder().decode(writeNpy({ dtype: 'bool', shape: [3], bytes: new Uint8Array(3) }).subarray(10, 128)).trimEnd(),
      "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }");
    assert.deepEqual(fixture('npy/float32_2x3.npy').subarray(0, 128), writeNpy(readNpy(fixture('npy/float32_2x3.npy'))).subarray(0, 128));
  });

  it('refuses damaged or unsupported files with typed errors', () => {
    const good = fixture('npy/float32_2x3.npy');
    expectFormatError(() => readNpy(good.subarray(0, good.length - 1), { fileName: 'a.npy' }), 'InvalidNpy', 'a.npy', 'needs 24');
    expectFormatError(() => readNpy(new Uint8Array(20)), 'InvalidNpy');
    const structured = good.slice();
    structured.set(new TextEncoder().encode("{'descr': [('a', '<f4')], "), 10);
    expectFormatError(() => readNpy(structured), 'UnsupportedDtype');
    expectFormatError(() => writeNpy({ dtype: 'bfloat16', shape: [1], bytes: new Uint8Array(2) }), 'UnsupportedDtype');
  });
});
