// Max, average and adaptive pooling. Shapes, ceil_mode and checks here; the loops in the pool kernels.
// 1-d pooling runs as 2-d pooling over a height of 1.
import { allocArray, computeDType, DType, isFloating, PyFloat } from '../dtype';
import type { Pool2dParams } from '../kernels/types';
import { kernels } from '../kernels/types';
import { fromCompute } from '../ops/elementwise';
import { Tensor } from '../tensor';
import { denseFloat } from './conv';
import { foldMaxPool, type MaxPoolGeometry } from './conv-fusion';
import { def, num, tensorArg, tuple } from './util';

type FloatArray = Float32Array | Float64Array;

/** PyTorch's pooling_output_shape: with ceil_mode the last window must start inside the input or the left padding. */
export function poolOutputSize(size: number, kernel: number, pad: number, stride: number, dilation: number, ceil: boolean): number {
  const span = size + 2 * pad - dilation * (kernel - 1) - 1 + (ceil ? stride - 1 : 0);
  let out = Math.floor(span / stride) + 1;
  if (ceil && (out - 1) * stride >= size + pad) out--;
  return out;
}

/** Pooling computes in the float dtype of its input; integers go through float64 (exact below 2^53). */
function poolCompute(dtype: DType): 'float32' | 'float64' {
  return computeDType(dtype) === 'float32' ? 'float32' : 'float64';
}
function fromPool(out: FloatArray, shape: number[], dtype: DType): Tensor {
  if (isFloating(dtype)) return fromCompute(out, shape, dtype);
  return Tensor.fromArray(out, shape, 'float64').type(dtype); // integer pooling truncates like C++ integer division
}

interface PoolArgs { x: Tensor; batched: boolean; kernel: number[]; stride: number[]; padding: number[]; dilation: number[]; ceil: boolean }

function poolArgs(a: Record<string, any>, name: string, spatial: number): PoolArgs {
  const input = tensorArg(a.input, name);
  const dims = spatial + 2;
  if ((input.ndim !== dims - 1 && input.ndim !== dims) || input.shape.slice(1).some((s) => s === 0))
    throw new Error(`Expected ${dims - 1}D or ${dims}D (batch mode) tensor with optional 0 dim batch size for input, but got:[${input.shape.join(', ')}]`);
  const kernel = tuple(a.kernel_size, spatial, 'kernel_size');
  const stride = a.stride === null || (Array.isArray(a.stride) && a.stride.length === 0) ? kernel : tuple(a.stride, spatial, 'stride');
  const padding = tuple(a.padding, spatial, 'padding');
  const dilation = a.dilation === undefined ? new Array(spatial).fill(1) : tuple(a.dilation, spatial, 'dilation');
  if (kernel.some((k) => k <= 0)) throw new Error(`${name}: kernel_size must be greater than zero, but got ${kernel.join(', ')}`);
  if (stride.some((s) => s <= 0)) throw new Error(`${name}: stride must be greater than zero, but got ${stride.join(', ')}`);
  if (dilation.some((d) => d <= 0)) throw new Error(`${name}: dilation must be greater than zero, but got ${dilation.join(', ')}`);
  const batched = input.ndim === dims;
  let x = batched ? input : input.unsqueeze(0);
  if (spatial === 1) x = x.unsqueeze(2);
  const lift = (v: number[], fill: number) => (spatial === 1 ? [fill, v[0]] : v);
  return { x, batched, kernel: lift(kernel, 1), stride: lift(stride, 1), padding: lift(padding, 0), dilation: lift(dilation, 1), ceil: Boolean(a.ceil_mode) };
}

function unlift(t: Tensor, spatial: number, batched: boolean): Tensor {
  const r = spatial === 1 ? t.squeeze(2) : t;
  return batched ? r : r.squeeze(0);
}

/** The pooling's geometry, checked (no operands yet: reading the input may be folded away). */
function poolGeometry(p: PoolArgs, name: string, effectiveKernel: boolean): MaxPoolGeometry & { outShape: number[] } {
  const [, c, h, w] = p.x.shape;
  p.padding.forEach((pad, i) => {
    const limit = effectiveKernel ? ((p.kernel[i] - 1) * p.dilation[i] + 1) / 2 : p.kernel[i] / 2;
    if (pad < 0) throw new Error(`pad must be non-negative, but got pad: ${pad}`);
    if (pad > limit) {
      if (effectiveKernel)
        throw new Error(`pad should be at most half of effective kernel size, but got pad=${pad}, kernel_size=${p.kernel[i]} and dilation=${p.dilation[i]}`);
      throw new Error(`pad should be at most half of kernel size, but got pad=${pad} and kernel_size=${p.kernel[i]}`);
    }
  });
  const outH = poolOutputSize(h, p.kernel[0], p.padding[0], p.stride[0], p.dilation[0], p.ceil);
  const outW = poolOutputSize(w, p.kernel[1], p.padding[1], p.stride[1], p.dilation[1], p.ceil);
  if (outH < 1 || outW < 1) {
    const shown = name.endsWith('1d') ? [`${c}x${w}`, `${c}x${outW}`] : [`${c}x${h}x${w}`, `${c}x${outH}x${outW}`];
    throw new Error(`Given input size: (${shown[0]}). Calculated output size: (${shown[1]}). Output size is too small`);
  }
  return {
    kh: p.kernel[0], kw: p.kernel[1], strideH: p.stride[0], strideW: p.stride[1],
    padH: p.padding[0], padW: p.padding[1], dilationH: p.dilation[0], dilationW: p.dilation[1], outH, outW,
    outShape: [p.x.shape[0], c, outH, outW],
  };
}

function poolParams(p: PoolArgs, name: string, effectiveKernel: boolean): Pool2dParams & { outShape: number[] } {
  const [n, c, h, w] = p.x.shape;
  const geometry = poolGeometry(p, name, effectiveKernel);
  const dt = poolCompute(p.x.dtype);
  const input = dt === computeDType(p.x.dtype) ? denseFloat(p.x) : (p.x.type(dt).toArray() as FloatArray);
  return {
    ...geometry, n, c, h, w, countIncludePad: true, divisorOverride: null,
    input, out: allocArray(dt, n * c * geometry.outH * geometry.outW) as FloatArray,
  };
}

function maxPool(a: Record<string, any>, name: string, spatial: number): Tensor | [Tensor, Tensor] {
  const p = poolArgs(a, name, spatial);
  if (!a.return_indices && spatial === 2) {
    // The result of a convolution still waiting to run is pooled as soon as it is computed (conv-fusion.ts).
    const { outShape, ...geometry } = poolGeometry(p, name, true);
    const folded = foldMaxPool(p.x, geometry, outShape);
    if (folded !== null) return unlift(folded, spatial, p.batched);
  }
  const params = poolParams(p, name, true);
  const indices = a.return_indices ? new Float64Array(params.out.length) : null;
  kernels().maxPool2d({ ...params, indices });
  const out = unlift(fromPool(params.out, params.outShape, p.x.dtype), spatial, p.batched);
  if (!indices) return out;
  return [out, unlift(Tensor.fromArray(indices, params.outShape, 'int64'), spatial, p.batched)];
}

function avgPool(a: Record<string, any>, name: string, spatial: number): Tensor {
  const p = poolArgs(a, name, spatial);
  if (a.divisor_override !== undefined && a.divisor_override !== null && num(a.divisor_override) === 0)
    throw new Error('divisor must be not zero');
  const params = poolParams(p, name, false);
  kernels().avgPool2d({
    ...params, countIncludePad: Boolean(a.count_include_pad),
    divisorOverride: a.divisor_override === undefined || a.divisor_override === null ? null : num(a.divisor_override),
  });
  return unlift(fromPool(params.out, params.outShape, p.x.dtype), spatial, p.batched);
}

export const max_pool2d = def('max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False)',
  (a) => maxPool(a, 'max_pool2d', 2));
export const max_pool1d = def('max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False)',
  (a) => maxPool(a, 'max_pool1d', 1));
export const max_pool2d_with_indices = def('max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=True)',
  (a) => maxPool({ ...a, return_indices: true }, 'max_pool2d', 2));
export const avg_pool2d = def('avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None)',
  (a) => avgPool(a, 'avg_pool2d', 2));
export const avg_pool1d = def('avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True)',
  (a) => avgPool(a, 'avg_pool1d', 1));

// ---- adaptive pooling ----

function adaptive(a: Record<string, any>, name: string, spatial: number, max: boolean): Tensor | [Tensor, Tensor] {
  const input = tensorArg(a.input, name);
  const dims = spatial + 2;
  if (input.ndim !== dims - 1 && input.ndim !== dims)
    throw new Error(`${name}(): Expected ${dims - 1}D or ${dims}D tensor, but got ${`[${input.shape.join(', ')}]`}`);
  const batched = input.ndim === dims;
  const inSizes = input.shape.slice(-spatial);
  const raw = Array.isArray(a.output_size) ? a.output_size : new Array(spatial).fill(a.output_size);
  if (raw.length !== spatial) throw new Error(`${name}: output_size must be ${spatial}`);
  // None keeps the input's size along that dim.
  const outSizes = raw.map((s: unknown, i: number) => (s === null || s === undefined ? inSizes[i] : num(s instanceof PyFloat ? s.value : s)));
  if (outSizes.some((s: number) => s < 0)) throw new Error(`${name}: elements of output_size must be greater than or equal to 0`);
  let x = batched ? input : input.unsqueeze(0);
  if (spatial === 1) x = x.unsqueeze(2);
  const [n, c, h, w] = x.shape;
  const [outH, outW] = spatial === 1 ? [1, outSizes[0]] : outSizes;
  const dt = poolCompute(x.dtype);
  const data = dt === computeDType(x.dtype) ? denseFloat(x) : (x.type(dt).toArray() as FloatArray);
  const out = allocArray(dt, n * c * outH * outW) as FloatArray;
  const indices = max && a.return_indices ? new Float64Array(out.length) : null;
  const params = { n, c, h, w, outH, outW, input: data, out, indices };
  if (max) kernels().adaptiveMaxPool2d(params);
  else kernels().adaptiveAvgPool2d(params);
  const shape = [n, c, outH, outW];
  const result = unlift(fromPool(out, shape, x.dtype), spatial, batched);
  return indices ? [result, unlift(Tensor.fromArray(indices, shape, 'int64'), spatial, batched)] : result;
}

export const adaptive_avg_pool2d = def('adaptive_avg_pool2d(input, output_size)', (a) => adaptive(a, 'adaptive_avg_pool2d', 2, false) as Tensor);
export const adaptive_avg_pool1d = def('adaptive_avg_pool1d(input, output_size)', (a) => adaptive(a, 'adaptive_avg_pool1d', 1, false) as Tensor);
export const adaptive_max_pool2d = def('adaptive_max_pool2d(input, output_size, return_indices=False)', (a) => adaptive(a, 'adaptive_max_pool2d', 2, true));
export const adaptive_max_pool1d = def('adaptive_max_pool1d(input, output_size, return_indices=False)', (a) => adaptive(a, 'adaptive_max_pool1d', 1, true));
