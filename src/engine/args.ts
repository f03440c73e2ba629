// Python-style argument binding for the TypeScript API and the Python shim alike:
//   const sig = signature('sum(input, dim=None, keepdim=False, *, dtype=None)');
//   const { input, dim, keepdim } = sig.bind(args);   // args = positional values, optionally ending in a kwargs object
// A trailing plain object ({...}) is read as keyword arguments, like Python's `f(x, dim=1)`.

export type Kwargs = Record<string, unknown>;

export function isKwargs(x: unknown): x is Kwargs {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

interface Param { name: string; hasDefault: boolean; default: unknown; kwOnly: boolean; varargs: boolean }

function parseDefault(text: string): unknown {
  const t = text.trim();
  if (t === 'None') return null;
  if (t === 'True') return true;
  if (t === 'False') return false;
  if (/^['"].*['"]$/.test(t)) return t.slice(1, -1);
  if (t === '()' || t === '[]') return [];
  const n = Number(t);
  if (!Number.isNaN(n)) return n;
  throw new Error(`signature: cannot parse default ${text}`);
}

export class Signature {
  constructor(readonly name: string, private readonly params: Param[]) {}

  /** Binds positional values and an optional trailing kwargs object; raises Python's TypeErrors. */
  bind(args: readonly unknown[]): Record<string, any> {
    let positional = args as unknown[];
    let kwargs: Kwargs = {};
    if (args.length && isKwargs(args[args.length - 1])) {
      positional = args.slice(0, -1) as unknown[];
      kwargs = args[args.length - 1] as Kwargs;
    }
    const out: Record<string, any> = {};
    let pi = 0;
    for (const p of this.params) {
      if (p.varargs) {
        out[p.name] = positional.slice(pi);
        pi = positional.length;
        continue;
      }
      if (!p.kwOnly && pi < positional.length) {
        if (p.name in kwargs) throw new TypeError(`${this.name}() got multiple values for argument '${p.name}'`);
        out[p.name] = positional[pi++];
      } else if (p.name in kwargs && kwargs[p.name] !== undefined) {
        out[p.name] = kwargs[p.name];
      } else if (p.hasDefault) {
        out[p.name] = p.default;
      } else {
        throw new TypeError(`${this.name}() missing required argument '${p.name}'`);
      }
    }
    if (pi < positional.length) {
      const max = this.params.filter((p) => !p.kwOnly && !p.varargs).length;
      throw new TypeError(`${this.name}() takes ${max} positional arguments but ${positional.length} were given`);
    }
    for (const k of Object.keys(kwargs)) {
      if (!this.params.some((p) => p.name === k && !p.varargs))
        throw new TypeError(`${this.name}() got an unexpected keyword argument '${k}'`);
    }
    return out;
  }
}

/** Parses a Python signature such as `conv2d(input, weight, bias=None, stride=1, *, out=None)`. */
export function signature(text: string): Signature {
  const m = /^\s*([\w.]+)\s*\((.*)\)\s*$/s.exec(text);
  if (!m) throw new Error(`signature: cannot parse ${text}`);
  const params: Param[] = [];
  let kwOnly = false;
  // split on commas outside brackets/quotes
  const parts: string[] = [];
  let depth = 0, cur = '', quote = '';
  for (const ch of m[2]) {
    if (quote) { cur += ch; if (ch === quote) quote = ''; continue; }
    if (ch === '"' || ch === "'") { quote = ch; cur += ch; continue; }
    if (ch === '(' || ch === '[') depth++;
    if (ch === ')' || ch === ']') depth--;
    if (ch === ',' && depth === 0) { parts.push(cur); cur = ''; continue; }
    cur += ch;
  }
  if (cur.trim()) parts.push(cur);
  for (const raw of parts) {
    const part = raw.trim();
    if (part === '*') { kwOnly = true; continue; }
    if (part.startsWith('*')) {
      params.push({ name: part.slice(1), hasDefault: true, default: [], kwOnly: false, varargs: true });
      kwOnly = true;
      continue;
    }
    const eq = part.indexOf('=');
    if (eq < 0) params.push({ name: part, hasDefault: false, default: undefined, kwOnly, varargs: false });
    else params.push({ name: part.slice(0, eq).trim(), hasDefault: true, default: parseDefault(part.slice(eq + 1)), kwOnly, varargs: false });
  }
  return new Signature(m[1], params);
}

/** Accepts `f(2, 3)` and `f([2, 3])` for *size-style arguments. */
export function sizeArgs(values: readonly unknown[], what = 'size'): number[] {
  const flat = values.length === 1 && Array.isArray(values[0]) ? (values[0] as unknown[]) : values;
  return flat.map((v) => {
    if (typeof v !== 'number' || !Number.isInteger(v))
      throw new TypeError(`${what} must be a sequence of integers, but got ${JSON.stringify(v)}`);
    return v;
  });
}

/** Expands an int or a tuple to n ints (PyTorch's _pair/_triple), checking the length. */
export function ntuple(x: unknown, n: number, what: string): number[] {
  if (typeof x === 'number') return new Array(n).fill(x);
  if (Array.isArray(x) && x.length === 1 && n > 1) return new Array(n).fill(x[0]);
  if (Array.isArray(x) && x.length === n && x.every((v) => typeof v === 'number')) return x as number[];
  throw new TypeError(`${what} must be an int or a tuple of ${n} ints, but got ${JSON.stringify(x)}`);
}
