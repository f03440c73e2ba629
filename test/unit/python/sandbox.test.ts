// Every escape route measured in ../shared/reference/pyodide-sandbox.md (section 3), tried from a model file
// evaluated through the real engine client. Each must fail without reaching the host: the secret file is
// never read back, marker files are never created, the loopback listener sees no connection.
import * as assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineHarness, py, type Outcome } from './engine-harness';

const SECRET_ENV = 'TE_SANDBOX_TEST_SECRET';

// Every way a process starts: cold; cold while making the memory snapshot for the host's cache (Pyodide's
// snapshot mode changes its set-up); restored from that snapshot (which must not carry what the lock-down removes).
for (const start of ['cold', 'making-snapshot', 'snapshot'] as const) describe(`engine sandbox (${start} start): escape routes fail without reaching the host`, function () {
  this.timeout(120_000);
  let engine: EngineHarness;
  let dir: string;
  let secret: string;
  let secretFile: string;
  let listener: net.Server;
  let port: number;
  let connections = 0;
  const marker = (name: string) => path.join(dir, `${name}.marker`);

  /** JS that would read the secret, write a marker and run `touch`, were it ever executed. */
  const hostilejs = (name: string) =>
    `const fs = process.getBuiltinModule('fs'); fs.writeFileSync(${py(marker(name))}, 'x');` +
    `process.getBuiltinModule('child_process').execSync('touch ${marker(name)}-cmd');` +
    `return fs.readFileSync(${py(secretFile)}, 'utf8');`;

  function assertHostUntouched(outcome: Outcome, markerName: string): void {
    assert.ok(!JSON.stringify(outcome).includes(secret), `the secret reached Python: ${outcome.output}`);
    assert.ok(!fs.existsSync(marker(markerName)), 'a marker file was created on the host');
    assert.ok(!fs.existsSync(`${marker(markerName)}-cmd`), 'a host command ran');
    assert.equal(connections, 0, 'the loopback listener saw a connection');
  }

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'te-sandbox-'));
    secret = `secret-${randomUUID()}`;
    secretFile = path.join(dir, 'secret.txt');
    fs.writeFileSync(secretFile, secret);
    process.env[SECRET_ENV] = secret;
    listener = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    port = (listener.address() as net.AddressInfo).port;
    const snapshotCacheDir = start === 'cold' ? undefined : path.join(dir, 'snapshots');
    if (start === 'snapshot') await (await EngineHarness.start({ snapshotCacheDir })).dispose();
    engine = await EngineHarness.start({ snapshotCacheDir });
    assert.equal(engine.client.stats.lastStartedFrom, start === 'snapshot' ? 'snapshot' : 'cold');
  });

  after(async () => {
    await engine?.dispose();
    listener?.close();
    delete process.env[SECRET_ENV];
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs under the permission model, without string code generation, with an empty environment', () => {
    assert.deepEqual(engine.client.sandbox, {
      sandboxed: true, permissionModel: true, codeGenerationFromStrings: false, emptyEnvironment: true,
    });
  });

  // First, before other tests leave JS values behind (create_proxy cycles across the FFI are never collected).
  it('pyodide_js (mountNodeFS, FS.mount(NODEFS)) is gone, not stubbed, and no JS value in memory leads to it', async () => {
    const outcome = await engine.run(`
import gc, sys
from pyodide.ffi import JsProxy
try:
    import pyodide_js
    print("imported", pyodide_js)
except ImportError as e:
    print("import blocked", type(e).__name__)
gc.collect()
proxies = {}
for obj in gc.get_objects():
    for ref in [obj, *gc.get_referents(obj)]:
        if isinstance(ref, JsProxy):
            proxies[id(ref)] = ref
for proxy in proxies.values():
    for route in ("mountNodeFS", "FS", "_module", "_api"):
        if getattr(proxy, route, None) is not None:
            print("reachable", route)
    keys = list(proxy.object_keys()) if proxy.typeof == "object" else []
    print("proxy", proxy.typeof, keys)
try:
    open(${py(secretFile)})
except OSError:
    print("host file still invisible")
`);
    assert.match(outcome.output, /import blocked ModuleNotFoundError/);
    assert.doesNotMatch(outcome.output, /reachable/);
    // Only the bridge module, its `call` function and the empty `js` namespace exist as JS values.
    const allowed = new Set(['proxy function []', "proxy object ['call']", 'proxy object []']);
    const proxies = outcome.output.split('\n').filter((l) => l.startsWith('proxy '));
    assert.ok(proxies.includes("proxy object ['call']"), outcome.output);
    assert.deepEqual(proxies.filter((p) => !allowed.has(p)), []);
    assert.equal(outcome.result?.stubbedImports.length, 0);
    assertHostUntouched(outcome, 'pyodidejs');
  });

  it('open() sees only the in-memory file system', async () => {
    const outcome = await engine.run(`
try:
    print("read", open(${py(secretFile)}).read())
except OSError as e:
    print("read blocked", type(e).__name__)
with open(${py(marker('open'))}, "w") as f:
    f.write("only in wasm memory")
`);
    assert.match(outcome.output, /read blocked FileNotFoundError/);
    assertHostUntouched(outcome, 'open');
  });

  it('os.system, os.popen and subprocess raise PermissionError', async () => {
    const outcome = await engine.run(`
import os, subprocess, posix, importlib
for attempt in (lambda: os.system("touch ${marker('system')}-cmd"), lambda: os.popen("touch ${marker('system')}-cmd"),
                lambda: subprocess.run(["touch", ${py(marker('system'))}]), lambda: subprocess.Popen(["id"]),
                lambda: importlib.reload(posix).system("touch ${marker('system')}-cmd")):
    try:
        attempt()
        print("ran")
    except PermissionError as e:
        print("blocked", e)
`);
    assert.equal(outcome.error, undefined);
    assert.equal(outcome.output.match(/^blocked /gm)?.length, 5, outcome.output);
    assertHostUntouched(outcome, 'system');
  });

  it('the js module is empty: js.process and js.constructor.constructor are unreachable', async () => {
    const outcome = await engine.run(`
import js
for name, attempt in (("process", lambda: js.process.getBuiltinModule("fs").readFileSync(${py(secretFile)}, "utf8")),
                      ("constructor", lambda: js.constructor.constructor(${py(hostilejs('js'))})())):
    try:
        print(name, "escaped", attempt())
    except AttributeError:
        print(name, "blocked")
`);
    assert.match(outcome.output, /process blocked\nconstructor blocked/);
    assertHostUntouched(outcome, 'js');
  });

  it("the bridge function's constructor (Function) throws EvalError", async () => {
    const outcome = await engine.run(`
import _torch_explorer_bridge as bridge
for fn in (bridge.call, bridge.call.constructor, bridge.call.constructor.constructor):
    try:
        print("escaped", fn.constructor(${py(hostilejs('bridge'))})())
    except Exception as e:
        print("blocked", type(e).__name__, str(e).split(":")[0])
`);
    assert.equal(outcome.output.match(/^blocked JsException EvalError/gm)?.length, 3, outcome.output);
    assertHostUntouched(outcome, 'bridge');
  });

  it('intrinsics are frozen: no capture-this getter on Object.prototype, no Error.prepareStackTrace hook', async () => {
    const outcome = await engine.run(`
import _torch_explorer_bridge as bridge
from pyodide.ffi import create_proxy, to_js
Function = bridge.call.constructor
Object = Function.prototype.__proto__.constructor
captured = []
getter = create_proxy(lambda this, *a: captured.append(this), capture_this=True)
descriptor = to_js({"get": getter, "configurable": True}, dict_converter=Object.fromEntries)
for name, attempt in (("getter", lambda: Object.defineProperty(Object.prototype, "noDeprecation", descriptor)),
                      ("setPrototypeOf", lambda: Object.setPrototypeOf(Function.prototype, descriptor)),
                      ("overrideCall", lambda: setattr(Function.prototype, "call", getter))):
    try:
        attempt()
        print(name, "changed")
    except Exception as e:
        print(name, "blocked", type(e).__name__)
try:
    bridge.call.constructor("x")
except Exception as e:
    Error = e.js_error.constructor
    try:
        Error.prepareStackTrace = create_proxy(lambda *a: captured.append(a))
        print("prepareStackTrace changed")
    except Exception as e2:
        print("prepareStackTrace blocked", type(e2).__name__)
print("captured", len(captured))
`);
    assert.match(outcome.output, /getter blocked JsException/);
    assert.match(outcome.output, /setPrototypeOf blocked JsException/);
    assert.match(outcome.output, /overrideCall blocked JsException/);
    assert.match(outcome.output, /prepareStackTrace blocked/);
    assert.match(outcome.output, /captured 0/);
    assertHostUntouched(outcome, 'proto');
  });

  it('pyodide.code.run_js is disabled', async () => {
    const outcome = await engine.run(`
import pyodide.code
try:
    pyodide.code.run_js(${py(`(() => {${hostilejs('runjs')}})()`)})
    print("ran")
except TypeError as e:
    print("blocked", e)
`);
    assert.match(outcome.output, /blocked 'NoneType' object is not callable/);
    assertHostUntouched(outcome, 'runjs');
  });

  it('sockets do not reach a loopback listener', async () => {
    const outcome = await engine.run(`
import socket, urllib.request
for name, attempt in (("socket", lambda: socket.create_connection(("127.0.0.1", ${port}), timeout=2)),
                      ("http", lambda: urllib.request.urlopen("http://127.0.0.1:${port}/", timeout=2))):
    try:
        attempt()
        print(name, "connected")
    except Exception as e:
        print(name, "blocked", type(e).__name__)
`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.match(outcome.output, /socket blocked/);
    assert.match(outcome.output, /http blocked/);
    assertHostUntouched(outcome, 'socket');
  });

  it("the host's environment secrets are invisible", async () => {
    assert.equal(process.env[SECRET_ENV], secret, 'precondition: the parent has the secret');
    const outcome = await engine.run(`
import os, json
print(json.dumps(dict(os.environ)))
print("keys", sorted(os.environ))
`);
    assert.equal(outcome.error, undefined);
    assert.ok(engine.client.sandbox.emptyEnvironment);
    assertHostUntouched(outcome, 'env');
  });

  it('ctypes is refused; bypassing the guard ends in a fatal crash, then the engine works again', async () => {
    const refused = await engine.run('import ctypes\n');
    assert.equal(refused.error?.type, 'PermissionError');

    const bypass = (call: string) => `
import sys, _imp
sys.meta_path = [f for f in sys.meta_path if getattr(f, "__name__", "") != "BlockedModuleFinder"]
_imp.create_builtin = _imp.create_builtin.__closure__[0].cell_contents
import ctypes
print("result", ${call})
`;
    for (const [name, call] of [
      ['script', `ctypes.CDLL(None).emscripten_run_script_string(${py(`(() => {${hostilejs('ctypes')}})()`)}.encode())`],
      ['system', `ctypes.CDLL(None).system(b"touch ${marker('ctypes')}-cmd")`],
    ]) {
      const pidBefore = engine.client.pid;
      const crashed = await engine.run(bypass(call));
      assert.equal(crashed.error?.code, 'Crashed', `${name}: ${JSON.stringify(crashed.error)}`);
      assertHostUntouched(crashed, 'ctypes');
      const next = await engine.run('x = 1\n');
      assert.deepEqual(next.result?.names.map((n) => n.name), ['x']);
      assert.notEqual(engine.client.pid, pidBefore, 'a new process serves the next evaluation');
    }
  });
});
