// The value histogram, drawn on a canvas: bars over the finite range, a zero marker, min/max labels, an
// optional log-count scale and a readout of the bar under the mouse.
import type { HistogramData } from '../../src/protocol/inspector';
import { h } from './dom';
import { count, stat } from './format';
import { cssColor, fontFamily, onThemeChange, rgb, sizeCanvas } from './theme';

const HEIGHT = 170;
const PAD = { left: 8, right: 8, top: 16, bottom: 22 };

export class HistogramView {
  readonly element: HTMLElement;
  private readonly canvas = h('canvas', { class: 'chart', role: 'img', 'aria-label': 'histogram of the values' });
  private readonly readout = h('div', { class: 'readout' }, '\u00a0');
  private readonly logScale = h('vscode-checkbox', { label: 'log count' }) as HTMLElement & { checked: boolean };
  private data: HistogramData | undefined;
  private hover = -1;

  constructor() {
    this.element = h('div', { class: 'chart-body' }, this.canvas, this.readout);
    this.logScale.addEventListener('change', () => this.draw());
    this.canvas.addEventListener('mousemove', (e) => this.onMove(e));
    this.canvas.addEventListener('mouseleave', () => { this.hover = -1; this.readout.textContent = '\u00a0'; this.draw(); });
    onThemeChange(() => this.draw());
    new ResizeObserver(() => this.draw()).observe(this.element);
  }

  /** The controls shown in the card's title row. */
  get controls(): HTMLElement { return this.logScale; }

  show(data: HistogramData): void {
    this.data = data;
    this.draw();
    this.readout.textContent = data.counts.length
      ? `${data.counts.length} bins over [${stat(data.min)}, ${stat(data.max)}]${data.excluded ? ` · ${count(data.excluded)} NaN/Inf not binned` : ''}`
      : 'no finite values';
  }

  private barIndex(x: number, width: number): number {
    const n = this.data?.counts.length ?? 0;
    const i = Math.floor(((x - PAD.left) / (width - PAD.left - PAD.right)) * n);
    return i >= 0 && i < n ? i : -1;
  }

  private onMove(event: MouseEvent): void {
    if (!this.data) return;
    const rect = this.canvas.getBoundingClientRect();
    const i = this.barIndex(event.clientX - rect.left, rect.width);
    if (i === this.hover) return;
    this.hover = i;
    const { edges, counts } = this.data;
    this.readout.textContent = i < 0 ? '\u00a0' : `[${stat(edges[i])}, ${stat(edges[i + 1])}${i === counts.length - 1 ? ']' : ')'}: ${count(counts[i])}`;
    this.draw();
  }

  draw(): void {
    const width = Math.max(200, this.element.clientWidth);
    const ctx = sizeCanvas(this.canvas, width, HEIGHT);
    ctx.clearRect(0, 0, width, HEIGHT);
    const data = this.data;
    if (!data || data.counts.length === 0) return;
    const fg = cssColor('--vscode-descriptionForeground', '#888');
    const bar = cssColor('--vscode-charts-blue', '#3794ff');
    const lines = cssColor('--vscode-charts-lines', '#888');
    const log = this.logScale.checked;
    const scale = (c: number) => (log ? Math.log10(1 + c) : c);
    const top = Math.max(...data.counts.map(scale)) || 1;
    const plotW = width - PAD.left - PAD.right;
    const plotH = HEIGHT - PAD.top - PAD.bottom;
    const n = data.counts.length;
    const barW = plotW / n;
    data.counts.forEach((c, i) => {
      if (c === 0) return;
      const hgt = Math.max(1, (scale(c) / top) * plotH);
      ctx.fillStyle = rgb(bar, i === this.hover ? 1 : 0.75);
      ctx.fillRect(PAD.left + i * barW, PAD.top + plotH - hgt, Math.max(1, barW - (barW > 3 ? 1 : 0)), hgt);
    });
    ctx.strokeStyle = rgb(lines, 0.8);
    ctx.beginPath();
    ctx.moveTo(PAD.left, PAD.top + plotH + 0.5);
    ctx.lineTo(PAD.left + plotW, PAD.top + plotH + 0.5);
    const lo = data.edges[0];
    const hi = data.edges[data.edges.length - 1];
    if (lo < 0 && hi > 0) {
      const x = Math.round(PAD.left + ((0 - lo) / (hi - lo)) * plotW) + 0.5;
      ctx.moveTo(x, PAD.top - 4);
      ctx.lineTo(x, PAD.top + plotH + 4);
    }
    ctx.stroke();
    ctx.fillStyle = rgb(fg);
    ctx.font = `11px ${fontFamily()}`;
    ctx.textBaseline = 'top';
    ctx.textAlign = 'left';
    ctx.fillText(stat(data.min), PAD.left, PAD.top + plotH + 6);
    ctx.textAlign = 'right';
    ctx.fillText(stat(data.max), PAD.left + plotW, PAD.top + plotH + 6);
    ctx.fillText(`${count(Math.max(...data.counts))}${log ? ' (log)' : ''}`, PAD.left + plotW, 2);
    if (lo < 0 && hi > 0) {
      ctx.textAlign = 'center';
      ctx.fillText('0', PAD.left + ((0 - lo) / (hi - lo)) * plotW, PAD.top + plotH + 6);
    }
  }
}
