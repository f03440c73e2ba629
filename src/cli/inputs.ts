// Inputs and outputs of `forward`: .npy files in and out, or seeded random tensors of a given shape.
import * as fs from 'node:fs';
import { isDType as isEngineDType } from '../engine/dtype';
import { torch } from '../engine';
import { readNpy, writeNpy, type RawTensor } from '../formats';
import { writeFileAtomic } from '../formats/atomic-node';
import { tensorBytes } from '../statedict/convert';
import { fileError, usageError } from './errors';
import { parseChoice, parseInteger, parseShape } from './options';
import { requireFile } from './weights';

export const RANDOM_DTYPES = ['float32', 'int64'] as const;
export const NPY_DTYPES = ['float32', 'float64', 'int64'] as const;

export interface InputOptions {
  input?: string[];
  shape?: string[];
  dtype?: string;
  seed?: string;
  high?: string;
}

export function readInputNpy(file: string): RawTensor {
  requireFile(file, 'input file');
  const tensor = readNpy(fs.readFileSync(file), { fileName: file });
  if (!isEngineDType(tensor.dtype)) throw fileError(`${file}: the engine cannot compute in ${tensor.dtype}; use float32, float64 or int64`);
  return tensor;
}

/**
 * `torch.manual_seed(seed)` then `torch.randn(shape)` (float32) or `torch.randint(0, high, shape)` (int64),
 * so the same options give the same input every time. (Values differ from PyTorch's own generator.)
 */
export function randomInput(shape: number[], dtype: (typeof RANDOM_DTYPES)[number], seed: number, high: number): RawTensor {
  torch.manual_seed(seed);
  const t = dtype === 'int64' ? torch.randint(0, high, shape, { dtype: 'int64' }) : torch.randn(shape);
  return { dtype, shape, bytes: tensorBytes(t.contiguous()) };
}

/** The tensors to call forward with, in order: every --input, else one random tensor per --shape. */
export function forwardInputs(options: InputOptions): RawTensor[] {
  const files = options.input ?? [];
  const shapes = options.shape ?? [];
  if (files.length && shapes.length) throw usageError('give either --input or --shape, not both');
  if (!files.length && !shapes.length) throw usageError('forward needs an input: --input x.npy or --shape 1,3,224,224');
  if (files.length) {
    if (options.dtype !== undefined) throw usageError('--dtype applies to --shape; an --input file has its own dtype');
    return files.map(readInputNpy);
  }
  const dtype = parseChoice('--dtype', options.dtype ?? 'float32', RANDOM_DTYPES);
  const seed = parseInteger('--seed', options.seed ?? '0', { min: 0, max: 2 ** 53 - 1 });
  const high = parseInteger('--high', options.high ?? '10', { min: 1 });
  return shapes.map((text, i) => randomInput(parseShape(text), dtype, seed + i, high));
}

/** Writes the output as .npy (atomically); float32, float64 and int64 are what NumPy readers expect here. */
export async function writeOutputNpy(file: string, tensor: RawTensor): Promise<void> {
  if (!(NPY_DTYPES as readonly string[]).includes(tensor.dtype) && !['int32', 'int16', 'int8', 'uint8', 'bool', 'float16'].includes(tensor.dtype)) {
    throw fileError(`${file}: .npy cannot hold the output's dtype ${tensor.dtype}`);
  }
  await writeFileAtomic(file, writeNpy(tensor));
}

export function checkOutputPath(file: string | undefined, inputs: readonly string[]): void {
  if (file === undefined) return;
  if (!file.toLowerCase().endsWith('.npy')) throw usageError(`--output ${file}: name it *.npy`);
  if (inputs.some((input) => fs.existsSync(input) && fs.existsSync(file) && fs.realpathSync(input) === fs.realpathSync(file))) {
    throw fileError(`--output ${file}: refusing to write over an input file`);
  }
}
