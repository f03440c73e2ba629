"""torch.dtype, torch.device, torch.Size, finfo/iinfo and the memory-format/layout constants.

`_te_ref` is how the shim's encoder passes a value to the engine: dtypes by name, devices by type.
"""


class dtype:
    """`torch.float32` etc.: singletons compared by identity, named as the engine names them."""

    __slots__ = ("_name", "_te_ref", "is_floating_point", "itemsize", "is_signed", "is_complex")

    def __init__(self, name, floating, itemsize, signed):
        self._name = name
        self._te_ref = name
        self.is_floating_point = floating
        self.itemsize = itemsize
        self.is_signed = signed
        self.is_complex = False

    def __repr__(self):
        return f"torch.{self._name}"

    def to_real(self):
        return self

    def __reduce__(self):
        return (_dtype_named, (self._name,))


_DTYPES = {
    "float32": dtype("float32", True, 4, True),
    "float64": dtype("float64", True, 8, True),
    "float16": dtype("float16", True, 2, True),
    "bfloat16": dtype("bfloat16", True, 2, True),
    "int64": dtype("int64", False, 8, True),
    "int32": dtype("int32", False, 4, True),
    "int16": dtype("int16", False, 2, True),
    "int8": dtype("int8", False, 1, True),
    "uint8": dtype("uint8", False, 1, False),
    "bool": dtype("bool", False, 1, False),
}
ALIASES = {
    "float32": "float32", "float": "float32", "float64": "float64", "double": "float64",
    "float16": "float16", "half": "float16", "bfloat16": "bfloat16",
    "int64": "int64", "long": "int64", "int32": "int32", "int": "int32", "int16": "int16", "short": "int16",
    "int8": "int8", "uint8": "uint8", "bool": "bool",
}
# Legacy type strings (`x.type()`, `x.type('torch.LongTensor')`).
TYPE_NAMES = {
    "float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor", "bfloat16": "BFloat16Tensor",
    "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor", "int8": "CharTensor",
    "uint8": "ByteTensor", "bool": "BoolTensor",
}


def _dtype_named(name):
    return _DTYPES[name]


def dtype_of(name):
    """The dtype object for an engine dtype name."""
    return _DTYPES[name]


def as_dtype(value):
    """A dtype object from a dtype, a Python type (float/int/bool) or a name."""
    if isinstance(value, dtype):
        return value
    if value is float:
        return _DTYPES["float64"]
    if value is int:
        return _DTYPES["int64"]
    if value is bool:
        return _DTYPES["bool"]
    if isinstance(value, str):
        name = value[6:] if value.startswith("torch.") else value
        for key, title in TYPE_NAMES.items():
            if name == title:
                return _DTYPES[key]
        if name in ALIASES:
            return _DTYPES[ALIASES[name]]
    raise TypeError(f"invalid dtype: {value!r}")


class device:
    """`torch.device('cpu')`; CUDA and MPS devices are accepted and everything runs on the CPU engine."""

    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index=None):  # noqa: A002 - PyTorch's parameter name
        if isinstance(type, device):
            type, index = type.type, type.index
        elif isinstance(type, int):
            type, index = "cuda", type
        elif ":" in type:
            type, _, number = type.partition(":")
            index = int(number)
        if type not in ("cpu", "cuda", "mps", "meta", "xpu", "xla", "hpu", "privateuseone"):
            raise RuntimeError(f"Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, maia, xla, lazy, vulkan, mps, meta, hpu, mtia, privateuseone device type at start of device string: {type}")
        self.type = type
        self.index = index

    @property
    def _te_ref(self):
        return self.type

    def __repr__(self):
        return f"device(type='{self.type}')" if self.index is None else f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


CPU = device("cpu")


class Size(tuple):
    """torch.Size: a tuple of ints that prints as `torch.Size([2, 3])`."""

    def __new__(cls, sizes=()):
        return tuple.__new__(cls, (int(s) for s in sizes))

    def __repr__(self):
        return f"torch.Size([{', '.join(str(s) for s in self)}])"

    __str__ = __repr__

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, key):
        item = tuple.__getitem__(self, key)
        return Size(item) if isinstance(key, slice) else item

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))


class finfo:
    """torch.finfo for the engine's floating dtypes."""

    _TABLE = {
        "float32": (1.1920928955078125e-07, 3.4028234663852886e38, 1.1754943508222875e-38, 0.000001, 6),
        "float64": (2.220446049250313e-16, 1.7976931348623157e308, 2.2250738585072014e-308, 1e-15, 15),
        "float16": (0.0009765625, 65504.0, 6.103515625e-05, 0.001, 3),
        "bfloat16": (0.0078125, 3.3895313892515355e38, 1.1754943508222875e-38, 0.01, 2),
    }

    def __init__(self, type=None):  # noqa: A002
        from . import _tensor

        d = as_dtype(type) if type is not None else dtype_of(_tensor.default_dtype_name())
        if not d.is_floating_point:
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo to handle 'torch.finfo'")
        self.dtype = d._name
        self.eps, self.max, self.tiny, self.resolution, digits = self._TABLE[d._name]
        self.min = -self.max
        self.smallest_normal = self.tiny
        self.bits = d.itemsize * 8

    def __repr__(self):
        return f"finfo(resolution={self.resolution}, min={self.min:e}, max={self.max:e}, eps={self.eps:e}, smallest_normal={self.tiny:e}, tiny={self.tiny:e}, dtype={self.dtype})"


class iinfo:
    def __init__(self, type):  # noqa: A002
        d = as_dtype(type)
        if d.is_floating_point:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle 'torch.iinfo'")
        self.dtype = d._name
        self.bits = 8 if d._name == "bool" else d.itemsize * 8
        if d._name in ("uint8", "bool"):
            self.min, self.max = 0, 255 if d._name == "uint8" else 1
        else:
            self.min, self.max = -(2 ** (self.bits - 1)), 2 ** (self.bits - 1) - 1

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"


class _Named:
    """torch.strided, torch.channels_last, ...: accepted and ignored (the engine has one layout)."""

    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return f"torch.{self._name}"


strided = _Named("strided")
sparse_coo = _Named("sparse_coo")
contiguous_format = _Named("contiguous_format")
channels_last = _Named("channels_last")
channels_last_3d = _Named("channels_last_3d")
preserve_format = _Named("preserve_format")
