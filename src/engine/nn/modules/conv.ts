// Conv1d, Conv2d and ConvTranspose2d (PyTorch's _ConvNd: attributes, checks, default init, extra_repr).
import { ntuple, signature } from '../../args';
import * as F from '../../functional';
import { Tensor } from '../../tensor';
import * as init from '../init';
import { Module } from '../module';
import { emptyParameter, Parameter } from '../parameter';
import { str, ValueError } from '../python';

type ConvArgs = Record<string, any>;
const PADDING_MODES = ['zeros', 'reflect', 'replicate', 'circular'];

abstract class ConvNd extends Module {
  declare in_channels: number;
  declare out_channels: number;
  declare kernel_size: number[];
  declare stride: number[];
  declare padding: number[] | string;
  declare dilation: number[];
  declare transposed: boolean;
  declare output_padding: number[];
  declare groups: number;
  declare padding_mode: string;
  declare _reversed_padding_repeated_twice: number[];
  declare weight: Parameter;
  declare bias: Parameter | null;

  constructor(a: ConvArgs, n: number, transposed: boolean) {
    super();
    const kernel = ntuple(a.kernel_size, n, 'kernel_size'), stride = ntuple(a.stride, n, 'stride');
    const dilation = ntuple(a.dilation, n, 'dilation');
    const padding = typeof a.padding === 'string' ? a.padding : ntuple(a.padding, n, 'padding');
    const groups: number = a.groups;
    if (groups <= 0) throw new ValueError('groups must be a positive integer');
    if (a.in_channels % groups !== 0) throw new ValueError('in_channels must be divisible by groups');
    if (a.out_channels % groups !== 0) throw new ValueError('out_channels must be divisible by groups');
    if (typeof padding === 'string') {
      if (padding !== 'same' && padding !== 'valid')
        throw new ValueError(`Invalid padding string '${padding}', should be one of {'valid', 'same'}`);
      if (padding === 'same' && stride.some((s) => s !== 1))
        throw new ValueError("padding='same' is not supported for strided convolutions");
    }
    if (!PADDING_MODES.includes(a.padding_mode))
      throw new ValueError(`padding_mode must be one of {'zeros', 'reflect', 'replicate', 'circular'}, but got padding_mode='${a.padding_mode}'`);
    this.in_channels = a.in_channels;
    this.out_channels = a.out_channels;
    this.kernel_size = kernel;
    this.stride = stride;
    this.padding = padding;
    this.dilation = dilation;
    this.transposed = transposed;
    this.output_padding = ntuple(a.output_padding ?? 0, n, 'output_padding');
    this.groups = groups;
    this.padding_mode = a.padding_mode;
    // F.pad takes the last dimension first, each side separately
    const reversed = new Array(2 * n).fill(0);
    for (let d = 0; d < n; d++) {
      const i = n - 1 - d;
      if (typeof padding === 'string') {
        if (padding === 'same') {
          const total = dilation[d] * (kernel[d] - 1);
          reversed[2 * i] = Math.floor(total / 2);
          reversed[2 * i + 1] = total - Math.floor(total / 2);
        }
      } else reversed[2 * i] = reversed[2 * i + 1] = padding[d];
    }
    this._reversed_padding_repeated_twice = reversed;
    const shape = transposed
      ? [a.in_channels, a.out_channels / groups, ...kernel]
      : [a.out_channels, a.in_channels / groups, ...kernel];
    this.weight = emptyParameter(shape, a.dtype);
    if (a.bias) this.bias = emptyParameter([a.out_channels], a.dtype);
    else this.register_parameter('bias', null);
    this.reset_parameters();
  }

  reset_parameters(): void {
    init.kaiming_uniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias !== null) {
      const [fanIn] = init._calculate_fan_in_and_fan_out(this.weight);
      if (fanIn !== 0) init.uniform_(this.bias, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn));
    }
  }

  override extra_repr(): string {
    const allEqual = (xs: number[] | string, v: number) => typeof xs !== 'string' && xs.every((x) => x === v);
    let s = `${this.in_channels}, ${this.out_channels}, kernel_size=${str(this.kernel_size)}, stride=${str(this.stride)}`;
    if (!allEqual(this.padding, 0)) s += `, padding=${str(this.padding)}`;
    if (!allEqual(this.dilation, 1)) s += `, dilation=${str(this.dilation)}`;
    if (!allEqual(this.output_padding, 0)) s += `, output_padding=${str(this.output_padding)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ', bias=False';
    if (this.padding_mode !== 'zeros') s += `, padding_mode=${this.padding_mode}`;
    return s;
  }
}

const conv1dSig = signature('Conv1d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True, padding_mode="zeros", device=None, dtype=None)');
const conv2dSig = signature('Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True, padding_mode="zeros", device=None, dtype=None)');

export class Conv1d extends ConvNd {
  constructor(...args: unknown[]) { super(conv1dSig.bind(args), 1, false); }

  override forward(input: Tensor): Tensor {
    if (this.padding_mode !== 'zeros')
      return F.conv1d(F.pad(input, this._reversed_padding_repeated_twice, { mode: this.padding_mode }), this.weight, this.bias, this.stride, [0], this.dilation, this.groups);
    return F.conv1d(input, this.weight, this.bias, this.stride, this.padding, this.dilation, this.groups);
  }
}

export class Conv2d extends ConvNd {
  constructor(...args: unknown[]) { super(conv2dSig.bind(args), 2, false); }

  override forward(input: Tensor): Tensor {
    if (this.padding_mode !== 'zeros')
      return F.conv2d(F.pad(input, this._reversed_padding_repeated_twice, { mode: this.padding_mode }), this.weight, this.bias, this.stride, [0, 0], this.dilation, this.groups);
    return F.conv2d(input, this.weight, this.bias, this.stride, this.padding, this.dilation, this.groups);
  }
}

const convTText = (name: string) => `${name}(in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None)`;
const convT1dSig = signature(convTText('ConvTranspose1d'));
const convT2dSig = signature(convTText('ConvTranspose2d'));

abstract class ConvTransposeNd extends ConvNd {
  constructor(a: ConvArgs, n: number, name: string) {
    if (a.padding_mode !== 'zeros') throw new ValueError(`Only "zeros" padding mode is supported for ${name}`);
    super(a, n, true);
  }

  /** _ConvTransposeNd._output_padding: the extra rows/cols that make the output exactly output_size. */
  protected outputPaddingFor(input: Tensor, outputSize: number[] | null): number[] {
    if (outputSize === null) return this.output_padding;
    const spatial = this.kernel_size.length, nonSpatial = input.ndim === spatial + 2 ? 2 : 1;
    const size = outputSize.length === nonSpatial + spatial ? outputSize.slice(nonSpatial) : outputSize;
    if (size.length !== spatial)
      throw new ValueError(`ConvTranspose${spatial}D: for ${input.ndim}D input, output_size must have ${spatial} or ${nonSpatial + spatial} elements (got ${outputSize.length})`);
    const pad = this.padding as number[];
    const min = size.map((_, d) => (input.shape[d + nonSpatial] - 1) * this.stride[d] - 2 * pad[d] + this.dilation[d] * (this.kernel_size[d] - 1) + 1);
    const max = min.map((m, d) => m + this.stride[d] - 1);
    size.forEach((s, i) => {
      if (s < min[i] || s > max[i])
        throw new ValueError(`requested an output size of [${size.join(', ')}], but valid sizes range from [${min.join(', ')}] to [${max.join(', ')}] (for an input of torch.Size([${input.shape.slice(nonSpatial).join(', ')}]))`);
    });
    return size.map((s, d) => s - min[d]);
  }
}

export class ConvTranspose1d extends ConvTransposeNd {
  constructor(...args: unknown[]) { super(convT1dSig.bind(args), 1, 'ConvTranspose1d'); }

  override forward(input: Tensor, output_size: number[] | null = null): Tensor {
    const outputPadding = this.outputPaddingFor(input, output_size);
    return F.conv_transpose1d(input, this.weight, this.bias, this.stride, this.padding, outputPadding, this.groups, this.dilation);
  }
}

export class ConvTranspose2d extends ConvTransposeNd {
  constructor(...args: unknown[]) { super(convT2dSig.bind(args), 2, 'ConvTranspose2d'); }

  override forward(input: Tensor, output_size: number[] | null = null): Tensor {
    const outputPadding = this.outputPaddingFor(input, output_size);
    return F.conv_transpose2d(input, this.weight, this.bias, this.stride, this.padding, outputPadding, this.groups, this.dilation);
  }
}
