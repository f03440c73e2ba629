// 3x3 stride-2 conv2d by Winograd through the WASM module (assembly/winograd-s2.ts: F(4, 2) on the even inputs of
// each axis, the odd ones direct; 81 products per 4x4 output tile and channel pair instead of 144). The weights
// are transformed per call (36 values per channel pair, 4x the filter) in 8-channel slivers, so nothing is cached
// and in-place weight changes are seen by construction. Threads split output channels in slivers; each transforms
// all input tiles (a few % of its work at ResNet's shapes).
import type { Conv2dParams } from '../types';
import { epilogueBytes, epilogueFlags, writeEpilogue } from './epilogue';
import { Operand, type LinearStorage } from './linear-storage';
import type { WasmKernelRuntime } from './runtime';
import { splitRange, type KernelCall, type WasmThreadPool } from './threads';

/** Most bytes of transformed input tiles (81 values per tile and input channel) one call holds: they stay in L2. */
const MAX_INPUT_TILE_BYTES = 2 << 20;

/**
 * Whether `p` is a float32 3x3 stride-2 undilated ungrouped conv this path takes: from 16 input channels and 4 tiles
 * of 4x4 outputs on, while the transformed input tiles fit in L2. Inside ResNet-18 on one thread: 64->128@56 2.2 ms
 * against 2.95 by im2col, 128->256@28 2.5 against 2.85, 256->512@14 (4 tiles) 3.4 against 3.6; on two threads 1.4
 * against 1.7, 1.5 against 1.6 and equal.
 */
export function usesWinogradS2(p: Conv2dParams): boolean {
  if (!(p.kh === 3 && p.kw === 3 && p.strideH === 2 && p.strideW === 2 && p.dilationH === 1 && p.dilationW === 1 && p.groups === 1 &&
    p.input instanceof Float32Array && p.weight instanceof Float32Array)) return false;
  const tiles = Math.ceil(p.outH / 4) * Math.ceil(p.outW / 4);
  return p.cIn >= MIN_IN_CHANNELS && tiles >= MIN_TILES && Math.ceil(tiles / 4) * 4 * 81 * p.cIn * 4 <= MAX_INPUT_TILE_BYTES;
}
const MIN_IN_CHANNELS = 16, MIN_TILES = 4;

/** One thread's share: output channels [c0, c1) (c0 a multiple of 8) of output tiles [t0, t1). */
interface Share { c0: number; c1: number; t0: number; t1: number }

/**
 * How threads split an image: by tiles from 32 tiles on (each transforms only its tiles, and their V is half the size:
 * 64->128@56, 49 tiles, 1.4 against 1.7 ms on two threads), else by output channels (each transforms all the
 * weights otherwise: 128->256@28, 16 tiles, 1.6 against 1.8).
 */
function shares(cOut: number, tiles: number, threads: number): Share[] {
  if (tiles >= MIN_TILES_TO_SPLIT) return splitRange(tiles, threads, 4).map(([t0, t1]) => ({ c0: 0, c1: cOut, t0, t1 }));
  return splitRange(cOut, threads, 8).map(([c0, c1]) => ({ c0, c1, t0: 0, t1: tiles }));
}
const MIN_TILES_TO_SPLIT = 32;

/** Float32 3x3 stride-2 conv2d by Winograd (usesWinogradS2 said so). */
export function wasmWinogradS2Conv2d(runtime: WasmKernelRuntime, p: Conv2dParams, pool: WasmThreadPool | null,
  linear: LinearStorage | null = null): void {
  const { n, cIn, h, w, cOut, outH, outW } = p;
  const exports = runtime.exports;
  const filter = cIn * 9;
  // Operands in linear memory (linear-storage.ts) are used in place; the others are copied through scratch.
  const input = new Operand(linear, p.input as Float32Array, cIn * h * w);
  const weight = new Operand(linear, p.weight as Float32Array, cOut * filter);
  const residual = p.residual ? new Operand(linear, p.residual as Float32Array, cOut * outH * outW) : null;
  const out = new Operand(linear, p.out as Float32Array, cOut * outH * outW, true, residual ? [input, residual] : [input]);
  const tilesX = Math.ceil(outW / 4), tiles = tilesX * Math.ceil(outH / 4);
  const parts = shares(cOut, tiles, pool?.threads ?? 1);
  const scratchBytes = Math.max(...parts.map(({ t0, t1 }) =>
    Math.ceil(exports.winogradS2ScratchBytes(cIn, tilesX, Math.floor((t1 - 1) / tilesX) + 1 - Math.floor(t0 / tilesX), t1 - t0) / 64) * 64));
  const [scratch, weightCopy, biasAt, inputCopy, outCopy, residualCopy] = runtime.reserve([parts.length * scratchBytes,
    weight.scratchBytes, epilogueBytes(cOut), input.scratchBytes, out.scratchBytes, residual?.scratchBytes ?? 0]);
  const memory = runtime.floats();
  const scaleAt = writeEpilogue(memory, biasAt, cOut, p.bias as Float32Array | null, (p.scale ?? null) as Float32Array | null);
  const flags = epilogueFlags(p);
  weight.copyIn(memory, weightCopy);
  const weightAt = weight.at(weightCopy);
  for (let b = 0; b < n; b++) {
    const inputAt = input.at(inputCopy, b), outAt = out.at(outCopy, b);
    input.copyIn(memory, inputCopy, b);
    residual?.copyIn(memory, residualCopy, b);
    const residualAt = residual?.at(residualCopy, b) ?? 0;
    const calls: KernelCall[] = parts.map(({ c0, c1, t0, t1 }, i) => ({
      op: 'winogradS2Conv2d',
      args: [cIn, h, w, p.padTop, p.padLeft, outH, outW, inputAt, weightAt + c0 * filter * 4, biasAt, scaleAt, flags, residualAt, outAt,
        c0, c1, t0, t1, scratch + i * scratchBytes],
    }));
    if (pool === null || calls.length === 1) exports.winogradS2Conv2d(...(calls[0].args as Parameters<typeof exports.winogradS2Conv2d>));
    else pool.run(calls);
    out.copyOut(memory, outCopy, b);
  }
  out.commit();
}
