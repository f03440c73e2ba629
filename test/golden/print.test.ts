// repr() of every tensor in test/fixtures/print/tensors.json, exactly as PyTorch prints it.
import * as assert from 'node:assert/strict';
import { formatParameter, formatTensor } from '../../src/engine/print';
import { decodeTensor, readFixture } from './helpers';

interface PrintCase {
  id: string;
  tensor: { tensor: Parameters<typeof decodeTensor>[0] };
  requires_grad: boolean;
  parameter: boolean;
  repr: string;
  str: string;
}

describe('golden print: tensors', () => {
  for (const c of readFixture<{ cases: PrintCase[] }>('print/tensors.json').cases) {
    it(c.id, () => {
      const t = decodeTensor(c.tensor.tensor);
      t.requires_grad = c.requires_grad;
      const text = c.parameter ? formatParameter(t) : formatTensor(t);
      assert.equal(text, c.repr, 'repr');
      assert.equal(c.parameter ? text : t.toString(), c.str, 'str');
    });
  }
});
