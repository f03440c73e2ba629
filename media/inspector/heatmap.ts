// The heatmap: a 2-D weight as one image, a conv weight [out, in, kh, kw] as one kh x kw tile per input
// channel of the chosen output channel. Diverging palette around zero (zero = editor background), one scale
// for the whole tensor so channels compare; a legend, and the value under the mouse.
import type { HeatmapData } from '../../src/protocol/inspector';
import { h } from './dom';
import { count, stat } from './format';
import { Rgb, heatmapPalette, mix, onThemeChange, rgb, sizeCanvas } from './theme';

const MAX_HEIGHT = 300;
const MAX_CELL = 28;
const GAP = 1; // in cells, between tiles

interface Layout { perRow: number; rows: number; cell: number; width: number; height: number }

export class HeatmapView {
  readonly element: HTMLElement;
  private readonly canvas = h('canvas', { class: 'chart heatmap', role: 'img', 'aria-label': 'heatmap of the values' });
  private readonly legend = h('canvas', { class: 'legend', 'aria-hidden': 'true' });
  private readonly legendLabels = h('div', { class: 'legend-labels' });
  private readonly readout = h('div', { class: 'readout' }, '\u00a0');
  private readonly picker: HTMLElement & { value: string };
  private data: HeatmapData | undefined;
  private values = new Float32Array(0);
  private layout: Layout | undefined;

  /** `channels` > 1 adds the output-channel picker; `select` asks for another channel. */
  constructor(private readonly channels: number, private readonly dims: number, private readonly select: (channel: number) => void) {
    this.picker = h('vscode-single-select', { class: 'channel-picker', 'aria-label': 'output channel' }) as HTMLElement & { value: string };
    for (let c = 0; c < channels; c++) this.picker.appendChild(h('vscode-option', { value: String(c) }, String(c)));
    this.picker.addEventListener('change', () => this.select(Number(this.picker.value)));
    this.element = h('div', { class: 'chart-body' },
      this.canvas,
      h('div', { class: 'legend-row' }, this.legend, this.legendLabels),
      this.readout);
    this.canvas.addEventListener('mousemove', (e) => this.onMove(e));
    this.canvas.addEventListener('mouseleave', () => { this.readout.textContent = this.summary(); });
    onThemeChange(() => this.draw());
    new ResizeObserver(() => this.draw()).observe(this.element);
  }

  /** The channel picker with ‹ › steppers, for the card's title row (empty for 2-D tensors). */
  get controls(): HTMLElement | undefined {
    if (this.dims < 3) return undefined;
    const step = (delta: number) => () => {
      const next = Math.min(this.channels - 1, Math.max(0, Number(this.picker.value || 0) + delta));
      this.picker.value = String(next);
      this.select(next);
    };
    const label = this.dims === 4 ? 'out channel' : 'index';
    return h('div', { class: 'channel-controls' },
      h('span', { class: 'muted' }, label),
      h('vscode-button', { secondary: true, 'icon-only': true, icon: 'chevron-left', title: 'previous', 'aria-label': `previous ${label}`, onclick: step(-1) }),
      this.picker,
      h('vscode-button', { secondary: true, 'icon-only': true, icon: 'chevron-right', title: 'next', 'aria-label': `next ${label}`, onclick: step(1) }),
      h('span', { class: 'muted' }, `of ${count(this.channels)}`));
  }

  show(data: HeatmapData): void {
    this.data = data;
    this.values = new Float32Array(data.data);
    if (this.picker.value !== String(data.channel)) this.picker.value = String(data.channel);
    this.draw();
    this.readout.textContent = this.summary();
  }

  private summary(): string {
    const d = this.data;
    if (!d) return '\u00a0';
    const parts = [d.tiles > 1 ? `${d.tiles} tiles of ${d.tileRows}×${d.tileCols} (${d.tileLabel ?? 'tile'} 0…${d.tiles - 1})` : `${d.tileRows}×${d.tileCols}`];
    if (d.rowStep > 1 || d.colStep > 1) parts.push(`each cell is the mean of ${d.rowStep}×${d.colStep} values`);
    if (d.tilesOmitted) parts.push(`${count(d.tilesOmitted)} more not shown`);
    return parts.join(' · ');
  }

  private computeLayout(width: number): Layout | undefined {
    const d = this.data;
    if (!d || d.tiles === 0) return undefined;
    let best: Layout | undefined;
    for (let perRow = 1; perRow <= d.tiles; perRow++) {
      const rows = Math.ceil(d.tiles / perRow);
      const cellsW = perRow * d.tileCols + (perRow - 1) * GAP;
      const cellsH = rows * d.tileRows + (rows - 1) * GAP;
      const cell = Math.min(MAX_CELL, width / cellsW, MAX_HEIGHT / cellsH);
      if (!best || cell > best.cell + 1e-9) best = { perRow, rows, cell, width: cellsW * cell, height: cellsH * cell };
    }
    return best;
  }

  draw(): void {
    const d = this.data;
    const width = Math.max(120, this.element.clientWidth);
    const layout = (this.layout = this.computeLayout(width));
    if (!d || !layout) { sizeCanvas(this.canvas, 1, 1); return; }
    const palette = heatmapPalette();
    const colour = (v: number): Rgb => {
      if (Number.isNaN(v)) return palette.nan;
      const t = d.scale > 0 ? Math.min(1, Math.abs(v) / d.scale) : 0;
      return mix(palette.zero, v < 0 ? palette.negative : palette.positive, t);
    };
    // one pixel per cell off screen, then scaled up without smoothing: crisp cells at any size
    const cellsW = layout.perRow * d.tileCols + (layout.perRow - 1) * GAP;
    const cellsH = layout.rows * d.tileRows + (layout.rows - 1) * GAP;
    const image = new ImageData(cellsW, cellsH);
    const tileSize = d.tileRows * d.tileCols;
    for (let t = 0; t < d.tiles; t++) {
      const x0 = (t % layout.perRow) * (d.tileCols + GAP);
      const y0 = Math.floor(t / layout.perRow) * (d.tileRows + GAP);
      for (let r = 0; r < d.tileRows; r++) {
        for (let c = 0; c < d.tileCols; c++) {
          const [cr, cg, cb] = colour(this.values[t * tileSize + r * d.tileCols + c]);
          const p = ((y0 + r) * cellsW + x0 + c) * 4;
          image.data[p] = cr; image.data[p + 1] = cg; image.data[p + 2] = cb; image.data[p + 3] = 255;
        }
      }
    }
    const offscreen = document.createElement('canvas');
    offscreen.width = cellsW;
    offscreen.height = cellsH;
    (offscreen.getContext('2d') as CanvasRenderingContext2D).putImageData(image, 0, 0);
    const ctx = sizeCanvas(this.canvas, layout.width, layout.height);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(offscreen, 0, 0, layout.width, layout.height);
    this.drawLegend(palette.negative, palette.zero, palette.positive, d.scale);
  }

  private drawLegend(negative: Rgb, zero: Rgb, positive: Rgb, scale: number): void {
    const ctx = sizeCanvas(this.legend, 160, 10);
    const gradient = ctx.createLinearGradient(0, 0, 160, 0);
    gradient.addColorStop(0, rgb(negative));
    gradient.addColorStop(0.5, rgb(zero));
    gradient.addColorStop(1, rgb(positive));
    ctx.fillStyle = gradient;
    ctx.fillRect(0, 0, 160, 10);
    this.legendLabels.textContent = `${stat(-scale)}  ·  0  ·  ${stat(scale)}`;
  }

  private onMove(event: MouseEvent): void {
    const d = this.data;
    const layout = this.layout;
    if (!d || !layout) return;
    const rect = this.canvas.getBoundingClientRect();
    const cx = Math.floor((event.clientX - rect.left) / layout.cell);
    const cy = Math.floor((event.clientY - rect.top) / layout.cell);
    const tileX = Math.floor(cx / (d.tileCols + GAP));
    const tileY = Math.floor(cy / (d.tileRows + GAP));
    const c = cx - tileX * (d.tileCols + GAP);
    const r = cy - tileY * (d.tileRows + GAP);
    const t = tileY * layout.perRow + tileX;
    if (c >= d.tileCols || r >= d.tileRows || tileX >= layout.perRow || t >= d.tiles || c < 0 || r < 0) {
      this.readout.textContent = this.summary();
      return;
    }
    const v = this.values[t * d.tileRows * d.tileCols + r * d.tileCols + c];
    const row = d.rowStep > 1 ? `${r * d.rowStep}:${(r + 1) * d.rowStep}` : String(r);
    const col = d.colStep > 1 ? `${c * d.colStep}:${(c + 1) * d.colStep}` : String(c);
    const index = this.dims === 4 ? `[${d.channel}, ${t}, ${row}, ${col}]` : this.dims === 3 ? `[${d.channel}, ${row}, ${col}]` : `[${row}, ${col}]`;
    this.readout.textContent = `${index} = ${stat(v)}${d.rowStep > 1 || d.colStep > 1 ? ' (block mean)' : ''}`;
  }
}
