// The TypeScript model examples build, print, count and run.
import * as assert from 'node:assert/strict';
import * as cnn from '../../../examples/tiny_cnn';
import * as lm from '../../../examples/tiny_transformer';

describe('examples/*.ts', () => {
  it('tiny_cnn builds, lists its modules and runs a forward pass', () => {
    const m = cnn.tiny_cnn(10);
    assert.ok(String(m).startsWith('TinyCNN(\n  (features): Sequential(\n    (0): ConvBlock(\n      (conv): Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)'));
    assert.equal([...m.named_modules()].length, 16);
    m.eval();
    assert.deepEqual(m.call(cnn.example_input()).shape, [2, 10]);
  });

  it('tiny_transformer ties its head to the embedding and runs causally', () => {
    const m = lm.tiny_transformer();
    const names = [...m.named_parameters()].map(([n]) => n);
    assert.ok(!names.includes('lm_head.weight') && m.state_dict().has('lm_head.weight'));
    m.eval();
    assert.deepEqual(m.call(lm.example_input()).shape, [2, 12, 100]);
  });
});
