"""torch.nn.modules.rnn: the classes of this PyTorch module that the engine has."""
from . import layers as _layers
from .module import Module  # noqa: F401

globals().update(_layers.group_classes("rnn"))


def __getattr__(name):
    raise AttributeError(f"torch.nn.modules.rnn.{name} is not supported by Torch Explorer's engine")
