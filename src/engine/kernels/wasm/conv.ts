// conv2d through the WASM module: weight and bias are copied once per call, then each image of the batch
// is copied in, convolved (im2col + sgemm, pointwise or depthwise in WASM; 3x3 stride-1 convs with enough
// channels by Winograd, cached or fused, see winograd.ts) and copied out, so linear memory holds one image's input
// and output at a time. Operands already in linear memory (parameters, linear-storage.ts) are used in place.
import type { Conv2dParams } from '../types';
import { EPILOGUE_BIAS, epilogueBytes, epilogueFlags, writeEpilogue } from './epilogue';
import { Operand, type LinearStorage } from './linear-storage';
import type { WasmKernelRuntime } from './runtime';
import { splitRange, type KernelCall, type WasmThreadPool } from './threads';
import { chooseConvAlgorithm, wasmWinogradConv2d, wasmWinogradFusedConv2d, type WinogradWeightCache } from './winograd';
import { wasmWinogradS2Conv2d } from './winograd-s2';

/** Most im2col elements held at once (4 MiB), as in the TypeScript kernel; larger images run in row chunks. */
const COLUMN_LIMIT = 1 << 20;

/** Output rows per chunk of assembly/conv.ts's directStride2 (DIRECT_ROWS there). */
const DIRECT_ROWS = 8;

/**
 * Column scratch of assembly/conv.ts's directStride2 (stride-2 image stems: at most 4 input channels, undilated,
 * ungrouped, 8+ output columns), mirroring directStride2Floats there; null for other convolutions.
 */
function directStride2Floats(p: Conv2dParams): number | null {
  if (!(p.groups === 1 && p.cIn <= 4 && p.strideW === 2 && p.dilationH === 1 && p.dilationW === 1 && p.outW >= 8 && p.kw >= 2)) {
    return null;
  }
  const planeW = (((p.outW + 7) & ~7) + ((p.kw + 1) >> 1) + 4) & ~3;
  const rows = (DIRECT_ROWS - 1) * p.strideH + p.kh;
  return p.cIn * rows * 2 * planeW + ((p.cOut + 3) >> 2) * p.cIn * p.kh * p.kw * 5;
}

/**
 * Floats of column scratch conv2d needs: one chunk of im2col rows, the tap table of a depthwise conv, or the
 * deinterleaved rows and packed weights of a direct stride-2 stem.
 */
function columnCapacity(p: Conv2dParams): number {
  const cInG = p.cIn / p.groups;
  if (p.groups > 1 && cInG === 1) return 2 * p.kh * p.kw;
  const direct = directStride2Floats(p);
  if (direct !== null) return direct;
  const depth = cInG * p.kh * p.kw;
  return Math.max(depth * p.outW, Math.min(COLUMN_LIMIT, depth * p.outW * p.outH));
}

/** One thread's share of an image: output channels [c0, c1) (ungrouped convs only) and rows [oy0, oy1). */
interface Share { c0: number; c1: number; oy0: number; oy1: number }

/**
 * How threads split an image: by output rows, or by output channels (groups of 4, the GEMM's micro-tile rows)
 * when the image is small next to the channel count (resnet's 7x7 and 14x14 stages), so that each thread packs
 * only its part of the weights and still multiplies panels as wide as the image.
 */
function shares(p: Conv2dParams, threads: number): Share[] {
  if (threads > 1 && p.groups === 1 && p.outH * p.outW < p.cOut) {
    return splitRange(p.cOut, threads, 4).map(([c0, c1]) => ({ c0, c1, oy0: 0, oy1: p.outH }));
  }
  return splitRange(p.outH, threads, 1).map(([oy0, oy1]) => ({ c0: 0, c1: p.cOut, oy0, oy1 }));
}

/**
 * Float32 conv2d (the caller checked the element types). `pool`, when given, splits each image across threads;
 * `winograd`, when given, caches transformed weights for the convolutions chooseConvAlgorithm sends to Winograd.
 */
export function wasmConv2d(runtime: WasmKernelRuntime, p: Conv2dParams, pool: WasmThreadPool | null = null,
  winograd: WinogradWeightCache | null = null, linear: LinearStorage | null = null): void {
  const { n, cIn, h, w, cOut, outH, outW } = p;
  const outPlane = outH * outW;
  if (n === 0 || cOut === 0 || outPlane === 0) return;
  // winograd === null (winogradCacheBytes 0) turns both Winograd paths off.
  const algorithm = winograd === null ? 'im2col' : chooseConvAlgorithm(p, winograd.fusedMaxTiles);
  if (algorithm === 'winograd-s2') { wasmWinogradS2Conv2d(runtime, p, pool, linear); return; }
  if (algorithm === 'winograd-fused') { wasmWinogradFusedConv2d(runtime, winograd!, p, pool, linear); return; }
  if (algorithm === 'winograd' && wasmWinogradConv2d(runtime, winograd!, p, pool, linear)) return;
  const bias = p.bias as Float32Array | null, scale = (p.scale ?? null) as Float32Array | null;
  const flags = epilogueFlags(p);
  // Operands in linear memory (linear-storage.ts) are used in place; the others are copied through scratch.
  const input = new Operand(linear, p.input as Float32Array, cIn * h * w);
  const weight = new Operand(linear, p.weight as Float32Array, cOut * (cIn / p.groups) * p.kh * p.kw);
  const residual = p.residual ? new Operand(linear, p.residual as Float32Array, cOut * outPlane) : null;
  const out = new Operand(linear, p.out as Float32Array, cOut * outPlane, true, residual ? [input, residual] : [input]);
  const columns = columnCapacity(p);
  const parts = shares(p, pool?.threads ?? 1);
  const threads = parts.length;
  const depth = (cIn / p.groups) * p.kh * p.kw;
  const [scratch, columnsAt, weightCopy, biasAt, inputCopy, outCopy, residualCopy] = runtime.reserve([
    threads * runtime.gemmScratchBytes, threads * columns * 4, weight.scratchBytes, epilogueBytes(cOut), input.scratchBytes, out.scratchBytes,
    residual?.scratchBytes ?? 0,
  ]);
  const memory = runtime.floats();
  const weightAt = weight.at(weightCopy);
  weight.copyIn(memory, weightCopy);
  const scaleAt = writeEpilogue(memory, biasAt, cOut, bias, scale);
  // A bias alone is where the GEMMs start; any other epilogue (the bias after the scale) runs in the kernel on each
  // chunk of rows it has written, so in each thread's share.
  const convBias = bias !== null && flags === EPILOGUE_BIAS ? 1 : 0;
  const epilogue = flags & ~EPILOGUE_BIAS ? flags : 0;
  for (let b = 0; b < n; b++) {
    const inputAt = input.at(inputCopy, b), outAt = out.at(outCopy, b);
    input.copyIn(memory, inputCopy, b);
    residual?.copyIn(memory, residualCopy, b);
    const residualAt = residual?.at(residualCopy, b) ?? 0;
    // A channel share is the convolution with cOut = c1 - c0 over the weight, bias and output planes from c0 (n is 1).
    const calls: KernelCall[] = parts.map(({ c0, c1, oy0, oy1 }, i) => ({
      op: 'conv2d',
      args: [1, cIn, h, w, c1 - c0, p.kh, p.kw, p.groups, p.strideH, p.strideW, p.padTop, p.padLeft, p.dilationH, p.dilationW,
        outH, outW, inputAt, weightAt + c0 * depth * 4, biasAt + c0 * 4, convBias, outAt + c0 * outPlane * 4,
        columnsAt + i * columns * 4, columns, scratch + i * runtime.gemmScratchBytes, oy0, oy1, scaleAt + c0 * 4, epilogue,
        residual === null ? 0 : residualAt + c0 * outPlane * 4],
    }));
    if (pool === null) runtime.exports.conv2d(...(calls[0].args as Parameters<WasmKernelRuntime['exports']['conv2d']>));
    else pool.run(calls);
    out.copyOut(memory, outCopy, b);
  }
  out.commit();
}
