"""torch.nn.modules.sparse: the classes of this PyTorch module that the engine has."""
from . import layers as _layers
from .module import Module  # noqa: F401

globals().update(_layers.group_classes("sparse"))


def __getattr__(name):
    raise AttributeError(f"torch.nn.modules.sparse.{name} is not supported by Torch Explorer's engine")
