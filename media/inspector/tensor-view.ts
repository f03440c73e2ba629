// A tensor in the inspector: description, statistics, heatmap, histogram and the paged table of values. It asks
// the host for each part and fills it in as the answers arrive.
import type { InspectorMessage, InspectorRequest, TensorInfo, TensorStats } from '../../src/protocol/inspector';
import { clear, codicon, h } from './dom';
import { bytes, count, percent, shapeText, stat } from './format';
import { HeatmapView } from './heatmap';
import { HistogramView } from './histogram';
import { ValueGrid, decodePage } from './value-grid';

const BINS = 64;
type Post = (message: InspectorRequest) => void;

function props(rows: [string, string | Node][]): HTMLElement {
  return h('dl', { class: 'props' }, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function isContiguous(shape: number[], strides: number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== expected) return false;
    expected *= shape[i];
  }
  return true;
}

export class TensorView {
  readonly element: HTMLElement;
  private readonly statsBox = h('div', { class: 'stats-body' }, h('span', { class: 'muted' }, 'computing…'));
  private readonly histogram = new HistogramView();
  private readonly histogramStatus = h('div', { class: 'status muted' }, 'computing…');
  private readonly heatmap: HeatmapView | undefined;
  private readonly heatmapStatus = h('div', { class: 'status muted' }, 'computing…');
  private readonly grid: ValueGrid | undefined;
  private readonly copyStatus = h('span', { class: 'muted copy-status', role: 'status' });
  private pageReported = false;

  constructor(private readonly id: number, private readonly tensor: TensorInfo, channels: number, pageLimit: number, private readonly post: Post) {
    const { name, dtype, shape, strides, numel } = tensor;
    const copy = h('vscode-button', { secondary: true, icon: 'copy', title: 'Copy values as a Python literal (torch.tensor(...))', onclick: () => this.copy() }, 'Copy as Python');
    const header = h('header', { class: 'title-row' },
      h('h1', {}, codicon('symbol-array'), ' ', name),
      tensor.origin ? h('div', { class: 'origin muted' }, tensor.origin) : null,
      h('div', { class: 'badges' },
        h('vscode-badge', {}, dtype), h('vscode-badge', {}, shapeText(shape)),
        h('span', { class: 'muted' }, `${count(numel)} values · ${bytes(tensor.bytes)}`),
        tensor.valuesUnavailable ? null : copy, this.copyStatus));
    const summary = h('section', { class: 'cards' },
      h('div', { class: 'card' }, h('h2', {}, 'Tensor'), props([
        ['dtype', dtype], ['shape', shapeText(shape)], ['strides', `${shapeText(strides)}${isContiguous(shape, strides) ? '' : ' (not contiguous)'}`],
        ['elements', count(numel)], ['bytes', `${count(tensor.bytes)} (${bytes(tensor.bytes)})`],
      ])),
      h('div', { class: 'card grow' }, h('h2', {}, 'Statistics'), this.statsBox));
    const parts: (HTMLElement | null)[] = [header, summary];
    if (tensor.valuesUnavailable) {
      parts.push(h('div', { class: 'notice' }, codicon('info'), ' ', tensor.valuesUnavailable));
      this.statsBox.textContent = '–';
    } else {
      const charts = h('section', { class: 'cards' });
      if (channels > 0) {
        this.heatmap = new HeatmapView(channels, shape.length, (channel) => this.requestHeatmap(channel));
        charts.append(h('div', { class: 'card grow', id: 'heatmap-card' },
          h('div', { class: 'card-title' }, h('h2', {}, 'Heatmap'), this.heatmap.controls ?? null), this.heatmapStatus, this.heatmap.element));
      }
      charts.append(h('div', { class: 'card grow', id: 'histogram-card' },
        h('div', { class: 'card-title' }, h('h2', {}, 'Histogram'), this.histogram.controls), this.histogramStatus, this.histogram.element));
      this.grid = new ValueGrid(shape, numel, dtype, pageLimit, (offset, n) => post({ type: 'requestPage', tensorId: id, offset, count: n }));
      parts.push(charts, h('section', { class: 'card values-card' }, h('h2', {}, 'Values'), this.grid.element));
    }
    this.element = h('div', { class: 'tensor-view' }, ...parts);
  }

  /** Asks for everything shown at first; the table asks for its pages itself. */
  start(): void {
    if (this.tensor.valuesUnavailable) return;
    this.post({ type: 'requestStats', tensorId: this.id });
    if (this.heatmap) this.requestHeatmap(0);
    this.post({ type: 'requestHistogram', tensorId: this.id, bins: BINS });
    this.grid?.render();
  }

  private requestHeatmap(channel: number): void {
    this.heatmapStatus.textContent = 'computing…';
    this.post({ type: 'requestHeatmap', tensorId: this.id, channel });
  }

  private copy(): void {
    this.copyStatus.textContent = 'copying…';
    this.post({ type: 'copyAsPython', tensorId: this.id });
  }

  private showStats(s: TensorStats): void {
    clear(this.statsBox);
    const nonFinite = s.nan + s.posInf + s.negInf;
    const moments = props([
      ['min', stat(s.min)], ['max', stat(s.max)], ['mean', stat(s.mean)], ['std', h('span', { title: 'sample standard deviation (N-1), as torch.std' }, stat(s.std))],
    ]);
    moments.classList.add('two-up');
    this.statsBox.append(moments, props([
      ['sparsity', `${percent(s.sparsity)} · ${count(s.zeros)} zero${s.zeros === 1 ? '' : 's'}`],
      ['NaN / ±Inf', h('span', { class: nonFinite ? 'warning' : '' }, `${count(s.nan)} NaN · ${count(s.posInf)} +Inf · ${count(s.negInf)} −Inf`)],
    ]));
    if (nonFinite) this.statsBox.append(h('div', { class: 'muted' }, `min, max, mean and std use the ${count(s.finite)} finite values`));
    this.statsBox.append(h('div', { class: 'muted small' }, `computed in ${s.ms} ms`));
  }

  private retryButton(label: string, request: () => void): HTMLElement {
    return h('vscode-button', { secondary: true, onclick: request }, label);
  }

  onMessage(message: InspectorMessage): void {
    switch (message.type) {
      case 'stats':
        this.showStats(message.stats);
        this.post({ type: 'rendered', tensorId: this.id, part: 'stats' });
        break;
      case 'progress': {
        const text = `computing… ${Math.round(message.fraction * 100)} %`;
        if (message.task === 'stats') this.statsBox.textContent = text;
        else if (message.task === 'histogram') this.histogramStatus.textContent = text;
        else this.heatmapStatus.textContent = text;
        break;
      }
      case 'histogram':
        this.histogramStatus.textContent = '';
        this.histogram.show(message);
        this.post({ type: 'rendered', tensorId: this.id, part: 'histogram' });
        break;
      case 'heatmap':
        this.heatmapStatus.textContent = '';
        this.heatmap?.show(message);
        this.post({ type: 'rendered', tensorId: this.id, part: 'heatmap' });
        break;
      case 'page':
        this.grid?.setPage(message.offset, decodePage(message.array, message.data));
        if (!this.pageReported && this.grid?.complete) {
          this.pageReported = true;
          this.post({ type: 'rendered', tensorId: this.id, part: 'page' });
        }
        break;
      case 'copied':
        this.copyStatus.textContent = message.values < message.total
          ? `copied the first ${count(message.values)} of ${count(message.total)} values`
          : `copied ${count(message.values)} value${message.values === 1 ? '' : 's'}`;
        break;
      case 'error':
        this.showError(message.request, message.message, message.code);
        break;
    }
  }

  private showError(request: string, text: string, code?: string): void {
    const line = (retry?: () => void) => h('div', { class: code === 'Cancelled' ? 'muted' : 'error' },
      codicon(code === 'Cancelled' ? 'circle-slash' : 'error'), ' ', text, ' ', retry ? this.retryButton('Compute', retry) : null);
    if (request === 'requestStats') { clear(this.statsBox); this.statsBox.append(line(() => this.post({ type: 'requestStats', tensorId: this.id }))); }
    else if (request === 'requestHistogram') { clear(this.histogramStatus); this.histogramStatus.append(line(() => this.post({ type: 'requestHistogram', tensorId: this.id, bins: BINS }))); }
    else if (request === 'requestHeatmap') { clear(this.heatmapStatus); this.heatmapStatus.append(line(() => this.requestHeatmap(0))); }
    else if (request === 'copyAsPython') this.copyStatus.textContent = text;
    else this.copyStatus.textContent = text;
  }
}
