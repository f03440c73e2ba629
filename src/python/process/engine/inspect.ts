// inspect and tensorPage: what the CLI's `inspect --json` and the inspector show, read from the engine's
// module tree (the same lists PyTorch's named_*() and state_dict() give, in PyTorch's order).
import type {
  EngineDType, InspectResult, LoadStateDictParams, LoadStateDictResult, ModuleSummary, SourceLocation, TensorPage, TensorPageParams,
} from '../../../protocol/engine';
import { loadIntoModel } from '../../../statedict/load';
import type { Module } from '../../../engine/nn';
import { Tensor } from '../../../engine/tensor';
import { moduleMeta } from './handles';
import { moduleOf } from './module-ops';
import { namedTensor } from './model-tensors';
import { tensorBytes, tensorFromBytes } from './tensor-ops';

function paramCount(m: Module): number {
  let n = 0;
  for (const p of m.parameters()) n += p.numel();
  return n;
}

function where(loc: SourceLocation | undefined): SourceLocation | undefined {
  return loc ? { file: loc.file, line: loc.line, ...(loc.column !== undefined ? { column: loc.column } : {}) } : undefined;
}

function persistentBuffers(m: Module): Map<Tensor, boolean> {
  const persistent = new Map<Tensor, boolean>();
  for (const owner of m.modules())
    for (const [name, b] of owner._buffers) if (b !== null && !persistent.has(b)) persistent.set(b, !owner._non_persistent_buffers_set.has(name));
  return persistent;
}

/** `definition`: where the entry is defined, the root's source when no workspace line constructed it. */
export function inspectModel(model: number, entry: string, stubbedImports: string[], definition?: SourceLocation): InspectResult {
  const m = moduleOf(model);
  const modules: ModuleSummary[] = [...m.named_modules()].map(([name, mod]) => {
    const meta = moduleMeta(mod);
    const source = where(meta?.created ?? (mod === m ? definition : undefined)), assigned = where(meta?.assigned);
    return { name, type: mod._get_name(), params: paramCount(mod), ...(source ? { source } : {}), ...(assigned ? { assigned } : {}) };
  });
  const parameters = [...m.named_parameters()].map(([name, p]) => ({ name, shape: [...p.shape], dtype: p.dtype as EngineDType, requiresGrad: p.requires_grad }));
  const persistent = persistentBuffers(m);
  const buffers = [...m.named_buffers()].map(([name, b]) => ({ name, shape: [...b.shape], dtype: b.dtype as EngineDType, persistent: persistent.get(b) ?? true }));
  const stateDict = [...m.state_dict()].map(([key, t]) => ({ key, shape: [...t.shape], dtype: t.dtype as EngineDType }));
  const params = [...m.parameters()];
  return {
    entry,
    repr: String(m),
    modules,
    children: [...m.named_children()].map(([name]) => name),
    parameters,
    buffers,
    stateDict,
    totalParams: params.reduce((s, p) => s + p.numel(), 0),
    trainableParams: params.filter((p) => p.requires_grad).reduce((s, p) => s + p.numel(), 0),
    stubbedImports,
  };
}

/** Elements [offset, offset + count) of a parameter or buffer (int64 as 64-bit integers, see TensorPage). */
export function tensorPage(params: TensorPageParams): TensorPage {
  const m = moduleOf(params.model);
  const tensor = namedTensor(m, params.name);
  const total = tensor.numel();
  const offset = Math.max(0, Math.min(Math.floor(params.offset), total));
  const count = Math.max(0, Math.min(Math.floor(params.count), total - offset));
  const data = tensorBytes(tensor, offset, count);
  return { dtype: tensor.dtype as EngineDType, shape: [...tensor.shape], offset, data };
}

/** load_state_dict with PyTorch's report; the statedict layer adds size mismatches and prefix suggestions. */
export function loadStateDict(params: LoadStateDictParams): LoadStateDictResult {
  const m = moduleOf(params.model);
  const tensors = new Map(params.tensors.map(([key, page]) => [key, tensorFromBytes(new Uint8Array(page.data), page.dtype, page.shape)]));
  return loadIntoModel(m, tensors, { strict: params.strict ?? true, assign: params.assign ?? false }) as unknown as LoadStateDictResult;
}
