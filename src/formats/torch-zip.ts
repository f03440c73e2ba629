import { ByteSource, MemoryByteSource, ReadOp, readAt, runAsync, runSync } from './byte-source';
import { DType, itemSize } from './dtypes';
import { FormatError, quote, withFileName, withFileNameAsync } from './errors';
import { PickleLimits } from './pickle';
import { PyValue } from './py-values';
import { StateDictCandidate, findStateDicts } from './state-dicts';
import { copyBytes, swapByteOrder } from './tensor-data';
import { DEFAULT_MAX_TENSOR_BYTES, StorageLoader, unpickleTorch } from './torch-pickle';
import { ZipDirectory, ZipEntry, ZipReadOptions, readZipDirectoryOp, readZipEntryOp } from './zip-reader';

/**
 * Reads checkpoints written by torch.save (the zip format, PyTorch >= 1.6): any root folder, Zip64,
 * `byteorder`, storages shared by views. `data.pkl` goes through the allow-list unpickler; storages are
 * read from `data/<key>` when a tensor's bytes are asked for.
 */
export interface TorchLoadOptions {
  /** named in error messages; defaults to the source's name */
  fileName?: string;
  /** check the CRC-32 of every record read (default true) */
  verifyChecksums?: boolean;
  /** largest tensor or storage read into memory (default 4 GiB) */
  maxTensorBytes?: number;
  /** largest data.pkl (default 1 GiB) */
  maxPickleBytes?: number;
  maxEntries?: number;
  pickleLimits?: Partial<PickleLimits>;
}

export interface TorchCheckpoint {
  readonly file?: string;
  /** the archive's root folder with its slash, e.g. `net/` or `archive/` */
  readonly root: string;
  readonly byteorder: 'little' | 'big';
  /** the `version` record (`3` for torch 1.6-2.x) */
  readonly version?: string;
  /** the unpickled object; tensors in it are TorchTensor */
  readonly object: PyValue;
  /** state dicts found inside, most likely first */
  readonly stateDicts: StateDictCandidate[];
  readonly entries: readonly string[];
}

/** The first bytes of PyTorch's legacy (pre-1.6) format: PROTO 2 then the LONG1 magic number. */
const LEGACY_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
const LEGACY_ADVICE = 're-save it with a current PyTorch: torch.save(torch.load(path), new_path) writes the zip format';

export function isLegacyTorchFormat(head: Uint8Array): boolean {
  return LEGACY_MAGIC.every((b, i) => head[i] === b);
}

function checkSignature(head: Uint8Array): void {
  if (isLegacyTorchFormat(head)) {
    throw new FormatError('LegacyFormat', `this checkpoint uses PyTorch's legacy (pre-1.6) format, which cannot be read without running it; ${LEGACY_ADVICE}`);
  }
  if (head.length >= 262 && String.fromCharCode(...head.subarray(257, 262)) === 'ustar') {
    throw new FormatError('LegacyFormat', `this is a tar checkpoint from PyTorch 0.x; ${LEGACY_ADVICE}`);
  }
  if (head[0] !== 0x50 || head[1] !== 0x4b) {
    throw new FormatError('UnknownFormat', 'not a PyTorch checkpoint: torch.save files are zip archives starting with "PK"');
  }
}

function findRoot(directory: ZipDirectory): string {
  const pickles = directory.entries.filter((e) => e.name === 'data.pkl' || e.name.endsWith('/data.pkl'));
  if (pickles.length === 0) throw new FormatError('MissingRecord', 'the archive has no data.pkl: it was not written by torch.save', { key: 'data.pkl' });
  const top = pickles.reduce((a, b) => (a.name.split('/').length <= b.name.split('/').length ? a : b));
  const root = top.name.slice(0, top.name.length - 'data.pkl'.length);
  if (directory.byName.has(`${root}constants.pkl`) || directory.entries.some((e) => e.name.startsWith(`${root}code/`))) {
    throw new FormatError('TorchScriptArchive',
      'this is a TorchScript archive (torch.jit.save), which holds code; save the weights with torch.save(model.state_dict(), path) instead');
  }
  return root;
}

function* smallRecord(directory: ZipDirectory, name: string, options: ZipReadOptions): ReadOp<string | undefined> {
  const entry = directory.byName.get(name);
  if (!entry) return undefined;
  if (entry.size > 64) throw new FormatError('InvalidRecord', `record ${quote(name)} has ${entry.size} bytes; expected a short text`, { key: name });
  return new TextDecoder().decode(yield* readZipEntryOp(entry, directory, options)).trim();
}

interface Reader {
  readSync(op: ReadOp<Uint8Array>): Uint8Array;
  read(op: ReadOp<Uint8Array>): Promise<Uint8Array>;
}

function* checkpointOp(source: ByteSource, options: TorchLoadOptions, reader: Reader): ReadOp<TorchCheckpoint> {
  const head = yield* readAt(0, Math.min(source.size, 512));
  checkSignature(head);
  const maxTensorBytes = options.maxTensorBytes ?? DEFAULT_MAX_TENSOR_BYTES;
  const zipOptions: ZipReadOptions = {
    maxEntries: options.maxEntries ?? 1_000_000, maxEntryBytes: maxTensorBytes, verifyChecksums: options.verifyChecksums ?? true,
  };
  const directory = yield* readZipDirectoryOp(source.size, zipOptions);
  const root = findRoot(directory);

  const byteorder = (yield* smallRecord(directory, `${root}byteorder`, zipOptions)) ?? 'little';
  if (byteorder !== 'little' && byteorder !== 'big') {
    throw new FormatError('InvalidRecord', `record byteorder says ${quote(byteorder)}; expected "little" or "big"`, { key: `${root}byteorder` });
  }
  const version = (yield* smallRecord(directory, `${root}version`, zipOptions)) ?? (yield* smallRecord(directory, `${root}.data/version`, zipOptions));
  const pickleEntry = directory.byName.get(`${root}data.pkl`) as ZipEntry;
  const pickle = yield* readZipEntryOp(pickleEntry, directory, { ...zipOptions, maxEntryBytes: options.maxPickleBytes ?? 2 ** 30 });

  // One storage is cached: views of the same storage usually come one after another.
  let cached: { key: string; bytes: Uint8Array } | undefined;
  const resolveStorage = (key: string, dtype: DType, numel: number): StorageLoader => {
    const name = `${root}data/${key}`;
    const entry = directory.byName.get(name);
    if (!entry) throw new FormatError('MissingRecord', `storage ${quote(key)} has no record ${quote(name)} in the archive`, { key: name });
    const expected = numel * itemSize(dtype);
    if (entry.size !== expected) {
      throw new FormatError('InvalidTensor', `record ${quote(name)} has ${entry.size} bytes but its storage of ${numel} ${dtype} needs ${expected}`, { key: name });
    }
    const finish = (bytes: Uint8Array) => {
      const ordered = byteorder === 'big' ? swapByteOrder(copyBytes(bytes), dtype) : bytes;
      cached = { key, bytes: ordered };
      return ordered;
    };
    return {
      readSync: () => (cached?.key === key ? cached.bytes : finish(reader.readSync(readZipEntryOp(entry, directory, zipOptions)))),
      read: async () => (cached?.key === key ? cached.bytes : finish(await reader.read(readZipEntryOp(entry, directory, zipOptions)))),
    };
  };
  const file = options.fileName ?? source.name;
  const object = unpickleTorch(pickle, { resolveStorage, maxTensorBytes, limits: options.pickleLimits, fileName: file });
  return {
    file, root, byteorder, version, object,
    stateDicts: findStateDicts(object), entries: directory.entries.map((e) => e.name),
  };
}

function readerFor(source: ByteSource, file: string | undefined): Reader {
  return {
    readSync: (op) => withFileName(file, () => runSync(op, source)),
    read: (op) => withFileNameAsync(file, () => runAsync(op, source)),
  };
}

/** Opens a torch.save checkpoint; tensor bytes are read on demand. */
export function openTorchCheckpointSync(source: ByteSource, options: TorchLoadOptions = {}): TorchCheckpoint {
  const file = options.fileName ?? source.name;
  return withFileName(file, () => runSync(checkpointOp(source, options, readerFor(source, file)), source));
}

export function openTorchCheckpoint(source: ByteSource, options: TorchLoadOptions = {}): Promise<TorchCheckpoint> {
  const file = options.fileName ?? source.name;
  return withFileNameAsync(file, () => runAsync(checkpointOp(source, options, readerFor(source, file)), source));
}

export function readTorchCheckpoint(bytes: Uint8Array, options: TorchLoadOptions = {}): TorchCheckpoint {
  return openTorchCheckpointSync(new MemoryByteSource(bytes, options.fileName), options);
}
