// How the engine process is started: paths and the Node flags that put it under the permission model.
import * as fs from 'node:fs';
import * as path from 'node:path';
import v8Heap from '../../engine-node/v8-heap.json';

export interface ProcessLaunch {
  execArgv: string[];
  /** False when this Node has no permission model: the process would run with the host's full rights. */
  permissionFlags: boolean;
  reason?: string;
}

export interface LaunchLimits {
  maxOldSpaceMb: number;
  /** --allow-worker, for the engine's multi-threaded wasm kernels. Off by default: Python cannot reach the
   *  Worker constructor, but without the grant nothing in the process can start a thread at all. */
  allowWorkerThreads?: boolean;
}

/**
 * Node 20-22.12 spell it --experimental-permission; later lines --permission. We check the flags this very
 * binary accepts instead of parsing versions (Electron's Node may differ from its version number's line).
 * Deliberately absent: --allow-child-process, --allow-fs-write, --allow-addons, --allow-wasi (and --allow-worker
 * unless the caller asks for worker threads).
 */
export function launchArgs(
  allowedFlags: ReadonlySet<string>,
  readableDirs: string[],
  limits: LaunchLimits,
  withPermission = true,
): ProcessLaunch {
  // The old generation's first limit (v8-heap.json says why), never above its maximum.
  const base = [`--max-old-space-size=${limits.maxOldSpaceMb}`,
    `--initial-old-space-size=${Math.min(v8Heap.initialOldSpaceMb, limits.maxOldSpaceMb)}`];
  if (allowedFlags.has('--disallow-code-generation-from-strings')) base.push('--disallow-code-generation-from-strings');
  if (allowedFlags.has('--disable-warning')) base.push('--disable-warning=ExperimentalWarning');
  const permissionFlag = ['--permission', '--experimental-permission'].find((f) => allowedFlags.has(f));
  if (!withPermission || !permissionFlag || !allowedFlags.has('--allow-fs-read')) {
    const reason = !withPermission
      ? 'this Node refused the permission flags'
      : "this Node has no permission model (needs Node 20 or newer with --experimental-permission or --permission)";
    return { execArgv: base, permissionFlags: false, reason };
  }
  const reads = readableDirs.map((dir) => `--allow-fs-read=${dir}`);
  const workers = limits.allowWorkerThreads && allowedFlags.has('--allow-worker') ? ['--allow-worker'] : [];
  return { execArgv: [permissionFlag, ...reads, ...workers, ...base], permissionFlags: true };
}

/** out/engine-process/main.js next to the host bundle (out/extension, out/cli) or above the sources. */
export function defaultBundlePath(): string {
  const sibling = path.join(__dirname, '..', 'engine-process', 'main.js');
  if (fs.existsSync(sibling)) return sibling;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'out', 'engine-process', 'main.js');
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return sibling;
  }
}

/**
 * Pyodide's runtime files: out/pyodide (copied by the build; what the .vsix ships) or node_modules/pyodide,
 * the nearest above the host bundle (or the sources), found by walking up as Node's resolver does.
 */
export function defaultPyodideDir(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    for (const candidate of [path.join(dir, 'out', 'pyodide'), path.join(dir, 'node_modules', 'pyodide')])
      if (fs.existsSync(path.join(candidate, 'pyodide.asm.wasm'))) return candidate;
    if (path.dirname(dir) === dir) throw new Error('the pyodide package was not found above ' + __dirname);
  }
}

/** Stderr lines Node prints about the flags themselves, not worth a log entry. */
export function isNoise(line: string): boolean {
  return /ExperimentalWarning: (Permission|Frozen)|Use `node --trace-warnings/.test(line) || line.trim() === '';
}

/** Stderr of a process that did not start because Node did not accept its flags. */
export function isFlagRefusal(stderr: string): boolean {
  return /bad option|is not allowed in NODE_OPTIONS|unknown option|invalid value for --allow/i.test(stderr);
}
