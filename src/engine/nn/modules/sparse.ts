// Embedding: a lookup table, N(0, 1) at init with the padding row zeroed.
import { signature } from '../../args';
import * as F from '../../functional';
import { Tensor } from '../../tensor';
import * as init from '../init';
import { Module } from '../module';
import { emptyParameter, Parameter } from '../parameter';
import { AssertionError, fmt, num, str } from '../python';

const embeddingSig = signature('Embedding(num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False, _weight=None, _freeze=False, device=None, dtype=None)');
const fromPretrainedSig = signature('from_pretrained(embeddings, freeze=True, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False)');

export class Embedding extends Module {
  declare num_embeddings: number;
  declare embedding_dim: number;
  declare padding_idx: number | null;
  declare max_norm: number | null;
  declare norm_type: number;
  declare scale_grad_by_freq: boolean;
  declare sparse: boolean;
  declare weight: Parameter;

  constructor(...args: unknown[]) {
    super();
    const a = embeddingSig.bind(args);
    this.num_embeddings = a.num_embeddings;
    this.embedding_dim = a.embedding_dim;
    let padding = a.padding_idx as number | null;
    if (padding !== null) {
      if (padding > 0 && padding >= a.num_embeddings) throw new AssertionError('Padding_idx must be within num_embeddings');
      if (padding < 0) {
        if (padding < -a.num_embeddings) throw new AssertionError('Padding_idx must be within num_embeddings');
        padding += a.num_embeddings;
      }
    }
    this.padding_idx = padding;
    this.max_norm = a.max_norm === null ? null : num(this, 'max_norm', a.max_norm);
    this.norm_type = num(this, 'norm_type', a.norm_type);
    this.scale_grad_by_freq = a.scale_grad_by_freq;
    this.sparse = a.sparse;
    if (a._weight === null) {
      this.weight = emptyParameter([a.num_embeddings, a.embedding_dim], a.dtype);
      this.weight.requires_grad = !a._freeze;
      this.reset_parameters();
    } else {
      const w = a._weight as Tensor;
      if (w.ndim !== 2 || w.shape[0] !== a.num_embeddings || w.shape[1] !== a.embedding_dim)
        throw new AssertionError('Shape of weight does not match num_embeddings and embedding_dim');
      this.weight = new Parameter(w, !a._freeze);
    }
  }

  reset_parameters(): void {
    const pad = this.padding_idx, dim = this.embedding_dim;
    // drawing and zeroing the padding row happen in one pending fill, so the weight stays lazy
    init.normalFill(this.weight, 0, 1, null, pad === null ? undefined : (out) => {
      for (let j = 0; j < dim; j++) out[pad * dim + j] = 0;
    });
  }

  override forward(input: Tensor): Tensor {
    return F.embedding(input, this.weight, this.padding_idx, this.max_norm, this.norm_type, this.scale_grad_by_freq, this.sparse);
  }

  override extra_repr(): string {
    let s = `${this.num_embeddings}, ${this.embedding_dim}`;
    if (this.padding_idx !== null) s += `, padding_idx=${this.padding_idx}`;
    if (this.max_norm !== null) s += `, max_norm=${fmt(this, 'max_norm')}`;
    if (this.norm_type !== 2) s += `, norm_type=${fmt(this, 'norm_type')}`;
    if (this.scale_grad_by_freq !== false) s += `, scale_grad_by_freq=${str(this.scale_grad_by_freq)}`;
    if (this.sparse !== false) s += ', sparse=True';
    return s;
  }

  static from_pretrained(...args: unknown[]): Embedding {
    const a = fromPretrainedSig.bind(args);
    const w = a.embeddings as Tensor;
    if (w.ndim !== 2) throw new AssertionError('Embeddings parameter is expected to be 2-dimensional');
    return new Embedding(w.shape[0], w.shape[1], {
      _weight: w, _freeze: a.freeze, padding_idx: a.padding_idx, max_norm: a.max_norm,
      norm_type: a.norm_type, scale_grad_by_freq: a.scale_grad_by_freq, sparse: a.sparse,
    });
  }
}
