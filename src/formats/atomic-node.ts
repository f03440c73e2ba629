import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { FormatError } from './errors';

/**
 * Atomic file writes: the data goes to a temporary file in the target's folder, is flushed to disk,
 * then renamed over the target. Readers see the old file or the new one, never a partial file, and a
 * failed write leaves the target untouched.
 */
export type ChunkSource = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

function syncFolder(folder: string): void {
  // Makes the rename durable; not every platform can open a folder, which is harmless.
  try {
    const fd = fs.openSync(folder, 'r');
    try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
  } catch { /* best effort */ }
}

function ioError(target: string, error: unknown): FormatError {
  if (error instanceof FormatError) return error.inFile(target);
  return new FormatError('IoError', `cannot write: ${(error as Error).message}`, { file: target });
}

export function writeFileAtomicSync(target: string, data: Uint8Array | Iterable<Uint8Array>): void {
  const temp = tempPathFor(target);
  let fd: number | undefined;
  try {
    fd = fs.openSync(temp, 'wx', 0o666);
    for (const chunk of data instanceof Uint8Array ? [data] : data) {
      for (let done = 0; done < chunk.length;) done += fs.writeSync(fd, chunk, done, chunk.length - done);
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(temp, target);
  } catch (error) {
    if (fd !== undefined) try { fs.closeSync(fd); } catch { /* already failing */ }
    try { fs.unlinkSync(temp); } catch { /* may not exist */ }
    throw ioError(target, error);
  }
  syncFolder(path.dirname(target));
}

export async function writeFileAtomic(target: string, data: ChunkSource): Promise<void> {
  const temp = tempPathFor(target);
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(temp, 'wx', 0o666);
    const chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array> = data instanceof Uint8Array ? [data] : data;
    for await (const chunk of chunks) {
      for (let done = 0; done < chunk.length;) done += (await handle.write(chunk, done, chunk.length - done)).bytesWritten;
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.promises.rename(temp, target);
  } catch (error) {
    if (handle) await handle.close().catch(() => undefined);
    await fs.promises.unlink(temp).catch(() => undefined);
    throw ioError(target, error);
  }
  syncFolder(path.dirname(target));
}
