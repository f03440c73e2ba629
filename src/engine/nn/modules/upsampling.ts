// Upsample (and its deprecated UpsamplingNearest2d/UpsamplingBilinear2d forms) over F.interpolate.
import { signature } from '../../args';
import { PyFloat } from '../../dtype';
import * as F from '../../functional';
import { Tensor } from '../../tensor';
import { Module } from '../module';
import { floatRepr, repr } from '../python';

const upsampleSig = signature('Upsample(size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None)');
const asNumber = (x: unknown): number => (x instanceof PyFloat ? x.value : (x as number));

export class Upsample extends Module {
  declare name: string;
  declare size: number | number[] | null;
  /** Always floats, as PyTorch stores float(scale_factor). */
  declare scale_factor: number | number[] | null;
  declare mode: string;
  declare align_corners: boolean | null;
  declare recompute_scale_factor: boolean | null;

  constructor(...args: unknown[]) {
    super();
    const a = upsampleSig.bind(args);
    this.name = this._get_name();
    this.size = a.size;
    const sf = a.scale_factor;
    this.scale_factor = Array.isArray(sf) ? sf.map(asNumber) : sf ? asNumber(sf) : null;
    this.mode = a.mode;
    this.align_corners = a.align_corners;
    this.recompute_scale_factor = a.recompute_scale_factor;
  }

  override forward(input: Tensor): Tensor {
    return F.interpolate(input, this.size, this.scale_factor, this.mode, this.align_corners, { recompute_scale_factor: this.recompute_scale_factor });
  }

  override extra_repr(): string {
    const sf = this.scale_factor;
    const info = sf !== null
      ? 'scale_factor=' + (Array.isArray(sf) ? (sf.length === 1 ? `(${floatRepr(sf[0])},)` : `(${sf.map(floatRepr).join(', ')})`) : floatRepr(sf))
      : 'size=' + repr(this.size);
    return info + ', mode=' + repr(this.mode);
  }
}

const nearestSig = signature('UpsamplingNearest2d(size=None, scale_factor=None)');
const bilinearSig = signature('UpsamplingBilinear2d(size=None, scale_factor=None)');

export class UpsamplingNearest2d extends Upsample {
  constructor(...args: unknown[]) {
    const a = nearestSig.bind(args);
    super(a.size, a.scale_factor, { mode: 'nearest' });
  }
}
export class UpsamplingBilinear2d extends Upsample {
  constructor(...args: unknown[]) {
    const a = bilinearSig.bind(args);
    super(a.size, a.scale_factor, { mode: 'bilinear', align_corners: true });
  }
}
