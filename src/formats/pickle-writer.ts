import { ByteBuilder, utf8Encode } from './byte-builder';
import { FormatError } from './errors';
import { PyDict, PyValue, isTuple } from './py-values';

/**
 * A protocol-2 pickler for plain data, emitting only opcodes torch's `weights_only` unpickler accepts
 * (1.13 and 2.x). Values the caller handles itself (tensors) go through `custom`.
 * JS numbers that are integers are written as Python ints, other numbers as floats.
 */
export type CustomPickler = (value: unknown, writer: PickleWriter) => boolean;

const BATCH = 1000;

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
}

export class PickleWriter {
  private readonly out = new ByteBuilder();
  private readonly globals = new Map<string, number>();
  private nextMemo = 0;
  private readonly active = new Set<object>();

  constructor(private readonly custom?: CustomPickler) {
    this.out.u8(0x80).u8(2);
  }

  op(code: number): this { this.out.u8(code); return this; }
  mark(): this { return this.op(0x28); }

  /** GLOBAL, memoized so each global is spelled out once. */
  global(module: string, name: string): this {
    const key = `${module}\n${name}\n`;
    const memo = this.globals.get(key);
    if (memo !== undefined) return memo < 256 ? this.op(0x68).op(memo) : this.op(0x6a).u32(memo);
    this.op(0x63).bytes(utf8Encode(key));
    const index = this.nextMemo++;
    this.globals.set(key, index);
    return index < 256 ? this.op(0x71).op(index) : this.op(0x72).u32(index);
  }

  int(v: number | bigint): this {
    if (typeof v === 'number' && v >= 0 && v < 256) return this.op(0x4b).op(v);
    if (typeof v === 'number' && v >= 0 && v < 65536) return this.op(0x4d).u16(v);
    if (typeof v === 'number' && v >= -(2 ** 31) && v < 2 ** 31) return this.op(0x4a).i32(v);
    // LONG1: little-endian two's complement, as short as the sign allows
    let n = BigInt(v);
    const bytes: number[] = [];
    for (;;) {
      bytes.push(Number(n & 0xffn));
      n >>= 8n;
      const sign = bytes[bytes.length - 1] & 0x80;
      if ((n === 0n && !sign) || (n === -1n && sign)) break;
    }
    if (bytes.length > 255) throw new FormatError('InvalidArgument', `integer ${v} is too large to pickle`);
    return this.op(0x8a).op(bytes.length).bytesOf(bytes);
  }

  float(v: number): this { this.op(0x47); this.out.f64be(v); return this; }
  str(s: string): this { const b = utf8Encode(s); return this.op(0x58).u32(b.length).bytes(b); }
  bool(v: boolean): this { return this.op(v ? 0x88 : 0x89); }
  none(): this { return this.op(0x4e); }

  /** Tuple of the values `items` writes (count known up front). */
  tuple(count: number, items: () => void): this {
    if (count === 0) return this.op(0x29);
    if (count > 3) this.mark();
    items();
    return this.op(count > 3 ? 0x74 : 0x84 + count);
  }

  emptyOrderedDict(): this {
    return this.global('collections', 'OrderedDict').op(0x29).op(0x52);
  }

  value(v: unknown): this {
    if (this.custom?.(v, this)) return this;
    if (v === null || v === undefined) return this.none();
    if (typeof v === 'boolean') return this.bool(v);
    if (typeof v === 'bigint') return this.int(v);
    if (typeof v === 'number') return Number.isSafeInteger(v) ? this.int(v) : this.float(v);
    if (typeof v === 'string') return this.str(v);
    if (v instanceof Uint8Array) {
      // protocol 2 has no bytes opcode: Python writes _codecs.encode(latin-1 text, 'latin1')
      this.global('_codecs', 'encode');
      return this.tuple(2, () => this.str(latin1(v)).str('latin1')).op(0x52);
    }
    if (typeof v !== 'object') throw new FormatError('InvalidArgument', `cannot pickle a ${typeof v}`);
    if (this.active.has(v)) throw new FormatError('InvalidArgument', 'cannot pickle a structure that contains itself');
    this.active.add(v);
    try {
      if (isTuple(v)) this.tuple(v.length, () => v.forEach((x) => this.value(x)));
      else if (Array.isArray(v)) this.op(0x5d).batched(v, (x) => this.value(x), 0x65);
      else if (v instanceof Set) this.global('builtins', 'set').tuple(1, () => this.op(0x5d).batched([...v], (x) => this.value(x), 0x65)).op(0x52);
      else if (v instanceof Map) this.dict(v);
      else throw new FormatError('InvalidArgument', `cannot pickle ${(v as { pyClass?: string }).pyClass ?? 'this object'}`);
    } finally {
      this.active.delete(v);
    }
    return this;
  }

  /** dict, or OrderedDict for a PyDict marked ordered; BUILD sets its attributes (state_dict's `_metadata`). */
  dict(map: Map<unknown, unknown>): this {
    const ordered = map instanceof PyDict && map.ordered;
    if (ordered) this.emptyOrderedDict();
    else this.op(0x7d);
    this.batched([...map], ([k, val]) => this.value(k).value(val), 0x75);
    const attributes = map instanceof PyDict ? map.attributes : undefined;
    if (attributes && attributes.size) this.op(0x7d).batched([...attributes], ([k, val]) => this.str(k).value(val as PyValue), 0x75).op(0x62);
    return this;
  }

  /** APPENDS/SETITEMS in batches of 1000, as Python's pickler does. */
  private batched<T>(items: T[], write: (item: T) => void, closing: number): this {
    for (let i = 0; i < items.length; i += BATCH) {
      const chunk = items.slice(i, i + BATCH);
      if (chunk.length === 1) {
        write(chunk[0]);
        this.op(closing === 0x65 ? 0x61 : 0x73);
      } else {
        this.mark();
        chunk.forEach(write);
        this.op(closing);
      }
    }
    return this;
  }

  finish(): Uint8Array {
    this.op(0x2e);
    return this.out.toBytes();
  }

  private u16(v: number): this { this.out.u16(v); return this; }
  private u32(v: number): this { this.out.u32(v); return this; }
  private i32(v: number): this { this.out.i32(v); return this; }
  private bytes(b: Uint8Array): this { this.out.bytes(b); return this; }
  private bytesOf(b: number[]): this { this.out.bytes(Uint8Array.from(b)); return this; }
}
