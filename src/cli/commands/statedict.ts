// `torch-explorer statedict FILE`: the keys, shapes and dtypes of a weights file in file order, with
// optional statistics. Runs no engine process: a weights file is data, read without executing it.
import type { Command } from 'commander';
import { itemSize, type TensorEntry } from '../../formats';
import { FileByteSource } from '../../formats/files-node';
import { formatBytes, formatCount, formatShape, formatStat, formatTable, note, printJson, printLine } from '../output';
import { hasNumericValues, tensorStats, type TensorStats } from '../tensor-stats';
import { openWeights, type OpenedWeights } from '../weights';

interface StateDictOptions {
  json?: boolean;
  stats?: boolean;
  path?: string;
}

export interface StateDictRow {
  key: string;
  shape: number[];
  dtype: string;
  stats?: TensorStats | null;
}

/** Bytes read per range of a .safetensors file. */
const READ_CHUNK_BYTES = 16 << 20;

function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Byte chunks of one tensor. A .safetensors file is read in ranges straight from disk; other formats give
 * the tensor's contiguous bytes (a torch.save record may be compressed or a strided view).
 */
function* tensorChunks(weights: OpenedWeights, key: string, entry: TensorEntry, source?: FileByteSource): Generator<Uint8Array> {
  const info = source ? weights.opened.safetensors?.header.tensors.find((t) => t.name === key) : undefined;
  if (!source || !info || !hasNumericValues(entry.dtype)) {
    yield entry.readSync();
    return;
  }
  const start = weights.opened.safetensors!.header.dataStart + info.begin;
  const length = info.end - info.begin;
  const step = READ_CHUNK_BYTES - (READ_CHUNK_BYTES % itemSize(entry.dtype));
  for (let done = 0; done < length; done += step) yield source.read(start + done, Math.min(step, length - done));
}

export function stateDictRows(weights: OpenedWeights, withStats: boolean): StateDictRow[] {
  const rangeReads = withStats && weights.opened.safetensors && !weights.opened.sharded;
  const source = rangeReads ? new FileByteSource(weights.file) : undefined;
  try {
    return [...weights.tensors].map(([key, entry]) => {
      const row: StateDictRow = { key, shape: [...entry.shape], dtype: entry.dtype };
      if (withStats) row.stats = tensorStats(tensorChunks(weights, key, entry, source), entry.dtype);
      return row;
    });
  } finally {
    source?.close();
  }
}

function printText(weights: OpenedWeights, rows: StateDictRow[], withStats: boolean): void {
  const elements = rows.reduce((sum, r) => sum + numel(r.shape), 0);
  const bytes = [...weights.tensors.values()].reduce((sum, t) => sum + t.byteLength, 0);
  const format = weights.opened.sharded ? 'sharded safetensors' : weights.opened.format === 'safetensors' ? 'safetensors' : 'torch.save archive';
  const where = weights.candidate.path.length ? ` in ${weights.candidate.label}` : '';
  printLine(`${weights.file}: ${format}, ${rows.length} tensors${where}, ${formatCount(elements)} elements, ${formatBytes(bytes)}`);
  if (weights.candidate.modulePrefix) printLine(`every key starts with ${JSON.stringify(weights.candidate.modulePrefix)} (saved from DataParallel)`);
  printLine();
  const header = ['key', 'shape', 'dtype'];
  const cells = rows.map((r) => [r.key, formatShape(r.shape), r.dtype]);
  if (withStats) {
    header.push('min', 'max', 'mean', 'std', 'sparsity');
    rows.forEach((r, i) => {
      const s = r.stats;
      cells[i].push(...(s ? [formatStat(s.min), formatStat(s.max), formatStat(s.mean), formatStat(s.std), `${(100 * s.sparsity).toFixed(1)}%`] : ['-', '-', '-', '-', '-']));
    });
  }
  printLine(formatTable(header, cells, ['left', 'left', 'left', 'right', 'right', 'right', 'right', 'right']));
}

export function registerStateDict(program: Command): void {
  program
    .command('statedict')
    .description('list the tensors of a .pt/.pth/.safetensors file (or a *.safetensors.index.json) in file order')
    .argument('<file>', 'weights file')
    .option('--json', 'print [{key, shape, dtype}] as JSON')
    .option('--stats', 'add min, max, mean, std and sparsity per tensor (reads every tensor)')
    .option('--path <expr>', "the state dict inside a wrapped checkpoint, e.g. \"checkpoint['model']\"")
    .action((file: string, options: StateDictOptions) => {
      const weights = openWeights(file, { path: options.path });
      try {
        if (weights.note) note(weights.note);
        const rows = stateDictRows(weights, options.stats === true);
        if (options.json) printJson(rows);
        else printText(weights, rows, options.stats === true);
      } finally {
        weights.close();
      }
    });
}
