// torch.* functions bound with PyTorch's signatures, so `torch.clamp(x, { min: 0 })` and
// `torch.cat([a, b], { dim: 1 })` work like keyword calls. Tensor methods forward here (ops/methods).
import { PyFloat } from '../dtype';
import type { BinaryOp, UnaryOp } from '../kernels/types';
import { Tensor } from '../tensor';
import { def, dimList, num, tensorArg } from './bind';
import * as ew from './elementwise';
import { foldRelu } from '../functional/conv-fusion';
import * as idx from './indexing';
import * as la from './linalg';
import * as sh from './shape';

type Num = number | boolean | PyFloat;
/** A scalar or tensor operand as the element-wise ops take it. */
const operand = (x: unknown): Tensor | Num => {
  if (x instanceof Tensor || x instanceof PyFloat || typeof x === 'number' || typeof x === 'boolean') return x;
  throw new TypeError(`expected a Tensor or a number, but got ${x === null ? 'None' : typeof x}`);
};

export const add = def('add(input, other, *, alpha=1)', (a) =>
  ew.add(operand(a.input) as Tensor, operand(a.other) as Tensor, { alpha: a.alpha }));
export const sub = def('sub(input, other, *, alpha=1)', (a) => {
  const x = operand(a.input), y = operand(a.other);
  if (x instanceof Tensor && y instanceof Tensor && x.dtype === 'bool' && y.dtype === 'bool')
    throw new Error('Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.');
  return ew.sub(x as Tensor, y as Tensor, { alpha: a.alpha });
});
export const subtract = sub;
export const mul = def('mul(input, other)', (a) => ew.mul(operand(a.input), operand(a.other)));
export const multiply = mul;
export const div = def('div(input, other, *, rounding_mode=None)', (a) =>
  ew.div(operand(a.input), operand(a.other), { rounding_mode: a.rounding_mode }));
export const divide = div;
export const true_divide = def('true_divide(input, other)', (a) => ew.div(operand(a.input), operand(a.other)));
export const floor_divide = def('floor_divide(input, other)', (a) => ew.floor_divide(operand(a.input), operand(a.other)));
export const remainder = def('remainder(input, other)', (a) => ew.remainder(operand(a.input), operand(a.other)));
export const pow = def('pow(input, exponent)', (a) => ew.pow(operand(a.input), operand(a.exponent)));

const binary = (op: BinaryOp) => def(`${op}(input, other)`, (a) => ew.binaryOp(op, operand(a.input), operand(a.other)));
export const fmod = binary('fmod'), atan2 = binary('atan2'), maximum = binary('maximum'), minimum = binary('minimum');
export const eq = binary('eq'), ne = binary('ne'), lt = binary('lt'), le = binary('le'), gt = binary('gt'), ge = binary('ge');
export const greater = gt, greater_equal = ge, less = lt, less_equal = le, not_equal = ne;
export const logical_and = binary('logical_and'), logical_or = binary('logical_or'), logical_xor = binary('logical_xor');
export const bitwise_left_shift = binary('lshift'), bitwise_right_shift = binary('rshift');

/** &, |, ^ on bool tensors are the logical ops; on integers the bitwise ones. */
const bitwise = (op: 'and' | 'or' | 'xor') => def(`bitwise_${op}(input, other)`, (a) => {
  const x = operand(a.input), y = operand(a.other);
  const isBool = (v: unknown) => (v instanceof Tensor ? v.dtype === 'bool' : typeof v === 'boolean');
  return isBool(x) && isBool(y) ? ew.binaryOp(`logical_${op}`, x, y) : ew.binaryOp(`bitwise_${op}`, x, y);
});
export const bitwise_and = bitwise('and'), bitwise_or = bitwise('or'), bitwise_xor = bitwise('xor');
export const bitwise_not = def('bitwise_not(input)', (a) => {
  const x = tensorArg(a.input, 'bitwise_not');
  if (x.is_floating_point()) throw new Error(`"bitwise_not_cpu" not implemented for '${ew.dtypeTitle(x.dtype)}'`);
  return x.dtype === 'bool' ? ew.unaryOp('logical_not', x) : ew.unaryOp('bitwise_not', x);
});

const unary = (op: UnaryOp) => def(`${op}(input)`, (a) => ew.unaryOp(op, tensorArg(a.input, op)));
export const abs = unary('abs'), neg = unary('neg'), exp = unary('exp'), expm1 = unary('expm1'), log = unary('log');
export const log2 = unary('log2'), log10 = unary('log10'), log1p = unary('log1p'), sqrt = unary('sqrt'), rsqrt = unary('rsqrt');
export const sin = unary('sin'), cos = unary('cos'), tan = unary('tan'), asin = unary('asin'), acos = unary('acos'), atan = unary('atan');
export const sinh = unary('sinh'), cosh = unary('cosh'), tanh = unary('tanh'), sigmoid = unary('sigmoid'), erf = unary('erf'), erfinv = unary('erfinv');
export const floor = unary('floor'), ceil = unary('ceil'), trunc = unary('trunc'), frac = unary('frac'), sign = unary('sign');
export const reciprocal = unary('reciprocal'), logical_not = unary('logical_not');
/** torch.relu: as F.relu, so that it folds into a convolution waiting to run (functional/conv-fusion.ts). */
export const relu = def('relu(input)', (a) => {
  const x = tensorArg(a.input, 'relu');
  return foldRelu(x, false) ?? ew.unaryOp('relu', x);
});
export const isnan = unary('isnan'), isinf = unary('isinf'), isfinite = unary('isfinite');
export const negative = neg, absolute = abs, fix = trunc, arctan = atan, arcsin = asin, arccos = acos;
export const square = def('square(input)', (a) => {
  const x = tensorArg(a.input, 'square');
  return ew.pow(x, 2);
});
export const round = def('round(input, *, decimals=0)', (a) => {
  const x = tensorArg(a.input, 'round');
  const d = num(a.decimals);
  if (d === 0) return ew.unaryOp('round', x);
  if (!x.is_floating_point()) throw new Error(`round_decimals not implemented for '${ew.dtypeTitle(x.dtype)}'`);
  // ATen scales by 10^|decimals| in the tensor's own precision, rounds half to even, and scales back.
  const scale = 10 ** Math.abs(d);
  return d > 0 ? ew.unaryOp('round', x.mul(scale)).div(scale) : ew.unaryOp('round', x.div(scale)).mul(scale);
});
export const nan_to_num = def('nan_to_num(input, nan=0.0, posinf=None, neginf=None)', (a) => {
  const x = tensorArg(a.input, 'nan_to_num');
  const big = x.dtype === 'float64' ? Number.MAX_VALUE : x.dtype === 'float16' ? 65504 : x.dtype === 'bfloat16' ? 3.3895313892515355e38 : 3.4028234663852886e38;
  return ew.unaryOp('nan_to_num', x, { nan: num(a.nan), posinf: a.posinf === null ? big : num(a.posinf), neginf: a.neginf === null ? -big : num(a.neginf) });
});

export const clamp = def('clamp(input, min=None, max=None)', (a) =>
  ew.clamp(tensorArg(a.input, 'clamp'), a.min === null ? null : operand(a.min), a.max === null ? null : operand(a.max)));
export const clip = clamp;
export const clamp_min = def('clamp_min(input, min)', (a) => ew.clamp(tensorArg(a.input, 'clamp_min'), operand(a.min), null));
export const clamp_max = def('clamp_max(input, max)', (a) => ew.clamp(tensorArg(a.input, 'clamp_max'), null, operand(a.max)));

/** torch.where(condition, input, other), or torch.where(condition) = nonzero(condition, as_tuple=True). */
export const where = def('where(condition, input=None, other=None)', (a) => {
  const cond = tensorArg(a.condition, 'where', 'condition');
  if (a.input === null && a.other === null) return nonzeroTuple(cond);
  return ew.where(cond, operand(a.input), operand(a.other));
});
export const masked_fill = def('masked_fill(input, mask, value)', (a) =>
  ew.masked_fill(tensorArg(a.input, 'masked_fill'), tensorArg(a.mask, 'masked_fill', 'mask'), operand(a.value)));

function nonzeroTuple(x: Tensor): Tensor[] {
  const coords = idx.nonzero(x);
  return Array.from({ length: x.ndim }, (_, d) => coords.select(1, d).contiguous());
}
export const nonzero = def('nonzero(input, *, as_tuple=False)', (a) => {
  const x = tensorArg(a.input, 'nonzero');
  return a.as_tuple ? nonzeroTuple(x) : idx.nonzero(x);
});
export const gather = def('gather(input, dim, index, *, sparse_grad=False)', (a) => idx.gather(a.input, num(a.dim), a.index));
export const index_select = def('index_select(input, dim, index)', (a) => idx.index_select(a.input, num(a.dim), a.index));
export const take_along_dim = def('take_along_dim(input, indices, dim=None)', (a) => idx.take_along_dim(a.input, a.indices, a.dim));
export const masked_select = def('masked_select(input, mask)', (a) => idx.masked_select(a.input, a.mask));

// ---- shape ----
export const cat = def('cat(tensors, dim=0)', (a) => sh.cat(a.tensors, num(a.dim)));
export const concat = cat, concatenate = cat;
export const stack = def('stack(tensors, dim=0)', (a) => sh.stack(a.tensors, num(a.dim)));
export const hstack = def('hstack(tensors)', (a) => {
  const parts = (a.tensors as Tensor[]).map((t) => (t.ndim === 0 ? t.reshape([1]) : t));
  return sh.cat(parts, parts[0]?.ndim === 1 ? 0 : 1);
});
export const vstack = def('vstack(tensors)', (a) => sh.cat((a.tensors as Tensor[]).map((t) => (t.ndim < 2 ? t.reshape([1, -1]) : t)), 0));
export const split = def('split(tensor, split_size_or_sections, dim=0)', (a) => sh.split(a.tensor, a.split_size_or_sections, num(a.dim)));
export const chunk = def('chunk(input, chunks, dim=0)', (a) => sh.chunk(a.input, num(a.chunks), num(a.dim)));
export const unbind = def('unbind(input, dim=0)', (a) => sh.unbind(a.input, num(a.dim)));
export const tril = def('tril(input, diagonal=0)', (a) => sh.tril(a.input, num(a.diagonal)));
export const triu = def('triu(input, diagonal=0)', (a) => sh.triu(a.input, num(a.diagonal)));
export const flip = def('flip(input, dims)', (a) => sh.flip(a.input, dimList(a.dims)));
export const roll = def('roll(input, shifts, dims=None)', (a) => sh.roll(a.input, a.shifts, a.dims ?? undefined));
export const diagonal = def('diagonal(input, offset=0, dim1=0, dim2=1)', (a) => sh.diagonal(a.input, num(a.offset), num(a.dim1), num(a.dim2)));
export const movedim = def('movedim(input, source, destination)', (a) => sh.movedim(a.input, a.source, a.destination));
export const moveaxis = movedim;
export const repeat_interleave = def('repeat_interleave(input, repeats=None, dim=None, *, output_size=None)', (a) =>
  sh.repeat_interleave(a.input, a.repeats instanceof Tensor ? a.repeats : num(a.repeats), a.dim === null ? null : num(a.dim)));
export const flatten = def('flatten(input, start_dim=0, end_dim=-1)', (a) => tensorArg(a.input, 'flatten').flatten(num(a.start_dim), num(a.end_dim)));
export const unflatten = def('unflatten(input, dim, sizes)', (a) => tensorArg(a.input, 'unflatten').unflatten(num(a.dim), a.sizes));
export const reshape = def('reshape(input, shape)', (a) => tensorArg(a.input, 'reshape').reshape(a.shape));
export const permute = def('permute(input, dims)', (a) => tensorArg(a.input, 'permute').permute(a.dims));
export const transpose = def('transpose(input, dim0, dim1)', (a) => tensorArg(a.input, 'transpose').transpose(num(a.dim0), num(a.dim1)));
export const swapaxes = transpose, swapdims = transpose;
export const unsqueeze = def('unsqueeze(input, dim)', (a) => tensorArg(a.input, 'unsqueeze').unsqueeze(num(a.dim)));
export const squeeze = def('squeeze(input, dim=None)', (a) => tensorArg(a.input, 'squeeze').squeeze(a.dim ?? undefined));
export const narrow = def('narrow(input, dim, start, length)', (a) => tensorArg(a.input, 'narrow').narrow(num(a.dim), num(a.start), num(a.length)));
export const select = def('select(input, dim, index)', (a) => tensorArg(a.input, 'select').select(num(a.dim), num(a.index)));
export const t = def('t(input)', (a) => tensorArg(a.input, 't').t());
export const clone = def('clone(input, *, memory_format=None)', (a) => tensorArg(a.input, 'clone').clone());

// ---- linear algebra ----
export const matmul = def('matmul(input, other)', (a) => la.matmul(a.input, a.other));
export const mm = def('mm(input, mat2)', (a) => la.mm(a.input, a.mat2));
export const bmm = def('bmm(input, mat2)', (a) => la.bmm(a.input, a.mat2));
export const dot = def('dot(input, other)', (a) => la.dot(a.input, a.other));
export const mv = def('mv(input, vec)', (a) => la.mv(a.input, a.vec));
export const outer = def('outer(input, vec2)', (a) => la.outer(a.input, a.vec2));
export const ger = outer;
