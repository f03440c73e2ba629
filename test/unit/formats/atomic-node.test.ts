import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic, writeFileAtomicSync } from '../../../src/formats/atomic-node';
import { saveStateDictChunks } from '../../../src/formats/torch-zip-writer';
import { readTorchCheckpoint } from '../../../src/formats/torch-zip';
import { expectFormatErrorAsync, expectFormatError } from './helpers';

describe('formats/atomic writes', () => {
  let folder: string;
  beforeEach(() => { folder = fs.mkdtempSync(path.join(os.tmpdir(), 'te-atomic-')); });
  afterEach(() => fs.rmSync(folder, { recursive: true, force: true }));

  it('streams chunks into the target and leaves no temporary file', async () => {
    const target = path.join(folder, 'model.pt');
    const tensors = new Map([['w', { dtype: 'float32' as const, shape: [2], bytes: new Uint8Array(8).fill(1) }]]);
    await writeFileAtomic(target, saveStateDictChunks(tensors, { archiveName: 'model' }));
    assert.equal(readTorchCheckpoint(new Uint8Array(fs.readFileSync(target))).root, 'model/');
    writeFileAtomicSync(path.join(folder, 'b.bin'), [new Uint8Array([1]), new Uint8Array([2, 3])]);
    assert.deepEqual([...fs.readFileSync(path.join(folder, 'b.bin'))], [1, 2, 3]);
    assert.deepEqual(fs.readdirSync(folder).sort(), ['b.bin', 'model.pt']);
  });

  it('a failure half-way leaves the old file untouched and cleans up', async () => {
    const target = path.join(folder, 'keep.bin');
    fs.writeFileSync(target, 'old');
    function* failing() {
      yield new Uint8Array([1, 2]);
      throw new Error('disk on fire');
    }
    await expectFormatErrorAsync(() => writeFileAtomic(target, failing()), 'IoError');
    expectFormatError(() => writeFileAtomicSync(target, failing()), 'IoError', 'keep.bin');
    assert.equal(fs.readFileSync(target, 'utf8'), 'old');
    assert.deepEqual(fs.readdirSync(folder), ['keep.bin']);
  });
});
