// Numbers for people: counts with separators, byte sizes, statistics with a sensible number of digits.
export const count = (n: number): string => n.toLocaleString('en-US');

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)} ${units[i]}`;
}

/** Six significant digits, no trailing zeros, exponent only for very large or small magnitudes. */
export function stat(v: number | undefined): string {
  if (v === undefined) return '–';
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (v === 0) return '0';
  const abs = Math.abs(v);
  if (abs >= 1e6 || abs < 1e-4) return v.toExponential(4).replace(/\.?0+e/, 'e');
  return String(Number(v.toPrecision(6)));
}

export const shapeText = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

export function percent(fraction: number): string {
  if (fraction === 0) return '0 %';
  if (fraction < 0.0001) return '< 0.01 %';
  return `${(fraction * 100).toFixed(2)} %`;
}
