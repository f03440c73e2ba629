// Activation modules (torch/nn/modules/activation.py): constructor signatures, extra_repr, forward through F.
import { signature } from '../../args';
import { PyFloat } from '../../dtype';
import * as F from '../../functional';
import { Tensor } from '../../tensor';
import * as init from '../init';
import { Module } from '../module';
import { emptyParameter, Parameter } from '../parameter';
import { AssertionError, fmt, num, repr, str, ValueError } from '../python';

const inplaceOnly = (inplace: boolean) => (inplace ? 'inplace=True' : '');
const inplaceSuffix = (inplace: boolean) => (inplace ? ', inplace=True' : '');
/** Integral float defaults (alpha=1.0) are bound as None and filled here, so they print as 1.0. */
const floatDefault = (v: unknown, dflt: number): unknown => (v === null || v === undefined ? new PyFloat(dflt) : v);

/** Base for the modules whose only option is `inplace`. */
abstract class InplaceActivation extends Module {
  declare inplace: boolean;
  constructor(sig: ReturnType<typeof signature>, args: unknown[]) {
    super();
    this.inplace = sig.bind(args).inplace;
  }
}

const reluSig = signature('ReLU(inplace=False)');
export class ReLU extends InplaceActivation {
  constructor(...args: unknown[]) { super(reluSig, args); }
  override forward(input: Tensor): Tensor { return F.relu(input, this.inplace); }
  override extra_repr(): string { return inplaceOnly(this.inplace); }
}

const seluSig = signature('SELU(inplace=False)');
export class SELU extends InplaceActivation {
  constructor(...args: unknown[]) { super(seluSig, args); }
  override forward(input: Tensor): Tensor { return F.selu(input, this.inplace); }
  override extra_repr(): string { return inplaceOnly(this.inplace); }
}

const siluSig = signature('SiLU(inplace=False)');
export class SiLU extends InplaceActivation {
  constructor(...args: unknown[]) { super(siluSig, args); }
  override forward(input: Tensor): Tensor { return F.silu(input, this.inplace); }
  override extra_repr(): string { return inplaceOnly(this.inplace); }
}

const mishSig = signature('Mish(inplace=False)');
export class Mish extends InplaceActivation {
  constructor(...args: unknown[]) { super(mishSig, args); }
  override forward(input: Tensor): Tensor { return F.mish(input, this.inplace); }
  override extra_repr(): string { return inplaceOnly(this.inplace); }
}

const hardswishSig = signature('Hardswish(inplace=False)');
export class Hardswish extends InplaceActivation {
  constructor(...args: unknown[]) { super(hardswishSig, args); }
  override forward(input: Tensor): Tensor { return F.hardswish(input, this.inplace); }
}

const hardsigmoidSig = signature('Hardsigmoid(inplace=False)');
export class Hardsigmoid extends InplaceActivation {
  constructor(...args: unknown[]) { super(hardsigmoidSig, args); }
  override forward(input: Tensor): Tensor { return F.hardsigmoid(input, this.inplace); }
}

export class Sigmoid extends Module {
  override forward(input: Tensor): Tensor { return F.sigmoid(input); }
}
export class Tanh extends Module {
  override forward(input: Tensor): Tensor { return F.tanh(input); }
}
export class LogSigmoid extends Module {
  override forward(input: Tensor): Tensor { return F.logsigmoid(input); }
}
export class Softsign extends Module {
  override forward(input: Tensor): Tensor { return F.softsign(input); }
}
export class Tanhshrink extends Module {
  override forward(input: Tensor): Tensor { return F.tanhshrink(input); }
}

const thresholdSig = signature('Threshold(threshold, value, inplace=False)');
export class Threshold extends Module {
  declare threshold: number;
  declare value: number;
  declare inplace: boolean;
  constructor(...args: unknown[]) {
    super();
    const a = thresholdSig.bind(args);
    this.threshold = num(this, 'threshold', a.threshold);
    this.value = num(this, 'value', a.value);
    this.inplace = a.inplace;
  }
  override forward(input: Tensor): Tensor { return F.threshold(input, this.threshold, this.value, this.inplace); }
  override extra_repr(): string {
    return `threshold=${fmt(this, 'threshold')}, value=${fmt(this, 'value')}${inplaceSuffix(this.inplace)}`;
  }
}

const hardtanhSig = signature('Hardtanh(min_val=None, max_val=None, inplace=False, min_value=None, max_value=None)');
export class Hardtanh extends Module {
  declare min_val: number;
  declare max_val: number;
  declare inplace: boolean;
  constructor(...args: unknown[]) {
    super();
    const a = hardtanhSig.bind(args);
    // min_value/max_value are the deprecated spellings
    this.min_val = num(this, 'min_val', a.min_value ?? floatDefault(a.min_val, -1.0));
    this.max_val = num(this, 'max_val', a.max_value ?? floatDefault(a.max_val, 1.0));
    this.inplace = a.inplace;
    if (!(this.max_val > this.min_val)) throw new AssertionError('');
  }
  override forward(input: Tensor): Tensor { return F.hardtanh(input, this.min_val, this.max_val, this.inplace); }
  override extra_repr(): string {
    return `min_val=${fmt(this, 'min_val')}, max_val=${fmt(this, 'max_val')}${inplaceSuffix(this.inplace)}`;
  }
}

const relu6Sig = signature('ReLU6(inplace=False)');
export class ReLU6 extends Hardtanh {
  constructor(...args: unknown[]) {
    super(new PyFloat(0), new PyFloat(6), relu6Sig.bind(args).inplace);
  }
  override extra_repr(): string { return inplaceOnly(this.inplace); }
}

const rreluSig = signature('RReLU(lower=0.125, upper=0.3333333333333333, inplace=False)');
export class RReLU extends Module {
  declare lower: number;
  declare upper: number;
  declare inplace: boolean;
  constructor(...args: unknown[]) {
    super();
    const a = rreluSig.bind(args);
    this.lower = num(this, 'lower', a.lower);
    this.upper = num(this, 'upper', a.upper);
    this.inplace = a.inplace;
  }
  override forward(input: Tensor): Tensor { return F.rrelu(input, this.lower, this.upper, this.training, this.inplace); }
  override extra_repr(): string { return `lower=${fmt(this, 'lower')}, upper=${fmt(this, 'upper')}${inplaceSuffix(this.inplace)}`; }
}

const eluSig = signature('ELU(alpha=None, inplace=False)');
export class ELU extends Module {
  declare alpha: number;
  declare inplace: boolean;
  constructor(...args: unknown[]) {
    super();
    const a = eluSig.bind(args);
    this.alpha = num(this, 'alpha', floatDefault(a.alpha, 1.0));
    this.inplace = a.inplace;
  }
  override forward(input: Tensor): Tensor { return F.elu(input, this.alpha, this.inplace); }
  override extra_repr(): string { return `alpha=${fmt(this, 'alpha')}${inplaceSuffix(this.inplace)}`; }
}

const celuSig = signature('CELU(alpha=None, inplace=False)');
export class CELU extends Module {
  declare alpha: number;
  declare inplace: boolean;
  constructor(...args: unknown[]) {
    super();
    const a = celuSig.bind(args);
    this.alpha = num(this, 'alpha', floatDefault(a.alpha, 1.0));
    this.inplace = a.inplace;
  }
  override forward(input: Tensor): Tensor { return F.celu(input, this.alpha, this.inplace); }
  override extra_repr(): string { return `alpha=${fmt(this, 'alpha')}${inplaceSuffix(this.inplace)}`; }
}

const leakySig = signature('LeakyReLU(negative_slope=0.01, inplace=False)');
export class LeakyReLU extends Module {
  declare negative_slope: number;
  declare inplace: boolean;
  constructor(...args: unknown[]) {
    super();
    const a = leakySig.bind(args);
    this.negative_slope = num(this, 'negative_slope', a.negative_slope);
    this.inplace = a.inplace;
  }
  override forward(input: Tensor): Tensor { return F.leaky_relu(input, this.negative_slope, this.inplace); }
  override extra_repr(): string { return `negative_slope=${fmt(this, 'negative_slope')}${inplaceSuffix(this.inplace)}`; }
}

const geluSig = signature('GELU(approximate="none")');
export class GELU extends Module {
  declare approximate: string;
  constructor(...args: unknown[]) {
    super();
    this.approximate = geluSig.bind(args).approximate;
  }
  override forward(input: Tensor): Tensor { return F.gelu(input, { approximate: this.approximate }); }
  override extra_repr(): string { return `approximate=${repr(this.approximate)}`; }
}

const softplusSig = signature('Softplus(beta=None, threshold=None)');
export class Softplus extends Module {
  declare beta: number;
  declare threshold: number;
  constructor(...args: unknown[]) {
    super();
    const a = softplusSig.bind(args);
    this.beta = num(this, 'beta', floatDefault(a.beta, 1.0));
    this.threshold = num(this, 'threshold', floatDefault(a.threshold, 20.0));
  }
  override forward(input: Tensor): Tensor { return F.softplus(input, this.beta, this.threshold); }
  override extra_repr(): string { return `beta=${fmt(this, 'beta')}, threshold=${fmt(this, 'threshold')}`; }
}

const hardshrinkSig = signature('Hardshrink(lambd=0.5)');
export class Hardshrink extends Module {
  declare lambd: number;
  constructor(...args: unknown[]) {
    super();
    this.lambd = num(this, 'lambd', hardshrinkSig.bind(args).lambd);
  }
  override forward(input: Tensor): Tensor { return F.hardshrink(input, this.lambd); }
  override extra_repr(): string { return fmt(this, 'lambd'); }
}

const softshrinkSig = signature('Softshrink(lambd=0.5)');
export class Softshrink extends Module {
  declare lambd: number;
  constructor(...args: unknown[]) {
    super();
    this.lambd = num(this, 'lambd', softshrinkSig.bind(args).lambd);
  }
  override forward(input: Tensor): Tensor { return F.softshrink(input, this.lambd); }
  override extra_repr(): string { return fmt(this, 'lambd'); }
}

const preluSig = signature('PReLU(num_parameters=1, init=0.25, device=None, dtype=None)');
export class PReLU extends Module {
  declare num_parameters: number;
  declare init: number;
  declare weight: Parameter;
  constructor(...args: unknown[]) {
    super();
    const a = preluSig.bind(args);
    this.num_parameters = a.num_parameters;
    this.init = num(this, 'init', a.init);
    this.weight = emptyParameter([a.num_parameters], a.dtype);
    this.reset_parameters();
  }
  reset_parameters(): void { init.constant_(this.weight, this.init); }
  override forward(input: Tensor): Tensor { return F.prelu(input, this.weight); }
  override extra_repr(): string { return `num_parameters=${this.num_parameters}`; }
}

const gluSig = signature('GLU(dim=-1)');
export class GLU extends Module {
  declare dim: number;
  constructor(...args: unknown[]) {
    super();
    this.dim = gluSig.bind(args).dim;
  }
  override forward(input: Tensor): Tensor { return F.glu(input, this.dim); }
  override extra_repr(): string { return `dim=${this.dim}`; }
}

/** PyTorch's legacy implicit softmax dim (dim=None). */
const legacyDim = (ndim: number) => (ndim === 0 || ndim === 1 || ndim === 3 ? 0 : 1);

abstract class SoftmaxLike extends Module {
  declare dim: number | null;
  constructor(sig: ReturnType<typeof signature>, args: unknown[]) {
    super();
    this.dim = sig.bind(args).dim;
  }
  protected dimFor(input: Tensor): number { return this.dim ?? legacyDim(input.ndim); }
  override extra_repr(): string { return `dim=${str(this.dim)}`; }
}

const softminSig = signature('Softmin(dim=None)');
export class Softmin extends SoftmaxLike {
  constructor(...args: unknown[]) { super(softminSig, args); }
  override forward(input: Tensor): Tensor { return F.softmin(input, this.dimFor(input)); }
}
const softmaxSig = signature('Softmax(dim=None)');
export class Softmax extends SoftmaxLike {
  constructor(...args: unknown[]) { super(softmaxSig, args); }
  override forward(input: Tensor): Tensor { return F.softmax(input, this.dimFor(input)); }
}
const logSoftmaxSig = signature('LogSoftmax(dim=None)');
export class LogSoftmax extends SoftmaxLike {
  constructor(...args: unknown[]) { super(logSoftmaxSig, args); }
  override forward(input: Tensor): Tensor { return F.log_softmax(input, this.dimFor(input)); }
}

/** Softmax over the channel dimension of a (C, H, W) or (N, C, H, W) input. */
export class Softmax2d extends Module {
  override forward(input: Tensor): Tensor {
    if (input.ndim !== 3 && input.ndim !== 4) throw new ValueError(`Softmax2d: expected input to be 3D or 4D, got ${input.ndim}D instead`);
    return F.softmax(input, -3);
  }
}
