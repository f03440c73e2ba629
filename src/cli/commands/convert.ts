// `torch-explorer convert IN OUT`: a state dict from .pt/.pth/.safetensors to .safetensors or .pt, optionally
// with every floating tensor cast to one dtype. Tensors are read and converted one at a time while the
// output streams to a temporary file that replaces OUT only when complete. IN is never written.
import type { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
// the engine's entry registers its kernels, which dtype casts run on
import '../../engine';
import type { DType, TensorEntry, TensorInput } from '../../formats';
import { engineSupports, lazyRecord, tensorBytes, tensorFromRecord } from '../../statedict/convert';
import { formatForPath, type ExportFormat } from '../../statedict/export';
import { saveStateDict } from '../../statedict/export-node';
import { fileError, usageError } from '../errors';
import { parseChoice } from '../options';
import { formatBytes, note, printJson, printLine } from '../output';
import { openWeights, type OpenedWeights } from '../weights';

const TARGET_DTYPES = ['float16', 'bfloat16', 'float32'] as const;
type TargetDType = (typeof TARGET_DTYPES)[number];
const FLOATING = new Set<string>(['float32', 'float64', 'float16', 'bfloat16']);

interface ConvertOptions {
  dtype?: string;
  path?: string;
  json?: boolean;
}

export interface ConvertSummary {
  out: string;
  format: ExportFormat;
  tensors: number;
  bytes: number;
  /** keys whose dtype changed */
  converted: string[];
  /** the state dict read from IN, e.g. `checkpoint['model']` */
  stateDict: string;
}

/** Same file by identity (hard links, symlinks, `./a` vs `a`), or by resolved path when OUT does not exist yet. */
function sameFile(a: string, b: string): boolean {
  try {
    const sa = fs.statSync(a), sb = fs.statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return path.resolve(a) === path.resolve(b);
  }
}

/** IN itself and, for a sharded index, every shard it names. */
function inputFiles(weights: OpenedWeights): string[] {
  const index = weights.opened.sharded?.index;
  const folder = path.dirname(weights.file);
  return [weights.file, ...new Set(index ? [...index.weightMap.values()].map((shard) => path.join(folder, shard)) : [])];
}

/** The records to write: untouched tensors stay lazy file entries (views keep sharing their storage). */
function recordsToWrite(weights: OpenedWeights, dtype: TargetDType | undefined): { records: Map<string, TensorInput>; converted: string[] } {
  const records = new Map<string, TensorInput>();
  const converted: string[] = [];
  for (const [key, entry] of weights.tensors) {
    if (!dtype || !FLOATING.has(entry.dtype) || entry.dtype === dtype || !engineSupports(entry.dtype)) {
      records.set(key, entry);
      continue;
    }
    const numel = entry.shape.reduce((a, b) => a * b, 1);
    const size = dtype === 'float32' ? 4 : 2;
    records.set(key, lazyRecord(dtype as DType, entry.shape, numel * size, () => castBytes(entry, dtype)));
    converted.push(key);
  }
  return { records, converted };
}

function castBytes(entry: TensorEntry, dtype: TargetDType): Uint8Array {
  const tensor = tensorFromRecord(entry);
  if (!tensor) throw new Error(`cannot convert a ${entry.dtype} tensor`);
  return tensorBytes(tensor.type(dtype));
}

/** safetensors keeps its own `__metadata__`; a file made from a .pt says `format: pt` as Hugging Face's do. */
function safetensorsMetadata(weights: OpenedWeights): Record<string, string> | undefined {
  if (weights.opened.format === 'safetensors') return weights.opened.metadata;
  return { format: 'pt' };
}

export async function convertFile(input: string, output: string, options: ConvertOptions): Promise<ConvertSummary> {
  const dtype = options.dtype === undefined ? undefined : parseChoice('--dtype', options.dtype, TARGET_DTYPES);
  const format = formatForPath(output);
  if (!format) throw usageError(`${output}: cannot tell the output format from the name; end it in .safetensors, .pt or .pth`);
  const weights = openWeights(input, { path: options.path });
  try {
    const clash = inputFiles(weights).find((file) => sameFile(file, output));
    if (clash) throw fileError(`${output}: refusing to write over the input file ${clash}; choose another output name`);
    if (fs.existsSync(output) && fs.statSync(output).isDirectory()) throw fileError(`${output}: is a folder; name the output file`);
    if (!fs.existsSync(path.dirname(path.resolve(output)))) throw fileError(`${output}: the folder ${path.dirname(output)} does not exist`);
    if (weights.note) note(weights.note);
    const { records, converted } = recordsToWrite(weights, dtype);
    const report = await saveStateDict(records, output, {
      source: input,
      format,
      metadata: format === 'safetensors' ? safetensorsMetadata(weights) : undefined,
      torchMetadata: format === 'pt' ? weights.candidate.metadata : undefined,
    });
    return { out: output, format, tensors: report.keys, bytes: fs.statSync(output).size, converted, stateDict: weights.candidate.label };
  } finally {
    weights.close();
  }
}

export function registerConvert(program: Command): void {
  program
    .command('convert')
    .description('write the state dict of IN (.pt/.pth/.safetensors) to OUT as .safetensors or .pt')
    .argument('<in>', 'weights file to read (never written)')
    .argument('<out>', 'file to write (.safetensors, .pt or .pth); replaced atomically')
    .option('--dtype <dtype>', `cast every floating-point tensor to ${TARGET_DTYPES.join(', ')}`)
    .option('--path <expr>', "the state dict inside a wrapped checkpoint, e.g. \"checkpoint['model']\"")
    .option('--json', 'print a summary as JSON')
    .action(async (input: string, output: string, options: ConvertOptions) => {
      const summary = await convertFile(input, output, options);
      if (options.json) {
        printJson(summary);
        return;
      }
      const cast = summary.converted.length ? `; ${summary.converted.length} cast to ${options.dtype}` : '';
      printLine(`wrote ${summary.out} (${summary.format}): ${summary.tensors} tensors, ${formatBytes(summary.bytes)}${cast}`);
    });
}
