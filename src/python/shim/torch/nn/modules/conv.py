"""torch.nn.modules.conv: the classes of this PyTorch module that the engine has."""
from . import layers as _layers
from .module import Module  # noqa: F401

globals().update(_layers.group_classes("conv"))


def __getattr__(name):
    raise AttributeError(f"torch.nn.modules.conv.{name} is not supported by Torch Explorer's engine")
