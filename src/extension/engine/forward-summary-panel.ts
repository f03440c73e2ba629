// The forward summary in a webview (one panel, reused): the torchinfo-style table with a "Copy as Markdown"
// button. The page is static HTML with one small script under a nonce; it follows the theme's colours.
import * as vscode from 'vscode';
import { shapeText } from './model-facts';
import { summaryMarkdown, type ForwardSummary } from './forward-summary-table';

const count = (n: number) => n.toLocaleString('en-US');
const html = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export class ForwardSummaryPanel implements vscode.Disposable {
  static readonly viewType = 'torchExplorer.forwardSummary';
  private static instance: ForwardSummaryPanel | undefined;
  static get current(): ForwardSummaryPanel | undefined { return ForwardSummaryPanel.instance; }

  static show(summary: ForwardSummary, options: { preserveFocus?: boolean } = {}): ForwardSummaryPanel {
    const panel = ForwardSummaryPanel.instance ??= new ForwardSummaryPanel(options.preserveFocus ?? false);
    panel.panel.reveal(undefined, options.preserveFocus ?? false);
    panel.setSummary(summary);
    return panel;
  }

  private readonly panel: vscode.WebviewPanel;
  private readonly subs: vscode.Disposable[] = [];
  summary: ForwardSummary | undefined;
  /** the Markdown last put on the clipboard (tests read it) */
  lastCopied: string | undefined;

  private constructor(preserveFocus: boolean) {
    this.panel = vscode.window.createWebviewPanel(ForwardSummaryPanel.viewType, 'Forward summary',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus }, { enableScripts: true, localResourceRoots: [] });
    this.subs.push(
      this.panel.onDidDispose(() => this.dispose()),
      this.panel.webview.onDidReceiveMessage((m: { type?: string }) => { if (m?.type === 'copy') void this.copyMarkdown(); }),
    );
  }

  get markdown(): string | undefined { return this.summary && summaryMarkdown(this.summary); }

  async copyMarkdown(): Promise<string | undefined> {
    const md = this.markdown;
    if (!md) return undefined;
    await vscode.env.clipboard.writeText(md);
    this.lastCopied = md;
    void this.panel.webview.postMessage({ type: 'copied' });
    return md;
  }

  private setSummary(s: ForwardSummary): void {
    this.summary = s;
    this.panel.title = `Forward summary: ${s.entry}`;
    const nonce = Array.from({ length: 24 }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(Math.random() * 36)]).join('');
    const rows = s.rows.map((r) => `<tr><td class="layer" title="${html(r.name || '(root)')}">${html(r.layer)}</td>` +
      `<td>${r.outputShape === undefined ? '--' : html(shapeText(r.outputShape))}</td>` +
      `<td class="num">${r.params ? count(r.params) : '--'}</td><td class="num">${r.multAdds ? count(r.multAdds) : '--'}</td>` +
      `<td class="num">${r.ms !== undefined ? r.ms.toFixed(2) : ''}</td></tr>`).join('\n');
    this.panel.webview.html = `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}';">
<style>
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 8px 16px; }
h2 { font-weight: 600; font-size: 1.1em; margin: 4px 0 2px; }
.sub { color: var(--vscode-descriptionForeground); margin-bottom: 10px; }
table { border-collapse: collapse; font-family: var(--vscode-editor-font-family); font-size: 0.92em; }
th, td { padding: 1px 10px 1px 2px; text-align: left; white-space: pre; }
th { border-bottom: 1px solid var(--vscode-panel-border); font-weight: 600; }
td.num, th.num { text-align: right; }
tr:hover td { background: var(--vscode-list-hoverBackground); }
.totals { margin-top: 10px; border-top: 1px solid var(--vscode-panel-border); padding-top: 6px; font-family: var(--vscode-editor-font-family); }
button { background: var(--vscode-button-background); color: var(--vscode-button-foreground); border: none; padding: 4px 10px; cursor: pointer; }
button:hover { background: var(--vscode-button-hoverBackground); }
#status { margin-left: 8px; color: var(--vscode-descriptionForeground); }
</style></head><body>
<h2>${html(s.entry)}</h2>
<div class="sub">forward pass with input ${html(s.input)} · ${s.ms.toFixed(1)} ms <button id="copy">Copy as Markdown</button><span id="status"></span></div>
<table><thead><tr><th>Layer (type:depth-idx)</th><th>Output Shape</th><th class="num">Param #</th><th class="num">Mult-Adds</th><th class="num">ms</th></tr></thead>
<tbody>${rows}</tbody></table>
<div class="totals">Total params: ${count(s.totalParams)}<br>Trainable params: ${count(s.trainableParams)}<br>
Non-trainable params: ${count(s.totalParams - s.trainableParams)}<br>Total mult-adds: ${count(s.totalMultAdds)}</div>
<script nonce="${nonce}">
const vscode = acquireVsCodeApi();
document.getElementById('copy').addEventListener('click', () => vscode.postMessage({ type: 'copy' }));
window.addEventListener('message', (e) => { if (e.data && e.data.type === 'copied') document.getElementById('status').textContent = 'copied'; });
</script></body></html>`;
  }

  private disposed = false;
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (ForwardSummaryPanel.instance === this) ForwardSummaryPanel.instance = undefined;
    for (const s of this.subs) s.dispose();
    this.panel.dispose();
  }
}
