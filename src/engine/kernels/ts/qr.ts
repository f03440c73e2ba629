// Reduced QR of a small dense matrix for init.orthogonal_: Householder reflections over a Float64Array.
// Q's columns are signed so that diag(R) >= 0, which is the unique factor torch's orthogonal_ arrives at
// after `q *= sign(diag(r))`.
import type { NumArray } from '../../dtype';

/**
 * out (rows x cols, row-major) = scale * Q of `a` (rows x cols, row-major) when rows >= cols; otherwise
 * scale * (Q of aᵀ)ᵀ, as torch's orthogonal_ factors the transpose of a wide matrix.
 */
export function orthogonal(a: Float64Array, rows: number, cols: number, scale: number, out: NumArray): void {
  if (rows >= cols) {
    const q = orthonormalColumns(a, rows, cols);
    for (let i = 0; i < q.length; i++) out[i] = q[i] * scale;
    return;
  }
  const tr = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) tr[j * rows + i] = a[i * cols + j];
  const q = orthonormalColumns(tr, cols, rows);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = q[j * rows + i] * scale;
}

/** a: m x n row-major with m >= n. Returns Q (m x n, row-major) with Q[:, k] scaled by sign(R[k, k]). */
function orthonormalColumns(a: Float64Array, m: number, n: number): Float64Array {
  const r = Float64Array.from(a);
  const vs: Float64Array[] = [];
  const diag = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let norm = 0;
    for (let i = k; i < m; i++) norm += r[i * n + k] * r[i * n + k];
    norm = Math.sqrt(norm);
    const v = new Float64Array(m - k);
    if (norm === 0) { vs.push(v); diag[k] = 0; continue; }
    const x0 = r[k * n + k];
    const alpha = x0 > 0 ? -norm : norm;
    for (let i = k; i < m; i++) v[i - k] = r[i * n + k];
    v[0] -= alpha;
    let vnorm = 0;
    for (let i = 0; i < v.length; i++) vnorm += v[i] * v[i];
    vnorm = Math.sqrt(vnorm);
    if (vnorm > 0) for (let i = 0; i < v.length; i++) v[i] /= vnorm;
    // r[k:, k:] -= 2 v (v^T r[k:, k:])
    for (let j = k; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i - k] * r[i * n + j];
      for (let i = k; i < m; i++) r[i * n + j] -= 2 * v[i - k] * dot;
    }
    vs.push(v);
    diag[k] = r[k * n + k];
  }
  // Q = H_0 ... H_{n-1} I[:, :n], applied right to left
  const q = new Float64Array(m * n);
  for (let k = 0; k < n; k++) q[k * n + k] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k];
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i - k] * q[i * n + j];
      if (dot !== 0) for (let i = k; i < m; i++) q[i * n + j] -= 2 * v[i - k] * dot;
    }
  }
  for (let j = 0; j < n; j++) {
    const s = Math.sign(diag[j]);
    for (let i = 0; i < m; i++) q[i * n + j] *= s;
  }
  return q;
}
