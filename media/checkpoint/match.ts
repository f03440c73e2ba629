// The match report of the checkpoint viewer: what strict load_state_dict into an explored model would say (a dry
// run), the keys' marks in the tree (matched, unexpected, size mismatch), the model's keys the file lacks, and
// "Load into model".
import type { CheckpointMatch, CheckpointRequest, CheckpointTreeNode } from '../../src/protocol/inspector';
import { codicon, h } from '../inspector/dom';
import { count, shapeText } from '../inspector/format';

export type KeyMark = 'matched' | 'unexpected' | 'mismatch';

export interface MarkIndex {
  marks: Map<string, KeyMark>;
  /** key -> the model's shape, for size mismatches */
  modelShapes: Map<string, number[]>;
}

export function markIndex(match: CheckpointMatch | null): MarkIndex {
  const marks = new Map<string, KeyMark>();
  const modelShapes = new Map<string, number[]>();
  if (!match) return { marks, modelShapes };
  for (const key of match.matched) marks.set(key, 'matched');
  for (const key of match.unexpected) marks.set(key, 'unexpected');
  for (const m of match.sizeMismatches) { marks.set(m.key, 'mismatch'); modelShapes.set(m.key, m.model); }
  return { marks, modelShapes };
}

/** The mark at the right edge of a tree row: ✓ for a leaf the model takes; for a group, ✓ or the count of problems. */
export function decoration(node: CheckpointTreeNode, index: MarkIndex): HTMLElement | null {
  if (!index.marks.size) return null;
  if (node.tensor) {
    const mark = index.marks.get(node.path);
    if (mark === 'matched') return h('span', { slot: 'decoration', class: 'mark matched', title: 'matched: the model has this key with this shape' }, '✓');
    if (mark === 'unexpected') return h('span', { slot: 'decoration', class: 'mark unexpected', title: 'unexpected: the model has no such key' }, codicon('warning'), ' unexpected');
    if (mark === 'mismatch') {
      const model = shapeText(index.modelShapes.get(node.path) ?? []);
      return h('span', { slot: 'decoration', class: 'mark mismatch', title: `size mismatch: the model's shape is ${model}` }, codicon('error'), ` model ${model}`);
    }
    return null;
  }
  let problems = 0, matched = 0;
  const walk = (n: CheckpointTreeNode) => {
    if (n.tensor) { const m = index.marks.get(n.path); if (m === 'matched') matched++; else if (m) problems++; }
    n.children.forEach(walk);
  };
  walk(node);
  if (problems) return h('span', { slot: 'decoration', class: 'mark unexpected', title: `${problems} key${problems === 1 ? '' : 's'} below do not load` }, codicon('warning'), ` ${problems}`);
  return matched ? h('span', { slot: 'decoration', class: 'mark matched', title: 'every key below matched' }, '✓') : null;
}

const quoted = (p: string) => `"${p}"`;

function summary(match: CheckpointMatch): string {
  const shown = match.matched.length + match.unexpected.length + match.sizeMismatches.length;
  if (!match.error && !match.missing.length && !match.unexpected.length) return `all ${count(match.matched.length)} keys matched`;
  return [
    `${count(match.matched.length)} of ${count(shown)} keys matched`,
    match.missing.length ? `${count(match.missing.length)} missing` : '',
    match.unexpected.length ? `${count(match.unexpected.length)} unexpected` : '',
    match.sizeMismatches.length ? `${count(match.sizeMismatches.length)} size mismatch${match.sizeMismatches.length === 1 ? '' : 'es'}` : '',
  ].filter(Boolean).join(' · ');
}

function keyList(title: string, cls: string, rows: HTMLElement[]): HTMLElement | null {
  if (!rows.length) return null;
  return h('details', { class: `key-list ${cls}`, open: true }, h('summary', {}, title), h('ul', {}, ...rows));
}

/** The report above the tree; `stripping` tells whether the viewer shows the keys with a prefix stripped. */
export function matchReport(match: CheckpointMatch, stripping: boolean, post: (r: CheckpointRequest) => void): HTMLElement {
  const ok = !match.error && !match.missing.length && !match.unexpected.length;
  const s = match.suggestion;
  return h('section', { class: `match-report ${ok ? 'ok' : 'problems'}`, 'aria-label': 'match with model' },
    h('div', { class: 'match-head' },
      h('span', { class: 'match-title' }, codicon(ok ? 'pass-filled' : 'warning', ok ? 'ok-icon' : 'warn-icon'), ' ',
        h('strong', {}, match.model), ` — ${summary(match)}`,
        h('span', { class: 'muted' }, ` (strict=True dry run; nothing loaded${match.applied ? `; keys with "${match.applied.prefix}" ${match.applied.kind === 'strip' ? 'stripped' : 'added'}` : ''})`)),
      h('span', { class: 'spacer' }),
      h('vscode-button', { icon: 'cloud-download', class: 'load', title: `model.load_state_dict(checkpoint) in the engine, into ${match.model}`, onclick: () => post({ type: 'loadIntoModel' }) }, 'Load into model'),
      h('vscode-button', { secondary: true, icon: 'close', title: 'Clear the match', onclick: () => post({ type: 'clearMatch' }) }, 'Clear')),
    s && !match.applied && !stripping
      ? h('div', { class: 'notice suggestion' }, codicon('lightbulb'), ` ${s.kind === 'strip' ? 'Stripping' : 'Adding'} the key prefix ${quoted(s.prefix)} matches ${count(s.matchedAfter)} keys instead of ${count(s.matchedBefore)}. `,
        h('vscode-button', { secondary: true, onclick: () => post({ type: 'applyPrefixSuggestion' }) }, `${s.kind === 'strip' ? 'Strip' : 'Add'} ${quoted(s.prefix)}`))
      : null,
    keyList(`Missing: in the model, not in the file (${count(match.missing.length)})`, 'missing',
      match.missing.map((m) => h('li', { 'data-key': m.key }, codicon('circle-slash'), ' ', h('code', {}, m.key), h('span', { class: 'muted' }, ` ${shapeText(m.shape)}`)))),
    keyList(`Unexpected: in the file, not in the model (${count(match.unexpected.length)})`, 'unexpected',
      match.unexpected.map((k) => h('li', { 'data-key': k }, codicon('warning'), ' ', h('code', {}, k)))),
    keyList(`Size mismatches (${count(match.sizeMismatches.length)})`, 'mismatches',
      match.sizeMismatches.map((m) => h('li', { 'data-key': m.key }, codicon('error'), ' ', h('code', {}, m.key),
        h('span', { class: 'muted' }, ` file ${shapeText(m.checkpoint)} · model ${shapeText(m.model)}`)))),
    match.error
      ? h('details', { class: 'error-text' }, h('summary', {}, `RuntimeError load_state_dict(strict=True) raises`), h('pre', { class: 'message' }, match.error))
      : h('div', { class: 'muted repr' }, h('code', {}, match.repr ?? '')),
    h('div', { class: 'load-status', role: 'status' }));
}
