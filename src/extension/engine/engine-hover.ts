// Hovers from evaluated models: on a line that built modules (a `self.x = ...` assignment, a constructor call
// such as `nn.Conv2d(...)`, a loop that built several), on `self.x` uses inside a module class, on class
// names, and on state-dict key strings. Says which model and module, its repr, parameter counts and shapes,
// and the last forward pass's output shape. Undefined when the engine knows nothing about the position.
import * as vscode from 'vscode';
import type { FileOutline } from '../../protocol/outline';
import { outlineAt } from '../outline';
import type { ModuleFact } from './model-facts';
import { ownerOf, shapeText, numel } from './model-facts';
import type { LoadedModel, ModelStore } from './model-store';
import { relativePath } from './workspace-sources';

const count = (n: number) => n.toLocaleString('en-US');
const MAX_LISTED = 12;

interface Hit { model: LoadedModel; module: ModuleFact }

export class EngineHovers {
  constructor(private readonly store: ModelStore) {}

  /** Models built from the workspace folder of this document, with facts. */
  private modelsFor(doc: vscode.TextDocument): LoadedModel[] {
    return this.store.allModels().filter((m) => m.facts && doc.uri.path.startsWith(m.file.folder.path + '/'));
  }

  markdown(doc: vscode.TextDocument, pos: vscode.Position, outline: FileOutline): string | undefined {
    // unsaved edits move lines: the engine's line numbers are those of the saved files
    const models = doc.isDirty ? [] : this.modelsFor(doc);
    if (!models.length) return undefined;
    const key = this.stringAt(doc, pos);
    if (key) {
      const md = this.keyMarkdown(models, key);
      if (md) return md;
    }
    const word = doc.getWordRangeAtPosition(pos, /[A-Za-z_]\w*/);
    const name = word && doc.getText(word);
    const before = word ? doc.lineAt(pos.line).text.slice(0, word.start.character) : '';
    // `self.x` used inside a class body (not on the line that assigns it): the modules of that attribute
    const statik = outlineAt(outline, pos.line, pos.character);
    if (name && /\bself\.$/.test(before) && statik?.kind !== 'assignment') {
      const cls = outline.classes.find((c) => c.range.startLine <= pos.line && pos.line <= c.range.endLine);
      const hits = cls ? this.attributeOf(models, cls.name, name) : [];
      if (hits.length) return this.modulesMarkdown(hits, `\`self.${name}\` in ${cls!.name}`);
    }
    // a class name (definition or use): its instances in the built models
    if (name && /^[A-Z]/.test(name) && (statik?.kind === 'class' || statik?.kind === 'instance' || !statik)) {
      const hits = models.flatMap((model) => model.facts!.modulesOfType(name).map((module) => ({ model, module })));
      if (hits.length) return this.modulesMarkdown(hits, `class \`${name}\``);
    }
    // a line that built modules, or a line inside a multi-line constructor call of one
    const built = this.builtOnLine(models, doc, pos.line, pos.character);
    if (built.length) return this.modulesMarkdown(built, `line ${pos.line + 1}`);
    if (statik?.kind === 'assignment') {
      const start = statik.path[statik.path.length - 1].range.startLine;
      const inner = this.builtOnLine(models, doc, start, undefined);
      if (inner.length) return this.modulesMarkdown(inner, `line ${start + 1}`);
    }
    return undefined;
  }

  /** The modules whose constructor call is on a line; with a column, the innermost call around it when known. */
  builtOnLine(models: LoadedModel[], doc: vscode.TextDocument, line: number, column: number | undefined): Hit[] {
    const hits: Hit[] = [];
    for (const model of models) {
      const rel = relativePath(model.file.folder, doc.uri);
      for (const module of model.facts!.builtAt(rel, line + 1)) hits.push({ model, module });
    }
    if (column === undefined || hits.length < 2) return hits;
    // several calls on one line: those whose span holds the column, narrowest first
    const spans = hits.filter((h) => h.module.source?.column !== undefined && h.module.source.endColumn !== undefined && h.module.source.endLine === line + 1);
    const inside = spans.filter((h) => h.module.source!.column! <= column && column <= h.module.source!.endColumn!);
    if (!inside.length) return hits;
    const width = (h: Hit) => h.module.source!.endColumn! - h.module.source!.column!;
    const narrowest = Math.min(...inside.map(width));
    return inside.filter((h) => width(h) === narrowest);
  }

  private attributeOf(models: LoadedModel[], className: string, attr: string): Hit[] {
    const hits: Hit[] = [];
    for (const model of models) {
      const facts = model.facts!;
      for (const owner of facts.modulesOfType(className)) {
        const module = facts.module(owner.name ? `${owner.name}.${attr}` : attr);
        if (module) hits.push({ model, module });
      }
    }
    return hits;
  }

  /** The text of the string literal under the cursor, when there is one on this line. */
  private stringAt(doc: vscode.TextDocument, pos: vscode.Position): string | undefined {
    const text = doc.lineAt(pos.line).text;
    const re = /(['"])([A-Za-z0-9_.]+)\1/g;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      if (m.index <= pos.character && pos.character < m.index + m[0].length) return m[2];
    }
    return undefined;
  }

  private keyMarkdown(models: LoadedModel[], key: string): string | undefined {
    for (const model of models) {
      const facts = model.facts!;
      const entry = facts.stateDictEntry(key);
      if (entry) {
        const owner = facts.module(ownerOf(key));
        const isParam = facts.answer.parameters.some((p) => p.name === key);
        const parts = [`**\`${key}\`** · state_dict entry of **${model.entry}** · ${isParam ? 'parameter' : 'buffer'}`,
          `${shapeText(entry.shape)} · ${entry.dtype} · ${count(numel(entry.shape))} values`];
        if (owner) parts.push(`owned by \`${owner.name || '(root)'}\` (${owner.type})${owner.source ? ` built at ${owner.source.file}:${owner.source.line}` : ''}`);
        return parts.join('\n\n');
      }
      const module = facts.module(key);
      if (module && key !== '') return this.modulesMarkdown([{ model, module }], `\`"${key}"\``);
    }
    return undefined;
  }

  modulesMarkdown(hits: Hit[], where: string): string {
    if (hits.length === 1) return this.oneModule(hits[0]);
    const lines = hits.slice(0, MAX_LISTED).map(({ model, module }) => {
      const out = model.forward?.shapes.get(module.name);
      return `- **${model.entry}** › \`${module.name || '(root)'}\` · ${module.type} · ${count(module.totalParams)} params` +
        (out !== undefined ? ` · → ${shapeText(out)}` : '');
    });
    if (hits.length > MAX_LISTED) lines.push(`- … and ${count(hits.length - MAX_LISTED)} more`);
    const total = hits.reduce((n, h) => n + h.module.totalParams, 0);
    return [`**${hits.length} modules** from ${where} · ${count(total)} params together *(engine)*`, lines.join('\n'), this.oneModule(hits[0], true)].join('\n\n');
  }

  private oneModule({ model, module }: Hit, brief = false): string {
    const facts = model.facts!;
    const qualified = module.name || '(root)';
    const out = model.forward?.shapes.get(module.name);
    const head = `**${model.entry}** › **${qualified}** · \`${module.type}\` · ${count(module.totalParams)} params` +
      (module.ownParams !== module.totalParams ? ` (own ${count(module.ownParams)})` : '') +
      (out !== undefined ? ` · output ${shapeText(out)}` : '') + ' *(engine)*';
    if (brief) return `First of them:\n\n${head}`;
    const md = new vscode.MarkdownString();
    md.appendMarkdown(head + '\n\n');
    const repr = facts.repr(module.name);
    if (repr) md.appendCodeblock(repr.split('\n').slice(0, 24).join('\n') + (repr.split('\n').length > 24 ? '\n…' : ''), 'text');
    const tensors = [...module.params.map((t) => ({ t, kind: '' })), ...module.buffers.map((t) => ({ t, kind: ' (buffer)' }))];
    if (tensors.length) {
      md.appendMarkdown('\n\n' + tensors.slice(0, MAX_LISTED)
        .map(({ t, kind }) => `- \`${t.name}\` ${shapeText(t.shape)} ${t.dtype}${kind}`).join('\n'));
    } else if (module.children.length) {
      md.appendMarkdown(`\n\n${module.children.length} child module(s): ${module.children.slice(0, MAX_LISTED).map((c) => `\`${c}\``).join(', ')}`);
    }
    if (model.forward) md.appendMarkdown(`\n\nlast forward: input ${model.forward.inputLabel}` + (out === undefined ? ' (this module did not run)' : ''));
    return md.value;
  }
}
