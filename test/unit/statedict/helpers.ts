import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { torch } from '../../../src/engine';
import { Tensor } from '../../../src/engine/tensor';
import { EditableStateDict, StateDictValue, tensorBytes } from '../../../src/statedict/convert';
import { tensorBytesSync, TensorInput } from '../../../src/formats';

/** Bytes of any state-dict value, for exact comparisons. */
export function bytesOf(v: StateDictValue): Uint8Array {
  return v instanceof Tensor ? tensorBytes(v) : tensorBytesSync(v as TensorInput);
}

/** Keys, dtypes, shapes and bytes of a state dict, in order. */
export function fingerprint(sd: ReadonlyMap<string, StateDictValue>): [string, string, number[], string][] {
  return [...sd].map(([k, v]) => [k, v.dtype, [...v.shape], Buffer.from(bytesOf(v)).toString('base64')]);
}

export function assertSameStateDict(a: ReadonlyMap<string, StateDictValue>, b: ReadonlyMap<string, StateDictValue>, message?: string): void {
  assert.deepEqual(fingerprint(a), fingerprint(b), message);
}

/** A small mixed state dict: floats of each width, ints, bool, an int64 past 2^53 and a float8 record. */
export function sampleStateDict(): EditableStateDict {
  const big = new Uint8Array(16);
  new DataView(big.buffer).setBigInt64(0, 2n ** 60n + 3n, true);
  new DataView(big.buffer).setBigInt64(8, -7n, true);
  const sd: EditableStateDict = new Map<string, StateDictValue>([
    ['module.fc.weight', torch.tensor([[0.5, -1.25, 3], [2, 0.125, -4]])],
    ['module.fc.bias', torch.tensor([0.1, -0.2])],
    ['module.bn.running_mean', torch.tensor([1.5, 2.5], { dtype: 'float64' })],
    ['module.bn.num_batches_tracked', torch.tensor(7)],
    ['module.emb.weight', torch.tensor([[1, 2], [3, 4]], { dtype: 'float16' })],
    ['module.emb.scale', torch.tensor([0.75, -3], { dtype: 'bfloat16' })],
    ['module.ids', torch.tensor([1, -2, 3], { dtype: 'int32' })],
    ['module.flags', torch.tensor([true, false, true])],
    ['module.f8', { dtype: 'float8_e4m3fn', shape: [3], bytes: new Uint8Array([0x38, 0x40, 0xb8]) }],
  ]);
  return sd;
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'statedict-test-'));
}
