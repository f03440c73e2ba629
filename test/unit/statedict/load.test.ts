import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { torch } from '../../../src/engine';
import { Tensor } from '../../../src/engine/tensor';
import { Module } from '../../../src/engine/nn/module';
import { Sequential } from '../../../src/engine/nn/modules/container';
import { Linear } from '../../../src/engine/nn/modules/linear';
import { BatchNorm2d } from '../../../src/engine/nn/modules/norm';
import { ReLU } from '../../../src/engine/nn/modules/activation';
import { openCheckpointFile } from '../../../src/formats/files-node';
import { checkStateDict, chooseStateDict, loadIntoModel, suggestPrefix } from '../../../src/statedict/load';
import { EditableStateDict, StateDictValue } from '../../../src/statedict/convert';
import { Net } from '../../golden/models/net';

const FIXTURES = path.resolve(__dirname, '../../fixtures');

const smallModel = () => new Sequential(new Linear(4, 3), new ReLU(), new Linear(3, 2));

interface LoadCase { case: string; strict: boolean; error: string | null; missing_keys: string[] | null; unexpected_keys: string[] | null; repr?: string }

/** The variants scripts/goldens/model_fixtures.py builds for load_state_dict_errors. */
function variant(model: Module, name: string): Map<string, Tensor> {
  const sd = new Map(model.state_dict());
  const keys = [...sd.keys()];
  for (const part of name.split('+')) {
    const [kind, key] = part.split(':');
    if (kind === 'drop_key') sd.delete(key);
    else if (kind === 'add_key') sd.set(key, key === 'extra.weight' ? torch.zeros([2]) : torch.zeros([1]));
    else if (kind === 'wrong_shape') sd.set(key, torch.zeros([...(sd.get(key) as Tensor).shape, 1]));
    else if (kind !== 'exact') throw new Error(`unknown variant ${part} (${keys.length} keys)`);
  }
  return sd;
}

describe('statedict/load: PyTorch reports (test/fixtures/models/net)', () => {
  const meta = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'models/net/meta.json'), 'utf8')) as { load_state_dict_errors: LoadCase[] };
  for (const c of meta.load_state_dict_errors) {
    it(`${c.case} strict=${c.strict}: the dry run predicts, and loading reports, PyTorch's outcome`, () => {
      const model = new Net();
      const sd = variant(new Net(), c.case);
      const before = (model.state_dict().get('features.0.weight') as Tensor).clone().tolist();
      const dry = checkStateDict(model, sd, { strict: c.strict });
      assert.equal(dry.error, c.error);
      assert.deepEqual((model.state_dict().get('features.0.weight') as Tensor).tolist(), before, 'the dry run leaves the model alone');
      if (c.error === null) {
        assert.deepEqual(dry.missing_keys, c.missing_keys);
        assert.deepEqual(dry.unexpected_keys, c.unexpected_keys);
        assert.equal(dry.repr, c.repr);
      }
      const real = loadIntoModel(model, sd, { strict: c.strict });
      assert.equal(real.error, c.error);
      assert.equal(real.repr, c.error === null ? c.repr : null);
      assert.ok(real.loaded);
      if (c.case.startsWith('wrong_shape')) {
        assert.deepEqual(real.size_mismatches.map((m) => [m.key, m.checkpoint, m.model]), [['features.0.weight', [6, 3, 3, 3, 1], [6, 3, 3, 3]]]);
        assert.deepEqual(real.missing_keys, [], 'key lists stay available next to a size mismatch');
      }
    });
  }

  it('copies the values on success; float64 entries are cast into the model\'s float32 parameters', () => {
    const source = new Net(), target = new Net();
    const sd = new Map([...source.state_dict()].map(([k, v]) => [k, v.is_floating_point() ? v.double() : v] as const));
    const report = loadIntoModel(target, sd);
    assert.equal(report.error, null);
    const bias = target.state_dict().get('classifier.3.bias') as Tensor;
    assert.equal(bias.dtype, 'float32');
    assert.deepEqual(bias.tolist(), (source.state_dict().get('classifier.3.bias') as Tensor).tolist());
  });
});

describe('statedict/load: wrappers and prefixes', () => {
  it('suggests stripping module. and adding a missing prefix', () => {
    const model = ['0.weight', '0.bias', '2.weight', '2.bias'];
    assert.deepEqual(suggestPrefix(model, model.map((k) => 'module.' + k)), { kind: 'strip', prefix: 'module.', matchedBefore: 0, matchedAfter: 4 });
    assert.deepEqual(suggestPrefix(model.map((k) => 'backbone.' + k), model), { kind: 'add', prefix: 'backbone.', matchedBefore: 0, matchedAfter: 4 });
    assert.equal(suggestPrefix(model, model), undefined);
  });

  it('a DataParallel checkpoint: the report offers stripping, and loading with it matches every key', () => {
    const file = openCheckpointFile(path.join(FIXTURES, 'checkpoints/dataparallel.pt'));
    try {
      const chosen = chooseStateDict(file.stateDicts, smallModel());
      assert.ok(chosen);
      const sd = chosen.converted.entries;
      const model = smallModel();
      const dry = checkStateDict(model, sd, { metadata: chosen.metadata });
      assert.match(dry.error ?? '', /^Error\(s\) in loading state_dict for Sequential:\n\tMissing key\(s\) in state_dict: "0.weight"/);
      assert.deepEqual(dry.suggestion, { kind: 'strip', prefix: 'module.', matchedBefore: 0, matchedAfter: 4 });
      const loaded = loadIntoModel(model, sd, { prefix: dry.suggestion, metadata: chosen.metadata });
      assert.equal(loaded.error, null);
      assert.equal(loaded.repr, '<All keys matched successfully>');
      assert.equal(loaded.applied?.matchedAfter, 4);
      assert.deepEqual((model.state_dict().get('2.bias') as Tensor).tolist(), (sd.get('module.2.bias') as Tensor).tolist());
    } finally { file.close(); }
  });

  for (const [file, label] of [['checkpoint.pt', "checkpoint['model']"], ['state_dict_key.pth', "checkpoint['state_dict']"]]) {
    it(`${file}: picks ${label} and loads it`, () => {
      const opened = openCheckpointFile(path.join(FIXTURES, 'checkpoints', file));
      try {
        const chosen = chooseStateDict(opened.stateDicts, smallModel());
        assert.equal(chosen?.candidate.label, label);
        const report = loadIntoModel(smallModel(), chosen!.converted.entries, { metadata: chosen!.metadata });
        assert.equal(report.repr, '<All keys matched successfully>');
      } finally { opened.close(); }
    });
  }

  it('entries of dtypes the engine lacks are reported, not passed on', () => {
    const model = new Linear(2, 1);
    const sd: EditableStateDict = new Map<string, StateDictValue>([
      ['weight', torch.zeros([1, 2])],
      ['bias', { dtype: 'float8_e4m3fn', shape: [1], bytes: new Uint8Array([0x38]) }],
    ]);
    const r = checkStateDict(model, sd, { strict: false });
    assert.deepEqual(r.unsupported, [{ key: 'bias', dtype: 'float8_e4m3fn', shape: [1] }]);
    assert.deepEqual(r.missing_keys, ['bias']);
  });

  it('a 1-element checkpoint tensor loads into a 0-d buffer (PyTorch back-compat), not a size mismatch', () => {
    const model = new BatchNorm2d(2);
    const sd = new Map(model.state_dict());
    sd.set('num_batches_tracked', torch.tensor([5]));
    const r = loadIntoModel(model, sd);
    assert.equal(r.error, null);
    assert.equal((model.state_dict().get('num_batches_tracked') as Tensor).item(), 5);
  });
});
