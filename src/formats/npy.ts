import { DType, DTYPES, dtypeInfo, itemSize } from './dtypes';
import { FormatError, withFileName } from './errors';
import { RawTensor, TensorInput, checkedNumel, copyBytes, gatherStrided, swapByteOrder, tensorBytesSync } from './tensor-data';

/**
 * NumPy's `.npy` format (versions 1.0-3.0): magic, a Python-literal header dict with `descr`,
 * `fortran_order` and `shape`, then the raw array. Read results are C-order little-endian RawTensors.
 */
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ALIGNMENT = 64;

function invalid(detail: string): never {
  throw new FormatError('InvalidNpy', detail);
}

export function isNpy(head: Uint8Array): boolean {
  return MAGIC.every((b, i) => head[i] === b);
}

const BY_DESCR = new Map<string, DType>(DTYPES.filter((d) => dtypeInfo(d).npy).map((d) => [dtypeInfo(d).npy as string, d]));

/** Parses the header dict: a tiny reader for the Python literals numpy writes there. */
function parseHeader(text: string): { descr: string; fortran: boolean; shape: number[] } {
  let pos = 0;
  const space = () => { while (/\s/.test(text[pos] ?? '')) pos++; };
  const expect = (ch: string) => { space(); if (text[pos] !== ch) invalid(`header: expected '${ch}' at character ${pos}`); pos++; };
  const stringLiteral = (): string => {
    space();
    const quote = text[pos];
    if (quote !== "'" && quote !== '"') invalid(`header: expected a string at character ${pos}`);
    const end = text.indexOf(quote, pos + 1);
    if (end < 0) invalid('header: unterminated string');
    const s = text.slice(pos + 1, end);
    pos = end + 1;
    return s;
  };
  const value = (): string | boolean | number[] => {
    space();
    if (text.startsWith('True', pos)) { pos += 4; return true; }
    if (text.startsWith('False', pos)) { pos += 5; return false; }
    if (text[pos] === '(') {
      pos++;
      const dims: number[] = [];
      for (;;) {
        space();
        if (text[pos] === ')') { pos++; return dims; }
        const m = /^(\d+)L?/.exec(text.slice(pos, pos + 24));
        if (!m) invalid(`header: expected a dimension at character ${pos}`);
        dims.push(Number((m as RegExpExecArray)[1]));
        pos += (m as RegExpExecArray)[0].length;
        space();
        if (text[pos] === ',') pos++;
        else if (text[pos] !== ')') invalid(`header: expected ',' or ')' at character ${pos}`);
      }
    }
    if (text[pos] === '[') throw new FormatError('UnsupportedDtype', 'structured .npy arrays are not supported');
    return stringLiteral();
  };
  const fields = new Map<string, string | boolean | number[]>();
  expect('{');
  for (;;) {
    space();
    if (text[pos] === '}') break;
    const key = stringLiteral();
    expect(':');
    fields.set(key, value());
    space();
    if (text[pos] === ',') pos++;
    else if (text[pos] !== '}') invalid(`header: expected ',' or '}' at character ${pos}`);
  }
  const descr = fields.get('descr');
  const fortran = fields.get('fortran_order');
  const shape = fields.get('shape');
  if (typeof descr !== 'string' || typeof fortran !== 'boolean' || !Array.isArray(shape)) {
    invalid("header must give 'descr' (str), 'fortran_order' (bool) and 'shape' (tuple)");
  }
  return { descr: descr as string, fortran: fortran as boolean, shape: shape as number[] };
}

export function readNpy(bytes: Uint8Array, options: { fileName?: string } = {}): RawTensor {
  return withFileName(options.fileName, () => {
    if (bytes.length < 10 || !isNpy(bytes)) invalid('not a .npy file (it must start with \\x93NUMPY)');
    const major = bytes[6];
    if (major < 1 || major > 3) invalid(`unsupported .npy version ${major}.${bytes[7]}`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const lengthSize = major === 1 ? 2 : 4;
    if (bytes.length < 8 + lengthSize) invalid('the file ends inside the header length');
    const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
    const dataStart = 8 + lengthSize + headerLength;
    if (dataStart > bytes.length) invalid(`the header claims ${headerLength} bytes but the file is shorter`);
    const headerText = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(8 + lengthSize, dataStart));
    const { descr, fortran, shape } = parseHeader(headerText);
    const order = descr[0];
    const dtype = BY_DESCR.get('<>|='.includes(order) ? descr.slice(1) : descr);
    if (!dtype) throw new FormatError('UnsupportedDtype', `.npy dtype ${JSON.stringify(descr)} is not supported`);
    const numel = checkedNumel(shape);
    const item = itemSize(dtype);
    if (numel === undefined || !Number.isSafeInteger(numel * item)) invalid(`shape (${shape.join(', ')}) is too large`);
    const length = (numel as number) * item;
    if (bytes.length - dataStart !== length) {
      invalid(`shape (${shape.join(', ')}) of ${descr} needs ${length} data bytes but the file has ${bytes.length - dataStart}`);
    }
    let data = copyBytes(bytes, dataStart);
    if (fortran && shape.length > 1) {
      const strides: number[] = [];
      let step = 1;
      for (const d of shape) { strides.push(step); step *= d; }
      data = gatherStrided(data, item, shape, strides, 0);
    }
    if (order === '>') swapByteOrder(data, dtype);
    return { dtype, shape, bytes: data };
  });
}

function pythonTuple(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** Writes a version 1.0 file (2.0 when the header would not fit), as numpy.save does. */
export function writeNpy(tensor: TensorInput): Uint8Array {
  const npy = dtypeInfo(tensor.dtype).npy;
  if (!npy) throw new FormatError('UnsupportedDtype', `.npy cannot hold ${tensor.dtype}`);
  const descr = `${itemSize(tensor.dtype) === 1 ? '|' : '<'}${npy}`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${pythonTuple(tensor.shape)}, }`;
  let major = 1;
  let prefix = 10;
  let total = Math.ceil((prefix + dict.length + 1) / ALIGNMENT) * ALIGNMENT;
  if (total - prefix > 0xffff) {
    major = 2;
    prefix = 12;
    total = Math.ceil((prefix + dict.length + 1) / ALIGNMENT) * ALIGNMENT;
  }
  const data = tensorBytesSync(tensor);
  const out = new Uint8Array(total + data.length);
  out.set(MAGIC);
  out[6] = major;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, total - prefix, true);
  else view.setUint32(8, total - prefix, true);
  const header = dict.padEnd(total - prefix - 1, ' ') + '\n';
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  out.set(data, total);
  return out;
}
