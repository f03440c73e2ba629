"""torch.nn.init: the engine's initialisers. They act on the engine tensors in place (lazily: an untouched
parameter stays unallocated until its values are read) and return the same tensor."""
from .._core import call, encode, encode_kwargs


def _function(name):
    def fn(*args, **kwargs):
        kwargs.pop("generator", None)
        return call("init", name, [encode(a) for a in args], encode_kwargs(kwargs) if kwargs else None)

    fn.__name__ = fn.__qualname__ = name
    fn.__module__ = "torch.nn.init"
    return fn


_NAMES = call("names", "init")
for _name in _NAMES:
    globals()[_name] = _function(_name)


def __getattr__(name):
    raise AttributeError(f"torch.nn.init.{name} is not supported by Torch Explorer's engine")


__all__ = list(_NAMES)
