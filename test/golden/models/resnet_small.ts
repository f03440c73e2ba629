// TS mirror of scripts/goldens/models/resnet_small.py: basic and bottleneck residual blocks.
import { nn, torch } from '../../../src/engine';
import type { Tensor } from '../../../src/engine/tensor';

const conv3x3 = (cin: number, cout: number, stride = 1) =>
  new nn.Conv2d(cin, cout, { kernel_size: 3, stride, padding: 1, bias: false });

export class BasicBlock extends nn.Module {
  static expansion = 1;
  declare conv1: nn.Conv2d; declare bn1: nn.BatchNorm2d; declare relu: nn.ReLU;
  declare conv2: nn.Conv2d; declare bn2: nn.BatchNorm2d; declare downsample: nn.Module | null;

  constructor(cin: number, width: number, stride = 1, downsample: nn.Module | null = null) {
    super();
    this.conv1 = conv3x3(cin, width, stride);
    this.bn1 = new nn.BatchNorm2d(width);
    this.relu = new nn.ReLU({ inplace: true });
    this.conv2 = conv3x3(width, width);
    this.bn2 = new nn.BatchNorm2d(width);
    this.downsample = downsample;
  }

  override forward(x: Tensor): Tensor {
    const shortcut = this.downsample === null ? x : this.downsample.call(x);
    let y = this.relu.call(this.bn1.call(this.conv1.call(x)));
    y = this.bn2.call(this.conv2.call(y));
    return this.relu.call(y.add(shortcut));
  }
}

export class Bottleneck extends nn.Module {
  static expansion = 4;
  declare conv1: nn.Conv2d; declare bn1: nn.BatchNorm2d; declare conv2: nn.Conv2d; declare bn2: nn.BatchNorm2d;
  declare conv3: nn.Conv2d; declare bn3: nn.BatchNorm2d; declare relu: nn.ReLU; declare downsample: nn.Module | null;

  constructor(cin: number, width: number, stride = 1, downsample: nn.Module | null = null) {
    super();
    const cout = width * Bottleneck.expansion;
    this.conv1 = new nn.Conv2d(cin, width, { kernel_size: 1, bias: false });
    this.bn1 = new nn.BatchNorm2d(width);
    this.conv2 = conv3x3(width, width, stride);
    this.bn2 = new nn.BatchNorm2d(width);
    this.conv3 = new nn.Conv2d(width, cout, { kernel_size: 1, bias: false });
    this.bn3 = new nn.BatchNorm2d(cout);
    this.relu = new nn.ReLU({ inplace: true });
    this.downsample = downsample;
  }

  override forward(x: Tensor): Tensor {
    const shortcut = this.downsample === null ? x : this.downsample.call(x);
    let y = this.relu.call(this.bn1.call(this.conv1.call(x)));
    y = this.relu.call(this.bn2.call(this.conv2.call(y)));
    y = this.bn3.call(this.conv3.call(y));
    return this.relu.call(y.add(shortcut));
  }
}

type BlockClass = (typeof BasicBlock | typeof Bottleneck);

export class ResNetSmall extends nn.Module {
  declare channels: number;
  declare conv1: nn.Conv2d; declare bn1: nn.BatchNorm2d; declare relu: nn.ReLU; declare maxpool: nn.MaxPool2d;
  declare layer1: nn.Sequential; declare layer2: nn.Sequential; declare layer3: nn.Sequential;
  declare avgpool: nn.AdaptiveAvgPool2d; declare fc: nn.Linear;

  constructor(
    stages: [BlockClass, number, number, number][] = [[BasicBlock, 4, 2, 1], [Bottleneck, 2, 1, 2], [BasicBlock, 12, 1, 2]],
    num_classes = 5,
  ) {
    super();
    this.channels = 4;
    this.conv1 = new nn.Conv2d(3, 4, { kernel_size: 3, stride: 1, padding: 1, bias: false });
    this.bn1 = new nn.BatchNorm2d(4);
    this.relu = new nn.ReLU({ inplace: true });
    this.maxpool = new nn.MaxPool2d({ kernel_size: 3, stride: 2, padding: 1 });
    stages.forEach(([block, width, count, stride], i) => {
      (this as any)[`layer${i + 1}`] = this._stage(block, width, count, stride);
    });
    this.avgpool = new nn.AdaptiveAvgPool2d([1, 1]);
    this.fc = new nn.Linear(this.channels, num_classes);
    for (const m of this.modules()) {
      if (m instanceof nn.Conv2d) nn.init.kaiming_normal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu' });
      else if (m instanceof nn.BatchNorm2d) {
        nn.init.constant_(m.weight!, 1);
        nn.init.constant_(m.bias!, 0);
      }
    }
  }

  _stage(block: BlockClass, width: number, count: number, stride: number): nn.Sequential {
    let downsample: nn.Module | null = null;
    if (stride !== 1 || this.channels !== width * block.expansion) {
      downsample = new nn.Sequential(
        new nn.Conv2d(this.channels, width * block.expansion, { kernel_size: 1, stride, bias: false }),
        new nn.BatchNorm2d(width * block.expansion),
      );
    }
    const blocks: nn.Module[] = [new block(this.channels, width, stride, downsample)];
    this.channels = width * block.expansion;
    for (let i = 1; i < count; i++) blocks.push(new block(this.channels, width));
    return new nn.Sequential(...blocks);
  }

  override forward(x: Tensor): Tensor {
    x = this.maxpool.call(this.relu.call(this.bn1.call(this.conv1.call(x))));
    x = this.layer3.call(this.layer2.call(this.layer1.call(x)));
    x = torch.flatten(this.avgpool.call(x), 1);
    return this.fc.call(x);
  }
}

export const build = (): nn.Module => new ResNetSmall();
