// Decoding and comparing the PyTorch fixtures (format: test/fixtures/README.md).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import '../../src/engine';
import { allocArray, DType, NumArray, PyFloat } from '../../src/engine/dtype';
import { Slice, Tensor } from '../../src/engine/tensor';

export const FIXTURES = path.join(__dirname, '..', 'fixtures');
export const RTOL = 1e-4;
export const ATOL = 1e-5;

export interface FixtureCase {
  id: string;
  fn: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  out?: unknown;
  error?: { type: string; message: string };
  mutates?: number[];
  note?: string;
  shares_storage?: boolean | boolean[];
  stride?: number[] | number[][];
  storage_offset?: number | number[];
  state?: Record<string, unknown>;
  input?: unknown[];
  functional?: string;
}

export function readFixture<T = { cases: FixtureCase[] }>(relative: string): T {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, relative), 'utf8')) as T;
}

/** The little-endian bytes of `data` as a storage array of dtype (int64 becomes float64-held integers). */
export function decodeTensor(t: { dtype: DType; shape: number[]; data: string }): Tensor {
  const bytes = Buffer.from(t.data, 'base64');
  const n = t.shape.reduce((a, b) => a * b, 1);
  const buf = new ArrayBuffer(bytes.length);
  new Uint8Array(buf).set(bytes);
  let arr: NumArray;
  switch (t.dtype) {
    case 'float32': arr = new Float32Array(buf); break;
    case 'float64': arr = new Float64Array(buf); break;
    case 'float16': case 'bfloat16': arr = new Uint16Array(buf); break;
    case 'int32': arr = new Int32Array(buf); break;
    case 'int16': arr = new Int16Array(buf); break;
    case 'int8': arr = new Int8Array(buf); break;
    case 'uint8': case 'bool': arr = new Uint8Array(buf); break;
    case 'int64': {
      const big = new BigInt64Array(buf);
      arr = allocArray('int64', n);
      for (let i = 0; i < n; i++) arr[i] = Number(big[i]);
      break;
    }
    default: throw new Error(`fixture dtype ${t.dtype as string}`);
  }
  return Tensor.fromArray(arr, t.shape, t.dtype);
}

/** A fixture value as the TypeScript API takes it. */
export function decodeValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decodeValue);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, any>;
  if ('tensor' in o) return decodeTensor(o.tensor);
  if ('float' in o) {
    const f = o.float;
    return new PyFloat(f === 'nan' ? NaN : f === 'inf' ? Infinity : f === '-inf' ? -Infinity : f);
  }
  if ('slice' in o) return new Slice(...(o.slice.map(decodeValue) as [number | null, number | null, number | null]));
  if ('ellipsis' in o) return '...';
  if ('dtype' in o && Object.keys(o).length === 1) return o.dtype as DType;
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, decodeValue(x)]));
}

/** Python's exception class name for an error thrown by the engine. */
export function pythonErrorType(e: unknown): string {
  if (!(e instanceof Error)) return typeof e;
  return e.name === 'Error' ? 'RuntimeError' : e.name;
}

function close(actual: number, expected: number): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  if (!Number.isFinite(expected)) return actual === expected;
  return Math.abs(actual - expected) <= ATOL + RTOL * Math.abs(expected);
}

const isFloatDType = (d: DType) => d === 'float32' || d === 'float64' || d === 'float16' || d === 'bfloat16';

export function assertTensorEqual(actual: unknown, expected: Tensor, where: string): void {
  assert.ok(actual instanceof Tensor, `${where}: expected a Tensor, got ${describe(actual)}`);
  assert.equal(actual.dtype, expected.dtype, `${where}: dtype`);
  assert.deepEqual([...actual.shape], [...expected.shape], `${where}: shape`);
  const a = actual.toArray(), e = expected.toArray();
  if (isFloatDType(expected.dtype)) {
    for (let i = 0; i < e.length; i++)
      if (!close(a[i], e[i])) assert.fail(`${where}: element ${i} is ${a[i]}, expected ${e[i]} (rtol ${RTOL}, atol ${ATOL})`);
  } else {
    for (let i = 0; i < e.length; i++)
      if (a[i] !== e[i]) assert.fail(`${where}: element ${i} is ${a[i]}, expected ${e[i]}`);
  }
}

function describe(x: unknown): string {
  if (x instanceof Tensor) return `Tensor(${x.dtype}, [${x.shape.join(', ')}])`;
  if (Array.isArray(x)) return `[${x.map(describe).join(', ')}]`;
  return String(x);
}

/** Compares a result with a decoded fixture output: tensors, tuples, and Python scalars. */
export function assertOutputEqual(actual: unknown, expected: unknown, where = 'out'): void {
  if (expected instanceof Tensor) { assertTensorEqual(actual, expected, where); return; }
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${where}: expected a tuple of ${expected.length}, got ${describe(actual)}`);
    assert.equal(actual.length, expected.length, `${where}: tuple length`);
    expected.forEach((e, i) => assertOutputEqual(actual[i], e, `${where}[${i}]`));
    return;
  }
  if (expected instanceof PyFloat) {
    assert.equal(typeof actual, 'number', `${where}: expected a float`);
    assert.ok(close(actual as number, expected.value), `${where}: ${String(actual)} vs ${expected.value}`);
    return;
  }
  if (typeof expected === 'number' && !Number.isInteger(expected)) {
    assert.ok(typeof actual === 'number' && close(actual, expected), `${where}: ${String(actual)} vs ${expected}`);
    return;
  }
  assert.deepEqual(actual, expected, where);
}
