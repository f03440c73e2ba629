// Max/average pooling and adaptive pooling modules (torch/nn/modules/pooling.py).
import { signature } from '../../args';
import * as F from '../../functional';
import { Tensor } from '../../tensor';
import { Module } from '../module';
import { str } from '../python';

type Size = number | number[];
/** _single: an int becomes a 1-tuple, a sequence is kept. */
const single = (x: Size): number[] => (Array.isArray(x) ? [...x] : [x]);

abstract class MaxPoolNd extends Module {
  declare kernel_size: Size;
  declare stride: Size;
  declare padding: Size;
  declare dilation: Size;
  declare return_indices: boolean;
  declare ceil_mode: boolean;
  constructor(sig: ReturnType<typeof signature>, args: unknown[]) {
    super();
    const a = sig.bind(args);
    this.kernel_size = a.kernel_size;
    this.stride = a.stride ?? a.kernel_size;
    this.padding = a.padding;
    this.dilation = a.dilation;
    this.return_indices = a.return_indices;
    this.ceil_mode = a.ceil_mode;
  }
  override extra_repr(): string {
    return `kernel_size=${str(this.kernel_size)}, stride=${str(this.stride)}, padding=${str(this.padding)}, dilation=${str(this.dilation)}, ceil_mode=${str(this.ceil_mode)}`;
  }
}

const maxPool1dSig = signature('MaxPool1d(kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False)');
const maxPool2dSig = signature('MaxPool2d(kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False)');

export class MaxPool1d extends MaxPoolNd {
  constructor(...args: unknown[]) { super(maxPool1dSig, args); }
  override forward(input: Tensor): any {
    return F.max_pool1d(input, this.kernel_size, this.stride, this.padding, this.dilation, { ceil_mode: this.ceil_mode, return_indices: this.return_indices });
  }
}

export class MaxPool2d extends MaxPoolNd {
  constructor(...args: unknown[]) { super(maxPool2dSig, args); }
  override forward(input: Tensor): any {
    return F.max_pool2d(input, this.kernel_size, this.stride, this.padding, this.dilation, { ceil_mode: this.ceil_mode, return_indices: this.return_indices });
  }
}

const avgPool1dSig = signature('AvgPool1d(kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True)');

export class AvgPool1d extends Module {
  declare kernel_size: number[];
  declare stride: number[];
  declare padding: number[];
  declare ceil_mode: boolean;
  declare count_include_pad: boolean;
  constructor(...args: unknown[]) {
    super();
    const a = avgPool1dSig.bind(args);
    this.kernel_size = single(a.kernel_size);
    this.stride = single(a.stride ?? a.kernel_size);
    this.padding = single(a.padding);
    this.ceil_mode = a.ceil_mode;
    this.count_include_pad = a.count_include_pad;
  }
  override forward(input: Tensor): Tensor {
    return F.avg_pool1d(input, this.kernel_size, this.stride, this.padding, this.ceil_mode, this.count_include_pad);
  }
  override extra_repr(): string {
    return `kernel_size=${str(this.kernel_size)}, stride=${str(this.stride)}, padding=${str(this.padding)}`;
  }
}

const avgPool2dSig = signature('AvgPool2d(kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None)');

export class AvgPool2d extends Module {
  declare kernel_size: Size;
  declare stride: Size;
  declare padding: Size;
  declare ceil_mode: boolean;
  declare count_include_pad: boolean;
  declare divisor_override: number | null;
  constructor(...args: unknown[]) {
    super();
    const a = avgPool2dSig.bind(args);
    this.kernel_size = a.kernel_size;
    this.stride = a.stride ?? a.kernel_size;
    this.padding = a.padding;
    this.ceil_mode = a.ceil_mode;
    this.count_include_pad = a.count_include_pad;
    this.divisor_override = a.divisor_override;
  }
  override forward(input: Tensor): Tensor {
    return F.avg_pool2d(input, this.kernel_size, this.stride, this.padding, this.ceil_mode, this.count_include_pad, this.divisor_override);
  }
  override extra_repr(): string {
    return `kernel_size=${str(this.kernel_size)}, stride=${str(this.stride)}, padding=${str(this.padding)}`;
  }
}

abstract class AdaptivePool extends Module {
  declare output_size: Size | (number | null)[];
  declare return_indices: boolean;
  constructor(sig: ReturnType<typeof signature>, args: unknown[]) {
    super();
    const a = sig.bind(args);
    this.output_size = a.output_size;
    if ('return_indices' in a) this.return_indices = a.return_indices;
  }
  override extra_repr(): string { return `output_size=${str(this.output_size)}`; }
}

const adaptiveAvg1dSig = signature('AdaptiveAvgPool1d(output_size)');
const adaptiveAvg2dSig = signature('AdaptiveAvgPool2d(output_size)');
const adaptiveMax1dSig = signature('AdaptiveMaxPool1d(output_size, return_indices=False)');
const adaptiveMax2dSig = signature('AdaptiveMaxPool2d(output_size, return_indices=False)');

export class AdaptiveAvgPool1d extends AdaptivePool {
  constructor(...args: unknown[]) { super(adaptiveAvg1dSig, args); }
  override forward(input: Tensor): Tensor { return F.adaptive_avg_pool1d(input, this.output_size); }
}
export class AdaptiveAvgPool2d extends AdaptivePool {
  constructor(...args: unknown[]) { super(adaptiveAvg2dSig, args); }
  override forward(input: Tensor): Tensor { return F.adaptive_avg_pool2d(input, this.output_size); }
}
export class AdaptiveMaxPool1d extends AdaptivePool {
  constructor(...args: unknown[]) { super(adaptiveMax1dSig, args); }
  override forward(input: Tensor): any { return F.adaptive_max_pool1d(input, this.output_size, this.return_indices); }
}
export class AdaptiveMaxPool2d extends AdaptivePool {
  constructor(...args: unknown[]) { super(adaptiveMax2dSig, args); }
  override forward(input: Tensor): any { return F.adaptive_max_pool2d(input, this.output_size, this.return_indices); }
}
