#!/usr/bin/env node
// A stand-in "VS Code executable" for @vscode/test-electron's unchanged runTests({ vscodeExecutablePath }):
// test-electron spawns it with the desktop CLI flags
//   [folder] --extensionTestsPath=T --extensionDevelopmentPath=E [--user-data-dir=U --extensions-dir=X ...]
// and takes its exit code. It runs test/host/run.mjs's test phase instead: code-server + headless chromium.
// Desktop-only flags (--no-sandbox, --disable-extensions, profile dirs) do not apply and are ignored.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const flag = (name) => args.filter((a) => a.startsWith(`--${name}=`)).map((a) => a.slice(name.length + 3));
const tests = flag('extensionTestsPath')[0];
const exts = flag('extensionDevelopmentPath');
const folder = args.find((a) => !a.startsWith('-') && fs.existsSync(a));
if (!tests || exts.length !== 1) {
  console.error('code-shim: only extension test runs with one --extensionDevelopmentPath and --extensionTestsPath are supported');
  process.exit(2);
}
const runArgs = [path.join(here, 'run.mjs'), '--phases', 'test', '--ext', exts[0], '--tests', tests];
if (folder) runArgs.push('--workspace', path.resolve(folder));
const child = spawn(process.execPath, runArgs, { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig)); // run.mjs tears down on these
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
