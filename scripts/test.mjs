#!/usr/bin/env node
// Runs every test suite and prints one closing line: "N passed, N failed, N skipped".
//   node scripts/test.mjs                 all suites
//   node scripts/test.mjs --suite unit    only the named suite(s) (repeatable): unit, host
// Each suite writes its counts to a JSON file; a suite that crashes before writing counts as one failure.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const chosen = args.flatMap((a, i) => (a === '--suite' ? [args[i + 1]] : []));
const mochaBin = path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js');
const reporter = path.join(root, 'test', 'support', 'count-reporter.cjs');

/** name -> command producing counts in TE_COUNTS_FILE */
const suites = {
  unit: [process.execPath, [mochaBin, '--reporter', reporter, 'test/unit/**/*.test.ts', 'test/golden/**/*.test.ts']],
  host: [process.execPath, [path.join(root, 'test', 'host', 'run.mjs')]],
};

let passed = 0, failed = 0, skipped = 0;
for (const [name, [cmd, cmdArgs]] of Object.entries(suites)) {
  if (chosen.length && !chosen.includes(name)) continue;
  if (name === 'host' && !fs.existsSync(cmdArgs[0])) continue;
  const countsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'te-counts-')), `${name}.json`);
  console.log(`\n=== suite: ${name} ===`);
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', env: { ...process.env, TE_COUNTS_FILE: countsFile } });
  let counts;
  try { counts = JSON.parse(fs.readFileSync(countsFile, 'utf8')); } catch { counts = null; }
  if (!counts) {
    console.log(`suite ${name} ended (status ${r.status}) without reporting counts: counted as 1 failure`);
    counts = { passed: 0, failed: 1, skipped: 0 };
  } else if (r.status !== 0 && counts.failed === 0) {
    console.log(`suite ${name} exited with status ${r.status} although no test failed: counted as 1 failure`);
    counts.failed = 1;
  }
  console.log(`suite ${name}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  passed += counts.passed; failed += counts.failed; skipped += counts.skipped;
}
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
