// ResNet-18 with the engine's nn, laid out as torchvision.models.resnet18 (BasicBlock, [2, 2, 2, 2]) so the
// state_dict keys, shapes and the 11,689,512 parameters match and PyTorch's weights load unchanged.
import { nn, torch } from '../../../src/engine';
import type { Tensor } from '../../../src/engine/tensor';

const conv3x3 = (cin: number, cout: number, stride = 1) => new nn.Conv2d(cin, cout, 3, { stride, padding: 1, bias: false });

export class BasicBlock extends nn.Module {
  declare conv1: nn.Conv2d; declare bn1: nn.BatchNorm2d; declare relu: nn.ReLU;
  declare conv2: nn.Conv2d; declare bn2: nn.BatchNorm2d; declare downsample: nn.Sequential | null;

  constructor(cin: number, cout: number, stride = 1, downsample: nn.Sequential | null = null) {
    super();
    this.conv1 = conv3x3(cin, cout, stride);
    this.bn1 = new nn.BatchNorm2d(cout);
    this.relu = new nn.ReLU({ inplace: true });
    this.conv2 = conv3x3(cout, cout);
    this.bn2 = new nn.BatchNorm2d(cout);
    this.downsample = downsample;
  }

  override forward(x: Tensor): Tensor {
    const identity = this.downsample === null ? x : this.downsample.call(x);
    let out = this.relu.call(this.bn1.call(this.conv1.call(x)));
    out = this.bn2.call(this.conv2.call(out));
    return this.relu.call(out.add(identity));
  }
}

export class ResNet18 extends nn.Module {
  declare conv1: nn.Conv2d; declare bn1: nn.BatchNorm2d; declare relu: nn.ReLU; declare maxpool: nn.MaxPool2d;
  declare layer1: nn.Sequential; declare layer2: nn.Sequential; declare layer3: nn.Sequential; declare layer4: nn.Sequential;
  declare avgpool: nn.AdaptiveAvgPool2d; declare fc: nn.Linear;

  constructor(num_classes = 1000) {
    super();
    this.conv1 = new nn.Conv2d(3, 64, 7, { stride: 2, padding: 3, bias: false });
    this.bn1 = new nn.BatchNorm2d(64);
    this.relu = new nn.ReLU({ inplace: true });
    this.maxpool = new nn.MaxPool2d(3, { stride: 2, padding: 1 });
    let cin = 64;
    const layer = (cout: number, stride: number) => {
      const down = stride !== 1 || cin !== cout
        ? new nn.Sequential(new nn.Conv2d(cin, cout, 1, { stride, bias: false }), new nn.BatchNorm2d(cout)) : null;
      const blocks = [new BasicBlock(cin, cout, stride, down), new BasicBlock(cout, cout)];
      cin = cout;
      return new nn.Sequential(...blocks);
    };
    this.layer1 = layer(64, 1);
    this.layer2 = layer(128, 2);
    this.layer3 = layer(256, 2);
    this.layer4 = layer(512, 2);
    this.avgpool = new nn.AdaptiveAvgPool2d([1, 1]);
    this.fc = new nn.Linear(512, num_classes);
    // torchvision's initialisation
    for (const m of this.modules()) {
      if (m instanceof nn.Conv2d) nn.init.kaiming_normal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu' });
      else if (m instanceof nn.BatchNorm2d) { nn.init.constant_(m.weight!, 1); nn.init.constant_(m.bias!, 0); }
    }
  }

  override forward(x: Tensor): Tensor {
    x = this.maxpool.call(this.relu.call(this.bn1.call(this.conv1.call(x))));
    x = this.layer4.call(this.layer3.call(this.layer2.call(this.layer1.call(x))));
    return this.fc.call(torch.flatten(this.avgpool.call(x), 1));
  }
}

export const RESNET18_PARAMS = 11_689_512;
