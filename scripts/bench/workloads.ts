// The benchmark workloads, shared by the engine benchmark: each builds its inputs once and returns a run function.
import { torch } from '../../src/engine';

export interface Workload { name: string; run: () => unknown; minRuns: number; flops?: number; extra?: () => object }

export function* engineWorkloads(): Generator<Workload> {
  for (const n of [512, 1024]) {
    const a = torch.randn(n, n), b = torch.randn(n, n);
    yield { name: `gemm_${n}`, run: () => torch.mm(a, b), minRuns: n === 512 ? 10 : 3, flops: 2 * n ** 3 };
  }
}
