import { ByteBuilder, utf8Encode } from './byte-builder';
import { crc32 } from './crc32';

/**
 * Writes archives the way PyTorch's (miniz-based) writer does: stored entries, a data descriptor after
 * each, a local `FB` extra field padded with 'Z' so data starts on an `alignment` boundary, and Zip64 end
 * records even for small files. Entries are emitted one at a time so large files stream.
 */
export interface ZipWriterOptions {
  /** data alignment in bytes (torch.save uses 64) */
  alignment?: number;
  /** Zip64 extra fields on every entry, not only those past 4 GiB (for testing readers) */
  forceZip64?: boolean;
}

interface CentralRecord { name: Uint8Array; crc: number; size: number; offset: number; zip64: boolean }

const LIMIT32 = 0xffffffff;

export class ZipStreamWriter {
  private offset = 0;
  private readonly records: CentralRecord[] = [];
  private readonly alignment: number;
  private readonly forceZip64: boolean;

  constructor(options: ZipWriterOptions = {}) {
    this.alignment = options.alignment ?? 64;
    this.forceZip64 = options.forceZip64 ?? false;
  }

  /** Local header, data and data descriptor of one stored entry. */
  *entry(name: string, data: Uint8Array): Generator<Uint8Array, void, undefined> {
    const nameBytes = utf8Encode(name);
    const zip64 = this.forceZip64 || data.length >= LIMIT32 || this.offset >= LIMIT32;
    const zip64ExtraLength = zip64 ? 20 : 0;
    const unpadded = this.offset + 30 + nameBytes.length + zip64ExtraLength + 4;
    const padding = (this.alignment - (unpadded % this.alignment)) % this.alignment;
    const crc = crc32(data);

    const header = new ByteBuilder()
      .u32(0x04034b50).u16(zip64 ? 45 : 0).u16(0x0808).u16(0).u16(0).u16(0)
      .u32(0).u32(zip64 ? LIMIT32 : 0).u32(zip64 ? LIMIT32 : 0)
      .u16(nameBytes.length).u16(zip64ExtraLength + 4 + padding).bytes(nameBytes);
    if (zip64) header.u16(0x0001).u16(16).u64(data.length).u64(data.length);
    header.u8(0x46).u8(0x42).u16(padding).fill(0x5a, padding);

    const descriptor = new ByteBuilder().u32(0x08074b50).u32(crc);
    if (zip64) descriptor.u64(data.length).u64(data.length);
    else descriptor.u32(data.length).u32(data.length);

    this.records.push({ name: nameBytes, crc, size: data.length, offset: this.offset, zip64 });
    this.offset += header.length + data.length + descriptor.length;
    yield header.toBytes();
    yield data;
    yield descriptor.toBytes();
  }

  /** Central directory, Zip64 end record and locator, end record. */
  finish(): Uint8Array {
    const out = new ByteBuilder();
    const cdOffset = this.offset;
    for (const r of this.records) {
      const needSize = r.zip64 || r.size >= LIMIT32;
      const needOffset = r.zip64 || r.offset >= LIMIT32;
      const extraLength = needSize || needOffset ? 4 + (needSize ? 16 : 0) + (needOffset ? 8 : 0) : 0;
      out.u32(0x02014b50).u16(0).u16(extraLength ? 45 : 0).u16(0x0808).u16(0).u16(0).u16(0)
        .u32(r.crc).u32(needSize ? LIMIT32 : r.size).u32(needSize ? LIMIT32 : r.size)
        .u16(r.name.length).u16(extraLength).u16(0).u16(0).u16(0).u32(0)
        .u32(needOffset ? LIMIT32 : r.offset).bytes(r.name);
      if (extraLength) {
        out.u16(0x0001).u16(extraLength - 4);
        if (needSize) out.u64(r.size).u64(r.size);
        if (needOffset) out.u64(r.offset);
      }
    }
    const cdSize = out.length;
    const zip64At = cdOffset + cdSize;
    const count = this.records.length;
    out.u32(0x06064b50).u64(44).u16(0x031e).u16(45).u32(0).u32(0)
      .u64(count).u64(count).u64(cdSize).u64(cdOffset);
    out.u32(0x07064b50).u32(0).u64(zip64At).u32(1);
    out.u32(0x06054b50).u16(0).u16(0).u16(Math.min(count, 0xffff)).u16(Math.min(count, 0xffff))
      .u32(Math.min(cdSize, LIMIT32)).u32(Math.min(cdOffset, LIMIT32)).u16(0);
    this.offset += out.length;
    return out.toBytes();
  }
}
