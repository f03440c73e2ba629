// BatchNorm1d/2d/3d, LayerNorm, GroupNorm, RMSNorm (PyTorch's _NormBase/_BatchNorm and friends).
import { signature } from '../../args';
import * as F from '../../functional';
import { Tensor } from '../../tensor';
import * as init from '../init';
import { Module } from '../module';
import { emptyParameter, lazyFull, Parameter } from '../parameter';
import { fmt, num, str, ValueError } from '../python';
import type { StateDict } from '../state-dict';

const bnText = (name: string) => `${name}(num_features, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True, device=None, dtype=None)`;

abstract class BatchNormBase extends Module {
  // version 2 added num_batches_tracked
  static override _version = 2;

  declare num_features: number;
  declare eps: number;
  declare momentum: number | null;
  declare affine: boolean;
  declare track_running_stats: boolean;
  declare weight: Parameter | null;
  declare bias: Parameter | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;

  constructor(a: Record<string, any>) {
    super();
    this.num_features = a.num_features;
    this.eps = num(this, 'eps', a.eps);
    this.momentum = a.momentum === null ? null : num(this, 'momentum', a.momentum);
    this.affine = a.affine;
    this.track_running_stats = a.track_running_stats;
    if (this.affine) {
      this.weight = emptyParameter([a.num_features], a.dtype);
      this.bias = emptyParameter([a.num_features], a.dtype);
    } else {
      this.register_parameter('weight', null);
      this.register_parameter('bias', null);
    }
    if (this.track_running_stats) {
      this.register_buffer('running_mean', lazyFull([a.num_features], 0, a.dtype));
      this.register_buffer('running_var', lazyFull([a.num_features], 1, a.dtype));
      this.register_buffer('num_batches_tracked', lazyFull([], 0, 'int64'));
    } else {
      this.register_buffer('running_mean', null);
      this.register_buffer('running_var', null);
      this.register_buffer('num_batches_tracked', null);
    }
    this.reset_parameters();
  }

  reset_running_stats(): void {
    if (!this.track_running_stats) return;
    init.zeros_(this.running_mean!);
    init.ones_(this.running_var!);
    init.zeros_(this.num_batches_tracked!);
  }

  reset_parameters(): void {
    this.reset_running_stats();
    if (this.affine) {
      init.ones_(this.weight!);
      init.zeros_(this.bias!);
    }
  }

  protected abstract _check_input_dim(input: Tensor): void;

  override forward(input: Tensor): Tensor {
    this._check_input_dim(input);
    let factor = this.momentum ?? 0.0;
    if (this.training && this.track_running_stats && this.num_batches_tracked !== null) {
      this.num_batches_tracked.add_(1);
      // momentum=None: cumulative moving average
      factor = this.momentum === null ? 1.0 / Number(this.num_batches_tracked.item()) : this.momentum;
    }
    const bnTraining = this.training ? true : this.running_mean === null && this.running_var === null;
    const useStats = !this.training || this.track_running_stats;
    return F.batch_norm(input, useStats ? this.running_mean : null, useStats ? this.running_var : null,
      this.weight, this.bias, bnTraining, factor, this.eps);
  }

  override _load_from_state_dict(
    state_dict: StateDict, prefix: string, local_metadata: Record<string, unknown>, strict: boolean,
    missing_keys: string[], unexpected_keys: string[], error_msgs: string[],
  ): void {
    const version = local_metadata.version as number | undefined;
    if ((version === undefined || version === null || version < 2) && this.track_running_stats) {
      const key = prefix + 'num_batches_tracked';
      if (!state_dict.has(key)) state_dict.set(key, this.num_batches_tracked ?? lazyFull([], 0, 'int64'));
    }
    super._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs);
  }

  override extra_repr(): string {
    return `${this.num_features}, eps=${fmt(this, 'eps')}, momentum=${fmt(this, 'momentum')}, affine=${str(this.affine)}, track_running_stats=${str(this.track_running_stats)}`;
  }
}

const bn1dSig = signature(bnText('BatchNorm1d'));
const bn2dSig = signature(bnText('BatchNorm2d'));
const bn3dSig = signature(bnText('BatchNorm3d'));

export class BatchNorm1d extends BatchNormBase {
  constructor(...args: unknown[]) { super(bn1dSig.bind(args)); }
  protected _check_input_dim(input: Tensor): void {
    if (input.ndim !== 2 && input.ndim !== 3) throw new ValueError(`expected 2D or 3D input (got ${input.ndim}D input)`);
  }
}
export class BatchNorm2d extends BatchNormBase {
  constructor(...args: unknown[]) { super(bn2dSig.bind(args)); }
  protected _check_input_dim(input: Tensor): void {
    if (input.ndim !== 4) throw new ValueError(`expected 4D input (got ${input.ndim}D input)`);
  }
}
export class BatchNorm3d extends BatchNormBase {
  constructor(...args: unknown[]) { super(bn3dSig.bind(args)); }
  protected _check_input_dim(input: Tensor): void {
    if (input.ndim !== 5) throw new ValueError(`expected 5D input (got ${input.ndim}D input)`);
  }
}

const shapeTuple = (s: number | number[]): number[] => (typeof s === 'number' ? [s] : [...s]);

const layerNormSig = signature('LayerNorm(normalized_shape, eps=1e-05, elementwise_affine=True, bias=True, device=None, dtype=None)');

export class LayerNorm extends Module {
  declare normalized_shape: number[];
  declare eps: number;
  declare elementwise_affine: boolean;
  declare weight: Parameter | null;
  declare bias: Parameter | null;

  constructor(...args: unknown[]) {
    super();
    const a = layerNormSig.bind(args);
    this.normalized_shape = shapeTuple(a.normalized_shape);
    this.eps = num(this, 'eps', a.eps);
    this.elementwise_affine = a.elementwise_affine;
    if (this.elementwise_affine) {
      this.weight = emptyParameter(this.normalized_shape, a.dtype);
      if (a.bias) this.bias = emptyParameter(this.normalized_shape, a.dtype);
      else this.register_parameter('bias', null);
    } else {
      this.register_parameter('weight', null);
      this.register_parameter('bias', null);
    }
    this.reset_parameters();
  }

  reset_parameters(): void {
    if (!this.elementwise_affine) return;
    init.ones_(this.weight!);
    if (this.bias !== null) init.zeros_(this.bias);
  }

  override forward(input: Tensor): Tensor {
    return F.layer_norm(input, this.normalized_shape, this.weight, this.bias, this.eps);
  }

  override extra_repr(): string {
    return `${str(this.normalized_shape)}, eps=${fmt(this, 'eps')}, elementwise_affine=${str(this.elementwise_affine)}`;
  }
}

const groupNormSig = signature('GroupNorm(num_groups, num_channels, eps=1e-05, affine=True, device=None, dtype=None)');

export class GroupNorm extends Module {
  declare num_groups: number;
  declare num_channels: number;
  declare eps: number;
  declare affine: boolean;
  declare weight: Parameter | null;
  declare bias: Parameter | null;

  constructor(...args: unknown[]) {
    super();
    const a = groupNormSig.bind(args);
    if (a.num_channels % a.num_groups !== 0) throw new ValueError('num_channels must be divisible by num_groups');
    this.num_groups = a.num_groups;
    this.num_channels = a.num_channels;
    this.eps = num(this, 'eps', a.eps);
    this.affine = a.affine;
    if (this.affine) {
      this.weight = emptyParameter([a.num_channels], a.dtype);
      this.bias = emptyParameter([a.num_channels], a.dtype);
    } else {
      this.register_parameter('weight', null);
      this.register_parameter('bias', null);
    }
    this.reset_parameters();
  }

  reset_parameters(): void {
    if (!this.affine) return;
    init.ones_(this.weight!);
    init.zeros_(this.bias!);
  }

  override forward(input: Tensor): Tensor {
    return F.group_norm(input, this.num_groups, this.weight, this.bias, this.eps);
  }

  override extra_repr(): string {
    return `${this.num_groups}, ${this.num_channels}, eps=${fmt(this, 'eps')}, affine=${str(this.affine)}`;
  }
}

const rmsNormSig = signature('RMSNorm(normalized_shape, eps=None, elementwise_affine=True, device=None, dtype=None)');
const FLOAT_EPS: Record<string, number> = { float32: 1.1920928955078125e-07, float64: 2.220446049250313e-16, float16: 0.0009765625, bfloat16: 0.0078125 };

/** x / sqrt(mean(x^2 over normalized_shape) + eps) * weight (nn.RMSNorm, PyTorch 2.4). */
export class RMSNorm extends Module {
  declare normalized_shape: number[];
  declare eps: number | null;
  declare elementwise_affine: boolean;
  declare weight: Parameter | null;

  constructor(...args: unknown[]) {
    super();
    const a = rmsNormSig.bind(args);
    this.normalized_shape = shapeTuple(a.normalized_shape);
    this.eps = a.eps === null ? null : num(this, 'eps', a.eps);
    this.elementwise_affine = a.elementwise_affine;
    if (this.elementwise_affine) this.weight = emptyParameter(this.normalized_shape, a.dtype);
    else this.register_parameter('weight', null);
    this.reset_parameters();
  }

  reset_parameters(): void {
    if (this.elementwise_affine) init.ones_(this.weight!);
  }

  override forward(x: Tensor): Tensor {
    const dims = this.normalized_shape.map((_, i) => -1 - i);
    const eps = this.eps ?? FLOAT_EPS[x.dtype] ?? FLOAT_EPS.float32;
    const y = x.mul(x.mul(x).mean(dims, true).add(eps).rsqrt());
    return this.weight === null ? y : y.mul(this.weight);
  }

  override extra_repr(): string {
    return `${str(this.normalized_shape)}, eps=${fmt(this, 'eps')}, elementwise_affine=${str(this.elementwise_affine)}`;
  }
}
