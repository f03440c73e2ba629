import assert from 'node:assert/strict';
import { torch } from '../../../src/engine';
import { Tensor } from '../../../src/engine/tensor';
import { EditableStateDict, tensorBytes } from '../../../src/statedict/convert';
import { StateDictEditor } from '../../../src/statedict/editor';
import { applyEdit, describeEdit, Edit, EditError } from '../../../src/statedict/edits';
import { assertSameStateDict, fingerprint, sampleStateDict } from './helpers';

const values = (sd: ReadonlyMap<string, unknown>, key: string) => (sd.get(key) as Tensor).tolist();

describe('statedict/edits: every edit and its undo', () => {
  const edits: [string, Edit][] = [
    ['fill', { kind: 'fill', keys: ['module.fc.weight', 'module.ids'], value: 1.5 }],
    ['zero', { kind: 'zero', keys: ['module.fc.bias', 'module.flags', 'module.emb.weight'] }],
    ['scale', { kind: 'scale', keys: ['module.fc.weight', 'module.emb.scale', 'module.bn.running_mean'], factor: 0.5 }],
    ['scale integers by an integer', { kind: 'scale', keys: ['module.ids', 'module.bn.num_batches_tracked'], factor: 3 }],
    ['setSlice', { kind: 'setSlice', key: 'module.fc.weight', index: '0, 1:3', value: [9, 8] }],
    ['renamePrefix strip', { kind: 'renamePrefix', from: 'module.', to: '' }],
    ['renamePrefix add', { kind: 'renamePrefix', from: '', to: 'model.' }],
    ['deleteKeys', { kind: 'deleteKeys', keys: ['module.f8', 'module.fc.bias'] }],
    ['convertDtype floats', { kind: 'convertDtype', dtype: 'bfloat16' }],
    ['convertDtype keys', { kind: 'convertDtype', dtype: 'float64', keys: ['module.ids', 'module.emb.weight'] }],
  ];
  for (const [name, edit] of edits) {
    it(`${name}: changes the copy, leaves the input, and undo restores exact bytes and order`, () => {
      const sd = sampleStateDict();
      const before = fingerprint(sd);
      const editor = new StateDictEditor(sd, 'model.pt');
      editor.apply(edit);
      assert.notDeepEqual(fingerprint(editor.stateDict), before, 'the edit changed something');
      assert.deepEqual(fingerprint(sd), before, 'the input map and its tensors are untouched');
      const after = fingerprint(editor.stateDict);
      assert.ok(editor.canUndo);
      assert.equal(editor.undo(), edit);
      assert.deepEqual(fingerprint(editor.stateDict), before);
      assert.ok(!editor.canUndo && editor.canRedo);
      editor.redo();
      assert.deepEqual(fingerprint(editor.stateDict), after);
      assert.equal(typeof describeEdit(edit), 'string');
    });
  }
});

describe('statedict/edits: values', () => {
  it('fill casts like fill_ (truncating for integers), zero keeps dtypes', () => {
    const r = applyEdit(sampleStateDict(), { kind: 'fill', keys: ['module.ids', 'module.fc.bias'], value: 1.5 });
    assert.deepEqual(values(r.stateDict, 'module.ids'), [1, 1, 1]);
    assert.deepEqual(values(r.stateDict, 'module.fc.bias'), [1.5, 1.5]);
    const z = applyEdit(sampleStateDict(), { kind: 'zero', keys: ['module.emb.weight'] });
    assert.equal(z.stateDict.get('module.emb.weight')?.dtype, 'float16');
    assert.deepEqual(values(z.stateDict, 'module.emb.weight'), [[0, 0], [0, 0]]);
  });

  it('scale follows mul_: float16 rounds, integers refuse fractional factors with PyTorch wording', () => {
    const r = applyEdit(sampleStateDict(), { kind: 'scale', keys: ['module.emb.weight'], factor: 1 / 3 });
    assert.deepEqual(values(r.stateDict, 'module.emb.weight'), [[0.333251953125, 0.66650390625], [1, 1.3330078125]]);
    assert.throws(() => applyEdit(sampleStateDict(), { kind: 'scale', keys: ['module.ids'], factor: 0.5 }),
      { message: 'scale "module.ids": result type Float can\'t be cast to the desired output type Int' });
    assert.throws(() => applyEdit(sampleStateDict(), { kind: 'scale', keys: ['module.flags'], factor: 2 }),
      { message: 'scale "module.flags": result type Long can\'t be cast to the desired output type Bool' });
  });

  it('setSlice writes through Python indexing with broadcasting', () => {
    const sd: EditableStateDict = new Map([['w', torch.zeros([2, 3, 4])]]);
    const r = applyEdit(sd, { kind: 'setSlice', key: 'w', index: '0, :, 1:3', value: 5 });
    const got = (r.stateDict.get('w') as Tensor).tolist();
    assert.deepEqual(got[0], [[0, 5, 5, 0], [0, 5, 5, 0], [0, 5, 5, 0]]);
    assert.deepEqual(got[1], [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]);
    const r2 = applyEdit(sd, { kind: 'setSlice', key: 'w', index: '..., -1', value: [1, 2, 3] });
    assert.deepEqual((r2.stateDict.get('w') as Tensor).index(1).tolist(), [[0, 0, 0, 1], [0, 0, 0, 2], [0, 0, 0, 3]]);
    const r3 = applyEdit(sd, { kind: 'setSlice', key: 'w', index: '1, ::2, ::3', value: torch.tensor([[7, 8], [9, 10]]) });
    assert.deepEqual((r3.stateDict.get('w') as Tensor).index(1).tolist(), [[7, 0, 0, 8], [0, 0, 0, 0], [9, 0, 0, 10]]);
  });

  it('setSlice errors name the key and what was expected', () => {
    const sd: EditableStateDict = new Map([['w', torch.zeros([2, 3])]]);
    const attempt = (index: string, value: unknown = 1) =>
      assert.throws(() => applyEdit(sd, { kind: 'setSlice', key: 'w', index, value: value as number }));
    const message = (index: string, value: unknown = 1) => {
      try { applyEdit(sd, { kind: 'setSlice', key: 'w', index, value: value as number }); } catch (e) { return (e as Error).message; }
      return '';
    };
    attempt('0, 0, 0');
    assert.match(message('0, 0, 0'), /setSlice "w"\[0, 0, 0\]: too many indices for tensor of dimension 2/);
    assert.match(message('5'), /index 5 is out of bounds for dimension 0 with size 2/);
    assert.match(message('0, a'), /cannot read "a" in "0, a" \("w"\): expected an integer/);
    assert.match(message('1:2:3:4'), /at most two colons/);
    assert.match(message('::0'), /slice step cannot be zero/);
    assert.match(message('::-1'), /step must be greater than zero/);
    assert.match(message(''), /the index for "w" is empty/);
    assert.match(message('..., ...'), /single ellipsis/);
    assert.match(message('0', [1, 2]), /a value of shape \[2\] cannot be written into \[0\], which selects shape \[3\] of \[2, 3\]/);
    assert.match(message('0', [[1], [2, 3]]), /not a number or a rectangular nested list/);
    assert.throws(() => applyEdit(sd, { kind: 'setSlice', key: 'nope', index: '0', value: 1 }), /setSlice: no key "nope"/);
  });

  it('renamePrefix adds and strips module., keeps order, refuses collisions and no-ops', () => {
    const sd = sampleStateDict();
    const stripped = applyEdit(sd, { kind: 'renamePrefix', from: 'module.', to: '' }).stateDict;
    assert.deepEqual([...stripped.keys()], [...sd.keys()].map((k) => k.slice('module.'.length)));
    const added = applyEdit(stripped, { kind: 'renamePrefix', from: '', to: 'module.' }).stateDict;
    assertSameStateDict(added, sd);
    const clash: EditableStateDict = new Map([['module.a', torch.zeros([1])], ['a', torch.ones([1])]]);
    assert.throws(() => applyEdit(clash, { kind: 'renamePrefix', from: 'module.', to: '' }),
      { message: 'renamePrefix "module." -> "": "module.a" and "a" would both become "a"' });
    assert.throws(() => applyEdit(sd, { kind: 'renamePrefix', from: 'encoder.', to: '' }), { message: 'renamePrefix: no key starts with "encoder."' });
  });

  it('deleteKeys refuses unknown keys; raw records can be renamed and deleted but not computed on', () => {
    assert.throws(() => applyEdit(sampleStateDict(), { kind: 'deleteKeys', keys: ['x', 'module.ids'] }), { message: 'deleteKeys: no key "x" in the state dict' });
    assert.throws(() => applyEdit(sampleStateDict(), { kind: 'zero', keys: ['module.f8'] }),
      { message: 'zero: "module.f8" has dtype float8_e4m3fn, which the engine cannot compute in; it can only be renamed or deleted' });
  });

  it('convertDtype without keys converts floating tensors and reports what it skipped', () => {
    const r = applyEdit(sampleStateDict(), { kind: 'convertDtype', dtype: 'float16' });
    assert.deepEqual(r.changed, ['module.fc.weight', 'module.fc.bias', 'module.bn.running_mean', 'module.emb.scale']);
    assert.deepEqual(r.skipped.map((s) => s.key), ['module.bn.num_batches_tracked', 'module.ids', 'module.flags', 'module.f8']);
    assert.equal(r.stateDict.get('module.ids')?.dtype, 'int32');
  });

  it('convertDtype round trips: widening and back is exact; float16 -> float32 -> float16 is exact', () => {
    const sd = sampleStateDict();
    const wide = applyEdit(sd, { kind: 'convertDtype', dtype: 'float64', keys: ['module.fc.weight', 'module.emb.weight', 'module.emb.scale'] }).stateDict;
    const back = applyEdit(applyEdit(wide, { kind: 'convertDtype', dtype: 'float32', keys: ['module.fc.weight'] }).stateDict,
      { kind: 'convertDtype', dtype: 'float16', keys: ['module.emb.weight'] }).stateDict;
    const back2 = applyEdit(back, { kind: 'convertDtype', dtype: 'bfloat16', keys: ['module.emb.scale'] }).stateDict;
    assertSameStateDict(back2, sd);
    const odd = torch.randn([64]);
    const viaHalf = odd.half();
    assert.deepEqual(tensorBytes(viaHalf.float().half()), tensorBytes(viaHalf));
  });

  it('a failing edit changes nothing and does not enter the history', () => {
    const editor = new StateDictEditor(sampleStateDict());
    const before = fingerprint(editor.stateDict);
    assert.throws(() => editor.apply({ kind: 'deleteKeys', keys: ['missing'] }), EditError);
    assert.deepEqual(fingerprint(editor.stateDict), before);
    assert.ok(!editor.canUndo);
  });

  it('undo/redo across several edits; a new edit clears redo', () => {
    const editor = new StateDictEditor(sampleStateDict());
    const states = [fingerprint(editor.stateDict)];
    editor.apply({ kind: 'renamePrefix', from: 'module.', to: '' });
    states.push(fingerprint(editor.stateDict));
    editor.apply({ kind: 'scale', keys: ['fc.weight'], factor: 2 });
    states.push(fingerprint(editor.stateDict));
    editor.apply({ kind: 'deleteKeys', keys: ['f8'] });
    states.push(fingerprint(editor.stateDict));
    assert.equal(editor.undoLabel, 'Delete f8');
    for (let i = 2; i >= 0; i--) { editor.undo(); assert.deepEqual(fingerprint(editor.stateDict), states[i]); }
    assert.equal(editor.undo(), undefined);
    editor.redo();
    assert.deepEqual(fingerprint(editor.stateDict), states[1]);
    assert.equal(editor.redoLabel, 'Scale fc.weight by 2');
    editor.apply({ kind: 'zero', keys: ['fc.bias'] });
    assert.ok(!editor.canRedo);
    assert.deepEqual(editor.history.map((e) => e.kind), ['renamePrefix', 'zero']);
  });
});
