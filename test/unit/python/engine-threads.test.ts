// Worker threads in the engine process: asked for, the process gets --allow-worker and runs the WASM kernels
// on several threads with the same results; its workers keep the permission model and Python cannot start any.
import { strict as assert } from 'node:assert';
import { EngineHarness } from './engine-harness';

// A convolution and a product big enough to be split (the kernels' parallel thresholds), printed exactly.
const MODEL = `
import torch
from torch import nn
torch.manual_seed(0)
net = nn.Sequential(nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(64 * 28 * 28, 256))
net.eval()
x = torch.randn(2, 32, 28, 28)
with torch.no_grad():
    y = net(x)
print(repr(y.sum().item()), repr(y[1, :4].tolist()))
`;

// What a model file might try once threads exist: each line prints the name of a route that worked.
const ESCAPES = `
import sys
routes = []
try:
    import js
    js.eval("1")
    routes.append("js.eval")
except Exception:
    pass
try:
    import pyodide_js
    routes.append("pyodide_js")
except Exception:
    pass
try:
    from pyodide.code import run_js
    run_js("new (require('node:worker_threads').Worker)('1', {eval: true})")
    routes.append("run_js worker")
except Exception:
    pass
try:
    import os
    os.system("true")
    routes.append("os.system")
except Exception:
    pass
print("routes:", routes)
`;

describe('engine process: WASM kernel threads', function () {
  this.timeout(120_000);
  let single: EngineHarness;
  let threaded: EngineHarness;

  before(async () => {
    single = await EngineHarness.start({ kernels: 'wasm', threads: 1 });
    threaded = await EngineHarness.start({ kernels: 'wasm', threads: 2 });
  });
  after(async () => {
    await single?.dispose();
    await threaded?.dispose();
  });

  it('reports the kernel set it runs: relaxed SIMD (enabled on Node 20), one thread by default, two when asked', () => {
    assert.equal(single.client.stats.kernels, 'wasm-relaxedSimd');
    assert.equal(threaded.client.stats.kernels, 'wasm-relaxedSimd-2threads');
    assert.equal(threaded.client.sandbox.sandboxed, true);
  });

  it('gives the same forward results on two threads as on one', async () => {
    const one = await single.run(MODEL);
    const two = await threaded.run(MODEL);
    assert.equal(one.error, undefined, one.error?.message);
    assert.equal(two.error, undefined, two.error?.message);
    const parse = (text: string) => text.match(/-?\d[\d.e+-]*/g)!.map(Number);
    const a = parse(one.output), b = parse(two.output);
    assert.equal(a.length, 5);
    assert.equal(b.length, 5);
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-4 * Math.abs(a[i]) + 1e-4, `${a[i]} vs ${b[i]}`);
  });

  it('keeps every escape route closed with threads allowed', async () => {
    const outcome = await threaded.run(ESCAPES);
    assert.equal(outcome.error, undefined, outcome.error?.message);
    assert.match(outcome.output, /routes: \[\]/);
  });
});
