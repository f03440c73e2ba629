// F.interpolate (nearest, nearest-exact, linear, bilinear, area) with PyTorch's size and scale rules.
// Source indices and weights are computed per output dim in float32, as ATen's CPU kernels do, then
// applied one spatial dim at a time with gathers and broadcast arithmetic.
import { NotImplementedError, ValueError } from '../ops/errors';
import { arange } from '../ops/factories';
import { Tensor } from '../tensor';
import { adaptive_avg_pool1d, adaptive_avg_pool2d } from './pooling';
import { def, num, tensorArg } from './util';

const INTERPOLATING = ['linear', 'bilinear', 'bicubic', 'trilinear'];
const ALL_MODES = ['nearest', 'linear', 'bilinear', 'bicubic', 'trilinear', 'area', 'nearest-exact'];

/** ATen's compute_scales_value<float>: 1/scale_factor when one was given, else in/out, rounded to float32. */
function scaleValue(scale: number | null, inSize: number, outSize: number): number {
  return Math.fround(scale !== null && scale > 0 ? 1 / scale : Math.fround(inSize) / outSize);
}

/** Along `dim`: out[j] = x[src(j)] with src = min(floor(j * scale), in - 1) (nearest-exact: floor((j + 0.5) * scale)). */
function nearestAlong(x: Tensor, dim: number, outSize: number, scale: number | null, exact: boolean): Tensor {
  const inSize = x.shape[dim];
  if (outSize === inSize && !exact) return x.clone();
  // ATen takes integer shortcuts for same-size and exactly doubled outputs, whatever the scale factor.
  const s = outSize === 2 * inSize && !exact ? 0.5 : scaleValue(scale, inSize, outSize);
  let j = arange(outSize, { dtype: 'float32' });
  if (exact) j = j.add(0.5);
  const src = j.mul(s).floor().clamp(null, inSize - 1).long();
  return x.index_select(dim, src);
}

/** Linear interpolation along `dim` with ATen's area_pixel_compute_source_index and lambda clamping. */
function linearAlong(x: Tensor, dim: number, outSize: number, scale: number | null, alignCorners: boolean): Tensor {
  const inSize = x.shape[dim];
  const j = arange(outSize, { dtype: 'float32' });
  let real: Tensor;
  if (alignCorners) {
    const s = outSize > 1 ? Math.fround(Math.fround(inSize - 1) / (outSize - 1)) : 0;
    real = j.mul(s);
  } else {
    real = j.add(0.5).mul(scaleValue(scale, inSize, outSize)).sub(0.5).clamp_min(0);
  }
  const i0 = real.floor().clamp(null, inSize - 1);
  const i1 = i0.add(i0.lt(inSize - 1).float());
  const lambda1 = real.sub(i0).clamp(0, 1);
  const lambda0 = lambda1.neg().add(1);
  const shape = x.shape.map((_, d) => (d === dim ? outSize : 1));
  const lo = x.index_select(dim, i0.long()), hi = x.index_select(dim, i1.long());
  const w0 = lambda0.type(x.dtype).reshape(shape), w1 = lambda1.type(x.dtype).reshape(shape);
  return lo.mul(w0).add(hi.mul(w1));
}

export const interpolate = def(
  'interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None, antialias=False)', (a) => {
    const x = tensorArg(a.input, 'interpolate');
    const mode = a.mode as string;
    let alignCorners: boolean | null = a.align_corners;
    if (!INTERPOLATING.includes(mode)) {
      if (alignCorners !== null && alignCorners !== undefined)
        throw new ValueError('align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear');
    } else if (alignCorners === null || alignCorners === undefined) alignCorners = false;
    const dim = x.ndim - 2;
    const spatial = x.shape.slice(2);
    let outSizes: number[] | null = null, scales: (number | null)[] | null = null;
    if (a.size !== null && a.scale_factor !== null) throw new ValueError('only one of size or scale_factor should be defined');
    if (a.size !== null) {
      if (Array.isArray(a.size)) {
        if (a.size.length !== dim)
          throw new ValueError(`Input and output must have the same number of spatial dimensions, but got input with spatial dimensions of [${spatial.join(', ')}] and output size of [${a.size.join(', ')}]. Please provide input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.`);
        outSizes = a.size.map(num);
      } else outSizes = new Array(Math.max(dim, 0)).fill(num(a.size));
    } else if (a.scale_factor !== null) {
      if (Array.isArray(a.scale_factor)) {
        if (a.scale_factor.length !== dim)
          throw new ValueError(`Input and scale_factor must have the same number of spatial dimensions, but got input with spatial dimensions of [${spatial.join(', ')}] and scale_factor of shape [${a.scale_factor.map(num).join(', ')}]. Please provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.`);
        scales = a.scale_factor.map(num);
      } else scales = new Array(Math.max(dim, 0)).fill(num(a.scale_factor));
    } else throw new ValueError('either size or scale_factor should be defined');
    let recompute = a.recompute_scale_factor === true;
    if (recompute && a.size !== null) throw new ValueError('recompute_scale_factor is not meaningful with an explicit size.');
    if (mode === 'area' && outSizes === null) recompute = true;
    if (recompute && scales) {
      outSizes = scales.map((s, i) => Math.floor(spatial[i] * (s as number)));
      scales = null;
    }
    if (a.antialias) throw new NotImplementedError('Anti-alias option is not supported by this engine');
    if (!ALL_MODES.includes(mode))
      throw new NotImplementedError(`Input Error: Only 3D, 4D and 5D input Tensors supported (got ${x.ndim}D) for the modes: nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact (got ${mode})`);
    const wants: Record<string, number> = { linear: 3, bilinear: 4, trilinear: 5, bicubic: 4 };
    if (wants[mode] !== undefined && x.ndim !== wants[mode] && x.ndim >= 3 && x.ndim <= 5)
      throw new NotImplementedError(`Got ${x.ndim}D input, but ${mode} mode needs ${wants[mode]}D input`);
    if (x.ndim < 3 || x.ndim > 5)
      throw new NotImplementedError(`Input Error: Only 3D, 4D and 5D input Tensors supported (got ${x.ndim}D) for the modes: nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact (got ${mode})`);
    // With scale factors the output size is floor(in * scale), and the factor itself drives the index math.
    const sizes = outSizes ?? spatial.map((s, i) => Math.floor(s * (scales![i] as number)));
    const scaleFor = (i: number) => (scales ? scales[i] : null);
    if (sizes.some((s) => s <= 0))
      throw new Error(`Input and output sizes should be greater than 0, but got input (${spatial.map((s) => `${s}`).join(', ')}) and output (${sizes.join(', ')})`);
    if (mode === 'area') return x.ndim === 3 ? adaptive_avg_pool1d(x, sizes) : adaptive_avg_pool2d(x, sizes);
    if (mode === 'bicubic') throw new NotImplementedError('bicubic interpolation is not supported by this engine');
    let out = x;
    for (let i = 0; i < dim; i++) {
      const d = 2 + i;
      if (mode === 'nearest' || mode === 'nearest-exact') out = nearestAlong(out, d, sizes[i], scaleFor(i), mode === 'nearest-exact');
      else out = linearAlong(out, d, sizes[i], scaleFor(i), alignCorners as boolean);
    }
    return out;
  });

export const upsample = def('upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None)',
  (a) => interpolate(a.input, { size: a.size, scale_factor: a.scale_factor, mode: a.mode, align_corners: a.align_corners }));
export const upsample_nearest = def('upsample_nearest(input, size=None, scale_factor=None)',
  (a) => interpolate(a.input, { size: a.size, scale_factor: a.scale_factor, mode: 'nearest' }));
export const upsample_bilinear = def('upsample_bilinear(input, size=None, scale_factor=None)',
  (a) => interpolate(a.input, { size: a.size, scale_factor: a.scale_factor, mode: 'bilinear', align_corners: true }));
