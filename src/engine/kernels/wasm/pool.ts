// max_pool2d values through the WASM module (the form returning indices stays in TypeScript). Each image's
// planes are copied in, pooled, and copied out; with a thread pool the planes are split between threads.
import type { Pool2dParams } from '../types';
import type { WasmKernelRuntime } from './runtime';
import { splitRange, type KernelCall, type WasmThreadPool } from './threads';

/** Float32 max pooling without indices (the caller checked). */
export function wasmMaxPool2d(runtime: WasmKernelRuntime, p: Pool2dParams, pool: WasmThreadPool | null = null): void {
  const { n, c, h, w, outH, outW } = p;
  if (n * c === 0 || outH * outW === 0) return;
  const input = p.input as Float32Array, out = p.out as Float32Array;
  const imageSize = c * h * w, outImageSize = c * outH * outW;
  const planeRanges = pool === null ? [[0, c] as [number, number]] : splitRange(c, pool.threads, 1);
  const scratchBytes = Math.ceil(runtime.exports.maxPoolScratchBytes(h, p.kw, p.strideW, p.dilationW, outW) / 64) * 64;
  const [inputAt, outAt, scratch] = runtime.reserve([imageSize * 4, outImageSize * 4, planeRanges.length * scratchBytes]);
  const memory = runtime.floats();
  for (let b = 0; b < n; b++) {
    memory.set(input.subarray(b * imageSize, (b + 1) * imageSize), inputAt >>> 2);
    const calls: KernelCall[] = planeRanges.map(([lo, hi], i) => ({
      op: 'maxPool2d',
      args: [hi - lo, h, w, p.kh, p.kw, p.strideH, p.strideW, p.padH, p.padW, p.dilationH, p.dilationW, outH, outW,
        inputAt + lo * h * w * 4, outAt + lo * outH * outW * 4, scratch + i * scratchBytes],
    }));
    if (pool === null) runtime.exports.maxPool2d(...(calls[0].args as Parameters<WasmKernelRuntime['exports']['maxPool2d']>));
    else pool.run(calls);
    out.set(memory.subarray(outAt >>> 2, (outAt >>> 2) + outImageSize), b * outImageSize);
  }
}
