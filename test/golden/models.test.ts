// Model-level parity with PyTorch (fixtures: scripts/goldens/models/*.py -> test/fixtures/models/<name>/).
// Each model is rebuilt from its TS mirror in test/golden/models/<name>.ts and checked for structure
// (repr, every named_* list, state_dict keys/shapes/dtypes, _metadata, counts, load_state_dict outcomes)
// and, after loading state.json, for its eval output and its train-mode output and buffers.
import * as assert from 'node:assert/strict';
import { nn, torch } from '../../src/engine';
import { Tensor } from '../../src/engine/tensor';
import { assertOutputEqual, assertTensorEqual, decodeTensor, decodeValue, readFixture } from './helpers';
import * as gpt_small from './models/gpt_small';
import * as gru_classifier from './models/gru_classifier';
import * as lstm_classifier from './models/lstm_classifier';
import * as mha from './models/mha';
import * as misc_containers from './models/misc_containers';
import * as net from './models/net';
import * as resnet_small from './models/resnet_small';
import * as transformer_decoder from './models/transformer_decoder';
import * as transformer_encoder from './models/transformer_encoder';
import * as unet_small from './models/unet_small';

type Encoded = { tensor: { dtype: Tensor['dtype']; shape: number[]; data: string } };
interface Meta {
  class: string; repr: string;
  named_modules: { name: string; type: string }[]; named_modules_all: { name: string; type: string }[];
  named_children: { name: string; type: string }[];
  named_parameters: { name: string; shape: number[]; dtype: string; requires_grad: boolean }[];
  named_parameters_all: { name: string; shape: number[]; dtype: string; requires_grad: boolean }[];
  named_buffers: { name: string; shape: number[]; dtype: string }[];
  state_dict: { key: string; shape: number[]; dtype: string }[];
  metadata: Record<string, Record<string, unknown>>;
  total_params: number; trainable_params: number;
  load_state_dict_errors: { case: string; strict: boolean; error: string | null; missing_keys: string[] | null; unexpected_keys: string[] | null; repr?: string }[];
}
interface IO {
  input: Encoded | Encoded[]; input_kwargs: Record<string, unknown>; eval_output: unknown;
  train: { output: unknown; buffers_after: Record<string, Encoded> };
}

const MODELS: Record<string, { build: () => nn.Module }> = {
  net, resnet_small, gpt_small, unet_small, transformer_encoder, transformer_decoder, mha, lstm_classifier, gru_classifier, misc_containers,
};

function build(name: string): nn.Module {
  torch.manual_seed(0);
  return MODELS[name].build();
}

function loadWeights(m: nn.Module, name: string): void {
  const state = readFixture<Record<string, Encoded>>(`models/${name}/state.json`);
  const sd = new Map(Object.entries(state).map(([k, v]) => [k, decodeTensor(v.tensor)]));
  m.load_state_dict(sd);
}

function forwardArgs(io: IO): unknown[] {
  const inputs = Array.isArray(io.input) ? io.input.map(decodeValue) : [decodeValue(io.input)];
  const kwargs = decodeValue(io.input_kwargs) as Record<string, unknown>;
  return Object.keys(kwargs).length ? [...inputs, kwargs] : inputs;
}

/** Runs one load_state_dict case the way the generator does; returns the outcome in the fixture's shape. */
function runLoadCase(name: string, caseName: string, strict: boolean) {
  const m = build(name);
  const sd = m.state_dict();
  for (const part of caseName.split('+')) {
    const [op, key] = [part.slice(0, part.indexOf(':')), part.slice(part.indexOf(':') + 1)];
    if (op === 'drop_key') sd.delete(key);
    else if (op === 'add_key') sd.set(key, torch.zeros(1));
    else if (op === 'wrong_shape') sd.set(key, sd.get(key)!.unsqueeze(-1));
  }
  try {
    const r = m.load_state_dict(sd, { strict });
    return { error: null, missing_keys: r.missing_keys, unexpected_keys: r.unexpected_keys, repr: String(r) };
  } catch (e) {
    return { error: (e as Error).message, missing_keys: null, unexpected_keys: null };
  }
}

for (const name of Object.keys(MODELS)) {
  describe(`models/${name}`, () => {
    const meta = readFixture<Meta>(`models/${name}/meta.json`);
    const io = readFixture<IO>(`models/${name}/io.json`);
    let model: nn.Module;
    before(() => { model = build(name); });

    it('class name and repr', () => {
      assert.equal(model._get_name(), meta.class);
      assert.equal(String(model), meta.repr);
    });

    it('named_modules / named_children (with and without duplicates)', () => {
      const rows = (it: Iterable<[string, nn.Module]>) => [...it].map(([n, m]) => ({ name: n, type: m._get_name() }));
      assert.deepEqual(rows(model.named_modules()), meta.named_modules);
      assert.deepEqual(rows(model.named_modules({ remove_duplicate: false })), meta.named_modules_all);
      assert.deepEqual(rows(model.named_children()), meta.named_children);
      assert.equal([...model.modules()].length, meta.named_modules.length);
      assert.equal([...model.children()].length, meta.named_children.length);
    });

    it('named_parameters / named_buffers', () => {
      const params = (it: Iterable<[string, Tensor]>) =>
        [...it].map(([n, p]) => ({ name: n, shape: [...p.shape], dtype: p.dtype, requires_grad: p.requires_grad }));
      assert.deepEqual(params(model.named_parameters()), meta.named_parameters);
      assert.deepEqual(params(model.named_parameters({ remove_duplicate: false })), meta.named_parameters_all);
      assert.deepEqual([...model.named_buffers()].map(([n, b]) => ({ name: n, shape: [...b.shape], dtype: b.dtype })), meta.named_buffers);
    });

    it('state_dict keys, shapes, dtypes and _metadata', () => {
      const sd = model.state_dict();
      assert.deepEqual([...sd].map(([k, t]) => ({ key: k, shape: [...t.shape], dtype: t.dtype })), meta.state_dict);
      assert.deepEqual(Object.fromEntries(sd._metadata!), meta.metadata);
      for (const [, t] of sd) assert.ok(!(t instanceof nn.Parameter), 'state_dict values are detached tensors');
    });

    it('parameter counts', () => {
      const params = [...model.parameters()];
      assert.equal(params.reduce((s, p) => s + p.numel(), 0), meta.total_params);
      assert.equal(params.filter((p) => p.requires_grad).reduce((s, p) => s + p.numel(), 0), meta.trainable_params);
    });

    it('load_state_dict outcomes and messages', () => {
      for (const c of meta.load_state_dict_errors) {
        const got = runLoadCase(name, c.case, c.strict);
        const want = { error: c.error, missing_keys: c.missing_keys, unexpected_keys: c.unexpected_keys, ...(c.repr ? { repr: c.repr } : {}) };
        assert.deepEqual(got, want, `${c.case} strict=${c.strict}`);
      }
    });

    it('eval forward from the fixture weights', () => {
      const m = build(name);
      loadWeights(m, name);
      m.eval();
      assertOutputEqual(m.call(...forwardArgs(io)), decodeValue(io.eval_output), 'eval_output');
    });

    it('train forward: output and buffers after one step', () => {
      const m = build(name);
      loadWeights(m, name);
      m.train();
      torch.manual_seed(0);
      const out = m.call(...forwardArgs(io));
      if (io.train.output !== null) assertOutputEqual(out, decodeValue(io.train.output), 'train.output');
      const buffers = new Map(m.named_buffers());
      assert.deepEqual([...buffers.keys()], Object.keys(io.train.buffers_after));
      for (const [k, v] of Object.entries(io.train.buffers_after)) assertTensorEqual(buffers.get(k), decodeTensor(v.tensor), `buffer ${k}`);
    });
  });
}

describe('models/net: the source document', () => {
  it('15 modules, 2 children, 12 parameters, 18 state_dict entries, 75,839 parameters', () => {
    const m = build('net');
    assert.equal([...m.modules()].length, 15);
    assert.equal([...m.named_children()].length, 2);
    assert.equal([...m.named_parameters()].length, 12);
    assert.equal(m.state_dict().size, 18);
    assert.equal([...m.parameters()].reduce((s, p) => s + p.numel(), 0), 75839);
    const bn = m.get_submodule('features.1');
    assert.deepEqual([...bn.state_dict().keys()], ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
    const nbt = m.state_dict().get('features.1.num_batches_tracked')!;
    assert.equal(nbt.dtype, 'int64');
    assert.deepEqual([...nbt.shape], []);
  });
});
