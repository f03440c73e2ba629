// nn.MultiheadAttention and the math of F.multi_head_attention_forward (the need_weights path: one
// scaled q k^T + mask, softmax, dropout, @ v; the SDPA path PyTorch takes otherwise gives the same values).
import { signature } from '../../args';
import * as F from '../../functional';
import { matmul } from '../../ops/linalg';
import { cat } from '../../ops/shape';
import { Tensor } from '../../tensor';
import * as init from '../init';
import { Module } from '../module';
import { emptyParameter, Parameter } from '../parameter';
import { AssertionError, num, ValueError } from '../python';
import { NonDynamicallyQuantizableLinear } from './linear';

/** F._canonical_mask: a bool mask (True = masked out) becomes an additive float mask with -inf. */
export function canonicalMask(mask: Tensor | null | undefined, name: string, dtype: Tensor['dtype']): Tensor | null {
  if (mask === null || mask === undefined) return null;
  if (mask.dtype !== 'bool' && !mask.is_floating_point()) throw new AssertionError(`only bool and floating types of ${name} are supported`);
  if (mask.is_floating_point()) return mask;
  return Tensor.empty(mask.shape, dtype).masked_fill(mask, -Infinity);
}

const sizeStr = (s: readonly number[]) => `torch.Size([${s.join(', ')}])`;

export interface MhaWeights {
  in_proj_weight: Tensor | null; in_proj_bias: Tensor | null;
  q_proj_weight?: Tensor | null; k_proj_weight?: Tensor | null; v_proj_weight?: Tensor | null;
  bias_k: Tensor | null; bias_v: Tensor | null; add_zero_attn: boolean;
  out_proj_weight: Tensor; out_proj_bias: Tensor | null;
}

/** Sequence-first multi-head attention: query (L, N, E) or unbatched (L, E). Returns [output, weights | null]. */
export function multiHeadAttention(
  query: Tensor, key: Tensor, value: Tensor, numHeads: number, w: MhaWeights,
  o: { dropout_p: number; training: boolean; key_padding_mask: Tensor | null; need_weights: boolean;
    attn_mask: Tensor | null; average_attn_weights: boolean; is_causal: boolean },
): [Tensor, Tensor | null] {
  const batched = query.ndim === 3;
  let kpm = canonicalMask(o.key_padding_mask, 'key_padding_mask', query.dtype);
  if (o.is_causal && o.attn_mask === null)
    throw new Error('Need attn_mask if specifying the is_causal hint. You may use the Transformer module method `generate_square_subsequent_mask` to create this mask.');
  let mask = canonicalMask(o.attn_mask, 'attn_mask', query.dtype);
  if (!batched) {
    query = query.unsqueeze(1); key = key.unsqueeze(1); value = value.unsqueeze(1);
    if (kpm) kpm = kpm.unsqueeze(0);
  }
  const [tgtLen, bsz, embedDim] = query.shape;
  const headDim = Math.floor(embedDim / numHeads);
  if (headDim * numHeads !== embedDim) throw new AssertionError(`embed_dim ${embedDim} not divisible by num_heads ${numHeads}`);
  const [bq, bk, bv] = w.in_proj_bias ? w.in_proj_bias.chunk(3) : [null, null, null];
  let q: Tensor, k: Tensor, v: Tensor;
  if (w.in_proj_weight) {
    const [wq, wk, wv] = w.in_proj_weight.chunk(3);
    q = F.linear(query, wq, bq); k = F.linear(key, wk, bk); v = F.linear(value, wv, bv);
  } else {
    q = F.linear(query, w.q_proj_weight!, bq); k = F.linear(key, w.k_proj_weight!, bk); v = F.linear(value, w.v_proj_weight!, bv);
  }
  const srcLen0 = key.shape[0];
  if (mask) {
    if (mask.ndim === 2) {
      if (mask.shape[0] !== tgtLen || mask.shape[1] !== srcLen0)
        throw new Error(`The shape of the 2D attn_mask is ${sizeStr(mask.shape)}, but should be (${tgtLen}, ${srcLen0}).`);
      mask = mask.unsqueeze(0);
    } else if (mask.ndim === 3) {
      if (mask.shape[0] !== bsz * numHeads || mask.shape[1] !== tgtLen || mask.shape[2] !== srcLen0)
        throw new Error(`The shape of the 3D attn_mask is ${sizeStr(mask.shape)}, but should be (${bsz * numHeads}, ${tgtLen}, ${srcLen0}).`);
    } else throw new Error(`attn_mask's dimension ${mask.ndim} is not supported`);
  }
  if (w.bias_k && w.bias_v) {
    k = cat([k, w.bias_k.repeat(1, bsz, 1)]);
    v = cat([v, w.bias_v.repeat(1, bsz, 1)]);
    if (mask) mask = F.pad(mask, [0, 1]);
    if (kpm) kpm = F.pad(kpm, [0, 1]);
  }
  q = q.view(tgtLen, bsz * numHeads, headDim).transpose(0, 1);
  k = k.view(k.shape[0], bsz * numHeads, headDim).transpose(0, 1);
  v = v.view(v.shape[0], bsz * numHeads, headDim).transpose(0, 1);
  if (w.add_zero_attn) {
    const zeros = Tensor.empty([bsz * numHeads, 1, headDim], k.dtype);
    k = cat([k, zeros], 1);
    v = cat([v, zeros], 1);
    if (mask) mask = F.pad(mask, [0, 1]);
    if (kpm) kpm = F.pad(kpm, [0, 1]);
  }
  const srcLen = k.shape[1];
  if (kpm) {
    if (kpm.shape[0] !== bsz || kpm.shape[1] !== srcLen)
      throw new AssertionError(`expecting key_padding_mask shape of (${bsz}, ${srcLen}), but got ${sizeStr(kpm.shape)}`);
    const merged = kpm.view(bsz, 1, 1, srcLen).expand(-1, numHeads, -1, -1).reshape(bsz * numHeads, 1, srcLen);
    mask = mask ? mask.add(merged) : merged;
  }
  const dropoutP = o.training ? o.dropout_p : 0;
  let weights = matmul(q.mul(Math.sqrt(1.0 / headDim)), k.transpose(-2, -1));
  if (mask) weights = weights.add(mask);
  weights = F.softmax(weights, -1);
  if (dropoutP > 0) weights = F.dropout(weights, dropoutP);
  let out = matmul(weights, v).transpose(0, 1).contiguous().view(tgtLen * bsz, embedDim);
  out = F.linear(out, w.out_proj_weight, w.out_proj_bias).view(tgtLen, bsz, embedDim);
  if (!o.need_weights) return [batched ? out : out.squeeze(1), null];
  let avg = weights.view(bsz, numHeads, tgtLen, srcLen);
  if (o.average_attn_weights) avg = avg.mean(1);
  return batched ? [out, avg] : [out.squeeze(1), avg.squeeze(0)];
}

const mhaSig = signature('MultiheadAttention(embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None, dtype=None)');
const forwardSig = signature('forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None, average_attn_weights=True, is_causal=False)');

export class MultiheadAttention extends Module {
  declare embed_dim: number;
  declare kdim: number;
  declare vdim: number;
  declare _qkv_same_embed_dim: boolean;
  declare num_heads: number;
  declare dropout: number;
  declare batch_first: boolean;
  declare head_dim: number;
  declare in_proj_weight: Parameter | null;
  declare q_proj_weight: Parameter | null;
  declare k_proj_weight: Parameter | null;
  declare v_proj_weight: Parameter | null;
  declare in_proj_bias: Parameter | null;
  declare out_proj: NonDynamicallyQuantizableLinear;
  declare bias_k: Parameter | null;
  declare bias_v: Parameter | null;
  declare add_zero_attn: boolean;

  constructor(...args: unknown[]) {
    super();
    const a = mhaSig.bind(args);
    const E: number = a.embed_dim;
    if (E <= 0 || a.num_heads <= 0)
      throw new ValueError(`embed_dim and num_heads must be greater than 0, got embed_dim=${E} and num_heads=${a.num_heads} instead`);
    this.embed_dim = E;
    this.kdim = a.kdim ?? E;
    this.vdim = a.vdim ?? E;
    this._qkv_same_embed_dim = this.kdim === E && this.vdim === E;
    this.num_heads = a.num_heads;
    this.dropout = num(this, 'dropout', a.dropout);
    this.batch_first = a.batch_first;
    this.head_dim = Math.floor(E / a.num_heads);
    if (this.head_dim * a.num_heads !== E) throw new AssertionError('embed_dim must be divisible by num_heads');
    if (!this._qkv_same_embed_dim) {
      this.q_proj_weight = emptyParameter([E, E], a.dtype);
      this.k_proj_weight = emptyParameter([E, this.kdim], a.dtype);
      this.v_proj_weight = emptyParameter([E, this.vdim], a.dtype);
      this.register_parameter('in_proj_weight', null);
    } else {
      this.in_proj_weight = emptyParameter([3 * E, E], a.dtype);
      this.register_parameter('q_proj_weight', null);
      this.register_parameter('k_proj_weight', null);
      this.register_parameter('v_proj_weight', null);
    }
    if (a.bias) this.in_proj_bias = emptyParameter([3 * E], a.dtype);
    else this.register_parameter('in_proj_bias', null);
    this.out_proj = new NonDynamicallyQuantizableLinear(E, E, { bias: a.bias, dtype: a.dtype });
    if (a.add_bias_kv) {
      this.bias_k = emptyParameter([1, 1, E], a.dtype);
      this.bias_v = emptyParameter([1, 1, E], a.dtype);
    } else {
      this.bias_k = null;
      this.bias_v = null;
    }
    this.add_zero_attn = a.add_zero_attn;
    this._reset_parameters();
  }

  _reset_parameters(): void {
    if (this._qkv_same_embed_dim) init.xavier_uniform_(this.in_proj_weight!);
    else {
      init.xavier_uniform_(this.q_proj_weight!);
      init.xavier_uniform_(this.k_proj_weight!);
      init.xavier_uniform_(this.v_proj_weight!);
    }
    if (this.in_proj_bias !== null) {
      init.constant_(this.in_proj_bias, 0);
      init.constant_(this.out_proj.bias!, 0);
    }
    if (this.bias_k !== null) init.xavier_normal_(this.bias_k);
    if (this.bias_v !== null) init.xavier_normal_(this.bias_v);
  }

  /** Returns [attn_output, attn_weights | null], batch-first when batch_first. */
  override forward(...args: unknown[]): [Tensor, Tensor | null] {
    const a = forwardSig.bind(args);
    let query: Tensor = a.query, key: Tensor = a.key, value: Tensor = a.value;
    const batched = query.ndim === 3;
    if (query.shape[query.ndim - 1] !== this.embed_dim)
      throw new AssertionError(`was expecting embedding dimension of ${this.embed_dim}, but got ${query.shape[query.ndim - 1]}`);
    if (this.batch_first && batched) {
      // keep q/k/v aliasing, as PyTorch does, so self-attention transposes once
      if (key === value) {
        if (query === key) query = key = value = query.transpose(1, 0);
        else { query = query.transpose(1, 0); key = value = key.transpose(1, 0); }
      } else [query, key, value] = [query, key, value].map((t) => t.transpose(1, 0));
    }
    const [out, weights] = multiHeadAttention(query, key, value, this.num_heads, {
      in_proj_weight: this._qkv_same_embed_dim ? this.in_proj_weight : null, in_proj_bias: this.in_proj_bias,
      q_proj_weight: this.q_proj_weight, k_proj_weight: this.k_proj_weight, v_proj_weight: this.v_proj_weight,
      bias_k: this.bias_k, bias_v: this.bias_v, add_zero_attn: this.add_zero_attn,
      out_proj_weight: this.out_proj.weight, out_proj_bias: this.out_proj.bias,
    }, {
      dropout_p: this.dropout, training: this.training, key_padding_mask: a.key_padding_mask, need_weights: a.need_weights,
      attn_mask: a.attn_mask, average_attn_weights: a.average_attn_weights, is_causal: a.is_causal,
    });
    return this.batch_first && batched ? [out.transpose(1, 0), weights] : [out, weights];
  }
}
