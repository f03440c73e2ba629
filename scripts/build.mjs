#!/usr/bin/env node
// Builds every bundle with esbuild into out/. Bundles are added here as the parts of the product land.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWasmKernels } from './build-wasm-kernels.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const exists = (p) => fs.existsSync(path.join(root, p));
const common = { bundle: true, keepNames: true, sourcemap: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning', absWorkingDir: root };

const builds = [];
if (exists('src/extension/extension.ts'))
  builds.push({ ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'out/extension/extension.js', external: ['vscode'] });
if (exists('src/cli/cli.ts'))
  builds.push({ ...common, entryPoints: ['src/cli/cli.ts'], outfile: 'out/cli/cli.js', banner: { js: '#!/usr/bin/env node' } });
if (exists('src/engine/index.ts'))
  builds.push({ ...common, entryPoints: ['src/engine/index.ts'], outfile: 'out/engine/index.js' });
if (exists('src/python/process/main.ts'))
  builds.push({
    ...common, name: 'engine-process', entryPoints: ['src/python/process/main.ts'], outfile: 'out/engine-process/main.js',
    // Strict mode everywhere: sloppy functions would expose `arguments`/`caller` to Python through JS proxies.
    banner: { js: '"use strict";' }, plugins: [pythonFilesPlugin()],
    // Pyodide is required at run time from its package folder (one of the two folders the process may read).
    external: ['pyodide'],
  });

/** Embeds the Python sources as `virtual:python-files`: { 'pkg/mod.py': source } relative to site-packages. */
function pythonFilesPlugin() {
  const roots = ['src/python/process/python', 'src/python/shim'].map((r) => path.join(root, r));
  const collect = (dir, base, out) => {
    if (!fs.existsSync(dir)) return out;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== '__pycache__') collect(full, base, out);
      else if (entry.isFile() && entry.name.endsWith('.py')) out[path.relative(base, full).split(path.sep).join('/')] = fs.readFileSync(full, 'utf8');
    }
    return out;
  };
  return {
    name: 'python-files',
    setup(build) {
      build.onResolve({ filter: /^virtual:python-files$/ }, () => ({ path: 'python-files', namespace: 'python-files' }));
      build.onLoad({ filter: /.*/, namespace: 'python-files' }, () => {
        const files = {};
        for (const r of roots) collect(r, r, files);
        return { contents: `module.exports = ${JSON.stringify(files)};`, loader: 'js', watchDirs: roots.filter((r) => fs.existsSync(r)) };
      });
    },
  };
}
// VS Code host tests: the in-host mocha runner (index.ts) and the suites, one output file each; the extension
// host loads mocha itself from node_modules.
if (exists('test/host/suite/index.ts'))
  builds.push({ ...common, name: 'host-tests', entryPoints: ['test/host/suite/*.ts'], outdir: 'out/test/host/suite', external: ['vscode', 'mocha'] });

// Webviews (browser platform): the inspector and the checkpoint viewer, each out/media/<name>.js plus the
// <name>.css of the stylesheets it imports; the extension serves both under a strict CSP.
for (const view of ['inspector', 'checkpoint'])
  if (exists(`media/${view}/main.ts`))
    builds.push({
      name: `media-${view}`, bundle: true, sourcemap: true, platform: 'browser', target: 'es2022', format: 'iife',
      logLevel: 'warning', absWorkingDir: root, entryPoints: [`media/${view}/main.ts`], outfile: `out/media/${view}.js`,
    });

// `node scripts/build.mjs --only engine-process` builds just the named bundle(s) (tests use this).
const only = process.argv.flatMap((a, i) => (a === '--only' ? [process.argv[i + 1]] : []));
const selected = only.length ? builds.filter((b) => only.includes(b.name)) : builds;

// a deleted suite must not keep running from an old bundle
if (selected.some((b) => b.name === 'host-tests')) fs.rmSync(path.join(root, 'out', 'test', 'host', 'suite'), { recursive: true, force: true });
// The WASM kernels (AssemblyScript, --enable simd) are embedded into the engine, so they compile first.
await buildWasmKernels();
// every bundle is attempted (one broken part does not hide the others' errors); any failure fails the build
const failed = (await Promise.allSettled(selected.map(({ name, ...b }) => esbuild.build(b)))).filter((r) => r.status === 'rejected');
// The engine process runs under Node's permission model: a package.json next to it ends Node's search for
// the package scope before it reaches folders the process may not read.
if (selected.some((b) => b.name === 'engine-process') && fs.existsSync(path.join(root, 'out/engine-process')))
  fs.writeFileSync(path.join(root, 'out/engine-process/package.json'), '{ "type": "commonjs" }\n');

// The static outline parses Python with tree-sitter: its runtime and the Python grammar ship next to the bundle.
if (exists('src/extension/extension.ts') && selected.some((b) => b.outfile === 'out/extension/extension.js')) {
  const require = createRequire(import.meta.url);
  for (const wasm of ['web-tree-sitter/web-tree-sitter.wasm', 'tree-sitter-python/tree-sitter-python.wasm'])
    fs.copyFileSync(require.resolve(wasm), path.join(root, 'out', 'extension', path.basename(wasm)));
}
// The webviews' icon font: copied next to their bundles (the .vsix has no node_modules).
if (selected.some((b) => b.name?.startsWith('media-'))) {
  const require = createRequire(import.meta.url);
  const dist = path.dirname(require.resolve('@vscode/codicons/dist/codicon.css'));
  fs.mkdirSync(path.join(root, 'out', 'media', 'codicons'), { recursive: true });
  for (const file of ['codicon.css', 'codicon.ttf']) fs.copyFileSync(path.join(dist, file), path.join(root, 'out', 'media', 'codicons', file));
}
// Pyodide's runtime files ship inside the extension (the .vsix has no node_modules): the engine process loads
// them from out/pyodide, the one folder besides its own that it may read.
if (selected.some((b) => b.name === 'engine-process')) {
  const require = createRequire(import.meta.url);
  const pyodideDir = path.dirname(require.resolve('pyodide/package.json'));
  const dest = path.join(root, 'out', 'pyodide');
  fs.mkdirSync(dest, { recursive: true });
  for (const file of ['package.json', 'pyodide.js', 'pyodide.mjs', 'pyodide.asm.mjs', 'pyodide.asm.wasm', 'python_stdlib.zip', 'pyodide-lock.json']) {
    const from = path.join(pyodideDir, file), to = path.join(dest, file);
    if (!fs.existsSync(to) || fs.statSync(to).mtimeMs < fs.statSync(from).mtimeMs) fs.copyFileSync(from, to);
  }
}
if (failed.length) {
  console.error(`[build] ${failed.length} of ${selected.length} bundle(s) FAILED`);
  process.exit(1);
}
console.log(`[build] ${selected.length} bundle(s) in out/`);
