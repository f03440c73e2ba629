"""torch.nn"""
from . import functional, init, modules, parameter, utils  # noqa: F401
from .modules import *  # noqa: F401,F403
from .modules import LAYERS, Module
from .modules.module import Module as _Module  # noqa: F401
from .parameter import Buffer, Parameter

globals().update(LAYERS)


def __getattr__(name):
    raise AttributeError(f"torch.nn.{name} is not supported by Torch Explorer's engine")


__all__ = ["Module", "Parameter", "Buffer", "functional", "init", "utils", *LAYERS]
