// Python index expressions for setSlice: "0, :, 1:3", "-1", "::2", "...". Parsed into the engine's index
// items and checked against a shape, so a mistake is reported before anything is written.
import { Slice } from '../engine/tensor';

export type IndexPart = number | Slice | '...';

export class SliceSyntaxError extends Error {
  override name = 'SliceSyntaxError';
}

const EXPECTED = 'expected an integer such as 0 or -1, a slice such as 1:3, :, ::2, or ...';

function parseInteger(text: string, where: string): number | null {
  const t = text.trim();
  if (t === '') return null;
  if (!/^[+-]?\d+$/.test(t)) throw new SliceSyntaxError(`cannot read ${JSON.stringify(t)} in ${where}: ${EXPECTED}`);
  const n = Number(t);
  if (!Number.isSafeInteger(n)) throw new SliceSyntaxError(`${t} in ${where} is too large`);
  return n;
}

/** Parses the text between Python's brackets; `what` names the tensor in messages. */
export function parseIndex(text: string, what = 'the index'): IndexPart[] {
  const where = `${JSON.stringify(text)} (${what})`;
  if (text.trim() === '') throw new SliceSyntaxError(`the index for ${what} is empty: ${EXPECTED}; use : for everything`);
  const parts = text.split(',');
  // Python allows one trailing comma: "0," is the tuple (0,)
  if (parts.length > 1 && parts[parts.length - 1].trim() === '') parts.pop();
  const out: IndexPart[] = parts.map((raw) => {
    const t = raw.trim();
    if (t === '...' || t === 'Ellipsis') return '...';
    if (t === '') throw new SliceSyntaxError(`${where} has an empty part between commas: ${EXPECTED}`);
    if (t === 'None') throw new SliceSyntaxError(`${where}: None (a new axis) cannot be written to; ${EXPECTED}`);
    if (!t.includes(':')) return parseInteger(t, where) as number;
    const pieces = t.split(':');
    if (pieces.length > 3) throw new SliceSyntaxError(`cannot read ${JSON.stringify(t)} in ${where}: a slice has at most two colons (start:stop:step)`);
    const [start, stop, step] = [pieces[0], pieces[1], pieces[2] ?? ''].map((p) => parseInteger(p, where));
    if (step === 0) throw new SliceSyntaxError(`${where}: slice step cannot be zero`);
    if (step !== null && step < 0) throw new SliceSyntaxError(`${where}: step must be greater than zero (tensors do not take negative steps)`);
    return new Slice(start, stop, step);
  });
  if (out.filter((p) => p === '...').length > 1) throw new SliceSyntaxError(`${where}: an index can only have a single ellipsis ('...')`);
  return out;
}

/** Checks the parts against a shape with PyTorch's IndexError wording, prefixed by what is indexed. */
export function checkIndex(parts: readonly IndexPart[], shape: readonly number[], what: string): void {
  const used = parts.filter((p) => p !== '...').length;
  if (used > shape.length)
    throw new SliceSyntaxError(`${what}: too many indices for tensor of dimension ${shape.length} (the index has ${used} parts; the shape is [${shape.join(', ')}])`);
  let dim = 0;
  for (const p of parts) {
    if (p === '...') { dim += shape.length - used; continue; }
    if (typeof p === 'number') {
      const size = shape[dim];
      if (p < -size || p >= size)
        throw new SliceSyntaxError(`${what}: index ${p} is out of bounds for dimension ${dim} with size ${size}`);
    }
    dim++;
  }
}

/** The shape selected by parts (integers drop their dimension), for messages and value checks. */
export function selectedShape(parts: readonly IndexPart[], shape: readonly number[]): number[] {
  const used = parts.filter((p) => p !== '...').length;
  const out: number[] = [];
  let dim = 0;
  for (const p of parts) {
    if (p === '...') {
      for (let k = 0; k < shape.length - used; k++) out.push(shape[dim++]);
      continue;
    }
    if (p instanceof Slice) out.push(sliceLength(p, shape[dim]));
    dim++;
  }
  while (dim < shape.length) out.push(shape[dim++]);
  return out;
}

function sliceLength(s: Slice, size: number): number {
  const clamp = (v: number | null, dflt: number) => (v === null ? dflt : Math.min(Math.max(v < 0 ? v + size : v, 0), size));
  const a = clamp(s.start, 0), b = Math.max(clamp(s.stop, size), a);
  return Math.ceil((b - a) / (s.step ?? 1));
}

export function formatIndex(parts: readonly IndexPart[]): string {
  return parts.map((p) => {
    if (p === '...' || typeof p === 'number') return String(p);
    const s = (v: number | null) => (v === null ? '' : String(v));
    return `${s(p.start)}:${s(p.stop)}${p.step === null ? '' : `:${p.step}`}`;
  }).join(', ');
}
