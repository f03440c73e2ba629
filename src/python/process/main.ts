// Entry of the engine process (bundled to out/engine-process/main.js, forked by host/engine-client.ts under
// Node's permission model). Order matters: workarounds and caps before Pyodide loads, lock-down before the
// first request, and `ready` only once nothing user-controlled has run yet.
import type {
  EngineBootMessage, EngineError, EngineEvent, EngineOutbound, EngineRequest, EngineResponse, EvaluateResult,
  StubbedImport,
} from '../../protocol/engine';
import { ENGINE_EXIT, ENGINE_PROTOCOL_VERSION } from '../../protocol/engine';
import { capWasmMemory, freezeIntrinsics, installBindingWorkaround, removeHostCapabilities, sandboxReport } from './harden';
import { loadRuntime, type Runtime } from './runtime';
import { kernels, setKernels } from '../../engine';
import { createKernelSet, type KernelMode } from '../../engine/kernels/wasm/select';
import { enableRelaxedSimd } from '../../engine-node/relaxed-simd';
import { nodeKernelSet } from '../../engine-node/wasm-threads';
import { handleModelRequest } from './engine/requests';
import { handleJsModelRequest } from './jsmodels/requests';

export interface EngineProcessConfig {
  pyodideDir: string;
  maxWasmMb: number;
  /** `load`: wait for the host's boot message with a snapshot; `make`: start cold and send one. */
  snapshot: 'none' | 'load' | 'make';
  /** The engine's kernel set; the engine's default when absent. */
  kernels?: KernelMode;
  /** WASM kernel threads (workers need --allow-worker); 1 when absent. */
  threads?: number;
}

const send = process.send?.bind(process);
if (!send) {
  process.stderr.write('the engine process must be started by the engine client (no IPC channel)\n');
  process.exit(2);
}
const config = JSON.parse(process.argv[2] ?? '{}') as EngineProcessConfig;
let currentRequestId: number | undefined;

function post(message: EngineOutbound, then?: () => void): void {
  send!(message, undefined, undefined, then ? () => then() : undefined);
}

function die(message: string): void {
  post({ event: 'log', level: 'stderr', message }, () => process.exit(ENGINE_EXIT.fatal));
  // If the channel is gone the callback never runs.
  setTimeout(() => process.exit(ENGINE_EXIT.fatal), 500).unref();
}

function isFatal(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { pyodide_fatal_error?: boolean }).pyodide_fatal_error === true;
}

function failure(id: number, error: EngineError): EngineResponse {
  return { id, ok: false, error };
}

function evaluate(runtime: Runtime, request: EngineRequest<'evaluate'>): EngineResponse {
  const { deadline } = runtime;
  let outcome: { ok: boolean; result?: EvaluateResult; error?: EngineError; stubbedImports?: StubbedImport[] };
  const timedOut = (where: string, details?: EngineError): EngineResponse => failure(request.id, {
    ...details,
    code: 'Timeout',
    type: 'TimeoutError',
    message: `evaluation exceeded the time limit of ${request.timeoutMs} ms${where}`,
  });
  deadline.arm(request.timeoutMs);
  try {
    outcome = JSON.parse(runtime.evaluateJson(JSON.stringify({ files: request.files, entryFile: request.entryFile })));
  } catch (error) {
    // A repeated interrupt can land in the runner's own error handling; it is still the time limit.
    if (deadline.fired && !isFatal(error)) return timedOut('');
    throw error;
  } finally {
    deadline.disarm();
  }
  const stubbed = outcome.result?.stubbedImports ?? outcome.stubbedImports ?? [];
  for (const stub of stubbed) post({ event: 'stubbedImport', requestId: request.id, ...stub });
  if (outcome.ok) return { id: request.id, ok: true, result: outcome.result! };
  const error = outcome.error!;
  if (deadline.fired) {
    return timedOut(error.file ? ` (stopped at ${error.file}:${error.line})` : '', error);
  }
  return failure(request.id, error);
}

function handle(runtime: Runtime, request: EngineRequest): EngineResponse {
  const jsModelResponse = handleJsModelRequest(runtime, request, post); // .ts/.js model files and the models built from them
  if (jsModelResponse) return jsModelResponse;
  switch (request.kind) {
    case 'evaluate':
      return evaluate(runtime, request);
    case 'ping': {
      const heap = (runtime.pyodide as unknown as { _module: { HEAPU8: Uint8Array } })._module.HEAPU8;
      const result = {
        pid: process.pid,
        uptimeMs: Math.round(process.uptime() * 1000),
        wasmHeapBytes: heap.byteLength,
        rssBytes: process.memoryUsage.rss(),
      };
      return { id: request.id, ok: true, result };
    }
    case 'shutdown':
      return { id: request.id, ok: true, result: null };
    default:
      return handleModelRequest(runtime, request, post) ?? failure((request as { id: number }).id, {
        code: 'NotImplemented',
        type: 'NotImplemented',
        message: `the engine process does not implement '${(request as { kind: string }).kind}' yet`,
      });
  }
}

function isRequest(message: unknown): message is EngineRequest {
  const m = message as Partial<EngineRequest> | null;
  return typeof m === 'object' && m !== null && typeof m.id === 'number' && typeof m.kind === 'string' &&
    typeof m.timeoutMs === 'number';
}

function bootSnapshot(): Promise<Uint8Array> {
  return new Promise((resolve) => {
    const onBoot = (message: unknown) => {
      const boot = (message as Partial<EngineBootMessage> | null)?.boot;
      if (!boot) return;
      process.off('message', onBoot);
      // IPC hands over a view at an arbitrary offset; Pyodide reads it as 32-bit words.
      resolve(boot.snapshot.byteOffset % 4 === 0 ? boot.snapshot : boot.snapshot.slice());
    };
    process.on('message', onBoot);
  });
}

function reportProgress(message: unknown, fraction: unknown): void {
  if (currentRequestId === undefined) return;
  const event: EngineEvent = { event: 'progress', requestId: currentRequestId, message: String(message) };
  if (typeof fraction === 'number') event.fraction = fraction;
  post(event);
}

/** Loads Pyodide; undefined when the host's snapshot was rejected (the process is then exiting). */
async function startRuntime(): Promise<Runtime | undefined> {
  const snapshot = config.snapshot === 'load' ? await bootSnapshot() : undefined;
  try {
    return await loadRuntime({
      pyodideDir: config.pyodideDir,
      maxWasmMb: config.maxWasmMb,
      snapshot,
      makeSnapshot: config.snapshot === 'make',
      onOutput: (level, message) => post({ event: 'log', level, message, requestId: currentRequestId }),
      registerMethods: (bridge) => bridge.register('progress', reportProgress),
    });
  } catch (error) {
    if (!snapshot) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    post({ event: 'log', level: 'warning', message: `memory snapshot rejected, starting cold next time: ${reason}` },
      () => process.exit(ENGINE_EXIT.snapshotRejected));
    return undefined;
  }
}

/**
 * `wasm` without a usable WASM module falls back to TypeScript, and threads that cannot start (no
 * --allow-worker) fall back to one thread, each with a warning rather than failing start-up. Worker threads
 * start here, before the lock-down, and inherit the process's permission model.
 */
function chooseKernels(mode: KernelMode | undefined, threads: number): void {
  enableRelaxedSimd();
  if (mode === undefined && threads <= 1) return;
  try {
    setKernels(nodeKernelSet({ TORCH_EXPLORER_KERNELS: mode ?? 'auto', TORCH_EXPLORER_THREADS: String(threads) }));
    return;
  } catch (error) {
    if (threads > 1) post({ event: 'log', level: 'warning', message: `cannot start ${threads} kernel threads, using one: ${(error as Error).message}` });
    else post({ event: 'log', level: 'warning', message: `kernels '${mode}' are not available, using TypeScript kernels: ${(error as Error).message}` });
  }
  try {
    setKernels(createKernelSet(mode ?? 'auto'));
  } catch (error) {
    setKernels(createKernelSet('ts'));
    post({ event: 'log', level: 'warning', message: `kernels '${mode}' are not available, using TypeScript kernels: ${(error as Error).message}` });
  }
}

async function main(): Promise<void> {
  const nodeStartMs = Math.round(process.uptime() * 1000);
  installBindingWorkaround();
  capWasmMemory(config.maxWasmMb * 2 ** 20);
  const runtime = await startRuntime();
  if (!runtime) return;
  if (runtime.snapshot) post({ event: 'snapshot', data: runtime.snapshot });
  const mark = Date.now();
  chooseKernels(config.kernels, Math.max(1, Math.floor(config.threads ?? 1)));
  removeHostCapabilities();
  freezeIntrinsics();
  const phases = { node: nodeStartMs, ...runtime.phases, hardenJs: Date.now() - mark };

  process.on('message', (message: unknown) => {
    if (!isRequest(message)) {
      const id = typeof (message as { id?: unknown })?.id === 'number' ? (message as { id: number }).id : -1;
      post(failure(id, { code: 'BadRequest', type: 'BadRequest', message: 'malformed request' }));
      return;
    }
    currentRequestId = message.id;
    let response: EngineResponse;
    try {
      response = handle(runtime, message);
    } catch (error) {
      if (!isFatal(error)) {
        const text = error instanceof Error ? error.stack ?? error.message : String(error);
        response = failure(message.id, { code: 'Internal', type: 'InternalError', message: text });
      } else {
        // Pyodide aborted (e.g. os.system reaching Node's denied child_process): this instance is dead.
        const reason = error instanceof Error ? error.message : String(error);
        post(failure(message.id, {
          code: 'Crashed',
          type: 'FatalError',
          message: `Python crashed and the engine restarts: ${reason.split('\n')[0]}`,
        }), () => process.exit(ENGINE_EXIT.fatal));
        return;
      }
    } finally {
      currentRequestId = undefined;
    }
    post(response, message.kind === 'shutdown' ? () => process.exit(0) : undefined);
  });
  // The host went away: nothing may outlive it.
  process.on('disconnect', () => process.exit(0));

  const ready: EngineEvent = {
    event: 'ready',
    protocolVersion: ENGINE_PROTOCOL_VERSION,
    pid: process.pid,
    pythonVersion: runtime.pythonVersion,
    pyodideVersion: (runtime.pyodide as unknown as { version: string }).version,
    sandbox: sandboxReport(),
    startupMs: Math.round(process.uptime() * 1000),
    phases,
    startedFrom: runtime.startedFrom,
    kernels: kernels().name,
  };
  post(ready);
}

process.on('uncaughtException', (error) => die(`engine process error: ${error.stack ?? error.message}`));
process.on('unhandledRejection', (error) => die(`engine process error: ${String((error as Error)?.stack ?? error)}`));
main().catch((error: Error) => die(`engine process failed to start: ${error.stack ?? error.message}`));
