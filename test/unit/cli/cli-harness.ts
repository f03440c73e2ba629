// Runs the built CLI (out/cli/cli.js) as a subprocess, as users and scripts do. The bundles are built once
// per mocha run; a temporary folder holds outputs and the engine's snapshot cache.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const root = path.resolve(__dirname, '..', '..', '..');
export const cliPath = path.join(root, 'out', 'cli', 'cli.js');
export const fixtures = path.join(root, 'test', 'fixtures', 'checkpoints');
export const examples = path.join(root, 'examples');

let built = false;

/** Builds every bundle. A failure elsewhere is tolerated when the CLI and engine bundles were written anew. */
export function buildCli(): void {
  if (built) return;
  const started = Date.now() - 1000;
  try {
    execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'pipe' });
  } catch (error) {
    const fresh = [cliPath, path.join(root, 'out', 'engine-process', 'main.js')].every((f) => fs.existsSync(f) && fs.statSync(f).mtimeMs >= started);
    if (!fresh) throw new Error(`build failed: ${String((error as { stderr?: Buffer }).stderr ?? error)}`);
  }
  built = true;
}

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  json<T = unknown>(): T;
}

export const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'te-cli-test-'));

export function tmp(name: string): string {
  return path.join(scratch, name);
}

/** `torch-explorer ...args` from the repository root; resolves when the process has exited. */
export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliRun> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: options.cwd ?? root,
      env: { ...process.env, TORCH_EXPLORER_CACHE: path.join(scratch, 'cache'), ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '', stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`torch-explorer ${args.join(' ')} did not exit within ${options.timeoutMs ?? 90_000} ms\n${stderr}`));
    }, options.timeoutMs ?? 90_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({
        status, stdout, stderr, ms: Date.now() - started,
        json: <T>() => {
          try {
            return JSON.parse(stdout) as T;
          } catch {
            throw new Error(`stdout is not JSON (status ${status}):\n${stdout}\nstderr:\n${stderr}`);
          }
        },
      });
    });
  });
}

/** Whether Debian's PyTorch is here (interop checks run only then). */
export function hasPythonTorch(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

/** Skips the calling test while the engine process lacks a request the CLI needs (reported, not hidden). */
export function skipUnlessImplemented(context: Mocha.Context, run: CliRun): void {
  if (run.status === 4 && /does not implement/.test(run.stderr)) {
    context.test!.title += ` [skipped: ${run.stderr.trim().replace(/^error: /, '')}]`;
    context.skip();
  }
}

// Root-level hook (this module is imported while mocha loads the test files): the scratch folder goes.
after(() => fs.rmSync(scratch, { recursive: true, force: true }));
