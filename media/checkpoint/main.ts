// The checkpoint viewer webview: the state dict as a tree grouped by key prefix, with shapes, dtypes, sizes
// and value counts per group. Children are created when a branch first opens (state dicts can be large);
// selecting a tensor asks the host to show it in the inspector. "Match with model…" (enabled once a model is
// explored in the window) shows load_state_dict's report against it and marks the keys in the tree.
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-icon/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-tree/index.js';
import '@vscode-elements/elements/dist/vscode-tree-item/index.js';
import type { CheckpointMatch, CheckpointMessage, CheckpointRequest, CheckpointTreeNode, CheckpointView } from '../../src/protocol/inspector';
import { append, clear, codicon, h } from '../inspector/dom';
import { bytes, count, shapeText } from '../inspector/format';
import { getState, post as postRaw, setState } from '../inspector/vscode-api';
import './checkpoint.css';
import { decoration, markIndex, matchReport, type MarkIndex } from './match';

const MATCH_TOOLTIP = 'needs an explored model (engine process)';
const MATCH_READY_TOOLTIP = 'What load_state_dict(strict=True) into an explored model would report (a dry run: nothing is loaded)';
const FORMATS: Record<CheckpointView['format'], string> = { 'safetensors': 'safetensors', 'torch-zip': 'torch.save (zip)', 'safetensors-index': 'sharded safetensors' };

type TreeItem = HTMLElement & { open: boolean; selected: boolean; branch: boolean };
interface SavedState { file: string; open: string[]; selected?: string }

const root = document.getElementById('root') as HTMLElement;
const post = (message: CheckpointRequest) => postRaw(message);
const nodes = new WeakMap<Element, CheckpointTreeNode>();
const items = new Map<string, TreeItem>();
let state: SavedState = getState<SavedState>() ?? { file: '', open: [] };
let currentView: CheckpointView | undefined;
let exploredModels = 0;
let currentMatch: CheckpointMatch | null = null;
let marks: MarkIndex = markIndex(null);

function saveState(): void {
  state.open = [...items.entries()].filter(([, item]) => item.open).map(([path]) => path);
  setState(state);
}

function describe(node: CheckpointTreeNode): string {
  if (node.tensor) return `${node.tensor.dtype} · ${shapeText(node.tensor.shape)} · ${count(node.numel)} · ${bytes(node.tensor.bytes)}`;
  return `${count(node.tensors)} tensor${node.tensors === 1 ? '' : 's'} · ${count(node.numel)} values · ${bytes(node.bytes)}`;
}

function treeItem(node: CheckpointTreeNode): TreeItem {
  const isGroup = node.children.length > 0;
  const item = h('vscode-tree-item', { 'data-key': node.path, title: node.tensor ? `${node.path}\n${describe(node)}` : `${node.path}.*\n${describe(node)}` },
    h('vscode-icon', { slot: 'icon-leaf', name: 'symbol-array' }),
    h('vscode-icon', { slot: 'icon-branch', name: node.tensor ? 'symbol-array' : 'symbol-namespace' }),
    h('vscode-icon', { slot: 'icon-branch-opened', name: node.tensor ? 'symbol-array' : 'symbol-namespace' }),
    node.name,
    h('span', { slot: 'description' }, describe(node)),
    decoration(node, marks)) as TreeItem;
  nodes.set(item, node);
  items.set(node.path, item);
  // a placeholder child makes it a branch; the real children replace it on first open
  if (isGroup) item.append(h('vscode-tree-item', { slot: 'children', class: 'placeholder' }, '…'));
  new MutationObserver(() => {
    if (item.open) fillChildren(item, node);
    saveState();
  }).observe(item, { attributes: true, attributeFilter: ['open'] });
  return item;
}

function fillChildren(item: TreeItem, node: CheckpointTreeNode): void {
  const placeholder = item.querySelector(':scope > .placeholder');
  if (!placeholder) return;
  placeholder.remove();
  for (const child of node.children) item.append(Object.assign(treeItem(child), { slot: 'children' }));
  for (const child of node.children) if (state.open.includes(child.path)) (items.get(child.path) as TreeItem).open = true;
}

/** Opens the ancestors of `path` and selects it (when the host inspected a tensor by API). */
function reveal(path: string): void {
  const segments = path.split('.');
  for (let i = 1; i < segments.length; i++) {
    const item = items.get(segments.slice(0, i).join('.'));
    if (item && !item.open) { item.open = true; fillChildren(item, nodes.get(item) as CheckpointTreeNode); }
  }
  for (const [p, item] of items) item.selected = p === path;
  items.get(path)?.scrollIntoView({ block: 'nearest' });
}

function toolbar(view: CheckpointView): HTMLElement {
  const bar = h('div', { class: 'toolbar' });
  if (view.candidates.length > 1 || view.candidates[0]?.label !== 'checkpoint') {
    const select = h('vscode-single-select', { class: 'candidates', 'aria-label': 'state dict inside the checkpoint' }) as HTMLElement & { value: string };
    view.candidates.forEach((c, i) => select.append(h('vscode-option', { value: String(i), selected: i === view.selected }, `${c.label} · ${count(c.tensors)} tensors`)));
    select.addEventListener('change', () => post({ type: 'chooseStateDict', index: Number(select.value) }));
    bar.append(h('label', { class: 'muted' }, 'state dict'), select);
  }
  if (view.modulePrefix) {
    const strip = h('vscode-checkbox', { label: `strip "${view.modulePrefix}" (DataParallel)`, checked: view.stripPrefix }) as HTMLElement & { checked: boolean };
    strip.addEventListener('change', () => post({ type: 'stripPrefix', strip: strip.checked }));
    bar.append(strip);
  }
  const tree = () => document.querySelector('vscode-tree') as (HTMLElement & { expandAll(): void; collapseAll(): void }) | null;
  bar.append(
    h('span', { class: 'spacer' }),
    h('vscode-button', { secondary: true, icon: 'expand-all', title: 'Expand all', onclick: () => expandAll(view.tree) }, 'Expand'),
    h('vscode-button', { secondary: true, icon: 'collapse-all', title: 'Collapse all', onclick: () => tree()?.collapseAll() }, 'Collapse'),
    matchButton());
  return bar;
}

function matchButton(): HTMLElement {
  const ready = exploredModels > 0;
  // disabled controls get no mouse events: the tooltip sits on a wrapper
  return h('span', { class: 'match', title: ready ? MATCH_READY_TOOLTIP : MATCH_TOOLTIP },
    h('vscode-button', {
      disabled: !ready, icon: 'link', 'aria-label': ready ? 'Match with model…' : `Match with model… (${MATCH_TOOLTIP})`,
      onclick: () => { if (exploredModels > 0) post({ type: 'matchWithModel' }); },
    }, 'Match with model…'));
}

function showModelCount(n: number): void {
  exploredModels = n;
  document.querySelector('.toolbar .match')?.replaceWith(matchButton());
}

/** Draws (or removes) the report and re-marks the tree rows that exist. */
function showMatch(match: CheckpointMatch | null): void {
  currentMatch = match;
  marks = markIndex(match);
  document.querySelector('.match-report')?.remove();
  if (match && currentView) document.querySelector('.toolbar')?.after(matchReport(match, currentView.stripPrefix, post));
  for (const [, item] of items) {
    item.querySelector(':scope > [slot="decoration"]')?.remove();
    const node = nodes.get(item);
    const mark = node && decoration(node, marks);
    if (mark) item.append(mark);
  }
}

function showLoadStatus(stateName: 'loading' | 'loaded' | 'failed', message: string): void {
  const status = document.querySelector('.match-report .load-status');
  if (!status) return;
  clear(status);
  status.className = `load-status ${stateName}`;
  status.append(codicon(stateName === 'loading' ? 'loading' : stateName === 'loaded' ? 'pass-filled' : 'warning', stateName === 'loading' ? 'codicon-modifier-spin' : ''), ` ${message}`);
}

function expandAll(tree: CheckpointTreeNode[]): void {
  for (const node of tree) {
    const item = items.get(node.path);
    if (!item || node.children.length === 0) continue;
    item.open = true;
    fillChildren(item, node);
    expandAll(node.children);
  }
}

function render(view: CheckpointView): void {
  if (state.file !== view.file) state = { file: view.file, open: [] };
  currentView = view;
  clear(root);
  items.clear();
  const metadata = view.metadata.length
    ? h('details', { class: 'metadata' }, h('summary', {}, `${view.format === 'torch-zip' ? 'other entries' : 'metadata'} (${view.metadata.length})`),
      h('dl', { class: 'props' }, ...view.metadata.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])))
    : null;
  const tree = h('vscode-tree', { 'indent-guides': 'onHover', 'aria-label': 'state dict' });
  for (const node of view.tree) tree.append(treeItem(node));
  tree.addEventListener('vsc-tree-select', (event) => {
    // 2.5.1 sends the selected items as the detail itself; its typings say { selectedItems }
    const detail = (event as CustomEvent<Element[] | { selectedItems: Element[] }>).detail;
    const selected = (Array.isArray(detail) ? detail : detail.selectedItems)[0];
    const node = selected && nodes.get(selected);
    if (node?.tensor) {
      state.selected = node.path;
      saveState();
      post({ type: 'inspect', key: node.path });
    }
  });
  append(root, [
    h('header', { class: 'title-row' },
      h('h1', {}, codicon('file-binary'), ' ', view.file),
      h('div', { class: 'badges' },
        h('vscode-badge', {}, FORMATS[view.format]),
        h('span', { class: 'muted' }, `${count(view.totals.tensors)} tensors · ${count(view.totals.numel)} values · ${bytes(view.totals.bytes)} of tensor data · file ${bytes(view.fileBytes)}`))),
    toolbar(view),
    metadata,
    view.skippedKeys.length ? h('div', { class: 'muted' }, `not tensors, skipped: ${view.skippedKeys.join(', ')}`) : null,
    view.tree.length ? tree : h('div', { class: 'notice' }, codicon('info'), ' This state dict holds no tensors.')]);
  for (const node of view.tree) if (state.open.includes(node.path)) (items.get(node.path) as TreeItem).open = true;
  if (state.selected) reveal(state.selected);
  if (currentMatch) showMatch(currentMatch);
}

function renderError(file: string, code: string, message: string): void {
  clear(root);
  root.append(h('div', { class: 'failure', role: 'alert' },
    h('h1', {}, codicon('error'), ' Cannot open ', file),
    h('p', { class: 'message' }, message),
    h('p', { class: 'muted' }, 'Error code ', h('code', {}, code), '. Nothing from the file was run; it was only read.')));
}

window.addEventListener('message', (event: MessageEvent<CheckpointMessage>) => {
  const message = event.data;
  switch (message.type) {
    case 'checkpoint':
    case 'checkpointError':
      if (message.type === 'checkpoint') render(message.view);
      else renderError(message.file, message.code, message.message);
      void document.fonts.ready.then(() => post({ type: 'rendered' }));
      break;
    case 'inspected':
      state.selected = message.key; reveal(message.key); saveState();
      break;
    case 'models':
      showModelCount(message.count);
      break;
    case 'match':
      showMatch(message.match);
      void document.fonts.ready.then(() => post({ type: 'matchRendered' }));
      break;
    case 'loadStatus':
      showLoadStatus(message.state, message.message);
      break;
  }
});

root.append(h('div', { class: 'muted' }, 'Reading the header…'));
post({ type: 'ready' });
