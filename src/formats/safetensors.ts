import { ByteSource, MemoryByteSource, ReadOp, readAt, readSyncFrom, readAsyncFrom, runAsync, runSync } from './byte-source';
import { DType, SAFETENSORS_ORDER, dtypeFromSafetensors, dtypeInfo } from './dtypes';
import { FormatError, quote, withFileName, withFileNameAsync } from './errors';
import { JsonNumber, JsonSyntaxError, JsonValue, parseJsonStrict } from './json-strict';
import { LazyStateDict, RawTensor, StateDict, TensorEntry, TensorInput, checkedNumel, tensorBytesSync } from './tensor-data';

/** The reference implementation's cap on the JSON header, against memory exhaustion. */
export const MAX_HEADER_SIZE = 100_000_000;
/** serde_json's recursion limit. */
const MAX_JSON_DEPTH = 128;
const U64_MAX = (1n << 64n) - 1n;
const METADATA_KEY = '__metadata__';

export interface SafetensorsTensorInfo {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** offsets into the data section, which starts at `dataStart` */
  readonly begin: number;
  readonly end: number;
}

export interface SafetensorsHeader {
  readonly headerSize: number;
  readonly dataStart: number;
  /** in header order */
  readonly tensors: readonly SafetensorsTensorInfo[];
  readonly metadata?: Record<string, string>;
}

export interface SafetensorsFile extends LazyStateDict {
  readonly header: SafetensorsHeader;
  readonly file?: string;
}

export interface SafetensorsReadOptions {
  /** named in error messages; defaults to the source's name */
  fileName?: string;
}

function fail(code: 'InvalidHeaderDeserialization' | 'UnknownDtype' | 'InvalidMetadata' | 'ValidationOverflow',
              detail: string, key?: string): never {
  throw new FormatError(code, detail, { key });
}

function unsignedInteger(value: JsonValue | undefined, what: string, key: string): bigint {
  const n = value instanceof JsonNumber ? value.unsignedInteger() : undefined;
  if (n === undefined || n > U64_MAX) fail('InvalidHeaderDeserialization', `${what} must be an unsigned 64-bit integer`, key);
  return n as bigint;
}

function readMetadata(value: JsonValue): Record<string, string> | undefined {
  if (value === null) return undefined;
  if (!(value instanceof Map)) fail('InvalidMetadata', `${METADATA_KEY} must be an object of strings`, METADATA_KEY);
  const metadata: Record<string, string> = Object.create(null);
  for (const [k, v] of value as Map<string, JsonValue>) {
    if (typeof v !== 'string') fail('InvalidMetadata', `${METADATA_KEY} value for ${quote(k)} must be a string`, METADATA_KEY);
    metadata[k] = v as string;
  }
  return metadata;
}

interface ParsedInfo { name: string; dtype: DType; shape: bigint[]; begin: bigint; end: bigint }

function readTensorInfo(name: string, value: JsonValue): ParsedInfo {
  const where = `tensor ${quote(name)}`;
  if (!(value instanceof Map)) fail('InvalidHeaderDeserialization', `${where} must be an object with dtype, shape and data_offsets`, name);
  const info = value as Map<string, JsonValue>;
  for (const field of ['dtype', 'shape', 'data_offsets']) {
    if (!info.has(field)) fail('InvalidHeaderDeserialization', `${where}: missing field \`${field}\``, name);
  }
  const code = info.get('dtype');
  if (typeof code !== 'string') fail('InvalidHeaderDeserialization', `${where}: dtype must be a string`, name);
  const dtype = dtypeFromSafetensors(code as string);
  if (!dtype) fail('UnknownDtype', `${where}: unknown dtype ${quote(code as string)}; expected one of ${SAFETENSORS_ORDER.join(', ')}`, name);
  const shape = info.get('shape');
  if (!Array.isArray(shape)) fail('InvalidHeaderDeserialization', `${where}: shape must be an array`, name);
  const offsets = info.get('data_offsets');
  if (!Array.isArray(offsets) || offsets.length !== 2) {
    fail('InvalidHeaderDeserialization', `${where}: data_offsets must be [begin, end]`, name);
  }
  const [begin, end] = (offsets as JsonValue[]).map((v) => unsignedInteger(v, `${where}: data_offsets`, name));
  return { name, dtype: dtype as DType, shape: (shape as JsonValue[]).map((v) => unsignedInteger(v, `${where}: shape`, name)), begin, end };
}

/** The reference's validate(): sorted by offsets, the tensors tile the data section exactly. */
function validateLayout(infos: ParsedInfo[]): bigint {
  const sorted = [...infos].sort((a, b) => (a.begin !== b.begin ? cmp(a.begin, b.begin) : cmp(a.end, b.end)));
  let start = 0n;
  for (const info of sorted) {
    const where = `tensor ${quote(info.name)}`;
    if (info.begin !== start || info.end < info.begin) {
      throw new FormatError('InvalidOffset',
        `${where}: data_offsets [${info.begin}, ${info.end}] should begin at ${start} (tensors must tile the data with no gap or overlap)`,
        { key: info.name });
    }
    start = info.end;
    let numel = 1n;
    for (const d of info.shape) {
      numel *= d;
      if (numel > U64_MAX) fail('ValidationOverflow', `${where}: shape [${info.shape.join(', ')}] overflows 64 bits`, info.name);
    }
    const bits = numel * BigInt(dtypeInfo(info.dtype).bits);
    if (bits > U64_MAX) fail('ValidationOverflow', `${where}: shape [${info.shape.join(', ')}] overflows 64 bits`, info.name);
    if (bits % 8n !== 0n) {
      throw new FormatError('MisalignedSlice',
        `${where}: ${numel} elements of ${info.dtype} do not end on a byte boundary`, { key: info.name });
    }
    if (info.end - info.begin !== bits / 8n) {
      throw new FormatError('TensorInvalidInfo',
        `${where}: data_offsets [${info.begin}, ${info.end}] hold ${info.end - info.begin} bytes but ` +
        `${dtypeInfo(info.dtype).safetensors} with shape [${info.shape.join(', ')}] needs ${bits / 8n}`, { key: info.name });
    }
  }
  return start;
}

function cmp(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Parses and validates the header bytes (after the 8-byte length) of a file of `fileSize` bytes. */
export function parseSafetensorsHeader(headerBytes: Uint8Array, fileSize: number): SafetensorsHeader {
  let text: string;
  try {
    text = utf8.decode(headerBytes);
  } catch {
    throw new FormatError('InvalidHeader', 'the header is not valid UTF-8', { offset: 8 });
  }
  if (!text.startsWith('{')) throw new FormatError('InvalidHeaderStart', "the header must start with '{'", { offset: 8 });
  let json: JsonValue;
  try {
    json = parseJsonStrict(text, MAX_JSON_DEPTH);
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    if (error.duplicateKey !== undefined) {
      throw new FormatError('DuplicateKey', `the header has the key ${quote(error.duplicateKey)} twice`, { key: error.duplicateKey });
    }
    throw new FormatError('InvalidHeaderDeserialization', `the header is not valid JSON: ${error.message}`, { offset: 8 });
  }
  const top = json as Map<string, JsonValue>;
  let metadata: Record<string, string> | undefined;
  const infos: ParsedInfo[] = [];
  for (const [name, value] of top) {
    if (name === METADATA_KEY) metadata = readMetadata(value);
    else infos.push(readTensorInfo(name, value));
  }
  const dataLength = validateLayout(infos);
  const headerSize = headerBytes.length;
  if (8n + BigInt(headerSize) + dataLength !== BigInt(fileSize)) {
    throw new FormatError('MetadataIncompleteBuffer',
      `the header describes ${8 + headerSize} + ${dataLength} bytes but the file has ${fileSize}`);
  }
  const tensors = infos.map((i) => ({
    name: i.name, dtype: i.dtype, begin: Number(i.begin), end: Number(i.end),
    shape: i.shape.map((d) => {
      if (d > BigInt(Number.MAX_SAFE_INTEGER)) fail('ValidationOverflow', `tensor ${quote(i.name)}: dimension ${d} is too large`, i.name);
      return Number(d);
    }),
  }));
  return { headerSize, dataStart: 8 + headerSize, tensors, metadata };
}

export function* safetensorsHeaderOp(fileSize: number): ReadOp<SafetensorsHeader> {
  if (fileSize < 8) throw new FormatError('HeaderTooSmall', `the file has ${fileSize} bytes, fewer than the 8-byte header length`);
  const prefix = yield* readAt(0, 8);
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_SIZE)) {
    throw new FormatError('HeaderTooLarge', `the header claims ${n} bytes; the limit is ${MAX_HEADER_SIZE}`, { offset: 0 });
  }
  if (8n + n > BigInt(fileSize)) {
    throw new FormatError('InvalidHeaderLength', `the header claims ${n} bytes but the file has only ${fileSize - 8} after the length`, { offset: 0 });
  }
  return parseSafetensorsHeader(yield* readAt(8, Number(n)), fileSize);
}

function lazyFile(source: ByteSource, header: SafetensorsHeader, file?: string): SafetensorsFile {
  const tensors = new Map<string, TensorEntry>();
  for (const t of header.tensors) {
    const range = { offset: header.dataStart + t.begin, length: t.end - t.begin };
    tensors.set(t.name, {
      dtype: t.dtype, shape: t.shape, byteLength: range.length,
      readSync: () => withFileName(file, () => readSyncFrom(source, range)),
      read: () => withFileNameAsync(file, () => readAsyncFrom(source, range)),
    });
  }
  return { tensors, metadata: header.metadata, header, file };
}

/** Reads and validates the header; tensor bytes are read when asked for. */
export function openSafetensorsSync(source: ByteSource, options: SafetensorsReadOptions = {}): SafetensorsFile {
  const file = options.fileName ?? source.name;
  return withFileName(file, () => lazyFile(source, runSync(safetensorsHeaderOp(source.size), source), file));
}

export async function openSafetensors(source: ByteSource, options: SafetensorsReadOptions = {}): Promise<SafetensorsFile> {
  const file = options.fileName ?? source.name;
  return withFileNameAsync(file, async () => lazyFile(source, await runAsync(safetensorsHeaderOp(source.size), source), file));
}

/** Whole file in memory; tensor bytes are views into `bytes`. */
export function readSafetensors(bytes: Uint8Array, options: SafetensorsReadOptions = {}): StateDict & { header: SafetensorsHeader } {
  const source = new MemoryByteSource(bytes, options.fileName);
  const header = withFileName(options.fileName, () => runSync(safetensorsHeaderOp(bytes.length), source));
  const tensors = new Map<string, RawTensor>();
  for (const t of header.tensors) {
    tensors.set(t.name, { dtype: t.dtype, shape: t.shape, bytes: bytes.subarray(header.dataStart + t.begin, header.dataStart + t.end) });
  }
  return { tensors, metadata: header.metadata, header };
}

// ---- writing -------------------------------------------------------------------------------------

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Code point order, which is the byte order of UTF-8 (Rust's String ordering). */
function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i) as number;
    const y = b.codePointAt(i) as number;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

interface PlannedTensor { name: string; tensor: TensorInput; code: string; byteLength: number }

function planLayout(tensors: Iterable<[string, TensorInput]>): PlannedTensor[] {
  const seen = new Set<string>();
  const planned: PlannedTensor[] = [];
  for (const [name, tensor] of tensors) {
    if (name === METADATA_KEY) throw new FormatError('InvalidArgument', `${METADATA_KEY} cannot be a tensor name`, { key: name });
    if (seen.has(name)) throw new FormatError('DuplicateKey', `tensor ${quote(name)} is given twice`, { key: name });
    if (LONE_SURROGATE.test(name)) throw new FormatError('InvalidArgument', `tensor name ${quote(name)} is not valid Unicode`, { key: name });
    seen.add(name);
    const code = dtypeInfo(tensor.dtype).safetensors;
    if (!code) throw new FormatError('UnsupportedDtype', `safetensors cannot store ${tensor.dtype} (tensor ${quote(name)})`, { key: name });
    const numel = checkedNumel(tensor.shape);
    if (numel === undefined) throw new FormatError('InvalidArgument', `tensor ${quote(name)} has an invalid shape [${tensor.shape.join(', ')}]`, { key: name });
    const bits = numel * dtypeInfo(tensor.dtype).bits;
    if (bits % 8 !== 0) throw new FormatError('MisalignedSlice', `tensor ${quote(name)} does not end on a byte boundary`, { key: name });
    planned.push({ name, tensor, code, byteLength: bits / 8 });
  }
  const rank = (code: string) => SAFETENSORS_ORDER.indexOf(code as (typeof SAFETENSORS_ORDER)[number]);
  return planned.sort((a, b) => rank(b.code) - rank(a.code) || compareUtf8(a.name, b.name));
}

function headerJson(planned: PlannedTensor[], metadata: Record<string, string> | undefined): Uint8Array {
  const parts: string[] = [];
  if (metadata !== undefined) {
    const entries = Object.entries(metadata).map(([k, v]) => {
      if (typeof v !== 'string') throw new FormatError('InvalidMetadata', `metadata value for ${quote(k)} must be a string`);
      if (LONE_SURROGATE.test(k) || LONE_SURROGATE.test(v)) throw new FormatError('InvalidArgument', `metadata ${quote(k)} is not valid Unicode`);
      return `${JSON.stringify(k)}:${JSON.stringify(v)}`;
    });
    parts.push(`"${METADATA_KEY}":{${entries.join(',')}}`);
  }
  let offset = 0;
  for (const p of planned) {
    parts.push(`${JSON.stringify(p.name)}:{"dtype":"${p.code}","shape":[${p.tensor.shape.join(',')}],"data_offsets":[${offset},${offset + p.byteLength}]}`);
    offset += p.byteLength;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const padded = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
  padded.set(json);
  return padded;
}

/**
 * The file as a sequence of chunks (length + header, then one chunk per tensor), so large exports are
 * written tensor by tensor. Order and padding match the reference writer byte for byte.
 */
export function* safetensorsChunks(tensors: Iterable<[string, TensorInput]>,
                                   metadata?: Record<string, string>): Generator<Uint8Array, void, undefined> {
  const planned = planLayout(tensors);
  const header = headerJson(planned, metadata);
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(header.length), true);
  yield prefix;
  yield header;
  for (const p of planned) {
    const bytes = tensorBytesSync(p.tensor);
    if (bytes.length !== p.byteLength) {
      throw new FormatError('InvalidArgument', `tensor ${quote(p.name)} has ${bytes.length} bytes; its dtype and shape need ${p.byteLength}`, { key: p.name });
    }
    yield bytes;
  }
}

export function writeSafetensors(tensors: Iterable<[string, TensorInput]>, metadata?: Record<string, string>): Uint8Array {
  return concatChunks(safetensorsChunks(tensors, metadata));
}

export function concatChunks(chunks: Iterable<Uint8Array>): Uint8Array {
  const list = [...chunks];
  const out = new Uint8Array(list.reduce((n, c) => n + c.length, 0));
  let pos = 0;
  for (const c of list) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}
