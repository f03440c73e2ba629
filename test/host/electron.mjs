#!/usr/bin/env node
// `npm run test:electron`: the host suites through @vscode/test-electron's unchanged runTests().
//   default              vscodeExecutablePath = test/host/code-shim.mjs (code-server + headless chromium, offline)
//   TE_ELECTRON_DOWNLOAD=1  runTests downloads a desktop VS Code (TE_VSCODE_VERSION, default 1.99.3) and runs the
//                        same suites in it (needs the network and a display, e.g. xvfb-run on a headless Linux).
// The workspace is a fresh copy of examples/, as in test/host/run.mjs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const download = process.env.TE_ELECTRON_DOWNLOAD === '1';
const testsPath = path.join(root, 'out', 'test', 'host', 'suite', 'index.js');
if (!fs.existsSync(testsPath)) { console.error(`${path.relative(root, testsPath)} is missing: run npm run build`); process.exit(1); }
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'te-electron-'));
const workspace = path.join(base, 'workspace');
fs.cpSync(path.join(root, 'examples'), workspace, { recursive: true });
const resultsFile = path.join(root, 'test-results', 'electron', 'results.json');
fs.rmSync(resultsFile, { force: true });

let code = 0;
try {
  await runTests({
    ...(download ? { version: process.env.TE_VSCODE_VERSION || '1.99.3' } : { vscodeExecutablePath: path.join(root, 'test', 'host', 'code-shim.mjs') }),
    extensionDevelopmentPath: root,
    extensionTestsPath: testsPath,
    launchArgs: [workspace, '--disable-extensions'],
    extensionTestsEnv: { TE_HOST_RESULTS: resultsFile }, // read by the desktop run; run.mjs sets its own
  });
  console.log(`test-electron (${download ? 'downloaded VS Code' : 'code-shim → code-server'}): passed`);
} catch (e) {
  console.error(`test-electron (${download ? 'downloaded VS Code' : 'code-shim → code-server'}): FAILED`, e?.message ?? e);
  code = 1;
} finally {
  fs.rmSync(base, { recursive: true, force: true });
}
process.exit(code);
