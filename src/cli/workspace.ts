// The Python files handed to the engine process with a model file: the file itself and what it can import
// from its folder (or from --root), found by following its import statements. Following imports instead
// of reading the whole folder keeps `torch-explorer inspect ~/model.py` from reading all of ~.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileError, usageError } from './errors';
import { requireFile } from './weights';

export interface Workspace {
  /** absolute folder the engine sees as the workspace root */
  readonly root: string;
  /** POSIX path of the model file relative to root */
  readonly entryFile: string;
  /** POSIX relative path -> source */
  readonly files: Record<string, string>;
  /** a workspace-relative path as the user would type it (relative to the current folder) */
  displayPath(relative: string): string;
}

const MAX_FILES = 500;
const MAX_BYTES = 32 << 20;

/** `import a.b, c as d`, `from ..x.y import (p, q)`, `from . import m`: module names and imported names. */
const IMPORT_LINE = /^[ \t]*(?:from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\(?[^#\n]*)|import[ \t]+([^#\n]+))/gm;

interface ImportRef {
  level: number;
  module: string;
  names: string[];
}

export function scanImports(source: string): ImportRef[] {
  const refs: ImportRef[] = [];
  for (const m of source.matchAll(IMPORT_LINE)) {
    if (m[4] !== undefined) {
      for (const part of m[4].split(',')) {
        const name = part.trim().split(/\s+as\s+/)[0].trim();
        if (/^[\w.]+$/.test(name)) refs.push({ level: 0, module: name, names: [] });
      }
    } else {
      const names = (m[3] ?? '').replace(/[()\\]/g, ' ').split(',').map((n) => n.trim().split(/\s+as\s+/)[0].trim())
        .filter((n) => /^\w+$/.test(n));
      refs.push({ level: (m[1] ?? '').length, module: m[2] ?? '', names });
    }
  }
  return refs;
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Files a module path may live in, below `base`: every package's __init__.py along the way and the module. */
function moduleCandidates(base: string, dotted: string[]): string[] {
  const out: string[] = [];
  let dir = base;
  for (const part of dotted) {
    out.push(path.join(dir, `${part}.py`), path.join(dir, part, '__init__.py'));
    dir = path.join(dir, part);
  }
  return out;
}

function candidatesFor(ref: ImportRef, importer: string, root: string, entryDir: string): string[] {
  const modules = ref.module ? ref.module.split('.') : [];
  const bases: string[] = [];
  if (ref.level > 0) {
    let dir = path.dirname(importer);
    for (let i = 1; i < ref.level; i++) dir = path.dirname(dir);
    bases.push(dir);
  } else {
    bases.push(root, entryDir, path.dirname(importer));
  }
  const out: string[] = [];
  for (const base of new Set(bases)) {
    out.push(...moduleCandidates(base, modules));
    // `from pkg import sub` may import a submodule
    for (const name of ref.names) out.push(...moduleCandidates(base, [...modules, name]).slice(-2));
  }
  return out;
}

function toPosix(relative: string): string {
  return relative.split(path.sep).join('/');
}

export function collectWorkspace(modelFile: string, rootOption?: string): Workspace {
  requireFile(modelFile, 'model file');
  const entryAbs = path.resolve(modelFile);
  const root = path.resolve(rootOption ?? path.dirname(entryAbs));
  if (rootOption !== undefined && !fs.existsSync(root)) throw fileError(`--root ${rootOption}: no such folder`);
  const relativeEntry = path.relative(root, entryAbs);
  if (relativeEntry.startsWith('..') || path.isAbsolute(relativeEntry)) {
    throw usageError(`--root ${rootOption}: the model file ${modelFile} is not inside it`);
  }
  const files: Record<string, string> = {};
  let bytes = 0;
  const pending = [entryAbs];
  // a file inside packages needs their __init__.py files to import as pkg.module
  for (let dir = path.dirname(entryAbs); dir.startsWith(root) && dir !== root; dir = path.dirname(dir)) {
    pending.push(path.join(dir, '__init__.py'));
  }
  const seen = new Set<string>();
  while (pending.length && Object.keys(files).length < MAX_FILES) {
    const file = pending.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const relative = path.relative(root, file);
    if (relative.startsWith('..') || !isFile(file)) continue;
    let source: string;
    try {
      source = fs.readFileSync(file, 'utf8');
    } catch (error) {
      if (file === entryAbs) throw fileError(`${modelFile}: cannot read: ${(error as Error).message}`);
      continue;
    }
    bytes += source.length;
    if (bytes > MAX_BYTES && file !== entryAbs) break;
    files[toPosix(relative)] = source;
    for (const ref of scanImports(source)) pending.push(...candidatesFor(ref, file, root, path.dirname(entryAbs)));
  }
  const cwd = process.cwd();
  return {
    root,
    entryFile: toPosix(relativeEntry),
    files,
    displayPath: (rel) => {
      if (path.isAbsolute(rel) || rel.startsWith('<')) return rel;
      const full = path.join(root, rel);
      const shown = path.relative(cwd, full);
      // outside the current folder an absolute path reads better than ../../..
      return shown.startsWith('..') ? full : toPosix(shown) || rel;
    },
  };
}
