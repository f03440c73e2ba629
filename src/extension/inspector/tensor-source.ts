// What the inspector reads a tensor through: its description and ranges of its values in C order. Sources for
// checkpoint tensors are made in ../checkpoint-editor; the engine process will provide its own.
import type { TensorDTypeName } from '../../protocol/inspector';
import { RawValues, bytesPerElement, rawValues, unsupportedReason } from './values';

export interface TensorSourceInfo {
  name: string;
  dtype: TensorDTypeName;
  shape: readonly number[];
  strides: readonly number[];
  bytes: number;
  /** shown under the name, e.g. the file */
  origin?: string;
}

export interface TensorSource {
  readonly info: TensorSourceInfo;
  /** `count` elements from flat (C-order) index `offset`, as stored (see values.ts for the array types) */
  read(offset: number, count: number): Promise<RawValues>;
}

export function numelOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  for (let i = shape.length - 1, step = 1; i >= 0; i--) {
    strides[i] = step;
    step *= Math.max(shape[i], 1);
  }
  return strides;
}

function checkRange(info: TensorSourceInfo, offset: number, count: number): void {
  const numel = numelOf(info.shape);
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(count) || offset < 0 || count < 0 || offset + count > numel) {
    throw new RangeError(`elements ${offset}..${offset + count} are outside ${info.name}, which has ${numel}`);
  }
}

/**
 * A tensor whose contiguous bytes are read by byte range (a safetensors entry, a stored zip record): only
 * the requested elements are read.
 */
export function rangeTensorSource(info: TensorSourceInfo, readBytes: (byteOffset: number, byteLength: number) => Promise<Uint8Array>): TensorSource {
  const reason = unsupportedReason(info.dtype);
  return {
    info,
    async read(offset, count) {
      if (reason) throw new Error(reason);
      checkRange(info, offset, count);
      const item = bytesPerElement(info.dtype);
      return rawValues(info.dtype, await readBytes(offset * item, count * item));
    },
  };
}

/**
 * A tensor whose bytes only come whole (a strided view, a compressed record): read once on first use and
 * kept while the source lives.
 */
export function wholeTensorSource(info: TensorSourceInfo, readAll: () => Promise<Uint8Array>): TensorSource {
  const reason = unsupportedReason(info.dtype);
  let all: Promise<RawValues> | undefined;
  return {
    info,
    async read(offset, count) {
      if (reason) throw new Error(reason);
      checkRange(info, offset, count);
      all ??= readAll().then((bytes) => rawValues(info.dtype, bytes));
      all.catch(() => { all = undefined; }); // a failed read may succeed later (file replaced)
      return (await all).subarray(offset, offset + count) as RawValues;
    },
  };
}

/** A tensor held in memory (tests, small engine results). */
export function memoryTensorSource(info: Omit<TensorSourceInfo, 'strides' | 'bytes'> & { strides?: number[] }, bytes: Uint8Array): TensorSource {
  const full: TensorSourceInfo = { ...info, strides: info.strides ?? contiguousStrides(info.shape), bytes: bytes.length };
  return wholeTensorSource(full, async () => bytes);
}
