// The forward request's per-module times when convolutions are deferred (conv-fusion.ts): the convolution runs
// when a later module reads it, and its time goes to the module that made it. A fake clock that only the
// convolution kernel advances makes the times exact.
import * as assert from 'node:assert/strict';
import { F, kernels, nn, setKernels, torch } from '../../../src/engine';
import { setDeferredTracer } from '../../../src/engine/storage';
import type { Tensor } from '../../../src/engine/tensor';
import { handles } from '../../../src/python/process/engine/handles';
import { runForward } from '../../../src/python/process/engine/forward';

class Block extends nn.Module {
  declare conv: nn.Conv2d; declare bn: nn.BatchNorm2d; declare relu: nn.ReLU; declare pool: nn.AdaptiveAvgPool2d;
  constructor() {
    super();
    this.conv = new nn.Conv2d(3, 4, 3);
    this.bn = new nn.BatchNorm2d(4);
    this.relu = new nn.ReLU({ inplace: true });
    this.pool = new nn.AdaptiveAvgPool2d(1);
  }
  override forward(x: Tensor): Tensor { return this.pool.call(this.relu.call(this.bn.call(this.conv.call(x)))); }
}

describe('forward: per-module times with deferred convolutions', () => {
  let clock = 0;
  const realNow = performance.now;
  const realKernels = kernels();
  before(() => {
    performance.now = () => clock;
    setKernels({ ...realKernels, conv2d(p) { clock += 10; realKernels.conv2d(p); } });
  });
  after(() => {
    performance.now = realNow;
    setKernels(realKernels);
  });

  it('charges a folded convolution to the module that made it (and its parents), not to the one that read it', () => {
    const model = new nn.Sequential(new Block(), new nn.Flatten());
    const id = handles.idOf(model);
    const result = runForward({ model: id, input: { shape: [1, 3, 8, 8] } });
    const ms = new Map(result.layers.map((l) => [l.name, l.ms]));
    assert.deepEqual([ms.get('0.conv'), ms.get('0.bn'), ms.get('0.relu'), ms.get('0.pool')], [10, 0, 0, 0]);
    assert.deepEqual([ms.get('0'), ms.get(''), ms.get('1'), result.ms], [10, 10, 0, 10]);
  });

  it('a deferred op run inside another is reported once, by itself', () => {
    const reports: [unknown, number][] = [];
    let made = 0;
    const previous = setDeferredTracer({ created: () => `conv ${made++}`, ran: (tag, ms) => { reports.push([tag, ms]); } });
    try {
      const inner = F.conv2d(torch.randn([1, 2, 5, 5]), torch.randn([2, 2, 3, 3]));
      const outer = F.conv2d(inner, torch.randn([1, 2, 1, 1]));
      void outer.storage.values;
    } finally { setDeferredTracer(previous); }
    assert.deepEqual(reports, [['conv 0', 10], ['conv 1', 10]], 'the inner convolution ran first, inside the outer one');
  });

  it('a model whose output is a deferred convolution runs it inside the timed pass', () => {
    const model = new nn.Sequential(new nn.Conv2d(3, 2, 1), new nn.BatchNorm2d(2));
    const result = runForward({ model: handles.idOf(model), input: { shape: [1, 3, 4, 4] } });
    assert.equal(result.ms, 10);
    assert.deepEqual(result.layers.map((l) => [l.name, l.ms]), [['', 10], ['0', 10], ['1', 0]]);
    assert.equal(torch.is_tensor(model.call(torch.zeros([1, 3, 4, 4]))), true);
  });
});
