// Tensor values of a built model, read from the engine page by page (`tensorPage`): as an inspector
// TensorSource, and whole as an engine Tensor for exports. The engine sends its own storage layout (int64 as
// float64 values holding integers); the formats layer and the inspector want int64 as 8-byte integers.
import * as vscode from 'vscode';
import { Tensor } from '../../engine/tensor';
import type { DType } from '../../engine/dtype';
import { contiguousStrides, numelOf, type TensorSource } from '../inspector/tensor-source';
import { rawValues } from '../inspector/values';
import type { TensorRecord } from './engine-api';
import type { EngineRequests, ModelHandle } from './engine-requests';

/** Elements per tensorPage request: large enough to be few, small enough to keep the process responsive. */
const PAGE_ELEMENTS = 1 << 20;

const ENGINE_ITEM: Record<string, number> = { float32: 4, float64: 8, int64: 8, float16: 2, bfloat16: 2, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1 };

/** Engine page bytes -> little-endian bytes in the formats' layout (int64 as integers). */
export function formatBytes(dtype: string, engineBytes: Uint8Array): Uint8Array {
  if (dtype !== 'int64') return engineBytes;
  const n = engineBytes.byteLength / 8;
  const src = new DataView(engineBytes.buffer, engineBytes.byteOffset, engineBytes.byteLength);
  const out = new Uint8Array(engineBytes.byteLength);
  const dst = new DataView(out.buffer);
  for (let i = 0; i < n; i++) dst.setBigInt64(i * 8, BigInt(Math.trunc(src.getFloat64(i * 8, true))), true);
  return out;
}

async function readEngineBytes(requests: EngineRequests, handle: ModelHandle, rec: TensorRecord, offset: number, count: number,
  token?: vscode.CancellationToken): Promise<Uint8Array> {
  const item = ENGINE_ITEM[rec.dtype] ?? 4;
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
  const formatItem = rec.dtype === 'int64' ? 8 : ENGINE_ITEM[rec.dtype] ?? 4;
  return {
    info: { name: rec.name, dtype: rec.dtype, shape: [...rec.shape], strides: contiguousStrides(rec.shape), bytes: numelOf(rec.shape) * formatItem, origin },
    async read(offset, count) {
      const bytes = await readEngineBytes(requests, await handle(), rec, offset, count);
      return rawValues(rec.dtype, formatBytes(rec.dtype, bytes));
    },
  };
}

/** The whole tensor as an engine Tensor (in the engine's own layout, which is what Tensor.fromArray takes). */
export async function readEngineTensor(requests: EngineRequests, handle: ModelHandle, rec: TensorRecord, token?: vscode.CancellationToken): Promise<Tensor> {
  const n = numelOf(rec.shape);
  const bytes = await readEngineBytes(requests, handle, rec, 0, n, token);
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const arrays: Record<string, () => ArrayLike<number>> = {
    float32: () => new Float32Array(buf), float64: () => new Float64Array(buf), int64: () => new Float64Array(buf),
    float16: () => new Uint16Array(buf), bfloat16: () => new Uint16Array(buf), int32: () => new Int32Array(buf),
    int16: () => new Int16Array(buf), int8: () => new Int8Array(buf), uint8: () => new Uint8Array(buf), bool: () => new Uint8Array(buf),
  };
  const make = arrays[rec.dtype];
  if (!make) throw new Error(`${rec.name}: the engine has no ${rec.dtype} tensors`);
  return Tensor.fromArray(make() as never, rec.shape, rec.dtype as DType);
}
