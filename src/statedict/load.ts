// Loading a state dict into a model with PyTorch's report (missing, unexpected, size mismatches, the exact
// RuntimeError text), a dry run that leaves the model alone, and help with wrappers: picking the state
// dict inside a checkpoint (`{'model': ...}`, `state_dict`) and offering to strip or add a key prefix
// such as DataParallel's `module.`.
import { Tensor } from '../engine/tensor';
import { Storage } from '../engine/storage';
import { deepcopy } from '../engine/nn/copy';
import { Module } from '../engine/nn/module';
import type { Metadata } from '../engine/nn/state-dict';
import { PyDict } from '../formats';
import type { PyValue, StateDictCandidate } from '../formats';
import { ConvertedStateDict, EditableStateDict, recordsToStateDict, UnsupportedEntry } from './convert';

export interface SizeMismatch {
  readonly key: string;
  readonly checkpoint: readonly number[];
  readonly model: readonly number[];
  /** PyTorch's line: `size mismatch for k: copying a param with shape ... the shape in current model is ....` */
  readonly message: string;
}

export interface PrefixFix {
  /** strip `prefix` from the checkpoint's keys, or add it to them */
  readonly kind: 'strip' | 'add';
  readonly prefix: string;
  /** checkpoint keys the model has, now and after the fix */
  readonly matchedBefore: number;
  readonly matchedAfter: number;
}

export interface LoadReport {
  readonly missing_keys: readonly string[];
  readonly unexpected_keys: readonly string[];
  readonly size_mismatches: readonly SizeMismatch[];
  /** the RuntimeError load_state_dict raises (raised / would raise), or null */
  readonly error: string | null;
  /** repr of the returned NamedTuple, e.g. `<All keys matched successfully>`; null when it raised */
  readonly repr: string | null;
  /** whether tensors were written into the model (PyTorch copies matching entries even when it then raises) */
  readonly loaded: boolean;
  /** entries of dtypes the engine lacks; they are not passed to the model */
  readonly unsupported: readonly UnsupportedEntry[];
  /** a prefix change that would match more keys, when one exists and none was applied */
  readonly suggestion?: PrefixFix;
  /** the prefix change that was applied */
  readonly applied?: PrefixFix;
}

export interface LoadOptions {
  strict?: boolean;
  assign?: boolean;
  /** state_dict()._metadata (prefix -> {version}); taken from `sd._metadata` when absent */
  metadata?: Metadata;
  /** apply a prefix change before loading (usually a report's `suggestion`) */
  prefix?: Pick<PrefixFix, 'kind' | 'prefix'>;
}

const sizeRepr = (s: readonly number[]) => `torch.Size([${s.join(', ')}])`;

/** torch's `_metadata` as unpickled (a dict of dicts) in the form nn's load_state_dict reads. */
export function metadataFromPy(value: PyValue | undefined): Metadata | undefined {
  if (!(value instanceof PyDict)) return undefined;
  const out: Metadata = new Map();
  for (const [k, v] of value) {
    if (typeof k !== 'string' || !(v instanceof PyDict)) continue;
    out.set(k, Object.fromEntries([...v].filter(([kk]) => typeof kk === 'string').map(([kk, vv]) => [kk as string, typeof vv === 'bigint' ? Number(vv) : vv])));
  }
  return out;
}

function withMetadata<T extends Map<string, Tensor>>(tensors: T, sd: ReadonlyMap<string, unknown>, options: LoadOptions): T {
  const metadata = options.metadata ?? (sd as { _metadata?: Metadata })._metadata;
  if (metadata) (tensors as unknown as { _metadata?: Metadata })._metadata = metadata;
  return tensors;
}

function engineEntries(sd: ReadonlyMap<string, unknown>): { tensors: Map<string, Tensor>; unsupported: UnsupportedEntry[] } {
  const tensors = new Map<string, Tensor>(), unsupported: UnsupportedEntry[] = [];
  for (const [key, v] of sd) {
    if (v instanceof Tensor) tensors.set(key, v);
    else {
      const r = v as { dtype: string; shape: readonly number[] };
      unsupported.push({ key, dtype: r.dtype, shape: [...r.shape] });
    }
  }
  return { tensors, unsupported };
}

export function applyPrefix<T>(sd: ReadonlyMap<string, T>, fix: Pick<PrefixFix, 'kind' | 'prefix'>): Map<string, T> {
  const out = new Map<string, T>();
  for (const [k, v] of sd) {
    const key = fix.kind === 'add' ? fix.prefix + k : k.startsWith(fix.prefix) ? k.slice(fix.prefix.length) : k;
    if (out.has(key)) throw new Error(`changing the prefix ${JSON.stringify(fix.prefix)} makes two keys ${JSON.stringify(key)}`);
    out.set(key, v);
  }
  return out;
}

function countMatches(modelKeys: ReadonlySet<string>, keys: Iterable<string>): number {
  let n = 0;
  for (const k of keys) if (modelKeys.has(k)) n++;
  return n;
}

/** Leading dotted segments (up to 3) shared by every key, longest last: ['module.', 'module.encoder.'] */
function sharedPrefixes(keys: readonly string[]): string[] {
  if (keys.length === 0) return [];
  const out: string[] = [];
  const first = keys[0].split('.');
  for (let n = 1; n <= Math.min(3, first.length - 1); n++) {
    const p = first.slice(0, n).join('.') + '.';
    if (keys.every((k) => k.startsWith(p))) out.push(p);
    else break;
  }
  return out;
}

/** A key prefix to strip from (or add to) the checkpoint that makes more of its keys match the model's. */
export function suggestPrefix(modelKeys: readonly string[], checkpointKeys: readonly string[]): PrefixFix | undefined {
  const model = new Set(modelKeys);
  const before = countMatches(model, checkpointKeys);
  let best: PrefixFix | undefined;
  const consider = (kind: 'strip' | 'add', prefix: string) => {
    const keys = checkpointKeys.map((k) => (kind === 'add' ? prefix + k : k.slice(prefix.length)));
    const after = countMatches(model, keys);
    if (after > before && (!best || after > best.matchedAfter)) best = { kind, prefix, matchedBefore: before, matchedAfter: after };
  };
  for (const p of sharedPrefixes(checkpointKeys)) consider('strip', p);
  for (const p of sharedPrefixes(modelKeys)) consider('add', p);
  return best;
}

/**
 * The model with every storage replaced by an unallocated one, so loading into it (with assign) runs the
 * real load_state_dict, hooks and overrides included, without touching or copying the model's weights.
 */
function hollowCopy(model: Module): Module {
  const memo = new Map<unknown, unknown>();
  const seed = (t: Tensor | null) => { if (t && !memo.has(t.storage)) memo.set(t.storage, Storage.lazy(t.dtype, t.storage.length, () => {})); };
  for (const m of model.modules()) {
    for (const p of m._parameters.values()) seed(p);
    for (const b of m._buffers.values()) seed(b);
    // plain tensor attributes too, such as the `weight` a pruned module computes from weight_orig
    for (const key of Reflect.ownKeys(m)) {
      const v = Reflect.get(m, key);
      if (v instanceof Tensor) seed(v);
    }
  }
  return deepcopy(model, memo);
}

function sizeMismatches(model: Module, sd: ReadonlyMap<string, Tensor>): SizeMismatch[] {
  const out: SizeMismatch[] = [];
  for (const [key, param] of model.state_dict()) {
    const given = sd.get(key);
    if (!(given instanceof Tensor)) continue;
    // checkpoints from before 0-d tensors stored scalars as shape [1]
    const shape = param.ndim === 0 && given.ndim === 1 ? given.shape.slice(1) : given.shape;
    if (shape.length === param.ndim && shape.every((d, i) => d === param.shape[i])) continue;
    out.push({
      key, checkpoint: [...shape], model: [...param.shape],
      message: `size mismatch for ${key}: copying a param with shape ${sizeRepr(shape)} from checkpoint, the shape in current model is ${sizeRepr(param.shape)}.`,
    });
  }
  return out;
}

function predictedError(model: Module, strict: boolean, missing: readonly string[], unexpected: readonly string[], mismatches: readonly SizeMismatch[]): string | null {
  const msgs = mismatches.map((m) => m.message);
  if (strict) {
    if (unexpected.length) msgs.unshift(`Unexpected key(s) in state_dict: ${unexpected.map((k) => `"${k}"`).join(', ')}. `);
    if (missing.length) msgs.unshift(`Missing key(s) in state_dict: ${missing.map((k) => `"${k}"`).join(', ')}. `);
  }
  return msgs.length ? `Error(s) in loading state_dict for ${model.constructor.name}:\n\t${msgs.join('\n\t')}` : null;
}

function keysRepr(missing: readonly string[], unexpected: readonly string[]): string {
  if (!missing.length && !unexpected.length) return '<All keys matched successfully>';
  const list = (keys: readonly string[]) => `[${keys.map((k) => `'${k}'`).join(', ')}]`;
  return `_IncompatibleKeys(missing_keys=${list(missing)}, unexpected_keys=${list(unexpected)})`;
}

/** What load_state_dict(sd, strict) would report and raise, computed without changing the model. */
export function checkStateDict(model: Module, sd: ReadonlyMap<string, unknown>, options: LoadOptions = {}): LoadReport {
  const strict = options.strict ?? true;
  const { tensors: raw, unsupported } = engineEntries(sd);
  const tensors = options.prefix ? applyPrefix(raw, options.prefix) : raw;
  const mismatches = sizeMismatches(model, tensors);
  // stand-ins of the model's shapes keep size mismatches from hiding the key lists
  const expected = model.state_dict();
  const patched = new Map(tensors);
  for (const m of mismatches) {
    const p = expected.get(m.key) as Tensor;
    patched.set(m.key, Tensor.lazy(p.shape, p.dtype, () => {}));
  }
  const result = hollowCopy(model).load_state_dict(withMetadata(patched, sd, options), { strict: false, assign: true });
  const missing = [...result.missing_keys], unexpected = [...result.unexpected_keys];
  const error = predictedError(model, strict, missing, unexpected, mismatches);
  const modelKeys = [...expected.keys()];
  const suggestion = options.prefix ? undefined : suggestPrefix(modelKeys, [...tensors.keys()]);
  const applied = options.prefix ? { ...options.prefix, matchedBefore: countMatches(new Set(modelKeys), raw.keys()), matchedAfter: countMatches(new Set(modelKeys), tensors.keys()) } : undefined;
  return {
    missing_keys: missing, unexpected_keys: unexpected, size_mismatches: mismatches, error,
    repr: error ? null : keysRepr(missing, unexpected), loaded: false, unsupported,
    ...(suggestion ? { suggestion } : {}), ...(applied ? { applied } : {}),
  };
}

/** model.load_state_dict(sd, strict) with the full report; the model is changed as PyTorch would change it. */
export function loadIntoModel(model: Module, sd: ReadonlyMap<string, unknown>, options: LoadOptions = {}): LoadReport {
  const check = checkStateDict(model, sd, options);
  const { tensors: raw } = engineEntries(sd);
  const tensors = options.prefix ? applyPrefix(raw, options.prefix) : raw;
  try {
    const result = model.load_state_dict(withMetadata(tensors, sd, options), { strict: options.strict ?? true, assign: options.assign ?? false });
    return { ...check, missing_keys: [...result.missing_keys], unexpected_keys: [...result.unexpected_keys], error: null, repr: String(result), loaded: true };
  } catch (e) {
    // like PyTorch, entries that matched were already copied when the error is raised
    return { ...check, error: (e as Error).message, repr: null, loaded: true };
  }
}

export interface ChosenStateDict {
  readonly candidate: StateDictCandidate;
  readonly converted: ConvertedStateDict;
  /** the candidate's `_metadata`, ready for LoadOptions.metadata */
  readonly metadata?: Metadata;
  /** candidates that were not chosen, most likely first */
  readonly others: readonly StateDictCandidate[];
  readonly suggestion?: PrefixFix;
}

/**
 * Picks the state dict inside a checkpoint: with a model, the candidate (from the formats layer's list of
 * `{'model': ...}`, `state_dict`, nested dicts) whose keys match it best, counting a prefix fix; without
 * one, the formats layer's first choice.
 */
export function chooseStateDict(candidates: readonly StateDictCandidate[], model?: Module): ChosenStateDict | undefined {
  if (candidates.length === 0) return undefined;
  let best = 0, bestScore = -1;
  let suggestion: PrefixFix | undefined;
  if (model) {
    const modelKeys = [...model.state_dict().keys()];
    const set = new Set(modelKeys);
    candidates.forEach((c, i) => {
      const keys = [...c.tensors.keys()];
      const fix = suggestPrefix(modelKeys, keys);
      const score = fix ? fix.matchedAfter : countMatches(set, keys);
      if (score > bestScore) { best = i; bestScore = score; suggestion = fix; }
    });
  }
  const candidate = candidates[best];
  return {
    candidate, converted: recordsToStateDict(candidate.tensors), others: candidates.filter((_, i) => i !== best),
    metadata: metadataFromPy(candidate.metadata), ...(suggestion ? { suggestion } : {}),
  };
}

export type { EditableStateDict };
