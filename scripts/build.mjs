#!/usr/bin/env node
// Builds every bundle with esbuild into out/. Bundles are added here as the parts of the product land.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const exists = (p) => fs.existsSync(path.join(root, p));
const common = { bundle: true, sourcemap: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning', absWorkingDir: root };

const builds = [];
if (exists('src/extension/extension.ts'))
  builds.push({ ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'out/extension/extension.js', external: ['vscode'] });
if (exists('src/cli/cli.ts'))
  builds.push({ ...common, entryPoints: ['src/cli/cli.ts'], outfile: 'out/cli/cli.js', banner: { js: '#!/usr/bin/env node' } });
if (exists('src/engine/index.ts'))
  builds.push({ ...common, entryPoints: ['src/engine/index.ts'], outfile: 'out/engine/index.js' });
// VS Code host tests: the in-host mocha runner (index.ts) and the suites, one output file each; the extension
// host loads mocha itself from node_modules.
if (exists('test/host/suite/index.ts'))
  builds.push({ ...common, entryPoints: ['test/host/suite/*.ts'], outdir: 'out/test/host/suite', external: ['vscode', 'mocha'] });

await Promise.all(builds.map((b) => esbuild.build(b)));

// The static outline parses Python with tree-sitter: its runtime and the Python grammar ship next to the bundle.
if (exists('src/extension/extension.ts')) {
  const require = createRequire(import.meta.url);
  for (const wasm of ['web-tree-sitter/web-tree-sitter.wasm', 'tree-sitter-python/tree-sitter-python.wasm'])
    fs.copyFileSync(require.resolve(wasm), path.join(root, 'out', 'extension', path.basename(wasm)));
}
console.log(`[build] ${builds.length} bundle(s) in out/`);
