import { FormatError, quote } from './errors';
import { PyDict, PyValue, isTuple } from './py-values';
import { TensorEntry } from './tensor-data';
import { TorchTensor } from './torch-pickle';

/**
 * Finding "the state dict inside" a checkpoint: a bare state dict, `{'model': sd, 'optimizer': ...,
 * 'epoch': 3}`, `{'state_dict': sd}`, nested dicts of tensors (flattened with dots), and DataParallel's
 * `module.` prefix. A UI offers the candidates in the order returned, most likely first.
 */
export interface StateDictCandidate {
  /** keys leading to the dict; [] is the top level */
  readonly path: readonly (string | number)[];
  /** the same as a Python expression, e.g. `checkpoint['model']` */
  readonly label: string;
  /** tensors in file order; nested dicts are flattened to dotted keys */
  readonly tensors: Map<string, TensorEntry>;
  readonly nested: boolean;
  /** `module.` when every key carries DataParallel's prefix (see `stripPrefix`) */
  readonly modulePrefix?: string;
  /** the `_metadata` attribute torch's state_dict() carries (per-module versions) */
  readonly metadata?: PyValue;
  /** non-tensor entries skipped, such as `_extra_state` */
  readonly skippedKeys: readonly string[];
}

const PREFERRED = ['state_dict', 'model_state_dict', 'model', 'net', 'network', 'module', 'ema', 'model_ema', 'weights', 'params'];
const SECONDARY = /optim|scheduler|scaler|momentum/i;
const MAX_DEPTH = 32;
const MAX_VISITS = 1_000_000;

function pyRepr(key: string | number): string {
  return typeof key === 'number' ? String(key) : `'${key.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function candidateLabel(path: readonly (string | number)[]): string {
  return `checkpoint${path.map((k) => `[${pyRepr(k)}]`).join('')}`;
}

/**
 * Flattens a dict whose leaves are all tensors; undefined when it is not such a dict. A dict seen twice
 * (shared or cyclic, which real state dicts never are) disqualifies the tree, which also bounds the work.
 */
function tensorTree(dict: PyDict, depth: number, seen = new Set<PyDict>()): { tensors: Map<string, TensorEntry>; nested: boolean; skipped: string[] } | undefined {
  if (seen.has(dict)) return undefined;
  seen.add(dict);
  const tensors = new Map<string, TensorEntry>();
  const skipped: string[] = [];
  const scalars: string[] = [];
  let nested = false;
  for (const [key, value] of dict) {
    if (typeof key !== 'string') return undefined;
    if (value instanceof TorchTensor) {
      tensors.set(key, value);
    } else if (value instanceof PyDict && value.size > 0 && depth < MAX_DEPTH) {
      const inner = tensorTree(value, depth + 1, seen);
      if (!inner) return undefined;
      nested = true;
      for (const [k, t] of inner.tensors) tensors.set(`${key}.${k}`, t);
      skipped.push(...inner.skipped.map((k) => `${key}.${k}`));
    } else if (key.endsWith('_extra_state')) {
      skipped.push(key);
    } else if (value === null || typeof value !== 'object') {
      scalars.push(key); // {'weight': t, 'step': 10}; but {'model': sd, 'epoch': 3} is a wrapper, not a tree
    } else {
      return undefined;
    }
  }
  if (scalars.length && (nested || depth > 0)) return undefined;
  return tensors.size > 0 ? { tensors, nested, skipped: [...skipped, ...scalars] } : undefined;
}

function rank(c: StateDictCandidate): number[] {
  const last = c.path[c.path.length - 1];
  const preferred = typeof last === 'string' ? PREFERRED.indexOf(last.toLowerCase()) : -1;
  const secondary = c.path.some((k) => typeof k === 'string' && SECONDARY.test(k)) ? 1 : 0;
  return [secondary, preferred < 0 ? PREFERRED.length : preferred, -c.tensors.size, c.path.length];
}

export function findStateDicts(root: PyValue): StateDictCandidate[] {
  const found: StateDictCandidate[] = [];
  const visited = new Set<object>();
  const pending: { value: PyValue; path: (string | number)[] }[] = [{ value: root, path: [] }];
  while (pending.length && visited.size < MAX_VISITS) {
    const { value, path } = pending.pop() as { value: PyValue; path: (string | number)[] };
    if (typeof value !== 'object' || value === null || visited.has(value) || path.length > MAX_DEPTH) continue;
    visited.add(value);
    if (value instanceof PyDict) {
      const tree = tensorTree(value, 0);
      if (tree) {
        const keys = [...tree.tensors.keys()];
        found.push({
          path, label: candidateLabel(path), tensors: tree.tensors, nested: tree.nested, skippedKeys: tree.skipped,
          modulePrefix: keys.every((k) => k.startsWith('module.')) ? 'module.' : undefined,
          metadata: value.attributes?.get('_metadata'),
        });
        continue;
      }
      const children = [...value].filter(([k]) => typeof k === 'string' || typeof k === 'number');
      for (let i = children.length - 1; i >= 0; i--) {
        pending.push({ value: children[i][1], path: [...path, children[i][0] as string | number] });
      }
    } else if (Array.isArray(value) || isTuple(value)) {
      for (let i = value.length - 1; i >= 0; i--) pending.push({ value: value[i], path: [...path, i] });
    }
  }
  return found
    .map((c, order) => ({ c, order, r: rank(c) }))
    .sort((a, b) => {
      for (let i = 0; i < a.r.length; i++) if (a.r[i] !== b.r[i]) return a.r[i] - b.r[i];
      return a.order - b.order;
    })
    .map((x) => x.c);
}

/** Keys without `prefix` (such as DataParallel's `module.`), in the same order. */
export function stripPrefix<T>(tensors: Map<string, T>, prefix: string): Map<string, T> {
  const out = new Map<string, T>();
  for (const [key, value] of tensors) {
    const stripped = key.startsWith(prefix) ? key.slice(prefix.length) : key;
    if (out.has(stripped)) {
      throw new FormatError('DuplicateKey', `removing ${quote(prefix)} makes two keys ${quote(stripped)}`, { key: stripped });
    }
    out.set(stripped, value);
  }
  return out;
}
