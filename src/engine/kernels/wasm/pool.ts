// max_pool2d values through the WASM module (the form returning indices stays in TypeScript). Each image's
// planes are copied in, pooled, and copied out (in place when they live in linear memory); with a thread pool the
// planes are split between threads.
import type { Pool2dParams } from '../types';
import { Operand, type LinearStorage } from './linear-storage';
import type { WasmKernelRuntime } from './runtime';
import { splitRange, type KernelCall, type WasmThreadPool } from './threads';

/** Float32 max pooling without indices (the caller checked). */
export function wasmMaxPool2d(runtime: WasmKernelRuntime, p: Pool2dParams, pool: WasmThreadPool | null = null,
  linear: LinearStorage | null = null): void {
  const { n, c, h, w, outH, outW } = p;
  if (n * c === 0 || outH * outW === 0) return;
  const planeRanges = pool === null ? [[0, c] as [number, number]] : splitRange(c, pool.threads, 1);
  const scratchBytes = Math.ceil(runtime.exports.maxPoolScratchBytes(h, p.kw, p.strideW, p.dilationW, outW) / 64) * 64;
  // Operands in linear memory (linear-storage.ts) are used in place; the others are copied through scratch.
  const input = new Operand(linear, p.input as Float32Array, c * h * w);
  const out = new Operand(linear, p.out as Float32Array, c * outH * outW, true, [input]);
  const [inputCopy, outCopy, scratch] = runtime.reserve([input.scratchBytes, out.scratchBytes, planeRanges.length * scratchBytes]);
  const memory = runtime.floats();
  for (let b = 0; b < n; b++) {
    const inputAt = input.at(inputCopy, b), outAt = out.at(outCopy, b);
    input.copyIn(memory, inputCopy, b);
    const calls: KernelCall[] = planeRanges.map(([lo, hi], i) => ({
      op: 'maxPool2d',
      args: [hi - lo, h, w, p.kh, p.kw, p.strideH, p.strideW, p.padH, p.padW, p.dilationH, p.dilationW, outH, outW,
        inputAt + lo * h * w * 4, outAt + lo * outH * outW * 4, scratch + i * scratchBytes],
    }));
    if (pool === null) runtime.exports.maxPool2d(...(calls[0].args as Parameters<WasmKernelRuntime['exports']['maxPool2d']>));
    else pool.run(calls);
    out.copyOut(memory, outCopy, b);
  }
  out.commit();
}
