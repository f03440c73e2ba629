import { DType, dtypeInfo, isDType, itemSize } from './dtypes';
import { FormatError, quote } from './errors';
import { PickleWriter } from './pickle-writer';
import { PyDict, PyValue } from './py-values';
import { TensorInput, checkViewBounds, checkedNumel, contiguousStrides, isRawTensor, tensorBytesSync } from './tensor-data';
import { ZipStreamWriter } from './zip-writer';

/**
 * Writes checkpoints as torch.save does (see the semantics doc, section 4): `<root>/data.pkl` (protocol 2,
 * tensors as `_rebuild_tensor_v2` over persistent-id storages), `byteorder`, one `data/<key>` record per
 * storage in string-sorted key order (views share one), `version` = 3. Loads with
 * `torch.load(f, weights_only=True)`. Storages are streamed one at a time.
 */
export interface TorchSaveOptions {
  /** root folder; torch.save uses the file-name stem (`archiveNameFor`), or `archive` for buffers */
  archiveName?: string;
  alignment?: number;
  forceZip64?: boolean;
}

/** What torch.save accepts here: plain Python-like data with tensors inside. */
export type SaveValue = PyValue | TensorInput | readonly SaveValue[] | Map<SaveValue, SaveValue> | Set<SaveValue>;

/** torch.save's root folder for a path: the file name without its extension. */
export function archiveNameFor(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base || 'archive';
}

/** A state dict as torch's `state_dict()` returns it: an OrderedDict with the `_metadata` attribute. */
export function stateDictObject(tensors: Map<string, TensorInput>, metadata?: PyValue): PyDict {
  const dict = new PyDict(true, tensors as unknown as Map<PyValue, PyValue>);
  if (metadata !== undefined && metadata !== null) dict.attributes = new Map([['_metadata', metadata]]);
  return dict;
}

function isTensorInput(v: unknown): v is TensorInput {
  if (typeof v !== 'object' || v === null) return false;
  const t = v as Partial<TensorInput> & { readSync?: unknown };
  return isDType(t.dtype) && Array.isArray(t.shape) && ((t as { bytes?: unknown }).bytes instanceof Uint8Array || typeof t.readSync === 'function');
}

interface PlannedStorage { key: string; dtype: DType; numel: number; bytes: () => Uint8Array }

export function* torchSaveChunks(obj: SaveValue, options: TorchSaveOptions = {}): Generator<Uint8Array, void, undefined> {
  const storages = new Map<object, PlannedStorage>();

  const writeTensor = (t: TensorInput, w: PickleWriter) => {
    const info = dtypeInfo(t.dtype);
    if (!info.storageClass) throw new FormatError('UnsupportedDtype', `torch.save's format has no storage class for ${t.dtype}`);
    const numel = checkedNumel(t.shape);
    if (numel === undefined) throw new FormatError('InvalidArgument', `invalid tensor shape [${t.shape.join(', ')}]`);
    const view = isRawTensor(t) ? undefined : t.view;
    const identity: object = view ? view.storage : t;
    let storage = storages.get(identity);
    if (!storage) {
      const storageNumel = view ? view.storage.numel : numel;
      const read = view ? () => view.storage.readSync() : () => tensorBytesSync(t);
      storage = { key: String(storages.size), dtype: t.dtype, numel: storageNumel, bytes: read };
      storages.set(identity, storage);
    } else if (storage.dtype !== t.dtype) {
      throw new FormatError('InvalidArgument', 'cannot save views of one storage with different dtypes');
    }
    const offset = view ? view.storageOffset : 0;
    const strides = view ? view.strides : contiguousStrides(t.shape);
    checkViewBounds(t.shape, strides, offset, storage.numel, `tensor of storage ${quote(storage.key)}`);
    const s = storage;
    const parameter = !isRawTensor(t) && t.isParameter === true;
    const requiresGrad = !isRawTensor(t) && t.requiresGrad === true;
    if (parameter) w.global('torch._utils', '_rebuild_parameter').mark();
    w.global('torch._utils', '_rebuild_tensor_v2').tuple(6, () => {
      w.tuple(5, () => w.str('storage').global('torch', info.storageClass as string).str(s.key).str('cpu').int(s.numel)).op(0x51);
      w.int(offset);
      w.tuple(t.shape.length, () => t.shape.forEach((d) => w.int(d)));
      w.tuple(strides.length, () => strides.forEach((d) => w.int(d)));
      w.bool(parameter ? false : requiresGrad);
      w.emptyOrderedDict();
    }).op(0x52);
    if (parameter) w.bool(requiresGrad).emptyOrderedDict().op(0x74).op(0x52);
  };

  const pickler = new PickleWriter((v, w) => {
    if (!isTensorInput(v)) return false;
    writeTensor(v, w);
    return true;
  });
  const pickle = pickler.value(obj).finish();

  const root = options.archiveName || 'archive';
  if (/[\\/]/.test(root)) {
    throw new FormatError('InvalidArgument', `archive name ${quote(root)} must not contain a slash: PyTorch takes the root folder from the first path segment`);
  }
  const zip = new ZipStreamWriter({ alignment: options.alignment, forceZip64: options.forceZip64 });
  yield* zip.entry(`${root}/data.pkl`, pickle);
  yield* zip.entry(`${root}/byteorder`, new TextEncoder().encode('little'));
  const ordered = [...storages.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const s of ordered) {
    const bytes = s.bytes();
    if (bytes.length !== s.numel * itemSize(s.dtype)) {
      throw new FormatError('InvalidArgument', `storage ${quote(s.key)} has ${bytes.length} bytes; ${s.numel} ${s.dtype} need ${s.numel * itemSize(s.dtype)}`);
    }
    yield* zip.entry(`${root}/data/${s.key}`, bytes);
  }
  yield* zip.entry(`${root}/version`, new TextEncoder().encode('3\n'));
  yield zip.finish();
}

/** A state dict (with optional `_metadata`) as torch.save chunks. */
export function saveStateDictChunks(tensors: Map<string, TensorInput>, options: TorchSaveOptions & { metadata?: PyValue } = {}) {
  return torchSaveChunks(stateDictObject(tensors, options.metadata), options);
}

export function torchSaveBytes(obj: SaveValue, options: TorchSaveOptions = {}): Uint8Array {
  const chunks = [...torchSaveChunks(obj, options)];
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
