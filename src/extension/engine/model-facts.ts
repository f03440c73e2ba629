// What the extension knows about one instantiated model, indexed once from the engine's `inspect` answer:
// the module tree by qualified name, own and total parameter counts (PyTorch's counting: shared parameters
// once), each module's own repr cut out of the root's, and which source line built which modules.
// No vscode import: plain data for the tree, hovers, CodeLens and diagnostics.
import type { InspectAnswer, ModuleRecord, SourceLocation, TensorRecord } from './engine-api';

export interface ModuleFact {
  name: string;
  type: string;
  /** position in named_modules() */
  index: number;
  parent: string | undefined;
  /** qualified names of named_children(), in order */
  children: string[];
  /** parameters and buffers registered on this module itself (qualified names) */
  params: TensorRecord[];
  buffers: TensorRecord[];
  ownParams: number;
  totalParams: number;
  trainableParams: number;
  source?: SourceLocation;
}

export const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
export const leafName = (qualified: string) => qualified.slice(qualified.lastIndexOf('.') + 1);
export const ownerOf = (qualified: string) => (qualified.includes('.') ? qualified.slice(0, qualified.lastIndexOf('.')) : '');
export const shapeText = (shape: readonly number[] | null | undefined) => (shape ? `[${shape.join(', ')}]` : '?');

export class ModelFacts {
  readonly modules: ModuleFact[];
  private readonly byName = new Map<string, ModuleFact>();
  private readonly byLine = new Map<string, ModuleFact[]>();
  private readonly stateDictByKey = new Map<string, TensorRecord>();
  private reprs: Map<string, string> | undefined;

  constructor(readonly answer: InspectAnswer) {
    this.modules = answer.modules.map((m: ModuleRecord, index) => ({
      name: m.name, type: m.type, index, parent: undefined, children: [], params: [], buffers: [],
      ownParams: 0, totalParams: 0, trainableParams: 0, source: m.source,
    }));
    for (const m of this.modules) this.byName.set(m.name, m);
    for (const m of this.modules) {
      if (m.name === '') continue;
      // the nearest registered ancestor (names never contain dots themselves)
      let p = ownerOf(m.name);
      while (p !== '' && !this.byName.has(p)) p = ownerOf(p);
      m.parent = p;
      this.byName.get(p)?.children.push(m.name);
      // the constructor call's line, and the `self.x = ...` line when that is another one
      const lines = new Set([m.source, answer.modules[m.index].assigned].filter((l) => !!l).map((l) => `${l!.file}:${l!.line}`));
      for (const key of lines) this.byLine.set(key, [...(this.byLine.get(key) ?? []), m]);
    }
    for (const t of answer.parameters) {
      const owner = this.nearest(ownerOf(t.name));
      if (!owner) continue;
      owner.params.push(t);
      const n = numel(t.shape);
      owner.ownParams += n;
      for (let m: ModuleFact | undefined = owner; m; m = m.parent === undefined ? undefined : this.byName.get(m.parent)) {
        m.totalParams += n;
        if (t.requiresGrad !== false) m.trainableParams += n;
      }
    }
    for (const t of answer.buffers) this.nearest(ownerOf(t.name))?.buffers.push(t);
    for (const t of answer.stateDict) this.stateDictByKey.set(t.name, t);
  }

  get root(): ModuleFact | undefined { return this.byName.get(''); }

  module(name: string): ModuleFact | undefined { return this.byName.get(name); }

  /** The module registered at this name or, for a name that is not one, its nearest registered ancestor. */
  nearest(name: string): ModuleFact | undefined {
    for (let n = name; ; n = ownerOf(n)) {
      const m = this.byName.get(n);
      if (m || n === '') return m;
    }
  }

  /** Modules whose constructor call is on this line (1-based) of the file (a loop builds several). */
  builtAt(file: string, line: number): ModuleFact[] {
    return this.byLine.get(`${file}:${line}`) ?? [];
  }

  /** Files and lines that built modules, for line lookups. */
  sourceLines(): Array<{ file: string; line: number; modules: ModuleFact[] }> {
    return [...this.byLine].map(([k, modules]) => ({ file: k.slice(0, k.lastIndexOf(':')), line: Number(k.slice(k.lastIndexOf(':') + 1)), modules }));
  }

  stateDictEntry(key: string): TensorRecord | undefined { return this.stateDictByKey.get(key); }

  /** The module that owns a state-dict key (for a key the model lacks: its nearest existing ancestor). */
  ownerOfKey(key: string): ModuleFact | undefined { return this.nearest(ownerOf(key)); }

  modulesOfType(type: string): ModuleFact[] { return this.modules.filter((m) => m.type === type); }

  /** print(module) for a submodule, cut out of the root's repr. */
  repr(name: string): string | undefined {
    this.reprs ??= splitRepr(this.answer.repr);
    return this.reprs.get(name);
  }
}

/**
 * Splits PyTorch's nested repr into one repr per qualified name. Children print as `(name): Repr` indented by
 * two spaces; a child with children opens a block ending in a `)` at its own indentation. PyTorch 2.x folds
 * runs of equal entries into `(0-2): 3 x Repr`, which names each index of the range.
 */
export function splitRepr(repr: string): Map<string, string> {
  const out = new Map<string, string>([['', repr]]);
  const lines = repr.split('\n');
  const walk = (start: number, end: number, indent: number, prefix: string) => {
    const pad = ' '.repeat(indent);
    for (let i = start; i < end; i++) {
      const line = lines[i];
      const m = /^\((.+?)\): (.*)$/.exec(line.startsWith(pad) ? line.slice(indent) : '');
      if (!m || line[indent] === ' ') continue;
      let j = i;
      if (m[2].endsWith('(')) { // a block: find its closing line at this indentation
        j = i + 1;
        while (j < end && lines[j] !== `${pad})`) j++;
      }
      const folded = /^(\d+) x (.*)$/s.exec(m[2]);
      const head = folded ? folded[2] : m[2];
      const body = [head, ...lines.slice(i + 1, j + 1).map((l) => l.slice(indent))].join('\n');
      const range = /^(\d+)-(\d+)$/.exec(m[1]);
      const names = range ? Array.from({ length: Number(range[2]) - Number(range[1]) + 1 }, (_, k) => String(Number(range[1]) + k)) : [m[1]];
      for (const n of names) {
        const q = prefix ? `${prefix}.${n}` : n;
        out.set(q, body);
        if (j > i) walk(i + 1, j, indent + 2, q);
      }
      i = j;
    }
  };
  walk(1, lines.length - 1, 2, '');
  return out;
}
