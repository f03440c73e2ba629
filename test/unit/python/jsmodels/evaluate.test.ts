// TypeScript/JavaScript model files evaluated in this process (the engine process's sandbox is tested in
// sandbox.test.ts): entries, instantiation against the same model built directly, kwargs, imports between
// files, source locations of modules, errors at the right line, time limits.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nn, torch } from '../../../../src/engine';
import type { Module } from '../../../../src/engine/nn';
import { moduleMeta } from '../../../../src/python/process/engine/handles';
import { evaluateJsModelFiles, JsModelError, type JsModelErrorInfo } from '../../../../src/python/process/jsmodels';
import * as cnn from '../../../../examples/tiny_cnn';
import * as lm from '../../../../examples/tiny_transformer';

const root = path.resolve(__dirname, '..', '..', '..', '..');
const example = (name: string) => fs.readFileSync(path.join(root, 'examples', name), 'utf8');
const examples = { 'examples/tiny_cnn.ts': example('tiny_cnn.ts'), 'examples/tiny_transformer.ts': example('tiny_transformer.ts') };

function failure(fn: () => unknown): JsModelErrorInfo {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof JsModelError, `expected a JsModelError, got ${String(error)}`);
    return error.error;
  }
  assert.fail('expected an error');
}

/** Everything the inspector compares: structure, repr, state_dict keys, dtypes and values. */
function snapshot(model: Module) {
  return {
    modules: [...model.named_modules()].map(([name, m]) => [name, m._get_name()]),
    repr: String(model),
    stateDict: [...model.state_dict()].map(([key, t]) => [key, t.dtype, [...t.shape], t.contiguous().rawArray()]),
  };
}

describe('jsmodels: evaluating TypeScript model files', () => {
  it('lists the entries of examples/tiny_cnn.ts with their lines (an input helper is no entry)', () => {
    const evaluation = evaluateJsModelFiles(examples, 'examples/tiny_cnn.ts');
    assert.deepEqual(evaluation.entries, [
      { name: 'ConvBlock', kind: 'class', line: 10 },
      { name: 'TinyCNN', kind: 'class', line: 25 },
      { name: 'tiny_cnn', kind: 'factory', line: 53 },
    ]);
    assert.deepEqual(evaluation.names.map((n) => [n.name, n.kind, n.line]), [
      ['ConvBlock', 'class', 10], ['TinyCNN', 'class', 25], ['tiny_cnn', 'function', 53], ['example_input', 'function', 58],
    ]);
  });

  it('builds tiny_cnn exactly as the engine does directly: modules, repr, state_dict keys, dtypes and values', () => {
    const built = evaluateJsModelFiles(examples, 'examples/tiny_cnn.ts').instantiate('tiny_cnn', { num_classes: 7 });
    torch.manual_seed(0);
    const direct = cnn.tiny_cnn(7);
    assert.deepEqual(snapshot(built), snapshot(direct));
    assert.equal([...built.named_modules()].length, 16);
  });

  it('builds tiny_transformer with its tied head, and runs it', () => {
    const evaluation = evaluateJsModelFiles(examples, 'examples/tiny_transformer.ts');
    assert.deepEqual(evaluation.entries, [
      { name: 'TinyTransformerLM', kind: 'class', line: 6 },
      { name: 'tiny_transformer', kind: 'factory', line: 32 },
    ]);
    const built = evaluation.instantiate('TinyTransformerLM');
    torch.manual_seed(0);
    const direct = lm.tiny_transformer();
    assert.deepEqual(snapshot(built), snapshot(direct));
    assert.ok(![...built.named_parameters()].some(([n]) => n === 'lm_head.weight'));
    built.eval();
    const out = evaluation.run(() => built.call(lm.example_input()) as { shape: number[] });
    assert.deepEqual(out.shape, [2, 12, 100]);
  });

  it('records where modules were created and assigned, columns mapped back through the transpiler', () => {
    const model = evaluateJsModelFiles(examples, 'examples/tiny_cnn.ts').instantiate('tiny_cnn');
    const meta = (name: string) => moduleMeta(model.get_submodule(name));
    const at = (line: number, column: number) => ({ file: 'examples/tiny_cnn.ts', line, column });
    assert.deepEqual(meta(''), { created: at(54, 9) });                       // `return new TinyCNN(...)` in the factory
    assert.deepEqual(meta('features'), { created: at(38, 20), assigned: at(38, 4) });
    assert.deepEqual(meta('features.1'), { created: at(35, 18) });            // blocks.push(new ConvBlock(...))
    assert.deepEqual(meta('features.1.conv'), { created: at(16, 16), assigned: at(16, 4) });
    assert.deepEqual(meta('head.2'), { created: at(40, 73) });                // an argument of nn.Sequential
    // the transpiler lengthens `nn.functional` to `_torchexplorer.nn.functional`; the column is the source's
    const files = { 'm.ts': "import { nn } from 'torch-explorer';\nexport const act = nn.functional.relu; export const layer = new nn.Linear(2, 2);\n" };
    const layer = evaluateJsModelFiles(files, 'm.ts').instantiate('layer');
    assert.deepEqual(moduleMeta(layer)?.created, { file: 'm.ts', line: 2, column: files['m.ts'].split('\n')[1].indexOf('new nn.Linear') });
  });

  it('leaves modules the engine builds inside its own layers without a location, as Python does', () => {
    const model = evaluateJsModelFiles(examples, 'examples/tiny_transformer.ts').instantiate('tiny_transformer');
    assert.equal(moduleMeta(model.get_submodule('encoder'))?.created?.line, 18);
    assert.equal(moduleMeta(model.get_submodule('encoder.layers.0.linear1')), undefined);
  });

  it('resolves relative imports between handed-over files, and places modules in the file that built them', () => {
    const files = {
      'models/blocks.ts': "import { nn } from 'torch-explorer';\n\nexport class Block extends nn.Module {\n  declare fc: nn.Linear;\n  constructor(width: number) {\n    super();\n    this.fc = new nn.Linear(width, width);\n  }\n}\n",
      'models/net.ts': "import { nn } from 'torch-explorer';\nimport { Block } from './blocks.js';\n\nexport class Net extends nn.Module {\n  blocks = new nn.ModuleList([new Block(4), new Block(4)]);\n}\n\nexport function build(): Net {\n  return new Net();\n}\n",
    };
    const evaluation = evaluateJsModelFiles(files, 'models/net.ts');
    assert.deepEqual(evaluation.entries, [{ name: 'Net', kind: 'class', line: 4 }, { name: 'build', kind: 'factory', line: 8 }]);
    const model = evaluation.instantiate('build');
    assert.deepEqual([...model.state_dict().keys()], ['blocks.0.fc.weight', 'blocks.0.fc.bias', 'blocks.1.fc.weight', 'blocks.1.fc.bias']);
    assert.deepEqual(moduleMeta(model.get_submodule('blocks.1.fc')), {
      created: { file: 'models/blocks.ts', line: 7, column: 14 }, assigned: { file: 'models/blocks.ts', line: 7, column: 4 },
    });
    assert.deepEqual(moduleMeta(model.get_submodule('blocks.1'))?.created, { file: 'models/net.ts', line: 5, column: 44 });
  });

  it('tells factories from other functions by declared return types and returned constructions, without calling them', () => {
    const source = `import { nn, torch } from 'torch-explorer';
export class Net extends nn.Module {
  constructor(width = 4, { depth = 1 }: { depth?: number } = {}) {
    super();
    this.body = new nn.Sequential(...Array.from({ length: depth }, () => new nn.Linear(width, width)));
  }
}
export const arrow = () => new Net(8);
export const typed = (w: number): nn.Sequential => make(w);
export function viaLocal() {
  console.log('viaLocal was called');
  const m = new nn.Sequential(new nn.ReLU());
  return m;
}
export function viaFactory() { return viaLocal(); }
export function count(): number { return 1; }
export function input() { return torch.zeros(2); }
export const instance = new Net(3);
function make(w: number) { return new nn.Sequential(new nn.Linear(w, w)); }
export class Wide extends nn.Linear {}
export { make as made };
`;
    const logged: string[] = [];
    const evaluation = evaluateJsModelFiles({ 'f.ts': source }, 'f.ts', { log: (_level, message) => logged.push(message) });
    assert.deepEqual(evaluation.entries.map((e) => [e.name, e.kind, e.line]), [
      ['Net', 'class', 2], ['arrow', 'factory', 8], ['typed', 'factory', 9], ['viaLocal', 'factory', 10],
      ['viaFactory', 'factory', 15], ['instance', 'instance', 18], ['made', 'factory', 19], ['Wide', 'class', 20],
    ]);
    assert.deepEqual(logged, []);
    assert.equal(String(evaluation.instantiate('viaFactory')), 'Sequential(\n  (0): ReLU()\n)');
    assert.deepEqual(logged, ['viaLocal was called']);
  });

  it('passes kwargs by parameter name, the rest as an options object, and engine layers their own keywords', () => {
    const source = `import { nn } from 'torch-explorer';
export class Net extends nn.Module {
  constructor(width = 4, { depth = 1, bias = true }: { depth?: number; bias?: boolean } = {}) {
    super();
    this.body = new nn.Sequential(...Array.from({ length: depth }, () => new nn.Linear(width, width, { bias })));
  }
}
export class Wide extends nn.Linear {}
export function plain(width = 2) { return new nn.Linear(width, 1); }
export const instance = new Net();
`;
    const evaluation = evaluateJsModelFiles({ 'k.ts': source }, 'k.ts');
    const net = evaluation.instantiate('Net', { width: 3, depth: 2, bias: false });
    assert.deepEqual([...net.state_dict().keys()], ['body.0.weight', 'body.1.weight']);
    assert.deepEqual([...net.state_dict().get('body.1.weight')!.shape], [3, 3]);
    assert.equal(String(evaluation.instantiate('Wide', { in_features: 2, out_features: 5 })), 'Wide(in_features=2, out_features=5, bias=True)');
    assert.equal(String(evaluation.instantiate('plain', { width: 6 })), 'Linear(in_features=6, out_features=1, bias=True)');
    assert.equal(String(evaluation.instantiate('plain')), 'Linear(in_features=2, out_features=1, bias=True)');
    const unexpected = failure(() => evaluation.instantiate('plain', { widht: 6 }));
    assert.deepEqual([unexpected.type, unexpected.message], ['TypeError', "plain() got an unexpected keyword argument 'widht'"]);
    assert.match(failure(() => evaluation.instantiate('instance', { width: 1 })).message, /module instance; it takes no keyword arguments/);
    assert.match(failure(() => evaluation.instantiate('nothing')).message, /'nothing' is not an entry of k\.ts \(entries: Net, Wide, instance, plain\)/);
  });

  it('reports syntax errors, runtime errors and failed imports at the workspace file and line', () => {
    const syntax = failure(() => evaluateJsModelFiles({ 's.ts': 'const a = 1;\nconst b = (;\n' }, 's.ts'));
    assert.deepEqual(syntax, { code: 'PythonError', type: 'SyntaxError', message: 'Unexpected token', file: 's.ts', line: 2, column: 11 });
    // an error only V8's compiler finds (sucrase accepts it)
    const early = failure(() => evaluateJsModelFiles({ 'e.ts': 'let a = 1;\n\n  let a = 2;\n' }, 'e.ts'));
    assert.deepEqual([early.type, early.file, early.line, early.column], ['SyntaxError', 'e.ts', 3, 6]);

    const files = {
      'main.ts': "import { nn } from 'torch-explorer';\nimport { helper } from './lib/helper';\nexport class Net extends nn.Module {\n  constructor() {\n    super();\n    this.fc = new nn.Linear(2, 3, { bais: true });\n  }\n}\nexport const value = helper();\n",
      'lib/helper.ts': 'export function helper(): number {\n  return 1;\n}\n',
    };
    const runtime = failure(() => evaluateJsModelFiles(files, 'main.ts').instantiate('Net'));
    assert.deepEqual([runtime.type, runtime.message, runtime.file, runtime.line, runtime.column],
      ['TypeError', "Linear() got an unexpected keyword argument 'bais'", 'main.ts', 6, 14]);
    assert.match(runtime.stack!, /^TypeError: Linear\(\) got an unexpected keyword argument 'bais'\n {4}at new Net \(main\.ts:6:15\)/);

    const inSibling = failure(() => evaluateJsModelFiles({ ...files, 'lib/helper.ts': 'export function helper(): number {\n  throw new RangeError("no helper");\n}\n' }, 'main.ts'));
    assert.deepEqual([inSibling.type, inSibling.file, inSibling.line], ['RangeError', 'lib/helper.ts', 2]);
    assert.match(inSibling.stack!, /at helper \(lib\/helper\.ts:2:9\)\n {4}at <module> \(main\.ts:9:/);

    const missing = failure(() => evaluateJsModelFiles({ 'm.ts': "\nimport { x } from './nowhere';\nexport const y = x;\n" }, 'm.ts'));
    assert.deepEqual([missing.message, missing.line], ["Cannot find module './nowhere' imported from m.ts: no such file among the workspace files handed to the engine", 2]);
    const asyncCode = failure(() => evaluateJsModelFiles({ 'a.ts': "export const x = 1;\nexport class A {\n  async load() {}\n}\n" }, 'a.ts'));
    assert.deepEqual([asyncCode.type, asyncCode.line, asyncCode.column], ['SyntaxError', 3, 2]);
    assert.match(asyncCode.message, /^async code is not supported in model files/);
    const builtin = failure(() => evaluateJsModelFiles({ 'm.ts': "import * as fs from 'node:fs';\nexport const read = fs.readFileSync;\n" }, 'm.ts'));
    assert.match(builtin.message, /Cannot find module 'node:fs' .*Node's built-in modules are not available/);
  });

  it('replaces unknown packages with reported stubs, and routes console output to the log', () => {
    const logs: [string, string][] = [];
    const source = "import { nn } from 'torch-explorer';\nimport { colors } from 'fancy-logger';\ncolors.red('x').bold;\nconsole.log('building', new Date() instanceof colors.Color, new nn.ReLU());\nconsole.warn({ a: 1 });\nexport const m = new nn.ReLU();\n";
    const evaluation = evaluateJsModelFiles({ 'log.ts': source }, 'log.ts', { log: (level, message) => logs.push([level, message]) });
    assert.deepEqual(evaluation.stubbedImports, [{ name: 'fancy-logger', importedFrom: { file: 'log.ts', line: 2 } }]);
    assert.deepEqual(logs, [['stdout', 'building false ReLU()'], ['stderr', '{ a: 1 }']]);
    assert.deepEqual(evaluation.entries, [{ name: 'm', kind: 'instance', line: 6 }]);
  });

  it('stops a runaway loop at the time limit (in the file, in a constructor, in forward), and the next evaluation works', () => {
    let started = Date.now();
    const loop = failure(() => evaluateJsModelFiles({ 'loop.ts': 'for (;;) { try { while (true) {} } catch {} }\n' }, 'loop.ts', { timeoutMs: 200 }));
    assert.deepEqual([loop.code, loop.type], ['Timeout', 'TimeoutError']);
    assert.ok(Date.now() - started < 2000);

    const source = "import { nn } from 'torch-explorer';\nexport class Slow extends nn.Module {\n  constructor(spin = false) { super(); while (spin) {} }\n  forward(x) { while (true) {} }\n}\n";
    const evaluation = evaluateJsModelFiles({ 'slow.ts': source }, 'slow.ts', { timeoutMs: 200 });
    started = Date.now();
    assert.equal(failure(() => evaluation.instantiate('Slow', { spin: true })).code, 'Timeout');
    const model = evaluation.instantiate('Slow');
    assert.equal(failure(() => evaluation.run(() => model.call(torch.zeros(1)))).code, 'Timeout');
    assert.ok(Date.now() - started < 3000);
    assert.equal(evaluateJsModelFiles(examples, 'examples/tiny_cnn.ts').entries.length, 3);
  });

  it('gives model code the engine as frozen namespaces, and the examples\' relative engine import the same', () => {
    const source = "import { nn, torch, F } from 'torch-explorer';\nimport * as viaPath from '../src/engine';\nexport const same = nn.Linear === viaPath.nn.Linear && F.relu === nn.functional.relu && typeof torch.zeros === 'function';\nlet frozen = false;\ntry { (nn as any).Linear = null; } catch (e) { frozen = e instanceof TypeError; }\nexport const wasFrozen = frozen;\n";
    const evaluation = evaluateJsModelFiles({ 'examples/ns.ts': source }, 'examples/ns.ts');
    assert.deepEqual(evaluation.names.map((n) => [n.name, n.type]), [['same', 'boolean'], ['wasFrozen', 'boolean']]);
    assert.equal(evaluation.run(() => nn.Linear.name), 'Linear');
  });
});
