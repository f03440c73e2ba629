// Dropout, Dropout1d/2d/3d and AlphaDropout (random only in training mode).
import { signature } from '../../args';
import * as F from '../../functional';
import { Tensor } from '../../tensor';
import { Module } from '../module';
import { fmt, num, repr, str, ValueError } from '../python';

abstract class DropoutNd extends Module {
  declare p: number;
  declare inplace: boolean;
  constructor(sig: ReturnType<typeof signature>, args: unknown[]) {
    super();
    const a = sig.bind(args);
    const p = num(this, 'p', a.p);
    if (p < 0 || p > 1) throw new ValueError(`dropout probability has to be between 0 and 1, but got ${repr(a.p)}`);
    this.p = p;
    this.inplace = a.inplace;
  }
  override extra_repr(): string { return `p=${fmt(this, 'p')}, inplace=${str(this.inplace)}`; }
}

const dropoutSig = signature('Dropout(p=0.5, inplace=False)');
const dropout1dSig = signature('Dropout1d(p=0.5, inplace=False)');
const dropout2dSig = signature('Dropout2d(p=0.5, inplace=False)');
const dropout3dSig = signature('Dropout3d(p=0.5, inplace=False)');
const alphaDropoutSig = signature('AlphaDropout(p=0.5, inplace=False)');

export class Dropout extends DropoutNd {
  constructor(...args: unknown[]) { super(dropoutSig, args); }
  override forward(input: Tensor): Tensor { return F.dropout(input, this.p, this.training, this.inplace); }
}
export class Dropout1d extends DropoutNd {
  constructor(...args: unknown[]) { super(dropout1dSig, args); }
  override forward(input: Tensor): Tensor { return F.dropout1d(input, this.p, this.training, this.inplace); }
}
export class Dropout2d extends DropoutNd {
  constructor(...args: unknown[]) { super(dropout2dSig, args); }
  override forward(input: Tensor): Tensor { return F.dropout2d(input, this.p, this.training, this.inplace); }
}
export class Dropout3d extends DropoutNd {
  constructor(...args: unknown[]) { super(dropout3dSig, args); }
  override forward(input: Tensor): Tensor { return F.dropout3d(input, this.p, this.training, this.inplace); }
}
export class AlphaDropout extends DropoutNd {
  constructor(...args: unknown[]) { super(alphaDropoutSig, args); }
  override forward(input: Tensor): Tensor { return F.alpha_dropout(input, this.p, this.training); }
}
