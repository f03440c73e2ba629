// torch.nn.functional for the TypeScript API: `import * as F from './functional'`, then
// `F.conv2d(x, w, b, { stride: 2, padding: 'same' })`. Every function binds its arguments with
// PyTorch's own signature, so positional and keyword forms both work.
export {
  relu, relu_, relu6, leaky_relu, gelu, silu, mish, sigmoid, tanh, hardswish, hardsigmoid, softplus, elu, selu, celu,
  hardtanh, logsigmoid, softsign, tanhshrink, threshold, hardshrink, softshrink, glu, prelu, rrelu,
  softmax, log_softmax, softmin,
} from './activation';
export { linear, bilinear, cosine_similarity, pairwise_distance } from './linear';
export { conv1d, conv2d, conv_transpose1d, conv_transpose2d } from './conv';
export {
  max_pool1d, max_pool2d, max_pool2d_with_indices, avg_pool1d, avg_pool2d,
  adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_max_pool1d, adaptive_max_pool2d,
} from './pooling';
export { batch_norm, instance_norm, layer_norm, group_norm, normalize } from './normalization';
export { embedding, one_hot } from './sparse';
export { dropout, dropout1d, dropout2d, dropout3d, alpha_dropout } from './dropout';
export { pad } from './padding';
export { interpolate, upsample, upsample_nearest, upsample_bilinear } from './vision';
export { scaled_dot_product_attention } from './attention';
export {
  cross_entropy, nll_loss, mse_loss, l1_loss, smooth_l1_loss, huber_loss, binary_cross_entropy, binary_cross_entropy_with_logits,
} from './loss';
