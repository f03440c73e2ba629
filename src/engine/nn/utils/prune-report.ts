// How much of a model is zero: per tensor as forward uses it (a pruned `weight` is mask * orig) and overall.
import { Tensor } from '../../tensor';
import { Module } from '../module';

export interface SparsityRow {
  /** dotted name as the model uses it: `fc.weight` also when pruned (stored as `fc.weight_orig`) */
  readonly name: string;
  readonly zeros: number;
  readonly total: number;
  /** zeros / total (0 for empty tensors) */
  readonly sparsity: number;
  /** has a `_mask` buffer, i.e. is reparametrized by torch.nn.utils.prune */
  readonly pruned: boolean;
}

export interface SparsityReport {
  readonly rows: readonly SparsityRow[];
  readonly zeros: number;
  readonly total: number;
  readonly sparsity: number;
}

const zerosOf = (t: Tensor): number => t.eq(0).sum().item() as number;

/** Rows in named_parameters order; a parameter shared by several modules is counted once. */
export function sparsityReport(model: Module): SparsityReport {
  const rows: SparsityRow[] = [];
  const seen = new Set<Tensor>();
  for (const [path, m] of model.named_modules()) {
    for (const [pname, p] of m._parameters) {
      if (p === null || seen.has(p)) continue;
      seen.add(p);
      const base = pname.endsWith('_orig') ? pname.slice(0, -5) : null;
      const mask = base !== null ? m._buffers.get(base + '_mask') : undefined;
      const name = mask ? (base as string) : pname;
      // the hook's formula, recomputed so a changed _orig is reflected before the next forward
      const effective = mask ? mask.type(p.dtype).mul(p) : p;
      const zeros = zerosOf(effective), total = effective.numel();
      rows.push({ name: path ? `${path}.${name}` : name, zeros, total, sparsity: total ? zeros / total : 0, pruned: !!mask });
    }
  }
  const zeros = rows.reduce((s, r) => s + r.zeros, 0), total = rows.reduce((s, r) => s + r.total, 0);
  return { rows, zeros, total, sparsity: total ? zeros / total : 0 };
}

/** The report as aligned text lines, e.g. for the CLI. */
export function formatSparsity(report: SparsityReport): string {
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  const width = Math.max(7, ...report.rows.map((r) => r.name.length));
  const lines = report.rows.map((r) => `${r.name.padEnd(width)}  ${String(r.zeros).padStart(10)} / ${String(r.total).padEnd(10)} ${pct(r.sparsity).padStart(7)}${r.pruned ? '  (pruned)' : ''}`);
  lines.push(`${'overall'.padEnd(width)}  ${String(report.zeros).padStart(10)} / ${String(report.total).padEnd(10)} ${pct(report.sparsity).padStart(7)}`);
  return lines.join('\n');
}
