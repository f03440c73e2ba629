// torch.nn.init. Every function reserves its share of the random stream when it is called and only
// replaces the tensor's pending fill: an untouched parameter stays unallocated until it is read, and
// then holds exactly the values an eager fill at call time would have written.
import { signature } from '../args';
import { castScalar, isFloating, NumArray, PyFloat } from '../dtype';
import { erf } from '../kernels/ts/scalar-math';
import { kernels } from '../kernels/types';
import { defaultGenerator, fillNormal, fillUniform, Generator } from '../random';
import { Tensor } from '../tensor';
import { ValueError } from './python';

type Values = { length: number; [i: number]: number };

let lazyInit = true;
/** Engine setting: false materialises every initialised tensor at once (used to check lazy == eager). */
export function setLazyInit(flag: boolean): void { lazyInit = flag; }
export function getLazyInit(): boolean { return lazyInit; }

const num = (x: unknown): number => (x instanceof PyFloat ? x.value : (x as number));

/** Replaces t's values with produce(out) (computed in float64, stored in t's dtype). */
export function fillFrom(t: Tensor, produce: (out: Values) => void): Tensor {
  const dtype = t.dtype;
  t.fillWith((out: NumArray) => {
    if (dtype === 'float32' || dtype === 'float64') { produce(out); return; }
    const tmp = new Float64Array(out.length);
    produce(tmp);
    for (let i = 0; i < out.length; i++) out[i] = castScalar(tmp[i], dtype);
  });
  if (!lazyInit) void t.storage.data;
  return t;
}

const generatorOf = (g: Generator | null | undefined): Generator => g ?? defaultGenerator;

// ---- gains and fans ----

const calculateGainSig = signature('calculate_gain(nonlinearity, param=None)');
export function calculate_gain(...args: unknown[]): number {
  const { nonlinearity, param } = calculateGainSig.bind(args);
  const linear = ['linear', 'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d'];
  if (linear.includes(nonlinearity) || nonlinearity === 'sigmoid') return 1;
  if (nonlinearity === 'tanh') return 5.0 / 3;
  if (nonlinearity === 'relu') return Math.sqrt(2.0);
  if (nonlinearity === 'leaky_relu') {
    let slope: number;
    if (param === null || param === undefined) slope = 0.01;
    else if (typeof param === 'number' || param instanceof PyFloat) slope = num(param);
    else throw new ValueError(`negative_slope ${param === true ? 'True' : param === false ? 'False' : String(param)} not a valid number`);
    return Math.sqrt(2.0 / (1 + slope ** 2));
  }
  if (nonlinearity === 'selu') return 3.0 / 4;
  throw new ValueError(`Unsupported nonlinearity ${nonlinearity}`);
}

export function _calculate_fan_in_and_fan_out(tensor: Tensor): [number, number] {
  if (tensor.ndim < 2) throw new ValueError('Fan in and fan out can not be computed for tensor with fewer than 2 dimensions');
  let receptive = 1;
  for (const s of tensor.shape.slice(2)) receptive *= s;
  return [tensor.shape[1] * receptive, tensor.shape[0] * receptive];
}

export function _calculate_correct_fan(tensor: Tensor, mode: string): number {
  const m = mode.toLowerCase();
  if (m !== 'fan_in' && m !== 'fan_out') throw new ValueError(`Mode ${m} not supported, please use one of ['fan_in', 'fan_out']`);
  const [fanIn, fanOut] = _calculate_fan_in_and_fan_out(tensor);
  return m === 'fan_in' ? fanIn : fanOut;
}

// ---- plain fills ----

const uniformSig = signature('uniform_(tensor, a=0.0, b=1.0, generator=None)');
export function uniform_(...args: unknown[]): Tensor {
  const { tensor, a, b, generator } = uniformSig.bind(args);
  return uniformFill(tensor, num(a), num(b), generator);
}
function uniformFill(t: Tensor, low: number, high: number, generator?: Generator | null): Tensor {
  const key = generatorOf(generator).reserve(t.numel());
  return fillFrom(t, (out) => fillUniform(out, key, low, high));
}

const normalSig = signature('normal_(tensor, mean=0.0, std=1.0, generator=None)');
export function normal_(...args: unknown[]): Tensor {
  const { tensor, mean, std, generator } = normalSig.bind(args);
  return normalFill(tensor, num(mean), num(std), generator);
}
/** normal_ with an optional edit of the drawn values (Embedding zeroes its padding row this way, lazily). */
export function normalFill(t: Tensor, mean: number, std: number, generator?: Generator | null, after?: (out: Values) => void): Tensor {
  const key = generatorOf(generator).reserve(t.numel());
  return fillFrom(t, (out) => { fillNormal(out, key, mean, std); after?.(out); });
}

const truncSig = signature('trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None)');
export function trunc_normal_(...args: unknown[]): Tensor {
  const p = truncSig.bind(args);
  const mean = num(p.mean), std = num(p.std), a = num(p.a), b = num(p.b);
  // inverse-CDF sampling, as torch: uniform in [2l-1, 2u-1], erfinv, scale, shift, clamp
  const cdf = (x: number) => (1 + erf(x / Math.SQRT2)) / 2;
  const l = cdf((a - mean) / std), u = cdf((b - mean) / std);
  const key = generatorOf(p.generator).reserve(p.tensor.numel());
  return fillFrom(p.tensor, (out) => {
    fillUniform(out, key, 2 * l - 1, 2 * u - 1);
    uniformToTruncNormal(out as NumArray, mean, std, a, b);
  });
}

/**
 * out = clamp(erfinv(out) * std * √2 + mean, a, b), computed in float64 whatever out's precision (a float64 scratch
 * of bounded size, chunk by chunk), then stored in out.
 */
function uniformToTruncNormal(out: NumArray, mean: number, std: number, a: number, b: number): void {
  const k = kernels();
  const scratch = new Float64Array(Math.min(out.length, 1 << 16));
  const x = { data: scratch, offset: 0, strides: [1] };
  const scalar = (v: number) => ({ data: Float64Array.of(v), offset: 0, strides: [0] });
  const times = [scalar(std), scalar(Math.SQRT2)], plus = scalar(mean);
  for (let start = 0; start < out.length; start += scratch.length) {
    const shape = [Math.min(scratch.length, out.length - start)];
    const chunk = { data: out, offset: start, strides: [1] };
    k.copy(shape, chunk, 'plain', x, 'plain');
    k.unary('erfinv', shape, x, scratch);
    for (const factor of times) k.binary('mul', shape, x, factor, scratch, false);
    k.binary('add', shape, x, plus, scratch, false);
    k.unary('hardtanh', shape, x, scratch, { min: a, max: b });
    k.copy(shape, x, 'plain', chunk, 'plain');
  }
}

const constantSig = signature('constant_(tensor, val)');
export function constant_(...args: unknown[]): Tensor {
  const { tensor, val } = constantSig.bind(args);
  const v = typeof val === 'boolean' ? Number(val) : num(val);
  const stored = castScalar(v, tensor.dtype);
  (tensor as Tensor).fillWith((out) => { out.fill(stored); });
  if (!lazyInit) void (tensor as Tensor).storage.data;
  return tensor;
}
export const zeros_ = (tensor: Tensor): Tensor => constant_(tensor, 0);
export const ones_ = (tensor: Tensor): Tensor => constant_(tensor, 1);

export function eye_(tensor: Tensor): Tensor {
  if (tensor.ndim !== 2) throw new ValueError('Only tensors with 2 dimensions are supported');
  const [rows, cols] = tensor.shape;
  const one = castScalar(1, tensor.dtype);
  tensor.fillWith((out) => { out.fill(0); for (let i = 0; i < Math.min(rows, cols); i++) out[i * cols + i] = one; });
  return tensor;
}

export function dirac_(tensor: Tensor, groups = 1): Tensor {
  const d = tensor.ndim;
  if (d < 3 || d > 5) throw new ValueError('Only tensors with 3, 4, or 5 dimensions are supported');
  const sizes = tensor.shape;
  if (sizes[0] % groups !== 0) throw new ValueError('dim 0 must be divisible by groups');
  const perGroup = sizes[0] / groups;
  const minDim = Math.min(perGroup, sizes[1]);
  const strides = tensor.shape.map((_, i) => tensor.shape.slice(i + 1).reduce((x, y) => x * y, 1));
  const one = castScalar(1, tensor.dtype);
  tensor.fillWith((out) => {
    out.fill(0);
    for (let g = 0; g < groups; g++) {
      for (let k = 0; k < minDim; k++) {
        let idx = (g * perGroup + k) * strides[0] + k * strides[1];
        for (let j = 2; j < d; j++) idx += Math.floor(sizes[j] / 2) * strides[j];
        out[idx] = one;
      }
    }
  });
  return tensor;
}

// ---- scaled initialisations ----

const xavierSig = signature('xavier_uniform_(tensor, gain=1.0, generator=None)');
export function xavier_uniform_(...args: unknown[]): Tensor {
  const { tensor, gain, generator } = xavierSig.bind(args);
  const [fanIn, fanOut] = _calculate_fan_in_and_fan_out(tensor);
  const bound = Math.sqrt(3.0) * num(gain) * Math.sqrt(2.0 / (fanIn + fanOut));
  return uniformFill(tensor, -bound, bound, generator);
}
export function xavier_normal_(...args: unknown[]): Tensor {
  const { tensor, gain, generator } = xavierSig.bind(args);
  const [fanIn, fanOut] = _calculate_fan_in_and_fan_out(tensor);
  return normalFill(tensor, 0, num(gain) * Math.sqrt(2.0 / (fanIn + fanOut)), generator);
}

const kaimingSig = signature('kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None)');
function kaimingStd(tensor: Tensor, a: unknown, mode: string, nonlinearity: string): number {
  const fan = _calculate_correct_fan(tensor, mode);
  return calculate_gain(nonlinearity, a) / Math.sqrt(fan);
}
export function kaiming_uniform_(...args: unknown[]): Tensor {
  const { tensor, a, mode, nonlinearity, generator } = kaimingSig.bind(args);
  if ((tensor as Tensor).shape.includes(0)) return tensor; // PyTorch warns: initialising zero-element tensors is a no-op
  const bound = Math.sqrt(3.0) * kaimingStd(tensor, a, mode, nonlinearity);
  return uniformFill(tensor, -bound, bound, generator);
}
export function kaiming_normal_(...args: unknown[]): Tensor {
  const { tensor, a, mode, nonlinearity, generator } = kaimingSig.bind(args);
  if ((tensor as Tensor).shape.includes(0)) return tensor;
  return normalFill(tensor, 0, kaimingStd(tensor, a, mode, nonlinearity), generator);
}

const orthogonalSig = signature('orthogonal_(tensor, gain=1, generator=None)');
export function orthogonal_(...args: unknown[]): Tensor {
  const { tensor, gain, generator } = orthogonalSig.bind(args);
  const t = tensor as Tensor;
  if (t.ndim < 2) throw new ValueError('Only tensors with 2 or more dimensions are supported');
  if (t.numel() === 0) return t;
  if (!isFloating(t.dtype)) throw new Error(`"normal_kernel_cpu" not implemented for '${t.dtype}'`);
  const rows = t.shape[0], cols = t.numel() / rows;
  const g = num(gain);
  const key = generatorOf(generator).reserve(rows * cols);
  return fillFrom(t, (out) => {
    const flat = new Float64Array(rows * cols);
    fillNormal(flat, key, 0, 1);
    kernels().orthogonal(flat, rows, cols, g, out as NumArray);
  });
}

// PyTorch's deprecated aliases without the trailing underscore
export const uniform = uniform_, normal = normal_, constant = constant_, xavier_uniform = xavier_uniform_;
export const xavier_normal = xavier_normal_, kaiming_uniform = kaiming_uniform_, kaiming_normal = kaiming_normal_;
export const orthogonal = orthogonal_;
