// Theme colours for canvases, read from VS Code's CSS variables, and a redraw hook for theme switches.
export type Rgb = [number, number, number];

const probe = document.createElement('canvas').getContext('2d') as CanvasRenderingContext2D;

/** Any CSS colour as RGB (the canvas normalises it); `fallback` when the variable is unset. */
export function cssColor(variable: string, fallback: string): Rgb {
  const value = getComputedStyle(document.body).getPropertyValue(variable).trim() || fallback;
  probe.fillStyle = fallback;
  probe.fillStyle = value;
  const normalised = String(probe.fillStyle);
  if (normalised.startsWith('#')) {
    const n = parseInt(normalised.slice(1), 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }
  const parts = normalised.match(/[\d.]+/g)?.map(Number) ?? [0, 0, 0];
  return [parts[0], parts[1], parts[2]];
}

export const rgb = (c: Rgb, alpha = 1): string => `rgba(${c[0]}, ${c[1]}, ${c[2]}, ${alpha})`;

export function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

/** The diverging heatmap palette: zero is the editor background, so it reads the same in light and dark. */
export function heatmapPalette(): { negative: Rgb; zero: Rgb; positive: Rgb; nan: Rgb } {
  return {
    negative: cssColor('--vscode-charts-blue', '#3794ff'),
    zero: cssColor('--vscode-editor-background', '#1e1e1e'),
    positive: cssColor('--vscode-charts-red', '#f14c4c'),
    nan: cssColor('--vscode-charts-yellow', '#cca700'),
  };
}

export function fontFamily(): string {
  return getComputedStyle(document.body).getPropertyValue('--vscode-font-family').trim() || 'sans-serif';
}

/** Calls `redraw` when VS Code switches the theme (it rewrites the body's class and style). */
export function onThemeChange(redraw: () => void): void {
  new MutationObserver(redraw).observe(document.body, { attributes: true, attributeFilter: ['class', 'style'] });
}

/** A canvas sized in CSS pixels and backed at the device's pixel ratio. */
export function sizeCanvas(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.max(1, Math.round(width * ratio));
  canvas.height = Math.max(1, Math.round(height * ratio));
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return ctx;
}
