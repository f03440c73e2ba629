import * as fs from 'node:fs';
import { EngineHarness } from '../engine-harness';
describe('scratch bench', function () {
  this.timeout(120000);
  it('runs', async () => {
    const engine = await EngineHarness.start();
    const files: Record<string, string> = { 'bench.py': fs.readFileSync('/tmp/te/bench.py', 'utf8') };
    for (const n of ['net', 'gpt_small', 'resnet_small']) files[`${n}.py`] = fs.readFileSync(`scripts/goldens/models/${n}.py`, 'utf8');
    const o = await engine.run('', { files, entryFile: 'bench.py' });
    console.log(o.output, o.error ? JSON.stringify(o.error) : '');
    await engine.dispose();
  });
});
