// The table of values, virtualised: rows of up to 16 values along the last dimension; only the rows in view
// exist in the DOM and only the pages covering them are requested. Works for any size: past a few million
// rows the scrollbar maps proportionally instead of one pixel row per row.
import { formatElement, type PageArrayType } from '../../src/protocol/inspector';
import { clear, h } from './dom';
import { count } from './format';

const ROW_HEIGHT = 22;
const VIEW_ROWS = 14;
const MAX_COLS = 16;
/** Browsers cap element heights; beyond this the scroll position maps proportionally to rows. */
const MAX_SCROLL_HEIGHT = 4_000_000;
const CACHED_PAGES = 48;

type Values = ArrayLike<number | bigint>;

const ARRAYS: Record<PageArrayType, new (buffer: ArrayBuffer) => Values> = {
  Float32Array, Float64Array, BigInt64Array, BigUint64Array, Int32Array, Uint32Array, Int16Array, Uint16Array, Int8Array, Uint8Array,
};

export function decodePage(array: PageArrayType, data: ArrayBuffer): Values {
  return new ARRAYS[array](data);
}

export class ValueGrid {
  readonly element: HTMLElement;
  private readonly scroller = h('div', { class: 'grid-scroller', tabindex: '0', role: 'grid', 'aria-label': 'tensor values' });
  private readonly spacer = h('div', { class: 'grid-spacer' });
  private readonly table = h('table', { class: 'grid' });
  private readonly status = h('div', { class: 'readout' });
  private readonly lastDim: number;
  private readonly cols: number;
  private readonly chunksPerRow: number;
  private readonly rows: number;
  private readonly rowsPerPage: number;
  private readonly pages = new Map<number, Values>();
  private readonly pending = new Set<number>();
  private firstRow = 0;

  constructor(private readonly shape: number[], private readonly numel: number, private readonly dtype: string,
              pageLimit: number, private readonly request: (offset: number, count: number) => void) {
    this.lastDim = shape.length ? shape[shape.length - 1] : 1;
    this.cols = Math.max(1, Math.min(MAX_COLS, this.lastDim));
    this.chunksPerRow = Math.max(1, Math.ceil(this.lastDim / this.cols));
    this.rows = this.lastDim === 0 ? 0 : (numel / this.lastDim) * this.chunksPerRow;
    this.rowsPerPage = Math.max(1, Math.floor(Math.min(pageLimit, 2048) / this.cols));
    const jump = h('vscode-textfield', { class: 'jump', placeholder: 'go to flat index', 'aria-label': 'go to flat index' }) as HTMLElement & { value: string };
    jump.addEventListener('change', () => this.scrollToIndex(Number(jump.value)));
    this.scroller.append(this.spacer, this.table);
    this.scroller.addEventListener('scroll', () => this.render());
    this.element = h('div', { class: 'grid-body' }, h('div', { class: 'grid-tools' }, this.status, jump), this.scroller);
    const height = Math.min(this.rows, VIEW_ROWS) * ROW_HEIGHT + ROW_HEIGHT + 2;
    this.scroller.style.height = `${height}px`;
    this.spacer.style.height = `${Math.min(MAX_SCROLL_HEIGHT, (this.rows + 1) * ROW_HEIGHT)}px`;
    this.status.textContent = numel === 0 ? 'empty tensor' : `${count(numel)} values · ${count(this.rows)} rows of ${this.cols}`;
    this.render();
  }

  /** First flat index and length of a grid row. */
  private rowRange(row: number): [number, number] {
    const outer = Math.floor(row / this.chunksPerRow);
    const chunk = row % this.chunksPerRow;
    const start = outer * this.lastDim + chunk * this.cols;
    return [start, Math.min(this.cols, this.lastDim - chunk * this.cols)];
  }

  private rowLabel(row: number): string {
    const outer = Math.floor(row / this.chunksPerRow);
    const chunk = row % this.chunksPerRow;
    const index: string[] = [];
    let rest = outer;
    for (let d = this.shape.length - 2; d >= 0; d--) {
      index.unshift(String(rest % this.shape[d]));
      rest = Math.floor(rest / this.shape[d]);
    }
    if (this.shape.length === 0) return '[]';
    if (this.chunksPerRow > 1) index.push(`${chunk * this.cols}:${Math.min(this.lastDim, (chunk + 1) * this.cols)}`);
    else index.push(':');
    return `[${index.join(', ')}]`;
  }

  private scrollToIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.numel) return;
    const row = Math.floor(index / this.lastDim) * this.chunksPerRow + Math.floor((index % this.lastDim) / this.cols);
    const virtual = this.spacer.offsetHeight - this.scroller.clientHeight;
    const span = this.rows - VIEW_ROWS;
    this.scroller.scrollTop = span > 0 ? Math.round((row / span) * virtual) : 0;
    this.render();
  }

  private visibleFirstRow(): number {
    const virtual = this.spacer.offsetHeight - this.scroller.clientHeight;
    const span = Math.max(0, this.rows - VIEW_ROWS);
    if (virtual <= 0 || span === 0) return 0;
    return Math.min(span, Math.round((this.scroller.scrollTop / virtual) * span));
  }

  /** A page arrived: keep it (a few dozen at most) and redraw. */
  setPage(offset: number, values: Values): void {
    const page = this.pageOfOffset(offset);
    this.pending.delete(page);
    this.pages.set(page, values);
    if (this.pages.size > CACHED_PAGES) this.pages.delete(this.pages.keys().next().value as number);
    this.render();
  }

  private pageOfOffset(offset: number): number {
    const row = Math.floor(offset / this.lastDim) * this.chunksPerRow + Math.floor((offset % this.lastDim) / this.cols);
    return Math.floor(row / this.rowsPerPage);
  }

  private pageRange(page: number): [number, number] {
    const firstRow = page * this.rowsPerPage;
    const lastRow = Math.min(this.rows, firstRow + this.rowsPerPage) - 1;
    const [start] = this.rowRange(firstRow);
    const [lastStart, lastLength] = this.rowRange(lastRow);
    return [start, lastStart + lastLength - start];
  }

  private value(index: number): number | bigint | undefined {
    const page = this.pageOfOffset(index);
    const values = this.pages.get(page);
    return values?.[index - this.pageRange(page)[0]];
  }

  render(): void {
    if (this.rows === 0) return;
    const first = (this.firstRow = this.visibleFirstRow());
    const last = Math.min(this.rows, first + VIEW_ROWS);
    const wanted = new Set<number>();
    for (let r = first; r < last; r++) wanted.add(Math.floor(r / this.rowsPerPage));
    for (const page of wanted) {
      if (this.pages.has(page) || this.pending.has(page)) continue;
      this.pending.add(page);
      const [offset, length] = this.pageRange(page);
      this.request(offset, length);
    }
    this.table.style.transform = `translateY(${this.scroller.scrollTop}px)`;
    clear(this.table);
    const head = h('tr', {}, h('th', { class: 'row-label' }, this.shape.length ? `${count(this.rows)} rows` : ''));
    for (let c = 0; c < this.cols; c++) head.appendChild(h('th', {}, this.chunksPerRow > 1 ? `+${c}` : String(c)));
    this.table.appendChild(h('thead', {}, head));
    const body = h('tbody');
    for (let r = first; r < last; r++) {
      const [start, length] = this.rowRange(r);
      const tr = h('tr', {}, h('th', { class: 'row-label', scope: 'row' }, this.rowLabel(r)));
      for (let c = 0; c < this.cols; c++) {
        const v = c < length ? this.value(start + c) : undefined;
        tr.appendChild(h('td', { class: v === undefined ? 'loading' : '' }, c >= length ? '' : v === undefined ? '…' : formatElement(v, this.dtype)));
      }
      body.appendChild(tr);
    }
    this.table.appendChild(body);
  }

  /** Whether every visible row has its values (for the `rendered` report). */
  get complete(): boolean {
    const last = Math.min(this.rows, this.firstRow + VIEW_ROWS);
    for (let r = this.firstRow; r < last; r++) if (!this.pages.has(Math.floor(r / this.rowsPerPage))) return false;
    return true;
  }
}
