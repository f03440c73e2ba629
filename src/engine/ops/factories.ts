// Tensor factories: torch.tensor, zeros/ones/full/empty, arange/linspace, eye, and random tensors.
import { signature, sizeArgs } from '../args';
import { allocArray, castScalar, checkDType, computeDType, DType, isFloating, PyFloat } from '../dtype';
import { kernels } from '../kernels/types';
import { defaultGenerator, fillNormal, fillRandint, fillUniform, Generator } from '../random';
import { numel } from '../shape';
import { Tensor } from '../tensor';
import { num } from './bind';
import { fromCompute } from './elementwise';
import { ValueError } from './errors';
import { defaultDType } from './state';

type Opts = { dtype?: DType | string | null; device?: unknown; requires_grad?: boolean; generator?: Generator | null; layout?: unknown; pin_memory?: unknown };

const dtypeOr = (opts: Opts | undefined, fallback: DType): DType => (opts?.dtype ? checkDType(opts.dtype) : fallback);
const isOpts = (x: unknown): x is Opts => typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Tensor);

/** Splits `f(2, 3, {dtype})` / `f([2, 3], {dtype})` into a size and options. */
function sizeAndOpts(args: unknown[]): [number[], Opts] {
  const last = args[args.length - 1];
  const opts = isOpts(last) ? (last as Opts & { size?: number[] }) : {};
  const rest = isOpts(last) ? args.slice(0, -1) : args;
  const size = rest.length === 0 && 'size' in opts ? (opts as { size: number[] }).size : sizeArgs(rest);
  return [size, opts];
}

/** torch.tensor(data): nested arrays of numbers/booleans; dtype inferred as PyTorch does. */
export function tensor(data: unknown, opts?: Opts): Tensor {
  if (data instanceof Tensor) return data.clone().type(dtypeOr(opts, data.dtype));
  const shape: number[] = [];
  let probe: unknown = data;
  while (Array.isArray(probe)) { shape.push(probe.length); probe = probe[0]; }
  const flat: (number | boolean | PyFloat)[] = [];
  let anyFloat = false, allBool = true;
  const walk = (v: unknown, depth: number): void => {
    if (depth < shape.length) {
      if (!Array.isArray(v) || v.length !== shape[depth])
        throw new ValueError(`expected sequence of length ${shape[depth]} at dim ${depth} (got ${Array.isArray(v) ? v.length : typeof v})`);
      for (const x of v) walk(x, depth + 1);
      return;
    }
    if (v instanceof PyFloat) { anyFloat = true; allBool = false; flat.push(v.value); return; }
    if (typeof v === 'boolean') { flat.push(v); return; }
    if (typeof v !== 'number') throw new TypeError(`Could not infer dtype of ${v === null ? 'NoneType' : typeof v}`);
    allBool = false;
    if (!Number.isInteger(v)) anyFloat = true;
    flat.push(v);
  };
  walk(data, 0);
  const inferred: DType = flat.length && allBool ? 'bool' : anyFloat ? defaultDType() : flat.length === 0 ? defaultDType() : 'int64';
  const dtype = dtypeOr(opts, inferred);
  const arr = allocArray(dtype, flat.length);
  for (let i = 0; i < flat.length; i++) { const v = flat[i]; arr[i] = castScalar(typeof v === 'boolean' ? Number(v) : (v as number), dtype); }
  const t = Tensor.fromArray(arr, shape, dtype);
  if (opts?.requires_grad) t.requires_grad = true;
  return t;
}
export const as_tensor = tensor;

export function full(size: number[], fill_value: number | boolean | PyFloat, opts?: Opts): Tensor {
  const v = fill_value instanceof PyFloat ? fill_value.value : fill_value;
  const inferred: DType = typeof v === 'boolean' ? 'bool' : fill_value instanceof PyFloat || !Number.isInteger(v) ? defaultDType() : 'int64';
  const dtype = dtypeOr(opts, inferred);
  const t = Tensor.empty(size, dtype);
  return t.fill_(v);
}
export function zeros(...args: unknown[]): Tensor {
  const [size, opts] = sizeAndOpts(args);
  return Tensor.empty(size, dtypeOr(opts, defaultDType()));
}
export function ones(...args: unknown[]): Tensor {
  const [size, opts] = sizeAndOpts(args);
  return Tensor.empty(size, dtypeOr(opts, defaultDType())).fill_(1);
}
export const empty = zeros; // values of torch.empty are unspecified; zeros are a valid choice
export const zeros_like = (x: Tensor, opts?: Opts) => Tensor.empty(x.shape, dtypeOr(opts, x.dtype));
export const ones_like = (x: Tensor, opts?: Opts) => Tensor.empty(x.shape, dtypeOr(opts, x.dtype)).fill_(1);
export const empty_like = zeros_like;
export const full_like = (x: Tensor, v: number | boolean, opts?: Opts) => Tensor.empty(x.shape, dtypeOr(opts, x.dtype)).fill_(v);

const arangeSig = signature('arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=None)');
export function arange(...args: unknown[]): Tensor {
  const a = arangeSig.bind(args);
  let start = a.start, end = a.end;
  if (end === null) { end = start; start = 0; }
  const raw = [start, end, a.step];
  const val = (x: unknown) => (x instanceof PyFloat ? x.value : (x as number));
  const isFloat = raw.some((x) => x instanceof PyFloat || !Number.isInteger(x));
  const s = val(start), e = val(end), st = val(a.step);
  if (st === 0) throw new Error('step must be nonzero');
  if ((st > 0 && e < s) || (st < 0 && e > s)) throw new Error('upper bound and larger bound inconsistent with step sign');
  const dtype = a.dtype ? checkDType(a.dtype) : isFloat ? defaultDType() : 'int64';
  const n = Math.max(0, Math.ceil((e - s) / st));
  const out = allocArray(computeDType(dtype), n);
  kernels().fillRange(out, s, st);
  return fromCompute(out, [n], dtype);
}

const linspaceSig = signature('linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False)');
export function linspace(...args: unknown[]): Tensor {
  const a = linspaceSig.bind(args);
  const dtype = a.dtype ? checkDType(a.dtype) : defaultDType();
  const s = num(a.start), e = num(a.end), n = num(a.steps);
  if (n < 0) throw new Error('number of steps must be non-negative');
  const out = allocArray(computeDType(dtype), n);
  if (n === 1) out[0] = s;
  else if (n > 1) kernels().fillRange(out, s, (e - s) / (n - 1), e);
  return fromCompute(out, [n], dtype);
}

const eyeSig = signature('eye(n, m=None, *, dtype=None, device=None, requires_grad=False)');
export function eye(...args: unknown[]): Tensor {
  const a = eyeSig.bind(args);
  const m = a.m ?? a.n;
  const dtype = a.dtype ? checkDType(a.dtype) : defaultDType();
  const t = Tensor.empty([a.n, m], dtype);
  const diag = Math.min(a.n, m);
  // the diagonal of an [n, m] tensor is a strided view with stride m + 1
  new Tensor(t.storage, [diag], [m + 1], 0).fill_(1);
  return t;
}

function randomTensor(args: unknown[], fill: (out: Float32Array | Float64Array, gen: Generator) => void): Tensor {
  const [size, opts] = sizeAndOpts(args);
  const dtype = dtypeOr(opts, defaultDType());
  if (!isFloating(dtype)) throw new Error(`"check_uniform_bounds" not implemented for '${dtype}'`);
  const gen = opts.generator ?? defaultGenerator;
  // float64 values are drawn as such; everything else in float32 (the kernels' bulk path), rounded once either way.
  const values = dtype === 'float64' ? new Float64Array(numel(size)) : new Float32Array(numel(size));
  fill(values, gen);
  return fromCompute(values, size, dtype);
}
export const rand = (...args: unknown[]) => randomTensor(args, (out, g) => fillUniform(out, g.reserve(out.length)));
export const randn = (...args: unknown[]) => randomTensor(args, (out, g) => fillNormal(out, g.reserve(out.length)));
export const rand_like = (x: Tensor, opts?: Opts) => rand(x.shape as number[], { dtype: x.dtype, ...opts });
export const randn_like = (x: Tensor, opts?: Opts) => randn(x.shape as number[], { dtype: x.dtype, ...opts });

const randintSig = signature('randint(low, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False)');
export function randint(...args: unknown[]): Tensor {
  const a = randintSig.bind(args);
  let low = a.low, high = a.high, size = a.size;
  if (size === null) { size = high; high = low; low = 0; }
  if (high <= low) throw new Error(`random_ expects 'from' to be less than 'to', but got from=${low} >= to=${high}`);
  const dtype = a.dtype ? checkDType(a.dtype) : 'int64';
  const gen: Generator = a.generator ?? defaultGenerator;
  const out = allocArray(computeDType(dtype), numel(size));
  fillRandint(out, gen.reserve(out.length), low, high);
  return fromCompute(out, size, dtype);
}
