// What load_state_dict would report for a checkpoint against a built model, from keys and shapes alone:
// missing and unexpected keys, size mismatches with PyTorch's messages, and the RuntimeError text strict
// loading raises. The values are loaded by the engine; this check needs nothing but the model's state_dict().
import { suggestPrefix, type PrefixFix } from '../../statedict/load';
import type { TensorRecord } from './engine-api';

export interface KeyCheck {
  missing_keys: string[];
  unexpected_keys: string[];
  size_mismatches: Array<{ key: string; checkpoint: number[]; model: number[]; message: string }>;
  /** the RuntimeError strict loading raises, or null */
  error: string | null;
  suggestion?: PrefixFix;
}

const size = (s: readonly number[]) => `torch.Size([${s.join(', ')}])`;

export function checkKeys(modelType: string, model: readonly TensorRecord[], checkpoint: ReadonlyMap<string, { shape: readonly number[] }>, strict = true): KeyCheck {
  const own = new Map(model.map((t) => [t.name, t]));
  const missing = model.filter((t) => !checkpoint.has(t.name)).map((t) => t.name);
  const unexpected = [...checkpoint.keys()].filter((k) => !own.has(k));
  const size_mismatches: KeyCheck['size_mismatches'] = [];
  for (const [key, t] of own) {
    const given = checkpoint.get(key);
    if (!given) continue;
    // checkpoints from before 0-d tensors stored scalars as shape [1]
    const shape = t.shape.length === 0 && given.shape.length === 1 ? [] : [...given.shape];
    if (shape.length === t.shape.length && shape.every((d, i) => d === t.shape[i])) continue;
    size_mismatches.push({ key, checkpoint: shape, model: [...t.shape],
      message: `size mismatch for ${key}: copying a param with shape ${size(shape)} from checkpoint, the shape in current model is ${size(t.shape)}.` });
  }
  const msgs = size_mismatches.map((m) => m.message);
  if (strict) {
    if (unexpected.length) msgs.unshift(`Unexpected key(s) in state_dict: ${unexpected.map((k) => `"${k}"`).join(', ')}. `);
    if (missing.length) msgs.unshift(`Missing key(s) in state_dict: ${missing.map((k) => `"${k}"`).join(', ')}. `);
  }
  const suggestion = missing.length || unexpected.length ? suggestPrefix(model.map((t) => t.name), [...checkpoint.keys()]) : undefined;
  return {
    missing_keys: missing, unexpected_keys: unexpected, size_mismatches,
    error: msgs.length ? `Error(s) in loading state_dict for ${modelType}:\n\t${msgs.join('\n\t')}` : null,
    ...(suggestion ? { suggestion } : {}),
  };
}

/** Keys with a prefix stripped or added (DataParallel's `module.`). */
export function withPrefix<T>(entries: ReadonlyMap<string, T>, fix: { kind: 'strip' | 'add'; prefix: string }): Map<string, T> {
  const out = new Map<string, T>();
  for (const [k, v] of entries) {
    if (fix.kind === 'add') out.set(fix.prefix + k, v);
    else out.set(k.startsWith(fix.prefix) ? k.slice(fix.prefix.length) : k, v);
  }
  return out;
}
