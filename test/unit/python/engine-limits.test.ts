// Runaway files, crashes and the client's life cycle: each ends in a clear error and the next evaluation works.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineClient, EngineRequestError } from '../../../src/python/host/engine-client';
import { launchArgs } from '../../../src/python/host/process-options';
import { EngineHarness, bundlePath, buildEngineBundle } from './engine-harness';

const SMALL_FILE = 'x = 1\n';

describe('engine limits: runaway code, memory and crashes', function () {
  this.timeout(120_000);
  let engine: EngineHarness;
  const KILL_GRACE_MS = 1500;

  before(async () => {
    engine = await EngineHarness.start({ maxWasmMb: 256, killGraceMs: KILL_GRACE_MS });
  });
  after(() => engine?.dispose());

  async function assertNextWorks(): Promise<void> {
    const next = await engine.run(SMALL_FILE);
    assert.deepEqual(next.result?.names.map((n) => n.name), ['x'], JSON.stringify(next.error));
  }

  it('`while True: pass` stops with a timeout error at the limit, in the same process', async () => {
    const pid = engine.client.pid;
    const outcome = await engine.run('import math\n\nwhile True:\n    pass\n', { timeoutMs: 1000 });
    assert.equal(outcome.error?.code, 'Timeout');
    assert.match(outcome.error!.message, /time limit of 1000 ms \(stopped at model\.py:4\)/);
    assert.ok(outcome.ms >= 1000 && outcome.ms < 1000 + 500, `took ${outcome.ms} ms`);
    assert.equal(engine.client.pid, pid, 'interrupted, not restarted');
    await assertNextWorks();
  });

  it('code that swallows the interrupt is killed after the grace period; the process restarts', async () => {
    const pid = engine.client.pid;
    const outcome = await engine.run('while True:\n    try:\n        while True: pass\n    except BaseException:\n        pass\n', { timeoutMs: 800 });
    assert.equal(outcome.error?.code, 'Timeout');
    assert.match(outcome.error!.message, /did not stop; the engine process was restarted/);
    assert.ok(outcome.ms < 800 + KILL_GRACE_MS + 500, `took ${outcome.ms} ms`);
    const restartStarted = Date.now();
    await assertNextWorks();
    assert.notEqual(engine.client.pid, pid);
    console.log(`      restart after kill: next evaluation answered after ${Date.now() - restartStarted} ms`);
  });

  it('a 100 GiB allocation ends in a MemoryError', async () => {
    const outcome = await engine.run('buffer = bytearray(100 * 2**30)\n');
    assert.equal(outcome.error?.code, 'MemoryLimit');
    assert.equal(outcome.error?.type, 'MemoryError');
    assert.match(outcome.error!.message, /cannot allocate that much memory/);
    assert.equal(outcome.error?.line, 1);
    await assertNextWorks();
  });

  it('filling the capped Python heap ends in a MemoryError naming the cap', async () => {
    const outcome = await engine.run('chunks = []\nwhile True:\n    chunks.append(bytearray(16 * 2**20))\n');
    assert.equal(outcome.error?.code, 'MemoryLimit');
    assert.match(outcome.error!.message, /limited to 256 MiB/);
    const ping = await engine.client.request('ping', {});
    assert.ok(ping.wasmHeapBytes <= 256 * 2 ** 20, `heap ${ping.wasmHeapBytes}`);
    await assertNextWorks();
  });

  it('a process killed from outside (like the OOM killer) fails the request in flight; the next one works', async () => {
    const pending = engine.run('import time\ntime.sleep(5)\n');
    await new Promise((resolve) => setTimeout(resolve, 300));
    process.kill(engine.client.pid!, 'SIGKILL');
    const outcome = await pending;
    assert.equal(outcome.error?.code, 'Crashed');
    assert.match(outcome.error!.message, /was killed \(SIGKILL\)/);
    await assertNextWorks();
  });

  it('requests queued behind a crash run on the restarted process', async () => {
    const crash = engine.client.evaluate({ files: { 'model.py': 'import time\ntime.sleep(5)\n' }, entryFile: 'model.py' });
    const queued = engine.client.evaluate({ files: { 'model.py': SMALL_FILE }, entryFile: 'model.py' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    process.kill(engine.client.pid!, 'SIGKILL');
    await assert.rejects(crash, (e: EngineRequestError) => e.code === 'Crashed');
    assert.deepEqual((await queued).names.map((n) => n.name), ['x']);
  });
});

describe('engine client life cycle', function () {
  this.timeout(120_000);
  before(buildEngineBundle);

  it('reports its start-up and answers ping', async () => {
    const started = Date.now();
    const client = await EngineClient.start({ bundlePath });
    try {
      const ping = await client.request('ping', {});
      assert.equal(ping.pid, client.pid);
      assert.ok(client.stats.lastStartMs > 0 && client.stats.lastStartMs <= Date.now() - started);
      console.log(`      cold start: ready after ${client.stats.lastStartMs} ms (in-process ${client.stats.lastReadyInProcessMs} ms), rss ${Math.round(ping.rssBytes / 2 ** 20)} MiB`);
    } finally {
      await client.dispose();
    }
  });

  it('dispose() rejects in-flight and queued requests and ends the process', async () => {
    const client = await EngineClient.start({ bundlePath });
    const pid = client.pid!;
    const inflight = client.evaluate({ files: { 'model.py': 'while True: pass\n' }, entryFile: 'model.py' });
    const queued = client.request('ping', {});
    const rejected = Promise.all([inflight, queued].map((p) => assert.rejects(p, (e: EngineRequestError) => e.code === 'Disposed')));
    await client.dispose();
    await rejected;
    await assert.rejects(client.request('ping', {}), (e: EngineRequestError) => e.code === 'Disposed');
    assert.throws(() => process.kill(pid, 0), /ESRCH/);
  });

  it('a shutdown request ends the process and the client', async () => {
    const client = await EngineClient.start({ bundlePath });
    const pid = client.pid!;
    assert.equal(await client.request('shutdown', {}), null);
    await assert.rejects(client.request('ping', {}), (e: EngineRequestError) => e.code === 'Disposed');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.throws(() => process.kill(pid, 0), /ESRCH/);
  });

  it('refuses to start without the permission model unless the caller allows it (trusted workspace)', async () => {
    const withoutPermission = new Set([...process.allowedNodeEnvironmentFlags].filter((f) => !/permission/.test(f)));
    await assert.rejects(EngineClient.start({ bundlePath, nodeFlags: withoutPermission }),
      (e: EngineRequestError) => e.code === 'SandboxUnavailable' && /no permission model/.test(e.message));
    const trusted = await EngineClient.start({ bundlePath, nodeFlags: withoutPermission, allowUnsandboxed: true });
    try {
      assert.equal(trusted.sandboxed, false);
      assert.match(trusted.sandbox.reason ?? '', /permission model/);
      assert.ok((await trusted.evaluate({ files: { 'm.py': SMALL_FILE }, entryFile: 'm.py' })).names.length === 1);
    } finally {
      await trusted.dispose();
    }
  });

  it('falls back when Node lists a permission flag but refuses it at start-up', async () => {
    // Node 20 does not know --permission: pretending it does makes the first start fail with "bad option".
    const claimsPermission = new Set(['--permission', '--allow-fs-read', '--disallow-code-generation-from-strings']);
    await assert.rejects(EngineClient.start({ bundlePath, nodeFlags: claimsPermission }),
      (e: EngineRequestError) => e.code === 'SandboxUnavailable' && /refused the permission flags/.test(e.message));
  });

  it('chooses the permission flag this Node accepts and grants reads of two folders only', () => {
    const limits = { maxOldSpaceMb: 512 };
    const node20 = new Set(['--experimental-permission', '--allow-fs-read', '--disallow-code-generation-from-strings']);
    assert.deepEqual(launchArgs(node20, ['/a', '/b'], limits).execArgv, [
      '--experimental-permission', '--allow-fs-read=/a', '--allow-fs-read=/b', '--max-old-space-size=512',
      '--initial-old-space-size=128', '--disallow-code-generation-from-strings',
    ]);
    const node23 = new Set(['--permission', '--experimental-permission', '--allow-fs-read']);
    assert.equal(launchArgs(node23, ['/a'], limits).execArgv[0], '--permission');
    const args = launchArgs(node23, ['/a'], limits).execArgv.join(' ');
    assert.doesNotMatch(args, /allow-(child-process|worker|fs-write|addons|wasi)/);
    assert.ok(launchArgs(node20, ['/a'], { maxOldSpaceMb: 64 }).execArgv.includes('--initial-old-space-size=64'), 'never above the maximum');
    const withWorkers = new Set([...node20, '--allow-worker']);
    assert.ok(launchArgs(withWorkers, ['/a'], { ...limits, allowWorkerThreads: true }).execArgv.includes('--allow-worker'));
  });
});

describe('engine memory snapshot', function () {
  this.timeout(120_000);
  let cacheDir: string;
  before(() => {
    buildEngineBundle();
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'te-snapshot-'));
  });
  after(() => fs.rmSync(cacheDir, { recursive: true, force: true }));
  const snapshotFiles = () => fs.readdirSync(cacheDir).filter((f) => f.endsWith('.snapshot'));

  it('is made by a cold start, then used by later starts and by restarts after a crash', async () => {
    const first = await EngineClient.start({ bundlePath, snapshotCacheDir: cacheDir });
    assert.equal(first.stats.lastStartedFrom, 'cold');
    await first.dispose();
    assert.equal(snapshotFiles().length, 1);

    const client = await EngineClient.start({ bundlePath, snapshotCacheDir: cacheDir });
    try {
      assert.equal(client.stats.lastStartedFrom, 'snapshot');
      console.log(`      start from snapshot: ready after ${client.stats.lastStartMs} ms`);
      process.kill(client.pid!, 'SIGKILL');
      const restartStarted = Date.now();
      while (client.stats.crashes === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      const result = await client.evaluate({ files: { 'm.py': SMALL_FILE }, entryFile: 'm.py' });
      assert.equal(result.names.length, 1);
      assert.equal(client.stats.lastStartedFrom, 'snapshot');
      console.log(`      restart after a crash from snapshot: next evaluation answered after ${Date.now() - restartStarted} ms`);
    } finally {
      await client.dispose();
    }
  });

  it('a damaged snapshot is dropped: the process starts cold and caches a new one', async () => {
    const [file] = snapshotFiles();
    fs.writeFileSync(path.join(cacheDir, file), new Uint8Array(4096).fill(7));
    const client = await EngineClient.start({ bundlePath, snapshotCacheDir: cacheDir });
    try {
      assert.equal(client.stats.lastStartedFrom, 'cold');
      assert.ok(fs.statSync(path.join(cacheDir, file)).size > 1e6, 'a fresh snapshot replaced the damaged one');
    } finally {
      await client.dispose();
    }
  });
});
