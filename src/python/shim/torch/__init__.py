"""Torch Explorer's `torch`: PyTorch's Python surface over the TypeScript engine of the extension.

Functions the engine exports (torch.zeros, torch.cat, ...) are forwarded by name with PyTorch's argument
binding done in the engine; what PyTorch implements in Python (no_grad, dtypes, devices, Size) is Python
here too. Names the engine lacks raise AttributeError saying so, instead of returning a stub.
"""
import builtins as _builtins
import functools as _functools

from . import _core
from ._core import call as _call, encode as _encode, encode_kwargs as _encode_kwargs
from ._types import (  # noqa: F401
    CPU as _CPU, Size, channels_last, channels_last_3d, contiguous_format, device, dtype, dtype_of as _dtype_of,
    finfo, iinfo, preserve_format, sparse_coo, strided, as_dtype as _as_dtype,
)
from ._tensor import Tensor, install_engine_methods as _install_engine_methods, legacy_new as _legacy_new
from . import nn  # noqa: E402  (after Tensor: nn.Parameter subclasses it)
from . import amp, autograd, backends, cuda, jit, utils, version  # noqa: F401,E402
from .version import __version__  # noqa: F401

float32 = float = _dtype_of("float32")
float64 = double = _dtype_of("float64")
float16 = half = _dtype_of("float16")
bfloat16 = _dtype_of("bfloat16")
int64 = long = _dtype_of("int64")
int32 = int = _dtype_of("int32")
int16 = short = _dtype_of("int16")
int8 = _dtype_of("int8")
uint8 = _dtype_of("uint8")
bool = _dtype_of("bool")

_install_engine_methods(_call("names", "tensor"))


def _function(name):
    def fn(*args, **kwargs):
        return _call("torch", name, [_encode(a) for a in args], _encode_kwargs(kwargs) if kwargs else None)

    fn.__name__ = fn.__qualname__ = name
    fn.__module__ = "torch"
    return fn


for _name in _call("names", "torch"):
    globals()[_name] = _function(_name)


# ---- functions whose Python side differs from a plain forward ----

def _python_fallback(fn):
    """Defined in Python only while the engine does not export a function of that name."""
    if fn.__name__ not in globals():
        globals()[fn.__name__] = fn
        if not hasattr(Tensor, fn.__name__):
            setattr(Tensor, fn.__name__, fn)
    return fn


@_python_fallback
def equal(input, other):  # noqa: A002
    return tuple(input.shape) == tuple(other.shape) and _builtins.bool((input == other).all())


@_python_fallback
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):  # noqa: A002
    close = (input - other).abs() <= atol + rtol * other.abs()
    return close | ((input != input) & (other != other)) if equal_nan else close


@_python_fallback
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):  # noqa: A002
    return _builtins.bool(isclose(input, other, rtol, atol, equal_nan).all())


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    kwargs = {"dtype": _as_dtype(dtype)._name} if dtype is not None else {}
    if requires_grad:
        kwargs["requires_grad"] = True
    return _call("torch", "tensor", [_encode(_plain(data))], kwargs)


def as_tensor(data, dtype=None, device=None):
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    return tensor(data, dtype=dtype)


def _plain(data):
    """Nested sequences with tensors inside (torch.tensor([t.item(), t2])) as plain Python numbers."""
    if isinstance(data, Tensor):
        return data.tolist() if data.dim() else data.item()
    if isinstance(data, (list, tuple)) and _builtins.any(isinstance(x, (Tensor, list, tuple)) for x in data):
        return [_plain(x) for x in data]
    return data


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    data = bytes(memoryview(buffer))[offset:]
    d = _as_dtype(dtype)
    if count >= 0:
        data = data[: count * d.itemsize]
    return _call("frombytes", data, d._name, None)


def from_numpy(array):
    raise TypeError("numpy is not available in Torch Explorer's engine")


def get_default_dtype():
    return _dtype_of(_call("torch", "get_default_dtype", [], None))


def set_default_dtype(d):
    _call("torch", "set_default_dtype", [_as_dtype(d)._name], None)


def promote_types(type1, type2):
    return _dtype_of(_call("torch", "promote_types", [_as_dtype(type1)._name, _as_dtype(type2)._name], None))


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_storage(obj):
    return False


def is_floating_point(input):  # noqa: A002
    return input.is_floating_point()


def numel(input):  # noqa: A002
    return input.numel()


def manual_seed(seed):
    _call("torch", "manual_seed", [_encode(seed)], None)
    return _default_generator


def seed():
    return _call("torch", "seed", [], None)


class _DefaultGenerator:
    def manual_seed(self, s):
        return manual_seed(s)

    def initial_seed(self):
        return _call("torch", "initial_seed", [], None)


_default_generator = _DefaultGenerator()
default_generator = _default_generator


def save(obj, f, *args, **kwargs):
    raise RuntimeError("torch.save() cannot write files from a model evaluated by Torch Explorer (the sandbox has no file access)")


def load(f, *args, **kwargs):
    raise RuntimeError("torch.load() cannot read files from a model evaluated by Torch Explorer (the sandbox has no file "
                       "access); load weights with Torch Explorer's 'Load weights' or --weights instead")


def compile(model=None, **kwargs):  # noqa: A001 - PyTorch's name
    if model is None:
        return lambda m: m
    return model


def set_printoptions(*args, **kwargs):
    return None


def use_deterministic_algorithms(mode, *, warn_only=False):
    return None


def set_num_threads(n):
    return None


def get_num_threads():
    return 1


def typename(obj):
    return obj.type() if isinstance(obj, Tensor) else type(obj).__name__


# ---- gradient modes: the engine has no autograd, but models read and toggle the flag ----

def is_grad_enabled():
    return _call("torch", "is_grad_enabled", [], None)


def _set_grad(mode):
    _call("torch", "set_grad_enabled", [_builtins.bool(mode)], None)


class _GradMode:
    """Context manager and decorator (`@torch.no_grad()` and `@torch.no_grad`)."""

    mode = False

    def __new__(cls, orig_func=None, *args, **kwargs):
        self = super().__new__(cls)
        if callable(orig_func) and cls.mode_from_args(orig_func) is None:
            self.__init__()
            return self(orig_func)
        return self

    @staticmethod
    def mode_from_args(arg):
        return arg if isinstance(arg, _builtins.bool) else None

    def __init__(self, *args, **kwargs):
        self.prev = None

    def __enter__(self):
        self.prev = is_grad_enabled()
        _set_grad(self.mode)
        return self

    def __exit__(self, *exc):
        _set_grad(self.prev)
        return False

    def __call__(self, func):
        @_functools.wraps(func)
        def wrapper(*args, **kwargs):
            with type(self)():
                return func(*args, **kwargs)

        return wrapper

    def clone(self):
        return type(self)()


class no_grad(_GradMode):
    mode = False


class enable_grad(_GradMode):
    mode = True


class inference_mode(_GradMode):
    def __init__(self, mode=True):
        self.prev = None
        self.mode = not mode


class set_grad_enabled(_GradMode):
    """Sets the mode when called (PyTorch's behaviour), restores it on exit when used with `with`."""

    def __new__(cls, mode):
        return object.__new__(cls)

    def __init__(self, mode):
        self.prev = is_grad_enabled()
        self.mode = mode
        _set_grad(mode)

    def __enter__(self):
        return self


autocast = amp.autocast


# ---- legacy tensor types: torch.FloatTensor(2, 3), isinstance(x, torch.LongTensor) ----

class _TensorType(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype._name == cls._dtype_name

    def __call__(cls, *args):
        return _legacy_new(cls._dtype_name, args)


def _tensor_type(title, dtype_name):
    return _TensorType(title, (), {"_dtype_name": dtype_name, "__module__": "torch"})


FloatTensor = _tensor_type("FloatTensor", "float32")
DoubleTensor = _tensor_type("DoubleTensor", "float64")
HalfTensor = _tensor_type("HalfTensor", "float16")
BFloat16Tensor = _tensor_type("BFloat16Tensor", "bfloat16")
LongTensor = _tensor_type("LongTensor", "int64")
IntTensor = _tensor_type("IntTensor", "int32")
ShortTensor = _tensor_type("ShortTensor", "int16")
CharTensor = _tensor_type("CharTensor", "int8")
ByteTensor = _tensor_type("ByteTensor", "uint8")
BoolTensor = _tensor_type("BoolTensor", "bool")


def __getattr__(name):
    raise AttributeError(f"torch.{name} is not supported by Torch Explorer's engine")


# ---- per evaluation: the runner calls this before a file runs ----

def _reset():
    from . import _positions

    _core.reset()
    _positions.forget_sources()


def _register_reset():
    from _torch_explorer import runner

    runner.on_reset(_reset)


_register_reset()
