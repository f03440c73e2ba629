// repr(tensor) exactly as PyTorch prints it (torch/_tensor_str.py with the default print options).
import { isFloating } from './dtype';
import { cat, stack } from './ops/shape';
import { defaultDType } from './ops/state';
import type { Tensor } from './tensor';

export const PRINT_OPTIONS = { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80, sci_mode: null as boolean | null };

/** Python's format(x, '.{p}f'): exact decimal value of the double, ties to even; keeps the sign of -0. */
export function formatFixed(x: number, p: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  let s = Math.abs(x).toFixed(p);
  // JS rounds exact ties up; Python rounds them to even. A tie shows as a 5 followed by zeros.
  const long = Math.abs(x).toFixed(Math.min(100, p + 30));
  const tail = long.slice(long.length - 30);
  if (/^50*$/.test(tail)) {
    const truncated = long.slice(0, long.length - 30).replace(/\.$/, '');
    const lastDigit = Number(truncated[truncated.length - 1]);
    if (lastDigit % 2 === 0) s = p === 0 ? truncated.replace(/\.$/, '') : truncated;
  }
  const negative = x < 0 || Object.is(x, -0);
  return negative ? '-' + s : s;
}

/** Python's format(x, '.{p}e'): mantissa with p decimals and an exponent of at least two digits. */
export function formatExp(x: number, p: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const s = Math.abs(x).toExponential(p);
  const [mant, exp] = s.split('e');
  const e = Number(exp);
  const out = `${mant}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return x < 0 || Object.is(x, -0) ? '-' + out : out;
}

class Formatter {
  private floating: boolean;
  private intMode = true;
  private sciMode = false;
  maxWidth = 1;

  constructor(values: readonly number[], private readonly dtype: Tensor['dtype']) {
    this.floating = isFloating(dtype);
    if (!this.floating) {
      for (const v of values) this.maxWidth = Math.max(this.maxWidth, this.plain(v).length);
      return;
    }
    const finite = values.filter((v) => Number.isFinite(v) && v !== 0);
    if (finite.length === 0) return;
    const abs = finite.map(Math.abs);
    const min = Math.min(...abs), max = Math.max(...abs);
    this.intMode = finite.every((v) => v === Math.ceil(v));
    const p = PRINT_OPTIONS.precision;
    if (this.intMode) {
      if (max / min > 1000 || max > 1e8) {
        this.sciMode = true;
        for (const v of finite) this.maxWidth = Math.max(this.maxWidth, formatExp(v, p).length);
      } else {
        for (const v of finite) this.maxWidth = Math.max(this.maxWidth, formatFixed(v, 0).length + 1);
      }
    } else if (max / min > 1000 || max > 1e8 || min < 1e-4) {
      this.sciMode = true;
      for (const v of finite) this.maxWidth = Math.max(this.maxWidth, formatExp(v, p).length);
    } else {
      for (const v of finite) this.maxWidth = Math.max(this.maxWidth, formatFixed(v, p).length);
    }
    if (PRINT_OPTIONS.sci_mode !== null) this.sciMode = PRINT_OPTIONS.sci_mode;
  }

  private plain(v: number): string {
    if (this.dtype === 'bool') return v ? 'True' : 'False';
    return String(v);
  }

  format(v: number): string {
    let ret: string;
    const p = PRINT_OPTIONS.precision;
    if (this.floating) {
      if (this.sciMode) ret = formatExp(v, p);
      else if (this.intMode) {
        ret = formatFixed(v, 0);
        if (Number.isFinite(v)) ret += '.';
      } else ret = formatFixed(v, p);
    } else ret = this.plain(v);
    return ret.padStart(this.maxWidth, ' ');
  }
}

function summarized(t: Tensor): Tensor {
  const e = PRINT_OPTIONS.edgeitems;
  if (t.ndim === 0) return t;
  if (t.ndim === 1) return t.shape[0] > 2 * e ? cat([t.narrow(0, 0, e), t.narrow(0, t.shape[0] - e, e)]) : t;
  const rows = t.shape[0] > 2 * e
    ? [...Array.from({ length: e }, (_, i) => i), ...Array.from({ length: e }, (_, i) => t.shape[0] - e + i)]
    : Array.from({ length: t.shape[0] }, (_, i) => i);
  return stack(rows.map((i) => summarized(t.select(0, i))));
}

function values(t: Tensor): number[] {
  return Array.from(t.toArray());
}

function vectorStr(t: Tensor, indent: number, summarize: boolean, f: Formatter): string {
  const elementLength = f.maxWidth + 2;
  const perLine = Math.max(1, Math.floor((PRINT_OPTIONS.linewidth - indent) / elementLength));
  const e = PRINT_OPTIONS.edgeitems;
  let data: string[];
  if (summarize && t.shape[0] > 2 * e) {
    data = [...values(t.narrow(0, 0, e)).map((v) => f.format(v)), ' ...', ...values(t.narrow(0, t.shape[0] - e, e)).map((v) => f.format(v))];
  } else data = values(t).map((v) => f.format(v));
  const lines: string[] = [];
  for (let i = 0; i < data.length; i += perLine) lines.push(data.slice(i, i + perLine).join(', '));
  return '[' + lines.join(',\n' + ' '.repeat(indent + 1)) + ']';
}

function tensorStrWith(t: Tensor, indent: number, summarize: boolean, f: Formatter): string {
  if (t.ndim === 0) return f.format(values(t)[0]);
  if (t.ndim === 1) return vectorStr(t, indent, summarize, f);
  const e = PRINT_OPTIONS.edgeitems;
  const n = t.shape[0];
  const sub = (i: number) => tensorStrWith(t.select(0, i), indent + 1, summarize, f);
  const slices = summarize && n > 2 * e
    ? [...Array.from({ length: e }, (_, i) => sub(i)), '...', ...Array.from({ length: e }, (_, i) => sub(n - e + i))]
    : Array.from({ length: n }, (_, i) => sub(i));
  return '[' + slices.join(',' + '\n'.repeat(t.ndim - 1) + ' '.repeat(indent + 1)) + ']';
}

function tensorStr(t: Tensor, indent: number): string {
  if (t.numel() === 0) return '[]';
  const summarize = t.numel() > PRINT_OPTIONS.threshold;
  const f = new Formatter(values(summarize ? summarized(t) : t), t.dtype);
  return tensorStrWith(t, indent, summarize, f);
}

function addSuffixes(tensorString: string, suffixes: string[], indent: number): string {
  let out = tensorString;
  let lastLineLen = tensorString.length - tensorString.lastIndexOf('\n') + 1;
  for (const suffix of suffixes) {
    if (lastLineLen + suffix.length + 2 > PRINT_OPTIONS.linewidth) {
      out += ',\n' + ' '.repeat(indent) + suffix;
      lastLineLen = indent + suffix.length;
    } else {
      out += ', ' + suffix;
      lastLineLen += suffix.length + 2;
    }
  }
  return out + ')';
}

/** repr(t) / str(t). Parameters print with `Parameter containing:` (see nn/parameter). */
export function formatTensor(t: Tensor, prefix = 'tensor('): string {
  const indent = prefix.length;
  const suffixes: string[] = [];
  let body: string;
  if (t.numel() === 0) {
    if (t.ndim !== 1) suffixes.push(`size=(${t.shape.join(', ')}${t.ndim === 1 ? ',' : ''})`);
    body = '[]';
  } else body = tensorStr(t, indent);
  // An empty tensor has no values to tell int64 or bool apart, so only the default float dtype goes unnamed.
  const defaultLike = t.dtype === defaultDType() || (t.numel() > 0 && (t.dtype === 'int64' || t.dtype === 'bool'));
  if (!defaultLike) suffixes.push(`dtype=torch.${t.dtype}`);
  if (t.requires_grad) suffixes.push('requires_grad=True');
  return addSuffixes(prefix + body, suffixes, indent);
}

/** repr(nn.Parameter): PyTorch prefixes the tensor's repr. */
export function formatParameter(t: Tensor): string {
  return 'Parameter containing:\n' + formatTensor(t);
}
