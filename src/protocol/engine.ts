// Messages between a host (extension host, CLI) and the sandboxed engine process.
// Transport: Node IPC with `serialization: 'advanced'` (structured clone), so ArrayBuffers and typed arrays
// travel as binary. Sending a typed array clones its whole underlying buffer: send exact-size buffers.
// This file imports nothing and holds no logic beyond type guards.

export const ENGINE_PROTOCOL_VERSION = 1;

/** Exit statuses of the engine process that the host treats specially. */
export const ENGINE_EXIT = {
  /** Pyodide suffered a fatal error; the host restarts the process. */
  fatal: 70,
  /** The host's memory snapshot could not be restored; the host drops it and starts cold. */
  snapshotRejected: 71,
} as const;

/** dtypes as the engine names them (see docs/ARCHITECTURE.md). */
export type EngineDType =
  | 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/**
 * A page of tensor data: raw little-endian bytes, float16/bfloat16 as their 16-bit patterns, bool as one byte,
 * int64 as 64-bit integers (as files store them).
 */
export interface TensorPage {
  dtype: EngineDType;
  shape: number[];
  /** Element offset of this page within the flattened tensor (pages let large tensors arrive in parts). */
  offset: number;
  data: ArrayBuffer;
}

/** Source position. `line` is 1-based like Python; `column` is 0-based in UTF-16 code units like VS Code. */
export interface SourceLocation {
  file: string;
  line: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
}

// ---------------------------------------------------------------------------------------------- methods

export interface EvaluateParams {
  /** Workspace Python files, keyed by POSIX path relative to the workspace root. */
  files: Record<string, string>;
  /** Key of `files` to run as a module (never as `__main__`). */
  entryFile: string;
}

export type TopLevelKind = 'class' | 'function' | 'other';

export interface TopLevelName {
  name: string;
  kind: TopLevelKind;
  /** Python type name of the value (`type`, `function`, `Net`, `int`, ...). */
  type: string;
  line: number;
  column: number;
}

export interface StubbedImport {
  /** Dotted module name that was replaced by a permissive stub. */
  name: string;
  /** Where the import happened, when it was a workspace file. */
  importedFrom?: SourceLocation;
}

export interface EvaluateResult {
  /** Python module name the entry file ran as (never `__main__`). */
  moduleName: string;
  names: TopLevelName[];
  stubbedImports: StubbedImport[];
  ms: number;
}

export type EntryKind = 'class' | 'instance' | 'factory';

export interface ListEntriesParams extends EvaluateParams {}
export interface ListEntriesResult {
  entries: { name: string; kind: EntryKind; line: number }[];
  stubbedImports: StubbedImport[];
}

export interface InstantiateParams {
  /** An entry name from listEntries of the last evaluated file. */
  entry: string;
  /** JSON-compatible keyword arguments. */
  kwargs?: Record<string, unknown>;
  /** Evaluate these files first (what listEntries does), so one request can build a model. */
  files?: Record<string, string>;
  entryFile?: string;
}
export interface InstantiateResult {
  /** Opaque handle of the root module in the engine process (valid until the next evaluation). */
  handle: number;
  entry: string;
}

/** A module of `named_modules()`: `params` counts the parameters of it and its children (each once). */
export interface ModuleSummary {
  name: string;
  type: string;
  params: number;
  /** Where the module's constructor was called (workspace files only). */
  source?: SourceLocation;
  /** Where it was assigned (`self.features = ...`), when that is a workspace line. */
  assigned?: SourceLocation;
}
export interface TensorSummary {
  name: string;
  shape: number[];
  dtype: EngineDType;
  /** Parameters only: `p.requires_grad` (frozen parameters are not trainable). */
  requiresGrad?: boolean;
}

export interface InspectParams {
  /** A handle from instantiate. */
  model: number;
}
/** The CLI's `inspect --json` (issue 3 item 7); lists keep PyTorch's order. */
export interface InspectResult {
  entry: string;
  repr: string;
  modules: ModuleSummary[];
  /** Names of `named_children()`. */
  children: string[];
  parameters: TensorSummary[];
  buffers: (TensorSummary & { persistent: boolean })[];
  stateDict: { key: string; shape: number[]; dtype: EngineDType }[];
  totalParams: number;
  trainableParams: number;
  /** Dotted names of the imports replaced by stubs in the evaluation the model comes from. */
  stubbedImports: string[];
}

/** Random values (`randn`, or integers in [0, high) for integer dtypes), or given values. */
export type ForwardInput =
  | { shape: number[]; dtype?: EngineDType; seed?: number; high?: number }
  | { shape: number[]; dtype: EngineDType; data: ArrayBuffer | Uint8Array }
  | { npy: ArrayBuffer | Uint8Array };

export interface ForwardParams {
  model: number;
  input: ForwardInput;
  /** Send the output values too (little-endian; int64 as 64-bit integers), e.g. for `--output y.npy`. */
  outputData?: boolean;
}
export interface ForwardOutput {
  shape: number[];
  dtype: EngineDType;
  data?: ArrayBuffer;
}
export interface LayerRecord {
  /** Qualified module name ('' for the root); a module called twice appears twice. */
  name: string;
  type: string;
  /** Shape of the (first) tensor the module returned; null when it returned no tensor. */
  outputShape: number[] | null;
  /** Wall time of the call, including the module's children. */
  ms: number;
}
/** The CLI's `forward --json`: in eval mode, layers in call order. */
export interface ForwardResult {
  /** The output tensor (the first one for tuple outputs; `outputs` lists all of them then). */
  output: ForwardOutput;
  outputs?: ForwardOutput[];
  layers: LayerRecord[];
  ms: number;
}

export interface TensorPageParams {
  model: number;
  /** A state_dict key (parameter or buffer name). */
  name: string;
  /** First element (flattened, row-major) and how many elements. */
  offset: number;
  count: number;
}

/** Generic engine method call: the later engine API (module tree, named_* lists, forward, state dict). */
export interface CallParams {
  method: string;
  args: unknown[];
}

/** Model.load_state_dict in the engine process; the tensors arrive as pages with offset 0. */
export interface LoadStateDictParams {
  model: number;
  tensors: [string, TensorPage][];
  strict?: boolean;
  assign?: boolean;
}
/** What load_state_dict returned (or the RuntimeError it raised), as the statedict layer's LoadReport. */
export interface LoadStateDictResult {
  missing_keys: string[];
  unexpected_keys: string[];
  size_mismatches: { key: string; checkpoint: number[]; model: number[]; message: string }[];
  error: string | null;
  repr: string | null;
  loaded: boolean;
  unsupported: { key: string; dtype: string; shape: number[] }[];
  /** A key prefix change that would match more keys (DataParallel's `module.`), when there is one. */
  suggestion?: { kind: 'strip' | 'add'; prefix: string; matchedBefore: number; matchedAfter: number };
}

/** A qualified module name ('' for the root) and the name of a parameter of it (`weight`). */
export interface ModuleTensor {
  module: string;
  name: string;
}

/**
 * In-place edit of a parameter or buffer (a state_dict key): `fill` / `set` write `value`, `zero` writes 0,
 * `scale` multiplies by `value`; `index` is Python index text (`0, :, 1:3`), everything when absent.
 * Each edit can be undone (undoEdit), most recent first, per model.
 */
export interface EditParameterParams {
  model: number;
  name: string;
  op: 'fill' | 'zero' | 'scale' | 'set';
  value?: number;
  index?: string;
}
/** `changed`: how many elements the edit wrote (the size of the selection). */
export interface EditParameterResult {
  changed: number;
}
export interface UndoEditParams {
  model: number;
}
/** A description of the edit undone, null when there was none left. */
export interface UndoEditResult {
  undone: string | null;
}

/** prune's `amount` as the user wrote it: Python tells `1` (one entry) from `1.0` (everything). */
export type PruneAmount = { count: number } | { fraction: number };
export type PruneMethodName = 'l1_unstructured' | 'random_unstructured' | 'ln_structured' | 'random_structured' | 'identity' | 'custom_from_mask';

/** torch.nn.utils.prune on the live model; `global` is global_unstructured over all targets. */
export interface PruneParams {
  model: number;
  method: PruneMethodName;
  /** Needed by every method but identity and custom_from_mask. */
  amount?: PruneAmount;
  targets: ModuleTensor[];
  global: boolean;
  /** ln_structured: the norm order (a number, Infinity / -Infinity, or 'fro'). */
  n?: number | 'fro';
  /** ln_structured, random_structured. */
  dim?: number;
  /** torch.manual_seed before pruning (random_*). */
  seed?: number;
  /** custom_from_mask: the mask, applied to every target. */
  mask?: TensorPage;
}
export interface TensorSparsity extends ModuleTensor {
  /** Zeros of the pruned tensor as forward uses it (mask * orig), and its size. */
  zeros: number;
  numel: number;
}
/** One row per parameter of the whole model, as torch.nn.utils.prune's users count sparsity. */
export interface SparsityRowResult {
  name: string;
  zeros: number;
  total: number;
  sparsity: number;
  pruned: boolean;
}
export interface PruneResult {
  /** The targets, in the order given. */
  sparsity: TensorSparsity[];
  /** The whole model afterwards. */
  report: { rows: SparsityRowResult[]; zeros: number; total: number; sparsity: number };
}
export interface RemovePruningParams {
  model: number;
  targets: ModuleTensor[];
}
export interface RemovePruningResult {
  removed: number;
}

/** reset_parameters() on `module` and every submodule of it that has one, after manual_seed(seed) when given. */
export interface ResetParametersParams {
  model: number;
  module: string;
  seed?: number;
}
/** Qualified names of the modules whose reset_parameters() ran, in named_modules() order. */
export interface ResetParametersResult {
  reset: string[];
}

export interface PingResult {
  pid: number;
  uptimeMs: number;
  /** Bytes of the Python (wasm) heap and the process's resident set. */
  wasmHeapBytes: number;
  rssBytes: number;
}

/**
 * Every request kind with its parameters and result. New engine methods are added here as further kinds;
 * the client and process are generic over this map.
 */
export interface EngineMethods {
  evaluate: { params: EvaluateParams; result: EvaluateResult };
  listEntries: { params: ListEntriesParams; result: ListEntriesResult };
  instantiate: { params: InstantiateParams; result: InstantiateResult };
  inspect: { params: InspectParams; result: InspectResult };
  forward: { params: ForwardParams; result: ForwardResult };
  tensorPage: { params: TensorPageParams; result: TensorPage };
  loadStateDict: { params: LoadStateDictParams; result: LoadStateDictResult };
  editParameter: { params: EditParameterParams; result: EditParameterResult };
  undoEdit: { params: UndoEditParams; result: UndoEditResult };
  prune: { params: PruneParams; result: PruneResult };
  removePruning: { params: RemovePruningParams; result: RemovePruningResult };
  resetParameters: { params: ResetParametersParams; result: ResetParametersResult };
  call: { params: CallParams; result: unknown };
  ping: { params: Record<string, never>; result: PingResult };
  shutdown: { params: Record<string, never>; result: null };
}

export type EngineRequestKind = keyof EngineMethods;
export type EngineParams<K extends EngineRequestKind> = EngineMethods[K]['params'];
export type EngineResult<K extends EngineRequestKind> = EngineMethods[K]['result'];

export type EngineRequest<K extends EngineRequestKind = EngineRequestKind> = {
  [P in K]: {
    id: number;
    kind: P;
    /** Time limit for this request inside the engine; the host kills the process shortly after it. */
    timeoutMs: number;
  } & EngineParams<P>;
}[K];

// ---------------------------------------------------------------------------------------------- responses

/**
 * Why a request failed.
 * - `PythonError`: the user's code raised (see `type`, `pythonTraceback`, location).
 * - `Timeout`: the time limit was reached; `MemoryLimit`: a memory cap was hit.
 * - `Crashed`: the engine process died (fatal Pyodide error, V8 out of memory, killed); it restarts itself.
 * - `Disposed`: the client was disposed; `SandboxUnavailable`: Node refused the permission flags.
 * - `BadRequest`, `NotImplemented`, `Internal`: our side.
 */
export type EngineErrorCode =
  | 'PythonError' | 'Timeout' | 'MemoryLimit' | 'Crashed' | 'Disposed' | 'SandboxUnavailable'
  | 'BadRequest' | 'NotImplemented' | 'Internal';

export interface EngineError extends Partial<SourceLocation> {
  code: EngineErrorCode;
  /** Python exception class name for Python errors (`ValueError`), otherwise a short name of the failure. */
  type: string;
  message: string;
  /** Formatted traceback with our own frames removed and workspace paths relative. */
  pythonTraceback?: string;
}

export type EngineResponse<K extends EngineRequestKind = EngineRequestKind> =
  | { id: number; ok: true; result: EngineResult<K> }
  | { id: number; ok: false; error: EngineError };

// ---------------------------------------------------------------------------------------------- events

export interface SandboxReport {
  /** True when every check below holds. */
  sandboxed: boolean;
  permissionModel: boolean;
  codeGenerationFromStrings: boolean;
  emptyEnvironment: boolean;
  /** Why `sandboxed` is false, for the UI. */
  reason?: string;
}

export type EngineEvent =
  | {
      event: 'ready';
      protocolVersion: number;
      pid: number;
      pythonVersion: string;
      pyodideVersion: string;
      sandbox: SandboxReport;
      /** Milliseconds from process start to ready, as measured inside the process. */
      startupMs: number;
      /** Milliseconds per start-up phase inside the process (node, loadPyodide, lockDownPython, ...). */
      phases: Record<string, number>;
      /** `snapshot`: Pyodide's heap was restored from a memory snapshot the host cached. */
      startedFrom: 'cold' | 'snapshot';
      /** The kernel set forward passes run on, e.g. `ts`, `wasm`, `wasm-2threads`. */
      kernels: string;
    }
  | { event: 'log'; level: 'stdout' | 'stderr' | 'info' | 'warning'; message: string; requestId?: number }
  | ({ event: 'stubbedImport'; requestId: number } & StubbedImport)
  | { event: 'progress'; requestId: number; message: string; fraction?: number };

export type EngineEventName = EngineEvent['event'];

/**
 * Start-up plumbing, not seen by event listeners. A process started with `snapshot: 'make'` sends the
 * memory snapshot of its freshly locked-down interpreter (before any user code ran) for the host to cache;
 * one started with `snapshot: 'load'` waits for the host's boot message carrying that snapshot.
 */
export interface EngineSnapshotMessage {
  event: 'snapshot';
  data: Uint8Array;
}
export interface EngineBootMessage {
  boot: { snapshot: Uint8Array };
}

/** Anything the engine process sends. */
export type EngineOutbound = EngineResponse | EngineEvent | EngineSnapshotMessage;

export function isEngineEvent(message: unknown): message is EngineEvent {
  return typeof message === 'object' && message !== null && typeof (message as { event?: unknown }).event === 'string';
}

export function isEngineResponse(message: unknown): message is EngineResponse {
  return (
    typeof message === 'object' && message !== null &&
    typeof (message as { id?: unknown }).id === 'number' && typeof (message as { ok?: unknown }).ok === 'boolean'
  );
}
