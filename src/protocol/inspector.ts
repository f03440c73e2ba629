// Messages between the extension host and two webviews: the parameter inspector (a tensor or a module) and the
// checkpoint viewer (a state dict as a tree). Tensor values travel as ArrayBuffers in pages (postMessage
// moves them as binary), never as big JSON arrays. Plain data; imports nothing. The one helper at the end
// formats a value so the table and the copied Python literal show the same digits.

/** dtype names as the formats layer spells them (`float32`, `bfloat16`, `float8_e4m3fn`, ...). */
export type TensorDTypeName = string;

export interface TensorInfo {
  /** state-dict key or qualified parameter name */
  name: string;
  dtype: TensorDTypeName;
  shape: number[];
  /** in elements, as the file stores the tensor (a view of a larger storage may be non-contiguous) */
  strides: number[];
  /** bytes of the tensor's values */
  bytes: number;
  numel: number;
  /** where it comes from, e.g. the checkpoint file name */
  origin?: string;
  /** set when values cannot be shown (an element type without a numeric decoding, such as complex64) */
  valuesUnavailable?: string;
}

/** Counts and moments over the tensor; min/max/mean/std use the finite values only. */
export interface TensorStats {
  numel: number;
  finite: number;
  /** undefined when there is no finite value */
  min?: number;
  max?: number;
  mean?: number;
  /** sample standard deviation (N-1), as torch.std; undefined for fewer than two finite values */
  std?: number;
  zeros: number;
  /** zeros / numel */
  sparsity: number;
  nan: number;
  posInf: number;
  negInf: number;
  ms: number;
}

/** The element type of a page's `data`. float16/bfloat16/float8 arrive decoded as Float32Array (exact). */
export type PageArrayType =
  | 'Float32Array' | 'Float64Array' | 'BigInt64Array' | 'BigUint64Array' | 'Int32Array' | 'Uint32Array'
  | 'Int16Array' | 'Uint16Array' | 'Int8Array' | 'Uint8Array';

/** Heatmap of one slice: `tiles` images of tileRows x tileCols cells, row-major, tile after tile. */
export interface HeatmapData {
  /** index along dim 0 for tensors with 3+ dims; 0 for 2-D */
  channel: number;
  /** size of dim 0 for 3+ dims (the picker's range); 1 for 2-D */
  channels: number;
  tiles: number;
  /** tiles of the slice that are not shown because the slice is too large */
  tilesOmitted: number;
  tileRows: number;
  tileCols: number;
  /** each cell averages rowStep x colStep values (1 x 1 when nothing was downsampled) */
  rowStep: number;
  colStep: number;
  /** Float32Array of tiles * tileRows * tileCols values; NaN where a cell has no finite value */
  data: ArrayBuffer;
  /** the colour scale: |value| of the whole tensor's largest finite magnitude */
  scale: number;
  /** labels of the axes, such as `in channel` for a conv weight */
  tileLabel?: string;
}

export interface HistogramData {
  min: number;
  max: number;
  /** bins + 1 edges */
  edges: number[];
  counts: number[];
  /** NaN and infinite values, not binned */
  excluded: number;
}

// ------------------------------------------------------------------------------------------------ modules

/** The seven `nn.Module` methods the inspector shows for a module. */
export const MODULE_METHODS = [
  'modules', 'named_modules', 'children', 'named_children', 'parameters', 'named_parameters', 'state_dict',
] as const;
export type ModuleMethod = (typeof MODULE_METHODS)[number];

/** One item a method yields: a module (by type and repr line) or a tensor (shape, dtype). */
export interface ModuleMethodEntry {
  /** the name for the named_* methods and the key for state_dict */
  name?: string;
  /** module type for module entries, e.g. `Conv2d` */
  moduleType?: string;
  /** one-line repr of a module entry, e.g. `Conv2d(3, 6, kernel_size=(3, 3), stride=(1, 1))` */
  repr?: string;
  shape?: number[];
  dtype?: TensorDTypeName;
  requiresGrad?: boolean;
}

export interface ModuleMethodOutput {
  /** how many items the method yields (entries may be cut to a first part) */
  count: number;
  entries: ModuleMethodEntry[];
}

/** A module as the engine process will describe it; `methods` holds what each method returns. */
export interface ModuleDescription {
  /** qualified name inside the root model, '' for the root */
  name: string;
  /** class name, e.g. `Sequential` */
  type: string;
  /** print(module) */
  repr: string;
  parameters: number;
  trainableParameters: number;
  /** parameters registered on this module itself, not on its children */
  ownParameters: number;
  buffers: number;
  methods: Record<ModuleMethod, ModuleMethodOutput>;
  /** e.g. `examples/net.py` and the line that created it */
  origin?: string;
}

// ------------------------------------------------------------------------------------------------ inspector

/** Requests name the tensor they are about; answers for an older tensorId are dropped by the webview. */
export type InspectorRequest =
  | { type: 'ready' }
  | { type: 'requestStats'; tensorId: number }
  | { type: 'requestPage'; tensorId: number; offset: number; count: number }
  | { type: 'requestHistogram'; tensorId: number; bins: number }
  | { type: 'requestHeatmap'; tensorId: number; channel: number }
  | { type: 'copyAsPython'; tensorId: number }
  /** from the module view: show a parameter or buffer of the module */
  | { type: 'inspectTensor'; name: string }
  /** the webview drew a part (lets tests see that answers reached the screen) */
  | { type: 'rendered'; tensorId: number; part: 'stats' | 'histogram' | 'heatmap' | 'page' | 'module' };

export type InspectorRequestType = InspectorRequest['type'];

export type InspectorInit =
  | { type: 'init'; kind: 'tensor'; tensorId: number; tensor: TensorInfo; heatmapChannels: number; pageLimit: number }
  | { type: 'init'; kind: 'module'; tensorId: number; module: ModuleDescription; canInspectTensors: boolean }
  | { type: 'init'; kind: 'empty'; tensorId: number; message: string };

export type InspectorMessage =
  | InspectorInit
  | { type: 'stats'; tensorId: number; stats: TensorStats }
  | { type: 'progress'; tensorId: number; task: 'stats' | 'histogram' | 'heatmap'; fraction: number }
  | { type: 'page'; tensorId: number; offset: number; count: number; dtype: TensorDTypeName; array: PageArrayType; data: ArrayBuffer }
  | ({ type: 'histogram'; tensorId: number } & HistogramData)
  | ({ type: 'heatmap'; tensorId: number } & HeatmapData)
  | { type: 'copied'; tensorId: number; values: number; total: number; chars: number }
  | { type: 'error'; tensorId: number; request: InspectorRequestType | 'init'; message: string; code?: string };

export type InspectorMessageType = InspectorMessage['type'];

// ------------------------------------------------------------------------------------------------ checkpoints

/** One node of a state dict grouped by key prefix: `features.0.weight` is features > 0 > weight. */
export interface CheckpointTreeNode {
  /** this segment, e.g. `0` */
  name: string;
  /** the key prefix up to here, e.g. `features.0`; for a tensor, its full key */
  path: string;
  /** set when `path` is a tensor's key */
  tensor?: { dtype: TensorDTypeName; shape: number[]; bytes: number };
  /** tensors at or below this node */
  tensors: number;
  /** elements of those tensors (parameters and buffers alike: a file does not say which is which) */
  numel: number;
  bytes: number;
  children: CheckpointTreeNode[];
}

export interface CheckpointCandidate {
  /** e.g. `checkpoint['model']`; `checkpoint` for a bare state dict */
  label: string;
  tensors: number;
}

export interface CheckpointView {
  file: string;
  format: 'safetensors' | 'torch-zip' | 'safetensors-index';
  fileBytes: number;
  candidates: CheckpointCandidate[];
  selected: number;
  /** `module.` when every key carries DataParallel's prefix */
  modulePrefix?: string;
  stripPrefix: boolean;
  tree: CheckpointTreeNode[];
  totals: { tensors: number; numel: number; bytes: number };
  /** safetensors `__metadata__`, or the non-tensor entries next to a wrapped state dict */
  metadata: [string, string][];
  skippedKeys: string[];
}

/** A key prefix change (DataParallel's `module.`) and how many checkpoint keys the model has before and after it. */
export interface KeyPrefixFix {
  kind: 'strip' | 'add';
  prefix: string;
  matchedBefore: number;
  matchedAfter: number;
}

/** What strict `load_state_dict` of the shown state dict into an explored model would report (keys and shapes only). */
export interface CheckpointMatch {
  modelId: string;
  /** e.g. `Net · net.py` */
  model: string;
  /** the class named in PyTorch's error text */
  modelType: string;
  /** the prefix change applied to the checkpoint's keys before matching */
  applied?: { kind: 'strip' | 'add'; prefix: string };
  /** a prefix change that would match more keys */
  suggestion?: KeyPrefixFix;
  /** keys (as the tree shows them) the model takes as they are */
  matched: string[];
  /** the model's keys the file lacks, with the model's shapes */
  missing: Array<{ key: string; shape: number[] }>;
  /** keys (as the tree shows them) the model has no place for, in PyTorch's order */
  unexpected: string[];
  sizeMismatches: Array<{ key: string; modelKey: string; checkpoint: number[]; model: number[]; message: string }>;
  /** the RuntimeError strict loading raises (`Error(s) in loading state_dict for Net: ...`), or null */
  error: string | null;
  /** `<All keys matched successfully>` or the _IncompatibleKeys repr; null when it raises */
  repr: string | null;
}

export type CheckpointRequest =
  | { type: 'ready' }
  | { type: 'inspect'; key: string }
  | { type: 'chooseStateDict'; index: number }
  | { type: 'stripPrefix'; strip: boolean }
  /** the tree or the error is on screen and its fonts have loaded */
  | { type: 'rendered' }
  /** "Match with model…": choose an explored model and show the dry-run report */
  | { type: 'matchWithModel' }
  /** rerun the match with the suggested key prefix change */
  | { type: 'applyPrefixSuggestion' }
  | { type: 'clearMatch' }
  /** load the file into the matched model through the engine */
  | { type: 'loadIntoModel' }
  /** the match report is on screen */
  | { type: 'matchRendered' };

export type CheckpointMessage =
  | { type: 'checkpoint'; view: CheckpointView }
  | { type: 'checkpointError'; file: string; code: string; message: string }
  /** the key shown in the inspector, to highlight it in the tree */
  | { type: 'inspected'; key: string }
  /** how many models are explored in this window ("Match with model…" needs one) */
  | { type: 'models'; count: number }
  /** the report of the last match, or null to clear it */
  | { type: 'match'; match: CheckpointMatch | null }
  /** a load through the engine started, finished or failed */
  | { type: 'loadStatus'; state: 'loading' | 'loaded' | 'failed'; message: string };

// ------------------------------------------------------------------------------------------------ formatting

/**
 * The shortest decimal that reads back as the same value at the dtype's precision, spelled so Python reads
 * it as a float (`1.0`, `-0.5`, `1e-07`, `inf`, `nan`); integers and booleans as Python writes them.
 */
export function formatElement(value: number | bigint, dtype: TensorDTypeName): string {
  if (typeof value === 'bigint') return value.toString();
  if (dtype === 'bool') return value ? 'True' : 'False';
  if (!dtype.startsWith('float') && !dtype.startsWith('bfloat')) return String(value);
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  let text = String(value);
  if (dtype !== 'float64') {
    // float32 and narrower: fewest digits that round back to the same float32 (all narrower types are exact in it)
    const target = Math.fround(value);
    for (let digits = 1; digits <= 9; digits++) {
      const candidate = Number(value.toPrecision(digits));
      if (Math.fround(candidate) === target) { text = String(candidate); break; }
    }
  }
  // Python pads the exponent to two digits (1e-07); JS writes 1e-7
  if (text.includes('e')) return text.replace(/e([+-])(\d)$/, (_, sign: string, digit: string) => `e${sign}0${digit}`);
  return text.includes('.') ? text : `${text}.0`;
}
