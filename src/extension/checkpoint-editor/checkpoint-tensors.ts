// TensorSources for the tensors of an opened checkpoint, reading only the requested element ranges where the
// file allows it: a safetensors entry is one byte range; a torch.save storage stored uncompressed in the zip
// is one too (for contiguous little-endian views). Anything else (strided views, deflated records, big-endian
// files) is read whole through the formats layer, which gathers and byte-swaps it.
import { ByteSource, SafetensorsFile, TensorEntry, TorchCheckpoint, runAsync } from '../../formats';
import { ZipDirectory, readZipDirectoryOp } from '../../formats/zip-reader';
import { TensorSource, TensorSourceInfo, contiguousStrides, rangeTensorSource, wholeTensorSource } from '../inspector/tensor-source';
import { bytesPerElement, unsupportedReason } from '../inspector/values';

const LOCAL_HEADER_SIGNATURE = 0x04034b50;

function infoOf(key: string, entry: TensorEntry, origin: string): TensorSourceInfo {
  return {
    name: key, dtype: entry.dtype, shape: [...entry.shape], bytes: entry.byteLength, origin,
    strides: entry.view ? [...entry.view.strides] : contiguousStrides(entry.shape),
  };
}

export function safetensorsTensorSource(key: string, entry: TensorEntry, file: SafetensorsFile, source: ByteSource, origin: string): TensorSource {
  const header = file.header.tensors.find((t) => t.name === key);
  if (!header) return wholeTensorSource(infoOf(key, entry, origin), () => entry.read());
  const start = file.header.dataStart + header.begin;
  return rangeTensorSource(infoOf(key, entry, origin), async (offset, length) => source.read(start + offset, length));
}

/** Where each uncompressed storage record's bytes start, from the zip's central directory (read once). */
export class TorchStorageLocator {
  private directory: Promise<ZipDirectory> | undefined;
  constructor(private readonly source: ByteSource, private readonly checkpoint: TorchCheckpoint) {}

  /** Byte offset of the storage's element 0 in the file, or undefined when it cannot be read by range. */
  async storageStart(storageKey: string): Promise<number | undefined> {
    if (this.checkpoint.byteorder !== 'little') return undefined;
    this.directory ??= runAsync(readZipDirectoryOp(this.source.size, { maxEntries: 1_000_000, maxEntryBytes: Number.MAX_SAFE_INTEGER, verifyChecksums: false }), this.source);
    const record = (await this.directory).byName.get(`${this.checkpoint.root}data/${storageKey}`);
    if (!record || record.method !== 0) return undefined;
    const local = await this.source.read(record.localHeaderOffset, 30);
    const view = new DataView(local.buffer, local.byteOffset, local.byteLength);
    if (view.getUint32(0, true) !== LOCAL_HEADER_SIGNATURE) return undefined;
    const start = record.localHeaderOffset + 30 + view.getUint16(26, true) + view.getUint16(28, true);
    return start + record.size <= this.source.size ? start : undefined;
  }
}

function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === 1) continue;
    if (strides[i] !== expected) return false;
    expected *= shape[i];
  }
  return true;
}

export function torchTensorSource(key: string, entry: TensorEntry, locator: TorchStorageLocator, source: ByteSource, origin: string): TensorSource {
  const info = infoOf(key, entry, origin);
  const whole = wholeTensorSource(info, () => entry.read());
  const view = entry.view;
  const storageKey = view?.storage.key;
  if (!view || storageKey === undefined || unsupportedReason(entry.dtype) || !isContiguous(entry.shape, view.strides)) return whole;
  let ranged: Promise<TensorSource | undefined> | undefined;
  const rangedSource = async () => {
    const start = await locator.storageStart(storageKey);
    if (start === undefined) return undefined;
    const first = start + view.storageOffset * bytesPerElement(entry.dtype);
    return rangeTensorSource(info, async (offset, length) => source.read(first + offset, length));
  };
  return {
    info,
    async read(offset, count) {
      ranged ??= rangedSource().catch(() => undefined);
      return ((await ranged) ?? whole).read(offset, count);
    },
  };
}
