// State-dict edits as data, applied copy-on-write: an edit never changes a tensor it was given, it puts
// new tensors into a new map. Undo is then exact (the old tensors are still there, byte for byte) and
// cheap (the history holds maps of references, not copies of weights).
import { DType, isFloating, isIntegral } from '../engine/dtype';
import { tensor as tensorFrom } from '../engine/ops/factories';
import { Tensor } from '../engine/tensor';
import { EditableStateDict, StateDictValue } from './convert';
import { checkIndex, formatIndex, parseIndex, selectedShape } from './slice';

export type NestedValues = number | boolean | NestedValues[];

export type Edit =
  | { kind: 'fill'; keys: readonly string[]; value: number | boolean }
  | { kind: 'zero'; keys: readonly string[] }
  | { kind: 'scale'; keys: readonly string[]; factor: number }
  | { kind: 'setSlice'; key: string; index: string; value: NestedValues | Tensor }
  /** `from: 'module.', to: ''` strips DataParallel's prefix; `from: '', to: 'module.'` adds it */
  | { kind: 'renamePrefix'; from: string; to: string }
  | { kind: 'deleteKeys'; keys: readonly string[] }
  /** keys omitted: every floating-point tensor */
  | { kind: 'convertDtype'; dtype: DType; keys?: readonly string[] };

export interface EditResult {
  readonly stateDict: EditableStateDict;
  /** keys whose value or name changed (new names for renames) */
  readonly changed: readonly string[];
  readonly skipped: readonly { key: string; reason: string }[];
}

export class EditError extends Error {
  override name = 'EditError';
}

const TITLE: Record<DType, string> = {
  float32: 'Float', float64: 'Double', float16: 'Half', bfloat16: 'BFloat16', int64: 'Long', int32: 'Int',
  int16: 'Short', int8: 'Char', uint8: 'Byte', bool: 'Bool',
};

function engineTensor(sd: EditableStateDict, key: string, edit: Edit['kind']): Tensor {
  const v = sd.get(key);
  if (v === undefined) throw new EditError(`${edit}: no key ${JSON.stringify(key)} in the state dict`);
  if (!(v instanceof Tensor))
    throw new EditError(`${edit}: ${JSON.stringify(key)} has dtype ${v.dtype}, which the engine cannot compute in; it can only be renamed or deleted`);
  return v;
}

function replaceValues(sd: EditableStateDict, keys: readonly string[], edit: Edit['kind'], fn: (t: Tensor, key: string) => Tensor): EditResult {
  if (keys.length === 0) throw new EditError(`${edit}: no keys given`);
  const out = new Map(sd);
  for (const key of keys) out.set(key, fn(engineTensor(sd, key, edit), key));
  return { stateDict: out, changed: [...keys], skipped: [] };
}

/** PyTorch's in-place rule: the result type of `t * factor` must cast back to t's dtype. */
function checkScale(t: Tensor, factor: number, key: string): void {
  if (isIntegral(t.dtype, true) && !Number.isInteger(factor))
    throw new EditError(`scale ${JSON.stringify(key)}: result type Float can't be cast to the desired output type ${TITLE[t.dtype]}`);
  if (t.dtype === 'bool')
    throw new EditError(`scale ${JSON.stringify(key)}: result type Long can't be cast to the desired output type Bool`);
}

function valueTensor(value: NestedValues | Tensor, dtype: DType, what: string): Tensor {
  if (value instanceof Tensor) return value.dtype === dtype ? value : value.type(dtype);
  try {
    return tensorFrom(value, { dtype });
  } catch (error) {
    throw new EditError(`${what}: the value is not a number or a rectangular nested list of numbers (${(error as Error).message})`);
  }
}

function broadcastable(from: readonly number[], to: readonly number[]): boolean {
  if (from.length > to.length) return false;
  const off = to.length - from.length;
  return from.every((d, i) => d === 1 || d === to[off + i]);
}

function setSlice(sd: EditableStateDict, key: string, index: string, value: NestedValues | Tensor): EditResult {
  const t = engineTensor(sd, key, 'setSlice');
  const what = `setSlice ${JSON.stringify(key)}[${index}]`;
  const parts = parseIndex(index, JSON.stringify(key));
  checkIndex(parts, t.shape, what);
  const target = selectedShape(parts, t.shape);
  const v = valueTensor(value, t.dtype, what);
  if (!broadcastable(v.shape, target))
    throw new EditError(`${what}: a value of shape [${v.shape.join(', ')}] cannot be written into [${formatIndex(parts)}], which selects shape [${target.join(', ')}] of [${t.shape.join(', ')}]`);
  const out = t.clone();
  out.index(...parts).copy_(v);
  const next = new Map(sd);
  next.set(key, out);
  return { stateDict: next, changed: [key], skipped: [] };
}

function renamePrefix(sd: EditableStateDict, from: string, to: string): EditResult {
  if (from === to) throw new EditError(`renamePrefix: the old and new prefix are both ${JSON.stringify(from)}`);
  const out = new Map<string, StateDictValue>();
  const origin = new Map<string, string>();
  const changed: string[] = [];
  for (const [key, v] of sd) {
    const renamed = key.startsWith(from) ? to + key.slice(from.length) : key;
    const clash = origin.get(renamed);
    if (clash !== undefined)
      throw new EditError(`renamePrefix ${JSON.stringify(from)} -> ${JSON.stringify(to)}: ${JSON.stringify(clash)} and ${JSON.stringify(key)} would both become ${JSON.stringify(renamed)}`);
    origin.set(renamed, key);
    out.set(renamed, v);
    if (renamed !== key) changed.push(renamed);
  }
  if (changed.length === 0) throw new EditError(`renamePrefix: no key starts with ${JSON.stringify(from)}`);
  return { stateDict: out, changed, skipped: [] };
}

function deleteKeys(sd: EditableStateDict, keys: readonly string[]): EditResult {
  if (keys.length === 0) throw new EditError('deleteKeys: no keys given');
  const missing = keys.filter((k) => !sd.has(k));
  if (missing.length) throw new EditError(`deleteKeys: no key ${missing.map((k) => JSON.stringify(k)).join(', ')} in the state dict`);
  const out = new Map(sd);
  for (const k of keys) out.delete(k);
  return { stateDict: out, changed: [...keys], skipped: [] };
}

function convertDtype(sd: EditableStateDict, dtype: DType, keys: readonly string[] | undefined): EditResult {
  const out = new Map(sd);
  const changed: string[] = [], skipped: { key: string; reason: string }[] = [];
  if (keys === undefined) {
    for (const [key, v] of sd) {
      if (!(v instanceof Tensor)) skipped.push({ key, reason: `dtype ${v.dtype} is kept as stored` });
      else if (!isFloating(v.dtype)) skipped.push({ key, reason: `${v.dtype} is not a floating-point dtype` });
      else if (v.dtype !== dtype) { out.set(key, v.type(dtype)); changed.push(key); }
    }
    return { stateDict: out, changed, skipped };
  }
  for (const key of keys) {
    const t = engineTensor(sd, key, 'convertDtype');
    if (t.dtype !== dtype) { out.set(key, t.type(dtype)); changed.push(key); }
  }
  return { stateDict: out, changed, skipped };
}

/** Applies one edit; the given map and its tensors are left as they were. */
export function applyEdit(sd: EditableStateDict, edit: Edit): EditResult {
  switch (edit.kind) {
    case 'fill':
      return replaceValues(sd, edit.keys, 'fill', (t) => Tensor.empty(t.shape, t.dtype).fill_(edit.value));
    case 'zero':
      return replaceValues(sd, edit.keys, 'zero', (t) => Tensor.empty(t.shape, t.dtype));
    case 'scale':
      return replaceValues(sd, edit.keys, 'scale', (t, key) => {
        checkScale(t, edit.factor, key);
        const r = t.mul(edit.factor);
        return r.dtype === t.dtype ? r : r.type(t.dtype);
      });
    case 'setSlice': return setSlice(sd, edit.key, edit.index, edit.value);
    case 'renamePrefix': return renamePrefix(sd, edit.from, edit.to);
    case 'deleteKeys': return deleteKeys(sd, edit.keys);
    case 'convertDtype': return convertDtype(sd, edit.dtype, edit.keys);
    default: throw new EditError(`unknown edit kind ${JSON.stringify((edit as { kind: unknown }).kind)}`);
  }
}

const list = (keys: readonly string[]) => (keys.length <= 3 ? keys.join(', ') : `${keys.slice(0, 3).join(', ')} and ${keys.length - 3} more`);

/** One line for an undo/redo menu. */
export function describeEdit(edit: Edit): string {
  switch (edit.kind) {
    case 'fill': return `Fill ${list(edit.keys)} with ${edit.value}`;
    case 'zero': return `Zero ${list(edit.keys)}`;
    case 'scale': return `Scale ${list(edit.keys)} by ${edit.factor}`;
    case 'setSlice': return `Set ${edit.key}[${edit.index}]`;
    case 'renamePrefix':
      return edit.from === '' ? `Add prefix ${JSON.stringify(edit.to)}` : edit.to === '' ? `Strip prefix ${JSON.stringify(edit.from)}` : `Rename prefix ${JSON.stringify(edit.from)} to ${JSON.stringify(edit.to)}`;
    case 'deleteKeys': return `Delete ${list(edit.keys)}`;
    case 'convertDtype': return `Convert ${edit.keys ? list(edit.keys) : 'floating-point tensors'} to ${edit.dtype}`;
  }
}
