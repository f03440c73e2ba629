import { FormatError } from './errors';

/**
 * Random access to a file's bytes. Parsers ask for ranges; a source may answer at once (memory, a Node
 * file read with readSync) or later (a remote or VS Code file system).
 * The returned bytes may alias the source's memory: copy them before mutating.
 */
export interface ByteSource {
  readonly size: number;
  /** file name or path used in error messages */
  readonly name?: string;
  read(offset: number, length: number): Uint8Array | Promise<Uint8Array>;
}

export class MemoryByteSource implements ByteSource {
  readonly size: number;
  private readonly bytes: Uint8Array;
  constructor(bytes: Uint8Array, readonly name?: string) {
    // a plain Uint8Array view, so that slices taken downstream are copies even when given a Buffer
    this.bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.size = bytes.length;
  }
  read(offset: number, length: number): Uint8Array {
    return this.bytes.subarray(offset, offset + length);
  }
}

export interface ByteRange {
  readonly offset: number;
  readonly length: number;
}

/**
 * A parser written once as a generator that yields the ranges it needs; `runSync` and `runAsync` feed it
 * from a source. This keeps one parsing code path for synchronous and asynchronous sources.
 */
export type ReadOp<T> = Generator<ByteRange, T, Uint8Array>;

export function* readAt(offset: number, length: number): ReadOp<Uint8Array> {
  return yield { offset, length };
}

function checkRange(source: ByteSource, range: ByteRange): void {
  const { offset, length } = range;
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 ||
      offset + length > source.size) {
    throw new FormatError('TruncatedFile',
      `needed bytes ${offset}..${offset + length} but the file has ${source.size} bytes`, { offset });
  }
}

function checkResult(range: ByteRange, bytes: Uint8Array): Uint8Array {
  if (bytes.length !== range.length) {
    throw new FormatError('TruncatedFile',
      `read ${bytes.length} of ${range.length} bytes at offset ${range.offset}`, { offset: range.offset });
  }
  return bytes;
}

export function readSyncFrom(source: ByteSource, range: ByteRange): Uint8Array {
  checkRange(source, range);
  const result = source.read(range.offset, range.length);
  if (result instanceof Promise) {
    result.catch(() => undefined);
    throw new FormatError('AsyncSource', 'this source reads asynchronously: use the async function instead');
  }
  return checkResult(range, result);
}

export async function readAsyncFrom(source: ByteSource, range: ByteRange): Promise<Uint8Array> {
  checkRange(source, range);
  return checkResult(range, await source.read(range.offset, range.length));
}

export function runSync<T>(op: ReadOp<T>, source: ByteSource): T {
  let step = op.next();
  while (!step.done) step = op.next(readSyncFrom(source, step.value));
  return step.value;
}

export async function runAsync<T>(op: ReadOp<T>, source: ByteSource): Promise<T> {
  let step = op.next();
  while (!step.done) step = op.next(await readAsyncFrom(source, step.value));
  return step.value;
}
