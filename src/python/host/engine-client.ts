// Host side of the engine process (used by the extension and the CLI): starts the sandboxed child, sends
// requests one at a time with time limits, restarts the child after a crash, and reports whether the
// sandbox is real so callers can refuse untrusted workspaces when it is not.
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type {
  EngineBootMessage, EngineError, EngineEvent, EngineParams, EngineRequest, EngineRequestKind, EngineResult,
  EngineSnapshotMessage, SandboxReport,
} from '../../protocol/engine';
import { ENGINE_EXIT, isEngineEvent, isEngineResponse } from '../../protocol/engine';
import { defaultBundlePath, defaultPyodideDir, isFlagRefusal, isNoise, launchArgs } from './process-options';
import { SnapshotCache } from './snapshot-cache';

export interface EngineClientOptions {
  bundlePath?: string;
  pyodideDir?: string;
  /** Start even where Node refuses the permission model. Pass true only for trusted workspaces. */
  allowUnsandboxed?: boolean;
  /** Default per-request time limit inside the engine (ms). */
  timeoutMs?: number;
  /** After the limit, how long the engine gets to stop by itself before the host kills it (ms). */
  killGraceMs?: number;
  startupTimeoutMs?: number;
  /** Cap of the Python (wasm) heap, MiB (Pyodide's own maximum is 4096). */
  maxWasmMb?: number;
  /** V8 old-space limit of the process, MiB. */
  maxOldSpaceMb?: number;
  /** The engine's kernel set in the process (see engine/kernels/wasm/select.ts); the engine's default when absent. */
  kernels?: 'ts' | 'wasm' | 'auto';
  /**
   * Threads of the engine's WASM kernels (large GEMMs and convolutions are split; small calls stay on one).
   * Above 1 the process is granted --allow-worker: its workers inherit the same permission model, and
   * Python cannot reach the Worker constructor. Default 1.
   */
  threads?: number;
  /**
   * Folder for the memory snapshot that makes later starts ~4x faster (e.g. the extension's globalStorage).
   * Without it every start is cold.
   */
  snapshotCacheDir?: string;
  /** Flags the Node binary accepts; defaults to process.allowedNodeEnvironmentFlags (tests inject). */
  nodeFlags?: ReadonlySet<string>;
  onEvent?: (event: EngineEvent) => void;
}

export class EngineRequestError extends Error {
  constructor(readonly error: EngineError) {
    super(error.message);
    this.name = `EngineRequestError(${error.code})`;
  }
  get code(): EngineError['code'] {
    return this.error.code;
  }
}

interface Pending {
  id: number;
  message: EngineRequest;
  resolve(result: unknown): void;
  reject(error: EngineRequestError): void;
  timer?: NodeJS.Timeout;
  settled?: boolean;
}

export interface EngineStats {
  /** Processes started (1 + restarts). */
  starts: number;
  crashes: number;
  /** Host-side milliseconds from fork to `ready` of the current process. */
  lastStartMs: number;
  /** Same, measured inside the process (includes Node's own start-up). */
  lastReadyInProcessMs: number;
  lastStartedFrom: 'cold' | 'snapshot' | undefined;
  /** The kernel set of the current process (`wasm-2threads`, ...). */
  kernels: string | undefined;
}

/** Consecutive failed starts after which the client gives up instead of looping. */
const MAX_FAILED_STARTS = 3;
const STDERR_TAIL_LINES = 20;

function isSnapshotMessage(message: unknown): message is EngineSnapshotMessage {
  return (message as Partial<EngineSnapshotMessage> | null)?.event === 'snapshot';
}

const fail = (code: EngineError['code'], type: string, message: string) => new EngineRequestError({ code, type, message });

export class EngineClient {
  private readonly options: Required<Omit<EngineClientOptions, 'onEvent' | 'nodeFlags' | 'snapshotCacheDir' | 'kernels'>> & Pick<EngineClientOptions, 'kernels'>;
  private readonly snapshots?: SnapshotCache;
  private readonly nodeFlags: ReadonlySet<string>;
  private readonly listeners = new Set<(event: EngineEvent) => void>();
  private child?: ChildProcess;
  private ready = false;
  private queue: Pending[] = [];
  private inflight?: Pending;
  private nextId = 1;
  private disposed = false;
  private failedStarts = 0;
  private usePermission = true;
  private starting?: Promise<void>;
  private stderrTail: string[] = [];
  private report?: SandboxReport;
  readonly stats: EngineStats = { starts: 0, crashes: 0, lastStartMs: 0, lastReadyInProcessMs: 0, lastStartedFrom: undefined, kernels: undefined };

  private constructor(options: EngineClientOptions) {
    this.options = {
      bundlePath: options.bundlePath ?? defaultBundlePath(),
      pyodideDir: options.pyodideDir ?? defaultPyodideDir(),
      allowUnsandboxed: options.allowUnsandboxed ?? false,
      timeoutMs: options.timeoutMs ?? 10_000,
      killGraceMs: options.killGraceMs ?? 2_000,
      startupTimeoutMs: options.startupTimeoutMs ?? 30_000,
      maxWasmMb: options.maxWasmMb ?? 1024,
      maxOldSpaceMb: options.maxOldSpaceMb ?? 2048,
      threads: Math.max(1, Math.floor(options.threads ?? 1)),
      kernels: options.kernels,
    };
    if (options.snapshotCacheDir) {
      this.snapshots = new SnapshotCache(options.snapshotCacheDir, this.options.bundlePath, this.options.pyodideDir);
    }
    this.nodeFlags = options.nodeFlags ?? process.allowedNodeEnvironmentFlags;
    if (options.onEvent) this.listeners.add(options.onEvent);
  }

  /** Starts the engine process and resolves once it is ready (or rejects with SandboxUnavailable). */
  static async start(options: EngineClientOptions = {}): Promise<EngineClient> {
    const client = new EngineClient(options);
    try {
      await client.startProcess();
    } catch (error) {
      await client.dispose();
      throw error;
    }
    return client;
  }

  /** What the running process reported about its own confinement. */
  get sandbox(): SandboxReport {
    return this.report ?? { sandboxed: false, permissionModel: false, codeGenerationFromStrings: true, emptyEnvironment: false, reason: 'not started' };
  }

  get sandboxed(): boolean {
    return this.sandbox.sandboxed;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  onEvent(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  request<K extends EngineRequestKind>(kind: K, params: EngineParams<K>, options: { timeoutMs?: number } = {}): Promise<EngineResult<K>> {
    if (this.disposed) return Promise.reject(fail('Disposed', 'Disposed', 'the engine client was disposed'));
    const id = this.nextId++;
    const message = { ...params, id, kind, timeoutMs: options.timeoutMs ?? this.options.timeoutMs } as EngineRequest;
    return new Promise<EngineResult<K>>((resolve, reject) => {
      this.queue.push({ id, message, resolve: resolve as (r: unknown) => void, reject });
      this.pump();
    });
  }

  evaluate(params: EngineParams<'evaluate'>, options?: { timeoutMs?: number }): Promise<EngineResult<'evaluate'>> {
    return this.request('evaluate', params, options);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const error = fail('Disposed', 'Disposed', 'the engine client was disposed');
    for (const pending of [...(this.inflight ? [this.inflight] : []), ...this.queue]) this.settle(pending, error);
    this.queue = [];
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    }
  }

  // ------------------------------------------------------------------------------------------ process

  private startProcess(): Promise<void> {
    this.starting ??= this.spawnUntilReady().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async spawnUntilReady(): Promise<void> {
    for (;;) {
      try {
        await this.spawnOnce();
        this.failedStarts = 0;
        return;
      } catch (error) {
        if (this.disposed) throw fail('Disposed', 'Disposed', 'the engine client was disposed');
        if (error instanceof EngineRequestError && error.code === 'SandboxUnavailable') throw error;
        if (++this.failedStarts >= MAX_FAILED_STARTS) throw error;
      }
    }
  }

  private spawnOnce(): Promise<void> {
    if (this.disposed) return Promise.reject(fail('Disposed', 'Disposed', 'the engine client was disposed'));
    const { bundlePath, pyodideDir, maxWasmMb, maxOldSpaceMb, kernels, threads } = this.options;
    const readable = [path.dirname(bundlePath), pyodideDir];
    const launch = launchArgs(this.nodeFlags, readable, { maxOldSpaceMb, allowWorkerThreads: threads > 1 }, this.usePermission);
    if (!launch.permissionFlags && !this.options.allowUnsandboxed) {
      return Promise.reject(fail('SandboxUnavailable', 'SandboxUnavailable', `cannot sandbox model files: ${launch.reason}`));
    }
    const startedAt = Date.now();
    this.stats.starts++;
    this.stderrTail = [];
    // The environment is empty on purpose: the permission model does not hide process.env.
    const env: NodeJS.ProcessEnv = process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {};
    const snapshot = this.snapshots?.read();
    const snapshotMode = snapshot ? 'load' : this.snapshots ? 'make' : 'none';
    const child = fork(bundlePath, [JSON.stringify({ pyodideDir, maxWasmMb, snapshot: snapshotMode, ...(kernels ? { kernels } : {}), ...(threads > 1 ? { threads } : {}) })], {
      execArgv: launch.execArgv,
      env,
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child = child;
    this.ready = false;
    this.captureOutput(child);
    if (snapshot) child.send({ boot: { snapshot } } satisfies EngineBootMessage);

    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(fail('Crashed', 'StartupTimeout', `the engine process was not ready within ${this.options.startupTimeoutMs} ms`));
      }, this.options.startupTimeoutMs);
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        clearTimeout(timer);
        const stderr = this.stderrTail.join('\n');
        if (code === ENGINE_EXIT.snapshotRejected) {
          this.snapshots?.drop();
          reject(fail('Crashed', 'SnapshotRejected', 'the cached memory snapshot was rejected; starting cold'));
          return;
        }
        if (launch.permissionFlags && isFlagRefusal(stderr)) {
          this.usePermission = false; // retried without the flags, then refused unless allowUnsandboxed
          reject(fail('Crashed', 'FlagsRefused', stderr));
          return;
        }
        reject(fail('Crashed', 'StartupFailed', `the engine process exited during start-up (${signal ?? `status ${code}`}): ${stderr}`));
      };
      child.once('exit', onExit);
      // fork() failures (EAGAIN, a missing bundle) arrive as 'error', sometimes without 'exit'.
      child.on('error', (error) => {
        this.stderrTail.push(String(error));
        if (!this.ready) onExit(child.exitCode, child.signalCode);
      });
      let readySeen = false;
      child.on('message', (message: unknown) => {
        // Start-up messages count only before `ready`, i.e. before any user code ran in that process.
        if (isSnapshotMessage(message)) {
          if (snapshotMode === 'make' && !readySeen && message.data instanceof Uint8Array) this.saveSnapshot(message.data);
          return;
        }
        if (isEngineEvent(message) && message.event === 'ready') {
          if (readySeen) return;
          readySeen = true;
          clearTimeout(timer);
          child.off('exit', onExit);
          child.on('exit', (code, signal) => this.onExit(child, code, signal));
          this.report = launch.permissionFlags ? message.sandbox : { ...message.sandbox, sandboxed: false, reason: launch.reason };
          this.stats.lastStartMs = Date.now() - startedAt;
          this.stats.lastReadyInProcessMs = message.startupMs;
          this.stats.lastStartedFrom = message.startedFrom;
          this.stats.kernels = message.kernels;
          if (!this.report.sandboxed && !this.options.allowUnsandboxed) {
            child.kill('SIGKILL');
            reject(fail('SandboxUnavailable', 'SandboxUnavailable', `cannot sandbox model files: ${this.report.reason}`));
            return;
          }
          this.ready = true;
          this.emit(message);
          resolve();
          this.pump();
          return;
        }
        this.onMessage(message);
      });
    });
  }

  private saveSnapshot(data: Uint8Array): void {
    try {
      this.snapshots?.write(data);
    } catch (error) {
      this.emit({ event: 'log', level: 'warning', message: `could not cache the engine's memory snapshot: ${String(error)}` });
    }
  }

  private captureOutput(child: ChildProcess): void {
    let partial = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (isNoise(line)) continue;
        this.stderrTail = [...this.stderrTail.slice(-(STDERR_TAIL_LINES - 1)), line];
        this.emit({ event: 'log', level: 'stderr', message: line });
      }
    });
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => this.emit({ event: 'log', level: 'stdout', message: chunk.replace(/\n$/, '') }));
  }

  private onMessage(message: unknown): void {
    if (isEngineResponse(message)) {
      const pending = this.inflight;
      if (!pending || pending.id !== message.id) return; // late answer to a request that already timed out
      this.inflight = undefined;
      // The process announced its own death (fatal Pyodide error): wait for its exit and the restart.
      if (!message.ok && message.error.code === 'Crashed') this.ready = false;
      if (message.ok) this.settle(pending, undefined, message.result);
      else this.settle(pending, new EngineRequestError(message.error));
      // A process asked to shut down exits next; the client ends with it instead of restarting it.
      if (message.ok && pending.message.kind === 'shutdown') void this.dispose();
      this.pump();
    } else if (isEngineEvent(message)) {
      this.emit(message);
    }
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    this.ready = false;
    this.child = undefined;
    if (this.disposed) return;
    this.stats.crashes++;
    const pending = this.inflight;
    this.inflight = undefined;
    if (pending) {
      const detail = this.stderrTail.filter((l) => !l.startsWith('    at ')).slice(-3).join(' | ');
      const how = signal ? `was killed (${signal})` : `exited with status ${code}`;
      this.settle(pending, fail('Crashed', 'EngineCrashed', `the engine process ${how} during this request and restarts${detail ? `: ${detail}` : ''}`));
    }
    this.restart();
  }

  private restart(): void {
    this.startProcess().then(
      () => this.pump(),
      (error: EngineRequestError) => {
        // Could not come back: fail what is queued; the next request tries again from scratch.
        for (const pending of this.queue) this.settle(pending, error);
        this.queue = [];
        this.failedStarts = 0;
      },
    );
  }

  // ------------------------------------------------------------------------------------------ requests

  private pump(): void {
    if (this.disposed || this.inflight || this.queue.length === 0) return;
    if (!this.child || !this.ready) {
      if (!this.starting && !this.child) this.restart();
      return;
    }
    const pending = this.queue.shift()!;
    this.inflight = pending;
    const limit = pending.message.timeoutMs;
    pending.timer = setTimeout(() => this.onHardTimeout(pending), limit + this.options.killGraceMs);
    this.child.send(pending.message);
  }

  /** The engine did not stop by itself after its own deadline: kill it; onExit restarts it. */
  private onHardTimeout(pending: Pending): void {
    if (this.inflight !== pending) return;
    this.inflight = undefined;
    this.ready = false; // nothing more goes to this process; onExit restarts it
    this.settle(pending, fail('Timeout', 'TimeoutError',
      `the request exceeded its time limit of ${pending.message.timeoutMs} ms and did not stop; the engine process was restarted`));
    this.child?.kill('SIGKILL');
  }

  private settle(pending: Pending, error?: EngineRequestError, result?: unknown): void {
    if (pending.settled) return;
    pending.settled = true;
    clearTimeout(pending.timer);
    if (error) pending.reject(error);
    else pending.resolve(result);
  }

  private emit(event: EngineEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // a listener's failure must not break the engine's plumbing
      }
    }
  }
}
