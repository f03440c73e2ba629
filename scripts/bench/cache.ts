// Reading the bench cache (written by `torch_bench.py --prepare`) as plain typed arrays, for the peer runtimes.
import * as path from 'node:path';
import { openCheckpointFile } from '../../src/formats/files-node';

export interface Plain { shape: number[]; data: Float32Array | BigInt64Array }

export function readPlain(cache: string, file: string): Map<string, Plain> {
  const opened = openCheckpointFile(path.join(cache, file));
  try {
    const out = new Map<string, Plain>();
    for (const [name, entry] of opened.tensors) {
      const bytes = entry.readSync();
      const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      if (entry.dtype === 'float32') out.set(name, { shape: [...entry.shape], data: new Float32Array(buffer) });
      else if (entry.dtype === 'int64') out.set(name, { shape: [...entry.shape], data: new BigInt64Array(buffer) });
      else throw new Error(`${file}: ${name} is ${entry.dtype}; the bench cache holds float32 and int64 only`);
    }
    return out;
  } finally {
    opened.close();
  }
}

/** Largest |a - e| (NaN counts as infinite). */
export function maxAbsDiff(a: ArrayLike<number>, e: ArrayLike<number>): number {
  if (a.length !== e.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) { const d = Math.abs(a[i] - e[i]); m = Math.max(m, Number.isNaN(d) ? Infinity : d); }
  return m;
}
