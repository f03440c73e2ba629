// Real files load: workspace imports resolve, unknown imports become reported stubs, `__main__` blocks do not
// run, the standard library works, errors point at the right workspace file, and the bridge converts values.
import * as assert from 'node:assert/strict';
import { EngineHarness } from './engine-harness';

describe('engine evaluation: imports, stubs, errors and the bridge', function () {
  this.timeout(120_000);
  let engine: EngineHarness;

  before(async () => {
    engine = await EngineHarness.start();
  });
  after(() => engine?.dispose());

  it('stubs `import torchvision.utils` and reports it, as an event and in the result', async () => {
    const outcome = await engine.run('import torchvision.utils\ngrid = torchvision.utils.make_grid\nprint(repr(grid))\n');
    assert.deepEqual(outcome.result?.stubbedImports, [
      { name: 'torchvision', importedFrom: { file: 'model.py', line: 1 } },
      { name: 'torchvision.utils', importedFrom: { file: 'model.py', line: 1 } },
    ]);
    const events = outcome.events.filter((e) => e.event === 'stubbedImport').map((e) => (e as { name: string }).name);
    assert.deepEqual(events, ['torchvision', 'torchvision.utils']);
    assert.match(outcome.output, /<stub torchvision\.utils\.make_grid>/);
  });

  it('stubs `from missing_pkg import thing` and records where the import was', async () => {
    const outcome = await engine.run('import math\n\nfrom missing_pkg import thing\nvalue = thing(3)\n');
    assert.deepEqual(outcome.result?.stubbedImports, [{ name: 'missing_pkg', importedFrom: { file: 'model.py', line: 3 } }]);
    assert.equal(outcome.error, undefined);
  });

  it('never stubs the standard library, private modules or Pyodide: those imports fail as in Python', async () => {
    const outcome = await engine.run(`
results = []
for name in ("tkinter", "_speedups_accel", "pyodide_js", "js.nothing", "idlelib.nothing"):
    try:
        __import__(name)
        results.append(name + " imported")
    except ImportError as e:
        results.append(name + " " + type(e).__name__)
try:
    from _speedups_accel import fast
except ImportError:
    fast = None
print(results, fast)
`);
    assert.equal(outcome.error, undefined, JSON.stringify(outcome.error));
    assert.doesNotMatch(outcome.output, /imported/);
    assert.deepEqual(outcome.result?.stubbedImports, []);
  });

  it('resolves `from .helpers import x` between workspace files next to the entry file', async () => {
    const outcome = await engine.run('', {
      entryFile: 'model.py',
      files: { 'model.py': 'from .helpers import x\nfrom helpers import x as same\nprint(x, same)\n', 'helpers.py': 'x = 41 + 1\n' },
    });
    assert.equal(outcome.error, undefined, JSON.stringify(outcome.error));
    assert.match(outcome.output, /42 42/);
    assert.deepEqual(outcome.result?.stubbedImports, []);
  });

  it('runs files inside packages under their dotted name, so `from ..utils import y` works', async () => {
    const outcome = await engine.run('', {
      entryFile: 'proj/models/net.py',
      files: {
        'proj/models/net.py': 'from ..utils import y\nfrom . import blocks\nprint(__name__, y, blocks.z)\n',
        'proj/models/blocks.py': 'z = "b"\n',
        'proj/utils.py': 'y = "u"\n',
      },
    });
    assert.equal(outcome.error, undefined, JSON.stringify(outcome.error));
    assert.equal(outcome.result?.moduleName, 'proj.models.net');
    assert.match(outcome.output, /proj\.models\.net u b/);
  });

  it('does not run `if __name__ == "__main__":` blocks', async () => {
    const outcome = await engine.run('print("name", __name__)\nif __name__ == "__main__":\n    raise SystemExit("ran")\n');
    assert.equal(outcome.error, undefined);
    assert.match(outcome.output, /name __workspace__\.model/);
  });

  it('sees edits between evaluations', async () => {
    const files = (v: number) => ({ 'model.py': 'from helpers import v\nprint("v", v)\n', 'helpers.py': `v = ${v}\n` });
    assert.match((await engine.run('', { entryFile: 'model.py', files: files(1) })).output, /v 1/);
    assert.match((await engine.run('', { entryFile: 'model.py', files: files(2) })).output, /v 2/);
  });

  it('supports dataclasses, typing, functools, math, collections and inspect', async () => {
    const outcome = await engine.run(`
import collections, functools, inspect, math
from dataclasses import dataclass, field
from typing import Optional

@dataclass
class Config:
    n_layer: int = 2
    sizes: list = field(default_factory=lambda: [3, 4])
    dropout: Optional[float] = None

@functools.lru_cache(maxsize=None)
def width(i: int) -> int:
    return int(math.sqrt(i * 16))

class Block:
    def __init__(self, config: Config, scale: float = 1.0):
        self.config = config

counts = collections.Counter(width(i) for i in range(1, 5))
print(Config(), dict(counts), list(inspect.signature(Block).parameters))
print(inspect.getsource(Block).splitlines()[0])
`);
    assert.equal(outcome.error, undefined, JSON.stringify(outcome.error));
    assert.match(outcome.output, /Config\(n_layer=2, sizes=\[3, 4\], dropout=None\) \{4: 1, 5: 1, 6: 1, 8: 1\} \['config', 'scale'\]/);
    assert.match(outcome.output, /class Block:/);
    const names = outcome.result!.names.map((n) => [n.name, n.kind, n.line]);
    assert.deepEqual(names, [['Config', 'class', 7], ['width', 'function', 13], ['Block', 'class', 16], ['counts', 'other', 20]]);
  });

  it('loads a torchvision-style file: stub base classes, decorators and weights enums', async () => {
    const outcome = await engine.run(`
from functools import partial
from torchvision.transforms._presets import ImageClassification
from torchvision.models._api import register_model, Weights, WeightsEnum
from torchvision.models._utils import handle_legacy_interface
from torchvision.utils import _log_api_usage_once

class ResNet18_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(url="https://example/resnet18.pth", transforms=partial(ImageClassification, crop_size=224),
                            meta={"num_params": 11689512})
    DEFAULT = IMAGENET1K_V1

@register_model()
@handle_legacy_interface(weights=("pretrained", ResNet18_Weights.IMAGENET1K_V1))
def resnet18(*, weights=None, progress=True, **kwargs):
    weights = ResNet18_Weights.verify(weights)
    _log_api_usage_once("resnet18")
    return ("model", weights)

print(resnet18(), isinstance(1, WeightsEnum), ResNet18_Weights.DEFAULT is ResNet18_Weights.IMAGENET1K_V1)
`);
    assert.equal(outcome.error, undefined, JSON.stringify(outcome.error));
    assert.match(outcome.output, /\('model', None\) False True/);
    const kinds = Object.fromEntries(outcome.result!.names.map((n) => [n.name, n.kind]));
    assert.deepEqual(kinds, { ResNet18_Weights: 'class', resnet18: 'function' });
  });

  it('reports a Python error at the innermost workspace frame, with a traceback of user frames', async () => {
    const outcome = await engine.run('', {
      entryFile: 'model.py',
      files: {
        'model.py': 'from helpers import build\n\nnet = build(3)\n',
        'helpers.py': 'def build(n):\n    sizes = [1, 2]\n    return sizes[n]\n',
      },
    });
    assert.equal(outcome.error?.code, 'PythonError');
    assert.equal(outcome.error?.type, 'IndexError');
    assert.equal(outcome.error?.message, 'list index out of range');
    assert.deepEqual([outcome.error?.file, outcome.error?.line, outcome.error?.column], ['helpers.py', 3, 11]);
    const traceback = outcome.error!.pythonTraceback!;
    assert.match(traceback, /^Traceback \(most recent call last\):\n {2}File "model\.py", line 3, in <module>/);
    assert.match(traceback, /File "helpers\.py", line 3, in build/);
    assert.doesNotMatch(traceback, /importlib|_torch_explorer|\/workspace\//);
  });

  it('reports a syntax error with its line and column (UTF-16)', async () => {
    const outcome = await engine.run('x = "é😀"\nclass Net(:\n    pass\n');
    assert.equal(outcome.error?.type, 'SyntaxError');
    assert.deepEqual([outcome.error?.file, outcome.error?.line, outcome.error?.column], ['model.py', 2, 10]);
  });

  it('rejects paths outside the workspace', async () => {
    const outcome = await engine.run('', { entryFile: '../etc/x.py', files: { '../etc/x.py': 'x = 1\n' } });
    assert.equal(outcome.error?.code, 'BadRequest');
  });

  it('bridge: converts arguments to JS and results back to plain Python values; reports progress', async () => {
    const outcome = await engine.run(`
from _torch_explorer import engine
from pyodide.ffi import JsProxy
echo = engine.call("bridge.echo", 1, 2.5, "a", None, True, [1, 2], (3,), {"k": [4]}, 2**60)
print(echo)
print(any(isinstance(v, JsProxy) for v in echo), type(echo).__name__, type(echo[7]).__name__)
print("bridge.echo" in engine.methods())
engine.call("progress", "building", 0.5)
try:
    engine.call("no.such.method")
except AttributeError as e:
    print("missing:", e)
`);
    assert.equal(outcome.error, undefined, JSON.stringify(outcome.error));
    assert.match(outcome.output, /^\[1, 2\.5, 'a', None, True, \[1, 2\], \[3\], \{'k': \[4\]\}, 1152921504606846976\]$/m);
    assert.match(outcome.output, /^False list dict$/m);
    assert.match(outcome.output, /^True$/m);
    assert.match(outcome.output, /missing: the engine has no method no\.such\.method/);
    const progress = outcome.events.find((e) => e.event === 'progress');
    assert.deepEqual(progress && { message: progress.message, fraction: progress.fraction }, { message: 'building', fraction: 0.5 });
  });

  it('evaluates a warm file well within 100 ms', async () => {
    const source = Array.from({ length: 40 }, (_, i) => `class Block${i}:\n    def __init__(self, n=${i}):\n        self.n = n\n`).join('\n');
    await engine.run(source);
    const outcome = await engine.run(source);
    assert.equal(outcome.result?.names.length, 40, JSON.stringify(outcome.error));
    assert.ok(outcome.ms < 100, `took ${outcome.ms} ms`);
  });
});
