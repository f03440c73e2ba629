// Running torch-shim code in the real engine process: a script stores what it observed in `R` (a dict) and
// the helper returns it; errors of the script fail the test with the Python traceback.
import * as assert from 'node:assert/strict';
import type { Outcome } from '../engine-harness';
import { EngineHarness } from '../engine-harness';

export { EngineHarness };

// JSON has no inf/nan: they print as null.
const PRINT_RESULTS = `
import json as _json, math as _math
def _finite(v):
    if isinstance(v, float) and not _math.isfinite(v):
        return None
    if isinstance(v, (list, tuple)):
        return [_finite(x) for x in v]
    if isinstance(v, dict):
        return {k: _finite(x) for k, x in v.items()}
    return v
print("RESULTS:" + _json.dumps(_finite(R), default=repr))
`;

/** Evaluates `source` (which fills the dict `R`) and returns R as JSON values (non-JSON values as repr()). */
export async function pythonResults(engine: EngineHarness, source: string, files: Record<string, string> = {}): Promise<Record<string, any>> {
  const outcome = await engine.run('', { files: { ...files, 'check.py': `R = {}\n${source}\n${PRINT_RESULTS}` }, entryFile: 'check.py' });
  return resultsOf(outcome);
}

export function resultsOf(outcome: Outcome): Record<string, any> {
  assert.equal(outcome.error, undefined, `${outcome.error?.pythonTraceback ?? JSON.stringify(outcome.error)}`);
  const line = outcome.output.split('\n').find((l) => l.startsWith('RESULTS:'));
  assert.ok(line, `no results printed; output:\n${outcome.output.slice(0, 2000)}`);
  return JSON.parse(line.slice('RESULTS:'.length)) as Record<string, any>;
}
