// TS mirror of scripts/goldens/models/unet_small.py: a two-level U-Net.
import { nn, torch } from '../../../src/engine';
import type { Tensor } from '../../../src/engine/tensor';

export class ConvBlock extends nn.Module {
  declare body: nn.Sequential;
  constructor(cin: number, cout: number, groups = 2) {
    super();
    this.body = new nn.Sequential(
      new nn.Conv2d(cin, cout, 3, { padding: 1 }),
      new nn.GroupNorm(groups, cout),
      new nn.SiLU(),
      new nn.Conv2d(cout, cout, 3, { padding: 1 }),
      new nn.GroupNorm(groups, cout),
      new nn.SiLU(),
    );
  }
  override forward(x: Tensor): Tensor { return this.body.call(x); }
}

export class UNetSmall extends nn.Module {
  declare enc1: ConvBlock; declare pool: nn.MaxPool2d; declare enc2: ConvBlock; declare bottleneck: ConvBlock;
  declare up2: nn.ConvTranspose2d; declare dec2: ConvBlock; declare up1: nn.Sequential; declare dec1: ConvBlock; declare head: nn.Conv2d;

  constructor(cin = 3, cout = 2, base = 4) {
    super();
    this.enc1 = new ConvBlock(cin, base);
    this.pool = new nn.MaxPool2d(2);
    this.enc2 = new ConvBlock(base, base * 2);
    this.bottleneck = new ConvBlock(base * 2, base * 4);
    this.up2 = new nn.ConvTranspose2d(base * 4, base * 2, { kernel_size: 2, stride: 2 });
    this.dec2 = new ConvBlock(base * 4, base * 2);
    this.up1 = new nn.Sequential(
      new nn.Upsample({ scale_factor: 2, mode: 'bilinear', align_corners: false }),
      new nn.Conv2d(base * 2, base, { kernel_size: 1 }),
    );
    this.dec1 = new ConvBlock(base * 2, base);
    this.head = new nn.Conv2d(base, cout, { kernel_size: 1 });
  }

  override forward(x: Tensor): Tensor {
    const s1 = this.enc1.call(x);
    const s2 = this.enc2.call(this.pool.call(s1));
    const b = this.bottleneck.call(this.pool.call(s2));
    const d2 = this.dec2.call(torch.cat([this.up2.call(b), s2], 1));
    const d1 = this.dec1.call(torch.cat([this.up1.call(d2), s1], 1));
    return this.head.call(d1);
  }
}

export const build = (): nn.Module => new UNetSmall();
