// A module in the inspector: its repr, parameter counts, and what each of the seven nn.Module methods returns
// for it, one tab each. Tensor rows open the tensor when the host can read it.
import { MODULE_METHODS, type ModuleDescription, type ModuleMethod, type ModuleMethodEntry } from '../../src/protocol/inspector';
import { codicon, h } from './dom';
import { count, shapeText } from './format';

const COLUMNS: Record<ModuleMethod, string[]> = {
  modules: ['#', 'module'],
  named_modules: ['#', 'name', 'module'],
  children: ['#', 'module'],
  named_children: ['#', 'name', 'module'],
  parameters: ['#', 'shape', 'dtype', 'requires_grad'],
  named_parameters: ['#', 'name', 'shape', 'dtype', 'requires_grad'],
  state_dict: ['#', 'key', 'shape', 'dtype'],
};

function cells(method: ModuleMethod, entry: ModuleMethodEntry, index: number, open?: (name: string) => void): (string | Node)[] {
  const name = entry.name ?? '';
  const nameCell = open && entry.shape && name
    ? h('a', { href: '#', title: `inspect ${name}`, onclick: (e) => { e.preventDefault(); open(name); } }, name)
    : name === '' && method === 'named_modules' ? h('span', { class: 'muted' }, "'' (itself)") : name;
  const module = h('code', { title: entry.repr ?? '' }, entry.repr ?? entry.moduleType ?? '');
  const tensor = [entry.shape ? shapeText(entry.shape) : '', entry.dtype ?? ''];
  switch (method) {
    case 'modules': case 'children': return [String(index), module];
    case 'named_modules': case 'named_children': return [String(index), nameCell, module];
    case 'parameters': return [String(index), ...tensor, String(entry.requiresGrad ?? '')];
    case 'named_parameters': return [String(index), nameCell, ...tensor, String(entry.requiresGrad ?? '')];
    case 'state_dict': return [String(index), nameCell, ...tensor];
  }
}

function methodTable(method: ModuleMethod, entries: ModuleMethodEntry[], total: number, open?: (name: string) => void): HTMLElement {
  const header = h('vscode-table-header', { slot: 'header' }, ...COLUMNS[method].map((c) => h('vscode-table-header-cell', {}, c)));
  const body = h('vscode-table-body', { slot: 'body' },
    ...entries.map((e, i) => h('vscode-table-row', {}, ...cells(method, e, i, open).map((c) => h('vscode-table-cell', {}, c)))));
  const widths = method.startsWith('named') || method === 'state_dict' ? ['6%', '34%'] : ['6%'];
  const table = h('vscode-table', { zebra: true, 'bordered-columns': true, compact: true, class: 'method-table' }, header, body);
  (table as HTMLElement & { columns: string[] }).columns = widths;
  return h('div', { class: 'method' },
    h('div', { class: 'muted method-caption' }, h('code', {}, `${method}()`),
      ` yields ${count(total)} item${total === 1 ? '' : 's'}${entries.length < total ? ` (first ${count(entries.length)} shown)` : ''}`),
    entries.length ? table : h('div', { class: 'muted' }, 'nothing'));
}

export function renderModule(module: ModuleDescription, open?: (name: string) => void): HTMLElement {
  const badges = h('div', { class: 'badges' },
    h('vscode-badge', { variant: 'counter', title: 'parameters, recursively' }, `${count(module.parameters)} parameters`),
    h('span', { class: 'muted' }, `${count(module.trainableParameters)} trainable · ${count(module.ownParameters)} own · ${count(module.buffers)} buffer values`));
  const tabs = h('vscode-tabs', { class: 'method-tabs' });
  tabs.append(h('vscode-tab-header', { slot: 'header' }, 'repr'), h('vscode-tab-panel', {}, h('pre', { class: 'repr' }, module.repr)));
  for (const method of MODULE_METHODS) {
    const output = module.methods[method];
    tabs.append(
      h('vscode-tab-header', { slot: 'header', id: `tab-${method}` }, `${method}()`, h('vscode-badge', { variant: 'tab-header-counter', slot: 'content-after' }, String(output.count))),
      h('vscode-tab-panel', {}, methodTable(method, output.entries, output.count, open)));
  }
  return h('div', { class: 'module-view' },
    h('header', { class: 'title-row' },
      h('h1', {}, codicon('symbol-class'), ' ', module.name || '(root)', ' ', h('span', { class: 'type' }, module.type)),
      module.origin ? h('div', { class: 'origin muted' }, module.origin) : null,
      badges),
    tabs);
}
