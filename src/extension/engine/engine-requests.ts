// The engine requests the extension sends, in one place: the only file that knows their wire shapes.
// An engine process that does not answer a request (an older bundle) fails with "not available yet: needs
// engine request X".
import type {
  EditParameterParams, EditParameterResult, ForwardResult, InspectResult, InstantiateResult, ListEntriesResult, LoadStateDictResult,
  ModuleTensor, PruneParams, PruneResult, RemovePruningResult, ResetParametersResult, TensorPage, UndoEditResult,
} from '../../protocol/engine';
import { EngineRequestError } from '../../python/host/engine-client';
import type { EngineRequestOptions, EngineService } from './engine-service';
import { notAvailable, type ForwardAnswer, type ForwardInput, type InspectAnswer, type ListEntriesAnswer } from './engine-api';

/**
 * A model instance inside the engine process. Valid while the process lives (`generation`) and until the
 * next evaluation (`evaluation`): evaluating any file invalidates the handles of earlier ones.
 */
export interface ModelHandle {
  handle: number;
  generation: number;
  evaluation: number;
}

/** Turns the engine's NotImplemented answer into the message the UI shows. */
async function orMissing<T>(request: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof EngineRequestError && (error.code === 'NotImplemented' || error.code === 'BadRequest' && /unknown|kind/i.test(error.message))) {
      throw notAvailable(request);
    }
    throw error;
  }
}

export class EngineRequests {
  /** Counts evaluations in the current process; a handle from an earlier one is stale. */
  private evaluations = 0;
  private evaluationGeneration = -1;

  constructor(readonly service: EngineService) {}

  /** The number of the evaluation a request starting now belongs to. */
  private nextEvaluation(): number {
    if (this.evaluationGeneration !== this.service.generation) { this.evaluationGeneration = this.service.generation; this.evaluations = 0; }
    return ++this.evaluations;
  }

  /** Whether a handle still names a model in the engine. */
  isLive(h: ModelHandle): boolean {
    return h.generation === this.service.generation && h.evaluation === this.evaluations && this.evaluationGeneration === h.generation;
  }

  async listEntries(files: Record<string, string>, entryFile: string, options: EngineRequestOptions = {}): Promise<ListEntriesAnswer> {
    this.nextEvaluation();
    const r = await orMissing('listEntries', () => this.service.request<ListEntriesResult>('listEntries', { files, entryFile }, { title: `evaluating ${entryFile}`, ...options }));
    return { entries: r.entries, stubbedImports: r.stubbedImports ?? [] };
  }

  async instantiate(files: Record<string, string>, entryFile: string, entry: string, kwargs: Record<string, unknown>,
    options: EngineRequestOptions = {}): Promise<ModelHandle> {
    const evaluation = this.nextEvaluation();
    const generation = this.service.generation;
    const answer = await orMissing('instantiate', () => this.service.request<InstantiateResult>('instantiate',
      { files, entryFile, entry, kwargs }, { title: `building ${entry}`, ...options }));
    if (typeof answer.handle !== 'number') throw new Error('the engine answered instantiate without a model handle');
    return { handle: answer.handle, generation, evaluation };
  }

  async inspect(model: ModelHandle, options: EngineRequestOptions = {}): Promise<InspectAnswer> {
    const r = await orMissing('inspect', () => this.service.request<InspectResult>('inspect', { model: model.handle }, { title: 'inspecting', ...options }));
    return {
      entry: r.entry, repr: r.repr, children: r.children, totalParams: r.totalParams, trainableParams: r.trainableParams,
      modules: r.modules, parameters: r.parameters, buffers: r.buffers,
      stateDict: r.stateDict.map((t) => ({ name: t.key, shape: t.shape, dtype: t.dtype })),
      stubbedImports: r.stubbedImports ?? [],
    };
  }

  async forward(model: ModelHandle, input: ForwardInput, options: EngineRequestOptions = {}): Promise<ForwardAnswer> {
    const r = await orMissing('forward', () => this.service.request<ForwardResult>('forward', { model: model.handle, input }, { title: 'forward pass', ...options }));
    return { output: { shape: r.output.shape, dtype: r.output.dtype }, layers: r.layers, ms: r.ms };
  }

  /** Raw values (the engine's storage layout) of a state-dict entry of a model, from element `offset`. */
  tensorPage(model: ModelHandle, name: string, offset: number, count: number, options: EngineRequestOptions = {}): Promise<TensorPage> {
    return orMissing('tensorPage', () => this.service.request<TensorPage>('tensorPage', { model: model.handle, name, offset, count }, { title: `reading ${name}`, ...options }));
  }

  /** load_state_dict in the engine; tensors as little-endian bytes in the formats' layout (int64 as 64-bit integers). */
  loadStateDict(model: ModelHandle, tensors: Array<{ key: string; dtype: string; shape: number[]; data: ArrayBuffer }>, strict: boolean,
    options: EngineRequestOptions = {}): Promise<LoadStateDictResult> {
    const pages = tensors.map((t) => [t.key, { dtype: t.dtype, shape: t.shape, offset: 0, data: t.data }]);
    return orMissing('loadStateDict', () => this.service.request<LoadStateDictResult>('loadStateDict', { model: model.handle, tensors: pages, strict },
      { title: 'loading the state dict', ...options }));
  }

  /** In-place edit of a parameter or buffer (`index`: Python index text such as `0, :, 1:3`); undoable. */
  editParameter(model: ModelHandle, edit: Omit<EditParameterParams, 'model'>, options: EngineRequestOptions = {}): Promise<EditParameterResult> {
    return orMissing('editParameter', () => this.service.request<EditParameterResult>('editParameter', { model: model.handle, ...edit },
      { title: `editing ${edit.name}`, ...options }));
  }

  /** Undoes the model's most recent edit; `undone` is null when there was none. */
  undoEdit(model: ModelHandle, options: EngineRequestOptions = {}): Promise<UndoEditResult> {
    return orMissing('undoEdit', () => this.service.request<UndoEditResult>('undoEdit', { model: model.handle }, { title: 'undo', ...options }));
  }

  /** torch.nn.utils.prune on the model in the engine; `amount` keeps Python's int/float distinction. */
  prune(model: ModelHandle, spec: Omit<PruneParams, 'model'>, options: EngineRequestOptions = {}): Promise<PruneResult> {
    return orMissing('prune', () => this.service.request<PruneResult>('prune', { model: model.handle, ...spec }, { title: 'pruning', ...options }));
  }

  removePruning(model: ModelHandle, targets: ModuleTensor[], options: EngineRequestOptions = {}): Promise<RemovePruningResult> {
    return orMissing('removePruning', () => this.service.request<RemovePruningResult>('removePruning', { model: model.handle, targets },
      { title: 'removing pruning', ...options }));
  }

  /** reset_parameters() on `module` ('' for the model) and its submodules that have one. */
  resetParameters(model: ModelHandle, module: string, seed: number | undefined, options: EngineRequestOptions = {}): Promise<ResetParametersResult> {
    return orMissing('resetParameters', () => this.service.request<ResetParametersResult>('resetParameters',
      { model: model.handle, module, ...(seed !== undefined ? { seed } : {}) }, { title: 'resetting parameters', ...options }));
  }
}
