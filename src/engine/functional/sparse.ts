// Embedding lookups and one-hot encoding.
import { DType } from '../dtype';
import { where } from '../ops/elementwise';
import { IndexError } from '../ops/errors';
import { arange } from '../ops/factories';
import { Tensor } from '../tensor';
import { def, num, tensorArg } from './util';

export class AssertionError extends Error {
  override name = 'AssertionError';
}

const LEGACY_NAMES: Record<DType, string> = {
  float32: 'FloatTensor', float64: 'DoubleTensor', float16: 'HalfTensor', bfloat16: 'BFloat16Tensor', int64: 'LongTensor',
  int32: 'IntTensor', int16: 'ShortTensor', int8: 'CharTensor', uint8: 'ByteTensor', bool: 'BoolTensor',
};
/** PyTorch's legacy tensor type name, `torch.FloatTensor`, used in some argument-check messages. */
export const legacyTypeName = (d: DType): string => `torch.${LEGACY_NAMES[d]}`;

export const embedding = def(
  'embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False)', (a) => {
    const input = tensorArg(a.input, 'embedding'), weight = tensorArg(a.weight, 'embedding', 'weight');
    const rows = weight.shape[0];
    if (a.padding_idx !== null && a.padding_idx !== undefined) {
      // padding_idx only changes gradients; it is still checked like PyTorch does.
      const p = num(a.padding_idx);
      if (p >= 0 ? p >= rows : p < -rows) throw new AssertionError('Padding_idx must be within num_embeddings');
    }
    if (input.dtype !== 'int64' && input.dtype !== 'int32')
      throw new Error(`Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got ${legacyTypeName(input.dtype)} instead (while checking arguments for embedding)`);
    if (weight.ndim !== 2) throw new Error("'weight' must be 2-D");
    const flat = input.reshape([-1]).long();
    if (flat.numel() > 0) {
      const lo = flat.min().item() as number, hi = flat.max().item() as number;
      if (lo < 0 || hi >= rows) throw new IndexError('index out of range in self');
    }
    if (a.max_norm !== null && a.max_norm !== undefined) renormRows(weight, flat, num(a.max_norm), num(a.norm_type));
    return weight.index_select(0, flat).reshape([...input.shape, weight.shape[1]]);
  });

/** embedding's max_norm: rows it reads whose norm exceeds maxNorm are rescaled in place (torch.embedding_renorm_). */
function renormRows(weight: Tensor, indices: Tensor, maxNorm: number, normType: number): void {
  if (indices.numel() === 0) return;
  const rows = weight.index_select(0, indices);
  const norms = rows.norm(normType, 1, true);
  const scale = where(norms.gt(maxNorm), norms.add(1e-7).reciprocal().mul(maxNorm), 1);
  weight.setIndex([indices], rows.mul(scale));
}

export const one_hot = def('one_hot(tensor, num_classes=-1)', (a) => {
  const t = tensorArg(a.tensor, 'one_hot', 'tensor');
  if (t.dtype !== 'int64') throw new Error('one_hot is only applicable to index tensor.');
  let classes = num(a.num_classes);
  if (classes === -1) {
    if (t.numel() === 0) throw new Error('Can not infer total number of classes from empty tensor.');
    classes = (t.max().item() as number) + 1;
  }
  if (t.numel() > 0) {
    if ((t.min().item() as number) < 0) throw new Error('Class values must be non-negative.');
    if ((t.max().item() as number) >= classes) throw new Error('Class values must be smaller than num_classes.');
  }
  return t.unsqueeze(-1).eq(arange(classes)).long();
});
