// TS mirror of scripts/goldens/models/net.py: the source document's network.
import { nn, torch } from '../../../src/engine';
import type { Tensor } from '../../../src/engine/tensor';

export class Net extends nn.Module {
  declare features: nn.Sequential;
  declare classifier: nn.Sequential;

  constructor(num_class = 10) {
    super();
    this.features = new nn.Sequential(
      new nn.Conv2d({ in_channels: 3, out_channels: 6, kernel_size: 3 }),
      new nn.BatchNorm2d(6),
      new nn.ReLU({ inplace: true }),
      new nn.MaxPool2d({ kernel_size: 2, stride: 2 }),
      new nn.Conv2d({ in_channels: 6, out_channels: 9, kernel_size: 3 }),
      new nn.BatchNorm2d(9),
      new nn.ReLU({ inplace: true }),
      new nn.MaxPool2d({ kernel_size: 2, stride: 2 }),
    );
    this.classifier = new nn.Sequential(
      new nn.Linear(9 * 8 * 8, 128),
      new nn.ReLU({ inplace: true }),
      new nn.Dropout(),
      new nn.Linear(128, num_class),
    );
  }

  override forward(x: Tensor): Tensor {
    let output = this.features.call(x);
    output = output.view(output.size()[0], -1);
    return this.classifier.call(output);
  }
}

export const build = (): nn.Module => new Net();
void torch;
