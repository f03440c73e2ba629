import * as fs from 'node:fs';
import { EngineHarness } from '../engine-harness';
describe('scratch requests', function () {
  this.timeout(120000);
  let engine: EngineHarness;
  before(async () => { engine = await EngineHarness.start(); });
  after(() => engine?.dispose());
  it('runs', async () => {
    const read = (p: string) => fs.readFileSync(p, 'utf8');
    const c = engine.client;
    for (const [files, entryFile, entry, shape, dtype] of [
      [{ 'examples/net.py': read('examples/net.py') }, 'examples/net.py', 'Net', [2, 3, 38, 38], 'float32'],
      [{ 'examples/resnet_like/resnet.py': read('examples/resnet_like/resnet.py'), 'examples/resnet_like/blocks.py': read('examples/resnet_like/blocks.py') }, 'examples/resnet_like/resnet.py', 'resnet18', [1, 3, 64, 64], 'float32'],
      [{ 'examples/gpt_like.py': read('examples/gpt_like.py') }, 'examples/gpt_like.py', 'GPT', [2, 16], 'int64'],
    ] as const) {
      try {
        let t = Date.now();
        const le = await c.request('listEntries', { files: files as any, entryFile });
        console.log('listEntries ms', Date.now() - t, JSON.stringify(le));
        t = Date.now();
        const inst = await c.request('instantiate', { entry });
        console.log('instantiate ms', Date.now() - t, JSON.stringify(inst));
        t = Date.now();
        const ins = await c.request('inspect', { model: inst.handle });
        console.log('inspect ms', Date.now() - t, ins.modules.length, ins.parameters.length, ins.stateDict.length, ins.totalParams, JSON.stringify(ins.modules.slice(0, 3)), ins.stubbedImports);
        t = Date.now();
        const fw = await c.request('forward', { model: inst.handle, input: { shape: shape as any, dtype: dtype as any } });
        console.log('forward ms', Date.now() - t, JSON.stringify(fw.output), fw.ms, fw.layers.length, JSON.stringify(fw.layers.slice(0, 3)));
      } catch (e) { console.log('ERR', JSON.stringify((e as any).error ?? String(e), null, 1)); }
    }
  });
});
