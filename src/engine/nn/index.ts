// torch.nn for the TypeScript API: `import { nn } from './engine'`, then `new nn.Conv2d(3, 6, 3)`.
export { Module, addIndent } from './module';
export { hasattr } from './attributes';
export { Parameter } from './parameter';
export { RemovableHandle, register_module_forward_hook, register_module_forward_pre_hook } from './hooks';
export { StateDict, IncompatibleKeys } from './state-dict';
export type { StateDictLike } from './state-dict';
export { deepcopy } from './copy';
export { AttributeError, KeyError, ValueError, NotImplementedError } from './python';
export * as init from './init';
export * as functional from '../functional';

export { Identity, Linear, NonDynamicallyQuantizableLinear, Bilinear } from './modules/linear';
export { Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d } from './modules/conv';
export { BatchNorm1d, BatchNorm2d, BatchNorm3d, LayerNorm, GroupNorm, RMSNorm } from './modules/norm';
export {
  ReLU, ReLU6, LeakyReLU, PReLU, RReLU, ELU, CELU, SELU, GELU, SiLU, Mish, Sigmoid, Tanh, Hardswish, Hardsigmoid,
  Hardtanh, Hardshrink, Softshrink, Tanhshrink, Softsign, Softplus, LogSigmoid, Threshold, GLU,
  Softmin, Softmax, Softmax2d, LogSoftmax,
} from './modules/activation';
export {
  MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool1d, AdaptiveMaxPool2d,
} from './modules/pooling';
export { Dropout, Dropout1d, Dropout2d, Dropout3d, AlphaDropout } from './modules/dropout';
export { Flatten, Unflatten } from './modules/flatten';
export { Upsample, UpsamplingNearest2d, UpsamplingBilinear2d } from './modules/upsampling';
export { Embedding } from './modules/sparse';
export { Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict } from './modules/container';
export { MultiheadAttention } from './modules/attention';
export {
  TransformerEncoderLayer, TransformerEncoder, TransformerDecoderLayer, TransformerDecoder, generate_square_subsequent_mask,
} from './modules/transformer';
export { RNN, LSTM, GRU } from './modules/rnn';
