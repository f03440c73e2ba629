// copy.deepcopy for modules (TransformerEncoder/Decoder clone their layer with it). Like Python's, one memo
// spans the whole copy, so a module or parameter reachable twice is copied once and stays shared, and
// views of one storage stay views of one copied storage. A pending (not yet materialised) storage is
// copied as the same pending fill, so cloning a lazy layer allocates nothing.
import { Storage } from '../storage';
import { Tensor } from '../tensor';
import { Module, wrapModule } from './module';
import { Parameter } from './parameter';

type Memo = Map<unknown, unknown>;

function copyStorage(s: Storage, memo: Memo): Storage {
  const seen = memo.get(s);
  if (seen) return seen as Storage;
  const out = s.clone();
  memo.set(s, out);
  return out;
}

function copyTensor(t: Tensor, memo: Memo): Tensor {
  const storage = copyStorage(t.storage, memo);
  const out = t instanceof Parameter
    ? new Parameter(new Tensor(storage, [...t.shape], [...t.strides], t.offset), t.requires_grad)
    : new Tensor(storage, [...t.shape], [...t.strides], t.offset);
  out.requires_grad = t.requires_grad;
  return out;
}

function copyOwnProps(src: object, dst: object, memo: Memo): void {
  for (const key of Reflect.ownKeys(src)) {
    const desc = Object.getOwnPropertyDescriptor(src, key)!;
    if ('value' in desc) desc.value = deepcopy(desc.value, memo);
    Object.defineProperty(dst, key, desc);
  }
}

export function deepcopy<T>(value: T, memo: Memo = new Map()): T {
  if (value === null || typeof value !== 'object') return value; // primitives and functions are shared, as in Python
  if (memo.has(value)) return memo.get(value) as T;
  let out: any;
  if (value instanceof Module) {
    // Build the raw object first and wrap it, so copying fields does not go through __setattr__.
    const raw = Object.create(Object.getPrototypeOf(value));
    out = wrapModule(raw);
    memo.set(value, out);
    copyOwnProps(value, raw, memo);
    return out;
  }
  if (value instanceof Tensor) out = copyTensor(value, memo);
  else if (value instanceof Map) {
    out = new Map();
    memo.set(value, out);
    for (const [k, v] of value) out.set(deepcopy(k, memo), deepcopy(v, memo));
    return out;
  } else if (value instanceof Set) {
    out = new Set();
    memo.set(value, out);
    for (const v of value) out.add(deepcopy(v, memo));
    return out;
  } else if (Array.isArray(value)) {
    out = [];
    memo.set(value, out);
    for (const v of value) out.push(deepcopy(v, memo));
    return out;
  } else if (ArrayBuffer.isView(value)) out = (value as unknown as { slice(): unknown }).slice();
  else {
    out = Object.create(Object.getPrototypeOf(value));
    memo.set(value, out);
    copyOwnProps(value, out, memo);
    return out;
  }
  memo.set(value, out);
  return out;
}
