"""torch.Tensor: a handle to an engine tensor with PyTorch's Python surface.

Shape and dtype are cached from the marker every engine result carries; `generation` invalidates the cache
when the engine may have rebound tensors in place (module.to(), `.data = `). Every other method forwards
to the engine method of the same name (the list comes from the engine, so new engine methods appear here).
"""
import operator

from . import _core
from ._core import call, encode, encode_args, encode_kwargs
from ._types import CPU, Size, TYPE_NAMES, as_dtype, dtype, dtype_of, strided

_FLOATING = {"float32", "float64", "float16", "bfloat16"}
_INTEGRAL = {"int64", "int32", "int16", "int8", "uint8"}


def _method(name):
    def method(self, *args, **kwargs):
        return call("tm", self._id, name, [encode(a) for a in args], encode_kwargs(kwargs) if kwargs else None)

    method.__name__ = method.__qualname__ = name
    return method


def _function(name):
    """torch.<name>(...) forwarded to the engine (used for reflected operators)."""
    def fn(*args, **kwargs):
        return call("torch", name, [encode(a) for a in args], encode_kwargs(kwargs) if kwargs else None)

    return fn


_sub, _div, _floor_divide, _remainder, _pow, _matmul = (
    _function(n) for n in ("sub", "div", "floor_divide", "remainder", "pow", "matmul"))
_bitwise_and, _bitwise_or, _bitwise_xor = (_function(n) for n in ("bitwise_and", "bitwise_or", "bitwise_xor"))


def _scalar_ok(other):
    return isinstance(other, (Tensor, int, float, bool))


def _binary(name):
    engine_method = _method(name)

    def op(self, other):
        if not _scalar_ok(other):
            return NotImplemented
        return engine_method(self, other)

    op.__name__ = name
    return op


def _reflected(fn):
    def op(self, other):
        if not _scalar_ok(other):
            return NotImplemented
        return fn(other, self)

    return op


def _inplace(name, fallback):
    engine_method = _method(name) if name else None

    def op(self, other):
        if not _scalar_ok(other):
            return NotImplemented
        if name:
            engine_method(self, other)
        else:
            self.copy_(fallback(self, other))
        return self

    return op


class Tensor:
    """torch.Tensor. Wrappers are made by the shim; `torch.Tensor(2, 3)` is the legacy float constructor."""

    __array_priority__ = 1000

    def __new__(cls, *args, **kwargs):
        return legacy_new("float32", args)

    def __init__(self, *args, **kwargs):
        pass

    def __del__(self):
        handle_id = self.__dict__.get("_id")
        if handle_id is not None:
            _core.release_later(handle_id)

    # ---- cached metadata ----

    def _fresh(self):
        if self.__dict__.get("_gen") != _core.generation[0]:
            shape, name, _ = call("info", self._id)
            self._shape, self._dtype, self._gen = tuple(shape), name, _core.generation[0]

    @property
    def shape(self):
        self._fresh()
        return Size(self._shape)

    @property
    def dtype(self):
        self._fresh()
        return dtype_of(self._dtype)

    @property
    def ndim(self):
        self._fresh()
        return len(self._shape)

    device = property(lambda self: CPU)
    layout = property(lambda self: strided)
    is_cuda = is_sparse = is_quantized = is_meta = is_mps = is_nested = False
    is_leaf = property(lambda self: True)
    grad = None
    grad_fn = None

    @property
    def requires_grad(self):
        return bool(call("tget", self._id, "requires_grad"))

    @requires_grad.setter
    def requires_grad(self, flag):
        call("tset", self._id, "requires_grad", bool(flag))

    @property
    def data(self):
        return call("tget", self._id, "data")

    @data.setter
    def data(self, value):
        call("tset", self._id, "data", encode(value))
        _core.bump_generation()

    T = property(lambda self: call("tget", self._id, "T"))
    mT = property(lambda self: call("tget", self._id, "mT"))

    def size(self, dim=None):
        self._fresh()
        if dim is None:
            return Size(self._shape)
        return self._shape[_wrap_dim(dim, len(self._shape))]

    def dim(self):
        self._fresh()
        return len(self._shape)

    ndimension = dim

    def numel(self):
        return Size(self.shape).numel()

    nelement = numel

    def element_size(self):
        return self.dtype.itemsize

    def is_floating_point(self):
        self._fresh()
        return self._dtype in _FLOATING

    def is_complex(self):
        return False

    def get_device(self):
        return -1

    # ---- conversion to Python ----

    def item(self):
        self._fresh()
        value = call("item", self._id)
        return _python_scalar(value, self._dtype)

    def tolist(self):
        self._fresh()
        values = call("tolist", self._id)
        return _map_nested(values, float if self._dtype in _FLOATING else bool if self._dtype == "bool" else int)

    def __bool__(self):
        if self.numel() != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        self._fresh()
        if self._dtype not in _INTEGRAL or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __complex__(self):
        return complex(self.item())

    def __len__(self):
        self._fresh()
        if not self._shape:
            raise TypeError("len() of a 0-d tensor")
        return self._shape[0]

    def __iter__(self):
        self._fresh()
        if not self._shape:
            raise TypeError("iteration over a 0-d tensor")
        return iter(call("tm", self._id, "unbind", [0], None))

    def __hash__(self):
        return id(self)

    def __repr__(self):
        return call("repr", self._id)

    __str__ = __repr__

    def __format__(self, spec):
        if self.dim() == 0:
            return format(self.item(), spec)
        return repr(self)

    def __contains__(self, element):
        return bool((self == element).any())

    def __deepcopy__(self, memo):
        copy = call("tm", self._id, "clone", [], None)
        if isinstance(self, _core.classes["Parameter"]):
            copy = type(self)(copy, self.requires_grad)
        memo[id(self)] = copy
        return copy

    def __reduce_ex__(self, protocol):
        raise TypeError("Torch Explorer tensors cannot be pickled inside the engine")

    # ---- indexing ----

    def __getitem__(self, index):
        items = list(index) if type(index) is tuple else [index]
        return call("getitem", self._id, [encode(i) for i in items])

    def __setitem__(self, index, value):
        items = list(index) if type(index) is tuple else [index]
        call("setitem", self._id, [encode(i) for i in items], encode(value))

    # ---- methods with Python-side behaviour ----

    def type(self, dtype=None, non_blocking=False, **kwargs):  # noqa: A002
        if dtype is None:
            self._fresh()
            return f"torch.{TYPE_NAMES[self._dtype]}"
        return call("tm", self._id, "type", [as_dtype(dtype)._name], None)

    def to(self, *args, **kwargs):
        args = [as_dtype(a) if a in (float, int, bool) else a for a in args]
        return call("tm", self._id, "to", encode_args(args), encode_kwargs(kwargs) if kwargs else None)

    def cuda(self, *args, **kwargs):
        return self

    def cpu(self, *args, **kwargs):
        return self

    def numpy(self, *args, **kwargs):
        raise RuntimeError("numpy is not available in Torch Explorer's engine; use .tolist()")

    def view(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], dtype):
            return call("tm", self._id, "view", [shape[0]._name], None)
        return call("tm", self._id, "view", [encode(s) for s in shape], None)

    def backward(self, *args, **kwargs):
        raise RuntimeError("Torch Explorer's engine has no autograd: backward() is not available")

    def register_hook(self, hook):
        return _NoHandle()

    def retain_grad(self):
        return None

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    def detach_(self):
        return self

    def share_memory_(self):
        return self

    def pin_memory(self):
        return self

    def contiguous(self, memory_format=None):
        return call("tm", self._id, "contiguous", [], None)

    def __neg__(self):
        return call("tm", self._id, "neg", [], None)

    def __pos__(self):
        return self

    def __abs__(self):
        return call("tm", self._id, "abs", [], None)

    def __invert__(self):
        return call("tm", self._id, "bitwise_not", [], None)

    def __eq__(self, other):
        return _eq(self, other) if _scalar_ok(other) else NotImplemented

    def __ne__(self, other):
        return _ne(self, other) if _scalar_ok(other) else NotImplemented

    __add__ = __radd__ = _binary("add")
    __sub__ = _binary("sub")
    __rsub__ = _reflected(_sub)
    __mul__ = __rmul__ = _binary("mul")
    __truediv__ = _binary("div")
    __rtruediv__ = _reflected(_div)
    __floordiv__ = _binary("floor_divide")
    __rfloordiv__ = _reflected(_floor_divide)
    __mod__ = _binary("remainder")
    __rmod__ = _reflected(_remainder)
    __pow__ = _binary("pow")
    __rpow__ = _reflected(_pow)
    __matmul__ = _binary("matmul")
    __rmatmul__ = _reflected(_matmul)
    __and__ = __rand__ = _binary("bitwise_and")
    __or__ = __ror__ = _binary("bitwise_or")
    __xor__ = __rxor__ = _binary("bitwise_xor")
    __lt__ = _binary("lt")
    __le__ = _binary("le")
    __gt__ = _binary("gt")
    __ge__ = _binary("ge")
    __iadd__ = _inplace("add_", None)
    __isub__ = _inplace("sub_", None)
    __imul__ = _inplace("mul_", None)
    __itruediv__ = _inplace("div_", None)
    __ipow__ = _inplace("pow_", None)
    __ifloordiv__ = _inplace(None, _floor_divide)
    __imod__ = _inplace(None, _remainder)
    __iand__ = _inplace(None, _bitwise_and)
    __ior__ = _inplace(None, _bitwise_or)
    __ixor__ = _inplace(None, _bitwise_xor)
    __imatmul__ = _inplace(None, _matmul)


_eq = _method("eq")
_ne = _method("ne")


class _NoHandle:
    def remove(self):
        pass


def _wrap_dim(dim, ndim):
    dim = operator.index(dim)
    low, high = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
    if not low <= dim <= high:
        raise IndexError(f"Dimension out of range (expected to be in range of [{low}, {high}], but got {dim})")
    return dim % max(ndim, 1)


def _python_scalar(value, dtype_name):
    if dtype_name in _FLOATING:
        return float(value)
    if dtype_name == "bool":
        return bool(value)
    return int(value)


def _map_nested(values, fn):
    if isinstance(values, (list, tuple)):
        return [_map_nested(v, fn) for v in values]
    return fn(values)


def install_engine_methods(names):
    """Every engine Tensor method the class does not define in Python forwards by name."""
    for name in names:
        if not hasattr(Tensor, name):
            setattr(Tensor, name, _method(name))


def legacy_new(dtype_name, args):
    """torch.Tensor(2, 3) / torch.Tensor([1, 2]) / torch.LongTensor(...)."""
    if len(args) == 1 and isinstance(args[0], (list, tuple)) and not isinstance(args[0], Size):
        return call("torch", "tensor", [encode(args[0])], {"dtype": dtype_name})
    if len(args) == 1 and isinstance(args[0], Tensor):
        return args[0].type(dtype_name)
    sizes = args[0] if len(args) == 1 and isinstance(args[0], Size) else args
    return call("torch", "zeros", [encode(list(sizes))], {"dtype": dtype_name})


def default_dtype_name():
    return call("torch", "get_default_dtype", [], None)


_core.classes["Tensor"] = Tensor
