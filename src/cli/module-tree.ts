// The readable form of `inspect`: named_modules() as an indented tree with types, parameter counts and
// where each module was created, in the spirit of a torchinfo summary.
import type { InspectJson, ModuleSummary } from './model-types';
import { formatCount, formatTable } from './output';

function parentOf(name: string): string | undefined {
  if (name === '') return undefined;
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(0, dot);
}

/** Rows of the tree in named_modules() order; each label carries the branch lines of its ancestors. */
export function treeRows(modules: readonly ModuleSummary[]): { label: string; module: ModuleSummary }[] {
  const children = new Map<string, ModuleSummary[]>();
  const known = new Set(modules.map((m) => m.name));
  for (const m of modules) {
    let parent = parentOf(m.name);
    // a child registered under a dotted-looking path still hangs under its nearest listed ancestor
    while (parent !== undefined && !known.has(parent)) parent = parentOf(parent);
    if (parent === undefined) continue;
    children.set(parent, [...(children.get(parent) ?? []), m]);
  }
  const rows: { label: string; module: ModuleSummary }[] = [];
  const visit = (m: ModuleSummary, indent: string, last: boolean, depth: number, parentName: string) => {
    const own = depth === 0 ? `(${m.type})` : m.name.slice(parentName ? parentName.length + 1 : 0);
    rows.push({ label: depth === 0 ? own : `${indent}${last ? '└─ ' : '├─ '}${own}`, module: m });
    const kids = children.get(m.name) ?? [];
    const nextIndent = depth === 0 ? '' : `${indent}${last ? '   ' : '│  '}`;
    kids.forEach((k, i) => visit(k, nextIndent, i === kids.length - 1, depth + 1, m.name));
  };
  const root = modules.find((m) => m.name === '');
  if (root) visit(root, '', true, 0, '');
  return rows;
}

export function formatInspect(result: InspectJson): string {
  const rows = treeRows(result.modules).map(({ label, module }) => [
    label,
    module.type,
    formatCount(module.params),
    module.source ? `${module.source.file}:${module.source.line}` : '',
  ]);
  const buffers = result.buffers.length;
  const persistent = result.buffers.filter((b) => b.persistent).length;
  const lines = [
    `${result.entry}: ${formatCount(result.totalParams)} parameters (${formatCount(result.trainableParams)} trainable)`,
    `${result.modules.length} modules, ${result.children.length} children, ${result.parameters.length} parameter tensors, ` +
      `${buffers} buffers${persistent !== buffers ? ` (${persistent} persistent)` : ''}, ${result.stateDict.length} state_dict entries`,
    '',
    formatTable(['module', 'type', 'params', 'created at'], rows, ['left', 'left', 'right', 'left']),
  ];
  if (result.stubbedImports.length) lines.push('', `stubbed imports (not available here, replaced by stand-ins): ${result.stubbedImports.join(', ')}`);
  return lines.join('\n');
}
