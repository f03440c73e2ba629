// The Python engine path (the engine process: sandboxed Node + Pyodide + the engine), as the CLI drives it:
// process start -> evaluate a model file -> build its entry -> inspect (named_* lists, state_dict, repr).
//   tsx scripts/bench/python_engine.ts FILE.py [--snapshot DIR]
// Without --snapshot the start is cold (Pyodide boots from scratch); with it, a memory snapshot made by an
// earlier start is restored. Prints one JSON line with the phase times in ms.
import { performance } from 'node:perf_hooks';
import { ModelSession } from '../../src/cli/model-session';
import { emit } from './benchutil';

const argv = process.argv.slice(2);
const option = (name: string) => { const i = argv.indexOf(name); return i < 0 ? undefined : argv.splice(i, 2)[1]; };
const snapshot = option('--snapshot');
const file = argv[0] ?? 'examples/net.py';

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

main().catch((error) => { console.error(error?.stack ?? error); process.exit(1); });
