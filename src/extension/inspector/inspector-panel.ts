// The parameter inspector: one webview panel, reused for whatever is inspected next (a tensor or a module).
// It answers the webview's requests from a TensorSource; long statistics run with cancellable progress.
import * as vscode from 'vscode';
import type { InspectorMessage, InspectorRequest, ModuleDescription } from '../../protocol/inspector';
import { COPY_HARD_LIMIT, COPY_WITHOUT_ASKING, pythonLiteral } from './python-literal';
import { TensorSource, numelOf } from './tensor-source';
import { CancelToken, CancelledError, ChunkOptions, computeHeatmap, computeHistogram, computeStats, heatmapChannels } from './tensor-stats';
import { pageValues, unsupportedReason } from './values';
import { webviewHtml, webviewOptions } from './webview-html';

export type InspectorTarget =
  | { kind: 'tensor'; source: TensorSource }
  | { kind: 'module'; module: ModuleDescription; tensor?: (name: string) => TensorSource | undefined };

/** Largest page of values sent at once. */
export const PAGE_LIMIT = 16_384;
/** Passes over more elements than this (about 0.3 s of work) get a progress notification with Cancel. */
export const LONG_PASS_ELEMENTS = 50_000_000;
const HISTORY = 200;

interface Current {
  id: number;
  target: InspectorTarget;
  cancel: vscode.CancellationTokenSource;
  stats?: ReturnType<typeof computeStats>;
}

const count = (n: number) => n.toLocaleString('en-US');

export class InspectorPanel implements vscode.Disposable {
  static readonly viewType = 'torchExplorer.inspector';
  private static instance: InspectorPanel | undefined;
  private static nextId = 1;

  /** The open panel, if any. */
  static get current(): InspectorPanel | undefined { return InspectorPanel.instance; }

  /** Shows `target` in the inspector, reusing (and revealing) the open panel. */
  static show(extensionUri: vscode.Uri, target: InspectorTarget, options: { column?: vscode.ViewColumn; preserveFocus?: boolean } = {}): InspectorPanel {
    const column = options.column ?? vscode.ViewColumn.Beside;
    let panel = InspectorPanel.instance;
    if (panel) panel.panel.reveal(undefined, options.preserveFocus ?? true);
    else panel = InspectorPanel.instance = new InspectorPanel(extensionUri, column, options.preserveFocus ?? true);
    panel.setTarget(target);
    return panel;
  }

  private readonly panel: vscode.WebviewPanel;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly posted = new vscode.EventEmitter<InspectorMessage>();
  private readonly received = new vscode.EventEmitter<InspectorRequest>();
  /** Every message sent to the webview, as sent. */
  readonly onDidPost = this.posted.event;
  /** Every message the webview sent. */
  readonly onDidReceive = this.received.event;
  /** The latest messages both ways, newest last (for tests and diagnostics). */
  readonly history: { dir: 'out' | 'in'; message: InspectorMessage | InspectorRequest }[] = [];
  private current: Current | undefined;
  private webviewReady = false;
  private disposed = false;

  private constructor(private readonly extensionUri: vscode.Uri, column: vscode.ViewColumn, preserveFocus: boolean) {
    this.panel = vscode.window.createWebviewPanel(InspectorPanel.viewType, 'Inspector', { viewColumn: column, preserveFocus },
      webviewOptions(extensionUri));
    this.panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'torch-explorer.svg');
    this.panel.webview.html = webviewHtml(this.panel.webview, extensionUri, 'inspector', 'Inspector');
    this.disposables.push(
      this.posted, this.received,
      this.panel.onDidDispose(() => this.dispose()),
      this.panel.webview.onDidReceiveMessage((m: InspectorRequest) => this.handle(m)),
    );
  }

  get tensorId(): number | undefined { return this.current?.id; }
  get target(): InspectorTarget | undefined { return this.current?.target; }
  get visible(): boolean { return this.panel.visible; }

  setTarget(target: InspectorTarget): void {
    this.current?.cancel.cancel();
    this.current = { id: InspectorPanel.nextId++, target, cancel: new vscode.CancellationTokenSource() };
    const name = target.kind === 'tensor' ? target.source.info.name : target.module.name || target.module.type;
    this.panel.title = `Inspect ${name}`;
    if (this.webviewReady) this.post(this.initMessage(this.current));
  }

  /** Answers one webview message; public so tests can drive the same path the webview does. */
  async handle(message: InspectorRequest): Promise<void> {
    this.remember('in', message);
    this.received.fire(message);
    const current = this.current;
    if (message.type === 'ready') {
      // the webview was (re)loaded, e.g. after being hidden: it starts from init again
      this.webviewReady = true;
      if (current) this.post(this.initMessage(current));
      return;
    }
    if (message.type === 'rendered' || !current) return;
    if (message.type === 'inspectTensor') {
      const source = current.target.kind === 'module' ? current.target.tensor?.(message.name) : undefined;
      if (source) this.setTarget({ kind: 'tensor', source });
      else this.post({ type: 'error', tensorId: current.id, request: message.type, message: `${message.name} cannot be read here yet: tensor values of explored models come with the engine process` });
      return;
    }
    if (message.tensorId !== current.id) return; // a request about something no longer shown
    if (current.target.kind !== 'tensor') return;
    const source = current.target.source;
    try {
      switch (message.type) {
        case 'requestStats':
          this.post({ type: 'stats', tensorId: current.id, stats: await this.statsOf(current, source) });
          break;
        case 'requestPage': {
          const numel = numelOf(source.info.shape);
          const offset = Math.max(0, Math.min(numel, Math.floor(message.offset)));
          const n = Math.max(0, Math.min(PAGE_LIMIT, numel - offset, Math.floor(message.count)));
          const { array, data } = pageValues(source.info.dtype, await source.read(offset, n));
          this.post({ type: 'page', tensorId: current.id, offset, count: n, dtype: source.info.dtype, array, data });
          break;
        }
        case 'requestHistogram': {
          const stats = await this.statsOf(current, source);
          const histogram = await this.pass(current, source, 'histogram', (options) => computeHistogram(source, stats, message.bins, options));
          this.post({ type: 'histogram', tensorId: current.id, ...histogram });
          break;
        }
        case 'requestHeatmap': {
          const stats = await this.statsOf(current, source);
          const shape = source.info.shape;
          const slice = shape.length > 2 ? numelOf(shape.slice(1)) : numelOf(shape);
          const heatmap = await this.pass(current, source, 'heatmap', (options) => computeHeatmap(source, stats, message.channel, options), slice);
          this.post({ type: 'heatmap', tensorId: current.id, ...heatmap });
          break;
        }
        case 'copyAsPython':
          await this.copyAsPython(current, source);
          break;
      }
    } catch (error) {
      const cancelled = error instanceof CancelledError;
      this.post({
        type: 'error', tensorId: current.id, request: message.type, code: cancelled ? 'Cancelled' : (error as { code?: string }).code,
        message: cancelled ? 'Cancelled.' : (error as Error).message ?? String(error),
      });
    }
  }

  private initMessage(current: Current): InspectorMessage {
    const { target, id } = current;
    if (target.kind === 'module') return { type: 'init', kind: 'module', tensorId: id, module: target.module, canInspectTensors: !!target.tensor };
    const { info } = target.source;
    return {
      type: 'init', kind: 'tensor', tensorId: id, pageLimit: PAGE_LIMIT, heatmapChannels: heatmapChannels(info.shape),
      tensor: {
        name: info.name, dtype: info.dtype, shape: [...info.shape], strides: [...info.strides], bytes: info.bytes,
        numel: numelOf(info.shape), origin: info.origin, valuesUnavailable: unsupportedReason(info.dtype),
      },
    };
  }

  /** Statistics are computed once per target (histogram and heatmap scale with them); a failure is retried. */
  private statsOf(current: Current, source: TensorSource) {
    if (!current.stats) {
      current.stats = this.pass(current, source, 'stats', (options) => computeStats(source, options));
      current.stats.catch(() => { if (this.current === current) current.stats = undefined; });
    }
    return current.stats;
  }

  /** A full pass over the values: progress to the webview, and a cancellable notification for big tensors. */
  private async pass<T>(current: Current, source: TensorSource, task: 'stats' | 'histogram' | 'heatmap',
                        work: (options: ChunkOptions) => Promise<T>, elements = numelOf(source.info.shape)): Promise<T> {
    let lastReport = 0;
    const run = (token: CancelToken, report?: (fraction: number) => void) => work({
      token,
      onProgress: (fraction) => {
        report?.(fraction);
        if (Date.now() - lastReport < 150 || fraction >= 1) return;
        lastReport = Date.now();
        this.post({ type: 'progress', tensorId: current.id, task, fraction });
      },
    });
    if (elements <= LONG_PASS_ELEMENTS) return run(current.cancel.token);
    const title = `${{ stats: 'Statistics', histogram: 'Histogram', heatmap: 'Heatmap' }[task]} of ${source.info.name} (${count(elements)} values)`;
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
      let reported = 0;
      const either: CancelToken = { get isCancellationRequested() { return token.isCancellationRequested || current.cancel.token.isCancellationRequested; } };
      return run(either, (fraction) => {
        progress.report({ increment: (fraction - reported) * 100 });
        reported = fraction;
      });
    });
  }

  private async copyAsPython(current: Current, source: TensorSource): Promise<void> {
    const total = numelOf(source.info.shape);
    let limit = total;
    if (total > COPY_WITHOUT_ASKING) {
      const all = total <= COPY_HARD_LIMIT ? `Copy All ${count(total)}` : undefined;
      const first = `Copy First ${count(COPY_WITHOUT_ASKING)}`;
      const choice = await vscode.window.showWarningMessage(`${source.info.name} has ${count(total)} values.`, {
        modal: true,
        detail: `A Python literal of all of them is large${all ? '' : ` (more than ${count(COPY_HARD_LIMIT)} are never copied)`}. ` +
          `The first ${count(COPY_WITHOUT_ASKING)} are copied flattened, with a comment giving the shape.`,
      }, ...(all ? [all, first] : [first]));
      if (!choice) return;
      limit = choice === first ? COPY_WITHOUT_ASKING : total;
    }
    const literal = await pythonLiteral(source, limit);
    await vscode.env.clipboard.writeText(literal.text);
    this.post({ type: 'copied', tensorId: current.id, values: literal.values, total: literal.total, chars: literal.text.length });
  }

  private post(message: InspectorMessage): void {
    if (this.disposed) return;
    this.remember('out', message);
    this.posted.fire(message);
    void this.panel.webview.postMessage(message);
  }

  private remember(dir: 'in' | 'out', message: InspectorMessage | InspectorRequest): void {
    this.history.push({ dir, message });
    if (this.history.length > HISTORY) this.history.splice(0, this.history.length - HISTORY);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.current?.cancel.cancel();
    if (InspectorPanel.instance === this) InspectorPanel.instance = undefined;
    this.panel.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
