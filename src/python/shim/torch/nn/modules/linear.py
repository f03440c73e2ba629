"""torch.nn.modules.linear: the classes of this PyTorch module that the engine has."""
from . import layers as _layers
from .module import Module  # noqa: F401

globals().update(_layers.group_classes("linear"))


def __getattr__(name):
    raise AttributeError(f"torch.nn.modules.linear.{name} is not supported by Torch Explorer's engine")
