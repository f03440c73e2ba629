// Exporting a state dict as .safetensors or a torch.save .pt, optionally with floating tensors converted
// to float16/bfloat16. The output is a stream of chunks produced tensor by tensor (one tensor's bytes in
// memory at a time); export-node.ts writes it atomically.
import { Tensor } from '../engine/tensor';
import type { DType as FormatDType, PyValue, TensorInput } from '../formats';
import { dtypeInfo, isDType as isFormatDType, safetensorsChunks, saveStateDictChunks } from '../formats';
import { byteLengthOf, lazyRecord, stateDictToRecords, StateDictValue, tensorBytes } from './convert';

export type ExportFormat = 'safetensors' | 'pt';

export interface ExportOptions {
  format: ExportFormat;
  /** convert every floating-point tensor to this dtype */
  dtype?: 'float16' | 'bfloat16';
  /** safetensors `__metadata__` (string to string) */
  metadata?: Record<string, string>;
  /** the `_metadata` attribute of torch's state dicts (per-module versions), kept in .pt files */
  torchMetadata?: PyValue;
  /** torch.save's root folder; defaults to the target file's stem */
  archiveName?: string;
}

export interface ExportPlan {
  readonly records: Map<string, TensorInput>;
  /** keys converted to options.dtype */
  readonly converted: readonly string[];
  readonly bytes: number;
}

export class ExportError extends Error {
  override name = 'ExportError';
}

const FLOAT_TYPES = new Set(['float32', 'float64', 'float16', 'bfloat16']);

/** The records to write, converting lazily; throws when a dtype cannot be stored in the chosen format. */
export function planExport(sd: ReadonlyMap<string, StateDictValue>, options: ExportOptions): ExportPlan {
  const records = stateDictToRecords(sd);
  const converted: string[] = [];
  const dtype = options.dtype;
  for (const [key, v] of sd) {
    if (!dtype || !(v instanceof Tensor) || !FLOAT_TYPES.has(v.dtype) || v.dtype === dtype) continue;
    const size = v.numel() * 2;
    records.set(key, lazyRecord(dtype, v.shape, size, () => tensorBytes(v.type(dtype))));
    converted.push(key);
  }
  const unstorable: string[] = [];
  let bytes = 0;
  for (const [key, r] of records) {
    const info = isFormatDType(r.dtype) ? dtypeInfo(r.dtype as FormatDType) : undefined;
    const ok = options.format === 'safetensors' ? info?.safetensors !== undefined : info?.storageClass !== undefined;
    if (!ok) unstorable.push(`${JSON.stringify(key)} (${r.dtype})`);
    bytes += byteLengthOf(r);
  }
  if (unstorable.length) {
    const what = options.format === 'safetensors' ? 'safetensors has no dtype code for' : "torch.save's format has no storage class for";
    throw new ExportError(`cannot export as .${options.format}: ${what} ${unstorable.join(', ')}; delete or convert these keys, or choose the other format`);
  }
  return { records, converted, bytes };
}

/** The file's bytes as chunks, in the order the writers of the reference implementations produce. */
export function exportChunks(plan: ExportPlan, options: ExportOptions): Iterable<Uint8Array> {
  if (options.format === 'safetensors') return safetensorsChunks(plan.records, options.metadata);
  return saveStateDictChunks(plan.records, { archiveName: options.archiveName, metadata: options.torchMetadata });
}

/** `.safetensors` or `.pt`/`.pth`/`.bin` from a file name; undefined when it is neither. */
export function formatForPath(target: string): ExportFormat | undefined {
  const lower = target.toLowerCase();
  if (lower.endsWith('.safetensors')) return 'safetensors';
  if (lower.endsWith('.pt') || lower.endsWith('.pth') || lower.endsWith('.bin') || lower.endsWith('.ckpt')) return 'pt';
  return undefined;
}
