// The summary of a forward pass in the style of torchinfo: one row per module in named_modules() order,
// indented by depth, with output shape, parameter count and mult-adds, then totals. Plain data and text.
import type { ModelFacts, ModuleFact } from './model-facts';
import { numel, shapeText } from './model-facts';
import type { ForwardRun } from './model-store';

export interface SummaryRow {
  name: string;
  /** `├─Conv2d: 2-1` as torchinfo labels rows: type, depth, index among siblings */
  layer: string;
  depth: number;
  type: string;
  outputShape: number[] | null | undefined;
  params: number;
  multAdds: number;
  ms?: number;
}

export interface ForwardSummary {
  entry: string;
  input: string;
  rows: SummaryRow[];
  totalParams: number;
  trainableParams: number;
  totalMultAdds: number;
  ms: number;
}

/**
 * Mult-adds of one module from its own parameters and output shape, counted as torchinfo counts them:
 * convolutions multiply each weight by every output position (batch and spatial, not channels); other layers by
 * the batch size; recurrent weights (`weight_ih_l0`, ...) by batch x sequence length.
 */
export function multAdds(m: ModuleFact, out: readonly number[] | null | undefined): number {
  if (!out || !out.length) return 0;
  let total = 0;
  for (const p of m.params) {
    const local = p.name.slice(p.name.lastIndexOf('.') + 1);
    const n = numel(p.shape);
    if (local === 'weight' || local === 'bias') {
      total += m.type.includes('Conv') ? n * out[0] * numel(out.slice(2)) : n * out[0];
    } else if (local.includes('weight') || local.includes('bias')) {
      total += n * out[0] * (out[1] ?? 1);
    }
  }
  return total;
}

export function buildSummary(entry: string, facts: ModelFacts, run: ForwardRun): ForwardSummary {
  const rows: SummaryRow[] = [];
  const depthOf = (m: ModuleFact) => (m.name === '' ? 0 : m.name.split('.').length);
  const isLast = (m: ModuleFact) => m.parent === undefined || facts.module(m.parent)!.children.at(-1) === m.name;
  // torchinfo's drawing: ├─ before a child with later siblings, └─ before the last; │ continues an open branch
  const branch = (m: ModuleFact): string => {
    let lead = '';
    for (let a = m.parent === undefined ? undefined : facts.module(m.parent); a && a.parent !== undefined; a = facts.module(a.parent)) {
      lead = (isLast(a) ? '  ' : '│ ') + lead;
    }
    return `${lead}${isLast(m) ? '└─' : '├─'}`;
  };
  for (const m of facts.modules) {
    const depth = depthOf(m);
    const index = m.parent === undefined ? 1 : facts.module(m.parent)!.children.indexOf(m.name) + 1;
    const out = run.shapes.get(m.name);
    rows.push({
      // a container shows its own parameters only ('--' when none), as torchinfo does
      name: m.name, depth, type: m.type, outputShape: out, params: m.ownParams,
      layer: depth === 0 ? m.type : `${branch(m)}${m.type}: ${depth}-${index}`,
      multAdds: multAdds(m, out), ms: run.ms.get(m.name),
    });
  }
  return {
    entry, input: run.inputLabel, rows,
    totalParams: facts.answer.totalParams, trainableParams: facts.answer.trainableParams,
    totalMultAdds: rows.reduce((n, r) => n + r.multAdds, 0), ms: run.answer.ms,
  };
}

const count = (n: number) => n.toLocaleString('en-US');

export function summaryMarkdown(s: ForwardSummary): string {
  const esc = (t: string) => t.replace(/\|/g, '\\|');
  const lines = [
    `**${s.entry}** · forward with input ${s.input} · ${s.ms.toFixed(1)} ms`, '',
    '| Layer (type:depth-idx) | Output Shape | Param # | Mult-Adds |',
    '|---|---|---:|---:|',
    ...s.rows.map((r) => `| ${esc(r.layer)}${r.name ? ` (\`${r.name}\`)` : ''} | ${r.outputShape === undefined ? '--' : shapeText(r.outputShape)} | ` +
      `${r.params ? count(r.params) : '--'} | ${r.multAdds ? count(r.multAdds) : '--'} |`),
    '',
    `Total params: ${count(s.totalParams)}  `,
    `Trainable params: ${count(s.trainableParams)}  `,
    `Non-trainable params: ${count(s.totalParams - s.trainableParams)}  `,
    `Total mult-adds: ${count(s.totalMultAdds)}`,
  ];
  return lines.join('\n');
}
