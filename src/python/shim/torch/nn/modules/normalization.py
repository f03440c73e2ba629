"""torch.nn.modules.normalization: the classes of this PyTorch module that the engine has."""
from . import layers as _layers
from .module import Module  # noqa: F401

globals().update(_layers.group_classes("normalization"))


def __getattr__(name):
    raise AttributeError(f"torch.nn.modules.normalization.{name} is not supported by Torch Explorer's engine")
