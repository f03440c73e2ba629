// Linear maps and similarity measures.
import { linear as linearOp } from '../ops/linalg';
import { matmul } from '../ops/linalg';
import { broadcastShapes } from '../shape';
import { def, num, tensorArg } from './util';

export const linear = def('linear(input, weight, bias=None)', (a) =>
  linearOp(tensorArg(a.input, 'linear'), tensorArg(a.weight, 'linear', 'weight'), a.bias === null ? null : tensorArg(a.bias, 'linear', 'bias')));

/** out[..., o] = x1[..., i] W[o, i, j] x2[..., j] + b[o]. */
export const bilinear = def('bilinear(input1, input2, weight, bias=None)', (a) => {
  const x1 = tensorArg(a.input1, 'bilinear', 'input1'), x2 = tensorArg(a.input2, 'bilinear', 'input2');
  const w = tensorArg(a.weight, 'bilinear', 'weight');
  if (w.ndim !== 3) throw new Error(`bilinear(): weight must be three-dimensional, but got ${w.ndim}D`);
  const [outF, in1, in2] = w.shape;
  if (x1.shape[x1.ndim - 1] !== in1)
    throw new Error(`bilinear(): input1 size does not match weight size: got ${x1.shape[x1.ndim - 1]} but expected ${in1}`);
  if (x2.shape[x2.ndim - 1] !== in2)
    throw new Error(`bilinear(): input2 size does not match weight size: got ${x2.shape[x2.ndim - 1]} but expected ${in2}`);
  const lead = x1.shape.slice(0, -1);
  if (lead.length !== x2.ndim - 1 || lead.some((s, i) => s !== x2.shape[i]))
    throw new Error(`bilinear(): input batch dimensions do not match: got [${lead.join(', ')}] and [${x2.shape.slice(0, -1).join(', ')}]`);
  // x1 @ W viewed as [in1, out*in2], then contract in2 with x2.
  const projected = matmul(x1, w.permute(1, 0, 2).reshape([in1, outF * in2])).reshape([...lead, outF, in2]);
  let out = projected.mul(x2.unsqueeze(-2)).sum(-1);
  if (a.bias !== null) out = out.add(tensorArg(a.bias, 'bilinear', 'bias'));
  return out;
});

export const cosine_similarity = def('cosine_similarity(x1, x2, dim=1, eps=1e-08)', (a) => {
  const x1 = tensorArg(a.x1, 'cosine_similarity', 'x1'), x2 = tensorArg(a.x2, 'cosine_similarity', 'x2');
  broadcastShapes(x1.shape, x2.shape);
  const eps = num(a.eps);
  // Each side is divided by its own (clamped) norm first, as ATen does for stability.
  const n1 = x1.mul(x1).sum(a.dim, true).sqrt().clamp_min(eps);
  const n2 = x2.mul(x2).sum(a.dim, true).sqrt().clamp_min(eps);
  return x1.div(n1).mul(x2.div(n2)).sum(a.dim);
});

export const pairwise_distance = def('pairwise_distance(x1, x2, p=2.0, eps=1e-06, keepdim=False)', (a) => {
  const x1 = tensorArg(a.x1, 'pairwise_distance', 'x1'), x2 = tensorArg(a.x2, 'pairwise_distance', 'x2');
  const diff = x1.sub(x2).add(num(a.eps));
  return diff.norm(num(a.p), -1, a.keepdim);
});
