// Timing blocks for the Node side of `npm run bench` (engine, onnxruntime-node, tfjs), with the same policy as
// benchutil.py (policy.json). Foreign load of a block: CPU time the whole machine spent busy (/proc/stat)
// minus this process's own CPU time (all its threads, workers included), as a fraction of wall time x CPUs.
// A block over policy.maxForeign is retried while the retry budget (env TE_BENCH_RETRY_UNTIL, epoch ms)
// lasts; the least disturbed attempt is kept.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

interface Policy { warmup: number; minRuns: number; minMs: number; capMs: number; maxRuns: number }
const POLICY = JSON.parse(fs.readFileSync(path.join(__dirname, 'policy.json'), 'utf8')) as {
  maxForeign: number; maxAttempts: number; slowAttemptMs: number; slowMaxAttempts: number; quietWaitMs: number; quietWindowMs: number; default: Policy; workloads: Record<string, Partial<Policy>>;
};
const HZ = 100; // USER_HZ: fixed at 100 in the Linux ABI for /proc/stat

export interface BlockResult { ms: number; min_ms: number; runs: number; foreign_load: number | null; attempts: number }

export function policy(name: string): Policy {
  return { ...POLICY.default, ...POLICY.workloads[name] };
}

/** Busy CPU seconds of the whole machine since boot (user nice system irq softirq steal) and the CPU count. */
export function machineBusy(): { busy: number; cpus: number } | null {
  try {
    const lines = fs.readFileSync('/proc/stat', 'utf8').split('\n');
    const v = lines[0].trim().split(/\s+/).slice(1, 9).map(Number);
    return { busy: (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / HZ, cpus: lines.filter((l) => /^cpu\d/.test(l)).length };
  } catch {
    return null; // not Linux: no foreign-load figure
  }
}

const ownCpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

/** Runs `measure` and reports the foreign load during it. */
export async function withForeignLoad<T>(measure: () => Promise<T> | T): Promise<{ value: T; foreign_load: number | null }> {
  const m0 = machineBusy(), own0 = ownCpu(), wall0 = performance.now();
  const value = await measure();
  const wall = (performance.now() - wall0) / 1000, m1 = machineBusy();
  const foreign = m0 && m1 ? Math.max(0, (m1.busy - m0.busy - (ownCpu() - own0)) / (wall * m0.cpus)) : null;
  return { value, foreign_load: foreign === null ? null : +foreign.toFixed(3) };
}

type Fn = () => unknown;

async function attempt(fn: Fn, p: Policy): Promise<Omit<BlockResult, 'attempts'>> {
  // Synchronous workloads are timed without an await in the loop; a promise from a warm-up call marks an async one.
  let isAsync = fn.constructor.name === 'AsyncFunction';
  for (let i = 0; i < p.warmup; i++) {
    const r = fn();
    if (r instanceof Promise) { isAsync = true; await r; }
  }
  const { value: times, foreign_load } = await withForeignLoad(async () => {
    const times: number[] = [];
    const start = performance.now();
    for (;;) {
      const t0 = performance.now();
      if (isAsync) await fn(); else fn();
      times.push(performance.now() - t0);
      const elapsed = performance.now() - start;
      if ((times.length >= p.minRuns && elapsed >= p.minMs) || (times.length >= 3 && elapsed >= p.capMs) || times.length >= p.maxRuns) break;
    }
    return times;
  });
  const sorted = [...times].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { ms: +median.toFixed(4), min_ms: +sorted[0].toFixed(4), runs: times.length, foreign_load };
}

/** Waits (at most quietWaitMs, never past `until`) for a window in which other processes leave the machine idle. */
async function waitForQuiet(until: number): Promise<void> {
  const end = Math.min(until, Date.now() + POLICY.quietWaitMs);
  while (Date.now() < end) {
    const { foreign_load } = await withForeignLoad(() => new Promise((resolve) => setTimeout(resolve, POLICY.quietWindowMs)));
    if (foreign_load === null || foreign_load <= POLICY.maxForeign) return;
  }
}

/** Median of a timing block after warm-up, retried while foreign load is high (see the file comment). */
export async function timeBlock(name: string, fn: Fn, override: Partial<Policy> = {}): Promise<BlockResult> {
  const p = { ...policy(name), ...override };
  const until = Number(process.env.TE_BENCH_RETRY_UNTIL ?? Infinity);
  let best: Omit<BlockResult, 'attempts'> | null = null;
  let attempts = 0;
  for (;;) {
    const started = performance.now();
    const r = await attempt(fn, p);
    attempts++;
    const limit = performance.now() - started > POLICY.slowAttemptMs ? POLICY.slowMaxAttempts : POLICY.maxAttempts;
    if (best === null || (r.foreign_load ?? 0) < (best.foreign_load ?? 0)) best = r;
    if ((best.foreign_load ?? 0) <= POLICY.maxForeign || attempts >= limit || Date.now() > until) break;
    await waitForQuiet(until);
  }
  return { ...best, attempts };
}

/** Prints the child's result as the last stdout line (the runner parses that line). */
export function emit(result: object): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
