// Hovers in Python files from the static outline: on `self.x = nn.Y(...)` lines (and entries inside containers
// such as Sequential), on module class names (definition and uses) and on factories. Marked as static. Once a
// model of the file has been built by the engine, its facts (engine/engine-hover.ts) come first.
import * as vscode from 'vscode';
import type { FileOutline, OutlineAssignment, OutlineClass, OutlineFactory } from '../protocol/outline';
import { outlineAt } from './outline';
import type { OutlineIndex } from './outline-index';
import { STATIC_NOTE } from './models-tree';

const fence = (code: string) => {
  const md = new vscode.MarkdownString();
  md.appendCodeblock(code, 'python');
  return md.value;
};

/** The arguments as a list: `in_channels=3` or `#0 = 3` for positional ones. */
function argumentLines(a: OutlineAssignment): string {
  if (!a.args) return '*no arguments*';
  return splitArgs(a.args).map((arg) => `- \`${arg}\``).join('\n');
}

/** Splits at top-level commas (not inside brackets or strings). */
export function splitArgs(args: string): string[] {
  const out: string[] = [];
  let depth = 0, quote = '', cur = '';
  for (const ch of args) {
    if (quote) { if (ch === quote) quote = ''; }
    else if (ch === '"' || ch === "'") quote = ch;
    else if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch)) depth--;
    else if (ch === ',' && depth === 0) { out.push(cur.trim()); cur = ''; continue; }
    cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

export function assignmentMarkdown(cls: OutlineClass, path: OutlineAssignment[]): string {
  const a = path[path.length - 1];
  const qualified = path.map((p) => p.name).join('.');
  const parts = [`**${cls.name}** › **${qualified}** · \`${a.constructorName}\` · ${a.kind} *(static outline)*`];
  if (a.children.length) { // the entries say more than the whole constructor text would
    parts.push(`${a.typeName} with ${a.children.length} entr${a.children.length === 1 ? 'y' : 'ies'} in the source:\n\n` +
      a.children.map((c) => `- \`${qualified}.${c.name}\` ${c.typeName}(${c.args.length > 60 ? c.args.slice(0, 60) + '…' : c.args})`).join('\n'));
  } else {
    parts.push(fence(`${a.constructorName}(${a.args.length > 300 ? a.args.slice(0, 300) + '…' : a.args})`));
    parts.push(`Constructor arguments:\n\n${argumentLines(a)}`);
  }
  parts.push(STATIC_NOTE);
  return parts.join('\n\n');
}

export function classMarkdown(cls: OutlineClass, where?: string): string {
  const parts = [`**class ${cls.name}**(${cls.bases.join(', ')}) · nn.Module subclass *(static outline)*${where ? ` · ${where}` : ''}`];
  if (cls.assignments.length) {
    parts.push(cls.assignments.map((a) => `- \`${a.name}\`: ${a.constructorName}` +
      (a.children.length ? ` (${a.children.length} entries)` : `(${a.args.length > 50 ? a.args.slice(0, 50) + '…' : a.args})`)).join('\n'));
  } else parts.push('*No `self.x = ...` module assignments found.*');
  parts.push(STATIC_NOTE);
  return parts.join('\n\n');
}

function factoryMarkdown(f: OutlineFactory): string {
  return [`**def ${f.name}**(${f.params}) → ${f.returns.map((r) => `\`${r}\``).join(' | ')} · model factory *(static outline)*`, STATIC_NOTE].join('\n\n');
}

/** What the engine knows at a position (evaluated models), as Markdown; undefined to fall back to the outline. */
export type EngineHoverSource = (doc: vscode.TextDocument, pos: vscode.Position, outline: FileOutline) => string | undefined;

export class OutlineHoverProvider implements vscode.HoverProvider {
  constructor(private readonly index: OutlineIndex, private readonly engine?: EngineHoverSource) {}

  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const outline = this.index.outlineOfDocument(doc);
    const word = doc.getWordRangeAtPosition(pos, /[A-Za-z_]\w*/);
    const hit = outlineAt(outline, pos.line, pos.character);
    const md = (s: string) => {
      const m = new vscode.MarkdownString(s);
      m.supportThemeIcons = true;
      return new vscode.Hover(m, word);
    };
    const evaluated = this.engine?.(doc, pos, outline);
    if (evaluated) return md(evaluated);
    if (hit?.kind === 'class') return md(classMarkdown(hit.cls));
    if (hit?.kind === 'factory') return md(factoryMarkdown(hit.factory));
    if (hit?.kind === 'assignment') return md(assignmentMarkdown(hit.cls, hit.path));
    if (!word) return undefined;
    // a use of a module class or factory: `model = Net()`, `class Tagger(Encoder)`, `BasicBlock(channels)`
    const name = doc.getText(word);
    // a use of an attribute inside the class: `self.features(x)`
    const before = doc.lineAt(word.start.line).text.slice(0, word.start.character);
    const cls = /\bself\.$/.test(before) &&
      outline.classes.find((c) => c.range.startLine <= pos.line && pos.line <= c.range.endLine);
    const used = cls && cls.assignments.find((a) => a.name === name);
    if (cls && used) return md(assignmentMarkdown(cls, [used]));
    const local = findIn(outline, name);
    if (local) return md(local);
    const def = this.index.findDefinition(name);
    const remote = def && findIn(def.outline, name, vscode.workspace.asRelativePath(vscode.Uri.parse(def.uri)));
    return remote ? md(remote) : undefined;
  }
}

function findIn(o: FileOutline, name: string, where?: string): string | undefined {
  const cls = o.classes.find((c) => c.name === name);
  if (cls) return classMarkdown(cls, where);
  const f = o.factories.find((x) => x.name === name);
  return f ? factoryMarkdown(f) : undefined;
}
