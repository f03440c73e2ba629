// The JSON the model commands print (docs/cli.md documents each field). Lists keep PyTorch's order.

export type EntryKind = 'class' | 'instance' | 'factory';

export interface EntryInfo {
  name: string;
  kind: EntryKind;
  line: number;
}

export interface TensorSummary {
  shape: number[];
  dtype: string;
}

export interface ModuleSummary {
  /** named_modules() name; '' for the root */
  name: string;
  /** class name, e.g. Conv2d */
  type: string;
  /** parameters of the module and its descendants (each shared tensor once) */
  params: number;
  /** where the module was created; null when not in a workspace file (built inside a library) */
  source: { file: string; line: number } | null;
}

export interface InspectJson {
  entry: string;
  repr: string;
  modules: ModuleSummary[];
  /** named_children() names */
  children: string[];
  parameters: ({ name: string } & TensorSummary)[];
  buffers: ({ name: string; persistent: boolean } & TensorSummary)[];
  stateDict: ({ key: string } & TensorSummary)[];
  totalParams: number;
  trainableParams: number;
  stubbedImports: string[];
}

export interface LayerTiming {
  /** named_modules() name of the layer */
  name: string;
  type: string;
  /** shape of the layer's output; null when it is not a single tensor (a tuple, a dict) */
  outputShape: number[] | null;
  /** time inside this layer's forward, children included */
  ms: number;
}

export interface ForwardJson {
  output: TensorSummary;
  layers: LayerTiming[];
  /** whole forward pass; with --repeat N the median of N runs after one warm-up */
  ms: number;
}

/** The entry a command runs when --entry is not given: a module instance the file builds, else its last class. */
export function defaultEntry(entries: readonly EntryInfo[]): EntryInfo | undefined {
  return entries.find((e) => e.kind === 'instance') ?? [...entries].reverse().find((e) => e.kind === 'class') ?? entries[0];
}
