// The CLI's pure parts in-process: option parsing, chunked statistics, the files handed to the engine,
// traceback trimming, the tree layout.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PyFloat } from '../../../src/engine/dtype';
import { relevantTraceback } from '../../../src/cli/errors';
import { treeRows } from '../../../src/cli/module-tree';
import { parseAmount, parseKwargs, parseShape } from '../../../src/cli/options';
import { CHUNK_ELEMENTS, tensorStats } from '../../../src/cli/tensor-stats';
import { collectWorkspace, scanImports } from '../../../src/cli/workspace';
import { median, medianLayers } from '../../../src/cli/commands/forward';

describe('cli: helpers', () => {
  it('parses shapes in the spellings people type', () => {
    assert.deepEqual(parseShape('1,3,224,224'), [1, 3, 224, 224]);
    assert.deepEqual(parseShape('[2, 3]'), [2, 3]);
    assert.deepEqual(parseShape('2x3x4'), [2, 3, 4]);
    assert.deepEqual(parseShape('(0, 5)'), [0, 5]);
    assert.throws(() => parseShape('2,-1'), /"-1" is not a size/);
    assert.throws(() => parseShape('1.5'), /"1\.5" is not a size/);
  });

  it('keeps the int/float distinction of --amount and rejects anything else', () => {
    assert.equal(parseAmount('10'), 10);
    assert.ok(parseAmount('1.0') instanceof PyFloat);
    assert.equal((parseAmount('0.25') as PyFloat).value, 0.25);
    assert.throws(() => parseAmount('abc'), /expected a fraction/);
    assert.deepEqual(parseKwargs('{"a": [1, 2]}'), { a: [1, 2] });
    assert.equal(parseKwargs(undefined), undefined);
  });

  it('statistics over several chunks equal the one-pass values (Chan merge)', () => {
    const n = CHUNK_ELEMENTS * 2 + 12345;
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) values[i] = 1000 + Math.sin(i) * (i % 7 === 0 ? 0 : 1);
    const bytes = new Uint8Array(values.buffer);
    const split = [bytes.subarray(0, 4 * 1000), bytes.subarray(4 * 1000, 4 * (CHUNK_ELEMENTS + 3)), bytes.subarray(4 * (CHUNK_ELEMENTS + 3))];
    const stats = tensorStats(split, 'float32')!;
    let sum = 0, min = Infinity;
    for (const v of values) {
      sum += v;
      min = Math.min(min, v);
    }
    const mean = sum / n;
    let m2 = 0;
    for (const v of values) m2 += (v - mean) ** 2;
    assert.ok(Math.abs(stats.mean! - mean) < 1e-9);
    assert.ok(Math.abs(stats.std! - Math.sqrt(m2 / (n - 1))) < 1e-9);
    assert.equal(stats.min, min);
    assert.equal(stats.sparsity, 0);
  });

  it('decodes float16 and bfloat16 bit patterns', () => {
    const half = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x0000, 0x7c00]).buffer); // 1, -2, 0, inf
    assert.deepEqual(tensorStats([half], 'float16'), { min: -2, max: 1, mean: -1 / 3, std: Math.sqrt(((1 + 1 / 3) ** 2 + (-2 + 1 / 3) ** 2 + (1 / 3) ** 2) / 2), sparsity: 0.25, nonFinite: 1 });
    const bf = new Uint8Array(new Uint16Array([0x3f80, 0x4040]).buffer); // 1, 3
    assert.deepEqual(tensorStats([bf], 'bfloat16'), { min: 1, max: 3, mean: 2, std: Math.SQRT2, sparsity: 0, nonFinite: 0 });
  });

  it('follows imports to the workspace files a model needs, and no others', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'te-ws-'));
    const write = (rel: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), text);
    };
    write('model.py', 'import torch\nfrom layers import Block\nfrom .utils import helper\nfrom pkg import (sub,\n  other)\nimport pkg.deep.mod as m\n');
    write('layers.py', 'from blocks import base\n');
    write('blocks/__init__.py', '');
    write('blocks/base.py', 'x = 1\n');
    write('utils.py', '');
    write('pkg/__init__.py', '');
    write('pkg/sub.py', '');
    write('pkg/deep/mod.py', '');
    write('unrelated.py', 'raise SystemExit\n');
    write('venv/lib/big.py', '');
    const ws = collectWorkspace(path.join(dir, 'model.py'));
    assert.deepEqual(Object.keys(ws.files).sort(), ['blocks/__init__.py', 'blocks/base.py', 'layers.py', 'model.py', 'pkg/__init__.py', 'pkg/deep/mod.py', 'pkg/sub.py', 'utils.py']);
    assert.equal(ws.entryFile, 'model.py');
    assert.deepEqual(scanImports('from . import a, b as c\n'), [{ level: 1, module: '', names: ['a', 'b'] }]);
    fs.rmSync(dir, { recursive: true });
  });

  it('keeps the last frames of a long traceback and rewrites its paths', () => {
    const frames = Array.from({ length: 20 }, (_, i) => `  File "m.py", line ${i + 1}, in f${i}\n    f${i + 1}()`).join('\n');
    const text = relevantTraceback(`Traceback (most recent call last):\n${frames}\nRecursionError: deep`, (f) => `src/${f}`);
    assert.match(text, /^Traceback \(most recent call last\):\n {2}\.\.\. 8 earlier frame\(s\)\n {2}File "src\/m\.py", line 9, in f8/);
    assert.equal(text.match(/File "/g)!.length, 12);
  });

  it('draws the module tree with branch lines', () => {
    const m = (name: string, type: string) => ({ name, type, params: 0, source: null });
    const rows = treeRows([m('', 'Net'), m('a', 'Seq'), m('a.0', 'Conv'), m('a.1', 'ReLU'), m('b', 'Linear')]);
    assert.deepEqual(rows.map((r) => r.label), ['(Net)', '├─ a', '│  ├─ 0', '│  └─ 1', '└─ b']);
  });

  it('takes per-layer medians over repeated runs', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
    const run = (ms: number) => [{ name: 'a', type: 'Conv', outputShape: [1], ms }];
    assert.deepEqual(medianLayers([run(5), run(1), run(3)]), run(3));
  });
});
