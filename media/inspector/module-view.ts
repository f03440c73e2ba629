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

const grad = (entry: ModuleMethodEntry) => (entry.requiresGrad === undefined ? '' : entry.requiresGrad ? 'True' : 'False');

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
    case 'parameters': return [String(index), ...tensor, grad(entry)];
    case 'named_parameters': return [String(index), nameCell, ...tensor, grad(entry)];
    case 'state_dict': return [String(index), nameCell, ...tensor];
  }
}

function methodTable(method: ModuleMethod, entries: ModuleMethodEntry[], total: number, open?: (name: string) => void): HTMLElement {
  const header = h('thead', {}, h('tr', {}, ...COLUMNS[method].map((c) => h('th', { scope: 'col' }, c))));
  const body = h('tbody', {}, ...entries.map((e, i) => h('tr', {}, ...cells(method, e, i, open).map((c) => h('td', {}, c)))));
  const table = h('table', { class: 'data-table' }, header, body);
  return h('div', { class: 'method' },
    h('div', { class: 'muted method-caption' }, h('code', {}, `${method}()`),
      ` yields ${count(total)} item${total === 1 ? '' : 's'}${entries.length < total ? ` (first ${count(entries.length)} shown)` : ''}`),
    entries.length ? table : h('div', { class: 'muted' }, 'nothing'));
}

export function renderModule(module: ModuleDescription, open?: (name: string) => void): HTMLElement {
  const badges = h('div', { class: 'badges' },
    h('vscode-badge', { variant: 'counter', title: 'parameters, recursively' }, `${count(module.parameters)} parameters`),
    h('span', { class: 'muted' }, `${count(module.trainableParameters)} trainable · ${count(module.ownParameters)} own · ${count(module.buffers)} buffer values`));
  // a tab strip of our own: vscode-tabs cannot wrap, and eight method tabs overflow a side-by-side panel
  const panel = h('div', { class: 'method-panel', role: 'tabpanel' });
  const strip = h('div', { class: 'method-tabs', role: 'tablist', 'aria-label': 'nn.Module methods' });
  const choose = (method: ModuleMethod | 'repr') => {
    for (const tab of strip.children) tab.setAttribute('aria-selected', String(tab.getAttribute('data-method') === method));
    panel.replaceChildren(method === 'repr' ? h('pre', { class: 'repr' }, module.repr)
      : methodTable(method, module.methods[method].entries, module.methods[method].count, open));
  };
  for (const method of ['repr', ...MODULE_METHODS] as const) {
    const label = method === 'repr' ? 'repr' : `${method}()`;
    strip.append(h('button', { class: 'method-tab', role: 'tab', 'data-method': method, onclick: () => choose(method) }, label,
      method === 'repr' ? null : h('vscode-badge', { variant: 'counter' }, String(module.methods[method].count))));
  }
  choose('repr');
  return h('div', { class: 'module-view' },
    h('header', { class: 'title-row' },
      h('h1', {}, codicon('symbol-class'), ' ', module.name || '(root)', ' ', h('span', { class: 'type' }, module.type)),
      module.origin ? h('div', { class: 'origin muted' }, module.origin) : null,
      badges),
    strip, panel);
}
