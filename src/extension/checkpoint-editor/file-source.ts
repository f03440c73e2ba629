// Byte sources for checkpoint files in the extension host: positioned asynchronous reads of a local file
// (headers first, tensor ranges on demand, the event loop free meanwhile), or the whole file in memory for
// file systems without ranged reads (virtual workspaces).
import { promises as fs } from 'fs';
import * as vscode from 'vscode';
import { ByteSource, FormatError, MemoryByteSource } from '../../formats';

export interface ClosableByteSource extends ByteSource {
  close(): Promise<void>;
}

export class LocalFileByteSource implements ClosableByteSource {
  private closed = false;
  private constructor(private readonly handle: fs.FileHandle, readonly size: number, readonly name: string) {}

  static async open(fsPath: string, name: string): Promise<LocalFileByteSource> {
    let handle: fs.FileHandle | undefined;
    try {
      handle = await fs.open(fsPath, 'r');
      return new LocalFileByteSource(handle, (await handle.stat()).size, name);
    } catch (error) {
      await handle?.close().catch(() => undefined);
      throw new FormatError('IoError', `cannot open: ${(error as Error).message}`, { file: name });
    }
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (this.closed) throw new FormatError('IoError', 'the file was closed', { file: this.name });
    const out = new Uint8Array(length);
    for (let done = 0; done < length;) {
      const { bytesRead } = await this.handle.read(out, done, length - done, offset + done);
      if (bytesRead === 0) throw new FormatError('TruncatedFile', `the file ended at ${offset + done} while reading ${length} bytes at ${offset}`, { file: this.name });
      done += bytesRead;
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close().catch(() => undefined);
  }
}

/** A byte source for any URI: ranged reads for local files, the whole file otherwise. */
export async function openByteSource(uri: vscode.Uri, name: string): Promise<ClosableByteSource> {
  if (uri.scheme === 'file') return LocalFileByteSource.open(uri.fsPath, name);
  let bytes: Uint8Array;
  try {
    bytes = await vscode.workspace.fs.readFile(uri);
  } catch (error) {
    throw new FormatError('IoError', `cannot read: ${(error as Error).message}`, { file: name });
  }
  const source = new MemoryByteSource(bytes, name);
  return { size: source.size, name, read: (o, n) => source.read(o, n), close: async () => undefined };
}
