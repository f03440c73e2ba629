// Inputs and outputs of `forward`: .npy files in and out, or seeded random tensors of a given shape.
import * as fs from 'node:fs';
import { isDType as isEngineDType } from '../engine/dtype';
import { readNpy, writeNpy, type RawTensor } from '../formats';
import { writeFileAtomic } from '../formats/atomic-node';
import type { ForwardSpec } from './engine-api';
import { fileError, usageError } from './errors';
import { parseChoice, parseInteger, parseShape } from './options';
import { requireFile } from './weights';

export const RANDOM_DTYPES = ['float32', 'int64'] as const;
export const NPY_DTYPES = ['float32', 'float64', 'int64'] as const;

export interface InputOptions {
  input?: string;
  shape?: string;
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
 * The forward input: an --input file, or a random tensor of --shape that the engine draws after
 * `torch.manual_seed(--seed)`: `torch.randn` for float32, `torch.randint(0, --high)` for int64.
 */
export function forwardInput(options: InputOptions): ForwardSpec {
  if (options.input !== undefined && options.shape !== undefined) throw usageError('give either --input or --shape, not both');
  if (options.input === undefined && options.shape === undefined) throw usageError('forward needs an input: --input x.npy or --shape 1,3,224,224');
  if (options.input !== undefined) {
    if (options.dtype !== undefined) throw usageError('--dtype applies to --shape; an --input file has its own dtype');
    return { kind: 'tensor', tensor: readInputNpy(options.input) };
  }
  return {
    kind: 'random',
    shape: parseShape(options.shape!),
    dtype: parseChoice('--dtype', options.dtype ?? 'float32', RANDOM_DTYPES),
    seed: parseInteger('--seed', options.seed ?? '0', { min: 0, max: 2 ** 53 - 1 }),
    high: parseInteger('--high', options.high ?? '10', { min: 1 }),
  };
}

/** Writes the output as .npy (atomically); float32, float64 and int64 are what NumPy readers expect here. */
export async function writeOutputNpy(file: string, tensor: RawTensor): Promise<void> {
  if (!(NPY_DTYPES as readonly string[]).includes(tensor.dtype) && !['int32', 'int16', 'int8', 'uint8', 'bool', 'float16'].includes(tensor.dtype)) {
    throw fileError(`${file}: .npy cannot hold the output's dtype ${tensor.dtype}`);
  }
  await writeFileAtomic(file, writeNpy(tensor));
}

export function checkOutputPath(file: string | undefined, input: string | undefined): void {
  if (file === undefined) return;
  if (!file.toLowerCase().endsWith('.npy')) throw usageError(`--output ${file}: name it *.npy`);
  if (input !== undefined && fs.existsSync(input) && fs.existsSync(file) && fs.realpathSync(input) === fs.realpathSync(file)) {
    throw fileError(`--output ${file}: refusing to write over an input file`);
  }
}
