// The ops and modules built on the batch-norm and activation kernels: batch_norm's one-pass form, in-place
// activations, and eval-mode Conv2d → BatchNorm2d → ReLU folded into the convolution (functional/conv-fusion.ts). They run on the kernel set
// the environment selects, so the suite covers both sets under TORCH_EXPLORER_KERNELS=ts and =wasm.
import * as assert from 'node:assert/strict';
import { F, nn, torch, setKernels, kernels } from '../../../src/engine';
import { getAllocatedBytes, setAllocationCap } from '../../../src/engine/storage';
import type { Tensor } from '../../../src/engine/tensor';

/** A BatchNorm2d with non-trivial statistics and affine parameters. */
function statefulBatchNorm(c: number, dtype = 'float32'): nn.BatchNorm2d {
  const bn = new nn.BatchNorm2d(c, { dtype });
  bn.running_mean!.copy_(torch.randn([c], { dtype }));
  bn.running_var!.copy_(torch.rand([c], { dtype }).add(0.2));
  bn.weight!.data.copy_(torch.randn([c], { dtype }));
  bn.bias!.data.copy_(torch.randn([c], { dtype }));
  return bn;
}

/** Same shape and bit-identical values (NaN equal to NaN). */
const same = (a: Tensor, b: Tensor): boolean =>
  a.shape.join() === b.shape.join() && a.toArray().every((v, i) => Object.is(v, b.toArray()[i]));

function assertClose(actual: Tensor, expected: Tensor, what: string): void {
  assert.deepEqual([...actual.shape], [...expected.shape], what);
  const diff = Number(actual.sub(expected).abs().max().item());
  const bound = 1e-5 + 1e-4 * Number(expected.abs().max().item());
  assert.ok(diff <= bound, `${what}: max |difference| ${diff} > ${bound}`);
}

describe('batch_norm and activations on the fast kernels', () => {
  beforeEach(() => torch.manual_seed(0));

  it('eval batch_norm equals (x - mean) / sqrt(var + eps) * weight + bias, float32 and float64, 2-5 dims, non-contiguous input', () => {
    for (const dtype of ['float32', 'float64']) {
      for (const shape of [[4, 3], [2, 3, 5], [2, 3, 4, 5], [1, 3, 2, 2, 3]]) {
        const bn = statefulBatchNorm(3, dtype);
        const x = torch.randn(shape, { dtype }).mul(3);
        const view = shape.map((size, dim) => (dim === 1 ? size : 1));
        const expected = x.sub(bn.running_mean!.reshape(view)).div(bn.running_var!.add(bn.eps).sqrt().reshape(view))
          .mul(bn.weight!.reshape(view)).add(bn.bias!.reshape(view));
        const got = F.batch_norm(x, bn.running_mean, bn.running_var, bn.weight, bn.bias, false, 0.1, bn.eps);
        assert.equal(got.dtype, dtype);
        assertClose(got, expected, `${dtype} ${shape}`);
        const transposed = x.transpose(0, 1).contiguous().transpose(0, 1);
        assertClose(F.batch_norm(transposed, bn.running_mean, bn.running_var, bn.weight, bn.bias), expected, `${dtype} ${shape} strided`);
      }
    }
  });

  it('ReLU(inplace=True) and the other inplace activations write into their input; inplace=False leaves it', () => {
    const x = torch.randn([2, 3, 4]);
    const before = x.clone();
    const kept = new nn.ReLU().call(x);
    assert.ok(same(x, before));
    const y = new nn.ReLU({ inplace: true }).call(x);
    assert.equal(y, x);
    assert.ok(same(x, kept));
    for (const [module, functional] of [
      [new nn.ReLU6({ inplace: true }), (t: Tensor) => F.relu6(t)],
      [new nn.LeakyReLU(0.2, { inplace: true }), (t: Tensor) => F.leaky_relu(t, 0.2)],
      [new nn.Hardtanh(-0.5, 0.5, { inplace: true }), (t: Tensor) => F.hardtanh(t, -0.5, 0.5)],
      [new nn.SiLU({ inplace: true }), (t: Tensor) => F.silu(t)],
    ] as const) {
      const input = torch.randn([3, 5]).mul(4);
      const expected = functional(input);
      assert.equal(module.call(input), input);
      assert.ok(same(input, expected), module._get_name());
    }
    // A non-contiguous view is written through to its base.
    const base = torch.randn([4, 4]);
    const expected = F.relu(base.t()).t();
    F.relu(base.t(), true);
    assert.ok(same(base, expected));
  });

  /** Runs body counting the kernel calls it makes: conv2d (and those with an epilogue) and batchNormInference. */
  function countingKernels<T>(body: () => T): { result: T; conv2d: number; scaled: number; relu: number; residual: number; batchNorm: number; binary: number } {
    const k = kernels();
    const counts = { conv2d: 0, scaled: 0, relu: 0, residual: 0, batchNorm: 0, binary: 0 };
    setKernels({
      ...k,
      conv2d(p) { counts.conv2d++; if (p.scale) counts.scaled++; if (p.relu) counts.relu++; if (p.residual) counts.residual++; k.conv2d(p); },
      binary(...args) { counts.binary++; k.binary(...args); },
      batchNormInference(...args) { counts.batchNorm++; k.batchNormInference(...args); },
    });
    try { return { result: body(), ...counts }; } finally { setKernels(k); }
  }

  /** A ResNet basic block calling its modules one by one, as torchvision's does. */
  class Block extends nn.Module {
    declare conv1: nn.Conv2d; declare bn1: nn.BatchNorm2d; declare relu: nn.ReLU; declare conv2: nn.Conv2d; declare bn2: nn.BatchNorm2d;
    constructor(c: number) {
      super();
      this.conv1 = new nn.Conv2d(c, c, 3, { padding: 1, bias: false });
      this.bn1 = statefulBatchNorm(c);
      this.relu = new nn.ReLU({ inplace: true });
      this.conv2 = new nn.Conv2d(c, c, 3, { padding: 1 });
      this.bn2 = statefulBatchNorm(c);
    }
    override forward(x: Tensor): Tensor {
      const out = this.bn2.call(this.conv2.call(this.relu.call(this.bn1.call(this.conv1.call(x)))));
      return this.relu.call(out.add(x));
    }
  }

  /** The block's result through unfused steps: clone() reads each convolution's result before batch-norm sees it. */
  function unfusedBlock(b: Block, x: Tensor): Tensor {
    const y = F.relu(b.bn1.call(b.conv1.call(x).clone()));
    return F.relu(b.bn2.call(b.conv2.call(y).clone()).add(x));
  }

  it('eval-mode Conv2d → BatchNorm2d → ReLU fold into one convolution in any forward, Sequential or a block calling them one by one', () => {
    const block = new Block(6).eval();
    const x = torch.randn([2, 6, 9, 9]);
    const fused = countingKernels(() => block.call(x).clone());
    assert.deepEqual([fused.conv2d, fused.scaled, fused.relu, fused.residual, fused.batchNorm, fused.binary], [2, 2, 2, 1, 0, 0],
      'both batch-norms, the residual add and both ReLUs folded');
    assertClose(fused.result, unfusedBlock(block, x), 'block');

    for (const [convArgs, relu] of [[{ padding: 1 }, true], [{ stride: 2, bias: false }, true], [{ groups: 2, dilation: 2 }, false]] as const) {
      const conv = new nn.Conv2d(4, 6, 3, convArgs);
      const layers: nn.Module[] = [conv, statefulBatchNorm(6)];
      if (relu) layers.push(new nn.ReLU({ inplace: true }));
      layers.push(new nn.MaxPool2d(2));
      const model = new nn.Sequential(...layers).eval();
      const weightBefore = conv.weight.clone();
      const input = torch.randn([2, 4, 11, 11]);
      const run = countingKernels(() => model.call(input).clone());
      assert.deepEqual([run.scaled, run.relu, run.batchNorm], [1, relu ? 1 : 0, 0], JSON.stringify(convArgs));
      assert.ok(same(conv.weight, weightBefore), 'the convolution weight is unchanged');
      const bn = layers[1] as nn.BatchNorm2d;
      let reference = F.batch_norm(conv.call(input).clone(), bn.running_mean, bn.running_var, bn.weight, bn.bias, false, 0.1, bn.eps);
      if (relu) reference = F.relu(reference);
      assertClose(run.result, F.max_pool2d(reference, 2) as Tensor, JSON.stringify(convArgs));
    }
  });

  it('float64 folds too; training mode and a subclassed batch-norm still run batch-norm', () => {
    const conv = new nn.Conv2d(3, 5, 3, { dtype: 'float64' }), bn = statefulBatchNorm(5, 'float64');
    const x = torch.randn([2, 3, 7, 7], { dtype: 'float64' });
    const model = new nn.Sequential(conv, bn, new nn.ReLU()).eval();
    const fused = countingKernels(() => model.call(x).clone());
    assert.deepEqual([fused.scaled, fused.relu, fused.batchNorm], [1, 1, 0]);
    assert.equal(fused.result.dtype, 'float64');
    assertClose(fused.result, F.relu(bn.call(conv.call(x).clone())), 'float64');

    // A reshaped view of the result has other channels: batch-norm runs as itself.
    const y = F.conv2d(torch.randn([2, 4, 5, 5]), torch.randn([4, 4, 3, 3]));
    const bn1d = statefulBatchNorm(12);
    const reshaped = countingKernels(() => F.batch_norm(y.reshape([2, 12, 3]), bn1d.running_mean, bn1d.running_var, bn1d.weight, bn1d.bias).clone());
    assert.deepEqual([reshaped.scaled, reshaped.batchNorm], [0, 1], 'not folded across a reshape');
    assertClose(reshaped.result, F.batch_norm(y.clone().reshape([2, 12, 3]), bn1d.running_mean, bn1d.running_var, bn1d.weight, bn1d.bias), 'reshaped');

    model.train();
    const trained = countingKernels(() => model.call(x).clone());
    assert.equal(trained.scaled, 0, 'batch statistics are not folded');
    assert.equal(Number(bn.num_batches_tracked!.item()), 1, 'BatchNorm2d ran and counted the batch');
  });

  it('hooks see every module\'s own output, and the convolution\'s result stays readable after the fold', () => {
    const block = new Block(4).eval();
    const x = torch.randn([1, 4, 8, 8]);
    const outputs = new Map<string, Tensor>();
    const handles = [...block.named_children()].map(([name, m]) =>
      m.register_forward_hook((_m: nn.Module, _args: unknown, out: Tensor) => { if (!outputs.has(name)) outputs.set(name, out); }));
    const result = countingKernels(() => block.call(x).clone());
    for (const h of handles) h.remove();
    assert.equal(result.batchNorm, 0, 'hooks that only keep outputs do not stop the fold');
    assertClose(result.result, unfusedBlock(block, x), 'block with hooks');
    // Read after the fold: the convolution's own output is computed unfused, the batch-norm's with the fold.
    assertClose(outputs.get('conv1')!, F.conv2d(x, block.conv1.weight, null, 1, 1), 'conv1 output read late');
    const bn1 = block.bn1;
    // bn1's output went through the in-place ReLU after its hook, as in PyTorch.
    const bn1Output = F.batch_norm(outputs.get('conv1')!.clone(), bn1.running_mean, bn1.running_var, bn1.weight, bn1.bias);
    assertClose(outputs.get('bn1')!, F.relu(bn1Output), 'bn1 output');
  });

  it('a deferred convolution computes from its operands as they were at the call: later writes are not seen', () => {
    const conv = new nn.Conv2d(3, 4, 3, { padding: 1 }), bn = statefulBatchNorm(4);
    bn.eval();
    const x = torch.randn([1, 3, 6, 6]);
    const expectedConv = F.conv2d(x, conv.weight, conv.bias, 1, 1).clone();
    const expectedBn = F.relu(bn.call(expectedConv.clone()));
    const y = conv.call(x), z = F.relu(bn.call(y), true);
    // Writes to every operand before anything is read: in-place ops, load_state_dict, init, a write through view(dtype).
    x.add_(1);
    x.view('int32').fill_(0);
    conv.load_state_dict(new Map([['weight', torch.zeros([4, 3, 3, 3])], ['bias', torch.ones([4])]]));
    bn.running_mean!.fill_(100);
    assertClose(z, expectedBn, 'the folded result');
    assert.ok(same(y, expectedConv), 'the convolution result it was folded from');

    // In-place ReLU on a result another waiting convolution reads: that one sees the values before ReLU.
    const input = torch.randn([1, 2, 5, 5]), weight = torch.randn([2, 2, 3, 3]);
    const aBefore = F.conv2d(input, weight).clone();
    const a = F.conv2d(input, weight);
    const b = F.conv2d(a, torch.ones([3, 2, 1, 1]));
    assert.equal(F.relu(a, true), a);
    assert.ok(same(a, F.relu(aBefore)));
    assertClose(b, aBefore.sum(1, true).expand([1, 3, 3, 3]), 'reads the values before the in-place ReLU');
  });

  it('a residual add folds in either order and in place (+=); what cannot fold still adds correctly', () => {
    const conv = new nn.Conv2d(3, 3, 3, { padding: 1 });
    const x = torch.randn([2, 3, 5, 5]), r = torch.randn([2, 3, 5, 5]);
    const expected = F.conv2d(x, conv.weight, conv.bias, 1, 1).clone().add(r);
    for (const [what, compute] of [
      ['conv + r', () => conv.call(x).add(r)],
      ['r + conv', () => torch.add(r, conv.call(x))],
      ['conv += r', () => conv.call(x).add_(r)],
    ] as const) {
      const run = countingKernels(() => compute().clone());
      assert.deepEqual([run.residual, run.binary], [1, 0], what);
      assertClose(run.result, expected, what);
    }
    // Not folded: alpha, broadcasting, a result added to itself, an in-place add on a result another waiting op reads.
    for (const [what, compute, reference] of [
      ['alpha 2', () => conv.call(x).add(r, { alpha: 2 }), () => expected.add(r)],
      ['broadcast', () => conv.call(x).add(r.narrow(0, 0, 1)), () => expected.sub(r).add(r.narrow(0, 0, 1))],
      ['y + y', () => { const y = conv.call(x); return y.add(y); }, () => expected.sub(r).mul(2)],
    ] as const) {
      const run = countingKernels(() => compute().clone());
      assert.equal(run.residual, 0, what);
      assertClose(run.result, reference(), what);
    }
    const y = conv.call(x);
    const reader = F.conv2d(y, torch.ones([1, 3, 1, 1]));
    y.add_(r);
    assertClose(y, expected, 'y += r while another op waits on y');
    assertClose(reader, expected.sub(r).sum(1, true), 'that op saw y before the add');
    // The residual operand is held like any other: writing it afterwards changes nothing.
    const z = conv.call(x).add(r);
    r.mul_(0);
    assertClose(z, expected, 'residual written after the add');
  });

  it('torch.relu, Tensor.relu and Tensor.relu_ fold like F.relu', () => {
    const x = torch.randn([1, 2, 6, 6]), w = torch.randn([3, 2, 3, 3]);
    const expected = F.relu(F.conv2d(x, w).clone());
    for (const [what, compute] of [
      ['torch.relu', () => torch.relu(F.conv2d(x, w))],
      ['Tensor.relu', () => F.conv2d(x, w).relu()],
      ['Tensor.relu_', () => { const y = F.conv2d(x, w); assert.equal(y.relu_(), y); return y; }],
    ] as const) {
      const run = countingKernels(() => compute().clone());
      assert.equal(run.relu, 1, what);
      assert.ok(same(run.result, expected), what);
    }
  });

  it('max_pool2d of a waiting convolution pools its result at once; the same values, any pooling geometry, batched or not', () => {
    const conv = new nn.Conv2d(3, 4, 3, { padding: 1 }), bn = statefulBatchNorm(4);
    bn.eval();
    for (const [dtype, shape] of [['float32', [2, 3, 9, 10]], ['float32', [3, 9, 10]], ['float64', [1, 3, 8, 8]]] as const) {
      const c = dtype === 'float64' ? new nn.Conv2d(3, 4, 3, { padding: 1, dtype }) : conv;
      const b = dtype === 'float64' ? statefulBatchNorm(4, dtype).eval() : bn;
      const x = torch.randn([...shape], { dtype });
      const stage = () => F.relu(shape.length === 4 ? b.call(c.call(x)) : c.call(x), true); // BatchNorm2d needs a batch
      for (const [kernel, pool] of [[3, { stride: 2, padding: 1 }], [2, {}], [3, { stride: 2, ceil_mode: true, dilation: 2 }]] as const) {
        const expected = F.max_pool2d(stage().clone(), kernel, pool) as Tensor;
        const run = countingKernels(() => {
          const pooled = F.max_pool2d(stage(), kernel, pool) as Tensor;
          assert.ok(pooled.storage.deferredOp !== null, 'the pooling waits with the convolution');
          return pooled.clone();
        });
        assert.deepEqual([run.conv2d, run.relu], [1, 1], `${dtype} ${shape} ${kernel} ${JSON.stringify(pool)}`);
        assert.ok(same(run.result, expected), `${dtype} ${shape} ${kernel} ${JSON.stringify(pool)}: the same values`);
      }
      // The pooled convolution's own result stays readable; with indices the pooling runs as itself.
      const y = stage();
      const pooled = F.max_pool2d(y, 2) as Tensor;
      assert.ok(same(pooled, F.max_pool2d(stage().clone(), 2) as Tensor));
      assert.ok(same(y, stage().clone()), 'the convolution result read after its pooling');
      const [values, indices] = F.max_pool2d(stage(), 2, { return_indices: true }) as [Tensor, Tensor];
      assert.ok(same(values, pooled) && indices.dtype === 'int64');
    }
  });

  it('a deferred convolution checks the memory cap at the call', () => {
    const x = torch.randn([1, 1, 64, 64]), w = torch.randn([16, 1, 3, 3]);
    setAllocationCap(getAllocatedBytes() + 1024);
    try {
      assert.throws(() => F.conv2d(x, w), /would exceed the engine's memory cap/);
    } finally { setAllocationCap(Infinity); }
  });
});
