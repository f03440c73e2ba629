// The static outline: reads Python with tree-sitter (error-tolerant, nothing is run) and finds nn.Module
// subclasses, their `self.x = Y(...)` lines, factories that return modules and module-level instances.
// Two steps, because a base class may live in another file: parse() reads one file into a RawFile,
// resolveOutlines() decides across the workspace which classes are modules. No vscode import here.
// require, not import: esbuild then bundles web-tree-sitter's CommonJS build; its ESM build needs import.meta.url
import TreeSitter = require('web-tree-sitter');
import type {
  FileOutline, LayerKind, OutlineAssignment, OutlineClass, OutlineFactory, OutlineInstance, OutlineRange,
} from '../protocol/outline';
import { layerKind } from './layer-kinds';

/** One file's classes (all of them, modules or not), top-level functions and top-level `x = Call(...)`. */
export interface RawFile {
  classes: OutlineClass[];
  /** every top-level function; `returns` holds the constructors it may return */
  functions: OutlineFactory[];
  instances: OutlineInstance[];
  errors: OutlineRange[];
}

const { Language, Parser } = TreeSitter;
type Node = TreeSitter.Node;
type Parser = TreeSitter.Parser;

let initialized: Promise<void> | undefined;

export class PythonOutliner {
  private constructor(private readonly parser: Parser) {}

  /** engineWasm: web-tree-sitter.wasm; pythonWasm: tree-sitter-python.wasm (both shipped in out/). */
  static async create(engineWasm: Uint8Array, pythonWasm: Uint8Array): Promise<PythonOutliner> {
    // Handing over the bytes avoids the runtime looking for its .wasm next to the (bundled) script.
    initialized ??= Parser.init({ wasmBinary: engineWasm } as object);
    await initialized;
    const parser = new Parser();
    parser.setLanguage(await Language.load(pythonWasm));
    return new PythonOutliner(parser);
  }

  parse(text: string): RawFile {
    const tree = this.parser.parse(text);
    if (!tree) throw new Error('tree-sitter produced no tree for the Python source');
    try {
      return readModule(tree.rootNode, text);
    } finally {
      tree.delete(); // wasm memory is not garbage-collected
    }
  }

  dispose(): void {
    this.parser.delete();
  }
}

const collapse = (s: string) => s.replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')').trim();
const lastSegment = (dotted: string) => dotted.slice(dotted.lastIndexOf('.') + 1);
const named = (n: Node | null | undefined): Node[] =>
  (n ? n.namedChildren : []).filter((c): c is Node => !!c && c.type !== 'comment');

export function rangeOf(n: Node): OutlineRange {
  return {
    startLine: n.startPosition.row, startCharacter: n.startPosition.column,
    endLine: n.endPosition.row, endCharacter: n.endPosition.column,
  };
}

function readModule(root: Node, text: string): RawFile {
  const out: RawFile = { classes: [], functions: [], instances: [], errors: [] };
  if (root.isError) out.errors.push(rangeOf(root));
  collectErrors(root, out.errors);
  const broken: BrokenFile = { root, lines: text.split('\n') };
  // Definitions can sit in `if __name__ == ...`, try/with blocks or, after a syntax error, in ERROR nodes.
  const visit = (node: Node) => {
    for (const child of named(node)) {
      const def = child.type === 'decorated_definition' ? child.childForFieldName('definition') : child;
      if (!def) continue;
      if (def.type === 'class_definition') readClass(def, broken, out.classes);
      else if (def.type === 'function_definition') readFunction(def, out.functions);
      else if (def.type === 'expression_statement') readInstance(def, out.instances);
      else if (def.type === 'ERROR') { recoverClasses(def, broken, out.classes); visit(def); }
      else if (/^(if_statement|elif_clause|else_clause|with_statement|try_statement|except_clause|finally_clause|block)$/.test(def.type)) visit(def);
    }
  };
  visit(root);
  // After a broken class header its methods come out as top-level functions: they belong to the class.
  const inClass = (r: OutlineRange) => out.classes.some((c) => c.range.startLine < r.startLine && r.startLine <= c.range.endLine);
  out.functions = out.functions.filter((f) => !inClass(f.range));
  out.instances = out.instances.filter((i) => !inClass(i.range));
  return out;
}

function collectErrors(node: Node, out: OutlineRange[]): void {
  if (!node.hasError || out.length >= 50) return;
  for (const c of node.children) {
    if (!c) continue;
    if (c.isError || c.isMissing) out.push(rangeOf(c));
    else collectErrors(c, out);
  }
}

/** Visits statements and expressions of a body without entering nested functions, classes or lambdas. */
function walkBody(node: Node, visit: (n: Node) => boolean | void): void {
  for (const c of named(node)) {
    if (/^(function_definition|class_definition|decorated_definition|lambda)$/.test(c.type)) continue;
    if (visit(c) === true) continue; // handled: do not descend
    walkBody(c, visit);
  }
}

/** A file with syntax errors: where tree-sitter's recovery split a class, indentation tells its extent. */
interface BrokenFile { root: Node; lines: string[]; assignments?: Node[] }

function readClass(def: Node, file: BrokenFile, out: OutlineClass[]): void {
  const nameNode = def.childForFieldName('name');
  if (!nameNode) return;
  const bases = baseNames(def.childForFieldName('superclasses'));
  if (def.hasError) { // methods may be scattered over ERROR nodes: collect by indentation instead
    out.push(recoveredClass(def, nameNode, bases, file));
    return;
  }
  const assignments: OutlineAssignment[] = [];
  for (const fn of named(def.childForFieldName('body'))) {
    const method = fn.type === 'decorated_definition' ? fn.childForFieldName('definition') : fn;
    if (method?.type !== 'function_definition') continue;
    const first = named(method.childForFieldName('parameters'))[0];
    const selfName = first?.type === 'identifier' ? first.text : 'self';
    walkBody(method.childForFieldName('body') ?? method, (n) => {
      if (n.type !== 'assignment') return false;
      const a = readSelfAssignment(n, selfName);
      if (a) assignments.push(a);
      return true;
    });
  }
  out.push({ name: nameNode.text, bases, range: rangeOf(def), nameRange: rangeOf(nameNode), assignments });
}

const baseNames = (superclasses: Node | null | undefined) => named(superclasses)
  .filter((b) => b.type !== 'keyword_argument' && !b.type.endsWith('splat'))
  .map((b) => collapse(b.text));

function readSelfAssignment(n: Node, selfName: string): OutlineAssignment | undefined {
  const left = n.childForFieldName('left');
  const right = n.childForFieldName('right');
  const obj = left?.type === 'attribute' ? left.childForFieldName('object') : null;
  const attr = left?.childForFieldName('attribute');
  if (obj?.type !== 'identifier' || obj.text !== selfName || !attr || right?.type !== 'call') return undefined;
  return readCall(right, attr.text, rangeOf(n), rangeOf(attr));
}

/** `class X(Base):` whose header tree-sitter could only keep as loose tokens inside an ERROR node. */
function recoverClasses(error: Node, file: BrokenFile, out: OutlineClass[]): void {
  for (const kw of error.children) {
    if (kw?.type !== 'class') continue;
    const next = kw.nextNamedSibling;
    const nameNode = next?.type === 'call' ? next.childForFieldName('function') : next;
    if (nameNode?.type !== 'identifier') continue;
    const bases = next?.type === 'call' ? baseNames(next.childForFieldName('arguments'))
      : next?.nextNamedSibling?.type === 'argument_list' ? baseNames(next.nextNamedSibling) : [];
    out.push(recoveredClass(kw, nameNode, bases, file));
  }
}

function recoveredClass(header: Node, nameNode: Node, bases: string[], file: BrokenFile): OutlineClass {
  const start = header.startPosition;
  let end = start.row;
  for (let r = start.row + 1; r < file.lines.length; r++) {
    const line = file.lines[r];
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    if (line.length - line.trimStart().length <= start.column) break;
    end = r;
  }
  file.assignments ??= file.root.descendantsOfType('assignment').filter((n): n is Node => !!n);
  const assignments = file.assignments
    .filter((n) => n.startPosition.row > start.row && n.startPosition.row <= end)
    .flatMap((n) => readSelfAssignment(n, 'self') ?? []);
  return {
    name: nameNode.text, bases, nameRange: rangeOf(nameNode), assignments,
    range: { startLine: start.row, startCharacter: start.column, endLine: end, endCharacter: file.lines[end].length },
  };
}

function readCall(call: Node, name: string, range: OutlineRange, nameRange: OutlineRange): OutlineAssignment | undefined {
  const fn = call.childForFieldName('function');
  if (!fn || (fn.type !== 'identifier' && fn.type !== 'attribute')) return undefined;
  const constructorName = fn.text.replace(/\s+/g, '');
  if (/^(self|super|cls)\b/.test(constructorName)) return undefined;
  const typeName = lastSegment(constructorName);
  const argsNode = call.childForFieldName('arguments');
  const argNodes = argsNode?.type === 'argument_list' ? named(argsNode) : [];
  const kind: LayerKind = layerKind(typeName);
  return {
    name, constructorName, typeName, kind, range, nameRange,
    args: argNodes.map((a) => collapse(a.text)).join(', '),
    text: call.text,
    children: kind === 'container' ? containerEntries(typeName, argNodes) : [],
  };
}

/** The names PyTorch gives a container's entries: Sequential/ModuleList by position, dicts by key. */
function containerEntries(typeName: string, args: Node[]): OutlineAssignment[] {
  const positional = args.filter((a) => a.type !== 'keyword_argument');
  const entries: Array<[string, Node]> = [];
  const byPosition = (nodes: Node[]) => {
    for (let i = 0; i < nodes.length; i++) {
      if (nodes[i].type.endsWith('splat')) break; // `*layers`: later positions are unknown statically
      entries.push([String(i), nodes[i]]);
    }
  };
  const byKey = (pairs: Array<[Node | null | undefined, Node | null | undefined]>) => {
    for (const [k, v] of pairs) if (k?.type === 'string' && v) entries.push([stringValue(k), v]);
  };
  const first = positional[0];
  if (typeName === 'Sequential') {
    const od = first?.type === 'call' && lastSegment(first.childForFieldName('function')?.text ?? '') === 'OrderedDict'
      ? named(first.childForFieldName('arguments'))[0] : undefined;
    if (positional.length === 1 && od && (od.type === 'list' || od.type === 'tuple')) {
      byKey(named(od).filter((t) => t.type === 'tuple').map((t) => [named(t)[0], named(t)[1]]));
    } else byPosition(positional);
  } else if (first && (first.type === 'list' || first.type === 'tuple')) byPosition(named(first));
  else if (first?.type === 'dictionary') {
    byKey(named(first).filter((p) => p.type === 'pair').map((p) => [p.childForFieldName('key'), p.childForFieldName('value')]));
  }
  return entries.flatMap(([name, n]) => {
    const a = n.type === 'call' ? readCall(n, name, rangeOf(n), rangeOf(n)) : undefined;
    return a ? [a] : [];
  });
}

function stringValue(s: Node): string {
  const content = named(s).filter((c) => c.type === 'string_content').map((c) => c.text).join('');
  return content || s.text.replace(/^[rbuf]*(['"]{1,3})([\s\S]*)\1$/i, '$2');
}

function readFunction(def: Node, out: OutlineFactory[]): void {
  const nameNode = def.childForFieldName('name');
  const body = def.childForFieldName('body');
  if (!nameNode || !body) return;
  const locals = new Map<string, string[]>(); // variable -> constructors assigned to it
  const returned: Node[] = [];
  walkBody(body, (n) => {
    if (n.type === 'assignment') {
      const left = n.childForFieldName('left');
      const right = n.childForFieldName('right');
      const fn = right?.type === 'call' ? right.childForFieldName('function') : null;
      if (left?.type === 'identifier' && fn) locals.set(left.text, [...(locals.get(left.text) ?? []), fn.text.replace(/\s+/g, '')]);
    } else if (n.type === 'return_statement') {
      const v = named(n)[0];
      if (v) returned.push(v);
      return true;
    }
    return false;
  });
  const returns = new Set<string>();
  for (const v of returned) {
    if (v.type === 'call') returns.add((v.childForFieldName('function')?.text ?? '').replace(/\s+/g, ''));
    else if (v.type === 'identifier') for (const c of locals.get(v.text) ?? []) returns.add(c);
  }
  const params = def.childForFieldName('parameters');
  out.push({
    name: nameNode.text,
    params: params ? collapse(params.text.replace(/^\(|\)$/g, '')) : '',
    returns: [...returns].filter(Boolean),
    range: rangeOf(def), nameRange: rangeOf(nameNode),
  });
}

function readInstance(stmt: Node, out: OutlineInstance[]): void {
  const a = named(stmt)[0];
  if (a?.type !== 'assignment') return;
  const left = a.childForFieldName('left');
  const right = a.childForFieldName('right');
  const fn = right?.type === 'call' ? right.childForFieldName('function') : null;
  if (left?.type !== 'identifier' || !right || !fn || (fn.type !== 'identifier' && fn.type !== 'attribute')) return;
  out.push({
    name: left.text,
    constructorName: fn.text.replace(/\s+/g, ''),
    args: named(right.childForFieldName('arguments')).map((x) => collapse(x.text)).join(', '),
    range: rangeOf(a), nameRange: rangeOf(left),
  });
}

const ROOT_BASES = /^((torch\.)?nn\.([A-Z]\w*)|(torch\.nn\.modules\.[\w.]+)|Module|(\w+\.)*LightningModule)$/;
const TORCH_NN_CTOR = /^(torch\.)?nn\.[A-Z]\w*$/;
const NOT_MODULES = /(Tensor|^Size|^Generator|^OrderedDict|^Path|^Config|^Namespace)$/;

/**
 * Decides, across every file of the workspace, which classes are nn.Module subclasses (through bases in other
 * files too), which functions are factories, and keeps only the `self.x = ...` lines that may hold modules.
 */
export function resolveOutlines(files: ReadonlyMap<string, RawFile>): Map<string, FileOutline> {
  const basesByName = new Map<string, string[][]>();
  for (const f of files.values()) for (const c of f.classes) basesByName.set(c.name, [...(basesByName.get(c.name) ?? []), c.bases]);
  const modules = new Set<string>();
  for (let changed = true; changed;) {
    changed = false;
    for (const [name, lists] of basesByName) {
      if (modules.has(name)) continue;
      if (lists.some((bases) => bases.some((b) => ROOT_BASES.test(b) || modules.has(lastSegment(b))))) {
        modules.add(name);
        changed = true;
      }
    }
  }
  const factories = new Set<string>();
  const buildsModule = (ctor: string) =>
    modules.has(lastSegment(ctor)) || TORCH_NN_CTOR.test(ctor) || layerKind(lastSegment(ctor)) !== 'other' || factories.has(ctor);
  for (let changed = true; changed;) {
    changed = false;
    for (const f of files.values()) {
      for (const fn of f.functions) {
        if (!factories.has(fn.name) && fn.returns.some(buildsModule)) { factories.add(fn.name); changed = true; }
      }
    }
  }
  const keep = (a: OutlineAssignment): OutlineAssignment[] => {
    const known = basesByName.has(a.typeName);
    if (known && !modules.has(a.typeName)) return []; // a plain class of the workspace
    if (!/^[A-Z]/.test(a.typeName) && !factories.has(a.constructorName)) return []; // tensors, helpers
    if (a.kind === 'other' && NOT_MODULES.test(a.typeName)) return [];
    const kind: LayerKind = a.kind === 'other' && (modules.has(a.typeName) || factories.has(a.constructorName)) ? 'module' : a.kind;
    return [{ ...a, kind, children: a.children.flatMap(keep) }];
  };
  const result = new Map<string, FileOutline>();
  for (const [uri, f] of files) {
    result.set(uri, {
      uri,
      classes: f.classes.filter((c) => modules.has(c.name)).map((c) => ({ ...c, assignments: c.assignments.flatMap(keep) })),
      factories: f.functions.filter((fn) => factories.has(fn.name))
        .map((fn) => ({ ...fn, returns: fn.returns.filter(buildsModule) })),
      instances: f.instances.filter((i) => buildsModule(i.constructorName)),
      errors: f.errors,
    });
  }
  return result;
}

export type OutlineHit =
  | { kind: 'class'; cls: OutlineClass }
  | { kind: 'assignment'; cls: OutlineClass; path: OutlineAssignment[] } // path: outermost first
  | { kind: 'factory'; factory: OutlineFactory }
  | { kind: 'instance'; instance: OutlineInstance };

const contains = (r: OutlineRange, line: number, ch: number) =>
  (line > r.startLine || (line === r.startLine && ch >= r.startCharacter)) &&
  (line < r.endLine || (line === r.endLine && ch <= r.endCharacter));

/** The innermost outline item at a position (assignment, nested container entry, or a definition's name). */
export function outlineAt(o: FileOutline, line: number, ch: number): OutlineHit | undefined {
  for (const cls of o.classes) {
    if (contains(cls.nameRange, line, ch)) return { kind: 'class', cls };
    if (!contains(cls.range, line, ch)) continue;
    let path: OutlineAssignment[] = [];
    let level = cls.assignments;
    for (let hit = level.find((a) => contains(a.range, line, ch)); hit; hit = level.find((a) => contains(a.range, line, ch))) {
      path = [...path, hit];
      level = hit.children;
    }
    if (path.length) return { kind: 'assignment', cls, path };
  }
  for (const factory of o.factories) if (contains(factory.nameRange, line, ch)) return { kind: 'factory', factory };
  for (const instance of o.instances) if (contains(instance.range, line, ch)) return { kind: 'instance', instance };
  return undefined;
}

/** Like outlineAt, but for a whole line: the class header line, or the deepest assignment the line is part of. */
export function outlineAtLine(o: FileOutline, line: number): OutlineHit | undefined {
  const onLine = (r: OutlineRange) => r.startLine <= line && line <= r.endLine;
  for (const cls of o.classes) {
    if (cls.nameRange.startLine === line) return { kind: 'class', cls };
    if (!onLine(cls.range)) continue;
    let path: OutlineAssignment[] = [];
    let level = cls.assignments;
    for (let hit = level.find((a) => onLine(a.range)); hit; hit = level.find((a) => onLine(a.range))) {
      path = [...path, hit];
      level = hit.children;
    }
    if (path.length) return { kind: 'assignment', cls, path };
  }
  for (const factory of o.factories) if (factory.nameRange.startLine === line) return { kind: 'factory', factory };
  for (const instance of o.instances) if (onLine(instance.range)) return { kind: 'instance', instance };
  return undefined;
}
