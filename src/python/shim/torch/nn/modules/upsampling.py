"""torch.nn.modules.upsampling: the classes of this PyTorch module that the engine has."""
from . import layers as _layers
from .module import Module  # noqa: F401

_NAMES = ['Upsample', 'UpsamplingNearest2d', 'UpsamplingBilinear2d']
for _name in _NAMES:
    _cls = _layers.LAYERS.get(_name) or getattr(_layers, _name, None)
    if _cls is not None:
        globals()[_name] = _cls


def __getattr__(name):
    raise AttributeError(f"torch.nn.modules.{__name__.rpartition('.')[2]}.{name} is not supported by Torch Explorer's engine")
