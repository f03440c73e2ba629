// nn.Module in the shim: the module tree lives in the engine (Python __setattr__/__delattr__/register_*
// mirror into it), engine layers expose their attributes, Python subclasses of engine layers override
// forward/extra_repr, containers index like Python, hooks, deepcopy, apply, modes, and error messages.
import * as assert from 'node:assert/strict';
import { EngineHarness, pythonResults } from './shim-harness';

const SCRIPT = String.raw`
import copy
import traceback
from collections import OrderedDict
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


class Tied(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 4)
        self.head = nn.Linear(4, 10, bias=False)
        self.head.weight = self.emb.weight
        self.scale = nn.Parameter(torch.ones(1))
        self.register_buffer("steps", torch.zeros((), dtype=torch.long))
        self.register_buffer("cache", torch.zeros(2), persistent=False)
        self.plain = 5
        self.maybe = None

    def forward(self, idx):
        return self.head(self.emb(idx)) * self.scale


t = Tied()
R["tying"] = [t.head.weight is t.emb.weight, len(list(t.parameters())), len(list(t.named_parameters(remove_duplicate=False))),
              [n for n, _ in t.named_parameters()], list(t.state_dict()), [n for n, _ in t.named_buffers()], t.plain,
              t.maybe, "plain" in t.__dict__, "emb" in t.__dict__, hasattr(t, "emb"), hasattr(t, "nope"),
              sorted(k for k in dir(t) if k in ("emb", "head", "scale", "steps")), list(t._modules), type(t._parameters).__name__]
t.extra = nn.ReLU()
del t.extra
t.head = nn.Linear(4, 10)
t.maybe = nn.Identity()
t.maybe = None
R["mutation"] = [[n for n, _ in t.named_modules()], "extra" in dir(t), repr(t)]

conv = nn.Conv2d(3, 6, 3, stride=2, padding=1, bias=False)
bn = nn.BatchNorm2d(6, momentum=None)
R["engine_attributes"] = [conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding, conv.bias,
                          list(conv.weight.shape), conv.groups, bn.momentum, bn.eps, nn.LayerNorm(8).normalized_shape,
                          nn.Dropout(0.25).p, repr(nn.Hardtanh(-2.0, 2.0).max_val), nn.Linear(3, 2).in_features,
                          conv.padding_mode, type(conv.weight).__name__, nn.Dropout().inplace]
relu = nn.ReLU()
relu.inplace = True
conv.tag = "stem"
holder = nn.Sequential(conv, relu)
R["engine_set"] = [repr(relu), [getattr(m, "tag", None) for m in holder.modules()], holder[0] is conv]


class DoubleConv(nn.Conv2d):
    def forward(self, x):
        return super().forward(x) * 2

    def extra_repr(self):
        return super().extra_repr() + ", doubled=True"


torch.manual_seed(0)
dc = DoubleConv(1, 1, 1, bias=False)
x = torch.ones(1, 1, 2, 2)
R["leaf_subclass"] = [repr(dc), isinstance(dc, nn.Conv2d), type(dc).__name__, (dc(x) / F.conv2d(x, dc.weight)).tolist(),
                      repr(nn.Sequential(dc)).splitlines()[1].strip(), dc._get_name()]


class ConvBNAct(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))
        self.out_channels = cout


cba = ConvBNAct(3, 4)
R["sequential_subclass"] = [repr(cba).splitlines()[0], [type(m).__name__ for m in cba.modules()], cba.out_channels,
                            list(cba(torch.zeros(1, 3, 5, 5)).shape), len(cba), isinstance(cba, nn.Sequential)]

seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
seq.append(nn.Sigmoid())
ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
ml.append(nn.ReLU())
ml.extend([nn.Tanh()])
ml.insert(0, nn.Identity())
md = nn.ModuleDict({"b": nn.ReLU(), "a": nn.Tanh()})
md["c"] = nn.GELU()
md.update({"d": nn.SiLU()})
pl = nn.ParameterList([nn.Parameter(torch.ones(2)), nn.Parameter(torch.zeros(3))])
pd = nn.ParameterDict({"z": nn.Parameter(torch.ones(1)), "a": nn.Parameter(torch.zeros(1))})
od = nn.Sequential(OrderedDict([("conv", nn.Conv1d(1, 1, 1)), ("act", nn.ReLU())]))
R["containers"] = [type(seq[0]).__name__, type(seq[-1]).__name__, type(seq[1:]).__name__, len(seq[1:]), len(seq),
                   [type(m).__name__ for m in seq], list(seq(torch.zeros(4, 2)).shape),
                   [type(m).__name__ for m in ml], len(ml), type(ml[1:3]).__name__,
                   list(md.keys()), [k for k in md], "c" in md, type(md["a"]).__name__, [type(v).__name__ for v in md.values()],
                   len(pl), [list(p.shape) for p in pl], list(pd.keys()), "z" in pd, list(pd["z"].shape),
                   [n for n, _ in od.named_children()], type(od.conv).__name__]


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x, scale=1.0):
        if self.training:
            return self.fc(x) * scale
        return self.fc(x)


class Outer(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.Sequential(Block(), nn.ReLU(), Block())
        self.tag = "outer"

    def forward(self, x):
        return {"out": self.blocks(x), "n": 2}


o = Outer()
seen = []
handles = [m.register_forward_hook(lambda mod, args, out: seen.append((type(mod).__name__, list(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__)))
           for m in o.modules()]
pre = []
o.register_forward_pre_hook(lambda mod, args: pre.append(len(args)))
result = o(torch.zeros(2, 4))
for h in handles:
    h.remove()
o(torch.zeros(2, 4))
R["hooks"] = [list(seen), list(pre), type(result).__name__, sorted(result), list(result["out"].shape), result["n"]]

order = []
o.apply(lambda m: order.append(type(m).__name__))
o.eval()
R["apply_modes"] = [order, [m.training for m in o.modules()], o.train() is o, o.training, o.blocks[0].training]
o.double()
R["to"] = [repr(o.blocks[0].fc.weight.dtype), repr(next(o.parameters()).dtype), o.to(torch.float32) is o,
           repr(o.blocks[0].fc.weight.dtype), o.to("cpu") is o, o.cuda() is o]

o2 = copy.deepcopy(o)
R["deepcopy"] = [type(o2).__name__, o2.tag, o2 is not o, o2.blocks[0].fc.weight is not o.blocks[0].fc.weight,
                 torch.equal(o2.blocks[0].fc.weight, o.blocks[0].fc.weight), repr(o2) == repr(o),
                 list(o2(torch.zeros(1, 4))["out"].shape), type(o2.blocks[0]).__name__]
t2 = copy.deepcopy(t)
R["deepcopy_tied"] = [t2.head.weight is t2.emb.weight or t2.emb.weight is not t.emb.weight, t2.plain]


@dataclass
class Out:
    logits: torch.Tensor
    note: str


class ReturnsDataclass(nn.Module):
    def forward(self, x, *, note="n"):
        return Out(x + 1, note)


rd = ReturnsDataclass()
r = nn.Sequential(rd)(torch.zeros(1))
R["outputs"] = [type(r).__name__, r.note, r.logits.tolist(), rd(torch.zeros(1), note="k").note]

sd = t.state_dict()
t3 = Tied()
res = t3.load_state_dict(sd, strict=False)
t4, t5 = Tied(), Tied()
R["state"] = [repr(res), repr(t5.load_state_dict(t4.state_dict())), torch.equal(t5.emb.weight, t4.emb.weight),
              repr(t3.load_state_dict({}, strict=False))[:40], type(sd).__name__, sd["steps"].dtype == torch.long]

enc = nn.TransformerEncoderLayer(8, 2, 16, activation=F.gelu, batch_first=True)
R["function_args"] = [list(enc(torch.zeros(1, 3, 8)).shape), type(enc.self_attn.out_proj).__name__, isinstance(enc.self_attn.out_proj, nn.Linear)]

torch.manual_seed(0)
lin = nn.Linear(100, 50)
nn.init.constant_(lin.bias, 0.5)
nn.init.kaiming_normal_(lin.weight, mode="fan_out", nonlinearity="relu")
R["init"] = [lin.bias.tolist()[:2], round(lin.weight.std().item(), 1), nn.init.calculate_gain("relu") ** 2]

errors = {}


class Early(nn.Module):
    def __init__(self):
        self.fc = nn.Linear(1, 1)


class Inner(nn.Module):
    def forward(self, x):
        raise ValueError("inner failure")


for name, fn in [("before_init", Early), ("missing", lambda: t.nope), ("param_type", lambda: setattr(t.head, "weight", 3)),
                 ("buffer_exists", lambda: t.register_buffer("plain", torch.zeros(1))),
                 ("not_module", lambda: nn.Sequential(nn.ReLU(), 3)), ("shape", lambda: nn.Linear(3, 2)(torch.zeros(2, 4))),
                 ("inner", lambda: nn.Sequential(nn.ReLU(), Inner())(torch.zeros(1))),
                 ("no_forward", lambda: nn.Module()(torch.zeros(1))), ("unknown_layer", lambda: nn.NoSuchLayer)]:
    try:
        fn()
        errors[name] = None
    except Exception as e:
        errors[name] = [type(e).__name__, str(e), [f.name for f in traceback.extract_tb(e.__traceback__)]]
R["errors"] = errors
`;

describe('torch shim: nn.Module over the engine module tree', function () {
  this.timeout(120_000);
  let engine: EngineHarness;
  let R: Record<string, any>;

  before(async () => {
    engine = await EngineHarness.start();
    R = await pythonResults(engine, SCRIPT);
  });
  after(() => engine?.dispose());

  it('weight tying keeps identity; parameters, buffers and state_dict come from the engine', () => {
    // root's own members first (named_modules pre-order), as PyTorch lists them
    assert.deepEqual(R.tying, [true, 2, 3, ['scale', 'emb.weight'], ['scale', 'steps', 'emb.weight', 'head.weight'], ['steps', 'cache'],
      5, null, true, false, true, false, ['emb', 'head', 'scale', 'steps'], ['emb', 'head'], 'OrderedDict']);
  });

  it('__setattr__/__delattr__ mirror into the engine (replace, delete, None)', () => {
    const [names, hasExtra, repr] = R.mutation;
    assert.deepEqual(names, ['', 'emb', 'head']);
    assert.equal(hasExtra, false);
    assert.equal(repr, 'Tied(\n  (emb): Embedding(10, 4)\n  (head): Linear(in_features=4, out_features=10, bias=True)\n  (maybe): None\n)');
  });

  it('engine layers expose their attributes with Python types (tuples, floats, None)', () => {
    assert.deepEqual(R.engine_attributes, [3, 6, [3, 3], [2, 2], [1, 1], null, [6, 3, 3, 3], 1, null, 1e-5, [8], 0.25, '2.0', 3, 'zeros',
      'Parameter', false]);
  });

  it('setting an engine attribute changes the layer; Python attributes on layers persist', () => {
    assert.deepEqual(R.engine_set, ['ReLU(inplace=True)', [null, 'stem', null], true]);
  });

  it('a Python subclass of an engine layer: its name, forward with super().forward(), extra_repr', () => {
    assert.deepEqual(R.leaf_subclass, ['DoubleConv(1, 1, kernel_size=(1, 1), stride=(1, 1), bias=False, doubled=True)', true, 'DoubleConv',
      [[[[2, 2], [2, 2]]]], '(0): DoubleConv(1, 1, kernel_size=(1, 1), stride=(1, 1), bias=False, doubled=True)', 'DoubleConv']);
  });

  it('a Python subclass of nn.Sequential (torchvision-style block) keeps the engine forward', () => {
    assert.deepEqual(R.sequential_subclass, ['ConvBNAct(', ['ConvBNAct', 'Conv2d', 'BatchNorm2d', 'ReLU'], 4, [1, 4, 5, 5], 3, true]);
  });

  it('Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict index, iterate and mutate like Python', () => {
    assert.deepEqual(R.containers, ['Linear', 'Sigmoid', 'Sequential', 3, 4, ['Linear', 'ReLU', 'Linear', 'Sigmoid'], [4, 1],
      ['Identity', 'Linear', 'Linear', 'Linear', 'ReLU', 'Tanh'], 6, 'ModuleList',
      ['b', 'a', 'c', 'd'], ['b', 'a', 'c', 'd'], true, 'Tanh', ['ReLU', 'Tanh', 'GELU', 'SiLU'],
      2, [[2], [3]], ['a', 'z'], true, [1], ['conv', 'act'], 'Conv1d']);
  });

  it('Python forward hooks see every module call (engine layers and Python modules); handles remove them', () => {
    const [seen, pre, type, keys, shape, n] = R.hooks;
    assert.deepEqual(seen, [['Linear', [2, 4]], ['Block', [2, 4]], ['ReLU', [2, 4]], ['Linear', [2, 4]], ['Block', [2, 4]],
      ['Sequential', [2, 4]], ['Outer', 'dict']]);
    assert.deepEqual(pre, [1, 1]);
    assert.deepEqual([type, keys, shape, n], ['dict', ['n', 'out'], [2, 4], 2]);
  });

  it('apply() visits children first; train()/eval() flip the whole tree', () => {
    assert.deepEqual(R.apply_modes, [['Linear', 'Block', 'ReLU', 'Linear', 'Block', 'Sequential', 'Outer'], [false, false, false, false, false, false, false],
      true, true, true]);
  });

  it('module.to()/double() convert parameters in place and Python sees the new dtype', () => {
    assert.deepEqual(R.to, ['torch.float64', 'torch.float64', true, 'torch.float32', true, true]);
  });

  it('copy.deepcopy copies the engine tree and the Python objects', () => {
    assert.deepEqual(R.deepcopy, ['Outer', 'outer', true, true, true, true, [1, 4], 'Block']);
    assert.deepEqual(R.deepcopy_tied, [true, 5]);
  });

  it('forward may take keyword-only arguments and return any Python object, also through engine containers', () => {
    assert.deepEqual(R.outputs, ['Out', 'n', [1], 'k']);
  });

  it('state_dict / load_state_dict between instances', () => {
    assert.deepEqual(R.state, ["_IncompatibleKeys(missing_keys=[], unexpected_keys=['head.bias'])", '<All keys matched successfully>', true,
      "_IncompatibleKeys(missing_keys=['scale',", 'OrderedDict', true]);
  });

  it('torch.nn.functional functions passed as arguments reach the engine as engine functions', () => {
    assert.deepEqual(R.function_args, [[1, 3, 8], 'NonDynamicallyQuantizableLinear', true]);
  });

  it('torch.nn.init acts on the engine parameters', () => {
    assert.deepEqual(R.init, [[0.5, 0.5], 0.2, 2.0000000000000004]);
  });

  it('errors: PyTorch types and messages; Python exceptions in nested forwards keep their type and frames', () => {
    const e = R.errors;
    assert.deepEqual(e.before_init.slice(0, 2), ['AttributeError', 'cannot assign module before Module.__init__() call']);
    assert.deepEqual(e.missing.slice(0, 2), ['AttributeError', "'Tied' object has no attribute 'nope'"]);
    assert.deepEqual(e.param_type.slice(0, 2), ['TypeError', "cannot assign 'int' as parameter 'weight' (torch.nn.Parameter or None expected)"]);
    assert.deepEqual(e.buffer_exists.slice(0, 2), ['KeyError', '"attribute \'plain\' already exists"']);
    assert.equal(e.not_module[0], 'TypeError');
    assert.deepEqual(e.shape.slice(0, 2), ['RuntimeError', 'mat1 and mat2 shapes cannot be multiplied (2x4 and 3x2)']);
    assert.deepEqual(e.inner.slice(0, 2), ['ValueError', 'inner failure']);
    assert.ok(e.inner[2].includes('forward'), `traceback frames: ${e.inner[2]}`);
    assert.deepEqual(e.no_forward.slice(0, 2), ['NotImplementedError', 'Module [Module] is missing the required "forward" function']);
    assert.deepEqual(e.unknown_layer.slice(0, 2), ['AttributeError', "torch.nn.NoSuchLayer is not supported by Torch Explorer's engine"]);
  });
});
