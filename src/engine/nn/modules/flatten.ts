// Flatten and Unflatten.
import { signature } from '../../args';
import { Tensor } from '../../tensor';
import { Module } from '../module';
import { str } from '../python';

const flattenSig = signature('Flatten(start_dim=1, end_dim=-1)');

export class Flatten extends Module {
  declare start_dim: number;
  declare end_dim: number;
  constructor(...args: unknown[]) {
    super();
    const a = flattenSig.bind(args);
    this.start_dim = a.start_dim;
    this.end_dim = a.end_dim;
  }
  override forward(input: Tensor): Tensor { return input.flatten(this.start_dim, this.end_dim); }
  override extra_repr(): string { return `start_dim=${this.start_dim}, end_dim=${this.end_dim}`; }
}

const unflattenSig = signature('Unflatten(dim, unflattened_size)');

export class Unflatten extends Module {
  declare dim: number;
  declare unflattened_size: number[];
  constructor(...args: unknown[]) {
    super();
    const a = unflattenSig.bind(args);
    if (!Array.isArray(a.unflattened_size)) throw new TypeError('unflattened_size must be tuple of ints, but found type ' + typeof a.unflattened_size);
    this.dim = a.dim;
    this.unflattened_size = a.unflattened_size;
  }
  override forward(input: Tensor): Tensor { return input.unflatten(this.dim, this.unflattened_size); }
  override extra_repr(): string { return `dim=${this.dim}, unflattened_size=${str(this.unflattened_size)}`; }
}
