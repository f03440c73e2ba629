// A lightweight reading of model source text: top-level declarations with their lines, bracket matching,
// parameter lists, import bindings. Comments, strings and template literals are blanked first (positions
// kept), so brackets and keywords inside them do not count. Regex literals are not recognised; a bracket
// inside one can only make an entry's kind less precise, never run anything.

/** The source with comment and string contents replaced by spaces (newlines kept). */
export function maskSource(source: string): string {
  const out = source.split('');
  let i = 0;
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  while (i < source.length) {
    const c = source[i];
    if (c === '/' && source[i + 1] === '/') {
      const end = source.indexOf('\n', i);
      const stop = end < 0 ? source.length : end;
      blank(i, stop);
      i = stop;
    } else if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end < 0 ? source.length : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === '"' || c === "'" || c === '`') {
      let k = i + 1;
      while (k < source.length && source[k] !== c && !(c !== '`' && source[k] === '\n')) k += source[k] === '\\' ? 2 : 1;
      blank(i + 1, Math.min(k, source.length));
      i = k + 1;
    } else i++;
  }
  return out.join('');
}

const PAIRS: Record<string, string> = { '(': ')', '[': ']', '{': '}', '<': '>' };

/** Index of the bracket closing the one at `open` in masked text, or -1. */
export function closingBracket(masked: string, open: number): number {
  const opener = masked[open];
  const closer = PAIRS[opener];
  let depth = 0;
  for (let i = open; i < masked.length; i++) {
    if (masked[i] === opener) depth++;
    else if (masked[i] === closer && !(closer === '>' && masked[i - 1] === '=') && --depth === 0) return i;
  }
  return -1;
}

export function lineAndColumn(text: string, index: number): { line: number; column: number } {
  let line = 1, lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: index - lineStart };
}

export interface Declaration {
  name: string;
  keyword: 'class' | 'function' | 'const' | 'let' | 'var';
  /** Where the statement starts (its `export` keyword, if any). */
  index: number;
  /** Just after the declared name. */
  afterName: number;
  line: number;
  column: number;
}

const DECLARATION =
  /(?:export\s+)?(?:default\s+)?(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(class|function\s*\*?|const|let|var)\s+([A-Za-z_$][\w$]*)/y;

/** Declarations at brace depth 0, by name (the first one wins, as for `let x; x = ...`). */
export function topLevelDeclarations(masked: string): Map<string, Declaration> {
  const found = new Map<string, Declaration>();
  let depth = 0;
  for (let i = 0; i < masked.length; i++) {
    const c = masked[i];
    if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (depth === 0 && /[a-z]/.test(c) && (i === 0 || !/[\w$.]/.test(masked[i - 1]))) {
      DECLARATION.lastIndex = i;
      const m = DECLARATION.exec(masked);
      if (!m) continue;
      const keyword = m[1].startsWith('function') ? 'function' : (m[1] as Declaration['keyword']);
      // `export default class extends nn.Module {}` has no name of its own
      const anonymous = keyword === 'class' && m[2] === 'extends';
      const name = anonymous ? 'default' : m[2];
      const afterName = anonymous ? i + m[0].length - m[2].length : i + m[0].length;
      if (!found.has(name)) found.set(name, { name, keyword, index: i, afterName, ...lineAndColumn(masked, i) });
      i += m[0].length - 1;
    }
  }
  return found;
}

export interface Parameter {
  name?: string;
  /** `{ a, b } = {}` or `[x, y]`: takes an options object or tuple. */
  pattern: boolean;
  rest: boolean;
}

/** The parameters in `(...)` starting at `open` (masked text). */
export function parameterList(masked: string, open: number): Parameter[] {
  const close = closingBracket(masked, open);
  if (close < 0) return [];
  const parts: string[] = [];
  let depth = 0, start = open + 1;
  for (let i = open + 1; i < close; i++) {
    const c = masked[i];
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (c === ',' && depth === 0) {
      parts.push(masked.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(masked.slice(start, close));
  return parts.map((p) => p.trim()).filter(Boolean).map((p) => {
    const rest = p.startsWith('...');
    const body = rest ? p.slice(3).trim() : p;
    const name = /^([A-Za-z_$][\w$]*)/.exec(body)?.[1];
    return { ...(name ? { name } : {}), pattern: !name, rest };
  });
}

export interface ImportBinding {
  /** The module specifier as written. */
  from: string;
  /** The imported name; '*' for a namespace import, 'default' for a default import. */
  imported: string;
}

/** `import { a as b } from 'x'`, `import d, * as ns from 'x'` by local name (type-only imports left out). */
export function importBindings(source: string, masked: string): Map<string, ImportBinding> {
  const bindings = new Map<string, ImportBinding>();
  const statement = /\bimport\s+(?!type\b)([\w$]+\s*,?\s*)?(\*\s*as\s+[\w$]+|\{[^}]*\})?\s*from\s*(['"])/g;
  for (let m = statement.exec(masked); m; m = statement.exec(masked)) {
    const quote = m.index + m[0].length - 1;
    const from = source.slice(quote + 1, source.indexOf(m[3], quote + 1));
    const defaultName = m[1]?.replace(/[\s,]/g, '');
    if (defaultName) bindings.set(defaultName, { from, imported: 'default' });
    const named = m[2] ?? '';
    if (named.startsWith('*')) bindings.set(named.split(/\s+/).pop()!, { from, imported: '*' });
    else
      for (const part of named.slice(1, -1).split(',')) {
        const [imported, local] = part.trim().replace(/^type\s+/, '').split(/\s+as\s+/);
        if (imported && !/^type\s/.test(part.trim())) bindings.set((local ?? imported).trim(), { from, imported: imported.trim() });
      }
  }
  return bindings;
}

/** Export names that differ from the local name: `export { a as b }`, `export default Net`, `export default class Net`. */
export function exportAliases(masked: string): Map<string, string> {
  const aliases = new Map<string, string>();
  for (const m of masked.matchAll(/\bexport\s*\{([^}]*)\}(?!\s*from)/g))
    for (const part of m[1].split(',')) {
      const [local, exported] = part.trim().split(/\s+as\s+/);
      if (local && exported) aliases.set(exported.trim(), local.trim());
    }
  const defaultExport = /\bexport\s+default\s+(?:abstract\s+)?(?:(?:class|async\s+function|function\s*\*?)\s+)?([A-Za-z_$][\w$]*)/.exec(masked);
  if (defaultExport && defaultExport[1] !== 'extends') aliases.set('default', defaultExport[1]);
  return aliases;
}
