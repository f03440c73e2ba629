// Multiply-add on f32x4. Baseline WASM SIMD has no fused multiply-add; the relaxed build (compiled with
// --enable relaxed-simd, loaded only where the runtime validates it) lets the engine emit FMA instead.

@inline export function madd(a: v128, b: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}
