import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Pool2dParams } from '../../../src/engine/kernels/types';
import { describeKernels } from './kernel-sets';

/** torch's pooling output size, including its ceil_mode rule that the last window must start inside the input or left padding. */
function outputSize(size: number, k: number, stride: number, pad: number, dilation: number, ceil: boolean): number {
  const span = size + 2 * pad - dilation * (k - 1) - 1;
  let out = (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  if (ceil && (out - 1) * stride >= size + pad) out--;
  return out;
}

interface PoolCase {
  n: number; c: number; h: number; w: number; kh: number; kw: number; strideH: number; strideW: number;
  padH: number; padW: number; dilationH: number; dilationW: number; ceil: boolean;
  countIncludePad: boolean; divisor: number | null; f64: boolean; withIndices: boolean; values: number[];
}

function makeParams(c: PoolCase, dilated: boolean): Pool2dParams | null {
  const dilationH = dilated ? c.dilationH : 1, dilationW = dilated ? c.dilationW : 1;
  // torch requires pad <= half the (dilated) kernel
  const padH = Math.min(c.padH, Math.floor(((c.kh - 1) * dilationH + 1) / 2));
  const padW = Math.min(c.padW, Math.floor(((c.kw - 1) * dilationW + 1) / 2));
  const outH = outputSize(c.h, c.kh, c.strideH, padH, dilationH, c.ceil);
  const outW = outputSize(c.w, c.kw, c.strideW, padW, dilationW, c.ceil);
  if (outH < 1 || outW < 1) return null;
  const Array = c.f64 ? Float64Array : Float32Array;
  const size = c.n * c.c * c.h * c.w;
  const input = new Array(size);
  for (let i = 0; i < size; i++) input[i] = c.values[i % c.values.length];
  return {
    n: c.n, c: c.c, h: c.h, w: c.w, kh: c.kh, kw: c.kw, strideH: c.strideH, strideW: c.strideW, padH, padW,
    dilationH, dilationW, outH, outW, countIncludePad: c.countIncludePad, divisorOverride: c.divisor,
    input, out: new Array(c.n * c.c * outH * outW).fill(12345),
    indices: c.withIndices ? new Float64Array(c.n * c.c * outH * outW).fill(-7) : null,
  };
}

/** Collects the in-bounds taps of each window, then applies max semantics: any NaN wins (last one), else first strict max. */
function referenceMax(p: Pool2dParams): { values: number[]; indices: number[] } {
  const values: number[] = [], indices: number[] = [];
  for (let plane = 0; plane < p.n * p.c; plane++) for (let oy = 0; oy < p.outH; oy++) for (let ox = 0; ox < p.outW; ox++) {
    const taps: number[] = [];
    for (let ky = 0; ky < p.kh; ky++) for (let kx = 0; kx < p.kw; kx++) {
      const iy = oy * p.strideH - p.padH + ky * p.dilationH, ix = ox * p.strideW - p.padW + kx * p.dilationW;
      if (iy >= 0 && iy < p.h && ix >= 0 && ix < p.w) taps.push(iy * p.w + ix);
    }
    const at = (t: number) => p.input[plane * p.h * p.w + t];
    if (taps.length === 0) {
      // torch 1.13 reports -inf at the first tap position at or past 0 on each axis (possibly past the input).
      let y = oy * p.strideH - p.padH, x = ox * p.strideW - p.padW;
      while (y < 0) y += p.dilationH;
      while (x < 0) x += p.dilationW;
      values.push(-Infinity);
      indices.push(y * p.w + x);
      continue;
    }
    const nans = taps.filter((t) => Number.isNaN(at(t)));
    let pick = taps[0];
    if (nans.length > 0) pick = nans[nans.length - 1];
    else for (const t of taps) if (at(t) > at(pick)) pick = t;
    values.push(at(pick));
    indices.push(pick);
  }
  return { values, indices };
}

/** torch's CPU avg_pool2d formula: clip the window to the padded input for pool_size, then to the input for the sum. */
function referenceAvg(p: Pool2dParams): number[] {
  const out: number[] = [];
  for (let plane = 0; plane < p.n * p.c; plane++) for (let oy = 0; oy < p.outH; oy++) for (let ox = 0; ox < p.outW; ox++) {
    let hStart = oy * p.strideH - p.padH, wStart = ox * p.strideW - p.padW;
    let hEnd = Math.min(hStart + p.kh, p.h + p.padH), wEnd = Math.min(wStart + p.kw, p.w + p.padW);
    const poolSize = (hEnd - hStart) * (wEnd - wStart);
    hStart = Math.max(hStart, 0); wStart = Math.max(wStart, 0);
    hEnd = Math.min(hEnd, p.h); wEnd = Math.min(wEnd, p.w);
    if (hStart >= hEnd || wStart >= wEnd) { out.push(0); continue; }
    let sum = 0;
    for (let y = hStart; y < hEnd; y++) for (let x = wStart; x < wEnd; x++) sum += p.input[plane * p.h * p.w + y * p.w + x];
    const divisor = p.divisorOverride ?? (p.countIncludePad ? poolSize : (hEnd - hStart) * (wEnd - wStart));
    out.push(sum / divisor);
  }
  return out;
}

const small = (min: number, max: number) => fc.integer({ min, max });
const special = fc.constantFrom(NaN, -Infinity, Infinity, 0, -0, 1, 1, 2, 2, -3);
const poolCase = fc.record({
  n: small(1, 2), c: small(1, 3), h: small(1, 9), w: small(1, 9), kh: small(1, 4), kw: small(1, 4),
  strideH: small(1, 3), strideW: small(1, 3), padH: small(0, 2), padW: small(0, 2), dilationH: small(1, 3), dilationW: small(1, 3),
  ceil: fc.boolean(), countIncludePad: fc.boolean(), divisor: fc.option(small(1, 7), { freq: 4 }),
  f64: fc.boolean(), withIndices: fc.boolean(),
  values: fc.array(fc.oneof({ weight: 6, arbitrary: fc.double({ min: -5, max: 5, noNaN: true }) }, { weight: 1, arbitrary: special }), { minLength: 1, maxLength: 40 }),
});

function sameNumber(actual: number, expected: number, f64: boolean): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  if (!Number.isFinite(expected)) return actual === expected;
  return Math.abs(actual - expected) <= (f64 ? 1e-12 : 1e-5) + (f64 ? 1e-12 : 1e-4) * Math.abs(expected);
}

describeKernels('maxPool2d', (kernels) => {
  it('matches window enumeration with -inf padding, dilation, ceil-mode sizes, NaN and ties', () => {
    fc.assert(fc.property(poolCase, (c) => {
      const p = makeParams(c, true);
      if (p === null) return;
      const expected = referenceMax(p);
      kernels().maxPool2d(p);
      expected.values.forEach((e, i) => assert.ok(sameNumber(p.out[i], e, c.f64), `value ${i}: ${p.out[i]} vs ${e}`));
      if (p.indices) assert.deepEqual(Array.from(p.indices), expected.indices);
    }), { numRuns: 400 });
  });

  it('matches on wider planes, where whole vectors of outputs lie inside the input', () => {
    const wide = fc.record({ c: poolCase, h: small(8, 24), w: small(8, 40), stride: small(1, 3), k: small(1, 5) });
    fc.assert(fc.property(wide, ({ c, h, w, stride, k }) => {
      const p = makeParams({ ...c, h, w, kh: k, kw: k, strideH: stride, strideW: stride, withIndices: false }, true);
      if (p === null) return;
      const expected = referenceMax(p);
      kernels().maxPool2d(p);
      expected.values.forEach((e, i) => assert.ok(sameNumber(p.out[i], e, c.f64), `value ${i}: ${p.out[i]} vs ${e}`));
    }), { numRuns: 100 });
  });

  it('keeps -0 before +0 and matches on larger planes (ResNet 3x3 stride 2; odd sizes; stride 1; dilation)', () => {
    let seed = 7;
    const next = () => { seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0; return seed / 4294967296; };
    const cases: [number, number, number, number, number, number, number][] = [
      // c, h, w, k, stride, pad, dilation
      [64, 112, 112, 3, 2, 1, 1], [5, 23, 37, 3, 2, 1, 1], [3, 17, 30, 3, 1, 1, 1], [4, 19, 21, 5, 2, 2, 1], [2, 20, 25, 3, 2, 1, 2],
    ];
    for (const [c, h, w, k, stride, pad, dilation] of cases) {
      const outH = outputSize(h, k, stride, pad, dilation, false), outW = outputSize(w, k, stride, pad, dilation, false);
      const input = Float32Array.from({ length: 2 * c * h * w }, () => {
        const r = next();
        return r < 0.3 ? -0 : r < 0.6 ? 0 : r < 0.601 ? NaN : Math.fround(r - 0.95);
      });
      const p: Pool2dParams = {
        n: 2, c, h, w, kh: k, kw: k, strideH: stride, strideW: stride, padH: pad, padW: pad, dilationH: dilation, dilationW: dilation,
        outH, outW, countIncludePad: true, divisorOverride: null, input, out: new Float32Array(2 * c * outH * outW).fill(9), indices: null,
      };
      const expected = referenceMax(p).values;
      kernels().maxPool2d(p);
      expected.forEach((e, i) => assert.ok(Object.is(p.out[i], e) || (Number.isNaN(e) && Number.isNaN(p.out[i])),
        `${JSON.stringify([c, h, w, k, stride, pad, dilation])} value ${i}: ${p.out[i]} vs ${e}`));
    }
  });

  it('reports torch-checked indices for NaN and all -inf windows', () => {
    const run = (values: number[], k: number, pad: number, outW: number) => {
      const p: Pool2dParams = {
        n: 1, c: 1, h: 1, w: values.length, kh: 1, kw: k, strideH: 1, strideW: 1, padH: 0, padW: pad, dilationH: 1, dilationW: 1,
        outH: 1, outW, countIncludePad: true, divisorOverride: null, input: Float32Array.from(values),
        out: new Float32Array(outW), indices: new Float64Array(outW),
      };
      kernels().maxPool2d(p);
      return [Array.from(p.out), Array.from(p.indices!)];
    };
    // torch 1.13: max_pool2d([1, nan, 3, nan, 0], (1, 5), return_indices=True) -> nan at 3
    assert.deepEqual(run([1, NaN, 3, NaN, 0], 5, 0, 1), [[NaN], [3]]);
    // torch 1.13: all -inf, kernel (1, 3), padding (0, 1) -> indices [0, 0, 1]
    assert.deepEqual(run([-Infinity, -Infinity, -Infinity], 3, 1, 3), [[-Infinity, -Infinity, -Infinity], [0, 0, 1]]);
    // torch 1.13: a dilated window with no tap inside: input [[5]], kernel (2, 1), padding (1, 0), dilation (2, 1) -> -inf at 1
    const p: Pool2dParams = {
      n: 1, c: 1, h: 1, w: 1, kh: 2, kw: 1, strideH: 1, strideW: 1, padH: 1, padW: 0, dilationH: 2, dilationW: 1,
      outH: 1, outW: 1, countIncludePad: true, divisorOverride: null, input: new Float32Array([5]),
      out: new Float32Array(1), indices: new Float64Array(1),
    };
    kernels().maxPool2d(p);
    assert.deepEqual([p.out[0], p.indices![0]], [-Infinity, 1]);
  });
});

describeKernels('avgPool2d', (kernels) => {
  it("matches torch's divisor rules (count_include_pad, divisor_override, ceil-mode windows past the padding)", () => {
    fc.assert(fc.property(poolCase, (c) => {
      const p = makeParams({ ...c, values: c.values.map((v) => (Number.isFinite(v) ? v : 1.5)) }, false);
      if (p === null) return;
      const expected = referenceAvg(p);
      kernels().avgPool2d(p);
      expected.forEach((e, i) => assert.ok(sameNumber(p.out[i], e, c.f64), `${JSON.stringify(c)} element ${i}: ${p.out[i]} vs ${e}`));
    }), { numRuns: 400 });
  });

  it('reproduces torch 1.13 outputs for ceil_mode windows', () => {
    const run = (h: number, k: number, stride: number, pad: number, countIncludePad: boolean, outSize: number, input: Float32Array) => {
      const p: Pool2dParams = {
        n: 1, c: 1, h, w: h, kh: k, kw: k, strideH: stride, strideW: stride, padH: pad, padW: pad, dilationH: 1, dilationW: 1,
        outH: outSize, outW: outSize, countIncludePad, divisorOverride: null, input, out: new Float32Array(outSize * outSize),
      };
      kernels().avgPool2d(p);
      return Array.from(p.out, (v) => Math.round(v * 1e4) / 1e4);
    };
    const ramp = Float32Array.from({ length: 25 }, (_, i) => i);
    // avg_pool2d(arange(25).reshape(1,1,5,5), 3, stride=2, padding=1, ceil_mode=True, count_include_pad=...)
    assert.deepEqual(run(5, 3, 2, 1, true, 3, ramp), [1.3333, 3, 2.6667, 7, 12, 9, 8, 13, 9.3333]);
    assert.deepEqual(run(5, 3, 2, 1, false, 3, ramp), [3, 4.5, 6, 10.5, 12, 13.5, 18, 19.5, 21]);
    // avg_pool2d(ones(1,1,4,4), 2, stride=3, padding=1, ceil_mode=True) -> [[0.25, 0.5], [0.5, 1]]
    assert.deepEqual(run(4, 2, 3, 1, true, 2, new Float32Array(16).fill(1)), [0.25, 0.5, 0.5, 1]);
  });
});
