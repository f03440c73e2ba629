// A module of a built model as the parameter inspector shows it: its repr, counts, and what each of the
// seven methods returns when called on that module (names relative to it, as PyTorch gives them).
import type { ModuleDescription, ModuleMethodEntry } from '../../protocol/inspector';
import type { TensorRecord } from './engine-api';
import { numel, type ModelFacts } from './model-facts';

/** Entries sent per method; the count is always the full one. */
const MAX_ENTRIES = 2000;

const firstLine = (repr: string | undefined, type: string) => {
  const line = (repr ?? `${type}()`).split('\n')[0];
  return line.endsWith('(') ? `${line})`.replace('()', '(...)') : line;
};

export function moduleDescription(facts: ModelFacts, name: string, origin?: string): ModuleDescription | undefined {
  const m = facts.module(name);
  if (!m) return undefined;
  const prefix = name ? `${name}.` : '';
  const inside = (q: string) => name === '' || q === name || q.startsWith(prefix);
  const rel = (q: string) => (q === name ? '' : q.slice(prefix.length));
  const modules = facts.modules.filter((x) => inside(x.name));
  const moduleEntry = (q: string, type: string): ModuleMethodEntry => ({ name: rel(q), moduleType: type, repr: firstLine(facts.repr(q), type) });
  const tensor = (t: TensorRecord, parameter: boolean): ModuleMethodEntry =>
    ({ name: rel(t.name), shape: [...t.shape], dtype: t.dtype, ...(parameter ? { requiresGrad: t.requiresGrad !== false } : {}) });
  const named = modules.map((x) => moduleEntry(x.name, x.type));
  const children = m.children.map((c) => moduleEntry(c, facts.module(c)!.type));
  const params = facts.answer.parameters.filter((t) => inside(t.name)).map((t) => tensor(t, true));
  const state = facts.answer.stateDict.filter((t) => inside(t.name)).map((t) => tensor(t, false));
  const unnamed = (e: ModuleMethodEntry): ModuleMethodEntry => { const { name: _n, ...rest } = e; return rest; };
  const out = (entries: ModuleMethodEntry[]) => ({ count: entries.length, entries: entries.slice(0, MAX_ENTRIES) });
  return {
    name, type: m.type, repr: facts.repr(name) ?? `${m.type}()`,
    parameters: m.totalParams, trainableParameters: m.trainableParams, ownParameters: m.ownParams,
    buffers: facts.answer.buffers.filter((t) => inside(t.name)).reduce((n, t) => n + numel(t.shape), 0),
    origin: origin ?? (m.source ? `${m.source.file}:${m.source.line}` : undefined),
    methods: {
      modules: out(named.map(unnamed)),
      named_modules: out(named),
      children: out(children.map(unnamed)),
      named_children: out(children),
      parameters: out(params.map(unnamed)),
      named_parameters: out(params),
      state_dict: out(state),
    },
  };
}
