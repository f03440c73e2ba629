// Node-only: worker threads for the WASM kernels (the engine itself imports nothing Node-only, so the thread
// launcher is injected from here). Workers are unref'd: an idle pool never keeps the process alive.
import { Worker } from 'node:worker_threads';
import type { Kernels } from '../engine/kernels/types';
import { createWasmKernels, wasmKernelsAvailable, type WasmKernelOptions, type WasmKernels, type WorkerLauncher } from '../engine/kernels/wasm';
import { createKernelSet, parseKernelMode } from '../engine/kernels/wasm/select';

export const nodeWorkerLauncher: WorkerLauncher = {
  launch(workerFunction, message) {
    // The worker function is self-contained source text, so no file has to exist next to the bundle.
    const source = `require('node:worker_threads').parentPort.once('message', (message) => (${workerFunction})(message));`;
    const worker = new Worker(source, { eval: true });
    worker.postMessage(message);
    worker.unref();
    return { terminate: () => void worker.terminate() };
  },
};

/** The WASM kernel set with large GEMMs and convolutions split across `threads` threads (the caller included). */
export function createThreadedWasmKernels(threads = 2,
  options: Omit<WasmKernelOptions, 'threads'> & { minParallelWork?: number } = {}): WasmKernels {
  const { minParallelWork, ...rest } = options;
  return createWasmKernels({ ...rest, threads: { count: threads, launcher: nodeWorkerLauncher, minWork: minParallelWork } });
}

/**
 * The kernel set for a Node process from its environment: TORCH_EXPLORER_KERNELS=ts|wasm|auto as at the engine
 * entry, plus TORCH_EXPLORER_THREADS=N (default 1: one thread is the default, the machine may be shared) to
 * split large WASM calls across N threads. Install it with setKernels().
 */
export function nodeKernelSet(env: NodeJS.ProcessEnv = process.env): Kernels {
  const mode = parseKernelMode(env.TORCH_EXPLORER_KERNELS);
  const threads = Number.parseInt(env.TORCH_EXPLORER_THREADS ?? '1', 10);
  if (!(threads >= 1)) throw new Error(`TORCH_EXPLORER_THREADS must be a positive integer, got '${env.TORCH_EXPLORER_THREADS}'`);
  if (threads === 1 || mode === 'ts' || (mode === 'auto' && !wasmKernelsAvailable())) return createKernelSet(mode);
  return createThreadedWasmKernels(threads, mode === 'wasm' ? { minGemmWork: 0, minConvWork: 0 } : {});
}
