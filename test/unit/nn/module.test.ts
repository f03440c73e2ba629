// nn.Module's contract against PyTorch's module.py: __setattr__/__getattr__/__delattr__ through the proxy,
// registration checks and messages, traversal order and de-duplication, hooks, apply/train, lookups by
// path, state_dict/load_state_dict edge cases, repr, deepcopy and dtype conversion.
import * as assert from 'node:assert/strict';
import { nn, torch } from '../../../src/engine';
import { Tensor } from '../../../src/engine/tensor';

const names = (it: Iterable<[string, unknown]>) => [...it].map(([n]) => n);
const throwsMsg = (fn: () => unknown, name: string, message: string) =>
  assert.throws(fn, (e: Error) => { assert.equal(e.name, name); assert.equal(e.message, message); return true; });

class Leaf extends nn.Module {
  declare weight: nn.Parameter;
  constructor(n = 2) {
    super();
    this.weight = new nn.Parameter(torch.ones(n));
    this.register_buffer('stat', torch.zeros(n));
  }
  override forward(x: Tensor): Tensor { return x.mul(2); }
}

describe('nn.Module: assignment semantics (__setattr__)', () => {
  it('registers Parameters, Modules and buffers in assignment order', () => {
    class Net extends nn.Module {
      declare b: Leaf;
      a!: Leaf; // `!:` fields are defined before the constructor body and must not shadow the registration
      first = new Leaf(1); // field initialisers register too, before the constructor body runs
      constructor() {
        super();
        this.b = new Leaf();
        this.a = new Leaf();
        (this as any).p = new nn.Parameter(torch.zeros(1));
      }
    }
    const n = new Net();
    assert.deepEqual(names(n.named_children()), ['first', 'b', 'a']);
    assert.deepEqual(names(n.named_parameters()), ['p', 'first.weight', 'b.weight', 'a.weight']);
    assert.ok(n.a instanceof Leaf);
    assert.ok(!Object.prototype.hasOwnProperty.call(n, 'a'), 'a registered module is not an own attribute');
  });

  it('a plain Tensor assigned to a parameter name is a TypeError; None clears it in place', () => {
    const m = new Leaf();
    throwsMsg(() => { (m as any).weight = torch.zeros(2); }, 'TypeError',
      "cannot assign 'torch.FloatTensor' as parameter 'weight' (torch.nn.Parameter or None expected)");
    (m as any).extra = new nn.Parameter(torch.zeros(1));
    (m as any).weight = null;
    assert.deepEqual([...m._parameters.keys()], ['weight', 'extra'], 'the key stays, in its place');
    assert.equal(m.weight, null);
    assert.deepEqual(names(m.named_parameters()), ['extra']);
    assert.deepEqual([...m.state_dict().keys()], ['extra', 'stat']);
  });

  it('a Tensor assigned to a buffer name replaces the buffer; non-tensors are rejected', () => {
    const m = new Leaf();
    const t = torch.ones(3);
    (m as any).stat = t;
    assert.equal(m._buffers.get('stat'), t);
    throwsMsg(() => { (m as any).stat = 5; }, 'TypeError', "cannot assign 'int' as buffer 'stat' (torch.Tensor or None expected)");
    (m as any).stat = null;
    assert.equal((m as any).stat, null);
    assert.deepEqual(names(m.named_buffers()), []);
  });

  it('child modules accept only Modules or None', () => {
    const outer = new nn.Sequential(new Leaf());
    throwsMsg(() => { (outer as any)['0'] = 3; }, 'TypeError', "cannot assign 'int' as child module '0' (torch.nn.Module or None expected)");
    (outer as any)['0'] = null;
    assert.equal(String(outer), 'Sequential(\n  (0): None\n)');
    assert.deepEqual(names(outer.named_modules()), ['']);
  });

  it('re-assigning a name to another kind moves it between the dicts', () => {
    const m = new nn.Module() as any;
    m.x = new Leaf();
    m.x = new nn.Parameter(torch.zeros(1));
    assert.ok(m._parameters.has('x') && !m._modules.has('x'));
    // a parameter name only takes a Parameter or None, even when the new value is a Module
    throwsMsg(() => { m.x = new Leaf(); }, 'TypeError', "cannot assign 'Leaf' as parameter 'x' (torch.nn.Parameter or None expected)");
    m.plain = 3;
    m.plain = new Leaf();
    assert.ok(m._modules.has('plain') && !Object.prototype.hasOwnProperty.call(m, 'plain'));
    m.register_buffer('buf', torch.zeros(1), { persistent: false });
    m.buf = new Leaf();
    assert.ok(!m._buffers.has('buf') && !m._non_persistent_buffers_set.has('buf'));
  });

  it('delete removes from the right dict (__delattr__)', () => {
    const m = new Leaf() as any;
    m.register_buffer('np', torch.zeros(1), false);
    delete m.weight;
    delete m.np;
    assert.deepEqual([...m._parameters.keys()], []);
    assert.deepEqual([...m._buffers.keys()], ['stat']);
    assert.ok(!m._non_persistent_buffers_set.has('np'));
    assert.equal('weight' in m, false);
  });
});

describe('nn.Module: registration checks', () => {
  it('register_parameter / register_buffer / add_module messages', () => {
    const m = new Leaf() as any;
    throwsMsg(() => m.register_parameter('a.b', null), 'KeyError', 'parameter name can\'t contain "."');
    throwsMsg(() => m.register_parameter('', null), 'KeyError', 'parameter name can\'t be empty string ""');
    throwsMsg(() => m.register_parameter('stat', null), 'KeyError', "attribute 'stat' already exists");
    throwsMsg(() => m.register_parameter('p', torch.zeros(1)), 'TypeError',
      "cannot assign 'torch.FloatTensor' object to parameter 'p' (torch.nn.Parameter or None required)");
    throwsMsg(() => m.register_buffer('weight', torch.zeros(1)), 'KeyError', "attribute 'weight' already exists");
    throwsMsg(() => m.register_buffer('x.y', torch.zeros(1)), 'KeyError', 'buffer name can\'t contain "."');
    throwsMsg(() => m.register_buffer('b', 3), 'TypeError', "cannot assign 'int' object to buffer 'b' (torch Tensor or None required)");
    throwsMsg(() => m.add_module('a.b', new Leaf()), 'KeyError', 'module name can\'t contain ".", got: a.b');
    throwsMsg(() => m.add_module('', new Leaf()), 'KeyError', 'module name can\'t be empty string ""');
    throwsMsg(() => m.add_module('weight', new Leaf()), 'KeyError', "attribute 'weight' already exists");
    throwsMsg(() => m.add_module('forward', new Leaf()), 'KeyError', "attribute 'forward' already exists");
    throwsMsg(() => m.add_module('x', 5), 'TypeError', 'int is not a Module subclass');
    m.plain = 1;
    throwsMsg(() => m.register_buffer('plain', torch.zeros(1)), 'KeyError', "attribute 'plain' already exists");
  });

  it('forward without an implementation', () => {
    throwsMsg(() => new nn.Module().call(1), 'NotImplementedError', 'Module [Module] is missing the required "forward" function');
  });
});

describe('nn.Module: traversal', () => {
  function shared() {
    const leaf = new Leaf();
    const root = new nn.Module() as any;
    root.a = leaf;
    root.inner = new nn.Sequential(leaf, new Leaf());
    root.b = leaf;
    return root as nn.Module;
  }

  it('named_modules is pre-order and yields a shared module once (twice with remove_duplicate=false)', () => {
    const r = shared();
    assert.deepEqual(names(r.named_modules()), ['', 'a', 'inner', 'inner.1']);
    assert.deepEqual(names(r.named_modules({ remove_duplicate: false })), ['', 'a', 'inner', 'inner.0', 'inner.1', 'b']);
    assert.deepEqual(names(r.named_modules(null, 'model')), ['model', 'model.a', 'model.inner', 'model.inner.1']);
    assert.deepEqual(names(r.named_children()), ['a', 'inner']);
  });

  it('named_parameters de-duplicates tied tensors; recurse=false stays local', () => {
    const r = shared() as any;
    r.register_parameter('own', new nn.Parameter(torch.zeros(1)));
    r.tied = r.a.weight;
    assert.deepEqual(names(r.named_parameters()), ['own', 'tied', 'inner.1.weight']);
    assert.deepEqual(names(r.named_parameters({ remove_duplicate: false })),
      ['own', 'tied', 'a.weight', 'inner.0.weight', 'inner.1.weight', 'b.weight']);
    assert.deepEqual(names(r.named_parameters({ recurse: false })), ['own', 'tied']);
    assert.deepEqual(names(r.named_parameters('p')), ['p.own', 'p.tied', 'p.inner.1.weight']);
    assert.equal([...r.parameters({ recurse: false })].length, 2);
    assert.deepEqual(names(r.named_buffers()), ['a.stat', 'inner.1.stat']);
  });

  it('state_dict does not de-duplicate: every path gets its own key', () => {
    const r = shared();
    assert.deepEqual([...r.state_dict().keys()],
      ['a.weight', 'a.stat', 'inner.0.weight', 'inner.0.stat', 'inner.1.weight', 'inner.1.stat', 'b.weight', 'b.stat']);
  });

  it('apply visits children first, then self; train/eval reach every module', () => {
    const r = shared();
    const order: string[] = [];
    const ids = new Map([...r.named_modules({ remove_duplicate: false })].map(([n, m]) => [m, n]));
    r.apply((m) => order.push(ids.get(m) ?? '?'));
    assert.deepEqual(order, ['b', 'b', 'inner.1', 'inner', '']); // the shared leaf is applied twice, as in PyTorch
    r.eval();
    assert.ok([...r.modules()].every((m) => m.training === false));
    r.train();
    assert.ok([...r.modules()].every((m) => m.training === true));
    throwsMsg(() => r.train(1 as any), 'ValueError', 'training mode is expected to be boolean');
  });

  it('get_submodule / get_parameter / get_buffer with PyTorch\'s errors', () => {
    const r = shared();
    assert.equal(r.get_submodule(''), r);
    assert.ok(r.get_submodule('inner.1') instanceof Leaf);
    assert.equal(r.get_parameter('inner.1.weight'), (r.get_submodule('inner.1') as Leaf).weight);
    assert.ok(r.get_buffer('a.stat') instanceof Tensor);
    throwsMsg(() => r.get_submodule('inner.7'), 'AttributeError', 'Sequential has no attribute `7`');
    throwsMsg(() => r.get_submodule('a.weight'), 'AttributeError', '`weight` is not an nn.Module');
    throwsMsg(() => r.get_parameter('a.stat'), 'AttributeError', '`stat` is not an nn.Parameter');
    throwsMsg(() => r.get_parameter('a.nope'), 'AttributeError', 'Leaf has no attribute `nope`');
    throwsMsg(() => r.get_buffer('a.weight'), 'AttributeError', '`weight` is not a buffer');
    r.set_submodule('inner.0', new nn.ReLU());
    assert.ok(r.get_submodule('inner.0') instanceof nn.ReLU);
    throwsMsg(() => r.set_submodule('a.weight', new nn.ReLU()), 'AttributeError', '`weight` is not an nn.Module');
  });
});

describe('nn.Module: forward hooks', () => {
  it('pre-hooks can replace args, post-hooks the output, in registration order with prepend', () => {
    const m = new Leaf();
    const log: string[] = [];
    m.register_forward_pre_hook((_m: nn.Module, args: Tensor[]) => { log.push('pre1'); return [args[0].add(1)]; });
    m.register_forward_pre_hook(() => { log.push('pre0'); }, { prepend: true });
    const h = m.register_forward_hook((_m: nn.Module, _a: unknown, out: Tensor) => { log.push('post'); return out.add(100); });
    const out = m.call(torch.tensor([1.0, 2.0], { dtype: 'float32' }));
    assert.deepEqual(log, ['pre0', 'pre1', 'post']);
    assert.deepEqual(out.tolist(), [104, 106]);
    h.remove();
    assert.deepEqual(m.call(torch.tensor([1.0], { dtype: 'float32' })).tolist(), [4]);
    assert.equal(m._forward_hooks.size, 0);
  });

  it('with_kwargs hooks see and replace keyword arguments; a bad return value raises', () => {
    class K extends nn.Module {
      override forward(x: number, opts: { scale?: number } = {}) { return x * (opts.scale ?? 1); }
    }
    const m = new K();
    m.register_forward_pre_hook((_m: nn.Module, args: number[], kwargs: Record<string, number>) => [args, { ...kwargs, scale: 10 }], { with_kwargs: true });
    let seen: unknown;
    m.register_forward_hook((_m: nn.Module, _args: unknown, kwargs: unknown, out: number) => { seen = kwargs; return out + 1; }, { with_kwargs: true });
    assert.equal(m.call(2, { scale: 3 }), 21);
    assert.deepEqual(seen, { scale: 10 });
    const bad = new K();
    bad.register_forward_pre_hook(() => 5, { with_kwargs: true });
    assert.throws(() => bad.call(1), /forward pre-hook must return None or a tuple of \(new_args, new_kwargs\), but got 5\./);
  });

  it('always_call hooks run when forward throws; the error propagates', () => {
    class Boom extends nn.Module { override forward(): never { throw new Error('boom'); } }
    const m = new Boom();
    const calls: string[] = [];
    m.register_forward_hook(() => { calls.push('normal'); });
    m.register_forward_hook(() => { calls.push('always'); }, { always_call: true });
    assert.throws(() => m.call(), /boom/);
    assert.deepEqual(calls, ['always']);
  });

  it('global module hooks run for every module and can be removed', () => {
    const seen: string[] = [];
    const h = nn.register_module_forward_hook((m: nn.Module) => { seen.push(m._get_name()); });
    try {
      new nn.Sequential(new nn.ReLU(), new nn.Tanh()).call(torch.zeros(1));
    } finally { h.remove(); }
    assert.deepEqual(seen, ['ReLU', 'Tanh', 'Sequential']);
    new nn.ReLU().call(torch.zeros(1));
    assert.equal(seen.length, 3);
  });
});

describe('nn.Module: state_dict and load_state_dict', () => {
  it('prefix, keep_vars, non-persistent buffers and _metadata', () => {
    const m = new nn.Sequential(new Leaf(), new nn.BatchNorm1d(2)) as nn.Module;
    (m.get_submodule('0') as any).register_buffer('tmp', torch.zeros(1), { persistent: false });
    const sd = m.state_dict({ prefix: 'net.' });
    assert.deepEqual([...sd.keys()], ['net.0.weight', 'net.0.stat', 'net.1.weight', 'net.1.bias', 'net.1.running_mean', 'net.1.running_var', 'net.1.num_batches_tracked']);
    assert.deepEqual(Object.fromEntries(sd._metadata!), { net: { version: 1 }, 'net.0': { version: 1 }, 'net.1': { version: 2 } });
    const plain = m.state_dict().get('0.weight')!;
    assert.ok(!(plain instanceof nn.Parameter) && plain.sharesStorage((m.get_submodule('0') as Leaf).weight));
    assert.ok(m.state_dict({ keep_vars: true }).get('0.weight') instanceof nn.Parameter);
  });

  it('copies into the existing tensors; strict=false reports missing and unexpected keys', () => {
    const m = new Leaf();
    const w = m.weight;
    const r = m.load_state_dict({ weight: torch.tensor([5.5, 6.5]), 'sub.x': torch.zeros(1), extra: torch.zeros(1) }, { strict: false });
    assert.equal(m.weight, w);
    assert.deepEqual(w.tolist(), [5.5, 6.5]);
    assert.deepEqual(r.missing_keys, ['stat']);
    assert.deepEqual(r.unexpected_keys, ['sub.x', 'extra']);
    assert.equal(String(r), "_IncompatibleKeys(missing_keys=['stat'], unexpected_keys=['sub.x', 'extra'])");
    const [missing, unexpected] = r;
    assert.deepEqual([missing, unexpected], [['stat'], ['sub.x', 'extra']]);
  });

  it('messages: missing before unexpected, size mismatch even when not strict', () => {
    class Named extends nn.Module { declare l: Leaf; constructor() { super(); this.l = new Leaf(); } }
    const m = new Named();
    assert.throws(() => m.load_state_dict(new Map([['l.weight', torch.zeros(2)], ['zzz', torch.zeros(1)]])),
      { message: 'Error(s) in loading state_dict for Named:\n\tMissing key(s) in state_dict: "l.stat". \n\tUnexpected key(s) in state_dict: "zzz". ' });
    assert.throws(() => m.load_state_dict(new Map([['l.weight', torch.zeros(3)]]), false),
      { message: 'Error(s) in loading state_dict for Named:\n\tsize mismatch for l.weight: copying a param with shape torch.Size([3]) from checkpoint, the shape in current model is torch.Size([2]).' });
  });

  it('assign=true swaps in the given tensors (parameters stay Parameters)', () => {
    const m = new Leaf();
    m.weight.requires_grad_(false);
    const w = torch.tensor([7.5, 8.5]);
    m.load_state_dict({ weight: w, stat: torch.ones(2) }, { assign: true });
    assert.ok(m.weight instanceof nn.Parameter);
    assert.ok(m.weight.sharesStorage(w));
    assert.equal(m.weight.requires_grad, false);
  });

  it('1-D checkpoints load into 0-D parameters; old BatchNorm checkpoints lack num_batches_tracked', () => {
    class Scalar extends nn.Module { declare s: nn.Parameter; constructor() { super(); this.s = new nn.Parameter(torch.tensor(0.5)); } }
    const m = new Scalar();
    m.load_state_dict({ s: torch.tensor([3.5]) });
    assert.equal(m.s.item(), 3.5);
    const bn = new nn.BatchNorm1d(2);
    const sd = bn.state_dict();
    sd.delete('num_batches_tracked');
    assert.throws(() => bn.load_state_dict(sd), /Missing key\(s\) in state_dict: "num_batches_tracked"/);
    sd._metadata!.set('', { version: 1 });
    assert.equal(String(bn.load_state_dict(sd)), '<All keys matched successfully>');
    assert.equal(String(bn.load_state_dict(new Map(sd))), '<All keys matched successfully>', 'no metadata means version None');
  });

  it('get_extra_state / set_extra_state round-trip through _extra_state', () => {
    class Stateful extends nn.Module {
      value = 1;
      override get_extra_state() { return { value: this.value }; }
      override set_extra_state(s: { value: number }) { this.value = s.value; }
    }
    const a = new Stateful();
    a.value = 42;
    const sd = a.state_dict() as Map<string, any>;
    assert.deepEqual([...sd.keys()], ['_extra_state']);
    const b = new Stateful();
    b.load_state_dict(sd as any);
    assert.equal(b.value, 42);
  });
});

describe('nn.Module: repr, deepcopy, dtype conversion', () => {
  it('repr: one-line extra_repr, multi-line extra_repr with children, nested indentation', () => {
    class Multi extends nn.Module {
      declare c: nn.Linear;
      constructor() { super(); this.c = new nn.Linear(2, 3); }
      override extra_repr() { return 'a=1\nb=2'; }
    }
    assert.equal(String(new nn.ReLU()), 'ReLU()');
    assert.equal(String(new Multi()), 'Multi(\n  a=1\n  b=2\n  (c): Linear(in_features=2, out_features=3, bias=True)\n)');
    assert.equal(String(new nn.Sequential(new nn.Sequential(new nn.ReLU()))), 'Sequential(\n  (0): Sequential(\n    (0): ReLU()\n  )\n)');
    assert.equal(String(new nn.Parameter(torch.tensor([1.0, 2.0], { dtype: 'float32' }))), 'Parameter containing:\ntensor([1., 2.], requires_grad=True)');
  });

  it('deepcopy keeps sharing inside the copy and copies values', () => {
    const leaf = new Leaf();
    const s = new nn.Sequential(leaf, leaf) as nn.Module;
    const c = nn.deepcopy(s);
    assert.notEqual(c, s);
    assert.equal(c.get_submodule('0'), c.get_submodule('1'));
    assert.notEqual(c.get_submodule('0'), leaf);
    const w = (c.get_submodule('0') as Leaf).weight;
    assert.ok(w instanceof nn.Parameter && !w.sharesStorage(leaf.weight));
    assert.deepEqual(w.tolist(), leaf.weight.tolist());
    assert.equal(String(c), String(s));
    (c as any).added = new nn.ReLU();
    assert.equal([...s.children()].length, 1, 'the copy registers into its own dicts');
  });

  it('to(dtype) / double() convert floating tensors in place and keep tied parameters tied', () => {
    const m = new nn.Module() as any;
    m.a = new nn.Linear(2, 2);
    m.b = new nn.Linear(2, 2);
    m.b.weight = m.a.weight;
    m.register_buffer('steps', torch.tensor(3));
    const w = m.a.weight;
    m.double();
    assert.equal(m.a.weight, w);
    assert.equal(w.dtype, 'float64');
    assert.equal(m.b.weight, w);
    assert.equal(m.steps.dtype, 'int64');
    m.to(torch.float32);
    assert.equal(w.dtype, 'float32');
  });
});
