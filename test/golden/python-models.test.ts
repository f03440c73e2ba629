// The model fixtures as Python files (scripts/goldens/models/<name>.py), evaluated in the real engine
// process through the torch shim, against what PyTorch produced (test/fixtures/models/<name>/): repr, every
// named_* list, state_dict keys/shapes/dtypes/_metadata, parameter counts, load_state_dict outcomes, and
// the eval and train forward outputs after loading state.json. The Python side is
// test/unit/python/shim/golden_harness.py; it only uses PyTorch's public API.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DType } from '../../src/engine/dtype';
import { Tensor } from '../../src/engine/tensor';
import { EngineHarness } from '../unit/python/engine-harness';
import { assertOutputEqual, assertTensorEqual, decodeTensor, decodeValue, FIXTURES } from './helpers';

const ROOT = path.resolve(__dirname, '..', '..');
const MODELS = ['net', 'resnet_small', 'gpt_small', 'unet_small', 'transformer_encoder', 'transformer_decoder', 'mha',
  'lstm_classifier', 'gru_classifier', 'misc_containers'];
const HARNESS = fs.readFileSync(path.join(ROOT, 'test/unit/python/shim/golden_harness.py'), 'utf8');

type Encoded = { tensor: { dtype: DType; shape: number[]; data: string } };
type Out = { dtype: DType; shape: number[]; values: unknown } | Out[];
interface Report {
  class: string; repr: string;
  named_modules: unknown[]; named_modules_all: unknown[]; named_children: unknown[];
  named_parameters: unknown[]; named_parameters_all: unknown[]; named_buffers: unknown[];
  state_dict: unknown[]; metadata: Record<string, unknown>; state_dict_detached: boolean;
  total_params: number; trainable_params: number; modules_count: number; children_count: number;
  load_state_dict_errors: Record<string, unknown>[];
  eval_output: Out; train_output: Out; buffers_after: Record<string, Out>;
}

function fixture<T>(name: string, file: string): T {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, 'models', name, file), 'utf8')) as T;
}

/** A tensor the harness printed (values from tolist()) as an engine tensor. */
function tensorOf(o: Out): unknown {
  if (Array.isArray(o)) return o.map(tensorOf);
  const values = o.shape.length === 0 ? [o.values as number | boolean] : ((o.values as unknown[]).flat(Infinity) as (number | boolean)[]);
  const t = Tensor.empty(o.shape, o.dtype);
  const f = Tensor.fromArray(Float64Array.from(values, Number), o.shape, 'float64');
  return t.copy_(f);
}

describe('Python model files through the engine process (torch shim) against PyTorch', function () {
  this.timeout(300_000);
  let engine: EngineHarness;
  const reports = new Map<string, Report>();

  before(async () => {
    engine = await EngineHarness.start();
  });
  after(() => engine?.dispose());

  for (const name of MODELS) {
    describe(`models/${name}.py`, () => {
      const meta = fixture<Record<string, any>>(name, 'meta.json');
      const io = fixture<{ eval_output: unknown; train: { output: unknown; buffers_after: Record<string, Encoded> } }>(name, 'io.json');
      let r: Report;

      before(async () => {
        const files: Record<string, string> = {
          'check.py': `MODEL = ${JSON.stringify(name)}\n${HARNESS}`,
          [`${name}.py`]: fs.readFileSync(path.join(ROOT, 'scripts/goldens/models', `${name}.py`), 'utf8'),
        };
        for (const f of ['meta.json', 'io.json', 'state.json']) files[f] = fs.readFileSync(path.join(FIXTURES, 'models', name, f), 'utf8');
        const outcome = await engine.run('', { files, entryFile: 'check.py' });
        assert.equal(outcome.error, undefined, JSON.stringify(outcome.error, null, 1));
        const line = outcome.output.split('\n').find((l) => l.startsWith('GOLDEN:'));
        assert.ok(line, `no report printed:\n${outcome.output.slice(0, 2000)}`);
        r = JSON.parse(line.slice('GOLDEN:'.length)) as Report;
        reports.set(name, r);
      });

      it('class name and repr', () => {
        assert.equal(r.class, meta.class);
        assert.equal(r.repr, meta.repr);
      });

      it('named_modules / named_children (with and without duplicates)', () => {
        assert.deepEqual(r.named_modules, meta.named_modules);
        assert.deepEqual(r.named_modules_all, meta.named_modules_all);
        assert.deepEqual(r.named_children, meta.named_children);
        assert.equal(r.modules_count, meta.named_modules.length);
        assert.equal(r.children_count, meta.named_children.length);
      });

      it('named_parameters (with requires_grad, with and without duplicates) / named_buffers', () => {
        assert.deepEqual(r.named_parameters, meta.named_parameters);
        assert.deepEqual(r.named_parameters_all, meta.named_parameters_all);
        assert.deepEqual(r.named_buffers, meta.named_buffers);
      });

      it('state_dict keys, shapes, dtypes and _metadata', () => {
        assert.deepEqual(r.state_dict, meta.state_dict);
        assert.deepEqual(r.metadata, meta.metadata);
        assert.ok(r.state_dict_detached, 'state_dict values are plain tensors, not Parameters');
      });

      it('parameter counts', () => {
        assert.equal(r.total_params, meta.total_params);
        assert.equal(r.trainable_params, meta.trainable_params);
      });

      it('load_state_dict outcomes and messages', () => {
        for (const [i, c] of (meta.load_state_dict_errors as Record<string, unknown>[]).entries()) {
          const got = r.load_state_dict_errors[i];
          const want = { case: c.case, strict: c.strict, error: c.error, missing_keys: c.missing_keys, unexpected_keys: c.unexpected_keys, ...(c.repr ? { repr: c.repr } : {}) };
          if (!c.repr) delete got.repr;
          assert.deepEqual(got, want, `${String(c.case)} strict=${String(c.strict)}`);
        }
      });

      it('eval forward from the fixture weights (rtol 1e-4, atol 1e-5)', () => {
        assertOutputEqual(tensorOf(r.eval_output), decodeValue(io.eval_output), 'eval_output');
      });

      it('train forward: output and buffers after one step', () => {
        if (io.train.output !== null) assertOutputEqual(tensorOf(r.train_output), decodeValue(io.train.output), 'train.output');
        assert.deepEqual(Object.keys(r.buffers_after), Object.keys(io.train.buffers_after));
        for (const [k, v] of Object.entries(io.train.buffers_after))
          assertTensorEqual(tensorOf(r.buffers_after[k]), decodeTensor(v.tensor), `buffer ${k}`);
      });
    });
  }
});
