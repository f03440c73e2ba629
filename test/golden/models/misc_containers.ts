// TS mirror of scripts/goldens/models/misc_containers.py: containers, sharing, buffers and every activation.
import { nn, torch } from '../../../src/engine';
import type { Tensor } from '../../../src/engine/tensor';

export function activations(): nn.Module[] {
  return [
    new nn.ReLU(), new nn.ReLU(), new nn.ReLU6(), new nn.LeakyReLU(0.1), new nn.PReLU(), new nn.RReLU(), new nn.ELU({ alpha: 0.5 }),
    new nn.CELU(), new nn.SELU(), new nn.GELU(), new nn.GELU({ approximate: 'tanh' }), new nn.SiLU(), new nn.Mish(), new nn.Sigmoid(),
    new nn.Tanh(), new nn.Hardswish(), new nn.Hardsigmoid(), new nn.Hardtanh(new torch.PyFloat(-2.0), new torch.PyFloat(2.0)), new nn.Hardshrink(),
    new nn.Softshrink(0.25), new nn.Tanhshrink(), new nn.Softsign(), new nn.Softplus(), new nn.Softplus({ beta: 2, threshold: 5 }),
    new nn.LogSigmoid(), new nn.Threshold(0.1, new torch.PyFloat(-1.0)), new nn.Softmin({ dim: -1 }), new nn.Softmax({ dim: -1 }),
    new nn.LogSoftmax({ dim: -1 }),
  ];
}

export class MiscContainers extends nn.Module {
  declare stem: nn.Sequential; declare flatten: nn.Flatten; declare unflatten: nn.Unflatten; declare drop2d: nn.Dropout2d;
  declare pool2d: nn.AdaptiveMaxPool2d; declare ident: nn.Identity; declare enc: nn.Linear; declare dec: nn.Linear;
  declare scales: nn.ParameterList; declare extras: nn.ParameterDict; declare offset: Tensor; declare cache: Tensor;
  declare bilinear: nn.Bilinear; declare acts: nn.ModuleList; declare glu: nn.GLU; declare softmax2d: nn.Softmax2d;
  declare heads: nn.ModuleDict;

  constructor() {
    super();
    this.stem = new nn.Sequential(new Map<string, nn.Module>([
      ['conv', new nn.Conv1d(2, 4, { kernel_size: 3, padding: 1 })],
      ['act', new nn.ReLU()],
      ['pool', new nn.MaxPool1d(2)],
      ['avg', new nn.AvgPool1d({ kernel_size: 2, stride: 1 })],
      ['adapt', new nn.AdaptiveAvgPool1d(4)],
    ]));
    this.flatten = new nn.Flatten();
    this.unflatten = new nn.Unflatten(1, [1, 4, 4]);
    this.drop2d = new nn.Dropout2d({ p: 0.25 });
    this.pool2d = new nn.AdaptiveMaxPool2d([2, 2]);
    this.ident = new nn.Identity();
    const shared = new nn.Linear(4, 4);
    this.enc = shared;
    this.dec = shared;
    this.scales = new nn.ParameterList([new nn.Parameter(torch.ones(4)), new nn.Parameter(torch.zeros(4))]);
    this.extras = new nn.ParameterDict({
      alpha: new nn.Parameter(torch.tensor(0.5)),
      beta: new nn.Parameter(torch.full([4], 0.1)),
    });
    this.register_buffer('offset', torch.full([4], 0.01));
    this.register_buffer('cache', torch.zeros(4), { persistent: false });
    this.bilinear = new nn.Bilinear(4, 4, 3);
    this.acts = new nn.ModuleList(activations());
    this.glu = new nn.GLU();
    this.softmax2d = new nn.Softmax2d();
    this.heads = new nn.ModuleDict({ prob: new nn.Softmax({ dim: 1 }), logprob: new nn.LogSoftmax({ dim: 1 }) });
  }

  override forward(x: Tensor): Tensor {
    let h = this.stem.call(x); // (N, 4, 4)
    h = this.unflatten.call(this.flatten.call(h)); // (N, 1, 4, 4)
    const s2d = this.flatten.call(this.softmax2d.call(h)); // (N, 16)
    let v = this.flatten.call(this.pool2d.call(this.drop2d.call(h))); // (N, 4)
    v = this.dec.call(this.enc.call(v)).mul(this.scales[0]).add(this.scales[1]);
    v = v.add(this.extras.item('alpha').mul(this.extras.item('beta'))).add(this.offset).add(this.cache);
    v = this.ident.call(v);
    const b = this.bilinear.call(v, v); // (N, 3)
    const outs: Tensor[] = [...[...this.acts].map((act) => act.call(v)), this.glu.call(v)];
    outs.push(this.heads.get('prob').call(b), this.heads.get('logprob').call(b), s2d);
    return torch.cat(outs, 1);
  }
}

export const build = (): nn.Module => new MiscContainers();
