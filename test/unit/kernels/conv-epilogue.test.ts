// conv2d's epilogue (Conv2dParams.scale and relu: an eval-mode batch-norm and ReLU folded into the convolution) on
// every kernel set and every lowering: the epilogue's result equals the plain convolution of the same set followed
// by x * scale + shift and max(x, 0) in float64, within float32 rounding.
import * as assert from 'node:assert/strict';
import type { Conv2dParams } from '../../../src/engine/kernels/types';
import { describeKernels, randomArray } from './kernel-sets';

interface Case {
  name: string; cIn: number; cOut: number; h: number; w: number; k: number; stride: number; pad: number; groups: number;
}

// One convolution per lowering of the WASM set (chooseConvAlgorithm, conv.ts): Winograd fused (few tiles) and cached
// (many), im2col, the 1x1 pointwise path, depthwise, the direct stride-2 stem and stride-2 Winograd (threads split
// channels, or tiles from 32 on). The TypeScript set runs them all.
const cases: Case[] = [
  { name: 'winograd fused 3x3', cIn: 8, cOut: 12, h: 8, w: 8, k: 3, stride: 1, pad: 1, groups: 1 },
  { name: 'winograd cached 3x3', cIn: 8, cOut: 12, h: 30, w: 29, k: 3, stride: 1, pad: 1, groups: 1 },
  { name: 'im2col 3x3 stride 2', cIn: 5, cOut: 6, h: 13, w: 13, k: 3, stride: 2, pad: 1, groups: 1 },
  { name: 'pointwise 1x1', cIn: 6, cOut: 10, h: 9, w: 9, k: 1, stride: 1, pad: 0, groups: 1 },
  { name: 'depthwise 3x3', cIn: 8, cOut: 8, h: 10, w: 11, k: 3, stride: 1, pad: 1, groups: 8 },
  { name: 'stem 7x7 stride 2', cIn: 3, cOut: 8, h: 40, w: 40, k: 7, stride: 2, pad: 3, groups: 1 },
  { name: 'winograd stride 2', cIn: 16, cOut: 12, h: 17, w: 19, k: 3, stride: 2, pad: 1, groups: 1 },
  { name: 'winograd stride 2 split by tiles', cIn: 16, cOut: 8, h: 47, w: 50, k: 3, stride: 2, pad: 1, groups: 1 },
  // The WASM kernel applies the epilogue per chunk of rows and per thread share: im2col in several row chunks
  // (more than its 1M-float column limit), threads splitting output channels (an image smaller than cOut), groups,
  // and no input channels (the output is the bias alone).
  { name: 'im2col 5x5 stride 2 in row chunks', cIn: 16, cOut: 6, h: 104, w: 104, k: 5, stride: 2, pad: 2, groups: 1 },
  { name: 'im2col split by channels', cIn: 4, cOut: 44, h: 5, w: 5, k: 3, stride: 1, pad: 1, groups: 1 },
  { name: 'grouped 3x3', cIn: 6, cOut: 8, h: 9, w: 9, k: 3, stride: 1, pad: 1, groups: 2 },
  { name: 'no input channels', cIn: 0, cOut: 5, h: 6, w: 6, k: 3, stride: 1, pad: 1, groups: 1 },
];

function params(c: Case, bias: boolean, seed: number): Conv2dParams {
  const outH = Math.floor((c.h + 2 * c.pad - c.k) / c.stride) + 1, outW = Math.floor((c.w + 2 * c.pad - c.k) / c.stride) + 1;
  const n = 2;
  return {
    n, cIn: c.cIn, h: c.h, w: c.w, cOut: c.cOut, kh: c.k, kw: c.k, groups: c.groups, strideH: c.stride, strideW: c.stride,
    padTop: c.pad, padBottom: c.pad, padLeft: c.pad, padRight: c.pad, dilationH: 1, dilationW: 1, outH, outW,
    input: randomArray(n * c.cIn * c.h * c.w, seed),
    weight: randomArray(c.cOut * (c.cIn / c.groups) * c.k * c.k, seed + 1, 0.3),
    bias: bias ? randomArray(c.cOut, seed + 2) : null,
    out: randomArray(n * c.cOut * outH * outW, seed + 3, 1e3), // garbage the kernel must overwrite
  };
}

describeKernels('conv2d epilogue (folded batch-norm and ReLU)', (kernels) => {
  for (const c of cases) {
    for (const [scaled, relu, residual] of [[true, true, false], [true, false, false], [false, true, false], [true, true, true], [false, false, true]] as const) {
      for (const bias of [true, false]) {
        const steps = `${scaled ? 'scale + shift' : bias ? 'bias' : 'no bias'}${scaled && !bias ? ' (no shift)' : ''}${residual ? ', residual' : ''}${relu ? ', relu' : ''}`;
        it(`${c.name}: ${steps}`, () => {
          const plain = params(c, false, 7);
          kernels().conv2d(plain);
          const p = params(c, bias, 7);
          const scale = scaled ? randomArray(c.cOut, 11, 2) : null;
          p.scale = scale;
          p.relu = relu;
          p.residual = residual ? randomArray(p.out.length, 13, 3) : null;
          kernels().conv2d(p);
          const plane = p.outH * p.outW;
          let relued = 0;
          for (let i = 0; i < p.out.length; i++) {
            const ch = Math.floor(i / plane) % c.cOut;
            let expected: number = plain.out[i] * (scale === null ? 1 : scale[ch]) + (p.bias === null ? 0 : p.bias[ch]) + (p.residual?.[i] ?? 0);
            if (relu && expected < 0) { expected = 0; relued++; }
            const tolerance = 1e-5 + 1e-5 * Math.abs(expected) + 1e-6 * (Math.abs(plain.out[i] * (scale?.[ch] ?? 1)) + Math.abs(p.residual?.[i] ?? 0));
            if (!(Math.abs(p.out[i] - expected) <= tolerance)) assert.fail(`out[${i}] is ${p.out[i]}, expected ${expected}`);
          }
          // (without input channels or bias the plain output is all zeros: nothing to clamp)
          if (relu && (c.cIn > 0 || bias || residual)) assert.ok(relued > p.out.length / 5, 'ReLU had negative values to clamp');
        });
      }
    }
  }

  it('ReLU keeps NaN and writes +0 for negatives', () => {
    const p = params(cases[0], true, 3);
    p.input[0] = NaN;
    p.relu = true;
    p.scale = randomArray(p.cOut, 5);
    kernels().conv2d(p);
    assert.ok(Number.isNaN(p.out[0]), 'NaN from the input reaches the output');
    assert.ok(p.out.every((v) => Number.isNaN(v) || v >= 0) && p.out.some((v) => Object.is(v, 0)));
  });
});
