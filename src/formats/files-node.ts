import * as fs from 'node:fs';
import * as path from 'node:path';
import { ByteSource } from './byte-source';
import { OpenedCheckpoint, openCheckpointSync } from './checkpoint';
import { FormatError } from './errors';
import { ShardedSafetensors, openShardedSafetensorsSync } from './safetensors-index';
import { TorchLoadOptions } from './torch-zip';

/** A file read with synchronous positioned reads, so both the sync and async APIs work on it. */
export class FileByteSource implements ByteSource {
  readonly size: number;
  private fd: number | undefined;

  constructor(readonly name: string) {
    try {
      this.fd = fs.openSync(name, 'r');
      this.size = fs.fstatSync(this.fd).size;
    } catch (error) {
      if (this.fd !== undefined) fs.closeSync(this.fd);
      throw new FormatError('IoError', `cannot open: ${(error as Error).message}`, { file: name });
    }
  }

  read(offset: number, length: number): Uint8Array {
    if (this.fd === undefined) throw new FormatError('IoError', 'the file was closed', { file: this.name });
    const out = new Uint8Array(length);
    for (let done = 0; done < length;) {
      const n = fs.readSync(this.fd, out, done, length - done, offset + done);
      if (n === 0) throw new FormatError('TruncatedFile', `the file ended at ${offset + done} while reading ${length} bytes at ${offset}`, { file: this.name });
      done += n;
    }
    return out;
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

export interface OpenedFile extends OpenedCheckpoint {
  readonly sharded?: ShardedSafetensors;
  /** releases the file handles; tensors cannot be read afterwards */
  close(): void;
}

/**
 * Opens `.pt`/`.pth`, `.safetensors` or a `*.safetensors.index.json` (with its shards) by content.
 * Only headers and data.pkl are read now; tensor bytes are read when asked for.
 */
export function openCheckpointFile(filePath: string, options: TorchLoadOptions = {}): OpenedFile {
  const sources: FileByteSource[] = [];
  const closeAll = () => sources.forEach((s) => s.close());
  try {
    if (filePath.endsWith('.index.json')) {
      const index = fs.readFileSync(filePath);
      const folder = path.dirname(filePath);
      const sharded = openShardedSafetensorsSync(index, (shard) => {
        const source = new FileByteSource(path.join(folder, shard));
        sources.push(source);
        return source;
      }, filePath);
      return {
        format: 'safetensors', file: filePath, tensors: sharded.tensors, sharded, close: closeAll,
        stateDicts: [{ path: [], label: 'checkpoint', tensors: sharded.tensors, nested: false, skippedKeys: [] }],
      };
    }
    const source = new FileByteSource(filePath);
    sources.push(source);
    return { ...openCheckpointSync(source, options), close: closeAll };
  } catch (error) {
    closeAll();
    if (error instanceof FormatError) throw error.inFile(filePath);
    throw new FormatError('IoError', `cannot read: ${(error as Error).message}`, { file: filePath });
  }
}
