// The JSON the model commands print (docs/cli.md documents each field). Lists keep PyTorch's order.

import type {
  EntryKind, ForwardOutput, ForwardResult, InspectResult, LayerRecord, ListEntriesResult, ModuleSummary as EngineModule,
  SourceLocation, TensorSummary as EngineTensor,
} from '../protocol/engine';

export type { EntryKind };

export type EntryInfo = ListEntriesResult['entries'][number];

export type TensorSummary = Pick<ForwardOutput, 'shape' | 'dtype'>;

/** named_modules() name ('' for the root), class name, parameters of the module and its descendants (each shared tensor once). */
export type ModuleSummary = Pick<EngineModule, 'name' | 'type' | 'params'> & {
  /** where the module was created; null when not in a workspace file (built inside a library) */
  source: Pick<SourceLocation, 'file' | 'line'> | null;
};

export type InspectJson = Omit<InspectResult, 'modules' | 'parameters' | 'buffers'> & {
  modules: ModuleSummary[];
  parameters: Pick<EngineTensor, 'name' | 'shape' | 'dtype'>[];
  buffers: Pick<InspectResult['buffers'][number], 'name' | 'persistent' | 'shape' | 'dtype'>[];
};

/** A layer's forward: `outputShape` null when the output is not a single tensor (a tuple, a dict); `ms` includes children. */
export type LayerTiming = LayerRecord;

/** `ms`: the whole forward pass; with --repeat N the median of N runs after one warm-up. */
export type ForwardJson = Omit<ForwardResult, 'output' | 'outputs' | 'layers'> & { output: TensorSummary; layers: LayerTiming[] };

/** The entry a command runs when --entry is not given: a module instance the file builds, else its last class. */
export function defaultEntry(entries: readonly EntryInfo[]): EntryInfo | undefined {
  return entries.find((e) => e.kind === 'instance') ?? [...entries].reverse().find((e) => e.kind === 'class') ?? entries[0];
}
