// The ops and modules built on the batch-norm and activation kernels: batch_norm's one-pass form, in-place
// activations, and Sequential's eval-mode Conv2d → BatchNorm2d → ReLU folding. They run on the kernel set
// the environment selects, so the suite covers both sets under TORCH_EXPLORER_KERNELS=ts and =wasm.
import * as assert from 'node:assert/strict';
import { F, nn, torch } from '../../../src/engine';
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

  it('Sequential folds Conv2d → BatchNorm2d → ReLU in eval mode; hooks see each module and give the same result', () => {
    for (const [convArgs, relu] of [[{ padding: 1 }, true], [{ stride: 2, bias: false }, true], [{ groups: 2, dilation: 2 }, false]] as const) {
      const conv = new nn.Conv2d(4, 6, 3, convArgs);
      const layers: nn.Module[] = [conv, statefulBatchNorm(6)];
      if (relu) layers.push(new nn.ReLU({ inplace: true }));
      layers.push(new nn.MaxPool2d(2));
      const model = new nn.Sequential(...layers).eval();
      const weightBefore = conv.weight.clone();
      const x = torch.randn([2, 4, 11, 11]);
      // Count BatchNorm2d forwards to see that the first call folded it away and the hooked one did not.
      const forward = nn.BatchNorm2d.prototype.forward;
      let batchNormForwards = 0;
      nn.BatchNorm2d.prototype.forward = function (this: nn.BatchNorm2d, input: Tensor) { batchNormForwards++; return forward.call(this, input); };
      let fused: Tensor;
      try { fused = model.call(x); } finally { nn.BatchNorm2d.prototype.forward = forward; }
      assert.equal(batchNormForwards, 0, 'folded into the convolution');
      assert.ok(same(conv.weight, weightBefore), 'the convolution weight is unchanged');

      const seen: string[] = [];
      const handle = layers[1].register_forward_hook((m: nn.Module, _args: unknown, out: Tensor) => { seen.push(`${m._get_name()} ${out.shape}`); });
      const unfused = model.call(x);
      handle.remove();
      assert.equal(seen.length, 1, 'the hooked BatchNorm2d ran as a module');
      assertClose(fused, unfused, JSON.stringify(convArgs));
    }
  });

  it('Sequential does not fold in training mode, and a module-wide hook keeps every module visible', () => {
    const model = new nn.Sequential(new nn.Conv2d(2, 3, 1), statefulBatchNorm(3), new nn.ReLU());
    model.train();
    const x = torch.randn([4, 2, 3, 3]);
    model.call(x);
    assert.equal(Number((model.get(1) as nn.BatchNorm2d).num_batches_tracked!.item()), 1, 'BatchNorm2d ran and counted the batch');
    model.eval();
    const names: string[] = [];
    const handle = nn.register_module_forward_hook((m: nn.Module) => { names.push(m._get_name()); });
    try { model.call(x); } finally { handle.remove(); }
    assert.deepEqual(names, ['Conv2d', 'BatchNorm2d', 'ReLU', 'Sequential']);
  });
});
