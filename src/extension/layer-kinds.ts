// Which kind of layer a constructor name stands for, and its codicon. Names are torch.nn's (PyTorch 2.x).
import type { LayerKind } from '../protocol/outline';

const ACTIVATIONS = new Set([
  'ReLU', 'ReLU6', 'LeakyReLU', 'PReLU', 'RReLU', 'ELU', 'SELU', 'CELU', 'GELU', 'SiLU', 'Mish', 'Sigmoid',
  'Tanh', 'Softmax', 'Softmax2d', 'LogSoftmax', 'Softmin', 'Softplus', 'Softsign', 'Hardtanh', 'Hardswish',
  'Hardsigmoid', 'Hardshrink', 'Softshrink', 'Tanhshrink', 'Threshold', 'GLU', 'LogSigmoid',
]);
const CONTAINERS = new Set(['Sequential', 'ModuleList', 'ModuleDict', 'ParameterList', 'ParameterDict']);
const RECURRENT = new Set(['RNN', 'LSTM', 'GRU', 'RNNCell', 'LSTMCell', 'GRUCell']);

/** Kind from the constructor's last name segment; 'other' when torch.nn has no such layer family. */
export function layerKind(typeName: string): LayerKind {
  if (CONTAINERS.has(typeName)) return 'container';
  if (typeName === 'Parameter' || typeName === 'UninitializedParameter') return 'parameter';
  if (/^(Lazy)?Conv(Transpose)?[123]d$/.test(typeName) || typeName === 'Unfold' || typeName === 'Fold') return 'conv';
  if (/^(Lazy)?Linear$|^Bilinear$/.test(typeName)) return 'linear';
  if (/Norm(\d?d)?$/.test(typeName)) return 'norm';
  if (ACTIVATIONS.has(typeName)) return 'activation';
  if (/Pool(\d?d)?$/.test(typeName)) return 'pool';
  if (/Dropout(\dd)?$/.test(typeName)) return 'dropout';
  if (RECURRENT.has(typeName)) return 'recurrent';
  if (typeName === 'MultiheadAttention' || typeName.startsWith('Transformer')) return 'attention';
  if (typeName === 'Embedding' || typeName === 'EmbeddingBag') return 'embedding';
  return 'other';
}

export const KIND_ICONS: Record<LayerKind, string> = {
  container: 'list-tree',
  conv: 'layers',
  linear: 'symbol-operator',
  norm: 'symbol-ruler',
  activation: 'zap',
  pool: 'fold-down',
  dropout: 'circle-slash',
  recurrent: 'sync',
  attention: 'eye',
  embedding: 'symbol-key',
  parameter: 'symbol-numeric',
  module: 'symbol-class',
  other: 'symbol-field',
};
