// Entry point of the host suites, with the contract of VS Code's extensionTestsPath (the same for code-server's
// `payload` URL, @vscode/test-electron and a desktop VS Code): the extension host calls run() and takes its
// promise as the outcome. The results also go, as JSON, to the file named by $TE_HOST_RESULTS, so that
// test/host/run.mjs reads counts and failures instead of scraping logs.
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

interface Result { title: string; state: 'passed' | 'failed' | 'skipped'; durationMs?: number; error?: string }

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60000, reporter: 'spec' });
  if (process.env.TE_HOST_GREP) mocha.grep(process.env.TE_HOST_GREP);
  for (const f of fs.readdirSync(__dirname).sort()) if (f.endsWith('.test.js')) mocha.addFile(path.join(__dirname, f));
  const results: Result[] = [];
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const count = (s: Result['state']) => results.filter((r) => r.state === s).length;
      const summary = {
        passed: count('passed'), failed: count('failed'), skipped: count('skipped'),
        durationMs: Date.now() - started,
        node: process.version,
        vscodeVersion: (require('vscode') as typeof import('vscode')).version,
        results,
      };
      const out = process.env.TE_HOST_RESULTS;
      if (out) {
        fs.mkdirSync(path.dirname(out), { recursive: true });
        fs.writeFileSync(out + '.tmp', JSON.stringify(summary, null, 2));
        fs.renameSync(out + '.tmp', out); // the driver polls for this file: never let it see half of it
      }
      if (failures > 0) reject(new Error(`${failures} host test(s) failed`));
      else resolve();
    });
    runner.on('pass', (t) => results.push({ title: t.fullTitle(), state: 'passed', durationMs: t.duration }));
    runner.on('pending', (t) => results.push({ title: t.fullTitle(), state: 'skipped' }));
    runner.on('fail', (t, err: Error) => results.push({ title: t.fullTitle(), state: 'failed', error: String(err?.stack ?? err) }));
  });
}
