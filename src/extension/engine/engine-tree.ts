// The Models view's part that comes from the engine: an explored file's entries and, per built model, the
// module tree (named_children(), recursively, with parameter and buffer leaves) or the flat list of a
// "View as" method. Nodes are made per level on demand and long lists are cut into ranges, so a model with
// 10,000 modules never turns into 10,000 TreeItems at once. Ids derive from names: expansion survives refreshes.
import * as vscode from 'vscode';
import { KIND_ICONS, layerKind } from '../layer-kinds';
import type { ModelNode } from '../models-tree';
import type { OutlineRange } from '../../protocol/outline';
import type { EntryInfo, TensorRecord } from './engine-api';
import { shapeText, numel, leafName, type ModelFacts, type ModuleFact } from './model-facts';
import type { LoadedModel, ModelStore } from './model-store';
import { VIEW_MODE_LABELS, modeCount, type ViewMode } from './view-modes';
import { relativePath } from './workspace-sources';

/** Largest number of siblings shown at once; longer lists are grouped into ranges. */
export const RANGE_SIZE = 500;

export type EngineNode =
  | { type: 'entry'; id: string; uri: vscode.Uri; parent: ModelNode; entry: EntryInfo }
  | { type: 'module'; id: string; uri: vscode.Uri; parent: ModelNode; modelId: string; name: string; flat?: ViewMode; index?: number }
  | { type: 'tensor'; id: string; uri: vscode.Uri; parent: ModelNode; modelId: string; name: string; role: 'parameter' | 'buffer' | 'state'; flat?: ViewMode; index?: number }
  | { type: 'range'; id: string; uri: vscode.Uri; parent: ModelNode; modelId: string; from: number; to: number; items: ItemRef[] }
  | { type: 'message'; id: string; uri: vscode.Uri; parent: ModelNode; text: string; detail?: string; icon: string; command?: vscode.Command };

/** One item of a list before it becomes a node. */
type ItemRef = { kind: 'module'; name: string; index: number } | { kind: 'tensor'; record: TensorRecord; role: 'parameter' | 'buffer' | 'state'; index: number };

const count = (n: number) => n.toLocaleString('en-US');
const params = (n: number) => `${count(n)} param${n === 1 ? '' : 's'}`;
export const short = (s: string, max = 70) => (s.length > max ? s.slice(0, max - 1) + '…' : s);
const firstLine = (s: string | undefined) => (s ? s.split('\n')[0].replace(/\($/, '(…)') : '');

export function moduleIcon(m: ModuleFact): string {
  const kind = layerKind(m.type);
  if (kind !== 'other') return KIND_ICONS[kind];
  return m.children.length ? KIND_ICONS.module : KIND_ICONS.other;
}

export class EngineTree {
  private _mode: ViewMode = 'tree';

  constructor(private readonly store: ModelStore, private readonly onNeedsLoad: (uri: vscode.Uri, entry: string) => void) {}

  get mode(): ViewMode { return this._mode; }
  set mode(m: ViewMode) { this._mode = m; }

  // -------------------------------------------------------------------------------------------- children

  entries(file: ModelNode & { type: 'file' }): ModelNode[] {
    const explored = this.store.explored(file.uri);
    if (!explored) return [];
    return explored.entries.map((entry): ModelNode => ({ type: 'entry', id: `eng|${file.uri.toString()}#${entry.name}`, uri: file.uri, parent: file, entry }));
  }

  children(node: EngineNode): ModelNode[] {
    if (node.type === 'entry') return this.entryChildren(node);
    if (node.type === 'range') return this.rangeChildren(node);
    if (node.type === 'module' && !node.flat) {
      const facts = this.store.allModels().find((m) => m.id === node.modelId)?.facts;
      const m = facts?.module(node.name);
      return m && facts ? this.listNodes(node, node.modelId, moduleItems(facts, m), undefined) : [];
    }
    return [];
  }

  private entryChildren(node: EngineNode & { type: 'entry' }): ModelNode[] {
    const model = this.store.model(node.uri, node.entry.name);
    const message = (text: string, icon: string, detail?: string): ModelNode[] =>
      [{ type: 'message', id: `${node.id}|msg`, uri: node.uri, parent: node, text, icon, detail }];
    if (!model) {
      this.onNeedsLoad(node.uri, node.entry.name);
      return message('building…', 'loading~spin');
    }
    if (model.state === 'loading' && !model.facts) return message('building…', 'loading~spin');
    if (model.state === 'error' || !model.facts) {
      const e = model.error;
      return message(`${e?.type ?? 'Error'}: ${e?.message ?? 'the model could not be built'}`, 'error', e?.pythonTraceback);
    }
    const facts = model.facts;
    const root = facts.root;
    if (!root) return [];
    const mode = this._mode;
    if (mode === 'tree') return this.listNodes(node, model.id, moduleItems(facts, root), undefined);
    return this.listNodes(node, model.id, flatItems(facts, mode), mode);
  }

  /** Nodes for a list of items, grouped into ranges when long (ranges split again when expanded). */
  private listNodes(parent: ModelNode, modelId: string, items: ItemRef[], flat: ViewMode | undefined): ModelNode[] {
    if (items.length <= RANGE_SIZE) return items.map((it) => this.itemNode(parent, modelId, it, flat));
    return this.ranges(parent, modelId, items, 0, items.length);
  }

  private ranges(parent: ModelNode, modelId: string, items: ItemRef[], start: number, end: number): ModelNode[] {
    let size = RANGE_SIZE;
    while ((end - start) / size > RANGE_SIZE) size *= RANGE_SIZE;
    const out: ModelNode[] = [];
    for (let from = start; from < end; from += size) {
      const to = Math.min(end, from + size);
      out.push({ type: 'range', id: `${parent.id}|r${from}-${to}`, uri: parent.uri, parent, modelId, from, to, items });
    }
    return out;
  }

  private itemNode(parent: ModelNode, modelId: string, it: ItemRef, flat: ViewMode | undefined): ModelNode {
    const base = `eng|${modelId}|${flat ?? 'tree'}`;
    if (it.kind === 'module') {
      return { type: 'module', id: flat ? `${base}:${it.index}` : `${base}:m:${it.name}`, uri: parent.uri, parent, modelId, name: it.name, flat, index: it.index };
    }
    return {
      type: 'tensor', id: flat ? `${base}:${it.index}` : `${base}:${it.role}:${it.record.name}`, uri: parent.uri, parent, modelId,
      name: it.record.name, role: it.role, flat, index: it.index,
    };
  }

  /** Children of a range: its items, or smaller ranges when it holds more than RANGE_SIZE. */
  rangeChildren(node: EngineNode & { type: 'range' }): ModelNode[] {
    if (node.to - node.from > RANGE_SIZE) return this.ranges(node, node.modelId, node.items, node.from, node.to);
    return node.items.slice(node.from, node.to).map((it) => this.itemNode(node, node.modelId, it, this.flatOf(node)));
  }

  private flatOf(node: ModelNode): ViewMode | undefined {
    for (let n: ModelNode | undefined = node; n; n = 'parent' in n ? n.parent : undefined) {
      if (n.type === 'entry') return this._mode === 'tree' ? undefined : this._mode;
      if (n.type === 'module') return n.flat;
    }
    return undefined;
  }

  // -------------------------------------------------------------------------------------------- lookup

  /** The node of a module in tree mode, with its parents (ranges included), for TreeView.reveal. */
  moduleNode(entryNode: ModelNode & { type: 'entry' }, model: LoadedModel, name: string): ModelNode | undefined {
    const facts = model.facts;
    if (!facts || this._mode !== 'tree') return undefined;
    const chain: ModuleFact[] = [];
    for (let m = facts.module(name); m && m.name !== ''; m = m.parent === undefined ? undefined : facts.module(m.parent)) chain.unshift(m);
    let parent: ModelNode = entryNode;
    for (const m of chain) {
      const siblings = this.getChildrenOf(parent);
      let next = siblings.find((n) => n.type === 'module' && n.name === m.name);
      // inside ranges: descend into the range that holds it
      let level = siblings;
      while (!next) {
        const range = level.find((n) => n.type === 'range' && n.items.slice(n.from, n.to).some((it) => it.kind === 'module' && it.name === m.name));
        if (!range) return undefined;
        level = this.getChildrenOf(range);
        next = level.find((n) => n.type === 'module' && n.name === m.name);
      }
      parent = next;
    }
    return parent;
  }

  /** The tree item of the (first) module built at a line of a document, if a built model has one there. */
  moduleAtLine(doc: vscode.TextDocument, line: number, fileNode: (uri: vscode.Uri) => (ModelNode & { type: 'file' }) | undefined): ModelNode | undefined {
    if (doc.isDirty || this._mode !== 'tree') return undefined; // unsaved edits move lines
    for (const model of this.store.allModels()) {
      if (!model.facts || !doc.uri.path.startsWith(model.file.folder.path + '/')) continue;
      const built = model.facts.builtAt(relativePath(model.file.folder, doc.uri), line + 1);
      if (!built.length) continue;
      const file = fileNode(model.file.uri);
      const entry = file && this.entries(file).find((n): n is EngineNode & { type: 'entry' } => n.type === 'entry' && n.entry.name === model.entry);
      const node = entry && this.moduleNode(entry, model, built[0].name);
      if (node) return node;
    }
    return undefined;
  }

  private getChildrenOf(n: ModelNode): ModelNode[] {
    return this.children(n as EngineNode);
  }

  /** The source position of a node: an entry's definition, the line that built a module (or a tensor's module). */
  locate(node: EngineNode): { uri: vscode.Uri; range: OutlineRange } | undefined {
    if (node.type === 'entry') {
      const line = Math.max(0, node.entry.line - 1);
      return { uri: node.uri, range: { startLine: line, startCharacter: 0, endLine: line, endCharacter: 0 } };
    }
    if (node.type !== 'module' && node.type !== 'tensor') return undefined;
    const model = this.store.allModels().find((m) => m.id === node.modelId);
    const facts = model?.facts;
    const m = facts && (node.type === 'module' ? facts.module(node.name) : facts.ownerOfKey(node.name));
    const src = m?.source;
    if (!model || !src) return undefined;
    const uri = vscode.Uri.joinPath(model.file.folder, ...src.file.split('/'));
    const line = src.line - 1;
    const start = src.column ?? 0;
    const end = src.endLine === src.line && src.endColumn !== undefined ? src.endColumn : start;
    return { uri, range: { startLine: line, startCharacter: start, endLine: line, endCharacter: end } };
  }

  // -------------------------------------------------------------------------------------------- items

  treeItem(node: EngineNode): vscode.TreeItem {
    const item = new vscode.TreeItem('', vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    const model = 'modelId' in node ? this.store.allModels().find((m) => m.id === node.modelId) : undefined;
    switch (node.type) {
      case 'entry': return this.entryItem(item, node);
      case 'message':
        item.label = short(node.text, 120);
        item.iconPath = new vscode.ThemeIcon(node.icon);
        if (node.detail) item.tooltip = new vscode.MarkdownString().appendCodeblock(node.detail, 'text');
        item.contextValue = 'engine.message';
        return item;
      case 'range':
        item.label = `[${node.from} … ${node.to - 1}]`;
        item.description = `${count(node.to - node.from)} items`;
        item.collapsibleState = vscode.TreeItemCollapsibleState.Collapsed;
        item.iconPath = new vscode.ThemeIcon('list-flat');
        return item;
      case 'module': return model?.facts ? this.moduleItem(item, node, model) : item;
      case 'tensor': return model?.facts ? this.tensorItem(item, node, model.facts) : item;
    }
  }

  private entryItem(item: vscode.TreeItem, node: EngineNode & { type: 'entry' }): vscode.TreeItem {
    const model = this.store.model(node.uri, node.entry.name);
    item.label = node.entry.kind === 'factory' ? `${node.entry.name}()` : node.entry.name;
    item.collapsibleState = vscode.TreeItemCollapsibleState.Collapsed;
    item.iconPath = new vscode.ThemeIcon(node.entry.kind === 'class' ? 'symbol-class' : node.entry.kind === 'factory' ? 'symbol-method' : 'symbol-variable');
    const facts = model?.facts;
    const parts: string[] = [node.entry.kind];
    if (facts) {
      const root = facts.root!;
      parts.push(`${root.type !== node.entry.name ? `${root.type} · ` : ''}${params(facts.answer.totalParams)}`);
      if (this._mode !== 'tree') parts.push(`${VIEW_MODE_LABELS[this._mode]} ${count(modeCount(facts, this._mode))}`);
      const out = model.forward?.shapes.get('');
      if (out) parts.push(`→ ${shapeText(out)}`);
    } else if (model?.state === 'loading') parts.push('building…');
    else if (model?.state === 'error') parts.push('failed');
    item.description = parts.join(' · ');
    const tip = new vscode.MarkdownString();
    tip.appendMarkdown(`**${node.entry.name}** (${node.entry.kind}, line ${node.entry.line})`);
    if (model?.kwargs && Object.keys(model.kwargs).length) tip.appendMarkdown(`\n\nkeyword arguments: \`${JSON.stringify(model.kwargs)}\``);
    if (facts) tip.appendMarkdown(`\n\n${params(facts.answer.totalParams)} (${count(facts.answer.trainableParams)} trainable)`);
    if (model?.modified) tip.appendMarkdown('\n\n*Modified (state dict loaded or parameters edited).*');
    item.tooltip = tip;
    item.contextValue = facts ? 'engine.entry.built' : 'engine.entry';
    item.command = { command: 'torchExplorer.revealSource', title: 'Go to Line', arguments: [node] };
    return item;
  }

  private moduleItem(item: vscode.TreeItem, node: EngineNode & { type: 'module' }, model: LoadedModel): vscode.TreeItem {
    const facts = model.facts!;
    const m = facts.module(node.name);
    if (!m) return item;
    const shape = model.forward?.shapes.get(m.name);
    const ms = model.forward?.ms.get(m.name);
    const counts = m.ownParams === m.totalParams ? params(m.totalParams) : `${params(m.totalParams)} (own ${count(m.ownParams)})`;
    if (node.flat === 'modules' || node.flat === 'children') {
      item.label = m.type;
      item.description = short(firstLine(facts.repr(m.name)), 90);
    } else if (node.flat === 'named_modules') {
      item.label = m.name === '' ? "'' (root)" : m.name;
      item.description = `${m.type} · ${counts}`;
    } else {
      item.label = leafName(m.name);
      item.description = [m.type, counts, shape !== undefined ? `→ ${shapeText(shape)}` : '', ms !== undefined ? `${ms.toFixed(2)} ms` : ''].filter(Boolean).join(' · ');
      if (m.children.length || m.params.length || m.buffers.length) item.collapsibleState = vscode.TreeItemCollapsibleState.Collapsed;
    }
    item.iconPath = new vscode.ThemeIcon(moduleIcon(m));
    const tip = new vscode.MarkdownString();
    tip.appendMarkdown(`**${m.name || '(root)'}** · \`${m.type}\` · ${params(m.totalParams)} (own ${count(m.ownParams)}, trainable ${count(m.trainableParams)})`);
    if (shape !== undefined) tip.appendMarkdown(`\n\nlast forward: output ${shapeText(shape)}${ms !== undefined ? ` in ${ms.toFixed(2)} ms` : ''}`);
    const repr = facts.repr(m.name);
    if (repr) tip.appendCodeblock(repr.split('\n').slice(0, 30).join('\n'), 'text');
    if (m.source) tip.appendMarkdown(`\n\nbuilt at ${m.source.file}:${m.source.line}`);
    item.tooltip = tip;
    item.contextValue = 'engine.module';
    item.command = { command: 'torchExplorer.revealSource', title: 'Go to Line', arguments: [node] };
    return item;
  }

  private tensorItem(item: vscode.TreeItem, node: EngineNode & { type: 'tensor' }, facts: ModelFacts): vscode.TreeItem {
    const rec = findTensor(facts, node.name, node.role);
    const what = rec ? `${shapeText(rec.shape)} ${rec.dtype}` : '';
    item.label = node.flat === 'parameters' ? `#${node.index} Parameter` : node.flat ? node.name : leafName(node.name);
    item.description = [what, node.role === 'buffer' ? 'buffer' : '', rec && rec.requiresGrad === false ? 'frozen' : ''].filter(Boolean).join(' · ');
    item.iconPath = new vscode.ThemeIcon(node.role === 'buffer' ? 'database' : 'symbol-numeric');
    item.tooltip = new vscode.MarkdownString(`**${node.name}** · ${node.role}${rec ? ` · ${shapeText(rec.shape)} · ${rec.dtype} · ${count(numel(rec.shape))} values` : ''}`);
    item.contextValue = node.role === 'buffer' ? 'engine.buffer' : 'engine.parameter';
    item.command = { command: 'torchExplorer.inspectEngineItem', title: 'Inspect', arguments: [node] };
    return item;
  }
}

export function findTensor(facts: ModelFacts, name: string, role: 'parameter' | 'buffer' | 'state'): TensorRecord | undefined {
  const a = facts.answer;
  if (role === 'state') return facts.stateDictEntry(name);
  return (role === 'parameter' ? a.parameters : a.buffers).find((t) => t.name === name);
}

/** A module's children in tree mode: child modules, then its own parameters, then its own buffers. */
function moduleItems(facts: ModelFacts, m: ModuleFact): ItemRef[] {
  const children = m.children.map((name): ItemRef => ({ kind: 'module', name, index: facts.module(name)!.index }));
  const own = [
    ...m.params.map((record): ItemRef => ({ kind: 'tensor', record, role: 'parameter', index: 0 })),
    ...m.buffers.map((record): ItemRef => ({ kind: 'tensor', record, role: 'buffer', index: 0 })),
  ];
  return [...children, ...own];
}

function flatItems(facts: ModelFacts, mode: ViewMode): ItemRef[] {
  const a = facts.answer;
  switch (mode) {
    case 'modules': case 'named_modules':
      return a.modules.map((m, index): ItemRef => ({ kind: 'module', name: m.name, index }));
    case 'children': case 'tree':
      return a.children.map((name, index): ItemRef => ({ kind: 'module', name, index }));
    case 'parameters': case 'named_parameters':
      return a.parameters.map((record, index): ItemRef => ({ kind: 'tensor', record, role: 'parameter', index }));
    case 'state_dict':
      return a.stateDict.map((record, index): ItemRef => ({ kind: 'tensor', record, role: 'state', index }));
  }
}
