// One engine process for one CLI command: the same sandboxed process the extension uses (engine-client),
// started with the model file's workspace, shut down when the command ends so nothing outlives it.
import type { Command } from 'commander';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EngineEvent, EngineParams, EngineRequestKind, EngineResult } from '../protocol/engine';
import { EngineClient } from '../python/host/engine-client';
import { parseChoice, parseFloat, parseInteger } from './options';
import { usageError } from './errors';
import { collectWorkspace, type Workspace } from './workspace';

export interface EngineCliOptions {
  root?: string;
  timeout?: string;
  allowUnsandboxed?: boolean;
  debug?: boolean;
  kernels?: string;
  threads?: string;
}

/** Options every command that runs a model file takes. */
export function addEngineOptions(command: Command): Command {
  return command
    .option('--root <dir>', "workspace root for the model's imports (default: the model file's folder)")
    .option('--timeout <seconds>', 'time limit of each evaluation in the engine', '60')
    .option('--allow-unsandboxed', "run the model even where this Node has no permission model (only for files you trust)")
    .option('--kernels <set>', 'compute kernels of the engine: auto (WASM SIMD where available), wasm or ts', 'auto')
    .option('--threads <n>', 'threads of the WASM kernels; large GEMMs and convolutions are split, small ones stay on one', '1');
}

/** --kernels and --threads, checked. */
export function kernelOptions(options: EngineCliOptions): { kernels: 'auto' | 'wasm' | 'ts'; threads: number } {
  return {
    kernels: parseChoice('--kernels', options.kernels ?? 'auto', ['auto', 'wasm', 'ts'] as const),
    threads: parseInteger('--threads', options.threads ?? '1', { min: 1, max: 64 }),
  };
}

let activeWorkspace: Workspace | undefined;

/** Turns engine paths (relative to the workspace root) into paths relative to the current folder. */
export function activeFileResolver(): ((file: string) => string) | undefined {
  const workspace = activeWorkspace;
  return workspace ? (file) => workspace.displayPath(file) : undefined;
}

/** Where the engine's memory snapshot is cached: later starts restore it instead of booting Python cold. */
function snapshotCacheDir(): string | undefined {
  if (process.env.TORCH_EXPLORER_CACHE === '') return undefined;
  if (process.env.TORCH_EXPLORER_CACHE) return process.env.TORCH_EXPLORER_CACHE;
  const base = process.env.XDG_CACHE_HOME || (process.platform === 'darwin'
    ? path.join(os.homedir(), 'Library', 'Caches')
    : process.platform === 'win32' ? process.env.LOCALAPPDATA || path.join(os.homedir(), 'AppData', 'Local') : path.join(os.homedir(), '.cache'));
  return path.join(base, 'torch-explorer');
}

export function timeoutMs(options: EngineCliOptions): number {
  const seconds = parseFloat('--timeout', options.timeout ?? '60');
  if (!(seconds > 0)) throw usageError(`--timeout ${options.timeout}: expected a positive number of seconds`);
  return Math.round(seconds * 1000);
}

export class EngineSession {
  private constructor(readonly client: EngineClient, readonly workspace: Workspace, readonly timeoutMs: number) {}

  static async open(modelFile: string, options: EngineCliOptions): Promise<EngineSession> {
    const limit = timeoutMs(options);
    const { kernels, threads } = kernelOptions(options);
    const workspace = collectWorkspace(modelFile, options.root);
    activeWorkspace = workspace;
    const client = await EngineClient.start({
      allowUnsandboxed: options.allowUnsandboxed === true,
      timeoutMs: limit,
      snapshotCacheDir: snapshotCacheDir(),
      kernels,
      threads,
      onEvent: (event) => forwardOutput(event, options.debug === true),
    });
    return new EngineSession(client, workspace, limit);
  }

  /** Runs `body` with a session and always shuts the engine process down afterwards. */
  static async with<T>(modelFile: string, options: EngineCliOptions, body: (session: EngineSession) => Promise<T>): Promise<T> {
    const session = await EngineSession.open(modelFile, options);
    try {
      return await body(session);
    } finally {
      await session.close();
    }
  }

  request<K extends EngineRequestKind>(kind: K, params: EngineParams<K>, timeout = this.timeoutMs): Promise<EngineResult<K>> {
    return this.client.request(kind, params, { timeoutMs: timeout });
  }

  /** The workspace as the engine's `evaluate`-style requests take it. */
  get sources(): { files: Record<string, string>; entryFile: string } {
    return { files: this.workspace.files, entryFile: this.workspace.entryFile };
  }

  async close(): Promise<void> {
    try {
      // ask politely; the client is disposed right after, before the process's exit could look like a crash
      await this.client.request('shutdown', {}, { timeoutMs: 2_000 });
    } catch {
      // already gone or not answering: dispose kills it
    }
    await this.client.dispose();
  }
}

/** What Python printed goes to stderr (stdout carries the result); the process's own noise only with --debug. */
function forwardOutput(event: EngineEvent, debug: boolean): void {
  if (event.event !== 'log') return;
  const fromModel = event.requestId !== undefined && (event.level === 'stdout' || event.level === 'stderr');
  if (fromModel || debug) process.stderr.write(`${debug && !fromModel ? `[engine ${event.level}] ` : ''}${event.message}\n`);
}
