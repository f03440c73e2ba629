import { inflateSync } from 'fflate';
import { ReadOp, readAt } from './byte-source';
import { crc32 } from './crc32';
import { FormatError, quote } from './errors';

/**
 * A small reader for the zip archives torch.save writes: central directory (with Zip64), stored
 * entries and, for archives repacked by other tools, deflate. Entries are read on demand.
 */
export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly flags: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
}

export interface ZipDirectory {
  readonly entries: readonly ZipEntry[];
  readonly byName: ReadonlyMap<string, ZipEntry>;
  /** where the central directory starts: entry data must end before it */
  readonly centralDirectoryOffset: number;
}

export interface ZipReadOptions {
  maxEntries: number;
  /** largest uncompressed entry that may be read into memory */
  maxEntryBytes: number;
  verifyChecksums: boolean;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;

function invalid(detail: string, offset?: number): never {
  throw new FormatError('InvalidZip', detail, { offset });
}

function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function u64(view: DataView, at: number, what: string): number {
  const v = view.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) invalid(`${what} ${v} is beyond any file this reader can open`);
  return Number(v);
}

const decoder = new TextDecoder('utf-8');

interface EndRecord { entries: number; cdSize: number; cdOffset: number; recordsEnd: number }

function* readEndRecords(fileSize: number): ReadOp<EndRecord> {
  if (fileSize < EOCD_SIZE) invalid(`${fileSize} bytes is too small for a zip archive`);
  const tailLength = Math.min(fileSize, EOCD_SIZE + MAX_COMMENT);
  const tailStart = fileSize - tailLength;
  const tail = yield* readAt(tailStart, tailLength);
  const view = dataView(tail);
  let at = -1;
  for (let p = tailLength - EOCD_SIZE; p >= 0; p--) {
    if (view.getUint32(p, true) === SIG_EOCD && p + EOCD_SIZE + view.getUint16(p + 20, true) === tailLength) { at = p; break; }
  }
  if (at < 0) invalid('no end-of-central-directory record: not a zip archive, or the file is truncated');
  const eocdOffset = tailStart + at;
  if (view.getUint16(at + 4, true) !== 0 && view.getUint16(at + 4, true) !== 0xffff) invalid('multi-disk zip archives are not supported');
  let end: EndRecord = {
    entries: view.getUint16(at + 10, true), cdSize: view.getUint32(at + 12, true),
    cdOffset: view.getUint32(at + 16, true), recordsEnd: eocdOffset,
  };
  if (eocdOffset >= 20) {
    const locator = dataView(yield* readAt(eocdOffset - 20, 20));
    if (locator.getUint32(0, true) === SIG_ZIP64_LOCATOR) {
      const zip64At = u64(locator, 8, 'Zip64 end record offset');
      if (zip64At + 56 > eocdOffset - 20) invalid('the Zip64 end record lies outside the archive', eocdOffset - 20);
      const z = dataView(yield* readAt(zip64At, 56));
      if (z.getUint32(0, true) !== SIG_ZIP64_EOCD) invalid('the Zip64 locator does not point at a Zip64 end record', zip64At);
      end = {
        entries: u64(z, 32, 'entry count'), cdSize: u64(z, 40, 'central directory size'),
        cdOffset: u64(z, 48, 'central directory offset'), recordsEnd: zip64At,
      };
    }
  }
  return end;
}

function zip64Field(extra: DataView, need: { size: boolean; compressed: boolean; offset: boolean }, name: string) {
  const found: { size?: number; compressed?: number; offset?: number } = {};
  for (let p = 0; p + 4 <= extra.byteLength;) {
    const id = extra.getUint16(p, true);
    const length = extra.getUint16(p + 2, true);
    if (p + 4 + length > extra.byteLength) invalid(`entry ${quote(name)} has a truncated extra field`);
    if (id === 0x0001) {
      let q = p + 4;
      const take = (what: string) => {
        if (q + 8 > p + 4 + length) invalid(`entry ${quote(name)}: the Zip64 extra field lacks the ${what}`);
        const v = u64(extra, q, `entry ${quote(name)} ${what}`);
        q += 8;
        return v;
      };
      if (need.size) found.size = take('size');
      if (need.compressed) found.compressed = take('compressed size');
      if (need.offset) found.offset = take('header offset');
    }
    p += 4 + length;
  }
  return found;
}

export function* readZipDirectoryOp(fileSize: number, options: ZipReadOptions): ReadOp<ZipDirectory> {
  const end = yield* readEndRecords(fileSize);
  if (end.cdOffset + end.cdSize > end.recordsEnd) {
    invalid(`the central directory (${end.cdSize} bytes at ${end.cdOffset}) overlaps the end records at ${end.recordsEnd}`);
  }
  if (end.entries > options.maxEntries) {
    throw new FormatError('LimitExceeded', `the archive lists ${end.entries} entries; the limit is ${options.maxEntries}`);
  }
  if (end.entries * 46 > end.cdSize) invalid(`${end.entries} entries cannot fit in a ${end.cdSize}-byte central directory`);
  const cd = yield* readAt(end.cdOffset, end.cdSize);
  const view = dataView(cd);
  const entries: ZipEntry[] = [];
  const byName = new Map<string, ZipEntry>();
  let p = 0;
  for (let i = 0; i < end.entries; i++) {
    if (p + 46 > cd.length || view.getUint32(p, true) !== SIG_CENTRAL) invalid(`central directory entry ${i} is damaged`, end.cdOffset + p);
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    const next = p + 46 + nameLength + extraLength + commentLength;
    if (next > cd.length) invalid(`central directory entry ${i} runs past the directory`, end.cdOffset + p);
    const name = decoder.decode(cd.subarray(p + 46, p + 46 + nameLength));
    let size = view.getUint32(p + 24, true);
    let compressedSize = view.getUint32(p + 20, true);
    let localHeaderOffset = view.getUint32(p + 42, true);
    const need = { size: size === 0xffffffff, compressed: compressedSize === 0xffffffff, offset: localHeaderOffset === 0xffffffff };
    if (need.size || need.compressed || need.offset) {
      const z = zip64Field(dataView(cd.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength)), need, name);
      size = z.size ?? size;
      compressedSize = z.compressed ?? compressedSize;
      localHeaderOffset = z.offset ?? localHeaderOffset;
    }
    const entry: ZipEntry = {
      name, flags: view.getUint16(p + 8, true), method: view.getUint16(p + 10, true),
      crc32: view.getUint32(p + 16, true), compressedSize, size, localHeaderOffset,
    };
    if (localHeaderOffset + 30 + compressedSize > end.cdOffset) invalid(`entry ${quote(name)} lies outside the archive's data`, localHeaderOffset);
    if (byName.has(name)) invalid(`the archive has two entries named ${quote(name)}`);
    byName.set(name, entry);
    entries.push(entry);
    p = next;
  }
  return { entries, byName, centralDirectoryOffset: end.cdOffset };
}

/** The entry's uncompressed bytes, checked against its size and (optionally) its CRC. */
export function* readZipEntryOp(entry: ZipEntry, directory: ZipDirectory, options: ZipReadOptions): ReadOp<Uint8Array> {
  const name = quote(entry.name);
  if (entry.flags & 1) throw new FormatError('UnsupportedCompression', `entry ${name} is encrypted`, { key: entry.name });
  if (entry.method !== 0 && entry.method !== 8) {
    throw new FormatError('UnsupportedCompression', `entry ${name} uses compression method ${entry.method}; only stored (0) and deflate (8) are supported`, { key: entry.name });
  }
  if (entry.size > options.maxEntryBytes) {
    throw new FormatError('LimitExceeded', `entry ${name} has ${entry.size} bytes; the limit is ${options.maxEntryBytes}`, { key: entry.name });
  }
  const local = dataView(yield* readAt(entry.localHeaderOffset, 30));
  if (local.getUint32(0, true) !== SIG_LOCAL) invalid(`entry ${name} has no local header at offset ${entry.localHeaderOffset}`, entry.localHeaderOffset);
  const dataStart = entry.localHeaderOffset + 30 + local.getUint16(26, true) + local.getUint16(28, true);
  if (dataStart + entry.compressedSize > directory.centralDirectoryOffset) {
    invalid(`entry ${name} data runs into the central directory`, dataStart);
  }
  let data: Uint8Array;
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size) invalid(`stored entry ${name} has compressed size ${entry.compressedSize} but size ${entry.size}`);
    data = yield* readAt(dataStart, entry.size);
  } else {
    const compressed = yield* readAt(dataStart, entry.compressedSize);
    try {
      data = inflateSync(compressed, { out: new Uint8Array(entry.size) });
    } catch (error) {
      throw new FormatError('InvalidZip', `entry ${name} is not valid deflate data: ${(error as Error).message}`, { key: entry.name });
    }
    if (data.length !== entry.size) invalid(`entry ${name} inflates to ${data.length} bytes, not ${entry.size}`);
  }
  if (options.verifyChecksums && crc32(data) !== entry.crc32) {
    throw new FormatError('ChecksumMismatch', `entry ${name} fails its CRC-32 check (the file is damaged)`, { key: entry.name });
  }
  return data;
}
