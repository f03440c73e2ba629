/** A growable little-endian byte buffer for headers and pickles. */
export class ByteBuilder {
  private buffer = new Uint8Array(256);
  private view = new DataView(this.buffer.buffer);
  length = 0;

  private reserve(extra: number): number {
    const at = this.length;
    if (at + extra > this.buffer.length) {
      const grown = new Uint8Array(Math.max(this.buffer.length * 2, at + extra));
      grown.set(this.buffer.subarray(0, at));
      this.buffer = grown;
      this.view = new DataView(grown.buffer);
    }
    this.length += extra;
    return at;
  }

  // reserve() may replace the buffer, so it runs before the buffer is used
  u8(v: number): this { const at = this.reserve(1); this.buffer[at] = v; return this; }
  u16(v: number): this { const at = this.reserve(2); this.view.setUint16(at, v, true); return this; }
  u32(v: number): this { const at = this.reserve(4); this.view.setUint32(at, v >>> 0, true); return this; }
  i32(v: number): this { const at = this.reserve(4); this.view.setInt32(at, v, true); return this; }
  u64(v: number): this { const at = this.reserve(8); this.view.setBigUint64(at, BigInt(v), true); return this; }
  f64be(v: number): this { const at = this.reserve(8); this.view.setFloat64(at, v, false); return this; }
  bytes(b: Uint8Array): this { const at = this.reserve(b.length); this.buffer.set(b, at); return this; }
  fill(value: number, count: number): this { const at = this.reserve(count); this.buffer.fill(value, at, at + count); return this; }

  /** A copy of what was written. */
  toBytes(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

export const utf8Encode = (s: string): Uint8Array => new TextEncoder().encode(s);
