// The stand-in model `prune` works on: built from the structure `inspect` reports, it must prune exactly like
// the real model. Checked in-process against the source document's network written with the TS engine.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nn, torch } from '../../../src/engine';
import { PyFloat } from '../../../src/engine/dtype';
import type { Module } from '../../../src/engine/nn';
import * as prune from '../../../src/engine/nn/utils/prune';
import { openCheckpointFile } from '../../../src/formats/files-node';
import { recordsToStateDict, tensorBytes } from '../../../src/statedict/convert';
import type { InspectJson } from '../../../src/cli/model-types';
import { buildSkeleton } from '../../../src/cli/skeleton';

const root = path.resolve(__dirname, '..', '..', '..');
const meta = JSON.parse(fs.readFileSync(path.join(root, 'test', 'fixtures', 'models', 'net', 'meta.json'), 'utf8'));

class Net extends nn.Module {
  declare features: nn.Sequential;
  declare classifier: nn.Sequential;
  constructor() {
    super();
    this.features = new nn.Sequential(
      new nn.Conv2d(3, 6, 3), new nn.BatchNorm2d(6), new nn.ReLU(true), new nn.MaxPool2d(2, 2),
      new nn.Conv2d(6, 9, 3), new nn.BatchNorm2d(9), new nn.ReLU(true), new nn.MaxPool2d(2, 2),
    );
    this.classifier = new nn.Sequential(new nn.Linear(9 * 8 * 8, 128), new nn.ReLU(true), new nn.Dropout(), new nn.Linear(128, 10));
  }
}

function structure(): InspectJson {
  return {
    entry: 'Net', repr: meta.repr,
    modules: meta.named_modules.map((m: { name: string; type: string }) => ({ ...m, params: 0, source: null })),
    children: meta.named_children.map((c: { name: string }) => c.name),
    parameters: meta.named_parameters.map(({ name, shape, dtype }: { name: string; shape: number[]; dtype: string }) => ({ name, shape, dtype })),
    buffers: meta.named_buffers.map((b: object) => ({ ...b, persistent: true })),
    stateDict: meta.state_dict, totalParams: meta.total_params, trainableParams: meta.trainable_params, stubbedImports: [],
  };
}

function weights() {
  const file = fs.existsSync(path.join(root, 'examples', 'weights', 'net.pt'))
    ? path.join(root, 'examples', 'weights', 'net.pt') : path.join(root, 'test', 'fixtures', 'checkpoints', 'net.pt');
  const opened = openCheckpointFile(file);
  const tensors = recordsToStateDict(opened.tensors).tensors;
  opened.close();
  return tensors;
}

function stateDictBytes(model: Module): [string, string, number[], string][] {
  return [...model.state_dict()].map(([k, t]) => [k, t.dtype, [...t.shape], Buffer.from(tensorBytes(t.contiguous())).toString('base64')]);
}

function both(apply: (model: Module, get: (name: string) => Module) => void): void {
  const real = new Net();
  real.load_state_dict(weights());
  const skeleton = buildSkeleton(structure());
  skeleton.root.load_state_dict(weights(), { assign: true });
  torch.manual_seed(7);
  apply(real, (name) => real.get_submodule(name));
  torch.manual_seed(7);
  apply(skeleton.root, (name) => skeleton.modules.get(name)!);
  assert.deepEqual(stateDictBytes(skeleton.root), stateDictBytes(real));
}

describe('cli: the skeleton model prune runs on', () => {
  it('has the real model\'s module names, classes and state_dict keys in order', () => {
    const skeleton = buildSkeleton(structure());
    assert.deepEqual([...skeleton.root.named_modules()].map(([n, m]) => [n, m.constructor.name]), meta.named_modules.map((m: { name: string; type: string }) => [m.name, m.type]));
    assert.deepEqual([...skeleton.root.state_dict().keys()], meta.state_dict.map((e: { key: string }) => e.key));
  });

  it('l1_unstructured and ln_structured give the real model\'s masks and keys', () => {
    both((_, get) => {
      prune.l1_unstructured(get('features.0'), 'weight', new PyFloat(0.3));
      prune.ln_structured(get('features.4'), 'weight', 2, 2, 0);
      prune.l1_unstructured(get('features.0'), 'weight', 5);
    });
  });

  it('global_unstructured over Conv2d and Linear weights, then remove', () => {
    both((model, get) => {
      const targets = ['features.0', 'features.4', 'classifier.0', 'classifier.3'].map((n) => [get(n), 'weight'] as const);
      prune.global_unstructured(targets, prune.L1Unstructured as unknown as prune.PruningMethodClass, { amount: new PyFloat(0.5) });
      for (const [m] of targets) prune.remove(m, 'weight');
      assert.ok(prune.sparsityReport(model).sparsity > 0.49);
    });
  });

  it('random_structured draws the same channels with the same seed', () => {
    both((_, get) => prune.random_structured(get('classifier.0'), 'weight', new PyFloat(0.25), 1));
  });

  it('reports a missing key like load_state_dict', () => {
    const skeleton = buildSkeleton(structure());
    const sd = weights();
    sd.delete('classifier.3.bias');
    assert.throws(() => skeleton.root.load_state_dict(sd, { assign: true }), /Missing key\(s\) in state_dict: "classifier\.3\.bias"/);
  });
});
