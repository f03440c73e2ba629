// The Models view: model files -> nn.Module classes / factories / instances -> `self.x = ...` lines (and the
// entries of containers such as Sequential). Until the engine evaluates a model this is the static outline.
// Ids are derived from names (not positions), so the view keeps its expansion when a save refreshes it.
import * as vscode from 'vscode';
import type { FileOutline, OutlineAssignment, OutlineClass, OutlineFactory, OutlineInstance, OutlineRange } from '../protocol/outline';
import { KIND_ICONS } from './layer-kinds';
import type { OutlineHit } from './outline';
import type { OutlineIndex } from './outline-index';
import type { EngineNode, EngineTree } from './engine/engine-tree';
import type { ModelStore } from './engine/model-store';

export type ModelNode =
  | { type: 'file'; id: string; uri: vscode.Uri; outline: FileOutline }
  | { type: 'class'; id: string; uri: vscode.Uri; parent: ModelNode; cls: OutlineClass }
  | { type: 'factory'; id: string; uri: vscode.Uri; parent: ModelNode; factory: OutlineFactory }
  | { type: 'instance'; id: string; uri: vscode.Uri; parent: ModelNode; instance: OutlineInstance }
  | { type: 'assignment'; id: string; uri: vscode.Uri; parent: ModelNode; cls: OutlineClass; path: OutlineAssignment[] }
  | EngineNode;

type FileNode = ModelNode & { type: 'file' };

export const STATIC_NOTE =
  '*Static outline* (tree-sitter; no Python ran). Parameter counts and shapes come from the engine, which ' +
  'evaluates models only in a trusted workspace.';

const short = (s: string, max = 60) => (s.length > max ? s.slice(0, max - 1) + '…' : s);

/** Appends `#2`, `#3` ... to names seen before among siblings (e.g. `self.x` assigned in both branches of an if). */
function uniqueIds<T>(items: T[], name: (t: T) => string, prefix: string): Array<[T, string]> {
  const seen = new Map<string, number>();
  return items.map((t) => {
    const n = name(t);
    const k = (seen.get(n) ?? 0) + 1;
    seen.set(n, k);
    return [t, `${prefix}${n}${k > 1 ? `#${k}` : ''}`];
  });
}

export class ModelsTreeProvider implements vscode.TreeDataProvider<ModelNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ModelNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly sub: vscode.Disposable;

  private readonly engineSub: vscode.Disposable | undefined;

  /** Without `engine` the view is the static outline only. */
  constructor(private readonly index: OutlineIndex, private readonly engine?: { store: ModelStore; tree: EngineTree }) {
    this.sub = index.onDidChange(() => this.changed.fire(undefined));
    this.engineSub = engine?.store.onDidChange(() => this.changed.fire(undefined));
  }

  /** Re-renders every item (a "View as" switch, trust changes). */
  refresh(): void {
    this.changed.fire(undefined);
  }

  getChildren(node?: ModelNode): ModelNode[] {
    if (!node) return this.index.files().map((outline) => this.fileNode(outline));
    if (node.type === 'file') return this.fileChildren(node);
    if (isEngineNode(node)) return this.engine?.tree.children(node) ?? [];
    if (node.type === 'class') return this.assignments(node, node.cls, [], node.cls.assignments);
    if (node.type === 'assignment') return this.assignments(node, node.cls, node.path, node.path[node.path.length - 1].children);
    return [];
  }

  getParent(node: ModelNode): ModelNode | undefined {
    return node.type === 'file' ? undefined : node.parent;
  }

  getTreeItem(node: ModelNode): vscode.TreeItem {
    if (isEngineNode(node)) return this.engine!.tree.treeItem(node);
    const item = new vscode.TreeItem(this.label(node), vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    const tip = new vscode.MarkdownString();
    if (node.type === 'file') {
      item.collapsibleState = vscode.TreeItemCollapsibleState.Collapsed;
      item.resourceUri = node.uri;
      item.iconPath = vscode.ThemeIcon.File;
      const rel = vscode.workspace.asRelativePath(node.uri, false);
      const errors = node.outline.errors.length;
      item.description = [rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '', errors ? 'syntax errors' : '']
        .filter(Boolean).join(' · ');
      tip.appendMarkdown(`**${vscode.workspace.asRelativePath(node.uri)}**\n\n`);
      const explored = this.engine?.store.explored(node.uri);
      if (explored) {
        item.description = [item.description, explored.state === 'error' ? 'evaluation failed' : explored.state === 'evaluating' ? 'evaluating…' : 'evaluated']
          .filter(Boolean).join(' · ');
        tip.appendMarkdown(explored.state === 'error' ? `Evaluation failed: ${explored.error?.type}: ${explored.error?.message}\n\n`
          : `Evaluated by the engine: ${explored.entries.length} entr${explored.entries.length === 1 ? 'y' : 'ies'}.\n\n`);
        if (explored.stubbedImports.length) tip.appendMarkdown(`Imports replaced by stubs: ${explored.stubbedImports.map((i) => `\`${i.name}\``).join(', ')}\n\n`);
        item.tooltip = tip;
        item.contextValue = 'modelFile.explored';
        return item;
      }
      if (errors) tip.appendMarkdown(`Has syntax errors (first at line ${node.outline.errors[0].startLine + 1}); the outline shows what tree-sitter recovered.\n\n`);
      item.contextValue = 'modelFile';
    } else if (node.type === 'class') {
      item.collapsibleState = node.cls.assignments.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None;
      item.iconPath = new vscode.ThemeIcon('symbol-class');
      item.description = node.cls.bases.join(', ');
      tip.appendMarkdown(`**class ${node.cls.name}**(${node.cls.bases.join(', ')}) — ${node.cls.assignments.length} \`self.x = ...\` line(s)\n\n`);
      item.contextValue = 'outline.class';
    } else if (node.type === 'factory') {
      item.iconPath = new vscode.ThemeIcon('symbol-method');
      item.description = `→ ${node.factory.returns.join(' | ')}`;
      tip.appendMarkdown(`**def ${node.factory.name}**(${node.factory.params}) returns ${node.factory.returns.map((r) => `\`${r}\``).join(' or ')}\n\n`);
      item.contextValue = 'outline.factory';
    } else if (node.type === 'instance') {
      item.iconPath = new vscode.ThemeIcon('symbol-variable');
      item.description = short(`= ${node.instance.constructorName}(${node.instance.args})`);
      tip.appendMarkdown(`**${node.instance.name}** = \`${node.instance.constructorName}(${node.instance.args})\`\n\n`);
      item.contextValue = 'outline.instance';
    } else {
      const a = node.path[node.path.length - 1];
      item.collapsibleState = a.children.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None;
      item.iconPath = new vscode.ThemeIcon(KIND_ICONS[a.kind]);
      item.description = short(`${a.constructorName}(${a.args})`);
      tip.appendMarkdown(`**${node.cls.name}.${node.path.map((p) => p.name).join('.')}** · ${a.kind}\n\n`);
      tip.appendCodeblock(`${a.constructorName}(${a.args})`, 'python');
      item.contextValue = 'outline.assignment';
    }
    tip.appendMarkdown(STATIC_NOTE);
    item.tooltip = tip;
    if (node.type !== 'file') item.command = { command: 'torchExplorer.revealSource', title: 'Go to Line', arguments: [node] };
    return item;
  }

  /** The node for an outline hit (building its parents), or undefined when the file is not in the view. */
  nodeFor(uri: vscode.Uri, hit: OutlineHit): ModelNode | undefined {
    const outline = this.index.get(uri);
    if (!outline || !this.index.files().includes(outline)) return undefined;
    const file = this.fileNode(outline);
    const explored = this.engine?.store.explored(uri);
    if (explored && explored.state !== 'error') { // the file's items are the engine's entries now
      const name = hit.kind === 'factory' ? hit.factory.name : hit.kind === 'instance' ? hit.instance.name : hit.cls.name;
      return hit.kind === 'assignment' ? undefined : this.engine!.tree.entries(file).find((n) => n.type === 'entry' && n.entry.name === name);
    }
    const entries = this.entries(file);
    if (hit.kind === 'factory') return entries.find((n) => n.type === 'factory' && n.factory.name === hit.factory.name);
    if (hit.kind === 'instance') return entries.find((n) => n.type === 'instance' && n.instance.name === hit.instance.name);
    let node = entries.find((n) => n.type === 'class' && n.cls.name === hit.cls.name);
    if (hit.kind === 'assignment') {
      for (const step of hit.path) {
        // by position first (a name repeats when an attribute is assigned twice), by name when the text moved
        const children = node ? this.getChildren(node) : [];
        const last = (n: ModelNode) => (n.type === 'assignment' ? n.path[n.path.length - 1] : undefined);
        const next = children.find((n) => { const a = last(n); return a && sameRange(a.range, step.range); }) ??
          children.find((n) => last(n)?.name === step.name);
        if (!next) break;
        node = next;
      }
    }
    return node;
  }

  /** Where clicking a node goes: the name of the class/function/variable, or the whole `self.x = ...` call. */
  static target(node: ModelNode): OutlineRange | undefined {
    if (node.type === 'class') return node.cls.nameRange;
    if (node.type === 'factory') return node.factory.nameRange;
    if (node.type === 'instance') return node.instance.nameRange;
    if (node.type === 'assignment') return node.path[node.path.length - 1].nameRange;
    return undefined;
  }

  private label(node: ModelNode): string {
    switch (node.type) {
      case 'file': return node.uri.path.slice(node.uri.path.lastIndexOf('/') + 1);
      case 'class': return node.cls.name;
      case 'factory': return `${node.factory.name}()`;
      case 'instance': return node.instance.name;
      case 'assignment': return node.path[node.path.length - 1].name;
      default: return node.id;
    }
  }

  /** The item of an explored file's entry (for revealing it after Explore). */
  entryNode(uri: vscode.Uri, entry: string): ModelNode | undefined {
    const outline = this.index.get(uri);
    if (!outline || !this.engine) return undefined;
    return this.engine.tree.entries(this.fileNode(outline)).find((n) => n.type === 'entry' && n.entry.name === entry);
  }

  /** The item of the module built at a line (0-based) of a document, in a built model's tree. */
  engineNodeAtLine(doc: vscode.TextDocument, line: number): ModelNode | undefined {
    return this.engine?.tree.moduleAtLine(doc, line, (uri) => {
      const outline = this.index.get(uri);
      return outline && this.fileNode(outline);
    });
  }

  /** Where clicking a node goes, engine nodes included (the line that built a module, maybe in another file). */
  locate(node: ModelNode): { uri: vscode.Uri; range: OutlineRange } | undefined {
    if (isEngineNode(node)) return this.engine?.tree.locate(node);
    const range = ModelsTreeProvider.target(node);
    return range && { uri: node.uri, range };
  }

  /** The file's items: the engine's entries once explored (after an error message when evaluation failed). */
  private fileChildren(file: FileNode): ModelNode[] {
    const explored = this.engine?.store.explored(file.uri);
    if (!explored) return this.entries(file);
    const e = explored.error;
    if (explored.state === 'error' && e) {
      const where = e.line ? ` (line ${e.line})` : '';
      return [{ type: 'message', id: `${file.id}|error`, uri: file.uri, parent: file, text: `${e.type}: ${e.message}${where}`, icon: 'error', detail: e.pythonTraceback },
        ...this.entries(file)];
    }
    if (explored.state === 'evaluating' && !explored.entries.length) {
      return [{ type: 'message', id: `${file.id}|evaluating`, uri: file.uri, parent: file, text: 'evaluating…', icon: 'loading~spin' }, ...this.entries(file)];
    }
    return this.engine!.tree.entries(file);
  }

  private fileNode(outline: FileOutline): FileNode {
    return { type: 'file', id: `file:${outline.uri}`, uri: vscode.Uri.parse(outline.uri), outline };
  }

  private entries(file: FileNode): ModelNode[] {
    const { uri, outline } = file;
    const base = `${outline.uri}#`;
    return [
      ...uniqueIds(outline.classes, (c) => c.name, `${base}class:`).map(([cls, id]): ModelNode => ({ type: 'class', id, uri, parent: file, cls })),
      ...uniqueIds(outline.factories, (f) => f.name, `${base}def:`).map(([factory, id]): ModelNode => ({ type: 'factory', id, uri, parent: file, factory })),
      ...uniqueIds(outline.instances, (i) => i.name, `${base}var:`).map(([instance, id]): ModelNode => ({ type: 'instance', id, uri, parent: file, instance })),
    ];
  }

  private assignments(parent: ModelNode, cls: OutlineClass, path: OutlineAssignment[], list: OutlineAssignment[]): ModelNode[] {
    return uniqueIds(list, (a) => a.name, `${parent.id}/`)
      .map(([a, id]): ModelNode => ({ type: 'assignment', id, uri: parent.uri, parent, cls, path: [...path, a] }));
  }

  dispose(): void {
    this.sub.dispose();
    this.engineSub?.dispose();
    this.changed.dispose();
  }
}

const ENGINE_TYPES = new Set(['entry', 'module', 'tensor', 'range', 'message']);
export function isEngineNode(node: ModelNode): node is EngineNode {
  return ENGINE_TYPES.has(node.type);
}

const sameRange = (a: OutlineRange, b: OutlineRange) =>
  a.startLine === b.startLine && a.startCharacter === b.startCharacter && a.endLine === b.endLine && a.endCharacter === b.endCharacter;
