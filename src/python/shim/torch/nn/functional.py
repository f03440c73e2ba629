"""torch.nn.functional: every function the engine's functional module exports, bound to PyTorch's
signatures in the engine. Each one carries `_te_fn`, so passing `F.gelu` as an activation hands the
engine its own function instead of a Python callback."""
from .._core import call, encode, encode_kwargs


def _function(name):
    def fn(*args, **kwargs):
        return call("F", name, [encode(a) for a in args], encode_kwargs(kwargs) if kwargs else None)

    fn.__name__ = fn.__qualname__ = name
    fn.__module__ = "torch.nn.functional"
    fn._te_fn = name
    return fn


_NAMES = call("names", "F")
for _name in _NAMES:
    globals()[_name] = _function(_name)


def __getattr__(name):
    raise AttributeError(f"torch.nn.functional.{name} is not supported by Torch Explorer's engine")


__all__ = list(_NAMES)
