// The engine requests the extension sends, in one place: the only file that knows their wire shapes.
// Requests the engine process does not answer yet fail with "not available yet: needs engine request X".
import type { EngineRequestOptions, EngineService } from './engine-service';
import {
  notAvailable, type EntryInfo, type ForwardAnswer, type ForwardInput, type InspectAnswer, type ListEntriesAnswer,
} from './engine-api';
import { EngineRequestError } from '../../python/host/engine-client';

/** A model instance inside the current engine process. */
export interface ModelHandle {
  handle: number;
  generation: number;
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
  constructor(readonly service: EngineService) {}

  listEntries(files: Record<string, string>, entryFile: string, options: EngineRequestOptions = {}): Promise<ListEntriesAnswer & { entries: EntryInfo[] }> {
    return orMissing('listEntries', () => this.service.request<ListEntriesAnswer>('listEntries', { files, entryFile }, { title: `evaluating ${entryFile}`, ...options }));
  }

  async instantiate(files: Record<string, string>, entryFile: string, entry: string, kwargs: Record<string, unknown>,
    options: EngineRequestOptions = {}): Promise<ModelHandle> {
    const generation = this.service.generation;
    const answer = await orMissing('instantiate', () => this.service.request<{ handle?: number; model?: number }>('instantiate',
      { files, entryFile, entry, kwargs }, { title: `building ${entry}`, ...options }));
    const handle = answer.handle ?? answer.model;
    if (typeof handle !== 'number') throw new Error('the engine answered instantiate without a model handle');
    return { handle, generation };
  }

  inspect(model: ModelHandle, options: EngineRequestOptions = {}): Promise<InspectAnswer> {
    return orMissing('inspect', () => this.service.request<InspectAnswer>('inspect', { model: model.handle }, { title: 'inspecting', ...options }));
  }

  forward(model: ModelHandle, input: ForwardInput, options: EngineRequestOptions = {}): Promise<ForwardAnswer> {
    return orMissing('forward', () => this.service.request<ForwardAnswer>('forward', { model: model.handle, input }, { title: 'forward pass', ...options }));
  }

  /** Raw values of a state-dict entry (or parameter) of a model, from element `offset`. */
  tensorPage(model: ModelHandle, name: string, offset: number, count: number, options: EngineRequestOptions = {}):
    Promise<{ dtype: string; shape: number[]; offset: number; data: ArrayBuffer }> {
    return orMissing('tensorPage', () => this.service.request('tensorPage', { model: model.handle, name, offset, count }, { title: `reading ${name}`, ...options }));
  }

  /** Requests not in the engine yet: the host side is written against these shapes. */
  loadStateDict(model: ModelHandle, tensors: Array<{ key: string; dtype: string; shape: number[]; data: ArrayBuffer }>, strict: boolean,
    options: EngineRequestOptions = {}): Promise<{ missing_keys: string[]; unexpected_keys: string[]; size_mismatches: Array<{ key: string; checkpoint: number[]; model: number[]; message: string }>; error: string | null }> {
    return orMissing('loadStateDict', () => this.service.request('loadStateDict', { model: model.handle, tensors, strict }, { title: 'loading the state dict', ...options }));
  }

  editParameter(model: ModelHandle, edit: { name: string; op: 'fill' | 'zero' | 'scale' | 'set'; value?: number; index?: string }, options: EngineRequestOptions = {}):
    Promise<{ changed: number }> {
    return orMissing('editParameter', () => this.service.request('editParameter', { model: model.handle, ...edit }, { title: `editing ${edit.name}`, ...options }));
  }

  undoEdit(model: ModelHandle, options: EngineRequestOptions = {}): Promise<{ undone: string | null }> {
    return orMissing('undoEdit', () => this.service.request('undoEdit', { model: model.handle }, { title: 'undo', ...options }));
  }

  prune(model: ModelHandle, spec: { method: string; amount: number; targets: Array<{ module: string; name: string }>; global: boolean; n?: number; dim?: number },
    options: EngineRequestOptions = {}): Promise<{ sparsity: Array<{ module: string; name: string; zeros: number; numel: number }> }> {
    return orMissing('prune', () => this.service.request('prune', { model: model.handle, ...spec }, { title: 'pruning', ...options }));
  }

  removePruning(model: ModelHandle, targets: Array<{ module: string; name: string }>, options: EngineRequestOptions = {}): Promise<{ removed: number }> {
    return orMissing('removePruning', () => this.service.request('removePruning', { model: model.handle, targets }, { title: 'removing pruning', ...options }));
  }

  resetParameters(model: ModelHandle, module: string, seed: number | undefined, options: EngineRequestOptions = {}): Promise<{ reset: string[] }> {
    return orMissing('resetParameters', () => this.service.request('resetParameters', { model: model.handle, module, seed }, { title: 'resetting parameters', ...options }));
  }
}
