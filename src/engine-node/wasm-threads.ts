// Node-only: worker threads for the WASM kernels (the engine itself imports nothing Node-only, so the thread
// launcher is injected from here). Workers are unref'd: an idle pool never keeps the process alive.
import { Worker } from 'node:worker_threads';
import { createWasmKernels, type WasmKernelOptions, type WasmKernels, type WorkerLauncher } from '../engine/kernels/wasm';

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
export function createThreadedWasmKernels(threads = 2, options: Omit<WasmKernelOptions, 'threads'> & { minParallelWork?: number } = {}): WasmKernels {
  const { minParallelWork, ...rest } = options;
  return createWasmKernels({ ...rest, threads: { count: threads, launcher: nodeWorkerLauncher, minWork: minParallelWork } });
}
