// One engine process per window, started on first need. Gates every request on Workspace Trust (nothing
// runs in Restricted Mode), maps settings to the process's limits, turns VS Code cancellation into stopping
// the process (the only way to interrupt Python mid-request), and publishes a status for the status bar.
// Model handles belong to one process: `generation` changes whenever a new process starts.
import * as vscode from 'vscode';
import type { EngineEvent, SandboxReport } from '../../protocol/engine';
import { EngineClient, EngineRequestError } from '../../python/host/engine-client';
import { EngineUnavailableError } from './engine-api';
import { readEngineSettings, type EngineSettings } from './settings';

export type EngineState = 'idle' | 'starting' | 'ready' | 'busy' | 'failed' | 'restricted';

export interface EngineStatus {
  state: EngineState;
  /** what runs (busy), why it failed, or why nothing runs (restricted) */
  detail?: string;
  sandbox?: SandboxReport;
  restarts: number;
  pythonVersion?: string;
  /** the kernel set forward passes run on, e.g. `wasm-relaxedSimd-2threads` */
  kernels?: string;
}

export const RESTRICTED_REASON =
  'Restricted Mode: model files do not run in an untrusted workspace. Trust the workspace to evaluate models; ' +
  'until then the view shows the static outline read from the source.';

export interface EngineRequestOptions {
  token?: vscode.CancellationToken;
  timeoutMs?: number;
  /** shown in the status bar while the request runs */
  title?: string;
}

/** The start options that need a new process when they change. */
const startKey = (s: EngineSettings) => `${s.timeoutMs}|${s.maxTensorMemoryMB}|${s.kernels}|${s.threads}`;

export class EngineService implements vscode.Disposable {
  private client: EngineClient | undefined;
  private starting: Promise<EngineClient> | undefined;
  private clientKey = '';
  private trustOverride: boolean | undefined;
  private inflight: string[] = [];
  private restartPending = false;
  private _generation = 0;
  private _status: EngineStatus = { state: 'idle', restarts: 0 };
  private readonly statusChanged = new vscode.EventEmitter<EngineStatus>();
  private readonly restarted = new vscode.EventEmitter<void>();
  private readonly trustChanged = new vscode.EventEmitter<boolean>();
  readonly onDidChangeStatus = this.statusChanged.event;
  /** A new process replaced the old one (crash, cancel, settings): the old model handles are gone. */
  readonly onDidRestart = this.restarted.event;
  readonly onDidChangeTrust = this.trustChanged.event;
  private readonly disposables: vscode.Disposable[] = [this.statusChanged, this.restarted, this.trustChanged];

  constructor(private readonly storage: vscode.Uri | undefined, readonly log: vscode.LogOutputChannel) {
    this.disposables.push(vscode.workspace.onDidGrantWorkspaceTrust(() => { this.trustChanged.fire(true); this.refreshGate(); }));
    this.disposables.push(vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('torchExplorer')) this.applySettings(); }));
    this.refreshGate();
  }

  /**
   * A changed time limit, memory cap, kernel set or thread count needs a new process. It is stopped between
   * requests, as soon as the setting changes, so the model store sees its handles gone and builds models again
   * before the next request uses them (a restart inside that request would find them stale).
   */
  private applySettings(): void {
    if (!this.client || this.clientKey === startKey(readEngineSettings())) return;
    if (this.inflight.length) { this.restartPending = true; return; }
    this.log.info('engine settings changed: stopping the engine process; the next request starts it with them');
    void this.stop();
  }

  get status(): EngineStatus { return this._status; }
  get generation(): number { return this._generation; }

  /** Workspace Trust as the engine sees it; tests inject a value to check the gating. */
  get trusted(): boolean { return this.trustOverride ?? vscode.workspace.isTrusted; }
  setTrustOverride(trusted: boolean | undefined): void {
    const before = this.trusted;
    this.trustOverride = trusted;
    if (!this.trusted) void this.stop();
    this.refreshGate();
    if (before !== this.trusted) this.trustChanged.fire(this.trusted);
  }

  /** Why nothing may run now, or undefined when models may run. */
  gateReason(): string | undefined {
    return this.trusted ? undefined : RESTRICTED_REASON;
  }

  async request<R>(kind: string, params: object, options: EngineRequestOptions = {}): Promise<R> {
    const reason = this.gateReason();
    if (reason) throw new EngineUnavailableError(reason, 'restricted');
    if (options.token?.isCancellationRequested) throw new EngineUnavailableError('Cancelled.', 'cancelled');
    const settings = readEngineSettings();
    const client = await this.ensureClient(settings);
    const title = options.title ?? kind;
    this.inflight.push(title);
    this.setStatus({ state: 'busy', detail: title });
    let cancelSub: vscode.Disposable | undefined;
    try {
      const call = (client.request as (k: string, p: object, o: object) => Promise<R>)(kind, params, { timeoutMs: options.timeoutMs ?? settings.timeoutMs });
      if (!options.token) return await call;
      const cancelled = new Promise<never>((_, reject) => {
        cancelSub = options.token!.onCancellationRequested(() => {
          // Python cannot be interrupted from outside between its own checks: stop the process instead.
          this.log.info(`cancelled ${title}: stopping the engine process; it starts again on next use`);
          reject(new EngineUnavailableError('Cancelled.', 'cancelled')); // before stop(), which fails the request as Disposed
          void this.stop();
        });
      });
      return await Promise.race([call, cancelled]);
    } finally {
      cancelSub?.dispose();
      this.inflight.splice(this.inflight.indexOf(title), 1);
      if (this.client === client && this._status.state === 'busy') {
        this.setStatus(this.inflight.length ? { state: 'busy', detail: this.inflight[this.inflight.length - 1] } : this.readyStatus(client));
      }
      if (this.restartPending && !this.inflight.length) { this.restartPending = false; this.applySettings(); }
    }
  }

  /** Stops the process (if any); the next request starts a new one. */
  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.starting = undefined;
    if (client) {
      this.bumpGeneration(); // at once: the handles of this process are gone from now on
      this.refreshGate();
      await client.dispose();
    }
    this.refreshGate();
  }

  async restart(): Promise<void> {
    await this.stop();
    if (!this.gateReason()) await this.ensureClient(readEngineSettings());
  }

  private ensureClient(settings: EngineSettings): Promise<EngineClient> {
    if (this.client && this.clientKey !== startKey(settings)) void this.stop(); // limits changed: new process
    if (this.client) return Promise.resolve(this.client);
    this.starting ??= this.startClient(settings).finally(() => { this.starting = undefined; });
    return this.starting;
  }

  private async startClient(settings: EngineSettings): Promise<EngineClient> {
    this.setStatus({ state: 'starting' });
    this.log.info(`starting the engine process (time limit ${settings.timeoutMs / 1000} s, memory ${settings.maxTensorMemoryMB} MB, kernels ${settings.kernels}, threads ${settings.threads})`);
    const started = Date.now();
    try {
      const client = await EngineClient.start({
        // trusted workspaces only reach this point, so a refused sandbox may fall back to a plain process
        allowUnsandboxed: true,
        timeoutMs: settings.timeoutMs,
        maxWasmMb: Math.min(4096, Math.max(256, settings.maxTensorMemoryMB)),
        maxOldSpaceMb: Math.max(1024, settings.maxTensorMemoryMB + 512),
        kernels: settings.kernels,
        threads: settings.threads,
        snapshotCacheDir: this.storage ? vscode.Uri.joinPath(this.storage, 'engine').fsPath : undefined,
        onEvent: (e) => this.onEngineEvent(e),
      });
      this.client = client;
      this.clientKey = startKey(settings);
      const s = client.sandbox;
      this.log.info(`engine ready in ${Date.now() - started} ms (pid ${client.pid}, ${client.stats.lastStartedFrom ?? 'cold'} start, kernels ${client.stats.kernels ?? '?'}, ` +
        `${s.sandboxed ? 'sandboxed' : `NOT sandboxed: ${s.reason ?? 'unknown reason'}`})`);
      if (!s.sandboxed) {
        void vscode.window.showWarningMessage(`Torch Explorer: the engine runs without Node's sandbox (${s.reason ?? 'unknown reason'}). ` +
          'Model files run only because this workspace is trusted.');
      }
      this.setStatus(this.readyStatus(client));
      return client;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.log.error(`the engine process did not start: ${message}`);
      this.setStatus({ state: 'failed', detail: message });
      throw new EngineUnavailableError(`The engine process did not start: ${message}`, 'failed');
    }
  }

  private onEngineEvent(e: EngineEvent): void {
    if (e.event === 'ready') {
      this._status.pythonVersion = e.pythonVersion;
      if (this.client) { // not the first ready of this client: it restarted itself after a crash
        this.log.warn(`the engine process restarted (pid ${e.pid}); models are evaluated again on next use`);
        this.bumpGeneration();
        this.setStatus({ ...this.readyStatus(this.client), restarts: this._status.restarts + 1 });
      }
    } else if (e.event === 'log') {
      const line = `${e.requestId !== undefined ? `[#${e.requestId}] ` : ''}${e.message}`;
      if (e.level === 'warning') this.log.warn(line);
      else if (e.level === 'stderr') this.log.error(line);
      else this.log.info(line);
    } else if (e.event === 'stubbedImport') {
      this.log.info(`[#${e.requestId}] import ${e.name} replaced by a stub${e.importedFrom ? ` (${e.importedFrom.file}:${e.importedFrom.line})` : ''}`);
    } else if (e.event === 'progress') {
      this.log.trace(`[#${e.requestId}] ${e.message}`);
    }
  }

  private bumpGeneration(): void {
    this._generation++;
    this.restarted.fire();
  }

  private readyStatus(client: EngineClient): EngineStatus {
    return { state: 'ready', sandbox: client.sandbox, restarts: this._status.restarts, pythonVersion: this._status.pythonVersion, kernels: client.stats.kernels };
  }

  private refreshGate(): void {
    const reason = this.gateReason();
    if (reason) this.setStatus({ state: 'restricted', detail: reason, restarts: this._status.restarts });
    else if (this._status.state === 'restricted' || (!this.client && this._status.state !== 'failed')) this.setStatus({ state: 'idle', restarts: this._status.restarts });
  }

  private setStatus(s: Partial<EngineStatus> & { state: EngineState }): void {
    this._status = { restarts: this._status.restarts, pythonVersion: this._status.pythonVersion, ...s };
    this.statusChanged.fire(this._status);
  }

  dispose(): void {
    void this.client?.dispose();
    this.client = undefined;
    for (const d of this.disposables) d.dispose();
  }
}

export function describeFailure(error: unknown): string {
  if (error instanceof EngineRequestError) {
    const e = error.error;
    return `${e.type}: ${e.message}${e.file ? ` (${e.file}:${e.line})` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}
