"""torch.nn.modules.upsampling: the classes of this PyTorch module that the engine has."""
from . import layers as _layers
from .module import Module  # noqa: F401

globals().update(_layers.group_classes("upsampling"))


def __getattr__(name):
    raise AttributeError(f"torch.nn.modules.upsampling.{name} is not supported by Torch Explorer's engine")
