// The dry run behind "Match with model…": what `model.load_state_dict(checkpoint)` would report, computed from
// keys and shapes alone. The model lives in the engine process; here it is rebuilt as a skeleton (its module
// tree and state_dict entries as unallocated tensors) so `checkStateDict` runs the engine's own
// load_state_dict logic on it: PyTorch's key order, its unexpected-key rule per submodule and its messages.
import { isDType, type DType } from '../../engine/dtype';
import { Module } from '../../engine/nn/module';
import { Parameter } from '../../engine/nn/parameter';
import type { Metadata, StateDict } from '../../engine/nn/state-dict';
import { Tensor } from '../../engine/tensor';
import type { TensorEntry } from '../../formats';
import type { CheckpointMatch, KeyPrefixFix } from '../../protocol/inspector';
import { applyPrefix, checkStateDict } from '../../statedict/load';
import type { InspectAnswer } from '../engine/engine-api';

const unallocated = (shape: readonly number[], dtype: DType) => Tensor.lazy(shape, dtype, () => {});
const engineDType = (dtype: string): DType => (isDType(dtype) ? dtype : 'float32');

/** BatchNorm fills in a missing num_batches_tracked for checkpoints older than its version 2 (and safetensors). */
const ADDS_BATCHES_TRACKED = /^(Sync|Lazy)?BatchNorm[123]?d?$/;

function moduleClass(type: string, cache: Map<string, typeof Module>): typeof Module {
  let cls = cache.get(type);
  if (cls) return cls;
  // a class of the model's own name: the error text says "for Net"
  cls = { [type]: class extends Module {} }[type];
  if (ADDS_BATCHES_TRACKED.test(type)) {
    cls.prototype._load_from_state_dict = function (this: Module, sd: StateDict, prefix: string, meta: Record<string, unknown>, ...rest) {
      const version = meta.version as number | undefined;
      const key = `${prefix}num_batches_tracked`;
      if ((version === undefined || version === null || version < 2) && this._buffers.has('num_batches_tracked') && !sd.has(key)) {
        sd.set(key, unallocated([], 'int64'));
      }
      Module.prototype._load_from_state_dict.call(this, sd, prefix, meta, ...rest);
    } as Module['_load_from_state_dict'];
  }
  cache.set(type, cls);
  return cls;
}

/** The model's module tree with its state_dict entries (parameters and persistent buffers), without values. */
export function skeletonOf(answer: InspectAnswer): Module {
  const classes = new Map<string, typeof Module>();
  const rootType = answer.modules.find((m) => m.name === '')?.type ?? answer.entry;
  const root = new (moduleClass(rootType, classes))();
  const byName = new Map<string, Module>([['', root]]);
  const owner = (qualified: string): [Module, string] => {
    const dot = qualified.lastIndexOf('.');
    const parent = dot < 0 ? '' : qualified.slice(0, dot);
    let module = byName.get(parent);
    if (!module) { // a state entry under a module inspect did not list: make the path exist
      const [grand, leaf] = owner(parent);
      module = new (moduleClass('Module', classes))();
      grand.add_module(leaf, module);
      byName.set(parent, module);
    }
    return [module, qualified.slice(dot + 1)];
  };
  for (const record of answer.modules) {
    if (record.name === '' || byName.has(record.name)) continue;
    const [parent, leaf] = owner(record.name);
    const module = new (moduleClass(record.type, classes))();
    parent.add_module(leaf, module);
    byName.set(record.name, module);
  }
  const parameters = new Set(answer.parameters.map((p) => p.name));
  for (const entry of answer.stateDict) {
    const [module, leaf] = owner(entry.name);
    const tensor = unallocated(entry.shape, engineDType(entry.dtype));
    if (module._parameters.has(leaf) || module._buffers.has(leaf)) continue; // a tied entry seen under this name
    if (parameters.has(entry.name)) module.register_parameter(leaf, new Parameter(tensor));
    else module.register_buffer(leaf, tensor);
  }
  return root;
}

/** Where a model comes from, as the viewer names it. */
export interface MatchTarget {
  id: string;
  label: string;
  answer: InspectAnswer;
}

/**
 * The report for strict loading of `tensors` (keys as the viewer shows them) into the model, with `prefix`
 * applied to the checkpoint's keys first. Only keys and shapes are read.
 */
export function matchCheckpoint(target: MatchTarget, tensors: ReadonlyMap<string, TensorEntry>, metadata: Metadata | undefined,
  prefix?: Pick<KeyPrefixFix, 'kind' | 'prefix'>): CheckpointMatch {
  const model = skeletonOf(target.answer);
  const modelDTypes = new Map(target.answer.stateDict.map((t) => [t.name, engineDType(t.dtype)]));
  const shownKeys = [...tensors.keys()];
  const renamed = prefix ? applyPrefix(tensors, prefix) : new Map(tensors);
  const shownKeyOf = new Map([...renamed.keys()].map((k, i) => [k, shownKeys[i]]));
  // shapes from the file; dtypes do not matter to the report (loading copies with conversion)
  const stand = new Map<string, Tensor>();
  for (const [key, entry] of renamed) stand.set(key, unallocated(entry.shape, modelDTypes.get(key) ?? engineDType(entry.dtype)));
  const report = checkStateDict(model, stand, { strict: true, ...(metadata ? { metadata } : {}) });
  const unexpected = new Set(report.unexpected_keys);
  const mismatched = new Set(report.size_mismatches.map((m) => m.key));
  const modelKeys = new Set(modelDTypes.keys());
  const shown = (key: string) => shownKeyOf.get(key) ?? key;
  return {
    modelId: target.id, model: target.label, modelType: model.constructor.name,
    ...(prefix ? { applied: { kind: prefix.kind, prefix: prefix.prefix } } : {}),
    ...(report.suggestion ? { suggestion: { ...report.suggestion } } : {}),
    matched: [...renamed.keys()].filter((k) => modelKeys.has(k) && !mismatched.has(k) && !unexpected.has(k)).map(shown),
    missing: report.missing_keys.map((key) => ({ key, shape: [...(target.answer.stateDict.find((t) => t.name === key)?.shape ?? [])] })),
    unexpected: report.unexpected_keys.map(shown),
    sizeMismatches: report.size_mismatches.map((m) => ({ key: shown(m.key), modelKey: m.key, checkpoint: [...m.checkpoint], model: [...m.model], message: m.message })),
    error: report.error,
    repr: report.repr,
  };
}

/** The `_metadata` of a state dict with a prefix stripped from its module paths, as the keys were. */
export function strippedMetadata(metadata: Metadata | undefined, prefix: string | undefined): Metadata | undefined {
  if (!metadata || !prefix) return metadata;
  const bare = prefix.replace(/\.$/, '');
  const out: Metadata = new Map();
  for (const [path, value] of metadata) {
    if (path === bare) out.set('', value);
    else out.set(path.startsWith(prefix) ? path.slice(prefix.length) : path, value);
  }
  return out;
}
