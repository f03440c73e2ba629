// A small image classifier written against the TypeScript API: the same shape as a PyTorch model file.
// It exports its classes and a factory, the way a Python file exports `class TinyCNN(nn.Module)` and
// `def tiny_cnn()`; the inspector builds `tiny_cnn()` and shows its modules, parameters and state_dict.
import { nn, torch } from '../src/engine';
import type { Tensor } from '../src/engine/tensor';

const F = nn.functional;

/** Conv -> BatchNorm -> ReLU, with the bias left to the BatchNorm. */
export class ConvBlock extends nn.Module {
  declare conv: nn.Conv2d;
  declare bn: nn.BatchNorm2d;

  constructor(cin: number, cout: number, stride = 1) {
    super();
    this.conv = new nn.Conv2d(cin, cout, 3, { stride, padding: 1, bias: false });
    this.bn = new nn.BatchNorm2d(cout);
  }

  override forward(x: Tensor): Tensor {
    return F.relu(this.bn.call(this.conv.call(x)));
  }
}

export class TinyCNN extends nn.Module {
  declare features: nn.Sequential;
  declare pool: nn.AdaptiveAvgPool2d;
  declare head: nn.Sequential;

  constructor(num_classes = 10, widths: number[] = [16, 32, 64]) {
    super();
    const blocks: nn.Module[] = [];
    let cin = 3;
    widths.forEach((w, i) => {
      blocks.push(new ConvBlock(cin, w, i === 0 ? 1 : 2));
      cin = w;
    });
    this.features = new nn.Sequential(...blocks);
    this.pool = new nn.AdaptiveAvgPool2d(1);
    this.head = new nn.Sequential(new nn.Flatten(), new nn.Dropout(0.2), new nn.Linear(cin, num_classes));
    // the usual ResNet-style initialisation, applied lazily: nothing is allocated until a weight is read
    for (const m of this.modules()) {
      if (m instanceof nn.Conv2d) nn.init.kaiming_normal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu' });
    }
  }

  override forward(x: Tensor): Tensor {
    return this.head.call(this.pool.call(this.features.call(x)));
  }
}

/** The factory the inspector calls, like `def tiny_cnn(num_classes=10)` in Python. */
export function tiny_cnn(num_classes = 10): TinyCNN {
  return new TinyCNN(num_classes);
}

/** An input of the right shape for a forward pass: a batch of two 32x32 RGB images. */
export function example_input(): Tensor {
  torch.manual_seed(0);
  return torch.randn(2, 3, 32, 32);
}
