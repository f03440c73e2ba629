import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Conv2dParams, ConvTranspose2dParams, Kernels } from '../../../src/engine/kernels/types';
import { describeKernels } from './kernel-sets';

type FloatArray = Float32Array | Float64Array;

function randomArray(f64: boolean, size: number, seed: number): FloatArray {
  const out = f64 ? new Float64Array(size) : new Float32Array(size);
  let s = seed >>> 0;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 4294967296) * 2 - 1;
  }
  return out;
}

/**
 * slack[i], when given, widens element i's tolerance by 4u*sqrt(taps)*sum|x*w|: a few times the typical rounding of a
 * float32 accumulation (the WASM kernels accumulate in float32, like PyTorch's), which can exceed atol where terms cancel.
 */
function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, f64: boolean, what: string, slack?: ArrayLike<number>): void {
  const rtol = f64 ? 1e-10 : 1e-4, atol = f64 ? 1e-12 : 1e-5;
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= atol + rtol * Math.abs(expected[i]) + (f64 ? 0 : (slack?.[i] ?? 0)))) {
      assert.fail(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

/** Direct 7-deep loop, in float64; `slack` receives each output's float32 rounding allowance (see assertClose). */
function referenceConv2d(p: Conv2dParams, slack: Float64Array): Float64Array {
  const out = new Float64Array(p.n * p.cOut * p.outH * p.outW);
  const taps = (p.cIn / p.groups) * p.kh * p.kw;
  const cInG = p.cIn / p.groups, cOutG = p.cOut / p.groups;
  for (let b = 0; b < p.n; b++) for (let oc = 0; oc < p.cOut; oc++) {
    const g = Math.floor(oc / cOutG);
    for (let oy = 0; oy < p.outH; oy++) for (let ox = 0; ox < p.outW; ox++) {
      let sum = p.bias ? p.bias[oc] : 0, absSum = Math.abs(sum);
      for (let ci = 0; ci < cInG; ci++) for (let ky = 0; ky < p.kh; ky++) for (let kx = 0; kx < p.kw; kx++) {
        const iy = oy * p.strideH - p.padTop + ky * p.dilationH;
        const ix = ox * p.strideW - p.padLeft + kx * p.dilationW;
        if (iy < 0 || iy >= p.h || ix < 0 || ix >= p.w) continue;
        const c = g * cInG + ci;
        const product = p.input[((b * p.cIn + c) * p.h + iy) * p.w + ix] * p.weight[((oc * cInG + ci) * p.kh + ky) * p.kw + kx];
        sum += product;
        absSum += Math.abs(product);
      }
      out[((b * p.cOut + oc) * p.outH + oy) * p.outW + ox] = sum;
      slack[((b * p.cOut + oc) * p.outH + oy) * p.outW + ox] = 2 ** -22 * Math.sqrt(taps + 1) * absSum;
    }
  }
  return out;
}

/** Scatters every input element through every kernel tap, in float64. */
function referenceConvTranspose2d(p: ConvTranspose2dParams): Float64Array {
  const out = new Float64Array(p.n * p.cOut * p.outH * p.outW);
  const cInG = p.cIn / p.groups, cOutG = p.cOut / p.groups;
  for (let b = 0; b < p.n; b++) for (let oc = 0; oc < p.cOut; oc++) {
    for (let i = 0; i < p.outH * p.outW; i++) out[(b * p.cOut + oc) * p.outH * p.outW + i] = p.bias ? p.bias[oc] : 0;
  }
  for (let b = 0; b < p.n; b++) for (let ci = 0; ci < p.cIn; ci++) {
    const g = Math.floor(ci / cInG);
    for (let iy = 0; iy < p.h; iy++) for (let ix = 0; ix < p.w; ix++) {
      const x = p.input[((b * p.cIn + ci) * p.h + iy) * p.w + ix];
      for (let ocg = 0; ocg < cOutG; ocg++) for (let ky = 0; ky < p.kh; ky++) for (let kx = 0; kx < p.kw; kx++) {
        const oy = iy * p.strideH - p.padH + ky * p.dilationH;
        const ox = ix * p.strideW - p.padW + kx * p.dilationW;
        if (oy < 0 || oy >= p.outH || ox < 0 || ox >= p.outW) continue;
        const oc = g * cOutG + ocg;
        out[((b * p.cOut + oc) * p.outH + oy) * p.outW + ox] += x * p.weight[((ci * cOutG + ocg) * p.kh + ky) * p.kw + kx];
      }
    }
  }
  return out;
}

interface ConvCase {
  n: number; groups: number; cInG: number; cOutG: number; h: number; w: number; kh: number; kw: number;
  strideH: number; strideW: number; padTop: number; padLeft: number; padBottom: number; padRight: number;
  dilationH: number; dilationW: number; bias: boolean; f64: boolean; seed: number;
}

function convParams(c: ConvCase): Conv2dParams | null {
  const outH = Math.floor((c.h + c.padTop + c.padBottom - c.dilationH * (c.kh - 1) - 1) / c.strideH) + 1;
  const outW = Math.floor((c.w + c.padLeft + c.padRight - c.dilationW * (c.kw - 1) - 1) / c.strideW) + 1;
  if (outH < 1 || outW < 1) return null;
  const cIn = c.cInG * c.groups, cOut = c.cOutG * c.groups;
  return {
    n: c.n, cIn, h: c.h, w: c.w, cOut, kh: c.kh, kw: c.kw, groups: c.groups,
    strideH: c.strideH, strideW: c.strideW, padTop: c.padTop, padLeft: c.padLeft, padBottom: c.padBottom, padRight: c.padRight,
    dilationH: c.dilationH, dilationW: c.dilationW, outH, outW,
    input: randomArray(c.f64, c.n * cIn * c.h * c.w, c.seed),
    weight: randomArray(c.f64, cOut * c.cInG * c.kh * c.kw, c.seed + 1),
    bias: c.bias ? randomArray(c.f64, cOut, c.seed + 2) : null,
    out: randomArray(c.f64, c.n * cOut * outH * outW, c.seed + 3), // garbage the kernel must overwrite
  };
}

function checkConv(c: ConvCase, kernels: Kernels): void {
  const p = convParams(c);
  if (p === null) return;
  const slack = new Float64Array(p.out.length);
  const expected = referenceConv2d(p, slack);
  kernels.conv2d(p);
  assertClose(p.out, expected, c.f64, JSON.stringify(c), slack);
}

const small = (min: number, max: number) => fc.integer({ min, max });
const convCase = fc.record({
  n: small(1, 2), groups: fc.constantFrom(1, 1, 2, 3), cInG: small(1, 3), cOutG: small(1, 3),
  h: small(1, 9), w: small(1, 9), kh: small(1, 4), kw: small(1, 4),
  strideH: small(1, 3), strideW: small(1, 3),
  padTop: small(0, 2), padLeft: small(0, 2), padBottom: small(0, 2), padRight: small(0, 2),
  dilationH: small(1, 2), dilationW: small(1, 2), bias: fc.boolean(), f64: fc.boolean(), seed: fc.nat(),
});

describeKernels('conv2d', (kernels) => {
  it('matches direct loops over groups, strides, asymmetric padding and dilation', () => {
    fc.assert(fc.property(convCase, (c) => checkConv(c, kernels())), { numRuns: 250 });
  });

  it('matches for depthwise convolutions (groups == cIn, channel multiplier)', () => {
    fc.assert(fc.property(convCase, small(2, 5), (c, groups) => checkConv({ ...c, groups, cInG: 1 }, kernels())), { numRuns: 100 });
  });

  it('matches for 1x1 stride-1 unpadded convolutions (input used as the GEMM operand)', () => {
    const arb = fc.record({ c: convCase, cInG: small(1, 9), cOutG: small(1, 9), h: small(1, 12), w: small(1, 12) });
    fc.assert(fc.property(arb, ({ c, cInG, cOutG, h, w }) => checkConv({
      ...c, cInG, cOutG, h, w, kh: 1, kw: 1, strideH: 1, strideW: 1, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0,
    }, kernels())), { numRuns: 60 });
  });

  it('matches when the column matrix is split into row chunks, and for larger channel counts', () => {
    const base = { n: 1, groups: 1, strideH: 1, strideW: 1, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1, dilationH: 1, dilationW: 1, bias: true, seed: 5 };
    checkConv({ ...base, cInG: 64, cOutG: 4, h: 66, w: 64, kh: 3, kw: 3, f64: false }, kernels()); // depth 576 x 66 rows > 2^20
    checkConv({ ...base, cInG: 16, cOutG: 70, h: 9, w: 11, kh: 3, kw: 3, f64: true, groups: 2 }, kernels());
    // More output channels than output pixels (threads split channels here, not rows), with and without bias.
    checkConv({ ...base, cInG: 16, cOutG: 70, h: 5, w: 6, kh: 3, kw: 3, f64: false }, kernels());
    checkConv({ ...base, cInG: 8, cOutG: 37, h: 4, w: 4, kh: 3, kw: 3, strideH: 2, strideW: 2, bias: false, f64: false }, kernels());
    checkConv({ ...base, cInG: 3, cOutG: 8, h: 23, w: 23, kh: 7, kw: 7, strideH: 2, strideW: 2, padTop: 3, padLeft: 3, padBottom: 3, padRight: 3, f64: false }, kernels());
  });

  it('matches for stride-2 stems of at most 4 input channels (direct kernel: deinterleaved rows, 4x8 tiles)', () => {
    // outW >= 8 with ragged last tiles, cOut not a multiple of 4, row chunks of 8 split across threads, any strideH.
    const arb = fc.record({
      c: convCase, cInG: small(1, 4), cOutG: small(1, 9), h: small(1, 30), w: small(13, 41), kh: small(1, 7), kw: small(2, 7),
      strideH: small(1, 3), padTop: small(0, 3), padLeft: small(0, 3), padBottom: small(0, 3), padRight: small(0, 3),
    });
    fc.assert(fc.property(arb, ({ c, ...shape }) => checkConv({
      ...c, ...shape, groups: 1, strideW: 2, dilationH: 1, dilationW: 1, f64: false,
    }, kernels())), { numRuns: 80 });
    const base = { groups: 1, strideH: 2, strideW: 2, dilationH: 1, dilationW: 1, f64: false, seed: 9 };
    // ResNet's stem shape at a smaller size, batch 2 with bias; odd width and more left padding than the window needs.
    checkConv({ ...base, n: 2, cInG: 3, cOutG: 13, h: 37, w: 35, kh: 7, kw: 7, padTop: 3, padLeft: 3, padBottom: 3, padRight: 3, bias: true }, kernels());
    checkConv({ ...base, n: 1, cInG: 4, cOutG: 5, h: 17, w: 26, kh: 3, kw: 4, padTop: 0, padLeft: 5, padBottom: 2, padRight: 0, bias: false }, kernels());
  });

  it('matches for 3x3 stride-2 convolutions of 16+ input channels (WASM: Winograd F(4, 2) on even inputs, tiles or channels per thread)', () => {
    // Ragged last tiles (odd output sizes), padding 0-2, batches, cOut not a multiple of 8; from 32 tiles threads
    // split tiles (ranges starting mid-row), below they split output channels.
    const arb = fc.record({
      c: convCase, cInG: small(16, 20), cOutG: small(1, 13), h: small(7, 40), w: small(7, 40), padTop: small(0, 2), padLeft: small(0, 2),
    });
    fc.assert(fc.property(arb, ({ c, ...shape }) => checkConv({
      ...c, ...shape, groups: 1, kh: 3, kw: 3, strideH: 2, strideW: 2, dilationH: 1, dilationW: 1, f64: false,
    }, kernels())), { numRuns: 40 });
    const base = { groups: 1, kh: 3, kw: 3, strideH: 2, strideW: 2, dilationH: 1, dilationW: 1, f64: false, seed: 13, bias: true };
    // ResNet's downsampling shapes, scaled down: 49 tiles (split by tiles) and 16 (by channels).
    checkConv({ ...base, n: 1, cInG: 32, cOutG: 24, h: 56, w: 56, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1 }, kernels());
    checkConv({ ...base, n: 2, cInG: 48, cOutG: 40, h: 28, w: 28, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1 }, kernels());
  });

  it('matches for 3x3 depthwise convolutions (unrolled interior) with stride, dilation and uneven padding', () => {
    const arb = fc.record({
      c: convCase, groups: small(2, 6), cOutG: small(1, 2), h: small(3, 20), w: small(3, 20),
    });
    fc.assert(fc.property(arb, ({ c, groups, cOutG, h, w }) => checkConv({ ...c, groups, cInG: 1, cOutG, h, w, kh: 3, kw: 3 }, kernels())), { numRuns: 80 });
  });
});

interface TransposeCase {
  n: number; groups: number; cInG: number; cOutG: number; h: number; w: number; kh: number; kw: number;
  strideH: number; strideW: number; padH: number; padW: number; dilationH: number; dilationW: number;
  outPadH: number; outPadW: number; bias: boolean; f64: boolean; seed: number;
}

function checkTranspose(c: TransposeCase, kernels: Kernels): void {
  // The op sizes the output (including output_padding, which must be < max(stride, dilation)).
  const outPadH = c.outPadH % Math.max(c.strideH, c.dilationH), outPadW = c.outPadW % Math.max(c.strideW, c.dilationW);
  const outH = (c.h - 1) * c.strideH - 2 * c.padH + c.dilationH * (c.kh - 1) + outPadH + 1;
  const outW = (c.w - 1) * c.strideW - 2 * c.padW + c.dilationW * (c.kw - 1) + outPadW + 1;
  if (outH < 1 || outW < 1) return;
  const cIn = c.cInG * c.groups, cOut = c.cOutG * c.groups;
  const p: ConvTranspose2dParams = {
    n: c.n, cIn, h: c.h, w: c.w, cOut, kh: c.kh, kw: c.kw, groups: c.groups,
    strideH: c.strideH, strideW: c.strideW, padH: c.padH, padW: c.padW, dilationH: c.dilationH, dilationW: c.dilationW, outH, outW,
    input: randomArray(c.f64, c.n * cIn * c.h * c.w, c.seed),
    weight: randomArray(c.f64, cIn * c.cOutG * c.kh * c.kw, c.seed + 1),
    bias: c.bias ? randomArray(c.f64, cOut, c.seed + 2) : null,
    out: randomArray(c.f64, c.n * cOut * outH * outW, c.seed + 3),
  };
  const expected = referenceConvTranspose2d(p);
  kernels.convTranspose2d(p);
  assertClose(p.out, expected, c.f64, JSON.stringify(c));
}

const transposeCase = fc.record({
  n: small(1, 2), groups: fc.constantFrom(1, 1, 2, 3), cInG: small(1, 3), cOutG: small(1, 3),
  h: small(1, 7), w: small(1, 7), kh: small(1, 4), kw: small(1, 4),
  strideH: small(1, 3), strideW: small(1, 3), padH: small(0, 2), padW: small(0, 2),
  dilationH: small(1, 2), dilationW: small(1, 2), outPadH: small(0, 2), outPadW: small(0, 2),
  bias: fc.boolean(), f64: fc.boolean(), seed: fc.nat(),
});

describeKernels('convTranspose2d', (kernels) => {
  it('matches scattering loops over groups, strides, padding, dilation and output padding', () => {
    fc.assert(fc.property(transposeCase, (c) => checkTranspose(c, kernels())), { numRuns: 250 });
  });

  it('matches when the column matrix is split into input-row chunks', () => {
    checkTranspose({
      n: 1, groups: 1, cInG: 3, cOutG: 4, h: 300, w: 200, kh: 3, kw: 3, strideH: 2, strideW: 1, padH: 1, padW: 1,
      dilationH: 1, dilationW: 1, outPadH: 1, outPadW: 0, bias: true, f64: false, seed: 9,
    }, kernels());
  });
});
