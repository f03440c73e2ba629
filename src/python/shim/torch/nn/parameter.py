"""nn.Parameter: a Tensor that modules register as a parameter; it shares the storage of the data it wraps."""
from .. import _core
from .._core import call_raw, encode, tensor_from
from .._tensor import Tensor


class Parameter(Tensor):
    def __new__(cls, data=None, requires_grad=True):
        marker = call_raw("parameter", encode(data), bool(requires_grad))["t"]
        wrapper = object.__new__(cls)
        _core.adopt_tensor(wrapper, marker[0])
        return tensor_from(marker)

    def __init__(self, data=None, requires_grad=True):
        pass

    def __reduce_ex__(self, protocol):
        raise TypeError("Torch Explorer parameters cannot be pickled inside the engine")


class Buffer:
    """torch.nn.Buffer (PyTorch 2.5+): assigning one to a module registers a buffer."""

    def __new__(cls, data=None, *, persistent=True):
        from .. import _tensor

        tensor = data if data is not None else _tensor.legacy_new("float32", (0,))
        tensor._buffer_persistent = persistent
        return tensor


def is_lazy(param):
    return False


_core.classes["Parameter"] = Parameter
