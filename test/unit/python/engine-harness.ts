// Shared set-up for tests that run the real engine process: builds the bundle once per mocha run and
// evaluates files while collecting what the process printed for that request.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import type { EngineError, EngineEvent, EvaluateResult } from '../../../src/protocol/engine';
import { EngineClient, EngineRequestError, type EngineClientOptions } from '../../../src/python/host/engine-client';

const root = path.resolve(__dirname, '..', '..', '..');
export const bundlePath = path.join(root, 'out', 'engine-process', 'main.js');
let built = false;

export function buildEngineBundle(): void {
  if (built) return;
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--only', 'engine-process'], { cwd: root, stdio: 'pipe' });
  built = true;
}

export interface Outcome {
  result?: EvaluateResult;
  error?: EngineError;
  /** Everything Python printed (stdout and stderr) during the request. */
  output: string;
  events: EngineEvent[];
  ms: number;
}

export class EngineHarness {
  private events: EngineEvent[] = [];

  private constructor(readonly client: EngineClient) {
    client.onEvent((event) => this.events.push(event));
  }

  static async start(options: EngineClientOptions = {}): Promise<EngineHarness> {
    buildEngineBundle();
    return new EngineHarness(await EngineClient.start({ bundlePath, ...options }));
  }

  /** Evaluates `source` as `model.py` (plus optional sibling files). Never throws for engine errors. */
  async run(source: string, options: { files?: Record<string, string>; entryFile?: string; timeoutMs?: number } = {}): Promise<Outcome> {
    const entryFile = options.entryFile ?? 'model.py';
    const files = { ...(options.files ?? {}), ...(options.entryFile ? {} : { [entryFile]: source }) };
    this.events = [];
    const started = Date.now();
    const outcome: Outcome = { output: '', events: [], ms: 0 };
    try {
      outcome.result = await this.client.evaluate({ files, entryFile }, { timeoutMs: options.timeoutMs });
    } catch (error) {
      if (!(error instanceof EngineRequestError)) throw error;
      outcome.error = error.error;
    }
    outcome.ms = Date.now() - started;
    outcome.events = this.events;
    outcome.output = this.events
      .filter((e): e is Extract<EngineEvent, { event: 'log' }> => e.event === 'log' && (e.level === 'stdout' || e.level === 'stderr'))
      .map((e) => e.message)
      .join('\n');
    return outcome;
  }

  dispose(): Promise<void> {
    return this.client.dispose();
  }
}

/** Python literal for a string (paths and secrets go into payloads this way). */
export function py(value: string): string {
  return JSON.stringify(value);
}
