#!/usr/bin/env node
// The host suite: the extension's mocha suites inside a real VS Code extension host, then screenshots.
//   code-server (.te-cache/code-server-<v>, scripts/install-code-server.sh) on a free loopback port, state under a
//   temp dir; Debian chromium (playwright-core, headless) opens the workbench with VS Code's `payload` query
//   (extensionDevelopmentPath + extensionTestsPath as vscode-remote URIs: code-server's Node extension host
//   loads the extension and calls run() of out/test/host/suite/index.js); the workbench reports the exit code
//   through window.codeAutomationExit, the runner writes its results to $TE_HOST_RESULTS.
//   Then a screenshot phase drives the UI; code-server's process group is killed; counts go to $TE_COUNTS_FILE.
// Builds nothing (scripts/setup.sh and `npm run build` do). Exit code 0 only when everything passed.
//   node test/host/run.mjs [--phases test,screens] [--workspace DIR] [--ext DIR] [--tests PATH]
//   env: TE_CODE_SERVER_BIN, CHROMIUM, TE_HOST_TIMEOUT (seconds, whole run, default 420), TE_HOST_GREP
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CODE_SERVER_VERSION = '4.99.4';
const { values: opt } = parseArgs({
  options: {
    phases: { type: 'string', default: 'test,screens' },
    workspace: { type: 'string' }, // default: a fresh copy of examples/ per phase
    ext: { type: 'string', default: root },
    tests: { type: 'string', default: path.join(root, 'out', 'test', 'host', 'suite') },
  },
});
const phases = new Set(opt.phases.split(',').filter(Boolean));
const TOTAL_MS = Number(process.env.TE_HOST_TIMEOUT || 420) * 1000;
const results = path.join(root, 'test-results', 'host');
const shots = path.join(root, 'test-results', 'screenshots');
const t0 = Date.now();
const log = (...a) => console.log(`[host +${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const counts = { passed: 0, failed: 0, skipped: 0 };
let watchdog;
const record = (ok, title, error) => {
  counts[ok ? 'passed' : 'failed']++;
  console.log(`  ${ok ? 'ok    ' : 'FAILED'} ${title}${error ? `\n         ${String(error).split('\n').join('\n         ')}` : ''}`);
};
/** Bounds a promise: rejects with `what` after ms. */
const within = (ms, what, p) => {
  let timer;
  return Promise.race([p, new Promise((_, rej) => { timer = setTimeout(() => rej(new Error(`${what}: no answer within ${ms / 1000}s`)), ms); })])
    .finally(() => clearTimeout(timer));
};

// ---------------------------------------------------------------- preflight: fail loudly, never skip quietly
function which(cmd) {
  for (const dir of (process.env.PATH || '').split(':')) {
    const p = path.join(dir, cmd);
    try { fs.accessSync(p, fs.constants.X_OK); return p; } catch { /* next */ }
  }
  return undefined;
}
const codeServer = process.env.TE_CODE_SERVER_BIN ||
  path.join(root, '.te-cache', `code-server-${CODE_SERVER_VERSION}`, 'node_modules', '.bin', 'code-server');
const chromiumBin = process.env.CHROMIUM || which('chromium') || which('chromium-browser');
const problems = [];
if (!fs.existsSync(codeServer)) problems.push(`code-server ${CODE_SERVER_VERSION} is not installed (${codeServer}): run bash scripts/setup.sh (or scripts/install-code-server.sh)`);
if (!chromiumBin || !fs.existsSync(chromiumBin)) problems.push(`chromium is not installed${chromiumBin ? ` (${chromiumBin})` : ''}: apt-get install chromium (scripts/setup.sh does)`);
const ext = path.resolve(opt.ext);
for (const f of [path.join(ext, 'out', 'extension', 'extension.js'), path.join(ext, 'out', 'extension', 'tree-sitter-python.wasm'),
  opt.tests.endsWith('.js') ? opt.tests : path.join(opt.tests, 'index.js')]) {
  if (!fs.existsSync(f)) problems.push(`${path.relative(root, f)} is missing: run npm run build`);
}
let playwright;
try { playwright = await import('playwright-core'); } catch (e) { problems.push(`playwright-core cannot be loaded (npm ci): ${e.message}`); }
if (problems.length) {
  for (const p of problems) console.error(`[host] ERROR ${p}`);
  counts.failed += problems.length;
  finish(1);
}

// ---------------------------------------------------------------- isolated state, cleaned up at the end
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'te-host-'));
const state = path.join(base, 'state');
for (const d of ['user-data/User', 'extensions', 'xdg-config', 'xdg-data', 'xdg-cache', 'tmp']) fs.mkdirSync(path.join(state, d), { recursive: true });
const isolatedEnv = {
  TMPDIR: path.join(state, 'tmp'), // extension-host sockets, chromium profile, crash dumps
  XDG_CONFIG_HOME: path.join(state, 'xdg-config'),
  XDG_DATA_HOME: path.join(state, 'xdg-data'),
  XDG_CACHE_HOME: path.join(state, 'xdg-cache'),
};
fs.rmSync(results, { recursive: true, force: true });
fs.mkdirSync(results, { recursive: true });
fs.mkdirSync(shots, { recursive: true });
if (phases.has('screens')) for (const f of fs.readdirSync(shots)) if (f.endsWith('.png')) fs.rmSync(path.join(shots, f));
const resultsFile = path.join(results, 'results.json');
// Quiet first-run UI so screenshots are the same every run.
fs.writeFileSync(path.join(state, 'user-data', 'User', 'settings.json'), JSON.stringify({
  'workbench.startupEditor': 'none', 'workbench.tips.enabled': false, 'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off', 'update.mode': 'none', 'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false, 'extensions.ignoreRecommendations': true, 'workbench.enableExperiments': false,
  'chat.commandCenter.enabled': false, 'editor.minimap.enabled': false, 'workbench.layoutControl.enabled': false,
  'window.commandCenter': false, 'files.autoSave': 'off',
}, null, 2));
// The screens phase opens the workbench without a payload: "install" the extension by a symlink named
// <publisher>.<name>-<version> in a fresh --extensions-dir (a reused one with extensions.json ignores new links).
const manifest = JSON.parse(fs.readFileSync(path.join(ext, 'package.json'), 'utf8'));
fs.symlinkSync(ext, path.join(state, 'extensions', `${manifest.publisher}.${manifest.name}-${manifest.version}`));

function workspaceCopy(name) {
  if (opt.workspace) return path.resolve(opt.workspace);
  const dir = path.join(base, name);
  fs.cpSync(path.join(root, 'examples'), dir, { recursive: true });
  return dir;
}

// ---------------------------------------------------------------- processes, always stopped
let codeServerProc;
let browser;
let tearingDown;
function teardown() {
  tearingDown ??= (async () => {
    if (browser) await within(10000, 'closing chromium', browser.close()).catch((e) => log(String(e.message)));
    const p = codeServerProc;
    if (p && p.exitCode === null && p.signalCode === null) {
      try { process.kill(-p.pid, 'SIGTERM'); } catch { /* gone */ }
      const gone = await Promise.race([new Promise((r) => p.once('exit', () => r(true))), sleep(4000).then(() => false)]);
      if (!gone) { try { process.kill(-p.pid, 'SIGKILL'); } catch { /* gone */ } }
      log(`code-server stopped (process group ${p.pid})`);
    }
    fs.rmSync(base, { recursive: true, force: true, maxRetries: 3 });
  })();
  return tearingDown;
}
// last resort when the process dies another way: no code-server may outlive the run (playwright kills chromium)
process.on('exit', () => { if (codeServerProc?.exitCode === null) { try { process.kill(-codeServerProc.pid, 'SIGKILL'); } catch { /* gone */ } } });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, async () => { console.error(`[host] ${sig}: stopping`); counts.failed++; await teardown(); finish(130); });
watchdog = setTimeout(async () => {
  console.error(`[host] ERROR the host suite did not finish within ${TOTAL_MS / 1000}s (TE_HOST_TIMEOUT): stopping everything`);
  counts.failed++;
  await within(20000, 'teardown', teardown()).catch(() => undefined);
  finish(1);
}, TOTAL_MS);

function finish(code) {
  clearTimeout(watchdog);
  if (process.env.TE_COUNTS_FILE) fs.writeFileSync(process.env.TE_COUNTS_FILE, JSON.stringify(counts));
  process.exit(code || (counts.failed > 0 || counts.passed === 0 ? 1 : 0));
}

const freePort = () => new Promise((res, rej) => {
  const s = net.createServer();
  s.on('error', rej);
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
});

async function startCodeServer(port, folder) {
  const logFd = fs.openSync(path.join(results, 'code-server.log'), 'a');
  const args = ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check',
    '--disable-workspace-trust', '--disable-getting-started-override', '--disable-proxy', '--ignore-last-opened',
    '--user-data-dir', path.join(state, 'user-data'), '--extensions-dir', path.join(state, 'extensions'), folder];
  codeServerProc = spawn(codeServer, args, {
    detached: true, // own process group: kill(-pid) takes the extension host, pty host and watcher along
    stdio: ['ignore', logFd, logFd],
    env: { ...process.env, ...isolatedEnv, TE_HOST_RESULTS: resultsFile },
  });
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    if (codeServerProc.exitCode !== null) throw new Error(`code-server exited with ${codeServerProc.exitCode}: see test-results/host/code-server.log`);
    try { if ((await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) })).ok) return; } catch { /* not yet */ }
    await sleep(200);
  }
  throw new Error('code-server did not answer /healthz within 30s: see test-results/host/code-server.log');
}

async function newPage(consoleLog) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 850 } });
  const page = await context.newPage();
  const sink = fs.createWriteStream(path.join(results, consoleLog), { flags: 'a' });
  page.on('console', (m) => sink.write(`[${m.type()}] ${m.text()}\n`));
  page.on('pageerror', (e) => sink.write(`[pageerror] ${e.stack || e}\n`));
  return page;
}

// ---------------------------------------------------------------- phase 1: mocha inside the extension host
async function testPhase(baseUrl, authority, folder) {
  const page = await newPage('test-console.log');
  let exitCode;
  let resolveExit;
  const exited = new Promise((resolve) => { resolveExit = resolve; });
  await page.exposeFunction('codeAutomationExit', (code) => { exitCode = code; resolveExit(code); });
  const hostLog = fs.createWriteStream(path.join(results, 'extension-host.log'));
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    hostLog.write(`[${type}] ${format(...(args || []))}\n`); // mocha's spec output and the workbench's log
  });
  const testsPath = path.resolve(opt.tests);
  const payload = [['extensionDevelopmentPath', `vscode-remote://${authority}${ext}`], ['extensionTestsPath', `vscode-remote://${authority}${testsPath}`]];
  const t = Date.now();
  await page.goto(`${baseUrl}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
  await within(300000, 'the extension host tests (codeAutomationExit)', exited);
  for (let i = 0; i < 40 && !fs.existsSync(resultsFile); i++) await sleep(125);
  await page.context().close();
  if (!fs.existsSync(resultsFile)) {
    record(false, 'host tests', `the test runner wrote no results (exit code ${exitCode}); see test-results/host/extension-host.log`);
    return;
  }
  const summary = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
  console.log(`[host] ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped in VS Code ${summary.vscodeVersion} (node ${summary.node}), ${((Date.now() - t) / 1000).toFixed(1)}s from page open`);
  for (const r of summary.results) {
    console.log(`  ${r.state === 'passed' ? 'ok    ' : r.state === 'failed' ? 'FAILED' : 'skip  '} ${r.title}` +
      (r.error ? `\n         ${r.error.split('\n').slice(0, 12).join('\n         ')}` : ''));
  }
  counts.passed += summary.passed;
  counts.failed += summary.failed;
  counts.skipped += summary.skipped;
  if (exitCode !== 0 && summary.failed === 0) record(false, 'host tests', `the extension host reported exit code ${exitCode}`);
  if (summary.passed + summary.failed === 0) record(false, 'host tests', 'no test ran');
}

// ---------------------------------------------------------------- phase 2: the UI, screenshotted
async function screensPhase(baseUrl, folder) {
  const page = await newPage('screens-console.log');
  /** Moves the mouse onto `word` in the editor line containing `lineText`; returns the hover that has `expect`. */
  const hoverWord = async (lineText, word, expect) => {
    const line = page.locator('.monaco-editor .view-line', { hasText: lineText });
    await line.waitFor({ timeout: 10000 });
    const span = line.locator(':scope > span'); // the text itself; the .view-line div spans the editor's width
    const box = await span.boundingBox();
    const text = await span.textContent();
    const charWidth = box.width / Math.max(1, text.length);
    const col = text.indexOf(word) + 3;
    await page.mouse.move(box.x + 10, box.y + box.height / 2);
    await page.mouse.move(box.x + charWidth * col, box.y + box.height / 2, { steps: 5 });
    const hover = page.locator('.monaco-hover', { hasText: expect }).first();
    await hover.waitFor({ timeout: 10000 });
    return hover.textContent();
  };
  const shot = async (name) => { await sleep(600); await page.screenshot({ path: path.join(shots, name) }); log(`screenshot test-results/screenshots/${name}`); };
  const step = async (title, fn) => {
    try { await fn(); record(true, title); } catch (e) { record(false, title, e.message.split('\n')[0]); await page.screenshot({ path: path.join(results, `failed-${title.replace(/\W+/g, '-')}.png`) }).catch(() => {}); }
  };
  await page.goto(`${baseUrl}/?folder=${encodeURIComponent(folder)}`);
  await page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: 30000 });
  const sidebar = page.locator('.part.sidebar');
  // a tree row by its label (exact), not by its description
  const row = (label) => sidebar.locator('.monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) }).first();
  const expand = async (label) => {
    const r = row(label);
    await r.waitFor({ timeout: 15000 });
    if ((await r.getAttribute('aria-expanded')) === 'false') await r.locator('.monaco-tl-twistie').click();
  };
  const palette = async (text) => {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget .quick-input-box input.input');
    await input.waitFor({ timeout: 10000 });
    await input.fill(text);
    return input;
  };

  await step('screens: Models view with net.py expanded', async () => {
    await page.locator('.part.activitybar .action-item a[aria-label^="Torch Explorer"]').click({ timeout: 20000 });
    await expand('net.py');
    await expand('Net');
    await expand('features');
    await expand('classifier');
    await row('classifier').locator('.label-name').click(); // runs torchExplorer.revealSource
    await page.locator('.tabs-container .tab.active', { hasText: 'net.py' }).waitFor({ timeout: 15000 });
    await page.locator('.monaco-editor .view-line', { hasText: 'self.classifier = nn.Sequential(' }).waitFor({ timeout: 10000 });
    await row('7').waitFor({ timeout: 5000 });
    await expand('syntax_error.py');
    await row('Tagger').waitFor({ timeout: 5000 });
    await page.mouse.move(700, 800); // no hover over the tree in the picture
    await shot('models-tree.png');
  });

  await step('screens: hover on self.features = nn.Sequential(', async () => {
    await palette('net.py');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'net.py' }).first().waitFor({ timeout: 10000 });
    await page.keyboard.press('Enter');
    const hover = await hoverWord('self.features = nn.Sequential(', 'features', 'static outline');
    if (!hover.includes('Sequential')) throw new Error(`the hover does not name Sequential: ${hover.slice(0, 200)}`);
    await shot('hover.png');
  });

  // Webviews live in nested iframes (VS Code's host frame, then #active-frame): find the frame that shows `selector`.
  const frameWith = async (selector, timeout = 15000) => {
    const end = Date.now() + timeout;
    while (Date.now() < end) {
      for (const frame of page.frames()) {
        if (await frame.locator(selector).count().catch(() => 0)) return frame;
      }
      await sleep(200);
    }
    throw new Error(`no webview shows ${selector} within ${timeout / 1000}s`);
  };

  await step('screens: checkpoint viewer on net.safetensors, tree expanded', async () => {
    await palette('>View: Close Primary Side Bar');
    await page.keyboard.press('Enter');
    await palette('net.safetensors');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'net.safetensors' }).first().waitFor({ timeout: 10000 });
    await page.keyboard.press('Enter'); // *.safetensors opens in the checkpoint viewer by default
    const viewer = await frameWith('vscode-tree-item[data-key="features"]');
    await viewer.locator('vscode-button[icon="expand-all"]').click();
    await viewer.locator('vscode-tree-item[data-key="classifier.3.bias"]').waitFor({ timeout: 10000 });
    await page.mouse.move(1300, 820);
    await shot('checkpoint-tree.png');
  });

  await step('screens: inspector on the 4-D weight features.4.weight (heatmap)', async () => {
    const viewer = await frameWith('vscode-tree-item[data-key="features.4.weight"]');
    await viewer.locator('vscode-tree-item[data-key="features.4.weight"]').click({ position: { x: 60, y: 11 } });
    const inspector = await frameWith('#heatmap-card canvas.heatmap');
    await inspector.locator('#heatmap-card .readout', { hasText: '6 tiles of 3×3' }).waitFor({ timeout: 15000 });
    await inspector.locator('#histogram-card .readout', { hasText: 'bins over' }).waitFor({ timeout: 15000 });
    await inspector.locator('table.grid td:not(.loading)').first().waitFor({ timeout: 15000 });
    const heatmap = inspector.locator('canvas.heatmap');
    const box = await heatmap.boundingBox();
    await heatmap.hover({ position: { x: Math.min(40, box.width / 3), y: Math.min(40, box.height / 2) } }); // the readout names the cell
    await shot('inspector-conv-weight.png');
  });

  // The engine: Explore from the CodeLens, a forward pass through the palette, the tree with shapes, a hover.
  const rowDescription = (label) => row(label).locator('.label-description');
  await step('screens: engine tree and forward summary of net.py', async () => {
    await palette('>View: Close All Editors');
    await page.keyboard.press('Enter');
    const container = page.locator('.part.activitybar .action-item a[aria-label^="Torch Explorer"]');
    if (!(await sidebar.isVisible()) || !(await sidebar.locator('.pane-header', { hasText: 'Models' }).isVisible())) await container.click({ timeout: 20000 });
    await palette('net.py');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'net.py' }).first().waitFor({ timeout: 10000 });
    await page.keyboard.press('Enter');
    const lens = page.locator('.monaco-editor .codelens-decoration a', { hasText: /^Explore/ }).first();
    await lens.waitFor({ timeout: 15000 });
    await lens.click();
    // a wider side bar, so the descriptions (type, counts, output shape, time) show whole
    const sash = await sidebar.boundingBox();
    await page.mouse.move(sash.x + sash.width - 1, 400);
    await page.mouse.down();
    await page.mouse.move(sash.x + sash.width + 220, 400, { steps: 5 });
    await page.mouse.up();
    await rowDescription('features').filter({ hasText: 'params' }).waitFor({ timeout: 60000 }); // the first start of the engine
    await expand('features');
    await expand('classifier');
    await palette('>Torch Explorer: Run Forward Pass');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Run Forward Pass' }).first().waitFor({ timeout: 10000 });
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Enter a shape' }).first().click({ timeout: 15000 });
    const input = page.locator('.quick-input-widget .quick-input-box input.input');
    await input.fill('1, 3, 38, 38');
    await page.keyboard.press('Enter');
    const summary = await frameWith('table tbody tr td.layer', 30000);
    await summary.locator('.totals', { hasText: 'Total mult-adds: 419,624' }).waitFor({ timeout: 15000 });
    await rowDescription('4').filter({ hasText: '→ [1, 9, 16, 16]' }).waitFor({ timeout: 10000 });
    await row('4').locator('.label-name').click(); // selects features.4 and reveals its line
    await expand('4'); // its weight and bias
    await row('weight').waitFor({ timeout: 5000 });
    // a wider summary: the sash between the two editor groups to the left
    const groups = await page.locator('.part.editor .split-view-view').all();
    if (groups.length > 1) {
      const first = await groups[0].boundingBox();
      await page.mouse.move(first.x + first.width, 300);
      await page.mouse.down();
      await page.mouse.move(first.x + first.width - 200, 300, { steps: 5 });
      await page.mouse.up();
    }
    await page.mouse.move(700, 830);
    await shot('forward-summary.png');
    await palette('>View: Close Editors in Other Groups');
    await page.keyboard.press('Enter');
    await page.mouse.move(700, 830);
    await shot('engine-tree.png');
  });

  await step('screens: hover with engine facts on self.features', async () => {
    const hover = await hoverWord('self.features = nn.Sequential(', 'features', '(engine)');
    if (!hover.includes('693 params')) throw new Error(`the hover does not give the parameter count: ${hover.slice(0, 200)}`);
    await shot('hover-engine.png');
  });

  await step('screens: checkpoint viewer matched with the explored Net', async () => {
    await palette('>View: Close All Editors');
    await page.keyboard.press('Enter');
    await palette('>View: Close Primary Side Bar');
    await page.keyboard.press('Enter');
    await palette('net.safetensors');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'net.safetensors' }).first().waitFor({ timeout: 10000 });
    await page.keyboard.press('Enter');
    const viewer = await frameWith('.toolbar .match vscode-button:not([disabled])'); // enabled: net.py is explored
    await viewer.locator('.toolbar .match vscode-button').click();
    await viewer.locator('.match-report', { hasText: 'all 18 keys matched' }).waitFor({ timeout: 15000 });
    await viewer.locator('vscode-button[icon="expand-all"]').click();
    await viewer.locator('vscode-tree-item[data-key="classifier.3.bias"] .mark.matched').waitFor({ timeout: 10000 });
    await page.mouse.move(1300, 820);
    await shot('checkpoint-match.png');
  });
  await page.context().close();
}

// ---------------------------------------------------------------- main
let code = 0;
try {
  const port = await freePort();
  const testWs = workspaceCopy('workspace-test');
  await startCodeServer(port, testWs);
  log(`code-server ${CODE_SERVER_VERSION} on 127.0.0.1:${port} (pid ${codeServerProc.pid})`);
  browser = await playwright.chromium.launch({
    executablePath: chromiumBin, headless: true, timeout: 30000,
    chromiumSandbox: false, // --no-sandbox: root in a container
    env: { ...process.env, ...isolatedEnv },
    args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  log(`chromium ${browser.version()}`);
  const baseUrl = `http://127.0.0.1:${port}`;
  if (phases.has('test')) await testPhase(baseUrl, `127.0.0.1:${port}`, testWs);
  if (phases.has('screens')) await screensPhase(baseUrl, workspaceCopy('workspace-screens'));
} catch (e) {
  record(false, 'host suite', e.stack || e);
  code = 1;
} finally {
  await teardown();
}
log(`host suite: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
finish(code);
