// Convolutions: argument checks, padding modes and output shapes here; the loops in kernels().conv2d
// and kernels().convTranspose2d. 1-d convolutions run as 2-d ones over a height of 1.
import { allocArray, computeDType, DType, isFloating, isReducedFloat } from '../dtype';
import { kernels } from '../kernels/types';
import { dtypeTitle, fromCompute } from '../ops/elementwise';
import { Tensor } from '../tensor';
import { def, tensorArg, tuple } from './util';
import { Storage } from '../storage';
import { DeferredConv, deferredResult, isWhole, type ConvGeometry } from './conv-fusion';

type FloatArray = Float32Array | Float64Array;

/** The values of t as a dense float array in its compute dtype, without copying when already dense. */
export function denseFloat(t: Tensor): FloatArray {
  if (!isReducedFloat(t.dtype) && t.is_contiguous() && t.offset === 0 && t.storage.length === t.numel())
    return t.storage.values as FloatArray;
  return t.toArray() as FloatArray;
}

const sizeStr = (s: readonly number[]) => `[${s.join(', ')}]`;

function checkFloatOperands(name: string, input: Tensor, weight: Tensor, bias: Tensor | null): DType {
  if (input.dtype !== weight.dtype)
    throw new Error(`expected scalar type ${dtypeTitle(input.dtype)} but found ${dtypeTitle(weight.dtype)}`);
  if (bias && bias.dtype !== input.dtype)
    throw new Error(`expected scalar type ${dtypeTitle(input.dtype)} but found ${dtypeTitle(bias.dtype)}`);
  if (!isFloating(input.dtype)) throw new Error(`"${name}" not implemented for '${dtypeTitle(input.dtype)}'`);
  return input.dtype;
}

interface ConvArgs {
  input: Tensor; weight: Tensor; bias: Tensor | null;
  stride: number[]; dilation: number[]; groups: number;
  padding: number[] | 'same' | 'valid';
}

function convArgs(a: Record<string, any>, spatial: number, name: string): ConvArgs {
  const input = tensorArg(a.input, name), weight = tensorArg(a.weight, name, 'weight');
  const bias = a.bias === null || a.bias === undefined ? null : tensorArg(a.bias, name, 'bias');
  const dims = spatial + 2;
  if (input.ndim !== dims - 1 && input.ndim !== dims)
    throw new Error(`Expected ${dims - 1}D (unbatched) or ${dims}D (batched) input to ${name}, but got input of size: ${sizeStr(input.shape)}`);
  let padding: ConvArgs['padding'];
  if (typeof a.padding === 'string') {
    if (a.padding !== 'same' && a.padding !== 'valid')
      throw new Error(`Invalid padding string: '${a.padding}'`);
    padding = a.padding;
  } else padding = tuple(a.padding, spatial, 'padding');
  return { input, weight, bias, stride: tuple(a.stride, spatial, 'stride'), dilation: tuple(a.dilation, spatial, 'dilation'), groups: a.groups, padding };
}

/** conv over 2 spatial dims of a batched NCHW input; pads are [top, bottom, left, right]. */
function conv2dCore(input: Tensor, weight: Tensor, bias: Tensor | null, stride: number[], pads: number[], dilation: number[], groups: number): Tensor {
  const dtype = checkFloatOperands('slow_conv2d_cpu', input, weight, bias);
  const [n, cIn, h, w] = input.shape, [cOut, cInG, kh, kw] = weight.shape;
  if (weight.ndim !== 4)
    throw new Error(`weight should have at least three dimensions`);
  if (stride.some((s) => s <= 0)) throw new Error('non-positive stride is not supported');
  if (dilation.some((d) => d <= 0)) throw new Error('dilation should be greater than zero');
  if (pads.some((p) => p < 0)) throw new Error('negative padding is not supported');
  if (groups <= 0) throw new Error('non-positive groups is not supported');
  if (cOut % groups !== 0)
    throw new Error(`Given groups=${groups}, expected weight to be divisible by ${groups} at dimension 0, but got weight of size ${sizeStr(weight.shape)} instead`);
  if (cIn !== cInG * groups)
    throw new Error(`Given groups=${groups}, weight of size ${sizeStr(weight.shape)}, expected input${sizeStr(input.shape)} to have ${cInG * groups} channels, but got ${cIn} channels instead`);
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== cOut))
    throw new Error(`Given weight of size ${sizeStr(weight.shape)}, expected bias to be 1-dimensional with ${cOut} elements, but got bias of size ${sizeStr(bias.shape)} instead`);
  const paddedH = h + pads[0] + pads[1], paddedW = w + pads[2] + pads[3];
  const effKh = dilation[0] * (kh - 1) + 1, effKw = dilation[1] * (kw - 1) + 1;
  if (paddedH < effKh || paddedW < effKw)
    throw new Error(`Calculated padded input size per channel: (${paddedH} x ${paddedW}). Kernel size: (${effKh} x ${effKw}). Kernel size can't be greater than actual input size`);
  const outH = Math.floor((paddedH - effKh) / stride[0]) + 1, outW = Math.floor((paddedW - effKw) / stride[1]) + 1;
  const geometry: ConvGeometry = {
    n, cIn, h, w, cOut, kh, kw, groups,
    strideH: stride[0], strideW: stride[1],
    padTop: pads[0], padBottom: pads[1], padLeft: pads[2], padRight: pads[3],
    dilationH: dilation[0], dilationW: dilation[1], outH, outW,
  };
  const shape = [n, cOut, outH, outW];
  // float32/float64 run when first read, so that a batch-norm or ReLU can fold in (conv-fusion.ts).
  if (dtype === 'float32' || dtype === 'float64')
    return deferredResult(shape, dtype, new DeferredConv(geometry, {
      input: denseStorage(input).hold(), weight: denseStorage(weight).hold(), bias: bias ? denseStorage(bias).hold() : null, residual: null,
    }));
  const out = allocArray(computeDType(dtype), n * cOut * outH * outW) as FloatArray;
  kernels().conv2d({ ...geometry, input: denseFloat(input), weight: denseFloat(weight), bias: bias ? denseFloat(bias) : null, out });
  return fromCompute(out, shape, dtype);
}

/** t's own storage when it is dense and whole (read in place when the op runs), else a dense copy of its values. */
function denseStorage(t: Tensor): Storage {
  return isWhole(t) && t.storage.base === null ? t.storage : Storage.fromArray(t.dtype, t.toArray());
}

/** Per spatial dim [before, after]; 'same' puts the odd extra element after, as PyTorch does. */
function resolvePadding(c: ConvArgs, kernel: number[]): number[][] {
  if (c.padding === 'valid') return kernel.map(() => [0, 0]);
  if (c.padding === 'same') {
    if (c.stride.some((s) => s !== 1)) throw new Error("padding='same' is not supported for strided convolutions");
    return kernel.map((k, i) => {
      const total = c.dilation[i] * (k - 1);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    });
  }
  return c.padding.map((p) => [p, p]);
}

export const conv2d = def('conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1)', (a) => {
  const c = convArgs(a, 2, 'conv2d');
  const batched = c.input.ndim === 4;
  const x = batched ? c.input : c.input.unsqueeze(0);
  const pads = resolvePadding(c, c.weight.shape.slice(2));
  const out = conv2dCore(x, c.weight, c.bias, c.stride, [...pads[0], ...pads[1]], c.dilation, c.groups);
  return batched ? out : out.squeeze(0);
});

export const conv1d = def('conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1)', (a) => {
  const c = convArgs(a, 1, 'conv1d');
  const batched = c.input.ndim === 3;
  const x = (batched ? c.input : c.input.unsqueeze(0)).unsqueeze(2);
  if (c.weight.ndim !== 3) throw new Error(`weight should have at least three dimensions`);
  const pads = resolvePadding(c, c.weight.shape.slice(2));
  const out = conv2dCore(x, c.weight.unsqueeze(2), c.bias, [1, c.stride[0]], [0, 0, ...pads[0]], [1, c.dilation[0]], c.groups)
    .squeeze(2);
  return batched ? out : out.squeeze(0);
});

function convTranspose2dCore(input: Tensor, weight: Tensor, bias: Tensor | null, stride: number[], padding: number[],
  outputPadding: number[], groups: number, dilation: number[]): Tensor {
  const dtype = checkFloatOperands('slow_conv_transpose2d_out_cpu', input, weight, bias);
  const [n, cIn, h, w] = input.shape, [wIn, cOutG, kh, kw] = weight.shape;
  if (stride.some((s) => s <= 0)) throw new Error('non-positive stride is not supported');
  if (dilation.some((d) => d <= 0)) throw new Error('dilation should be greater than zero');
  if (padding.some((p) => p < 0)) throw new Error('negative padding is not supported');
  if (outputPadding.some((p, i) => p >= stride[i] && p >= dilation[i]))
    throw new Error(`output padding must be smaller than either stride or dilation, but got output_padding_height: ${outputPadding[0]} output_padding_width: ${outputPadding[1]} stride_height: ${stride[0]} stride_width: ${stride[1]} dilation_height: ${dilation[0]} dilation_width: ${dilation[1]}`);
  if (wIn % groups !== 0)
    throw new Error(`Given groups=${groups}, expected weight to be divisible by ${groups} at dimension 0, but got weight of size ${sizeStr(weight.shape)} instead`);
  if (cIn !== wIn)
    throw new Error(`Given transposed=1, weight of size ${sizeStr(weight.shape)}, expected input${sizeStr(input.shape)} to have ${wIn} channels, but got ${cIn} channels instead`);
  const cOut = cOutG * groups;
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== cOut))
    throw new Error(`Given transposed=1, weight of size ${sizeStr(weight.shape)}, expected bias to be 1-dimensional with ${cOut} elements, but got bias of size ${sizeStr(bias.shape)} instead`);
  const outH = (h - 1) * stride[0] - 2 * padding[0] + dilation[0] * (kh - 1) + outputPadding[0] + 1;
  const outW = (w - 1) * stride[1] - 2 * padding[1] + dilation[1] * (kw - 1) + outputPadding[1] + 1;
  if (outH <= 0 || outW <= 0)
    throw new Error(`Given input size per channel: (${h} x ${w}). Calculated output size per channel: (${outH} x ${outW}). Output size is too small`);
  const out = allocArray(computeDType(dtype), n * cOut * outH * outW) as FloatArray;
  kernels().convTranspose2d({
    n, cIn, h, w, cOut, kh, kw, groups,
    strideH: stride[0], strideW: stride[1], padH: padding[0], padW: padding[1],
    dilationH: dilation[0], dilationW: dilation[1], outH, outW,
    input: denseFloat(input), weight: denseFloat(weight), bias: bias ? denseFloat(bias) : null, out,
  });
  return fromCompute(out, [n, cOut, outH, outW], dtype);
}

function transposeArgs(a: Record<string, any>, spatial: number, name: string) {
  const input = tensorArg(a.input, name), weight = tensorArg(a.weight, name, 'weight');
  const bias = a.bias === null || a.bias === undefined ? null : tensorArg(a.bias, name, 'bias');
  const dims = spatial + 2;
  if (input.ndim !== dims - 1 && input.ndim !== dims)
    throw new Error(`Expected ${dims - 1}D (unbatched) or ${dims}D (batched) input to ${name}, but got input of size: ${sizeStr(input.shape)}`);
  if (typeof a.padding === 'string') throw new TypeError(`${name}(): argument 'padding' must be tuple of ints, not str`);
  return {
    input, weight, bias, groups: a.groups as number,
    stride: tuple(a.stride, spatial, 'stride'), padding: tuple(a.padding, spatial, 'padding'),
    outputPadding: tuple(a.output_padding, spatial, 'output_padding'), dilation: tuple(a.dilation, spatial, 'dilation'),
  };
}

export const conv_transpose2d = def(
  'conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1)', (a) => {
    const c = transposeArgs(a, 2, 'conv_transpose2d');
    const batched = c.input.ndim === 4;
    const out = convTranspose2dCore(batched ? c.input : c.input.unsqueeze(0), c.weight, c.bias, c.stride, c.padding,
      c.outputPadding, c.groups, c.dilation);
    return batched ? out : out.squeeze(0);
  });

export const conv_transpose1d = def(
  'conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1)', (a) => {
    const c = transposeArgs(a, 1, 'conv_transpose1d');
    const batched = c.input.ndim === 3;
    const x = (batched ? c.input : c.input.unsqueeze(0)).unsqueeze(2);
    const out = convTranspose2dCore(x, c.weight.unsqueeze(2), c.bias, [1, c.stride[0]], [0, c.padding[0]],
      [0, c.outputPadding[0]], c.groups, [1, c.dilation[0]]).squeeze(2);
    return batched ? out : out.squeeze(0);
  });
