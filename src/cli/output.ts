// Writing results: JSON to stdout for scripts, aligned text for people, notes to stderr so that piping
// stdout into a JSON reader keeps working.

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** A remark about the result (which state dict was used, stubbed imports); never part of the result. */
export function note(text: string): void {
  process.stderr.write(`note: ${text}\n`);
}

/** 75839 -> 75,839 */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** [2, 3] -> [2, 3]; [] -> [] (a 0-d tensor) */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes, unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Milliseconds with a precision that suits their size. */
export function formatMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3);
}

/** Shortest float text for a statistic, as in the inspector (5 significant digits are enough to read). */
export function formatStat(value: number | null): string {
  if (value === null) return '-';
  const magnitude = Math.abs(value);
  if (Number.isInteger(value) && magnitude < 1e6) return String(value);
  if (magnitude >= 1e6 || (magnitude < 1e-4 && value !== 0)) return value.toExponential(4).replace(/\.?0+e/, 'e');
  return Number(value.toPrecision(5)).toString();
}

export type Align = 'left' | 'right';

/** Columns padded to their widest cell; the header is underlined by its own width. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (align[i] === 'right' ? c.padStart(widths[i]) : i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
