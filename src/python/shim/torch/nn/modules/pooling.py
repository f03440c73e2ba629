"""torch.nn.modules.pooling: the classes of this PyTorch module that the engine has."""
from . import layers as _layers
from .module import Module  # noqa: F401

_NAMES = ['_MaxPoolNd', '_AvgPoolNd', '_AdaptiveAvgPoolNd', '_AdaptiveMaxPoolNd', 'MaxPool1d', 'MaxPool2d', 'MaxPool3d', 'AvgPool1d', 'AvgPool2d', 'AvgPool3d', 'AdaptiveAvgPool1d', 'AdaptiveAvgPool2d', 'AdaptiveAvgPool3d', 'AdaptiveMaxPool1d', 'AdaptiveMaxPool2d', 'AdaptiveMaxPool3d']
for _name in _NAMES:
    _cls = _layers.LAYERS.get(_name) or getattr(_layers, _name, None)
    if _cls is not None:
        globals()[_name] = _cls


def __getattr__(name):
    raise AttributeError(f"torch.nn.modules.{__name__.rpartition('.')[2]}.{name} is not supported by Torch Explorer's engine")
