// torch.Tensor's Python surface in the shim: operators, indexing, views, metadata objects, conversions to
// Python, float/int/bool semantics of Python scalars, and the torch namespace (factories, no_grad, dtypes,
// devices, unknown names). Expected values are PyTorch 2.x's.
import * as assert from 'node:assert/strict';
import { EngineHarness, pythonResults } from './shim-harness';

const SCRIPT = String.raw`
import torch
import torch.nn as nn

x = torch.arange(6).reshape(2, 3)
f = torch.arange(6, dtype=torch.float32).reshape(2, 3)
R["shape"] = [repr(f.shape), f.size(), f.size(1), f.size(-1), f.dim(), f.ndim, f.numel(), len(f)]
R["dtype"] = [repr(f.dtype), repr(x.dtype), f.dtype.is_floating_point, x.dtype.is_floating_point, f.dtype.itemsize,
              torch.float is torch.float32, torch.long is torch.int64, f.dtype == torch.float32]
R["device"] = [repr(f.device), str(f.device), repr(torch.device("cuda:0")), f.is_cuda, f.to("cuda") is f, f.cuda() is f,
               f.cpu() is f, repr(f.to(torch.device("cpu")).device)]
R["isinstance"] = [isinstance(f, torch.Tensor), isinstance(nn.Parameter(f), torch.Tensor), isinstance(nn.Parameter(f), nn.Parameter),
                   isinstance(x, torch.LongTensor), isinstance(f, torch.LongTensor), torch.is_tensor(f)]
R["python_scalars"] = [repr(torch.full((2,), 2.0).dtype), repr(torch.full((2,), 2).dtype), repr(torch.full((2,), True).dtype),
                       repr((x * 2.0).dtype), repr((x * 2).dtype), repr((x + True).dtype), repr(torch.tensor(3.0).dtype),
                       repr(torch.tensor([1, 2]).dtype), repr(torch.tensor([True]).dtype), repr((x / 2).dtype),
                       repr(torch.tensor([1.5, 2.0]))]
R["operators"] = [(f + 1).tolist(), (1 + f).tolist(), (10 - f).tolist(), (f - 1).tolist(), (2 * f).tolist(),
                  (f / 2).tolist(), (1 / (f + 1)).tolist()[0], (x // 2).tolist(), (x % 4).tolist(), (x ** 2).tolist(),
                  (2 ** x).tolist(), (-f).tolist(), abs(-f).tolist()]
m = torch.ones(3, 2)
R["matmul"] = [(f @ m).tolist(), f.matmul(m).shape == (2, 2), (f.T @ f).shape]
c = x > 2
R["compare"] = [c.tolist(), repr(c.dtype), (x == 3).tolist(), (x != 3).tolist(), (x <= 1).tolist(), (c & (x < 5)).tolist(),
                (c | (x == 0)).tolist(), (~c).tolist(), x == None, (x >= 4).any().item(), (x >= 0).all().item()]
y = torch.zeros(2, 3)
same = y
y += 1
y *= 3.0
y -= torch.ones(3)
y.add_(1, alpha=2)
y /= 2
R["inplace"] = [y.tolist(), y is same]
t = torch.arange(24).reshape(2, 3, 4)
R["getitem"] = [t[0].shape, t[1, 2].tolist(), t[:, 1].shape, t[..., 1].shape, t[None].shape, t[:, None, :, 2].shape,
                t[0, ::2].tolist(), t[-1, -1, -1].item(), t[t > 20].tolist(), t[[0, 1], [1, 2]].tolist(),
                t[:, [0, 2]].shape, t[torch.tensor([1, 0])].shape, t[0, 1:3, 1:3].tolist(), t[:, -1, :].shape,
                t[True].shape]
u = torch.zeros(2, 3)
u[0] = 1.5
u[1, 1:] = torch.tensor([7.0, 8.0])
u[u == 0] = -1
u[:, 0] += 10
R["setitem"] = u.tolist()
v = torch.arange(12).view(3, 4)
R["views"] = [v.view(-1).shape, v.view(2, 6).shape, v.reshape(4, 3).shape, v.permute(1, 0).shape, v.transpose(0, 1).shape,
              v.t().is_contiguous(), v.t().contiguous().is_contiguous(), v.unsqueeze(0).shape, v.flatten().shape,
              v.view(3, 2, 2).squeeze().shape, v.transpose(0, 1).contiguous().view(-1).tolist()[:4], v.T.shape,
              v.expand(2, 3, 4).shape, v.view((2, 6)).shape, v.view(torch.Size([6, 2])).shape]
R["split"] = [[p.shape for p in v.split(2, dim=1)], [p.shape for p in v.chunk(3)], len(torch.split(v, [1, 2])),
              [p.tolist() for p in v.unbind(0)][0]]
mask = torch.tensor([[True, False, True, False]] * 3)
R["masked_fill"] = [v.float().masked_fill(mask, float("-inf")).tolist()[0], v.masked_fill(~mask, 0).tolist()[1],
                    v.float().masked_fill(mask == 0, -1e9).tolist()[0]]
R["conversions"] = [torch.tensor(2.5).item(), type(torch.tensor(2.0).item()).__name__, type(torch.tensor(2).item()).__name__,
                    torch.tensor(True).item(), float(torch.tensor(3)), int(torch.tensor(3.7)), [1, 2, 3][torch.tensor(1)],
                    bool(torch.tensor([1])), f.tolist(), type(f.tolist()[0][0]).__name__, x.float().dtype == torch.float32,
                    repr(f.long().dtype), repr(f.to(torch.float64).dtype), repr(f.double().dtype), repr(f.half().dtype),
                    repr(x.to(float).dtype), f.type(), repr(f.type(torch.int32).dtype), repr(f.to(dtype=torch.int8).dtype),
                    f"{torch.tensor(0.5):.2f}"]
R["iteration"] = [[r.tolist() for r in x], list(range(3))[torch.tensor(2)], torch.tensor([1, 2]).tolist() == [1, 2]]
errors = {}
for name, fn in [("bool", lambda: bool(f)), ("len0", lambda: len(torch.tensor(1.0))), ("index", lambda: [1][torch.tensor(0.0)]),
                 ("view", lambda: v.t().view(-1)), ("attr", lambda: f.no_such_method), ("fft", lambda: torch.fft),
                 ("backward", lambda: f.sum().backward()), ("F", lambda: torch.nn.functional.no_such_fn)]:
    try:
        fn()
        errors[name] = None
    except Exception as e:
        errors[name] = [type(e).__name__, str(e)]
R["errors"] = errors
R["repr"] = [repr(torch.tensor([1.0, 2.5])), str(torch.tensor([1, 2])), repr(nn.Parameter(torch.zeros(2))),
             repr(torch.zeros(2, dtype=torch.float64))]
R["factories"] = [torch.zeros(2, 3).shape, torch.ones((2,)).tolist(), torch.zeros(size=(1, 2)).shape, torch.eye(2).tolist(),
                  torch.arange(0, 5, 2).tolist(), torch.linspace(0, 1, 3).tolist(), torch.empty(3).shape,
                  torch.full((1,), 7).tolist(), torch.zeros_like(f).shape, torch.ones_like(x).dtype == torch.int64,
                  torch.cat([f, f], dim=0).shape, torch.stack([f, f]).shape, torch.randn(2, 3).shape,
                  torch.randint(0, 5, (3,)).dtype == torch.int64, torch.tril(torch.ones(2, 2)).tolist(),
                  torch.tensor([[1, 2], [3, 4]]).sum(dim=1, keepdim=True).tolist(), torch.Tensor(2, 3).shape,
                  torch.Tensor([1, 2]).dtype == torch.float32, torch.LongTensor([1, 2]).dtype == torch.int64,
                  torch.where(x > 2, x, -x).tolist(), torch.max(f, dim=1).indices.tolist(), torch.max(f, 1)[0].tolist()]
R["grad_modes"] = []
with torch.no_grad():
    R["grad_modes"].append(torch.is_grad_enabled())
R["grad_modes"].append(torch.is_grad_enabled())

@torch.no_grad()
def decorated():
    return torch.is_grad_enabled()

@torch.inference_mode()
def inference():
    return torch.is_grad_enabled()

R["grad_modes"] += [decorated(), inference(), torch.is_grad_enabled()]
torch.set_grad_enabled(False)
R["grad_modes"].append(torch.is_grad_enabled())
torch.set_grad_enabled(True)
p = nn.Parameter(torch.ones(2))
R["parameter"] = [p.requires_grad, nn.Parameter(torch.ones(1), requires_grad=False).requires_grad, type(p).__name__,
                  type(p * 2).__name__, p.grad is None, p.is_leaf, repr(p.data.dtype), type(p.data).__name__]
R["misc"] = [torch.Size([2, 3]).numel(), repr(torch.Size([2, 3])), repr(torch.finfo(torch.float32).eps),
             torch.iinfo(torch.int8).max, torch.cuda.is_available(), torch.backends.mps.is_available(),
             torch.get_default_dtype() is torch.float32, torch.jit.script(len) is len, torch.compile(len) is len,
             repr(torch.promote_types(torch.int64, torch.float16)), torch.__version__.startswith("2."),
             hasattr(torch.nn.functional, "scaled_dot_product_attention"), torch.manual_seed(3) is not None]
`;

describe('torch shim: Tensor and the torch namespace', function () {
  this.timeout(120_000);
  let engine: EngineHarness;
  let R: Record<string, any>;

  before(async () => {
    engine = await EngineHarness.start();
    R = await pythonResults(engine, SCRIPT);
  });
  after(() => engine?.dispose());

  it('shape, size(), dim(), numel(), len() and torch.Size', () => {
    assert.deepEqual(R.shape, ['torch.Size([2, 3])', [2, 3], 3, 3, 2, 2, 6, 2]);
  });

  it('dtypes are torch.float32-style singletons with their properties', () => {
    assert.deepEqual(R.dtype, ['torch.float32', 'torch.int64', true, false, 4, true, true, true]);
  });

  it('devices are accepted: cuda maps to the CPU engine, .to()/.cuda()/.cpu() return the tensor', () => {
    assert.deepEqual(R.device, ["device(type='cpu')", 'cpu', "device(type='cuda', index=0)", false, true, true, true, "device(type='cpu')"]);
  });

  it('isinstance(x, torch.Tensor), nn.Parameter and the legacy tensor types', () => {
    assert.deepEqual(R.isinstance, [true, true, true, true, false, true]);
  });

  it('integral Python floats keep float semantics; bools and ints keep theirs', () => {
    assert.deepEqual(R.python_scalars, ['torch.float32', 'torch.int64', 'torch.bool', 'torch.float32', 'torch.int64', 'torch.int64',
      'torch.float32', 'torch.int64', 'torch.bool', 'torch.float32', 'tensor([1.5000, 2.0000])']);
  });

  it('arithmetic operators, reflected forms, unary minus and abs()', () => {
    const [add, radd, rsub, sub, rmul, div, rdiv, floordiv, mod, pow, rpow, neg, abs] = R.operators;
    assert.deepEqual(add, [[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(radd, add);
    assert.deepEqual(rsub, [[10, 9, 8], [7, 6, 5]]);
    assert.deepEqual(sub, [[-1, 0, 1], [2, 3, 4]]);
    assert.deepEqual(rmul, [[0, 2, 4], [6, 8, 10]]);
    assert.deepEqual(div, [[0, 0.5, 1], [1.5, 2, 2.5]]);
    assert.deepEqual(rdiv, [1, 0.5, 1 / 3].map((v) => Math.fround(v)));
    assert.deepEqual(floordiv, [[0, 0, 1], [1, 2, 2]]);
    assert.deepEqual(mod, [[0, 1, 2], [3, 0, 1]]);
    assert.deepEqual(pow, [[0, 1, 4], [9, 16, 25]]);
    assert.deepEqual(rpow, [[1, 2, 4], [8, 16, 32]]);
    assert.deepEqual(neg, [[-0, -1, -2], [-3, -4, -5]]);
    assert.deepEqual(abs, [[0, 1, 2], [3, 4, 5]]);
  });

  it('@ and matmul', () => {
    assert.deepEqual(R.matmul, [[[3, 3], [12, 12]], true, [3, 3]]);
  });

  it('comparisons give bool tensors; &, |, ~ combine them; == None is False', () => {
    assert.deepEqual(R.compare, [[[false, false, false], [true, true, true]], 'torch.bool', [[false, false, false], [true, false, false]],
      [[true, true, true], [false, true, true]], [[true, true, false], [false, false, false]], [[false, false, false], [true, true, false]],
      [[true, false, false], [true, true, true]], [[true, true, true], [false, false, false]], false, true, true]);
  });

  it('in-place operators write into the same tensor (+=, *=, -=, add_(alpha=), /=)', () => {
    assert.deepEqual(R.inplace, [[[2, 2, 2], [2, 2, 2]], true]);
  });

  it('__getitem__ with ints, slices, None, Ellipsis, bool masks, tensors and lists', () => {
    assert.deepEqual(R.getitem, [[3, 4], [20, 21, 22, 23], [2, 4], [2, 3], [1, 2, 3, 4], [2, 1, 3], [[0, 1, 2, 3], [8, 9, 10, 11]], 23,
      [21, 22, 23], [[4, 5, 6, 7], [20, 21, 22, 23]], [2, 2, 4], [2, 3, 4], [[5, 6], [9, 10]], [2, 4], [1, 2, 3, 4]]);
  });

  it('__setitem__ with scalars, tensors, masks and in-place on a view', () => {
    assert.deepEqual(R.setitem, [[11.5, 1.5, 1.5], [9, 7, 8]]);
  });

  it('view, reshape, permute, transpose, contiguous, squeeze/unsqueeze, expand, .T', () => {
    assert.deepEqual(R.views, [[12], [2, 6], [4, 3], [4, 3], [4, 3], false, true, [1, 3, 4], [12], [3, 2, 2], [0, 4, 8, 1], [4, 3],
      [2, 3, 4], [2, 6], [6, 2]]);
  });

  it('split, chunk, torch.split and unbind return tuples of tensors', () => {
    assert.deepEqual(R.split, [[[3, 2], [3, 2]], [[1, 4], [1, 4], [1, 4]], 2, [0, 1, 2, 3]]);
  });

  it('masked_fill with -inf, 0 and an integral float', () => {
    assert.deepEqual(R.masked_fill, [['-Infinity', 1, '-Infinity', 3].map((v) => (v === '-Infinity' ? null : v)), [4, 0, 6, 0], [0, -1e9, 2, -1e9]]);
  });

  it('item(), tolist(), float()/int()/__index__/bool and dtype conversions', () => {
    assert.deepEqual(R.conversions, [2.5, 'float', 'int', true, 3, 3, 2, true, [[0, 1, 2], [3, 4, 5]], 'float', true, 'torch.int64',
      'torch.float64', 'torch.float64', 'torch.float16', 'torch.float64', 'torch.FloatTensor', 'torch.int32', 'torch.int8', '0.50']);
  });

  it('iteration over rows and tensors as list indices', () => {
    assert.deepEqual(R.iteration, [[[0, 1, 2], [3, 4, 5]], 2, true]);
  });

  it('errors have PyTorch types and name what Torch Explorer lacks', () => {
    const e = R.errors;
    assert.deepEqual(e.bool, ['RuntimeError', 'Boolean value of Tensor with more than one value is ambiguous']);
    assert.deepEqual(e.len0, ['TypeError', 'len() of a 0-d tensor']);
    assert.deepEqual(e.index, ['TypeError', 'only integer tensors of a single element can be converted to an index']);
    assert.equal(e.view[0], 'RuntimeError');
    assert.match(e.view[1], /view size is not compatible/);
    assert.deepEqual(e.attr, ['AttributeError', "'Tensor' object has no attribute 'no_such_method'"]);
    assert.deepEqual(e.fft, ['AttributeError', "torch.fft is not supported by Torch Explorer's engine"]);
    assert.equal(e.backward[0], 'RuntimeError');
    assert.deepEqual(e.F, ['AttributeError', "torch.nn.functional.no_such_fn is not supported by Torch Explorer's engine"]);
  });

  it('repr is the engine\'s printing (tensor(...), Parameter containing:)', () => {
    assert.deepEqual(R.repr, ['tensor([1.0000, 2.5000])', 'tensor([1, 2])', 'Parameter containing:\ntensor([0., 0.], requires_grad=True)',
      'tensor([0., 0.], dtype=torch.float64)']);
  });

  it('factories and namespace functions bind PyTorch\'s signatures', () => {
    assert.deepEqual(R.factories, [[2, 3], [1, 1], [1, 2], [[1, 0], [0, 1]], [0, 2, 4], [0, 0.5, 1], [3], [7], [2, 3], true, [4, 3], [2, 2, 3],
      [2, 3], true, [[1, 0], [1, 1]], [[3], [7]], [2, 3], true, true, [[0, -1, -2], [3, 4, 5]], [2, 2], [2, 5]]);
  });

  it('torch.no_grad / inference_mode as context managers and decorators; set_grad_enabled', () => {
    assert.deepEqual(R.grad_modes, [false, true, false, false, true, false]);
  });

  it('nn.Parameter: requires_grad, subclass of Tensor, results of ops are plain tensors', () => {
    assert.deepEqual(R.parameter, [true, false, 'Parameter', 'Tensor', true, true, 'torch.float32', 'Tensor']);
  });

  it('Size, finfo/iinfo, cuda/mps availability, jit/compile identities, promote_types, version', () => {
    assert.deepEqual(R.misc, [6, 'torch.Size([2, 3])', '1.1920928955078125e-07', 127, false, false, true, true, true, 'torch.float16', true, true, true]);
  });
});
