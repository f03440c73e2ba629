// Every op case in test/fixtures/ops/*.json, called through the TypeScript API exactly as it was
// called in PyTorch (positional args, then kwargs as the trailing options object), one `it` per case.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { torch } from '../../src/engine';
import * as F from '../../src/engine/functional';
import { Tensor } from '../../src/engine/tensor';
import {
  assertOutputEqual, decodeTensor, decodeValue, FIXTURES, FixtureCase, pythonErrorType, readFixture,
} from './helpers';

/**
 * Cases that are known not to pass, keyed `family:id`, each with the reason it is accepted. A listed
 * case that starts passing fails the run, so the list cannot go stale.
 */
const ALLOWED_FAILURES: Record<string, string> = {
};

/**
 * The fixture encodes every tensor contiguously, so the transposed inputs that the generator used
 * (`xt = x.t()` in scripts/goldens/ops_shape.py) are rebuilt here with their transposed strides.
 */
const TRANSPOSED_FIRST_ARG = new Set([
  'view/error_noncontiguous', 'reshape/noncontiguous_copies', 'flatten/noncontiguous', 'contiguous/from_transpose',
]);

type Fn = (...args: unknown[]) => unknown;

/** Python's operator dunders in terms of the API (args[0] is self). */
const DUNDERS: Record<string, Fn> = {
  __add__: (a, b) => torch.add(a as Tensor, b as Tensor),
  __radd__: (a, b) => torch.add(a as Tensor, b as Tensor),
  __sub__: (a, b) => torch.sub(a as Tensor, b as Tensor),
  __rsub__: (a, b) => torch.sub(b as Tensor, a as Tensor),
  __mul__: (a, b) => torch.mul(a as Tensor, b as Tensor),
  __truediv__: (a, b) => torch.div(a as Tensor, b as Tensor),
  __rtruediv__: (a, b) => torch.div(b as Tensor, a as Tensor),
  __floordiv__: (a, b) => torch.floor_divide(a as Tensor, b as Tensor),
  __rfloordiv__: (a, b) => torch.floor_divide(b as Tensor, a as Tensor),
  __mod__: (a, b) => torch.remainder(a as Tensor, b as Tensor),
  __pow__: (a, b) => torch.pow(a as Tensor, b as Tensor),
  __rpow__: (a, b) => torch.pow(b as Tensor, a as Tensor),
  __matmul__: (a, b) => torch.matmul(a as Tensor, b as Tensor),
  __lt__: (a, b) => torch.lt(a as Tensor, b as Tensor),
  __le__: (a, b) => torch.le(a as Tensor, b as Tensor),
  __gt__: (a, b) => torch.gt(a as Tensor, b as Tensor),
  __ge__: (a, b) => torch.ge(a as Tensor, b as Tensor),
  __eq__: (a, b) => torch.eq(a as Tensor, b as Tensor),
  __ne__: (a, b) => torch.ne(a as Tensor, b as Tensor),
  __and__: (a, b) => torch.bitwise_and(a as Tensor, b as Tensor),
  __or__: (a, b) => torch.bitwise_or(a as Tensor, b as Tensor),
  __xor__: (a, b) => torch.bitwise_xor(a as Tensor, b as Tensor),
  __invert__: (a) => torch.bitwise_not(a as Tensor),
  __neg__: (a) => torch.neg(a as Tensor),
  // A JSON list index is a Python tuple of indices.
  __getitem__: (a, idx) => (a as Tensor).index(...(Array.isArray(idx) ? idx : [idx])),
};

function argsOf(c: FixtureCase): unknown[] {
  const args = c.args.map(decodeValue);
  if (TRANSPOSED_FIRST_ARG.has(c.id)) args[0] = (args[0] as Tensor).t().contiguous().t();
  return args;
}

function kwargsOf(c: FixtureCase): Record<string, unknown> {
  return Object.fromEntries(Object.entries(c.kwargs).map(([k, v]) => [k, decodeValue(v)]));
}

/** nn.Conv2d's forward through F, as the layer does it: non-zero padding modes pad first with F.pad. */
function conv2dModule(c: FixtureCase): unknown {
  const kw = kwargsOf(c);
  const weight = decodeTensor((c.state!.weight as { tensor: any }).tensor);
  const bias = c.state!.bias ? decodeTensor((c.state!.bias as { tensor: any }).tensor) : null;
  const input = decodeValue(c.input![0]) as Tensor;
  const pair = (v: unknown, d: number) => (Array.isArray(v) ? v : [v, v]) as number[];
  const stride = kw.stride ?? 1, dilation = kw.dilation ?? 1, groups = kw.groups ?? 1, padding = kw.padding ?? 0;
  const mode = (kw.padding_mode ?? 'zeros') as string;
  if (mode === 'zeros') return F.conv2d(input, weight, bias, { stride, padding, dilation, groups });
  const dil = pair(dilation, 2);
  const pads: number[] = [];
  for (const i of [1, 0]) {
    if (padding === 'same') {
      const total = dil[i] * (weight.shape[2 + i] - 1);
      pads.push(Math.floor(total / 2), total - Math.floor(total / 2));
    } else {
      const p = pair(padding, 2)[i];
      pads.push(p, p);
    }
  }
  return F.conv2d(F.pad(input, pads, mode), weight, bias, { stride, padding: 0, dilation, groups });
}

function run(c: FixtureCase): { result: unknown; args: unknown[] } {
  if (c.fn === 'nn.Conv2d') return { result: conv2dModule(c), args: [] };
  const args = argsOf(c);
  const call = Object.keys(c.kwargs).length ? [...args, kwargsOf(c)] : args;
  const dot = c.fn.indexOf('.');
  const ns = c.fn.slice(0, dot), name = c.fn.slice(dot + 1);
  let fn: Fn | undefined;
  if (ns === 'torch') fn = (torch as unknown as Record<string, Fn>)[name];
  else if (ns === 'F') fn = (F as unknown as Record<string, Fn>)[name];
  else if (ns === 'Tensor') {
    if (DUNDERS[name]) fn = DUNDERS[name];
    else {
      const self = args[0] as Record<string, Fn>;
      const method = self[name];
      if (typeof method === 'function') return { result: method.apply(self, call.slice(1)), args };
    }
  }
  if (typeof fn !== 'function') throw new Error(`TEST: ${c.fn} is not in the API`);
  return { result: fn(...call), args };
}

function check(c: FixtureCase): void {
  let outcome: { result: unknown; args: unknown[] };
  try {
    outcome = run(c);
  } catch (e) {
    if (!c.error) throw e;
    assert.equal(`${pythonErrorType(e)}: ${(e as Error).message}`, `${c.error.type}: ${c.error.message}`);
    return;
  }
  if (c.error) assert.fail(`expected ${c.error.type}: ${c.error.message}, but it returned`);
  const { result, args } = outcome;
  const actual = c.mutates ? [result, ...c.mutates.map((i) => args[i])] : result;
  assertOutputEqual(actual, decodeValue(c.out));
  if (c.shares_storage === undefined) return;
  const base = args[0] as Tensor;
  const outs = Array.isArray(result) ? (result as Tensor[]) : [result as Tensor];
  const list = <T>(v: T | T[]) => (Array.isArray(result) ? (v as T[]) : [v as T]);
  outs.forEach((o, i) => {
    assert.equal(o.sharesStorage(base), list(c.shares_storage!)[i], `output ${i} shares storage`);
    assert.deepEqual(o.stride(), list<number[]>(c.stride as number[] | number[][])[i], `output ${i} stride`);
    assert.equal(o.storage_offset(), list(c.storage_offset!)[i], `output ${i} storage_offset`);
  });
}

const files = fs.readdirSync(path.join(FIXTURES, 'ops')).filter((f) => f.endsWith('.json')).sort();
for (const file of files) {
  describe(`golden ops: ${file.replace(/\.json$/, '')}`, () => {
    const family = file.replace(/\.json$/, '');
    for (const c of readFixture(`ops/${file}`).cases) {
      const reason = ALLOWED_FAILURES[`${family}:${c.id}`];
      it(c.id, function () {
        if (reason === undefined) { check(c); return; }
        try {
          check(c);
        } catch {
          this.skip(); // accepted: see ALLOWED_FAILURES
        }
        assert.fail(`${c.id} passes now: remove ${family}:${c.id} from ALLOWED_FAILURES`);
      });
    }
  });
}
