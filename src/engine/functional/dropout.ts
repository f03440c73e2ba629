// Dropout: identity unless training; masks drawn from the engine's seeded generator.
import { ValueError } from '../ops/errors';
import { rand } from '../ops/factories';
import { Tensor } from '../tensor';
import { def, maybeInplace, num, tensorArg } from './util';

function checkP(p: number): void {
  if (p < 0 || p > 1) throw new ValueError(`dropout probability has to be between 0 and 1, but got ${p}`);
}

/** x * mask / (1 - p), where mask (of maskShape, broadcast over x) keeps each entry with probability 1 - p. */
function applyDropout(x: Tensor, p: number, maskShape: number[]): Tensor {
  // p == 1 multiplies by zero rather than dividing by it, as ATen does.
  if (p === 1) return x.mul(Tensor.empty([], x.dtype));
  const keep = rand(maskShape, { dtype: x.is_floating_point() ? x.dtype : 'float32' }).lt(1 - p);
  return x.mul(keep.type(x.dtype)).div(1 - p);
}

function dropoutLike(name: string, featureDims: number | null) {
  return def(`${name}(input, p=0.5, training=True, inplace=False)`, (a) => {
    const x = tensorArg(a.input, name);
    const p = num(a.p);
    checkP(p);
    if (!a.training || p === 0 || x.numel() === 0) return x;
    // Feature dropout zeroes whole channels: the mask covers the batch and channel dims only.
    let maskShape = [...x.shape];
    if (featureDims !== null) {
      const batched = x.ndim === featureDims + 2;
      if (!batched && x.ndim !== featureDims + 1)
        throw new Error(`${name}: Expected ${featureDims + 1}D or ${featureDims + 2}D input, but received a ${x.ndim}D input.`);
      const keep = batched ? 2 : 1;
      maskShape = x.shape.map((s, i) => (i < keep ? s : 1));
    }
    return maybeInplace(x, applyDropout(x, p, maskShape), a.inplace === true);
  });
}

export const dropout = dropoutLike('dropout', null);
export const dropout1d = dropoutLike('dropout1d', 1);
export const dropout3d = dropoutLike('dropout3d', 3);

/** dropout2d: PyTorch reads a 3-D input as (N, C, L) and drops channels of it, with a warning. */
export const dropout2d = def('dropout2d(input, p=0.5, training=True, inplace=False)', (a) => {
  const x = tensorArg(a.input, 'dropout2d');
  const p = num(a.p);
  checkP(p);
  if (!a.training || p === 0 || x.numel() === 0) return x;
  if (x.ndim !== 3 && x.ndim !== 4)
    throw new Error(`dropout2d: Received a ${x.ndim}-D input to dropout2d, which is deprecated and will result in an error in a future release.`);
  const maskShape = x.shape.map((s, i) => (i < 2 ? s : 1));
  return maybeInplace(x, applyDropout(x, p, maskShape), a.inplace === true);
});

export const alpha_dropout = def('alpha_dropout(input, p=0.5, training=False, inplace=False)', (a) => {
  const x = tensorArg(a.input, 'alpha_dropout');
  const p = num(a.p);
  checkP(p);
  if (!a.training || p === 0) return x;
  // SELU-preserving dropout: dropped entries go to alpha', then an affine map restores mean and variance.
  const alphaPrime = -1.7580993408473766;
  const keep = rand(x.shape as number[], { dtype: x.dtype }).lt(1 - p).type(x.dtype);
  const scale = 1 / Math.sqrt((1 - p) * (1 + p * alphaPrime * alphaPrime));
  const shift = -scale * alphaPrime * p;
  return maybeInplace(x, x.mul(keep).add(keep.neg().add(1).mul(alphaPrime)).mul(scale).add(shift), a.inplace === true);
});
