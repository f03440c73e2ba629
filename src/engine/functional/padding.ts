// F.pad: constant padding (negative pads crop) and the reflect / replicate / circular modes, which
// gather along each padded dim through an index computed with tensor ops.
import { PyFloat } from '../dtype';
import { remainder, where } from '../ops/elementwise';
import { NotImplementedError } from '../ops/errors';
import { arange, full } from '../ops/factories';
import { Tensor } from '../tensor';
import { def, num, tensorArg } from './util';

const MODES = ['constant', 'reflect', 'replicate', 'circular'];

/** Source index along a dim of `size` for output positions -before .. size+after-1. */
function sourceIndex(mode: string, size: number, before: number, after: number): Tensor {
  const j = arange(-before, size + after);
  if (mode === 'replicate') return j.clamp(0, size - 1);
  if (mode === 'circular') return remainder(j, size);
  if (size === 1) return j.mul(0);
  const period = 2 * (size - 1);
  const m = remainder(j, period);
  return where(m.ge(size), m.neg().add(period), m);
}

export const pad = def('pad(input, pad, mode="constant", value=None)', (a) => {
  const x = tensorArg(a.input, 'pad');
  if (!Array.isArray(a.pad)) throw new TypeError(`pad(): argument 'pad' must be tuple of ints, not ${typeof a.pad}`);
  const pads = (a.pad as unknown[]).map(num);
  const mode = a.mode as string;
  if (pads.length % 2 !== 0) throw new Error('Padding length must be divisible by 2');
  const padded = pads.length / 2;
  if (padded > x.ndim) throw new Error('Padding length too large');
  if (!MODES.includes(mode))
    throw new NotImplementedError(`Unrecognised padding mode ${mode}`);
  if (mode === 'constant') return constantPad(x, pads, a.value);
  if (a.value !== null && a.value !== undefined && num(a.value) !== 0)
    throw new Error(`Padding mode "${mode}" doesn't take in value argument`);
  if (x.ndim < padded + 1 || x.ndim > padded + 2 || padded > 3)
    throw new NotImplementedError(`Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now`);
  let out = x;
  for (let k = 0; k < padded; k++) {
    const dim = x.ndim - 1 - k, before = pads[2 * k], after = pads[2 * k + 1];
    const size = x.shape[dim];
    if (mode === 'reflect' && (before >= size || after >= size))
      throw new Error(`Argument #4: Padding size should be less than the corresponding input dimension, but got: padding (${before}, ${after}) at dimension ${dim} of input [${x.shape.join(', ')}]`);
    if (mode === 'circular' && (before > size || after > size))
      throw new Error('Padding value causes wrapping around more than once.');
    if (mode === 'replicate' && size === 0) throw new Error(`padding size is expected to be ${dim}, but got: 0`);
    out = out.index_select(dim, sourceIndex(mode, size, before, after));
  }
  return out;
});

function constantPad(x: Tensor, pads: number[], value: unknown): Tensor {
  const shape = [...x.shape];
  let src = x;
  const offsets = new Array<number>(x.ndim).fill(0);
  for (let k = 0; k < pads.length / 2; k++) {
    const dim = x.ndim - 1 - k, before = pads[2 * k], after = pads[2 * k + 1];
    const size = x.shape[dim] + before + after;
    if (size < 0)
      throw new Error(`The input size ${x.shape[dim]}, plus negative padding ${before} and ${after} resulted in a negative output size, which is invalid. Check dimension ${dim} of your input.`);
    shape[dim] = size;
    // Negative pads crop the input; positive ones leave room around it.
    const cropStart = Math.max(0, -before), cropEnd = Math.max(0, -after);
    src = src.narrow(dim, cropStart, Math.max(0, x.shape[dim] - cropStart - cropEnd));
    offsets[dim] = Math.max(0, before);
  }
  const fill = value === null || value === undefined ? 0 : value instanceof PyFloat ? value.value : num(value);
  const out = full(shape, fill, { dtype: x.dtype });
  let region = out;
  for (let d = 0; d < x.ndim; d++) region = region.narrow(d, offsets[d], src.shape[d]);
  region.copy_(src);
  return out;
}
