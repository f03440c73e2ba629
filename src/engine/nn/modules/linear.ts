// Identity, Linear (and MultiheadAttention's NonDynamicallyQuantizableLinear), Bilinear.
import { signature } from '../../args';
import * as F from '../../functional';
import { linear } from '../../ops/linalg';
import { Tensor } from '../../tensor';
import * as init from '../init';
import { Module } from '../module';
import { emptyParameter, Parameter } from '../parameter';
import { str } from '../python';

/** A placeholder that returns its input; it accepts and ignores any constructor arguments. */
export class Identity extends Module {
  constructor(..._args: unknown[]) { super(); }
  override forward(input: Tensor): Tensor { return input; }
}

const linearSig = signature('Linear(in_features, out_features, bias=True, device=None, dtype=None)');

/** y = x W^T + b, with W [out_features, in_features]. */
export class Linear extends Module {
  declare in_features: number;
  declare out_features: number;
  declare weight: Parameter;
  declare bias: Parameter | null;

  constructor(...args: unknown[]) {
    super();
    const a = linearSig.bind(args);
    this.in_features = a.in_features;
    this.out_features = a.out_features;
    this.weight = emptyParameter([a.out_features, a.in_features], a.dtype);
    if (a.bias) this.bias = emptyParameter([a.out_features], a.dtype);
    else this.register_parameter('bias', null);
    this.reset_parameters();
  }

  reset_parameters(): void {
    // kaiming_uniform_(a=sqrt(5)) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in)), the old default
    init.kaiming_uniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias !== null) {
      const [fanIn] = init._calculate_fan_in_and_fan_out(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      init.uniform_(this.bias, -bound, bound);
    }
  }

  override forward(input: Tensor): Tensor { return linear(input, this.weight, this.bias); }

  override extra_repr(): string {
    return `in_features=${this.in_features}, out_features=${this.out_features}, bias=${str(this.bias !== null)}`;
  }
}

/** MultiheadAttention's out_proj: a Linear that prints under its own class name. */
export class NonDynamicallyQuantizableLinear extends Linear {}

const bilinearSig = signature('Bilinear(in1_features, in2_features, out_features, bias=True, device=None, dtype=None)');

/** y_k = x1^T W_k x2 + b_k. */
export class Bilinear extends Module {
  declare in1_features: number;
  declare in2_features: number;
  declare out_features: number;
  declare weight: Parameter;
  declare bias: Parameter | null;

  constructor(...args: unknown[]) {
    super();
    const a = bilinearSig.bind(args);
    this.in1_features = a.in1_features;
    this.in2_features = a.in2_features;
    this.out_features = a.out_features;
    this.weight = emptyParameter([a.out_features, a.in1_features, a.in2_features], a.dtype);
    if (a.bias) this.bias = emptyParameter([a.out_features], a.dtype);
    else this.register_parameter('bias', null);
    this.reset_parameters();
  }

  reset_parameters(): void {
    const bound = 1 / Math.sqrt(this.weight.shape[1]);
    init.uniform_(this.weight, -bound, bound);
    if (this.bias !== null) init.uniform_(this.bias, -bound, bound);
  }

  override forward(input1: Tensor, input2: Tensor): Tensor {
    return (F as any).bilinear(input1, input2, this.weight, this.bias);
  }

  override extra_repr(): string {
    return `in1_features=${this.in1_features}, in2_features=${this.in2_features}, out_features=${this.out_features}, bias=${str(this.bias !== null)}`;
  }
}
