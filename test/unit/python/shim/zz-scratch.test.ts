import { EngineHarness } from '../engine-harness';
describe('smoke', function () {
  this.timeout(120000);
  let engine: EngineHarness;
  before(async () => { engine = await EngineHarness.start(); });
  after(() => engine?.dispose());
  it('runs', async () => {
    const src = require('fs').readFileSync('/tmp/te/smoke.py', 'utf8');
    const o = await engine.run(src);
    console.log(o.output);
    if (o.error) console.log(JSON.stringify(o.error, null, 1));
    console.log('ms', o.ms);
  });
});
