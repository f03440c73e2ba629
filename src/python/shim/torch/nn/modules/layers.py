"""Engine layers as Python classes: every layer the engine exports gets a class (with PyTorch's abstract
bases for isinstance checks: _ConvNd, _BatchNorm, RNNBase, ...); containers are in containers.py."""
from ... import _core
from ..._core import call
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .engine_module import LAYERS, EngineModule

class RNNBase(EngineModule):
    def flatten_parameters(self):
        return None


class Embedding(EngineModule):
    _te_engine_class = "Embedding"

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None, norm_type=2.0,
                        scale_grad_by_freq=False, sparse=False):
        rows, cols = embeddings.shape
        embedding = cls(rows, cols, padding_idx=padding_idx, max_norm=max_norm, norm_type=norm_type,
                        scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)
        embedding.weight.data = embeddings
        embedding.weight.requires_grad = not freeze
        return embedding


# Abstract bases PyTorch code tests with isinstance (nn.modules.batchnorm._BatchNorm, ...).
class _ConvNd(EngineModule):
    pass


class _ConvTransposeNd(_ConvNd):
    pass


class _NormBase(EngineModule):
    pass


class _BatchNorm(_NormBase):
    pass


class _InstanceNorm(_NormBase):
    pass


class _DropoutNd(EngineModule):
    pass


class _MaxPoolNd(EngineModule):
    pass


class _AvgPoolNd(EngineModule):
    pass


class _AdaptiveAvgPoolNd(EngineModule):
    pass


class _AdaptiveMaxPoolNd(EngineModule):
    pass


_BASES = {
    "_ConvNd": ("Conv1d", "Conv2d", "Conv3d"),
    "_ConvTransposeNd": ("ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"),
    "_BatchNorm": ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d"),
    "_InstanceNorm": ("InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"),
    "_DropoutNd": ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"),
    "_MaxPoolNd": ("MaxPool1d", "MaxPool2d", "MaxPool3d"),
    "_AvgPoolNd": ("AvgPool1d", "AvgPool2d", "AvgPool3d"),
    "_AdaptiveAvgPoolNd": ("AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d"),
    "_AdaptiveMaxPoolNd": ("AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d"),
    "RNNBase": ("RNN", "LSTM", "GRU"),
}
# Engine classes that subclass another engine class in PyTorch too.
_DERIVED = {"NonDynamicallyQuantizableLinear": "Linear", "UpsamplingNearest2d": "Upsample", "UpsamplingBilinear2d": "Upsample"}
_DEFINED = {cls._te_engine_class: cls for cls in (Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict, Embedding)}

# Where PyTorch defines each class (class __module__ and the torch.nn.modules.<group> re-exports).
GROUPS = {
    'activation': ['ReLU', 'ReLU6', 'LeakyReLU', 'PReLU', 'RReLU', 'ELU', 'CELU', 'SELU', 'GELU', 'SiLU', 'Mish', 'Sigmoid', 'Tanh', 'Hardswish', 'Hardsigmoid', 'Hardtanh', 'Hardshrink', 'Softshrink', 'Tanhshrink', 'Softsign', 'Softplus', 'LogSigmoid', 'Threshold', 'GLU', 'Softmin', 'Softmax', 'Softmax2d', 'LogSoftmax', 'MultiheadAttention'],
    'batchnorm': ['_NormBase', '_BatchNorm', 'BatchNorm1d', 'BatchNorm2d', 'BatchNorm3d', 'SyncBatchNorm'],
    'container': ['Sequential', 'ModuleList', 'ModuleDict', 'ParameterList', 'ParameterDict', 'Container'],
    'conv': ['_ConvNd', '_ConvTransposeNd', 'Conv1d', 'Conv2d', 'Conv3d', 'ConvTranspose1d', 'ConvTranspose2d', 'ConvTranspose3d'],
    'dropout': ['_DropoutNd', 'Dropout', 'Dropout1d', 'Dropout2d', 'Dropout3d', 'AlphaDropout', 'FeatureAlphaDropout'],
    'flatten': ['Flatten', 'Unflatten'],
    'instancenorm': ['_InstanceNorm', 'InstanceNorm1d', 'InstanceNorm2d', 'InstanceNorm3d'],
    'linear': ['Identity', 'Linear', 'Bilinear', 'NonDynamicallyQuantizableLinear', 'LazyLinear'],
    'normalization': ['LayerNorm', 'GroupNorm', 'RMSNorm', 'LocalResponseNorm'],
    'padding': ['ZeroPad1d', 'ZeroPad2d', 'ConstantPad1d', 'ConstantPad2d', 'ReflectionPad1d', 'ReflectionPad2d', 'ReplicationPad1d', 'ReplicationPad2d'],
    'pixelshuffle': ['PixelShuffle', 'PixelUnshuffle'],
    'pooling': ['_MaxPoolNd', '_AvgPoolNd', '_AdaptiveAvgPoolNd', '_AdaptiveMaxPoolNd', 'MaxPool1d', 'MaxPool2d', 'MaxPool3d', 'AvgPool1d', 'AvgPool2d', 'AvgPool3d', 'AdaptiveAvgPool1d', 'AdaptiveAvgPool2d', 'AdaptiveAvgPool3d', 'AdaptiveMaxPool1d', 'AdaptiveMaxPool2d', 'AdaptiveMaxPool3d'],
    'rnn': ['RNNBase', 'RNN', 'LSTM', 'GRU', 'RNNCell', 'LSTMCell', 'GRUCell'],
    'sparse': ['Embedding', 'EmbeddingBag'],
    'transformer': ['Transformer', 'TransformerEncoder', 'TransformerDecoder', 'TransformerEncoderLayer', 'TransformerDecoderLayer'],
    'upsampling': ['Upsample', 'UpsamplingNearest2d', 'UpsamplingBilinear2d'],
}
_GROUP_OF = {name: group for group, names in GROUPS.items() for name in names}


for _cls in (*_DEFINED.values(), RNNBase, _ConvNd, _ConvTransposeNd, _NormBase, _BatchNorm, _InstanceNorm, _DropoutNd,
             _MaxPoolNd, _AvgPoolNd, _AdaptiveAvgPoolNd, _AdaptiveMaxPoolNd):
    _cls.__module__ = "torch.nn.modules." + _GROUP_OF[_cls.__name__]


def group_classes(group):
    return {name: LAYERS.get(name) or globals()[name] for name in GROUPS[group] if name in LAYERS or name in globals()}


def _base_of(name):
    for base, members in _BASES.items():
        if name in members:
            return globals()[base]
    return EngineModule


def _make_layer(name):
    if name in _DEFINED:
        return _DEFINED[name]
    parent = LAYERS.get(_DERIVED[name]) if name in _DERIVED else None
    if parent is None and name in _DERIVED:
        parent = _make_layer(_DERIVED[name])
        LAYERS[_DERIVED[name]] = parent
    module = "torch.nn.modules." + _GROUP_OF.get(name, "module")
    cls = type(name, (parent or _base_of(name),), {"_te_engine_class": name, "__module__": module})
    cls.__qualname__ = name
    return cls


for _name in call("names", "nn"):
    if _name not in LAYERS:
        LAYERS[_name] = _make_layer(_name)


def layer_class(engine_class):
    """The Python class for a module the engine made (TransformerEncoder's clones, a slice of Sequential)."""
    cls = LAYERS.get(engine_class)
    if cls is None:
        cls = LAYERS[engine_class] = type(engine_class, (EngineModule,), {"_te_engine_class": engine_class})
    return cls


_core.classes["layer"] = layer_class
