// Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict (torch/nn/modules/container.py).
// Python's obj[i] is `get(i)` here; `seq[i]` / `list[-1]` also work through the Module proxy, and
// `get(slice(a, b))` slices. Iteration, len() and the mutators follow PyTorch's order and numbering.
import { Slice, Tensor } from '../../tensor';
import { addIndent, Module } from '../module';
import { Parameter } from '../parameter';
import { AssertionError, KeyError, PyIndexError, typename, ValueError } from '../python';

/** Python's slice.indices(len) expanded into the selected positions. */
export function sliceRange(s: Slice, length: number): number[] {
  const step = s.step ?? 1;
  if (step === 0) throw new ValueError('slice step cannot be zero');
  const clampIndex = (v: number | null, dflt: number, lo: number, hi: number) => {
    if (v === null) return dflt;
    const x = v < 0 ? v + length : v;
    return Math.min(Math.max(x, lo), hi);
  };
  const out: number[] = [];
  if (step > 0) {
    const start = clampIndex(s.start, 0, 0, length), stop = clampIndex(s.stop, length, 0, length);
    for (let i = start; i < stop; i += step) out.push(i);
  } else {
    const start = clampIndex(s.start, length - 1, -1, length - 1), stop = clampIndex(s.stop, -1, -1, length - 1);
    for (let i = start; i > stop; i += step) out.push(i);
  }
  return out;
}

function absIndex(idx: number, length: number): number {
  if (!Number.isInteger(idx)) throw new TypeError(`'${typename(idx)}' object cannot be interpreted as an integer`);
  if (idx < -length || idx >= length) throw new PyIndexError(`index ${idx} is out of range`);
  return idx < 0 ? idx + length : idx;
}

/** Renumbers _modules as 0..n-1 after a deletion, as PyTorch does (named keys included). */
function renumber(m: Module): void {
  const values = [...m._modules.values()];
  m._modules.clear();
  values.forEach((v, i) => m._modules.set(String(i), v));
}

export class Sequential extends Module {
  [index: number]: Module;

  constructor(...args: (Module | Map<string, Module>)[]) {
    super();
    if (args.length === 1 && args[0] instanceof Map) for (const [key, m] of args[0]) this.add_module(key, m);
    else args.forEach((m, i) => this.add_module(String(i), m as Module));
  }

  _index_get(idx: number): Module { return this.get(idx); }

  get(idx: number): Module;
  get(idx: Slice): Sequential;
  get(idx: number | Slice): Module | Sequential {
    const entries = [...this._modules];
    if (idx instanceof Slice) {
      const Ctor = this.constructor as new (m: Map<string, Module>) => Sequential;
      return new Ctor(new Map(sliceRange(idx, entries.length).map((i) => entries[i] as [string, Module])));
    }
    return entries[absIndex(idx, entries.length)][1] as Module;
  }

  set(idx: number, module: Module): void {
    const keys = [...this._modules.keys()];
    (this as any)[keys[absIndex(idx, keys.length)]] = module;
  }

  delete(idx: number | Slice): void {
    const keys = [...this._modules.keys()];
    const doomed = idx instanceof Slice ? sliceRange(idx, keys.length).map((i) => keys[i]) : [keys[absIndex(idx, keys.length)]];
    for (const k of doomed) delete (this as any)[k];
    renumber(this);
  }

  pop(idx: number | Slice): Module | Sequential {
    const v = this.get(idx as any);
    this.delete(idx);
    return v;
  }

  len(): number { return this._modules.size; }
  get length(): number { return this._modules.size; }

  append(module: Module): this {
    this.add_module(String(this.len()), module);
    return this;
  }

  insert(index: number, module: Module): this {
    if (!(module instanceof Module)) throw new AssertionError(`module should be of type: <class 'torch.nn.modules.module.Module'>`);
    const n = this._modules.size;
    if (!(-n <= index && index <= n)) throw new PyIndexError(`Index out of range: ${index}`);
    const at = index < 0 ? index + n : index;
    for (let i = n; i > at; i--) this._modules.set(String(i), this._modules.get(String(i - 1))!);
    this._modules.set(String(at), module);
    return this;
  }

  extend(sequential: Iterable<Module>): this {
    for (const layer of [...sequential]) this.append(layer);
    return this;
  }

  override forward(input: any): any {
    for (const module of this) input = module.call(input);
    return input;
  }

  *[Symbol.iterator](): Iterator<Module> { yield* this._modules.values() as Iterable<Module>; }
}

export class ModuleList extends Module {
  [index: number]: Module;

  constructor(modules: Iterable<Module> | null = null) {
    super();
    if (modules !== null) this.extend(modules);
  }

  _index_get(idx: number): Module { return this.get(idx); }

  get(idx: number): Module;
  get(idx: Slice): ModuleList;
  get(idx: number | Slice): Module | ModuleList {
    const values = [...this._modules.values()] as Module[];
    if (idx instanceof Slice) {
      const Ctor = this.constructor as new (m: Module[]) => ModuleList;
      return new Ctor(sliceRange(idx, values.length).map((i) => values[i]));
    }
    return this._modules.get(String(absIndex(idx, values.length))) as Module;
  }

  set(idx: number, module: Module): void {
    (this as any)[String(absIndex(idx, this._modules.size))] = module;
  }

  delete(idx: number | Slice): void {
    const n = this._modules.size;
    const doomed = idx instanceof Slice ? sliceRange(idx, n) : [absIndex(idx, n)];
    for (const k of doomed) delete (this as any)[String(k)];
    renumber(this);
  }

  pop(idx: number | Slice): Module | ModuleList {
    const v = this.get(idx as any);
    this.delete(idx);
    return v;
  }

  len(): number { return this._modules.size; }
  get length(): number { return this._modules.size; }

  insert(index: number, module: Module): void {
    for (let i = this._modules.size; i > index; i--) this._modules.set(String(i), this._modules.get(String(i - 1))!);
    this._modules.set(String(index), module);
  }

  append(module: Module): this {
    this.add_module(String(this.len()), module);
    return this;
  }

  extend(modules: Iterable<Module>): this {
    if (modules === null || typeof (modules as any)[Symbol.iterator] !== 'function')
      throw new TypeError('ModuleList.extend should be called with an iterable, but got ' + typename(modules));
    const offset = this.len();
    [...modules].forEach((m, i) => this.add_module(String(offset + i), m));
    return this;
  }

  *[Symbol.iterator](): Iterator<Module> { yield* this._modules.values() as Iterable<Module>; }

  /** 2.x form: runs of identical child reprs fold into `(0-11): 12 x Block(...)`. */
  override toString(): string {
    const reprs = [...this._modules.values()].map((m) => (m === null ? 'None' : m.toString()));
    if (reprs.length === 0) return this._get_name() + '()';
    const runs: { start: number; end: number; repr: string }[] = [];
    reprs.forEach((r, i) => {
      const last = runs[runs.length - 1];
      if (last && last.repr === r) last.end = i;
      else runs.push({ start: i, end: i, repr: r });
    });
    const lines = runs.map(({ start, end, repr }) =>
      addIndent(start === end ? `(${start}): ${repr}` : `(${start}-${end}): ${end - start + 1} x ${repr}`, 2));
    return this._get_name() + '(\n  ' + lines.join('\n  ') + '\n)';
  }
}

type Entries<T> = Map<string, T> | Record<string, T> | Iterable<[string, T]>;

export class ModuleDict extends Module {
  constructor(modules: Entries<Module> | null = null) {
    super();
    if (modules !== null) this.update(modules);
  }

  get(key: string): Module {
    if (!this._modules.has(key)) throw new KeyError(key);
    return this._modules.get(key) as Module;
  }
  set(key: string, module: Module): void { this.add_module(key, module); }
  delete(key: string): void {
    if (!this._modules.delete(key)) throw new KeyError(key);
  }
  has(key: string): boolean { return this._modules.has(key); }
  len(): number { return this._modules.size; }
  get length(): number { return this._modules.size; }
  clear(): void { this._modules.clear(); }
  pop(key: string): Module {
    const v = this.get(key);
    this.delete(key);
    return v;
  }
  keys(): string[] { return [...this._modules.keys()]; }
  items(): [string, Module][] { return [...this._modules] as [string, Module][]; }
  values(): Module[] { return [...this._modules.values()] as Module[]; }
  *[Symbol.iterator](): Iterator<string> { yield* this._modules.keys(); }

  update(modules: Entries<Module>): void {
    if (modules instanceof Map || modules instanceof ModuleDict) {
      for (const [k, m] of modules instanceof Map ? modules : modules.items()) this.set(k, m);
    } else if (typeof (modules as any)[Symbol.iterator] === 'function') {
      [...(modules as Iterable<[string, Module]>)].forEach((pair, j) => {
        if (!Array.isArray(pair)) throw new TypeError(`ModuleDict update sequence element #${j} should be Iterable; is${typename(pair)}`);
        if (pair.length !== 2) throw new ValueError(`ModuleDict update sequence element #${j} has length ${pair.length}; 2 is required`);
        this.set(pair[0], pair[1]);
      });
    } else if (modules !== null && typeof modules === 'object') {
      for (const [k, m] of Object.entries(modules)) this.set(k, m);
    } else throw new TypeError('ModuleDict.update should be called with an iterable of key/value pairs, but got ' + typename(modules));
  }
}

function describeEntry(p: unknown, dtypeName: (t: Tensor) => string): string {
  if (!(p instanceof Tensor)) return 'Object of type: ' + typename(p);
  const size = p.shape.join('x');
  return `${p instanceof Parameter ? 'Parameter' : 'Tensor'} containing: [${dtypeName(p)} of size ${size}]`;
}

export class ParameterList extends Module {
  [index: number]: any;
  declare _size: number;

  constructor(values: Iterable<unknown> | null = null) {
    super();
    this._size = 0;
    if (values !== null) this.extend(values);
  }

  _index_get(idx: number): unknown { return this.get(idx); }

  get(idx: number | Slice): any {
    if (idx instanceof Slice) {
      const out = new (this.constructor as new () => ParameterList)();
      for (const i of sliceRange(idx, this._size)) out.append(this.get(i));
      return out;
    }
    return (this as any)[String(absIndex(idx, this._size))];
  }

  set(idx: number, param: unknown): void {
    const key = String(absIndex(idx, this._size));
    (this as any)[key] = param instanceof Tensor && !(param instanceof Parameter) ? new Parameter(param) : param;
  }

  len(): number { return this._size; }
  get length(): number { return this._size; }

  append(value: unknown): this {
    const i = this._size;
    this._size += 1;
    this.set(i, value);
    return this;
  }

  extend(values: Iterable<unknown>): this {
    if (values === null || values instanceof Tensor || typeof (values as any)[Symbol.iterator] !== 'function')
      throw new TypeError('ParameterList.extend should be called with an iterable, but got ' + typename(values));
    for (const v of [...values]) this.append(v);
    return this;
  }

  *[Symbol.iterator](): Iterator<any> { for (let i = 0; i < this._size; i++) yield this.get(i); }

  override call(..._args: any[]): any { throw new Error('ParameterList should not be called.'); }

  override extra_repr(): string {
    return [...this].map((p, k) => `  (${k}): ${describeEntry(p, (t) => `torch.${t.dtype}`)}`).join('\n');
  }
}

export class ParameterDict extends Module {
  declare _keys: Map<string, null>;

  constructor(parameters: Entries<unknown> | null = null) {
    super();
    this._keys = new Map();
    if (parameters !== null) this.update(parameters);
  }

  private keyToAttr(key: unknown): string {
    if (typeof key !== 'string')
      throw new TypeError(`Index given to ParameterDict cannot be used as a key as it is not a string (type is '${typename(key)}'). Open an issue on github if you need non-string keys.`);
    return key;
  }

  /** Python's pd[key]. */
  item(key: string): any {
    const attr = this.keyToAttr(key);
    if (!(attr in this)) throw new KeyError(key);
    return (this as any)[attr];
  }
  set(key: string, value: unknown): void {
    this._keys.set(key, null);
    const attr = this.keyToAttr(key);
    (this as any)[attr] = value instanceof Tensor && !(value instanceof Parameter) ? new Parameter(value) : value;
  }
  delete(key: string): void {
    if (!this._keys.delete(key)) throw new KeyError(key);
    delete (this as any)[this.keyToAttr(key)];
  }
  has(key: string): boolean { return this._keys.has(key); }
  get(key: string, default_: unknown = null): any { return this.has(key) ? this.item(key) : default_; }
  len(): number { return this._keys.size; }
  get length(): number { return this._keys.size; }
  keys(): string[] { return [...this._keys.keys()]; }
  values(): any[] { return this.keys().map((k) => this.item(k)); }
  items(): [string, any][] { return this.keys().map((k) => [k, this.item(k)]); }
  clear(): void { for (const k of this.keys()) this.delete(k); }
  pop(key: string): any {
    const v = this.item(key);
    this.delete(key);
    return v;
  }
  setdefault(key: string, default_: unknown = null): any {
    if (!this.has(key)) this.set(key, default_);
    return this.item(key);
  }
  copy(): ParameterDict { return new ParameterDict(new Map(this.items())); }
  *[Symbol.iterator](): Iterator<string> { yield* this._keys.keys(); }

  update(parameters: Entries<unknown>): void {
    if (parameters instanceof Map || parameters instanceof ParameterDict) {
      for (const [k, p] of parameters instanceof Map ? parameters : parameters.items()) this.set(k, p);
    } else if (typeof (parameters as any)[Symbol.iterator] === 'function') {
      [...(parameters as Iterable<[string, unknown]>)].forEach((pair, j) => {
        if (!Array.isArray(pair)) throw new TypeError(`ParameterDict update sequence element #${j} should be Iterable; is${typename(pair)}`);
        if (pair.length !== 2) throw new ValueError(`ParameterDict update sequence element #${j} has length ${pair.length}; 2 is required`);
        this.set(pair[0], pair[1]);
      });
    } else if (parameters !== null && typeof parameters === 'object') {
      // a plain dict is applied in sorted key order, as PyTorch does for an unordered Mapping
      for (const k of Object.keys(parameters).sort()) this.set(k, (parameters as Record<string, unknown>)[k]);
    } else throw new TypeError('ParametersDict.update should be called with an iterable of key/value pairs, but got ' + typename(parameters));
  }

  override call(..._args: any[]): any { throw new Error('ParameterDict should not be called.'); }

  override extra_repr(): string {
    return this.items().map(([k, p]) => `  (${k}): ${describeEntry(p, (t) => typename(t))}`).join('\n');
  }
}
