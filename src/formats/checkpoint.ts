import { ByteSource, readAsyncFrom, readSyncFrom } from './byte-source';
import { FormatError, withFileName, withFileNameAsync } from './errors';
import { isNpy } from './npy';
import { SafetensorsFile, openSafetensors, openSafetensorsSync } from './safetensors';
import { StateDictCandidate, candidateLabel } from './state-dicts';
import { TensorEntry } from './tensor-data';
import { TorchCheckpoint, TorchLoadOptions, isLegacyTorchFormat, openTorchCheckpoint, openTorchCheckpointSync } from './torch-zip';

/** One entry point for "a weights file": the format is recognised from its first bytes, not its name. */
export type SniffedFormat = 'torch-zip' | 'torch-legacy' | 'safetensors' | 'npy' | 'pickle' | 'unknown';

export function sniffFormat(head: Uint8Array, fileSize: number): SniffedFormat {
  if (head[0] === 0x50 && head[1] === 0x4b) return 'torch-zip';
  if (isLegacyTorchFormat(head)) return 'torch-legacy';
  if (isNpy(head)) return 'npy';
  if (head.length >= 9 && head[8] === 0x7b) {
    const n = new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0, true);
    if (n + 8n <= BigInt(fileSize)) return 'safetensors';
  }
  if (head[0] === 0x80 && head[1] >= 2 && head[1] <= 5) return 'pickle';
  if (head.length >= 262 && String.fromCharCode(...head.subarray(257, 262)) === 'ustar') return 'torch-legacy';
  return 'unknown';
}

export interface OpenedCheckpoint {
  readonly format: 'safetensors' | 'torch-zip';
  readonly file?: string;
  /** state dicts found, most likely first; a safetensors file is one state dict */
  readonly stateDicts: StateDictCandidate[];
  /** the most likely state dict's tensors (empty when the file holds none) */
  readonly tensors: Map<string, TensorEntry>;
  /** safetensors `__metadata__` */
  readonly metadata?: Record<string, string>;
  readonly torch?: TorchCheckpoint;
  readonly safetensors?: SafetensorsFile;
}

function fromSafetensors(file: SafetensorsFile): OpenedCheckpoint {
  const candidate: StateDictCandidate = { path: [], label: candidateLabel([]), tensors: file.tensors, nested: false, skippedKeys: [] };
  return { format: 'safetensors', file: file.file, stateDicts: [candidate], tensors: file.tensors, metadata: file.metadata, safetensors: file };
}

function fromTorch(checkpoint: TorchCheckpoint): OpenedCheckpoint {
  return {
    format: 'torch-zip', file: checkpoint.file, stateDicts: checkpoint.stateDicts,
    tensors: checkpoint.stateDicts[0]?.tensors ?? new Map(), torch: checkpoint,
  };
}

function unsupported(format: SniffedFormat): never {
  if (format === 'npy') throw new FormatError('UnknownFormat', 'this is a NumPy .npy array, not a checkpoint; read it with readNpy');
  if (format === 'pickle') {
    throw new FormatError('UnknownFormat', 'this is a bare pickle, not a torch.save archive; save it with torch.save to open it here');
  }
  throw new FormatError('UnknownFormat', 'not a checkpoint: expected a torch.save archive (.pt/.pth) or a .safetensors file');
}

export function openCheckpointSync(source: ByteSource, options: TorchLoadOptions = {}): OpenedCheckpoint {
  const file = options.fileName ?? source.name;
  return withFileName(file, () => {
    const format = sniffFormat(readSyncFrom(source, { offset: 0, length: Math.min(source.size, 512) }), source.size);
    if (format === 'safetensors') return fromSafetensors(openSafetensorsSync(source, { fileName: file }));
    if (format === 'torch-zip' || format === 'torch-legacy') return fromTorch(openTorchCheckpointSync(source, { ...options, fileName: file }));
    return unsupported(format);
  });
}

export async function openCheckpoint(source: ByteSource, options: TorchLoadOptions = {}): Promise<OpenedCheckpoint> {
  const file = options.fileName ?? source.name;
  return withFileNameAsync(file, async () => {
    const format = sniffFormat(await readAsyncFrom(source, { offset: 0, length: Math.min(source.size, 512) }), source.size);
    if (format === 'safetensors') return fromSafetensors(await openSafetensors(source, { fileName: file }));
    if (format === 'torch-zip' || format === 'torch-legacy') return fromTorch(await openTorchCheckpoint(source, { ...options, fileName: file }));
    return unsupported(format);
  });
}
