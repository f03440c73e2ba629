// Source mapping and errors: modules know where they were created and assigned (UTF-16 columns); Python
// errors raised while the engine runs a model (forward called by the engine, __init__ during instantiate,
// engine errors inside user code) point at the innermost workspace line with the Python traceback; the
// time limit stops a runaway forward and the engine stays usable.
import * as assert from 'node:assert/strict';
import type { EngineError } from '../../../../src/protocol/engine';
import { EngineRequestError } from '../../../../src/python/host/engine-client';
import { EngineHarness } from './shim-harness';

const MODEL = `import torch
import torch.nn as nn


class Inner(nn.Module):
    def __init__(self, fail=False):
        super().__init__()
        self.fc = nn.Linear(4, 3)
        if fail:
            raise ValueError("bad configuration")

    def forward(self, x, mode="ok"):
        if mode == "raise":
            raise ValueError("bad input")
        if mode == "shape":
            return self.fc(x[:, :2])
        if mode == "spin":
            while True:
                pass
        return self.fc(x)


class Outer(nn.Module):
    def __init__(self, mode="ok", fail=False):
        super().__init__()
        self.note = "héllo😀"; self.inner = Inner(fail)
        self.mode = mode

    def forward(self, x):
        return self.inner(x, mode=self.mode)
`;
const LINES = MODEL.split('\n');
const lineOf = (text: string) => LINES.findIndex((l) => l.includes(text)) + 1;

async function failure(promise: Promise<unknown>): Promise<EngineError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof EngineRequestError) return e.error;
    throw e;
  }
  assert.fail('the request succeeded');
}

describe('source positions and diagnostics of Python model files', function () {
  this.timeout(180_000);
  let engine: EngineHarness;

  before(async () => {
    engine = await EngineHarness.start();
  });
  after(() => engine?.dispose());

  const build = async (kwargs: Record<string, unknown>, timeoutMs?: number) =>
    engine.client.request('instantiate', { entry: 'Outer', kwargs, files: { 'model.py': MODEL }, entryFile: 'model.py' }, { timeoutMs });
  const forward = (model: number, timeoutMs?: number) =>
    engine.client.request('forward', { model, input: { shape: [2, 4] } }, { timeoutMs });

  it('records where each module was created and assigned, in UTF-16 columns', async () => {
    const model = await build({});
    const r = await engine.client.request('inspect', { model: model.handle });
    const line = lineOf('self.inner = Inner');
    const text = LINES[line - 1];
    const inner = r.modules.find((m) => m.name === 'inner')!;
    assert.deepEqual(inner.source, { file: 'model.py', line, column: text.indexOf('Inner(fail)') });
    assert.deepEqual(inner.assigned, { file: 'model.py', line, column: text.indexOf('self.inner') });
    assert.notEqual(text.indexOf('Inner(fail)'), Buffer.from(text.slice(0, text.indexOf('Inner(fail)'))).length, 'the line has non-ASCII text');
    const fc = r.modules.find((m) => m.name === 'inner.fc')!;
    assert.deepEqual(fc.source, { file: 'model.py', line: lineOf('self.fc = nn.Linear'), column: LINES[lineOf('self.fc = nn.Linear') - 1].indexOf('nn.Linear') });
  });

  it('a Python error in a forward the engine calls points at its line, with the traceback through both modules', async () => {
    const model = await build({ mode: 'raise' });
    const error = await failure(forward(model.handle));
    assert.deepEqual([error.code, error.type, error.message, error.file, error.line], ['PythonError', 'ValueError', 'bad input', 'model.py', lineOf('raise ValueError("bad input")')]);
    const trace = error.pythonTraceback ?? '';
    assert.match(trace, new RegExp(`line ${lineOf('return self.inner(x')}, in forward\n[\\s\\S]*line ${lineOf('raise ValueError("bad input")')}, in forward\n`));
    assert.doesNotMatch(trace, /_torch_explorer|_core\.py/, 'the shim\'s plumbing is not part of the traceback');
  });

  it('an engine error inside user code is raised at the user\'s call with PyTorch\'s message', async () => {
    const model = await build({ mode: 'shape' });
    const error = await failure(forward(model.handle));
    assert.deepEqual([error.type, error.message, error.line], ['RuntimeError', 'mat1 and mat2 shapes cannot be multiplied (2x2 and 4x3)', lineOf('return self.fc(x[:, :2])')]);
  });

  it('an error in __init__ during instantiate points at the raise', async () => {
    const error = await failure(build({ fail: true }));
    assert.deepEqual([error.type, error.message, error.file, error.line], ['ValueError', 'bad configuration', 'model.py', lineOf('raise ValueError("bad configuration")')]);
  });

  it('the time limit stops a runaway forward; the next request works', async () => {
    const model = await build({ mode: 'spin' });
    const started = Date.now();
    const error = await failure(forward(model.handle, 1000));
    assert.equal(error.code, 'Timeout');
    assert.match(error.message, /time limit of 1000 ms/);
    assert.ok(Date.now() - started < 5000);
    const again = await build({});
    const ok = await forward(again.handle);
    assert.deepEqual(ok.output.shape, [2, 3]);
  });
});
