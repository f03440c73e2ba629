// Sequential, ModuleList, ModuleDict, ParameterList and ParameterDict: PyTorch's container API and reprs.
import * as assert from 'node:assert/strict';
import { nn, torch } from '../../../src/engine';
import { slice, Tensor } from '../../../src/engine/tensor';

const keys = (m: nn.Module) => [...m._modules.keys()];
const kinds = (m: Iterable<nn.Module>) => [...m].map((x) => x._get_name());

describe('nn.Sequential', () => {
  it('indexes (negative too), slices into a Sequential, and runs its modules in order', () => {
    const s = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU(), new nn.Linear(3, 1));
    assert.equal(s.len(), 3);
    assert.ok(s.get(-1) instanceof nn.Linear && s.get(-1) === s[2] && s[-1] === s.get(2));
    assert.ok(s[0] instanceof nn.Linear);
    assert.throws(() => s.get(3), { name: 'IndexError', message: 'index 3 is out of range' });
    const tail = s.get(slice(1));
    assert.ok(tail instanceof nn.Sequential);
    assert.deepEqual(keys(tail), ['1', '2']);
    assert.deepEqual(kinds(s.get(slice(null, null, -1))), ['Linear', 'ReLU', 'Linear']);
    assert.deepEqual(s.call(torch.ones(4, 2)).shape, [4, 1]);
  });

  it('an OrderedDict (Map) keeps its names; deleting renumbers like PyTorch', () => {
    const s = new nn.Sequential(new Map<string, nn.Module>([['conv', new nn.Conv2d(1, 1, 1)], ['act', new nn.ReLU()], ['out', new nn.Tanh()]]));
    assert.deepEqual(keys(s), ['conv', 'act', 'out']);
    assert.ok(s[1] instanceof nn.ReLU, 'positional indexing works for named entries');
    s.delete(0);
    assert.deepEqual(keys(s), ['0', '1']);
    assert.deepEqual(kinds(s), ['ReLU', 'Tanh']);
  });

  it('append, insert (negative index), extend, pop, set', () => {
    const s = new nn.Sequential(new nn.ReLU());
    s.append(new nn.Tanh()).insert(-1, new nn.Sigmoid());
    assert.deepEqual(kinds(s), ['ReLU', 'Sigmoid', 'Tanh']);
    s.extend([new nn.GELU(), new nn.SiLU()]);
    assert.deepEqual(keys(s), ['0', '1', '2', '3', '4']);
    const popped = s.pop(1);
    assert.ok(popped instanceof nn.Sigmoid);
    assert.deepEqual(kinds(s), ['ReLU', 'Tanh', 'GELU', 'SiLU']);
    s.set(-1, new nn.Mish());
    assert.deepEqual(kinds(s), ['ReLU', 'Tanh', 'GELU', 'Mish']);
    assert.throws(() => s.insert(9, new nn.ReLU()), { message: 'Index out of range: 9' });
    assert.throws(() => s.append(3 as any), { name: 'TypeError', message: 'int is not a Module subclass' });
  });
});

describe('nn.ModuleList', () => {
  it('append / extend / insert / get / slice / pop / iteration', () => {
    const l = new nn.ModuleList([new nn.ReLU(), new nn.Tanh()]);
    l.append(new nn.GELU());
    l.extend([new nn.SiLU()]);
    l.insert(1, new nn.Sigmoid());
    assert.deepEqual(kinds(l), ['ReLU', 'Sigmoid', 'Tanh', 'GELU', 'SiLU']);
    assert.equal(l.len(), 5);
    assert.ok(l.get(-1) instanceof nn.SiLU && l[-1] === l.get(4));
    const sub = l.get(slice(1, 3));
    assert.ok(sub instanceof nn.ModuleList);
    assert.deepEqual(kinds(sub), ['Sigmoid', 'Tanh']);
    assert.ok(l.pop(0) instanceof nn.ReLU);
    assert.deepEqual(keys(l), ['0', '1', '2', '3']);
    assert.throws(() => l.get(10), { name: 'IndexError', message: 'index 10 is out of range' });
    assert.throws(() => l.extend(5 as any), { name: 'TypeError', message: 'ModuleList.extend should be called with an iterable, but got int' });
    assert.throws(() => l.call(), { name: 'NotImplementedError' });
  });

  it('2.x repr folds runs of identical children', () => {
    assert.equal(String(new nn.ModuleList()), 'ModuleList()');
    const l = new nn.ModuleList([new nn.Linear(2, 2), new nn.Linear(2, 2), new nn.Linear(2, 2), new nn.ReLU(), new nn.Linear(2, 2)]);
    assert.equal(String(l), [
      'ModuleList(',
      '  (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)',
      '  (3): ReLU()',
      '  (4): Linear(in_features=2, out_features=2, bias=True)',
      ')',
    ].join('\n'));
    const nested = new nn.ModuleList([new nn.Sequential(new nn.ReLU()), new nn.Sequential(new nn.ReLU())]);
    assert.equal(String(nested), 'ModuleList(\n  (0-1): 2 x Sequential(\n    (0): ReLU()\n  )\n)');
    // Sequential never folds
    assert.equal(String(new nn.Sequential(new nn.ReLU(), new nn.ReLU())), 'Sequential(\n  (0): ReLU()\n  (1): ReLU()\n)');
  });
});

describe('nn.ModuleDict', () => {
  it('keeps insertion order; update from a Map, an object or pairs; pop and clear', () => {
    const d = new nn.ModuleDict({ b: new nn.ReLU(), a: new nn.Tanh() });
    assert.deepEqual(d.keys(), ['b', 'a']);
    d.update([['c', new nn.GELU()]]);
    d.update(new Map([['b', new nn.SiLU()]]));
    assert.deepEqual(d.keys(), ['b', 'a', 'c']);
    assert.ok(d.get('b') instanceof nn.SiLU && (d as any).b === d.get('b'));
    assert.ok(d.has('a'));
    assert.ok(d.pop('a') instanceof nn.Tanh);
    assert.deepEqual([...d], ['b', 'c']);
    assert.throws(() => d.get('zz'), { name: 'KeyError' });
    assert.throws(() => d.update([['x'] as any]), { name: 'ValueError', message: 'ModuleDict update sequence element #0 has length 1; 2 is required' });
    d.clear();
    assert.equal(d.len(), 0);
    assert.equal(String(d), 'ModuleDict()');
  });
});

describe('nn.ParameterList / nn.ParameterDict', () => {
  it('ParameterList wraps tensors as Parameters, names them 0..n-1 and prints its own repr', () => {
    const pl = new nn.ParameterList([torch.ones(2, 3), new nn.Parameter(torch.zeros(4, { dtype: 'float64' }))]);
    assert.ok(pl.get(0) instanceof nn.Parameter && pl[1] === pl.get(-1));
    assert.deepEqual([...pl.named_parameters()].map(([n]) => n), ['0', '1']);
    pl.append(torch.zeros(1));
    assert.equal(pl.len(), 3);
    assert.equal(String(pl), [
      'ParameterList(',
      '    (0): Parameter containing: [torch.float32 of size 2x3]',
      '    (1): Parameter containing: [torch.float64 of size 4]',
      '    (2): Parameter containing: [torch.float32 of size 1]',
      ')',
    ].join('\n'));
    assert.equal(String(new nn.ParameterList()), 'ParameterList()');
    assert.throws(() => pl.call(), { message: 'ParameterList should not be called.' });
    assert.equal(pl.get(slice(1)).len(), 2);
  });

  it('ParameterDict sorts a plain object, keeps a Map\'s order, and prints typenames', () => {
    const pd = new nn.ParameterDict({ zeta: torch.zeros(2), alpha: new nn.Parameter(torch.tensor(0.5)) });
    assert.deepEqual(pd.keys(), ['alpha', 'zeta']);
    assert.deepEqual([...new nn.ParameterDict(new Map([['z', torch.zeros(1)], ['a', torch.zeros(1)]]))], ['z', 'a']);
    assert.ok(pd.item('zeta') instanceof nn.Parameter);
    assert.equal(pd.get('missing', 7), 7);
    assert.equal(String(pd), 'ParameterDict(\n    (alpha): Parameter containing: [torch.FloatTensor of size ]\n    (zeta): Parameter containing: [torch.FloatTensor of size 2]\n)');
    pd.set('beta', torch.ones(3, { dtype: 'int64' }));
    assert.equal(pd.item('beta').dtype, 'int64');
    assert.ok(pd.pop('beta') instanceof Tensor);
    assert.deepEqual([...pd.named_parameters()].map(([n]) => n), ['alpha', 'zeta']);
  });
});
