import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { FormatError, FormatErrorCode } from '../../../src/formats/errors';
import { PyDict, PyValue, isTuple } from '../../../src/formats/py-values';
import { TorchTensor } from '../../../src/formats/torch-pickle';
import { StorageRef } from '../../../src/formats/tensor-data';

export const FIXTURES = path.resolve(__dirname, '../../fixtures/checkpoints');

export function fixture(name: string): Uint8Array {
  return new Uint8Array(fs.readFileSync(path.join(FIXTURES, name)));
}

export type Described = unknown;
let expectedCache: Record<string, Described> | undefined;
export function expectedFor(name: string): Described {
  expectedCache ??= JSON.parse(fs.readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8')) as Record<string, Described>;
  if (!(name in expectedCache)) throw new Error(`expected.json has no entry for ${name}`);
  return expectedCache[name];
}

export const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The description scripts/goldens/checkpoints.py gives a Python object, computed from our reading. */
export function describe(value: PyValue, storages = new Map<StorageRef, number>()): Described {
  if (value instanceof TorchTensor) {
    const bytes = value.readSync();
    if (!storages.has(value.storage)) storages.set(value.storage, storages.size);
    const entry: Record<string, unknown> = {
      dtype: value.dtype, shape: [...value.shape], stride: [...value.view.strides], storage_offset: value.view.storageOffset,
      storage_id: storages.get(value.storage), requires_grad: value.requiresGrad, parameter: value.isParameter,
      nbytes: bytes.length, sha256: sha256(bytes),
    };
    if (bytes.length <= 4096) entry.data = base64(bytes);
    return { tensor: entry };
  }
  if (value instanceof PyDict) {
    const out: Record<string, unknown> = { dict: [...value].map(([k, v]) => [describe(k, storages), describe(v, storages)]), ordered: value.ordered };
    const metadata = value.attributes?.get('_metadata');
    if (metadata !== undefined) out.attributes = { _metadata: describe(metadata, storages) };
    return out;
  }
  if (isTuple(value)) return { tuple: value.map((v) => describe(v, storages)) };
  if (Array.isArray(value)) return { list: value.map((v) => describe(v, storages)) };
  if (value instanceof Uint8Array) return { bytes: base64(value) };
  if (value instanceof Set) return { set: [...value].map((v) => describe(v, storages)).sort((a, b) => cmp(JSON.stringify(a), JSON.stringify(b))) };
  if (typeof value === 'bigint') return { int: value.toString() };
  if (typeof value === 'object' && value !== null) throw new Error(`cannot describe ${value.pyClass}`);
  return value;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Runs `body` and checks it throws a FormatError with `code` (and, optionally, text in its message). */
export function expectFormatError(body: () => unknown, code: FormatErrorCode, ...fragments: string[]): FormatError {
  let caught: unknown;
  try {
    body();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof FormatError, `expected FormatError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  for (const f of fragments) assert.ok(caught.message.includes(f), `message ${JSON.stringify(caught.message)} lacks ${JSON.stringify(f)}`);
  return caught;
}

export async function expectFormatErrorAsync(body: () => Promise<unknown>, code: FormatErrorCode): Promise<FormatError> {
  let caught: unknown;
  try {
    await body();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof FormatError, `expected FormatError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  return caught;
}

/** Little-endian u64 length + header text + data: a safetensors file built by hand. */
export function safetensorsFile(header: string, data: Uint8Array | number = 0): Uint8Array {
  const text = new TextEncoder().encode(header);
  const body = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + text.length + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  out.set(body, 8 + text.length);
  return out;
}

/** A small deterministic PRNG (xorshift32) so fuzz runs are reproducible from their seed. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }
  below(n: number): number {
    return this.next() % n;
  }
}
