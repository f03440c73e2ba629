// Loss functions (values only), composed from log_softmax, gather and reductions as ATen does.
import { isFloating } from '../dtype';
import { dtypeTitle, where } from '../ops/elementwise';
import { IndexError, ValueError } from '../ops/errors';
import { broadcastShapes } from '../shape';
import { Tensor } from '../tensor';
import { softmaxOp } from './activation';
import { def, num, tensorArg } from './util';

type Reduction = 'none' | 'mean' | 'sum';

/** The reduction, honouring the deprecated size_average/reduce flags the way _Reduction.legacy_get_string does. */
function reductionOf(a: Record<string, any>): Reduction {
  if ((a.size_average !== null && a.size_average !== undefined) || (a.reduce !== null && a.reduce !== undefined)) {
    const sizeAverage = a.size_average ?? true, reduce = a.reduce ?? true;
    return !reduce ? 'none' : sizeAverage ? 'mean' : 'sum';
  }
  if (a.reduction !== 'none' && a.reduction !== 'mean' && a.reduction !== 'sum')
    throw new ValueError(`${a.reduction} is not a valid value for reduction`);
  return a.reduction;
}

function reduceLoss(loss: Tensor, reduction: Reduction): Tensor {
  return reduction === 'none' ? loss : reduction === 'sum' ? loss.sum() : loss.mean();
}

const optionalTensor = (x: unknown, fn: string, name: string): Tensor | null =>
  x === null || x === undefined ? null : tensorArg(x, fn, name);

/** Per-element negative log-likelihood terms and their weights: target indices along dim 1 of logp. */
function nllTerms(logp: Tensor, target: Tensor, weight: Tensor | null, ignoreIndex: number): { loss: Tensor; weights: Tensor; ignored: Tensor } {
  if (target.dtype !== 'int64') throw new Error(`expected scalar type Long but found ${dtypeTitle(target.dtype)}`);
  const classes = logp.shape[1];
  if (weight && (weight.ndim !== 1 || weight.numel() !== classes))
    throw new Error(`weight tensor should be defined either for all ${classes} classes or no classes but got weight tensor of shape: [${weight.shape.join(', ')}]`);
  const ignored = target.eq(ignoreIndex);
  const bad = target.lt(0).logical_or(target.ge(classes)).logical_and(ignored.logical_not());
  if (bad.any().item()) {
    const first = target.index(bad).flatten().index(0).item();
    throw new IndexError(`Target ${first} is out of bounds.`);
  }
  const safe = where(ignored, 0, target);
  const picked = logp.gather(1, safe.unsqueeze(1)).squeeze(1);
  const perClass = weight ? weight.index_select(0, safe.flatten()).reshape(safe.shape as number[]) : Tensor.empty(safe.shape, logp.dtype).fill_(1);
  const weights = where(ignored, 0, perClass).type(logp.dtype);
  return { loss: picked.neg().mul(weights), weights, ignored };
}

function checkBatch(input: Tensor, target: Tensor): void {
  if (input.ndim < 1) throw new Error(`input tensor should be 1D or 2D`);
  if (input.ndim === 1) {
    if (target.ndim !== 0) throw new Error(`1D target tensor expected, multi-target not supported`);
    return;
  }
  if (input.shape[0] !== target.shape[0])
    throw new ValueError(`Expected input batch_size (${input.shape[0]}) to match target batch_size (${target.shape[0]}).`);
  if (input.ndim > 2 && (target.ndim !== input.ndim - 1 || target.shape.some((s, i) => i > 0 && s !== input.shape[i + 1])))
    throw new Error(`Expected target size [${[input.shape[0], ...input.shape.slice(2)].join(', ')}], got [${target.shape.join(', ')}]`);
}

/** nll_loss over a batched [N, C, ...] log-probability input. */
function nll(logp: Tensor, target: Tensor, weight: Tensor | null, ignoreIndex: number, reduction: Reduction): Tensor {
  const { loss, weights } = nllTerms(logp, target, weight, ignoreIndex);
  if (reduction === 'none') return loss;
  if (reduction === 'sum') return loss.sum();
  return loss.sum().div(weights.sum());
}

/** Runs f on a batched view, so unbatched (1-d input, 0-d target) calls give unbatched results. */
function batchedCall(input: Tensor, target: Tensor, probs: boolean, f: (x: Tensor, t: Tensor) => Tensor, reduction: Reduction): Tensor {
  if (input.ndim !== 1) return f(input, target);
  const r = f(input.unsqueeze(0), probs ? target.unsqueeze(0) : target.unsqueeze(0));
  return reduction === 'none' ? r.squeeze(0) : r;
}

export const nll_loss = def('nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean")', (a) => {
  const input = tensorArg(a.input, 'nll_loss'), target = tensorArg(a.target, 'nll_loss', 'target');
  const reduction = reductionOf(a);
  checkBatch(input, target);
  const weight = optionalTensor(a.weight, 'nll_loss', 'weight');
  return batchedCall(input, target, false, (x, t) => nll(x, t, weight, a.ignore_index, reduction), reduction);
});

export const cross_entropy = def(
  'cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean", label_smoothing=0.0)', (a) => {
    const input = tensorArg(a.input, 'cross_entropy'), target = tensorArg(a.target, 'cross_entropy', 'target');
    const reduction = reductionOf(a);
    const weight = optionalTensor(a.weight, 'cross_entropy', 'weight');
    const smoothing = num(a.label_smoothing);
    if (smoothing < 0 || smoothing > 1) throw new Error(`label_smoothing must be between 0.0 and 1.0. Got: ${smoothing}`);
    const probs = isFloating(target.dtype);
    if (probs) {
      if (target.ndim !== input.ndim || target.shape.some((s, i) => s !== input.shape[i]))
        throw new Error(`Expected target size [${input.shape.join(', ')}], got [${target.shape.join(', ')}]`);
      return batchedCall(input, target, true, (x, t) => probabilityCrossEntropy(x, t, weight, smoothing, reduction), reduction);
    }
    checkBatch(input, target);
    return batchedCall(input, target, false, (x, t) => indexCrossEntropy(x, t, weight, a.ignore_index, smoothing, reduction), reduction);
  });

function classShape(ndim: number, classes: number): number[] {
  return Array.from({ length: ndim }, (_, i) => (i === 1 ? classes : 1));
}

function indexCrossEntropy(input: Tensor, target: Tensor, weight: Tensor | null, ignoreIndex: number, smoothing: number, reduction: Reduction): Tensor {
  const logp = softmaxOp(input, 1, null, true);
  const nllLoss = nll(logp, target, weight, ignoreIndex, reduction);
  if (smoothing === 0) return nllLoss;
  const classes = input.shape[1];
  const { weights, ignored } = nllTerms(logp, target, weight, ignoreIndex);
  const weighted = weight ? logp.mul(weight.reshape(classShape(logp.ndim, classes))) : logp;
  const smooth = where(ignored, 0, weighted.sum(1).neg());
  let smoothReduced: Tensor;
  if (reduction === 'none') smoothReduced = smooth;
  else if (reduction === 'sum') smoothReduced = smooth.sum();
  else smoothReduced = smooth.sum().div(weight ? weights.sum() : ignored.logical_not().sum());
  return nllLoss.mul(1 - smoothing).add(smoothReduced.mul(smoothing / classes));
}

function probabilityCrossEntropy(input: Tensor, target: Tensor, weight: Tensor | null, smoothing: number, reduction: Reduction): Tensor {
  const classes = input.shape[1];
  const logp = softmaxOp(input, 1, null, true);
  const t = smoothing > 0 ? target.mul(1 - smoothing).add(smoothing / classes) : target;
  let terms = logp.mul(t);
  if (weight) terms = terms.mul(weight.reshape(classShape(logp.ndim, classes)));
  if (reduction === 'none') return terms.sum(1).neg();
  if (reduction === 'sum') return terms.sum().neg();
  return terms.sum().neg().div(input.numel() / classes);
}

function pairLoss(name: string, extra: string, f: (d: Tensor, x: Tensor, t: Tensor, a: Record<string, any>) => Tensor) {
  return def(`${name}(input, target, size_average=None, reduce=None, reduction="mean"${extra})`, (a) => {
    const input = tensorArg(a.input, name), target = tensorArg(a.target, name, 'target');
    const reduction = reductionOf(a);
    broadcastShapes(input.shape, target.shape);
    return reduceLoss(f(input.sub(target), input, target, a), reduction);
  });
}

export const mse_loss = pairLoss('mse_loss', '', (d) => d.mul(d));
export const l1_loss = pairLoss('l1_loss', '', (d) => d.abs());
export const smooth_l1_loss = pairLoss('smooth_l1_loss', ', beta=1.0', (d, _x, _t, a) => {
  const beta = num(a.beta), ad = d.abs();
  if (beta === 0) return ad;
  return where(ad.lt(beta), d.mul(d).mul(0.5 / beta), ad.sub(0.5 * beta));
});
export const huber_loss = def('huber_loss(input, target, reduction="mean", delta=1.0)', (a) => {
  const input = tensorArg(a.input, 'huber_loss'), target = tensorArg(a.target, 'huber_loss', 'target');
  const delta = num(a.delta), d = input.sub(target), ad = d.abs();
  return reduceLoss(where(ad.lt(delta), d.mul(d).mul(0.5), ad.sub(0.5 * delta).mul(delta)), reductionOf(a));
});

export const binary_cross_entropy = def(
  'binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean")', (a) => {
    const input = tensorArg(a.input, 'binary_cross_entropy'), target = tensorArg(a.target, 'binary_cross_entropy', 'target');
    const reduction = reductionOf(a);
    if (target.ndim !== input.ndim || target.shape.some((s, i) => s !== input.shape[i]))
      throw new ValueError(`Using a target size (torch.Size([${target.shape.join(', ')}])) that is different to the input size (torch.Size([${input.shape.join(', ')}])) is deprecated. Please ensure they have the same size.`);
    // PyTorch clamps each log at -100 so that 0 and 1 probabilities give finite losses.
    const logX = input.log().clamp_min(-100), log1mX = input.neg().add(1).log().clamp_min(-100);
    let loss = target.mul(logX).add(target.neg().add(1).mul(log1mX)).neg();
    const weight = optionalTensor(a.weight, 'binary_cross_entropy', 'weight');
    if (weight) loss = loss.mul(weight);
    return reduceLoss(loss, reduction);
  });

export const binary_cross_entropy_with_logits = def(
  'binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None)', (a) => {
    const x = tensorArg(a.input, 'binary_cross_entropy_with_logits'), t = tensorArg(a.target, 'binary_cross_entropy_with_logits', 'target');
    const reduction = reductionOf(a);
    if (t.ndim !== x.ndim || t.shape.some((s, i) => s !== x.shape[i]))
      throw new ValueError(`Target size (torch.Size([${t.shape.join(', ')}])) must be the same as input size (torch.Size([${x.shape.join(', ')}]))`);
    // log(1 + exp(-|x|)) + max(-x, 0) is log(1 + exp(-x)) without overflow.
    const softTerm = x.abs().neg().exp().log1p().add(x.neg().clamp_min(0));
    const posWeight = optionalTensor(a.pos_weight, 'binary_cross_entropy_with_logits', 'pos_weight');
    const logWeight = posWeight ? posWeight.sub(1).mul(t).add(1) : null;
    let loss = t.neg().add(1).mul(x).add(logWeight ? logWeight.mul(softTerm) : softTerm);
    const weight = optionalTensor(a.weight, 'binary_cross_entropy_with_logits', 'weight');
    if (weight) loss = loss.mul(weight);
    return reduceLoss(loss, reduction);
  });
