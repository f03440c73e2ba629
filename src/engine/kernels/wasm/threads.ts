// Worker threads for the WASM kernels: each worker instantiates the same module over the caller's shared
// linear memory and waits on a control word; the caller writes a call's arguments, wakes the workers,
// runs its own share and blocks until they are done (kernels are synchronous). Both sides spin briefly
// before sleeping, since the calls of a forward pass come in quick succession. Only starting a worker is
// platform-specific, so it sits behind WorkerLauncher (Node: src/engine-node/wasm-threads.ts).
import type { WasmKernelRuntime } from './runtime';

/** One kernel call: the export's name and its arguments (numbers, byte addresses). */
export interface KernelCall {
  op: 'sgemm' | 'conv2d' | 'maxPool2d' | 'winogradConv2d' | 'winogradWeights' | 'winogradFusedConv2d' | 'randomFloat32' |
    'winogradS2Conv2d';
  args: number[];
}

/** What a worker receives (structured-cloned: the compiled module and the shared memory are shared, not copied). */
export interface WasmWorkerMessage { module: WebAssembly.Module; memory: WebAssembly.Memory; control: SharedArrayBuffer; slot: number }

export interface WorkerHandle { terminate(): void }

/** Starts worker threads: `workerFunction` is the source of a function to call with the message in the worker. */
export interface WorkerLauncher {
  launch(workerFunction: string, message: WasmWorkerMessage): WorkerHandle;
}

// Control buffer: one 512-byte slot per worker. Int32 0 of a slot is its state, float64 1 the argument count, 2 the
// op, 3... the arguments (at most MAX_ARGS).
const SLOT_BYTES = 512;
const MAX_ARGS = SLOT_BYTES / 8 - 3;
const IDLE = 0, READY = 1, DONE = 2, FAILED = 3, STOP = 4;
/** Loads of a state word a waiting thread spins through before Atomics.wait (the worker repeats the literal). */
const SPIN_LOADS = 50000;
const OPS: KernelCall['op'][] = ['sgemm', 'conv2d', 'maxPool2d', 'winogradConv2d', 'winogradWeights', 'winogradFusedConv2d', 'randomFloat32',
  'winogradS2Conv2d'];

/**
 * The worker's loop. It runs in another thread from its source text, so it refers to nothing outside
 * itself: the state values and slot layout above are repeated as literals.
 */
function wasmKernelWorker(message: WasmWorkerMessage): void {
  const exports = new WebAssembly.Instance(message.module, { env: { memory: message.memory } }).exports as
    Record<string, (...args: number[]) => void>;
  const states = new Int32Array(message.control);
  const args = new Float64Array(message.control);
  const stateIndex = message.slot * 128, argIndex = message.slot * 64;
  const ops = ['sgemm', 'conv2d', 'maxPool2d', 'winogradConv2d', 'winogradWeights', 'winogradFusedConv2d', 'randomFloat32',
    'winogradS2Conv2d'];
  for (;;) {
    let state = Atomics.load(states, stateIndex);
    // Spin ~0.35 ms (50000 loads) before sleeping: a forward pass sends kernels in bursts, and a thread woken from
    // Atomics.wait starts tens of microseconds late (ResNet-18 on two threads: 34.3 -> 32.5 ms with both sides
    // spinning; 200000 or 10^6 spins gain nothing more).
    for (let spin = 0; spin < 50000 && state !== 1 && state !== 4; spin++) state = Atomics.load(states, stateIndex);
    // Wait for READY (1) or STOP (4); waiting on the value just seen never misses a store in between.
    while (state !== 1 && state !== 4) {
      Atomics.wait(states, stateIndex, state);
      state = Atomics.load(states, stateIndex);
    }
    if (state === 4) return;
    try {
      const count = args[argIndex + 1];
      const callArgs: number[] = [];
      for (let i = 0; i < count; i++) callArgs.push(args[argIndex + 3 + i]);
      exports[ops[args[argIndex + 2]]](...callArgs);
      Atomics.store(states, stateIndex, 2);
    } catch {
      Atomics.store(states, stateIndex, 3);
    }
    Atomics.notify(states, stateIndex);
  }
}

export class WasmThreadPool {
  private readonly states: Int32Array;
  private readonly args: Float64Array;
  private readonly workers: WorkerHandle[] = [];

  /** `threads` counts the calling thread: threads - 1 workers are started. The runtime must be shared. */
  constructor(private readonly runtime: WasmKernelRuntime, readonly threads: number, launcher: WorkerLauncher) {
    if (!runtime.shared) throw new Error('WasmThreadPool needs a runtime over shared memory');
    const control = new SharedArrayBuffer(SLOT_BYTES * Math.max(1, threads - 1));
    this.states = new Int32Array(control);
    this.args = new Float64Array(control);
    for (let slot = 0; slot < threads - 1; slot++) {
      this.workers.push(launcher.launch(wasmKernelWorker.toString(), { module: runtime.module, memory: runtime.exports.memory, control, slot }));
    }
  }

  /**
   * Runs calls[0] on this thread and the others on workers; returns when all are done. `beforeOwn` runs on this
   * thread after the workers are started and before calls[0] (e.g. copying operands only calls[0] reads),
   * `afterOwn` after calls[0] while the workers may still run (e.g. copying calls[0]'s results out).
   */
  run(calls: readonly KernelCall[], beforeOwn?: () => void, afterOwn?: () => void): void {
    if (calls.length > this.threads) throw new Error(`${calls.length} calls for ${this.threads} threads`);
    // A longer list would spill into the next slot (or past the buffer, where typed-array writes vanish).
    for (const { op, args } of calls) {
      if (args.length > MAX_ARGS) throw new Error(`${op} takes ${args.length} arguments; worker slots hold ${MAX_ARGS}`);
    }
    for (let i = 1; i < calls.length; i++) {
      const slot = i - 1, base = slot * (SLOT_BYTES / 8);
      const { op, args } = calls[i];
      this.args[base + 1] = args.length;
      this.args[base + 2] = OPS.indexOf(op);
      for (let j = 0; j < args.length; j++) this.args[base + 3 + j] = args[j];
      Atomics.store(this.states, slot * (SLOT_BYTES / 4), READY);
      Atomics.notify(this.states, slot * (SLOT_BYTES / 4));
    }
    let error: unknown = null;
    if (calls.length > 0) {
      try {
        beforeOwn?.();
        this.call(calls[0]);
        afterOwn?.();
      } catch (e) { error = e; }
    }
    let failed = false;
    for (let i = 1; i < calls.length; i++) {
      const index = (i - 1) * (SLOT_BYTES / 4);
      let state = Atomics.load(this.states, index);
      for (let spin = 0; spin < SPIN_LOADS && state === READY; spin++) state = Atomics.load(this.states, index);
      while (state === READY) {
        Atomics.wait(this.states, index, READY);
        state = Atomics.load(this.states, index);
      }
      failed ||= state === FAILED;
      Atomics.store(this.states, index, IDLE);
    }
    if (error !== null) throw error;
    if (failed) throw new Error('a WASM kernel failed in a worker thread');
  }

  /** Stops the workers (they end their loop; terminate covers one stuck in a call). */
  close(): void {
    for (let slot = 0; slot < this.workers.length; slot++) {
      Atomics.store(this.states, slot * (SLOT_BYTES / 4), STOP);
      Atomics.notify(this.states, slot * (SLOT_BYTES / 4));
      this.workers[slot].terminate();
    }
    this.workers.length = 0;
  }

  private call({ op, args }: KernelCall): void {
    (this.runtime.exports[op] as (...a: number[]) => void)(...args);
  }
}

/** Splits [0, total) into at most `parts` ranges of whole `unit`s, as equal as possible. Empty ranges are dropped. */
export function splitRange(total: number, parts: number, unit: number): [number, number][] {
  const units = Math.ceil(total / unit);
  const ranges: [number, number][] = [];
  let start = 0;
  for (let i = 0; i < parts; i++) {
    const end = Math.min(total, Math.round((units * (i + 1)) / parts) * unit);
    if (end > start) ranges.push([start, end]);
    start = Math.max(start, end);
  }
  return ranges;
}
