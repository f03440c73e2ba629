// TypeScript model files in the real engine process: first what Node's `vm` does under the process's flags
// (the permission model and --disallow-code-generation-from-strings), then every escape route tried from a
// model file, which must fail without reaching the host, and the time limit on runaway code.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { launchArgs } from '../../../../src/python/host/process-options';
import { EngineRequestError } from '../../../../src/python/host/engine-client';
import type { EngineError, ListEntriesResult } from '../../../../src/protocol/engine';
import { EngineHarness } from '../engine-harness';

const root = path.resolve(__dirname, '..', '..', '..', '..');
const tinyCnn = { 'examples/tiny_cnn.ts': fs.readFileSync(path.join(root, 'examples', 'tiny_cnn.ts'), 'utf8') };

/** Runs under the engine process's flags and prints what vm allows, as JSON. */
const VM_PROBE = `
'use strict';
const vm = require('node:vm');
const out = {};
const attempt = (name, fn) => { try { out[name] = fn(); } catch (e) { out[name] = e.code || e.name; } };
attempt('permissionModel', () => !!process.permission && !process.permission.has('fs.read', '/'));
attempt('hostFunction', () => new Function('return 1')());
attempt('script', () => new vm.Script('6 * 7').runInContext(vm.createContext({})));
attempt('compileFunction', () => vm.compileFunction('return typeof process', [], { contextExtensions: [{ process: undefined }] })());
attempt('evalInDefaultContext', () => vm.runInContext('eval("1 + 1")', vm.createContext({})));
attempt('evalInStrictContext', () => vm.runInContext('eval("1 + 1")', vm.createContext({}, { codeGeneration: { strings: false } })));
attempt('evalInCompiledFunction', () => vm.compileFunction('return eval("1 + 1")')());
const loop = vm.compileFunction('while (true) {}');
const ctx = vm.createContext({ loop });
attempt('timeout', () => vm.runInContext('loop()', ctx, { timeout: 100 }));
attempt('afterTimeout', () => vm.runInContext('21 * 2', ctx, { timeout: 100 }));
console.log(JSON.stringify(out));
`;

describe('jsmodels sandbox: vm under the engine process flags', function () {
  this.timeout(30_000);

  it('vm.Script and vm.compileFunction work; eval is refused except in a context made with default options', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'te-vm-probe-'));
    try {
      const probe = path.join(dir, 'probe.js');
      fs.writeFileSync(probe, VM_PROBE);
      const launch = launchArgs(process.allowedNodeEnvironmentFlags, [dir], { maxOldSpaceMb: 256, allowWorkerThreads: false });
      assert.ok(launch.permissionFlags, 'this Node has the permission model');
      const out = JSON.parse(execFileSync(process.execPath, [...launch.execArgv, probe], { env: {}, encoding: 'utf8' }));
      assert.deepEqual(out, {
        permissionModel: true,
        hostFunction: 'EvalError',
        script: 42,
        compileFunction: 'undefined',
        // Node turns code generation back on for a new context unless told otherwise: model code therefore runs
        // in the process's own (flagged, frozen) realm, and the time-limit context is created with strings: false.
        evalInDefaultContext: 2,
        evalInStrictContext: 'EvalError',
        evalInCompiledFunction: 'EvalError',
        timeout: 'ERR_SCRIPT_EXECUTION_TIMEOUT',
        afterTimeout: 42,
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('jsmodels sandbox: escape routes from a TypeScript model file fail without reaching the host', function () {
  this.timeout(120_000);
  let engine: EngineHarness;
  let dir: string;
  let secret: string;
  let secretFile: string;
  let marker: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'te-jssandbox-'));
    secret = `secret-${randomUUID()}`;
    secretFile = path.join(dir, 'secret.txt');
    marker = path.join(dir, 'escaped.marker');
    fs.writeFileSync(secretFile, secret);
    engine = await EngineHarness.start();
  });

  after(async () => {
    await engine?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function assertHostUntouched(text: string): void {
    assert.ok(!text.includes(secret), 'the secret reached model code');
    assert.ok(!fs.existsSync(marker), 'a marker file was created on the host');
  }

  async function request<T>(kind: string, params: Record<string, unknown>, timeoutMs?: number): Promise<{ result?: T; error?: EngineError }> {
    try {
      return { result: (await engine.client.request(kind as 'listEntries', params as never, { timeoutMs })) as T };
    } catch (error) {
      if (!(error instanceof EngineRequestError)) throw error;
      return { error: error.error };
    }
  }

  it('finds no process, require of Node modules, code generation, host global or writable intrinsic', async () => {
    // Each route, were it to work, reads the secret and writes the marker; each line prints how it failed.
    const payload = `const fs = p.getBuiltinModule ? p.getBuiltinModule('fs') : p.mainModule.require('fs'); fs.writeFileSync(${JSON.stringify(marker)}, 'x'); return fs.readFileSync(${JSON.stringify(secretFile)}, 'utf8');`;
    const source = `import { nn, torch } from 'torch-explorer';
const routes: [string, () => unknown][] = [
  ['globals', () => [typeof process, typeof Buffer, typeof globalThis.process, typeof setTimeout, typeof fetch, typeof WebAssembly, typeof SharedArrayBuffer, typeof Promise, typeof queueMicrotask].join(',')],
  ['require fs', () => require('fs').readFileSync(${JSON.stringify(secretFile)}, 'utf8')],
  ['require child_process', () => require('node:child_process').execSync('touch ${marker}')],
  ['eval', () => eval('process')],
  ['indirect eval', () => (0, eval)('process')],
  ['Function', () => Function('p', ${JSON.stringify(payload)})(process)],
  ['this.constructor.constructor', () => this.constructor.constructor('return process')()],
  ['engine class constructor', () => (nn.Module as any).constructor('return process')()],
  ['tensor constructor', () => (torch.zeros(1) as any).constructor.constructor('return process')()],
  ['generator constructor', () => Object.getPrototypeOf(function* () {}).constructor('yield process')],
  ['Reflect.construct', () => Reflect.construct(Function, ['return process'])()],
  ['sloppy this', () => String((function (this: unknown) { return this; })())],
  ['prepareStackTrace', () => { (Error as any).prepareStackTrace = (_e: unknown, s: unknown) => s; return typeof new Error().stack; }],
  ['pollute Object.prototype', () => { (Object.prototype as any).polluted = 1; return 'polluted'; }],
  ['getter on Object.prototype', () => Object.defineProperty(Object.prototype, 'trap', { get() { return this; } })],
  ['replace an engine name', () => { (nn as any).Linear = null; return 'replaced'; }],
  ['module top-level this', () => Object.keys(this).join(',') || 'exports'],
];
for (const [name, route] of routes) {
  try {
    console.log(name + ': returned ' + String(route()));
  } catch (e) {
    console.log(name + ': ' + (e as Error).name + ': ' + (e as Error).message);
  }
}
export const done = true;
`;
    const outcome = await engine.run('', { files: { 'escape.ts': source }, entryFile: 'escape.ts' });
    assert.equal(outcome.error, undefined, JSON.stringify(outcome.error));
    const lines = new Map(outcome.output.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]));
    assert.equal(lines.get('globals'), 'returned ' + Array(9).fill('undefined').join(','));
    assert.match(lines.get('require fs')!, /^Error: Cannot find module 'fs' imported from escape\.ts: Node's built-in modules are not available/);
    assert.match(lines.get('require child_process')!, /^Error: Cannot find module 'node:child_process'/);
    for (const route of ['eval', 'indirect eval', 'Function', 'this.constructor.constructor', 'engine class constructor',
      'tensor constructor', 'generator constructor', 'Reflect.construct'])
      assert.equal(lines.get(route), 'EvalError: Code generation from strings disallowed for this context', route);
    assert.equal(lines.get('sloppy this'), 'returned undefined');
    assert.match(lines.get('prepareStackTrace')!, /^TypeError: Cannot assign to read only property 'prepareStackTrace'/);
    assert.match(lines.get('pollute Object.prototype')!, /^TypeError: Cannot add property polluted, object is not extensible/);
    assert.match(lines.get('getter on Object.prototype')!, /^TypeError: Cannot define property trap, object is not extensible/);
    assert.match(lines.get('replace an engine name')!, /^TypeError: Cannot assign to read only property 'Linear'/);
    assert.equal(lines.get('module top-level this'), 'returned exports');
    assertHostUntouched(outcome.output);
  });

  it('refuses async code, which could run on after the request (outside the time limit), and has no Promise', async () => {
    const refused = await request('listEntries', { files: { 'later.ts': "export const m = 1;\n(async () => { for (;;); })();\n" }, entryFile: 'later.ts' });
    assert.deepEqual([refused.error?.type, refused.error?.line], ['SyntaxError', 2]);
    const viaImport = await request('listEntries', { files: { 'later.ts': "export const m = import('fs');\n" }, entryFile: 'later.ts' });
    assert.equal(viaImport.error?.type, 'TypeError', 'sucrase turns import() into Promise.resolve(), and there is no Promise');
    assert.equal((await request('ping', {})).error, undefined);
  });

  it('evaluates, lists, builds, inspects and runs examples/tiny_cnn.ts in the sandboxed process', async () => {
    const listed = await request<ListEntriesResult>('listEntries', { files: tinyCnn, entryFile: 'examples/tiny_cnn.ts' });
    assert.deepEqual(listed.result?.entries.map((e) => [e.name, e.kind, e.line]), [['ConvBlock', 'class', 10], ['TinyCNN', 'class', 25], ['tiny_cnn', 'factory', 53]]);
    const built = await request<{ handle: number }>('instantiate', { entry: 'tiny_cnn', kwargs: { num_classes: 4 } });
    const inspected = await request<{ entry: string; modules: { name: string; source?: { line: number } }[] }>('inspect', { model: built.result!.handle });
    assert.equal(inspected.result?.entry, 'tiny_cnn');
    assert.equal(inspected.result?.modules.find((m) => m.name === 'features.2.conv')?.source?.line, 16);
    const forward = await request<{ output: { shape: number[] } }>('forward', { model: built.result!.handle, input: { shape: [1, 3, 8, 8] } });
    assert.deepEqual(forward.result?.output.shape, [1, 4]);
  });

  it('stops runaway model code at the time limit (while loading, building, in forward); the process keeps working', async () => {
    let started = Date.now();
    const loading = await request('listEntries', { files: { 'loop.ts': 'while (true) {}\n' }, entryFile: 'loop.ts' }, 1000);
    assert.deepEqual([loading.error?.code, loading.error?.type], ['Timeout', 'TimeoutError']);
    assert.ok(Date.now() - started < 5000, 'stopped near the limit, not by the host killing the process');

    const source = "import { nn } from 'torch-explorer';\nexport class Spin extends nn.Module {\n  constructor(spin = false) { super(); while (spin) {} }\n  forward(x: unknown) { for (;;) { try { while (true) {} } catch {} } }\n}\n";
    assert.ok((await request('listEntries', { files: { 'spin.ts': source }, entryFile: 'spin.ts' })).result);
    started = Date.now();
    assert.equal((await request('instantiate', { entry: 'Spin', kwargs: { spin: true } }, 1000)).error?.code, 'Timeout');
    const built = await request<{ handle: number }>('instantiate', { entry: 'Spin' }, 1000);
    const forward = await request('forward', { model: built.result!.handle, input: { shape: [1] } }, 1000);
    assert.equal(forward.error?.code, 'Timeout');
    assert.ok(Date.now() - started < 8000);

    const pid = engine.client.pid;
    const after = await request<ListEntriesResult>('listEntries', { files: tinyCnn, entryFile: 'examples/tiny_cnn.ts' });
    assert.equal(after.result?.entries.length, 3);
    const python = await engine.run('import torch\nnet = torch.nn.Linear(2, 3)\n');
    assert.equal(python.error, undefined, 'a Python file evaluates after the TypeScript ones');
    assert.equal(engine.client.pid, pid, 'the same process: it was never killed');
  });

  it('reports model errors at the workspace file and line', async () => {
    const files = {
      'net.ts': "import { nn } from 'torch-explorer';\nimport { width } from './config';\nexport const net = new nn.Linear(width, 2, { bias: 'yes', bais: 1 });\n",
      'config.ts': 'export const width = 4;\n',
    };
    const failed = await request('listEntries', { files, entryFile: 'net.ts' });
    assert.deepEqual([failed.error?.code, failed.error?.type, failed.error?.file, failed.error?.line], ['PythonError', 'TypeError', 'net.ts', 3]);
    assert.match(failed.error?.message ?? '', /unexpected keyword argument 'bais'/);
  });
});
