// TransformerEncoderLayer/Encoder and TransformerDecoderLayer/Decoder (torch/nn/modules/transformer.py,
// the standard (non-fused) path). The stacks deep-copy their layer num_layers times, as PyTorch's _get_clones.
import { signature } from '../../args';
import * as F from '../../functional';
import { full } from '../../ops/factories';
import { triu } from '../../ops/shape';
import { Tensor } from '../../tensor';
import { deepcopy } from '../copy';
import { Module } from '../module';
import { GELU, ReLU } from './activation';
import { canonicalMask, MultiheadAttention } from './attention';
import { ModuleList } from './container';
import { Dropout } from './dropout';
import { Linear } from './linear';
import { LayerNorm } from './norm';

type Activation = string | ((x: Tensor) => Tensor) | Module;

function activationFn(activation: Activation): ((x: Tensor) => Tensor) | Module {
  if (typeof activation !== 'string') return activation;
  if (activation === 'relu') return F.relu as (x: Tensor) => Tensor;
  if (activation === 'gelu') return F.gelu as (x: Tensor) => Tensor;
  throw new Error(`activation should be relu/gelu, not ${activation}`);
}
const applyActivation = (act: ((x: Tensor) => Tensor) | Module, x: Tensor): Tensor =>
  act instanceof Module ? act.call(x) : act(x);

/** nn.Transformer.generate_square_subsequent_mask: -inf above the diagonal, 0 elsewhere. */
export function generate_square_subsequent_mask(sz: number): Tensor {
  return triu(full([sz, sz], -Infinity), 1);
}

/** What both layer kinds share: the feed-forward block, norm_first, then `sublayers` LayerNorms and Dropouts (PyTorch's order). */
interface FeedForwardLayer {
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm_first: boolean;
  activation: ((x: Tensor) => Tensor) | Module;
}

function addFeedForwardParts(layer: FeedForwardLayer, a: Record<string, any>, sublayers: number): void {
  const f = { dtype: a.dtype };
  const target = layer as unknown as Record<string, unknown>;
  layer.linear1 = new Linear(a.d_model, a.dim_feedforward, { bias: a.bias, ...f });
  layer.dropout = new Dropout(a.dropout);
  layer.linear2 = new Linear(a.dim_feedforward, a.d_model, { bias: a.bias, ...f });
  layer.norm_first = a.norm_first;
  for (let i = 1; i <= sublayers; i++) target[`norm${i}`] = new LayerNorm(a.d_model, { eps: a.layer_norm_eps, bias: a.bias, ...f });
  for (let i = 1; i <= sublayers; i++) target[`dropout${i}`] = new Dropout(a.dropout);
}

/** linear2(dropout(activation(linear1(x)))) through the layer's last dropout. */
function feedForward(layer: FeedForwardLayer, x: Tensor, out: Dropout): Tensor {
  return out.call(layer.linear2.call(layer.dropout.call(applyActivation(layer.activation, layer.linear1.call(x)))));
}

/** One residual sub-block: `x + block(norm(x))` with norm_first, else `norm(x + block(x))`. */
function residual(x: Tensor, norm: LayerNorm, normFirst: boolean, block: (y: Tensor) => Tensor): Tensor {
  return normFirst ? x.add(block(norm.call(x))) : norm.call(x.add(block(x)));
}

export function _get_clones<T extends Module>(module: T, n: number): ModuleList {
  return new ModuleList(Array.from({ length: n }, () => deepcopy(module)));
}

const encoderLayerSig = signature('TransformerEncoderLayer(d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu", layer_norm_eps=1e-05, batch_first=False, norm_first=False, bias=True, device=None, dtype=None)');
const encoderLayerFwd = signature('forward(src, src_mask=None, src_key_padding_mask=None, is_causal=False)');

export class TransformerEncoderLayer extends Module {
  declare self_attn: MultiheadAttention;
  declare linear1: Linear;
  declare dropout: Dropout;
  declare linear2: Linear;
  declare norm_first: boolean;
  declare norm1: LayerNorm;
  declare norm2: LayerNorm;
  declare dropout1: Dropout;
  declare dropout2: Dropout;
  declare activation_relu_or_gelu: number;
  declare activation: ((x: Tensor) => Tensor) | Module;

  constructor(...args: unknown[]) {
    super();
    const a = encoderLayerSig.bind(args);
    const f = { dtype: a.dtype };
    this.self_attn = new MultiheadAttention(a.d_model, a.nhead, { dropout: a.dropout, bias: a.bias, batch_first: a.batch_first, ...f });
    addFeedForwardParts(this, a, 2);
    const act = activationFn(a.activation);
    this.activation_relu_or_gelu = act === F.relu || act instanceof ReLU ? 1 : act === F.gelu || act instanceof GELU ? 2 : 0;
    this.activation = act;
  }

  override forward(...args: unknown[]): Tensor {
    const a = encoderLayerFwd.bind(args);
    const kpm = canonicalMask(a.src_key_padding_mask, 'src_key_padding_mask', a.src.dtype);
    const mask = canonicalMask(a.src_mask, 'src_mask', a.src.dtype);
    let x: Tensor = a.src;
    x = residual(x, this.norm1, this.norm_first, (y) => this._sa_block(y, mask, kpm, a.is_causal));
    return residual(x, this.norm2, this.norm_first, (y) => this._ff_block(y));
  }

  _sa_block(x: Tensor, attn_mask: Tensor | null, key_padding_mask: Tensor | null, is_causal = false): Tensor {
    const out = this.self_attn.call(x, x, x, { attn_mask, key_padding_mask, need_weights: false, is_causal })[0];
    return this.dropout1.call(out);
  }

  _ff_block(x: Tensor): Tensor {
    return feedForward(this, x, this.dropout2);
  }
}

const encoderSig = signature('TransformerEncoder(encoder_layer, num_layers, norm=None, enable_nested_tensor=True, mask_check=True)');
const encoderFwd = signature('forward(src, mask=None, src_key_padding_mask=None, is_causal=None)');

export class TransformerEncoder extends Module {
  declare layers: ModuleList;
  declare num_layers: number;
  declare norm: Module | null;
  declare enable_nested_tensor: boolean;
  declare use_nested_tensor: boolean;
  declare mask_check: boolean;

  constructor(...args: unknown[]) {
    super();
    const a = encoderSig.bind(args);
    this.layers = _get_clones(a.encoder_layer, a.num_layers);
    this.num_layers = a.num_layers;
    this.norm = a.norm;
    this.enable_nested_tensor = a.enable_nested_tensor;
    this.use_nested_tensor = a.enable_nested_tensor;
    this.mask_check = a.mask_check;
  }

  override forward(...args: unknown[]): Tensor {
    const a = encoderFwd.bind(args);
    const kpm = canonicalMask(a.src_key_padding_mask, 'src_key_padding_mask', a.src.dtype);
    const mask = canonicalMask(a.mask, 'mask', a.src.dtype);
    let output: Tensor = a.src;
    for (const layer of this.layers)
      output = layer.call(output, { src_mask: mask, is_causal: a.is_causal === true, src_key_padding_mask: kpm });
    return this.norm ? this.norm.call(output) : output;
  }
}

const decoderLayerSig = signature('TransformerDecoderLayer(d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu", layer_norm_eps=1e-05, batch_first=False, norm_first=False, bias=True, device=None, dtype=None)');
const decoderLayerFwd = signature('forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False)');

export class TransformerDecoderLayer extends Module {
  declare self_attn: MultiheadAttention;
  declare multihead_attn: MultiheadAttention;
  declare linear1: Linear;
  declare dropout: Dropout;
  declare linear2: Linear;
  declare norm_first: boolean;
  declare norm1: LayerNorm;
  declare norm2: LayerNorm;
  declare norm3: LayerNorm;
  declare dropout1: Dropout;
  declare dropout2: Dropout;
  declare dropout3: Dropout;
  declare activation: ((x: Tensor) => Tensor) | Module;

  constructor(...args: unknown[]) {
    super();
    const a = decoderLayerSig.bind(args);
    const f = { dtype: a.dtype };
    this.self_attn = new MultiheadAttention(a.d_model, a.nhead, { dropout: a.dropout, batch_first: a.batch_first, bias: a.bias, ...f });
    this.multihead_attn = new MultiheadAttention(a.d_model, a.nhead, { dropout: a.dropout, batch_first: a.batch_first, bias: a.bias, ...f });
    addFeedForwardParts(this, a, 3);
    this.activation = activationFn(a.activation);
  }

  override forward(...args: unknown[]): Tensor {
    const a = decoderLayerFwd.bind(args);
    const dt = a.tgt.dtype;
    const tgtMask = canonicalMask(a.tgt_mask, 'tgt_mask', dt), memMask = canonicalMask(a.memory_mask, 'memory_mask', dt);
    const tgtKpm = canonicalMask(a.tgt_key_padding_mask, 'tgt_key_padding_mask', dt);
    const memKpm = canonicalMask(a.memory_key_padding_mask, 'memory_key_padding_mask', dt);
    let x: Tensor = a.tgt;
    x = residual(x, this.norm1, this.norm_first, (y) => this._sa_block(y, tgtMask, tgtKpm, a.tgt_is_causal));
    x = residual(x, this.norm2, this.norm_first, (y) => this._mha_block(y, a.memory, memMask, memKpm, a.memory_is_causal));
    return residual(x, this.norm3, this.norm_first, (y) => this._ff_block(y));
  }

  _sa_block(x: Tensor, attn_mask: Tensor | null, key_padding_mask: Tensor | null, is_causal = false): Tensor {
    return this.dropout1.call(this.self_attn.call(x, x, x, { attn_mask, key_padding_mask, is_causal, need_weights: false })[0]);
  }

  _mha_block(x: Tensor, mem: Tensor, attn_mask: Tensor | null, key_padding_mask: Tensor | null, is_causal = false): Tensor {
    return this.dropout2.call(this.multihead_attn.call(x, mem, mem, { attn_mask, key_padding_mask, is_causal, need_weights: false })[0]);
  }

  _ff_block(x: Tensor): Tensor {
    return feedForward(this, x, this.dropout3);
  }
}

const decoderSig = signature('TransformerDecoder(decoder_layer, num_layers, norm=None)');
const decoderFwd = signature('forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False)');

export class TransformerDecoder extends Module {
  declare layers: ModuleList;
  declare num_layers: number;
  declare norm: Module | null;

  constructor(...args: unknown[]) {
    super();
    const a = decoderSig.bind(args);
    this.layers = _get_clones(a.decoder_layer, a.num_layers);
    this.num_layers = a.num_layers;
    this.norm = a.norm;
  }

  override forward(...args: unknown[]): Tensor {
    const a = decoderFwd.bind(args);
    let output: Tensor = a.tgt;
    for (const layer of this.layers) {
      output = layer.call(output, a.memory, {
        tgt_mask: a.tgt_mask, memory_mask: a.memory_mask, tgt_key_padding_mask: a.tgt_key_padding_mask,
        memory_key_padding_mask: a.memory_key_padding_mask, tgt_is_causal: a.tgt_is_causal === true, memory_is_causal: a.memory_is_causal,
      });
    }
    return this.norm ? this.norm.call(output) : output;
  }
}
