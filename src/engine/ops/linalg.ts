// Matrix products on top of the GEMM kernel: matmul's broadcasting rules, mm, bmm, linear.
import { allocArray, DType, isReducedFloat } from '../dtype';
import type { GemmParams } from '../kernels/types';
import { kernels } from '../kernels/types';
import { broadcastShapes, numel, viewStrides } from '../shape';
import { Tensor } from '../tensor';
import { computeView, dtypeTitle, fromCompute } from './elementwise';

const cName = (d: DType) => ({ float32: 'float', float64: 'double', float16: 'c10::Half', bfloat16: 'c10::BFloat16', int64: 'long int', int32: 'int', int16: 'short int', int8: 'signed char', uint8: 'unsigned char', bool: 'bool' }[d]);

function checkSameDType(a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype)
    throw new Error(`expected mat1 and mat2 to have the same dtype, but got: ${cName(a.dtype)} != ${cName(b.dtype)}`);
  if (a.dtype === 'bool') throw new Error(`"addmm_impl_cpu_" not implemented for '${dtypeTitle(a.dtype)}'`);
}

/** GEMM operands need float arrays: ints compute in float64, reduced floats in float32. */
function gemmDType(d: DType): 'float32' | 'float64' {
  return d === 'float32' || isReducedFloat(d) ? 'float32' : 'float64';
}

/** [batch, rows, cols] view of t with a single batch stride, copying only when the batch dims cannot merge. */
function batched(t: Tensor, batch: number, rows: number, cols: number, dt: 'float32' | 'float64') {
  let src = t.dtype === dt || (!isReducedFloat(t.dtype) && t.dtype === dt) ? t : t.type(dt);
  let st = viewStrides(src.shape, src.strides, [batch, rows, cols]);
  if (st === null || src.dtype !== dt) { src = src.type(dt).contiguous(); st = viewStrides(src.shape, src.strides, [batch, rows, cols])!; }
  const v = computeView(src);
  return { data: v.data as Float32Array | Float64Array, offset: v.offset, strides: st };
}

/** out[batch, m, n] = a[batch, m, k] @ b[batch, k, n] (+ beta * out). a, b already broadcast to the batch. */
function gemm(a: Tensor, b: Tensor, batch: number, m: number, k: number, n: number, out: Float32Array | Float64Array, beta = 0): void {
  const dt = out instanceof Float32Array ? 'float32' : 'float64';
  const A = batched(a, batch, m, k, dt), B = batched(b, batch, k, n, dt);
  const p: GemmParams = {
    m, n, k, batch,
    a: A.data, aOffset: A.offset, aBatchStride: A.strides[0], aRowStride: A.strides[1], aColStride: A.strides[2],
    b: B.data, bOffset: B.offset, bBatchStride: B.strides[0], bRowStride: B.strides[1], bColStride: B.strides[2],
    out, outOffset: 0, outBatchStride: m * n, alpha: 1, beta,
  };
  if (numel([batch, m, n]) > 0) kernels().gemm(p);
}

export function mm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 2) throw new Error('self must be a matrix');
  if (b.ndim !== 2) throw new Error('mat2 must be a matrix');
  checkSameDType(a, b);
  if (a.shape[1] !== b.shape[0])
    throw new Error(`mat1 and mat2 shapes cannot be multiplied (${a.shape[0]}x${a.shape[1]} and ${b.shape[0]}x${b.shape[1]})`);
  return bmmCore(a.unsqueeze(0), b.unsqueeze(0), 1).squeeze(0);
}

function bmmCore(a: Tensor, b: Tensor, batch: number): Tensor {
  const [m, k] = a.shape.slice(-2), n = b.shape[b.ndim - 1];
  const dt = gemmDType(a.dtype);
  const out = allocArray(dt, batch * m * n) as Float32Array | Float64Array;
  gemm(a, b, batch, m, k, n, out);
  const r = fromCompute(out, [batch, m, n], dt);
  return r.dtype === a.dtype ? r : r.type(a.dtype);
}

export function bmm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 3) throw new Error(`batch1 must be a 3D tensor`);
  if (b.ndim !== 3) throw new Error(`batch2 must be a 3D tensor`);
  checkSameDType(a, b);
  if (b.shape[0] !== a.shape[0] || b.shape[1] !== a.shape[2])
    throw new Error(`Expected size for first two dimensions of batch2 tensor to be: [${a.shape[0]}, ${a.shape[2]}] but got: [${b.shape[0]}, ${b.shape[1]}].`);
  return bmmCore(a, b, a.shape[0]);
}

export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0)
    throw new Error(`both arguments to matmul need to be at least 1D, but they are ${a.ndim}D and ${b.ndim}D`);
  checkSameDType(a, b);
  if (a.ndim === 1 && b.ndim === 1) {
    if (a.shape[0] !== b.shape[0])
      throw new Error(`inconsistent tensor size, expected tensor [${a.shape[0]}] and src [${b.shape[0]}] to have the same number of elements, but got ${a.shape[0]} and ${b.shape[0]} elements respectively`);
    return mm(a.unsqueeze(0), b.unsqueeze(1)).reshape([]);
  }
  if (a.ndim <= 2 && b.ndim <= 2) {
    const a2 = a.ndim === 1 ? a.unsqueeze(0) : a, b2 = b.ndim === 1 ? b.unsqueeze(1) : b;
    const r = mm(a2, b2);
    return a.ndim === 1 ? r.squeeze(0) : b.ndim === 1 ? r.squeeze(1) : r;
  }
  const a3 = a.ndim === 1 ? a.unsqueeze(0) : a, b3 = b.ndim === 1 ? b.unsqueeze(1) : b;
  const [m, k] = a3.shape.slice(-2), [k2, n] = b3.shape.slice(-2);
  if (k !== k2) {
    const flatA = `${numel(a3.shape.slice(0, -1))}x${k}`;
    throw new Error(`mat1 and mat2 shapes cannot be multiplied (${flatA} and ${k2}x${n})`);
  }
  const batchShape = broadcastShapes(a3.shape.slice(0, -2), b3.shape.slice(0, -2));
  const batch = numel(batchShape);
  const r = bmmCore(a3.expand([...batchShape, m, k]), b3.expand([...batchShape, k, n]), batch).view([...batchShape, m, n]);
  if (a.ndim === 1) return r.squeeze(-2);
  if (b.ndim === 1) return r.squeeze(-1);
  return r;
}

/** F.linear: input [..., in] @ weight[out, in].T + bias, the bias pre-filled so GEMM adds onto it (beta = 1). */
export function linear(input: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  checkSameDType(input, weight);
  const inF = input.shape[input.ndim - 1] ?? 1, outF = weight.shape[0];
  const rows = input.ndim ? numel(input.shape.slice(0, -1)) : 1;
  if (weight.ndim !== 2 || weight.shape[1] !== inF)
    throw new Error(`mat1 and mat2 shapes cannot be multiplied (${rows}x${inF} and ${weight.shape[1] ?? weight.shape[0]}x${outF})`);
  const dt = gemmDType(input.dtype);
  const out = allocArray(dt, rows * outF) as Float32Array | Float64Array;
  const outT = Tensor.fromArray(out, [rows, outF], dt);
  if (bias) outT.copy_(bias.expand([rows, outF]));
  gemm(input.reshape([1, rows, inF]), weight.t().unsqueeze(0), 1, rows, inF, outF, out, bias ? 1 : 0);
  const shape = [...input.shape.slice(0, -1), outF];
  const r = outT.view(shape);
  return r.dtype === input.dtype ? r : r.type(input.dtype);
}

export function dot(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1) throw new Error(`1D tensors expected, but got ${a.ndim}D and ${b.ndim}D tensors`);
  return matmul(a, b);
}

export function mv(a: Tensor, v: Tensor): Tensor {
  if (a.ndim !== 2 || v.ndim !== 1)
    throw new Error(`vector + matrix @ vector expected, got ${a.ndim}, ${v.ndim}, 1`);
  if (a.shape[1] !== v.shape[0])
    throw new Error(`size mismatch, got input (${a.shape[0]}), mat (${a.shape[0]}x${a.shape[1]}), vec (${v.shape[0]})`);
  return matmul(a, v);
}

export function outer(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1) throw new Error(`outer: Expected 1-D argument self, but got ${a.ndim}-D`);
  return a.unsqueeze(1).mul(b);
}
