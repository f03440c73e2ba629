// The TypeScript kernel set: every Kernels method, each a pure function over typed arrays.
import type { Kernels } from '../types';
import { copy, fillRange, unary, binary, where } from './elementwise';
import { indexGather, indexScatter, nonzero } from './indexing';
import { argReduce, reduce } from './reduce';
import { gemm } from './gemm';
import { conv2d, convTranspose2d } from './conv';
import { avgPool2d, maxPool2d } from './pool';
import { cumulative, softmax, variance } from './softmax';
import { adaptiveAvgPool2d, adaptiveMaxPool2d } from './adaptive-pool';
import { batchNormInference } from './normalization';
import { orthogonal } from './qr';
import { randomFloat32 } from './random';

export function createTsKernels(): Kernels {
  return {
    name: 'ts',
    copy, unary, binary, where, fillRange,
    reduce, argReduce, variance, cumulative, softmax, batchNormInference, randomFloat32,
    indexGather, indexScatter, nonzero,
    gemm, conv2d, convTranspose2d, maxPool2d, avgPool2d, adaptiveAvgPool2d, adaptiveMaxPool2d, orthogonal,
  };
}
