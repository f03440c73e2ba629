// The Python engine path (the engine process: sandboxed Node + Pyodide + the engine), as the CLI drives it:
// process start -> evaluate a model file -> build its entry -> inspect (named_* lists, state_dict, repr).
//   tsx scripts/bench/python_engine.ts FILE.py [--snapshot DIR]
//   tsx scripts/bench/python_engine.ts FILE.py --forward 1,3,224,224 [--entry NAME] [--threads N] [--repeat N]
// Without --snapshot the start is cold (Pyodide boots from scratch); with it, a memory snapshot made by an
// earlier start is restored. With --forward it times forward passes of the built entry in the engine
// process instead (median after a warm-up, as `torch-explorer forward --repeat`): the product's own path,
// hardened process and Python model code included. Prints one JSON line with the times in ms.
import { performance } from 'node:perf_hooks';
import { ModelSession } from '../../src/cli/model-session';
import { emit } from './benchutil';

const argv = process.argv.slice(2);
const option = (name: string) => { const i = argv.indexOf(name); return i < 0 ? undefined : argv.splice(i, 2)[1]; };
const snapshot = option('--snapshot');
const forwardShape = option('--forward');
const entry = option('--entry');
const threads = option('--threads') ?? '1';
const repeat = Number(option('--repeat') ?? '10');
const file = argv[0] ?? 'examples/net.py';

async function timeForward(): Promise<void> {
  process.env.TORCH_EXPLORER_CACHE = '';
  const shape = forwardShape!.split(',').map(Number);
  await ModelSession.with(file, { threads, kernels: 'auto' }, async (session) => {
    const model = await session.build({ entry });
    const input = { kind: 'random' as const, shape, dtype: 'float32' as const, seed: 0, high: 10 };
    const times: number[] = [];
    for (let i = 0; i <= repeat; i++) {
      const t0 = performance.now();
      await session.forward(model, input, { wantOutput: false });
      if (i > 0) times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    emit({ file, entry, shape, threads: Number(threads), kernels: session.engine.client.stats.kernels, repeat, forward_ms: +times[times.length >> 1].toFixed(2),
      min_ms: +times[0].toFixed(2) });
  });
}

async function main(): Promise<void> {
  process.env.TORCH_EXPLORER_CACHE = snapshot ?? '';
  const t0 = performance.now();
  let started = 0, built = 0, inspected = 0, modules = 0, stateDict = 0;
  await ModelSession.with(file, {}, async (session) => {
    started = performance.now();
    const model = await session.build({});
    built = performance.now();
    const result = await session.inspect(model) as unknown as { modules?: unknown[]; stateDict?: unknown[] };
    inspected = performance.now();
    modules = result.modules?.length ?? -1;
    stateDict = result.stateDict?.length ?? -1;
  });
  emit({
    file, start: snapshot ? 'snapshot' : 'cold', start_ms: +(started - t0).toFixed(1), evaluate_build_ms: +(built - started).toFixed(1),
    inspect_ms: +(inspected - built).toFixed(1), total_ms: +(inspected - t0).toFixed(1), modules, state_dict: stateDict,
  });
}

(forwardShape ? timeForward() : main()).catch((error) => { console.error(error?.stack ?? error); process.exit(1); });
