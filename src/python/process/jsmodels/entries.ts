// Entries of a TypeScript/JavaScript model file, as the Python side defines them: nn.Module subclasses
// declared in the file ("class"), Module instances it builds ("instance"), and functions that return a
// Module ("factory"). A function is a factory when the file says so - a declared return type that is a
// Module class, or a last `return` (or arrow body) that constructs one, directly, through a local variable
// or through another factory of the file. Functions are never called to find out.
import type { EntryKind, TopLevelName } from '../../../protocol/engine';
import { nn } from '../../../engine';
import { Module } from '../../../engine/nn';
import { ENGINE_SPECIFIER, engineExports } from './engine-module';
import {
  closingBracket, type Declaration, exportAliases, type ImportBinding, importBindings, maskSource, parameterList, type Parameter,
  topLevelDeclarations,
} from './source-scan';
import type { WorkspaceModules } from './workspace-modules';

export interface JsEntry {
  name: string;
  kind: EntryKind;
  line: number;
}

const IDENT = /^[A-Za-z_$][\w$]*$/;
const fnText = (fn: unknown): string => Function.prototype.toString.call(fn);

export function isModuleClass(value: unknown): value is new (...args: unknown[]) => Module {
  return typeof value === 'function' && (value === Module || (value as { prototype?: unknown }).prototype instanceof Module);
}

const isClass = (value: unknown): boolean => typeof value === 'function' && /^class\b/.test(fnText(value));

/** The end of the expression starting at `from`: a `;`, or a line break outside brackets, or `stop`. */
function expressionEnd(masked: string, from: number, stop = masked.length): number {
  let depth = 0;
  for (let i = from; i < stop; i++) {
    const c = masked[i];
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) {
      if (--depth < 0) return i;
    } else if (depth === 0 && (c === ';' || (c === '\n' && !/^\s*[.?:+\-*/|&]/.test(masked.slice(i + 1, i + 40))))) return i;
  }
  return stop;
}

interface FunctionShape {
  returnType?: string;
  /** Block body [start, end) or expression body of an arrow. */
  body: [number, number];
  isExpressionBody: boolean;
}

export class EntryScanner {
  private readonly masked: string;
  private readonly declarations: Map<string, Declaration>;
  private readonly imports: Map<string, ImportBinding>;
  private readonly aliases: Map<string, string>;

  constructor(private readonly workspace: WorkspaceModules, private readonly file: string, private readonly source: string) {
    this.masked = maskSource(source);
    this.declarations = topLevelDeclarations(this.masked);
    this.imports = importBindings(source, this.masked);
    this.aliases = exportAliases(this.masked);
  }

  /** The declaration in this file behind an export name, if the file declares it. */
  declarationOf(exportName: string): Declaration | undefined {
    return this.declarations.get(this.aliases.get(exportName) ?? exportName);
  }

  entries(exports: Record<string, unknown>): JsEntry[] {
    const entries: JsEntry[] = [];
    for (const name of Object.keys(exports)) {
      const decl = this.declarationOf(name);
      if (!decl || name === '__esModule') continue;
      const kind = this.kindOf(exports[name], decl);
      if (kind) entries.push({ name, kind, line: decl.line });
    }
    return entries.sort((a, b) => a.line - b.line);
  }

  /** Every declared export, for `evaluate`. */
  names(exports: Record<string, unknown>): TopLevelName[] {
    const names: TopLevelName[] = [];
    for (const name of Object.keys(exports)) {
      const decl = this.declarationOf(name);
      if (!decl || name === '__esModule') continue;
      const value = exports[name];
      const kind = isClass(value) ? 'class' : typeof value === 'function' ? 'function' : 'other';
      const type = kind !== 'other' ? kind : value instanceof Module ? value._get_name() : value === null ? 'null' : typeof value;
      names.push({ name, kind, type, line: decl.line, column: decl.column });
    }
    return names.sort((a, b) => a.line - b.line);
  }

  private kindOf(value: unknown, decl: Declaration): EntryKind | undefined {
    if (isModuleClass(value)) return decl.keyword === 'class' ? 'class' : undefined;
    if (value instanceof Module) return 'instance';
    if (typeof value === 'function' && !isClass(value) && this.isFactory(decl, new Set())) return 'factory';
    return undefined;
  }

  // ------------------------------------------------------------------------------------------ factories

  private isFactory(decl: Declaration, seen: Set<string>): boolean {
    if (seen.has(decl.name)) return false;
    seen.add(decl.name);
    const shape = this.functionShape(decl);
    if (!shape) return false;
    if (shape.returnType !== undefined && this.typeIsModule(shape.returnType)) return true;
    const [start, end] = shape.body;
    if (shape.isExpressionBody) return this.constructsModule(this.masked.slice(start, end), shape, seen, 0);
    const returns = [...this.masked.slice(start, end).matchAll(/\breturn\b/g)];
    const last = returns.pop();
    if (!last) return false;
    const from = start + last.index! + 'return'.length;
    return this.constructsModule(this.masked.slice(from, expressionEnd(this.masked, from, end)), shape, seen, 0);
  }

  /** The return type and body of a function declaration, or of a `const f = (...) => ...` / function expression. */
  private functionShape(decl: Declaration): FunctionShape | undefined {
    const m = this.masked;
    let i = decl.afterName;
    if (decl.keyword !== 'function') {
      const eq = m.indexOf('=', i);
      if (eq < 0) return undefined;
      i = eq + 1;
      const value = /^\s*(?:async\s+)?(function\b\s*\*?\s*[\w$]*|)/.exec(m.slice(i))!;
      i += value[0].length;
      const single = /^\s*([A-Za-z_$][\w$]*)\s*=>/.exec(m.slice(i));
      if (single) return this.afterArrow(i + single[0].length, undefined);
    }
    const open = m.slice(i).search(/[(<]/) + i;
    if (open < i) return undefined;
    const paren = m[open] === '<' ? m.indexOf('(', closingBracket(m, open)) : open;
    const close = closingBracket(m, paren);
    if (paren < 0 || close < 0) return undefined;
    const rest = m.slice(close + 1);
    const typed = /^\s*:\s*/.exec(rest);
    let k = close + 1 + (typed ? typed[0].length : 0);
    let returnType: string | undefined;
    if (typed) {
      const typeEnd = m[k] === '{' ? closingBracket(m, k) + 1 : k;
      const stop = m.slice(typeEnd).search(/=>|\{/) + typeEnd;
      returnType = m.slice(k, stop).trim();
      k = stop;
    }
    const arrow = /^\s*=>/.exec(m.slice(k));
    if (arrow) return this.afterArrow(k + arrow[0].length, returnType);
    const brace = m.indexOf('{', k);
    return brace < 0 ? undefined : { returnType, body: [brace + 1, closingBracket(m, brace)], isExpressionBody: false };
  }

  private afterArrow(from: number, returnType: string | undefined): FunctionShape {
    const start = from + (/^\s*/.exec(this.masked.slice(from))![0].length);
    if (this.masked[start] === '{') return { returnType, body: [start + 1, closingBracket(this.masked, start)], isExpressionBody: false };
    return { returnType, body: [start, expressionEnd(this.masked, start)], isExpressionBody: true };
  }

  /** Does this returned expression construct a Module? */
  private constructsModule(expression: string, shape: FunctionShape, seen: Set<string>, depth: number): boolean {
    const e = expression.trim().replace(/^\(+|\)+$/g, '').trim().replace(/\s+as\s+[\w$.<>\s]+$/, '');
    const created = /^new\s+([\w$.]+)/.exec(e);
    if (created) return isModuleClass(this.resolve(created[1]));
    const call = /^([\w$]+)\s*\(/.exec(e);
    if (call) {
      const callee = this.declarations.get(call[1]);
      return !!callee && callee.keyword !== 'class' && this.isFactory(callee, seen);
    }
    if (IDENT.test(e) && depth < 4 && !shape.isExpressionBody) {
      const body = this.masked.slice(shape.body[0], shape.body[1]);
      const assignment = new RegExp(`\\b(?:const|let|var)\\s+${e.replace(/\$/g, '\\$')}\\s*(?::([^=]+))?=(?!=)`).exec(body);
      if (!assignment) return false;
      if (assignment[1] && this.typeIsModule(assignment[1])) return true;
      const from = shape.body[0] + assignment.index + assignment[0].length;
      return this.constructsModule(this.masked.slice(from, expressionEnd(this.masked, from, shape.body[1])), shape, seen, depth + 1);
    }
    return false;
  }

  private typeIsModule(typeText: string): boolean {
    return typeText.split('|').map((t) => t.replace(/<.*$/s, '').trim()).some((t) => /^[\w$.]+$/.test(t) && isModuleClass(this.resolve(t)));
  }

  // ------------------------------------------------------------------------------------------ names

  /** The value a dotted name of this file stands for, without running anything but trivial lookups. */
  private resolve(dotted: string, seen = new Set<string>()): unknown {
    const [head, ...path] = dotted.split('.');
    let value = this.resolveName(head, seen);
    for (const key of path) {
      if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return undefined;
      const desc = Object.getOwnPropertyDescriptor(value, key);
      value = desc && 'value' in desc ? desc.value : (value as Record<string, unknown>)[key];
    }
    return value;
  }

  private resolveName(name: string, seen: Set<string>): unknown {
    if (seen.has(name)) return undefined;
    seen.add(name);
    const binding = this.imports.get(name);
    if (binding) {
      const exports = this.workspace.exportsFor(this.file, binding.from);
      if (!exports) return undefined;
      return binding.imported === '*' || (binding.imported === 'default' && binding.from === ENGINE_SPECIFIER)
        ? exports
        : (exports as Record<string, unknown>)[binding.imported];
    }
    const module = this.workspace.modules.get(this.file);
    const own = module && Object.prototype.hasOwnProperty.call(module.exports, name) ? module.exports[name] : undefined;
    if (own !== undefined) return own;
    const decl = this.declarations.get(name);
    if (decl?.keyword === 'class') {
      // a class the file does not export: a Module class when what it extends is one
      const base = /^\s*(?:<[^{]*>)?\s*extends\s+([\w$.]+)/.exec(this.masked.slice(decl.afterName));
      return base && isModuleClass(this.resolve(base[1], seen)) ? Module : undefined;
    }
    // `const { Linear } = nn` and plain layer names fall back to the engine's nn
    const engineNn = (engineExports() as { nn: Record<string, unknown> }).nn;
    return Object.prototype.hasOwnProperty.call(engineNn, name) ? engineNn[name] : undefined;
  }
}

// ---------------------------------------------------------------------------------------------- kwargs

const ENGINE_CLASSES = new Set<unknown>(Object.values(nn).filter((v) => typeof v === 'function'));

/** The constructor parameters of a class, walking up to the first class that declares a constructor. */
function constructorParameters(cls: unknown): Parameter[] | 'engine' {
  for (let c = cls; isModuleClass(c); c = Object.getPrototypeOf(c)) {
    if (c === Module) return [];
    if (ENGINE_CLASSES.has(c)) return 'engine';
    const masked = maskSource(fnText(c));
    const body = masked.indexOf('{');
    let depth = 0;
    for (let i = body; i >= 0 && i < masked.length; i++) {
      if (masked[i] === '{') depth++;
      else if (masked[i] === '}') depth--;
      else if (depth === 1 && masked.startsWith('constructor', i) && /^constructor\s*\(/.test(masked.slice(i)))
        return parameterList(masked, masked.indexOf('(', i));
    }
  }
  return [];
}

function functionParameters(fn: unknown): Parameter[] {
  const masked = maskSource(fnText(fn));
  const open = masked.indexOf('(');
  const arrow = /^\s*(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(masked);
  if (arrow) return [{ name: arrow[1], pattern: false, rest: false }];
  return open < 0 ? [] : parameterList(masked, open);
}

/**
 * Positional arguments for keyword arguments: a keyword goes to the parameter of its name; the rest go, as one
 * options object, to a last parameter that is a destructuring pattern (`{ width = 4 } = {}`). Engine layers
 * take them as their own trailing keyword object, as in `new nn.Linear(4, 2, { bias: false })`.
 */
export function argumentsFor(target: unknown, isClassTarget: boolean, name: string, kwargs: Record<string, unknown>): unknown[] {
  const params = isClassTarget ? constructorParameters(target) : functionParameters(target);
  const keys = Object.keys(kwargs);
  if (params === 'engine') return keys.length ? [{ ...kwargs }] : [];
  const args: unknown[] = [];
  const left = new Map(Object.entries(kwargs));
  params.forEach((p, i) => {
    if (p.name && !p.rest && left.has(p.name)) {
      args[i] = left.get(p.name);
      left.delete(p.name);
    }
  });
  if (left.size) {
    const last = params.length - 1;
    if (last < 0 || !params[last].pattern || params[last].rest || last in args)
      throw new TypeError(`${name}() got an unexpected keyword argument '${[...left.keys()][0]}'`);
    args[last] = Object.fromEntries(left);
  }
  return Array.from({ length: args.length }, (_, i) => args[i]);
}
