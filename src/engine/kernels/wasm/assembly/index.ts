// Entry of the WASM kernel module. The module allocates nothing itself: the JavaScript side lays out
// operands and scratch in linear memory above heapBase() and passes byte addresses.
export { gemmScratchBytes, sgemm } from './gemm';
export { conv2d } from './conv';
export { maxPool2d, maxPoolScratchBytes } from './pool';
export { randomFloat32 } from './random';
export { activation, channelAffine, softmaxRows } from './pointwise';
export {
  floatsEqual, floatsHash, winogradConv2d, winogradFusedConv2d, winogradFusedScratchBytes, winogradScratchBytes, winogradWeightBytes,
  winogradWeights,
} from './winograd';
export { winogradS2Conv2d, winogradS2ScratchBytes } from './winograd-s2';

/** First byte of linear memory free for the JavaScript side (after the module's static data). */
export function heapBase(): usize {
  return __heap_base;
}

/** Zeroes `bytes` bytes from `at` (fresh tensor storages in linear memory; memory.fill is a memset). */
export function zeroBytes(at: usize, bytes: usize): void {
  memory.fill(at, 0, bytes);
}
