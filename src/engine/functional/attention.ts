// scaled_dot_product_attention in its math form (the PyTorch 2.x reference implementation).
import { matmul } from '../ops/linalg';
import { ones } from '../ops/factories';
import { Tensor } from '../tensor';
import { softmaxOp } from './activation';
import { dropout } from './dropout';
import { def, num, tensorArg } from './util';

export const scaled_dot_product_attention = def(
  'scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, enable_gqa=False)', (a) => {
    const q = tensorArg(a.query, 'scaled_dot_product_attention', 'query');
    let k = tensorArg(a.key, 'scaled_dot_product_attention', 'key');
    let v = tensorArg(a.value, 'scaled_dot_product_attention', 'value');
    const mask = a.attn_mask === null || a.attn_mask === undefined ? null : tensorArg(a.attn_mask, 'scaled_dot_product_attention', 'attn_mask');
    if (q.ndim < 2 || k.ndim < 2 || v.ndim < 2) throw new Error('scaled_dot_product_attention: query, key and value must be at least 2-D');
    if (a.is_causal && mask) throw new Error('_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True');
    if (q.dtype !== k.dtype || q.dtype !== v.dtype)
      throw new Error(`Expected query, key, and value to have the same dtype, but got query.dtype: ${q.dtype} key.dtype: ${k.dtype} and value.dtype: ${v.dtype} instead.`);
    const L = q.shape[q.ndim - 2], S = k.shape[k.ndim - 2], E = q.shape[q.ndim - 1];
    if (a.enable_gqa && q.ndim >= 3) {
      // Grouped-query attention: each key/value head serves a run of query heads.
      const groups = q.shape[q.ndim - 3] / k.shape[k.ndim - 3];
      k = k.repeat_interleave(groups, k.ndim - 3);
      v = v.repeat_interleave(groups, v.ndim - 3);
    }
    const scale = a.scale === null || a.scale === undefined ? 1 / Math.sqrt(E) : num(a.scale);
    let scores = matmul(q, k.transpose(-2, -1)).mul(scale);
    if (a.is_causal) scores = scores.masked_fill(ones([L, S], { dtype: 'bool' }).tril().logical_not(), -Infinity);
    if (mask) scores = mask.dtype === 'bool' ? scores.masked_fill(mask.logical_not(), -Infinity) : scores.add(mask);
    let weights = softmaxOp(scores, -1, null, false);
    const p = num(a.dropout_p);
    if (p > 0) weights = dropout(weights, p, true);
    return matmul(weights, v);
  });
