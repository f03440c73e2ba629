// Tensor values of a built model, read from the engine page by page (`tensorPage`, little-endian bytes with
// int64 as 64-bit integers, as files store them): as an inspector TensorSource, and whole as an engine Tensor
// for exports.
import * as vscode from 'vscode';
import { createTsKernels } from '../../engine/kernels/ts';
import { kernels, setKernels } from '../../engine/kernels/types';
import type { Tensor } from '../../engine/tensor';
import type { EngineDType } from '../../protocol/engine';
import { tensorFromBytes } from '../../statedict/convert';
import { contiguousStrides, numelOf, type TensorSource } from '../inspector/tensor-source';
import { rawValues } from '../inspector/values';
import type { TensorRecord } from './engine-api';
import type { EngineRequests, ModelHandle } from './engine-requests';

/** Elements per tensorPage request: large enough to be few, small enough to keep the process responsive. */
const PAGE_ELEMENTS = 1 << 20;

const ITEM: Record<string, number> = { float32: 4, float64: 8, int64: 8, float16: 2, bfloat16: 2, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1 };

async function readEngineBytes(requests: EngineRequests, handle: ModelHandle, rec: TensorRecord, offset: number, count: number,
  token?: vscode.CancellationToken): Promise<Uint8Array> {
  const item = ITEM[rec.dtype] ?? 4;
  const out = new Uint8Array(count * item);
  for (let done = 0; done < count;) {
    const n = Math.min(PAGE_ELEMENTS, count - done);
    const page = await requests.tensorPage(handle, rec.name, offset + done, n, { token });
    const bytes = new Uint8Array(page.data);
    if (bytes.byteLength !== n * item) throw new Error(`the engine sent ${bytes.byteLength} bytes for ${n} ${rec.dtype} values of ${rec.name}`);
    out.set(bytes, done * item);
    done += n;
  }
  return out;
}

export function engineTensorSource(requests: EngineRequests, handle: () => Promise<ModelHandle>, rec: TensorRecord, origin: string): TensorSource {
  return {
    info: { name: rec.name, dtype: rec.dtype, shape: [...rec.shape], strides: contiguousStrides(rec.shape), bytes: numelOf(rec.shape) * (ITEM[rec.dtype] ?? 4), origin },
    async read(offset, count) {
      return rawValues(rec.dtype, await readEngineBytes(requests, await handle(), rec, offset, count));
    },
  };
}

/** The whole tensor as an engine Tensor (what the state-dict export writes). */
export async function readEngineTensor(requests: EngineRequests, handle: ModelHandle, rec: TensorRecord, token?: vscode.CancellationToken): Promise<Tensor> {
  const bytes = await readEngineBytes(requests, handle, rec, 0, numelOf(rec.shape), token);
  return tensorFromBytes(rec.dtype as EngineDType, rec.shape, bytes);
}

/**
 * Exports convert dtypes (float16/bfloat16) with engine ops in this process. The extension host needs no
 * fast kernels for that: the TypeScript set, installed once unless some other part installed one already.
 */
export function ensureHostKernels(): void {
  try {
    kernels();
  } catch {
    setKernels(createTsKernels());
  }
}
