import { DType, dtypeFromStorageClass, dtypeFromTorchName, itemSize } from './dtypes';
import { FormatError, quote } from './errors';
import { PickleLimits, PyCallable, unpickle } from './pickle';
import { PyDict, PyObject, PyReduced, PyValue, isList, isSafeIndex, isTuple, makeTuple, pyTypeName } from './py-values';
import { StorageRef, StridedView, TensorEntry, checkViewBounds, checkedNumel, gatherStrided } from './tensor-data';

/**
 * The allow-list that makes torch.save pickles loadable without running them: the globals PyTorch's
 * `weights_only=True` unpickler accepts for state dicts, each implemented here as a pure function.
 */
export class PyDType extends PyObject {
  readonly pyClass = 'torch.dtype';
  constructor(readonly dtype: DType) {
    super();
  }
}

/** `torch.FloatStorage` and friends, as named in persistent ids. */
export class PyStorageType extends PyObject {
  constructor(readonly pyClass: string, readonly dtype: DType) {
    super();
  }
}

export interface StorageLoader {
  readSync(): Uint8Array;
  read(): Promise<Uint8Array>;
}

/** A storage named by a persistent id; its bytes come from the archive's `data/<key>` record. */
export class TorchStorage extends PyObject implements StorageRef {
  readonly pyClass = 'torch.storage.TypedStorage';
  constructor(readonly dtype: DType, readonly numel: number, readonly key: string, readonly location: string,
              private readonly loader: StorageLoader) {
    super();
  }
  readSync(): Uint8Array { return this.loader.readSync(); }
  read(): Promise<Uint8Array> { return this.loader.read(); }
}

/** A tensor as `_rebuild_tensor_v2` describes it: a strided view of a storage. */
export class TorchTensor extends PyObject implements TensorEntry {
  readonly byteLength: number;
  readonly view: StridedView;
  constructor(readonly storage: TorchStorage, storageOffset: number, readonly shape: readonly number[],
              strides: readonly number[], readonly requiresGrad: boolean, readonly isParameter: boolean,
              private readonly maxBytes: number, private readonly file?: string) {
    super();
    this.view = { storage, storageOffset, strides };
    this.byteLength = (checkedNumel(shape) as number) * itemSize(storage.dtype);
  }
  get pyClass(): string { return this.isParameter ? 'torch.nn.parameter.Parameter' : 'torch.Tensor'; }
  get dtype(): DType { return this.storage.dtype; }

  asParameter(requiresGrad: boolean): TorchTensor {
    return new TorchTensor(this.storage, this.view.storageOffset, this.shape, this.view.strides, requiresGrad, true, this.maxBytes, this.file);
  }
  /** Legacy tensors and Parameters accept BUILD; their state (hooks, attributes) is not needed here. */
  build(): void {}

  /** Checked before the storage is read: a stride-0 view can be far larger than its storage. */
  private checkSize(): void {
    if (this.byteLength > this.maxBytes) {
      throw new FormatError('LimitExceeded',
        `made contiguous, a tensor of storage ${quote(this.storage.key)} needs ${this.byteLength} bytes; the limit is ${this.maxBytes}`,
        { key: this.storage.key, file: this.file });
    }
  }
  private gather(bytes: Uint8Array): Uint8Array {
    return gatherStrided(bytes, itemSize(this.dtype), this.shape, this.view.strides, this.view.storageOffset);
  }
  readSync(): Uint8Array { this.checkSize(); return this.gather(this.storage.readSync()); }
  async read(): Promise<Uint8Array> { this.checkSize(); return this.gather(await this.storage.read()); }
}

export type StorageResolver = (key: string, dtype: DType, numel: number, location: string) => StorageLoader;

export interface TorchUnpickleOptions {
  /** Supplies storage bytes; without it storages exist but reading them fails with MissingRecord. */
  resolveStorage?: StorageResolver;
  /** largest tensor `readSync`/`read` may make contiguous */
  maxTensorBytes?: number;
  /** named in errors raised later, when tensors are read */
  fileName?: string;
  limits?: Partial<PickleLimits>;
}

const MAX_RANK = 64;
const PY2_MODULES: Record<string, string> = { __builtin__: 'builtins', copy_reg: 'copyreg' };
export const DEFAULT_MAX_TENSOR_BYTES = 2 ** 32;

function invalid(detail: string): never {
  throw new FormatError('InvalidTensor', detail);
}

function dims(value: PyValue, what: string): number[] {
  if (!isTuple(value) && !isList(value)) invalid(`${what} must be a tuple of ints, not ${pyTypeName(value)}`);
  const items = value as readonly PyValue[];
  if (items.length > MAX_RANK) invalid(`${what} has ${items.length} dimensions; at most ${MAX_RANK} are supported`);
  return items.map((d) => {
    if (!isSafeIndex(d)) invalid(`${what} must hold non-negative ints, got ${pyTypeName(d)} ${String(d)}`);
    return d as number;
  });
}

function arity(args: readonly PyValue[], min: number, max: number, name: string): void {
  if (args.length < min || args.length > max) {
    throw new FormatError('InvalidPickle', `${name} takes ${min === max ? min : `${min} to ${max}`} arguments, got ${args.length}`);
  }
}

function tensorArg(value: PyValue, name: string): TorchTensor {
  if (!(value instanceof TorchTensor)) invalid(`${name} expects a tensor, got ${pyTypeName(value)}`);
  return value as TorchTensor;
}

function boolArg(value: PyValue, name: string): boolean {
  if (typeof value !== 'boolean') invalid(`${name}: requires_grad must be a bool, got ${pyTypeName(value)}`);
  return value as boolean;
}

export function unpickleTorch(data: Uint8Array, options: TorchUnpickleOptions = {}): PyValue {
  const maxBytes = options.maxTensorBytes ?? DEFAULT_MAX_TENSOR_BYTES;
  const storages = new Map<string, TorchStorage>();

  const rebuildTensor = (args: readonly PyValue[], name: string): TorchTensor => {
    const [storage, offset, size, stride] = args;
    if (!(storage instanceof TorchStorage)) invalid(`${name} expects a storage, got ${pyTypeName(storage)}`);
    const s = storage as TorchStorage;
    if (!isSafeIndex(offset)) invalid(`${name}: storage offset must be a non-negative int`);
    const shape = dims(size, `${name}: size`);
    const strides = dims(stride, `${name}: stride`);
    const what = `a tensor of storage ${quote(s.key)}`;
    if (checkedNumel(shape) === undefined || !Number.isSafeInteger((checkedNumel(shape) as number) * itemSize(s.dtype))) {
      invalid(`${what} has shape [${shape.join(', ')}], too many elements`);
    }
    checkViewBounds(shape, strides, offset as number, s.numel, what);
    const requiresGrad = args.length > 4 ? boolArg(args[4], name) : false;
    return new TorchTensor(s, offset as number, shape, strides, requiresGrad, false, maxBytes, options.fileName);
  };

  const rebuildParameter = (args: readonly PyValue[], name: string): TorchTensor =>
    tensorArg(args[0], name).asParameter(boolArg(args[1], name));

  const TENSOR_CLASS = new PyCallable('torch.Tensor');
  const PARAMETER_CLASS = new PyCallable('torch.nn.parameter.Parameter', undefined, (args) => {
    arity(args, 1, 2, 'Parameter');
    return tensorArg(args[0], 'Parameter').asParameter(args.length > 1 ? boolArg(args[1], 'Parameter') : true);
  });

  const orderedDict = (args: readonly PyValue[]): PyDict => {
    arity(args, 0, 1, 'OrderedDict');
    const dict = new PyDict(true);
    if (args.length === 1 && args[0] !== null) {
      if (!isList(args[0]) && !isTuple(args[0])) throw new FormatError('InvalidPickle', 'OrderedDict expects a list of pairs');
      for (const pair of args[0] as PyValue[]) {
        if (!isTuple(pair) || pair.length !== 2) throw new FormatError('InvalidPickle', 'OrderedDict expects (key, value) pairs');
        dict.set((pair as PyValue[])[0], (pair as PyValue[])[1]);
      }
    }
    return dict;
  };

  const fixed: Record<string, PyCallable> = {
    'collections.OrderedDict': new PyCallable('collections.OrderedDict', orderedDict, orderedDict),
    'torch._utils._rebuild_tensor_v2': new PyCallable('torch._utils._rebuild_tensor_v2', (a) => {
      arity(a, 6, 7, '_rebuild_tensor_v2');
      return rebuildTensor(a, '_rebuild_tensor_v2');
    }),
    'torch._utils._rebuild_tensor': new PyCallable('torch._utils._rebuild_tensor', (a) => {
      arity(a, 4, 4, '_rebuild_tensor');
      return rebuildTensor(a, '_rebuild_tensor');
    }),
    'torch._utils._rebuild_parameter': new PyCallable('torch._utils._rebuild_parameter', (a) => {
      arity(a, 3, 3, '_rebuild_parameter');
      return rebuildParameter(a, '_rebuild_parameter');
    }),
    'torch._utils._rebuild_parameter_with_state': new PyCallable('torch._utils._rebuild_parameter_with_state', (a) => {
      arity(a, 4, 4, '_rebuild_parameter_with_state');
      return rebuildParameter(a, '_rebuild_parameter_with_state');
    }),
    'torch._tensor._rebuild_from_type_v2': new PyCallable('torch._tensor._rebuild_from_type_v2', (a) => {
      arity(a, 3, 4, '_rebuild_from_type_v2');
      const [func, type, inner] = a;
      if (!(func instanceof PyCallable) || !func.call || !isTuple(inner)) throw new FormatError('InvalidPickle', '_rebuild_from_type_v2 expects (function, type, args, state)');
      if (type !== TENSOR_CLASS && type !== PARAMETER_CLASS) throw new FormatError('InvalidPickle', `_rebuild_from_type_v2 of ${pyTypeName(type)} is not supported`);
      const tensor = tensorArg(func.call(inner as readonly PyValue[]), '_rebuild_from_type_v2');
      return type === PARAMETER_CLASS ? tensor.asParameter(tensor.requiresGrad) : tensor;
    }),
    'torch.Size': new PyCallable('torch.Size', (a) => {
      arity(a, 0, 1, 'torch.Size');
      return makeTuple(a.length ? dims(a[0], 'torch.Size') : []);
    }),
    'torch.Tensor': TENSOR_CLASS,
    'torch.nn.parameter.Parameter': PARAMETER_CLASS,
    'torch.device': new PyCallable('torch.device', (a) => new PyReduced('torch.device', a)),
    'torch.serialization._get_layout': new PyCallable('torch.serialization._get_layout', (a) => new PyReduced('torch.layout', a)),
    'builtins.set': new PyCallable('builtins.set', (a) => new Set(a.length && (isList(a[0]) || isTuple(a[0])) ? (a[0] as PyValue[]) : [])),
    '_codecs.encode': new PyCallable('_codecs.encode', (a) => {
      // protocol 2 pickles bytes as _codecs.encode(latin-1 text, 'latin1')
      const [value, encoding] = a;
      if (typeof value !== 'string') throw new FormatError('InvalidPickle', '_codecs.encode expects a str');
      if (encoding === 'latin1' || encoding === 'latin-1') {
        return Uint8Array.from(value as string, (c) => c.charCodeAt(0) & 0xff);
      }
      if (encoding === 'utf-8' || encoding === 'utf8' || encoding === undefined) return new TextEncoder().encode(value as string);
      throw new FormatError('InvalidPickle', `_codecs.encode with encoding ${String(encoding)} is not supported`);
    }),
  };
  const dtypes = new Map<DType, PyDType>();

  const findGlobal = (pickledModule: string, name: string): PyValue => {
    // protocol 2 spells Python 3 modules with their Python 2 names, as Python's fix_imports maps them
    const module = PY2_MODULES[pickledModule] ?? pickledModule;
    const full = `${module}.${name}`;
    if (Object.prototype.hasOwnProperty.call(fixed, full)) return fixed[full];
    if (module === 'torch') {
      const storageDtype = name.endsWith('Storage') ? dtypeFromStorageClass(name) : undefined;
      if (storageDtype) return new PyStorageType(full, storageDtype);
      const dtype = dtypeFromTorchName(name);
      if (dtype) {
        if (!dtypes.has(dtype)) dtypes.set(dtype, new PyDType(dtype));
        return dtypes.get(dtype) as PyDType;
      }
    }
    throw new FormatError('ForbiddenGlobal',
      `the pickle refers to ${full}, which is not on the allow-list (tensors, storages, OrderedDict, torch.Size, ` +
      'dtypes); it is refused because loading it could run code', { key: full });
  };

  const persistentLoad = (pid: PyValue): PyValue => {
    if (!isTuple(pid) || pid.length !== 5 || pid[0] !== 'storage') {
      throw new FormatError('InvalidPickle', `persistent ids must be ('storage', type, key, location, numel), got ${pyTypeName(pid)}`);
    }
    const [, type, key, location, numel] = pid;
    if (!(type instanceof PyStorageType)) throw new FormatError('InvalidPickle', `storage type must be a torch storage class, got ${pyTypeName(type)}`);
    if (typeof key !== 'string' || key === '' || key.includes('/')) throw new FormatError('InvalidPickle', `storage key must be a record name, got ${pyTypeName(key)}`);
    if (typeof location !== 'string') throw new FormatError('InvalidPickle', `storage ${quote(key)}: location must be a str`);
    if (!isSafeIndex(numel)) throw new FormatError('InvalidPickle', `storage ${quote(key)}: numel must be a non-negative int`);
    const known = storages.get(key);
    if (known) {
      if (known.dtype !== type.dtype || known.numel !== numel) {
        invalid(`storage ${quote(key)} is described twice differently (${known.dtype} x ${known.numel}, ${type.dtype} x ${numel})`);
      }
      return known;
    }
    const loader = options.resolveStorage ? options.resolveStorage(key, type.dtype, numel, location) : detachedStorage(key);
    const storage = new TorchStorage(type.dtype, numel, key, location, loader);
    storages.set(key, storage);
    return storage;
  };

  return unpickle(data, { findGlobal, persistentLoad }, options.limits);
}

function detachedStorage(key: string): StorageLoader {
  const missing = () => new FormatError('MissingRecord', `storage ${quote(key)} has no data outside an archive`, { key });
  return { readSync: () => { throw missing(); }, read: async () => { throw missing(); } };
}
