"""EngineModule: the Python class of an engine layer (nn.Conv2d, ...).

It constructs its engine layer by name with the call's (args, kwargs), so the engine binds them to PyTorch's
signature. Attributes (`in_channels`, `weight`, `kernel_size`) are read from the engine. A Python subclass
(`class MyConv(nn.Conv2d)`) gets its own name, and the engine calls its forward/extra_repr when it overrides
them; `super().forward(x)` runs the engine's own forward.
"""
from ... import _core, _positions
from ..._core import call, call_raw, encode_args, encode_kwargs
from .module import Module

LAYERS = {}  # engine class name -> Python class


class EngineModule(Module):
    """Base of every engine layer; `_te_engine_class` names the engine class it constructs."""

    _te_engine_class = None
    _te_members_only = False

    def __init__(self, *args, **kwargs):
        if "_te_id" in self.__dict__:
            return
        cls = type(self)
        engine_class = cls._te_engine_class
        if engine_class is None:
            raise TypeError(f"{cls.__name__} is an abstract base of engine layers and cannot be constructed")
        own = LAYERS[engine_class]
        subclass = cls is not own
        info = {
            "name": cls.__name__ if subclass else None,
            "forward": subclass and cls.forward is not own.forward,
            "extraRepr": subclass and cls.extra_repr is not own.extra_repr,
            "created": _positions.creation_site(self),
        }
        marker = call_raw("nnNew", engine_class, encode_args(args), encode_kwargs(kwargs), info)
        _core.adopt_module(self, marker["m"][0])

    def forward(self, *args, **kwargs):
        return call("mbase", self._te_id, "forward", encode_args(args), encode_kwargs(kwargs) if kwargs else None)

    def extra_repr(self):
        return call("mbase", self._te_id, "extra_repr", [], None)

    def _engine(self, name, *args, **kwargs):
        return call("mm", self._te_id, name, encode_args(args), encode_kwargs(kwargs) if kwargs else None)
