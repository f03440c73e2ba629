// "Copy values as a Python literal": torch.tensor([[...]], dtype=torch.float16) with the tensor's nesting, or
// for a capped copy the first values flattened, with a comment saying what was left out.
import { formatElement } from '../../protocol/inspector';
import { TensorSource, numelOf } from './tensor-source';
import { RawValues } from './values';

/** Copies up to this many values without asking. */
export const COPY_WITHOUT_ASKING = 10_000;
/** Never more than this many values (a literal of ~10 MB). */
export const COPY_HARD_LIMIT = 1_000_000;

export interface PythonLiteral {
  text: string;
  values: number;
  total: number;
}

const READ_CHUNK = 1 << 18;

async function readFirst(source: TensorSource, count: number): Promise<RawValues[]> {
  const parts: RawValues[] = [];
  for (let done = 0; done < count; done += READ_CHUNK) parts.push(await source.read(done, Math.min(READ_CHUNK, count - done)));
  return parts;
}

/** Formats in slices, giving the event loop back in between (a million values take about a second). */
async function formatted(parts: RawValues[], dtype: string): Promise<string[]> {
  const out: string[] = [];
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      out.push(formatElement(part[i], dtype));
      if (out.length % 65_536 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  return out;
}

/** Nested lists, one innermost row per line, indented under the opening brackets like torch prints. */
function nested(items: string[], shape: readonly number[], indent: number): string {
  const render = (dim: number, start: number, depth: number): string => {
    if (dim === shape.length - 1) return `[${items.slice(start, start + shape[dim]).join(', ')}]`;
    const inner = numelOf(shape.slice(dim + 1));
    const rows = Array.from({ length: shape[dim] }, (_, i) => render(dim + 1, start + i * inner, depth + 1));
    const newlines = '\n'.repeat(Math.max(1, shape.length - dim - 1));
    return `[${rows.join(`,${newlines}${' '.repeat(indent + depth + 1)}`)}]`;
  };
  return render(0, 0, 0);
}

/**
 * The tensor as Python source. With `limit` below its size, the first `limit` values flattened (C order)
 * and a comment naming the shape they came from.
 */
export async function pythonLiteral(source: TensorSource, limit = COPY_HARD_LIMIT): Promise<PythonLiteral> {
  const { shape, dtype, name } = source.info;
  const total = numelOf(shape);
  const torchDtype = `torch.${dtype}`;
  if (total === 0) {
    return { text: `torch.empty((${shape.join(', ')}${shape.length === 1 ? ',' : ''}), dtype=${torchDtype})`, values: 0, total };
  }
  const count = Math.min(total, Math.max(1, Math.floor(limit)), COPY_HARD_LIMIT);
  const items = await formatted(await readFirst(source, count), dtype);
  if (shape.length === 0) return { text: `torch.tensor(${items[0]}, dtype=${torchDtype})`, values: 1, total };
  const open = 'torch.tensor(';
  if (count < total) {
    const comment = `# ${name}: the first ${count} of ${total} values (flattened, C order) of a tensor of shape [${shape.join(', ')}]\n`;
    return { text: `${comment}${open}[${items.join(', ')}], dtype=${torchDtype})`, values: count, total };
  }
  return { text: `${open}${nested(items, shape, open.length)}, dtype=${torchDtype})`, values: count, total };
}
