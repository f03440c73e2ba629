// conv2d through the WASM module: weight and bias are copied once per call, then each image of the batch
// is copied in, convolved (im2col + sgemm, pointwise or depthwise in WASM) and copied out, so linear
// memory holds one image's input and output at a time.
import type { Conv2dParams } from '../types';
import type { WasmKernelRuntime } from './runtime';
import { splitRange, type KernelCall, type WasmThreadPool } from './threads';

/** Most im2col elements held at once (4 MiB), as in the TypeScript kernel; larger images run in row chunks. */
const COLUMN_LIMIT = 1 << 20;

/** Floats of column scratch conv2d needs: one chunk of im2col rows, or the tap table of a depthwise conv. */
function columnCapacity(p: Conv2dParams): number {
  const cInG = p.cIn / p.groups;
  if (p.groups > 1 && cInG === 1) return 2 * p.kh * p.kw;
  const depth = cInG * p.kh * p.kw;
  return Math.max(depth * p.outW, Math.min(COLUMN_LIMIT, depth * p.outW * p.outH));
}

/** Float32 conv2d (the caller checked the element types). `pool`, when given, splits each image's output rows across threads. */
export function wasmConv2d(runtime: WasmKernelRuntime, p: Conv2dParams, pool: WasmThreadPool | null = null): void {
  const { n, cIn, h, w, cOut, outH, outW } = p;
  const outPlane = outH * outW;
  if (n === 0 || cOut === 0 || outPlane === 0) return;
  const input = p.input as Float32Array, weight = p.weight as Float32Array, out = p.out as Float32Array;
  const bias = p.bias as Float32Array | null;
  const imageSize = cIn * h * w, outImageSize = cOut * outPlane;
  const weightSize = cOut * (cIn / p.groups) * p.kh * p.kw;
  const columns = columnCapacity(p);
  const rowRanges = pool === null ? [[0, outH] as [number, number]] : splitRange(outH, pool.threads, 1);
  const threads = rowRanges.length;
  const [scratch, columnsAt, weightAt, biasAt, inputAt, outAt] = runtime.reserve([
    threads * runtime.gemmScratchBytes, threads * columns * 4, weightSize * 4, cOut * 4, imageSize * 4, outImageSize * 4,
  ]);
  const memory = runtime.floats();
  memory.set(weight.subarray(0, weightSize), weightAt >> 2);
  if (bias !== null) memory.set(bias.subarray(0, cOut), biasAt >> 2);
  for (let b = 0; b < n; b++) {
    memory.set(input.subarray(b * imageSize, (b + 1) * imageSize), inputAt >> 2);
    const calls: KernelCall[] = rowRanges.map(([oyBegin, oyEnd], i) => ({
      op: 'conv2d',
      args: [1, cIn, h, w, cOut, p.kh, p.kw, p.groups, p.strideH, p.strideW, p.padTop, p.padLeft, p.dilationH, p.dilationW,
        outH, outW, inputAt, weightAt, biasAt, bias === null ? 0 : 1, outAt, columnsAt + i * columns * 4, columns,
        scratch + i * runtime.gemmScratchBytes, oyBegin, oyEnd],
    }));
    if (pool === null) runtime.exports.conv2d(...(calls[0].args as Parameters<WasmKernelRuntime['exports']['conv2d']>));
    else pool.run(calls);
    out.set(memory.subarray(outAt >> 2, (outAt >> 2) + outImageSize), b * outImageSize);
  }
}
