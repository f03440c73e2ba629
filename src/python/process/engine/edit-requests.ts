// editParameter / undoEdit / resetParameters: in-place changes to a live model in the engine process.
// Edits write into the tensor itself (never a replacement), so tied weights and views see the change as
// they would in PyTorch; each edit keeps the values it overwrote so undo restores them byte for byte.
import type {
  EditParameterParams, EditParameterResult, ResetParametersParams, ResetParametersResult, UndoEditParams, UndoEditResult,
} from '../../../protocol/engine';
import { torch } from '../../../engine';
import type { Tensor } from '../../../engine/tensor';
import { checkIndex, parseIndex, selectedShape, SliceSyntaxError, type IndexPart } from '../../../statedict/slice';
import { EngineCallError } from '../bridge';
import { handles } from './handles';
import { moduleOf } from './module-ops';
import { namedTensor, submodule } from './model-tensors';
import { onShimReset } from './shim-methods';

interface UndoEntry {
  description: string;
  tensor: Tensor;
  parts: IndexPart[];
  /** a copy of the selection before the edit */
  before: Tensor;
}

/** model handle -> its edits, oldest first */
const undoStacks = new Map<number, UndoEntry[]>();
onShimReset(() => undoStacks.clear());

/** Handles of an earlier evaluation never come back (ids are not reused): their edits can go. */
function forgetStaleModels(): void {
  for (const id of undoStacks.keys()) if (!handles.has(id)) undoStacks.delete(id);
}

function indexParts(text: string | undefined, name: string, shape: readonly number[]): IndexPart[] {
  if (text === undefined || text.trim() === '') return ['...'];
  try {
    const parts = parseIndex(text, name);
    checkIndex(parts, shape, name);
    return parts;
  } catch (error) {
    if (error instanceof SliceSyntaxError) throw new EngineCallError('IndexError', error.message);
    throw error;
  }
}

function needValue(params: EditParameterParams): number {
  if (typeof params.value !== 'number') throw new EngineCallError('ValueError', `editParameter ${params.op} needs a numeric value`);
  return params.value;
}

export function editParameter(params: EditParameterParams): EditParameterResult {
  const model = moduleOf(params.model);
  const tensor = namedTensor(model, params.name);
  const parts = indexParts(params.index, params.name, tensor.shape);
  const selection = tensor.index(...parts);
  const before = selection.clone();
  switch (params.op) {
    case 'zero': selection.zero_(); break;
    case 'fill':
    case 'set': selection.fill_(needValue(params)); break;
    case 'scale': selection.copy_(selection.mul(needValue(params))); break;
    default: throw new EngineCallError('ValueError', `unknown edit ${String((params as { op: unknown }).op)}: expected fill, zero, scale or set`);
  }
  const where = params.index?.trim() ? `${params.name}[${params.index.trim()}]` : params.name;
  const description = params.op === 'zero' ? `zero ${where}` : params.op === 'scale' ? `scale ${where} by ${params.value}` : `${where} = ${params.value}`;
  forgetStaleModels();
  const stack = undoStacks.get(params.model) ?? [];
  stack.push({ description, tensor, parts, before });
  undoStacks.set(params.model, stack);
  return { changed: selectedShape(parts, tensor.shape).reduce((a, b) => a * b, 1) };
}

export function undoEdit(params: UndoEditParams): UndoEditResult {
  moduleOf(params.model); // a stale handle is an error, not "nothing to undo"
  const entry = undoStacks.get(params.model)?.pop();
  if (!entry) return { undone: null };
  entry.tensor.index(...entry.parts).copy_(entry.before);
  return { undone: entry.description };
}

/** PyTorch's idiom `for m in model.modules(): if hasattr(m, 'reset_parameters'): m.reset_parameters()`. */
export function resetParameters(params: ResetParametersParams): ResetParametersResult {
  const root = submodule(moduleOf(params.model), params.module);
  if (params.seed !== undefined) torch.manual_seed(params.seed);
  const reset: string[] = [];
  for (const [name, m] of root.named_modules()) {
    const method = (m as unknown as { reset_parameters?: unknown }).reset_parameters;
    if (typeof method !== 'function') continue;
    method.call(m);
    reset.push(params.module && name ? `${params.module}.${name}` : params.module || name);
  }
  return { reset };
}
