"""Engine layers (nn.Conv2d, nn.Sequential, ...) as Python classes.

Each class constructs its engine layer by name with the call's (args, kwargs), so the engine binds them to
PyTorch's signature. Attributes (`in_channels`, `weight`, `kernel_size`) are read from the engine. A Python
subclass (`class MyConv(nn.Conv2d)`) gets its own name, and the engine calls its forward/extra_repr when it
overrides them; `super().forward(x)` runs the engine's own forward.
"""
import operator

from ... import _core, _positions
from ..._core import call, call_raw, encode_args, encode_kwargs
from .module import Module


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


def _index(i):
    return i if isinstance(i, slice) else operator.index(i)


class Sequential(EngineModule):
    _te_engine_class = "Sequential"

    def __getitem__(self, idx):
        return self._engine("get", _index(idx))

    def __setitem__(self, idx, module):
        self._engine("set", operator.index(idx), module)

    def __delitem__(self, idx):
        self._engine("delete", _index(idx))

    def __len__(self):
        return self._engine("len")

    def __iter__(self):
        return iter(self._modules.values())

    def __add__(self, other):
        if not isinstance(other, Sequential):
            raise ValueError(f"add operator supports only objects of Sequential class, but {type(other)} is given.")
        return Sequential(*self, *other)

    def __iadd__(self, other):
        return self.extend(other)

    def append(self, module):
        self._engine("append", module)
        return self

    def extend(self, sequential):
        self._engine("extend", list(sequential))
        return self

    def insert(self, index, module):
        self._engine("insert", index, module)
        return self

    def pop(self, key):
        return self._engine("pop", _index(key))


class ModuleList(EngineModule):
    _te_engine_class = "ModuleList"

    def __init__(self, modules=None):
        EngineModule.__init__(self, list(modules) if modules is not None else None)

    def __getitem__(self, idx):
        return self._engine("get", _index(idx))

    def __setitem__(self, idx, module):
        self._engine("set", operator.index(idx), module)

    def __delitem__(self, idx):
        self._engine("delete", _index(idx))

    def __len__(self):
        return self._engine("len")

    def __iter__(self):
        return iter(self._modules.values())

    def __iadd__(self, modules):
        return self.extend(modules)

    def __add__(self, other):
        return ModuleList([*self, *other])

    def append(self, module):
        self._engine("append", module)
        return self

    def extend(self, modules):
        self._engine("extend", list(modules))
        return self

    def insert(self, index, module):
        self._engine("insert", index, module)

    def pop(self, key):
        return self._engine("pop", _index(key))


class ModuleDict(EngineModule):
    _te_engine_class = "ModuleDict"

    def __init__(self, modules=None):
        EngineModule.__init__(self, _pairs(modules) if modules is not None else None)

    def __getitem__(self, key):
        return self._engine("get", key)

    def __setitem__(self, key, module):
        self._engine("set", key, module)

    def __delitem__(self, key):
        self._engine("delete", key)

    def __len__(self):
        return self._engine("len")

    def __iter__(self):
        return iter(self._engine("keys"))

    def __contains__(self, key):
        return self._engine("has", key)

    def keys(self):
        return list(self._engine("keys"))

    def items(self):
        return [tuple(pair) for pair in self._engine("items")]

    def values(self):
        return list(self._engine("values"))

    def update(self, modules):
        self._engine("update", _pairs(modules))

    def pop(self, key):
        return self._engine("pop", key)

    def clear(self):
        self._engine("clear")


def _pairs(mapping):
    """A mapping or an iterable of pairs as a list of [key, value] (insertion order, as ModuleDict keeps it)."""
    items = mapping.items() if hasattr(mapping, "items") else mapping
    return [list(pair) for pair in items]


class ParameterList(EngineModule):
    _te_engine_class = "ParameterList"

    def __init__(self, values=None):
        EngineModule.__init__(self, list(values) if values is not None else None)

    def __getitem__(self, idx):
        return self._engine("get", _index(idx))

    def __setitem__(self, idx, param):
        self._engine("set", operator.index(idx), param)

    def __len__(self):
        return self._engine("len")

    def __iter__(self):
        return iter([self[i] for i in range(len(self))])

    def __iadd__(self, parameters):
        return self.extend(parameters)

    def append(self, value):
        self._engine("append", value)
        return self

    def extend(self, values):
        self._engine("extend", list(values))
        return self


class ParameterDict(EngineModule):
    _te_engine_class = "ParameterDict"

    def __init__(self, parameters=None):
        EngineModule.__init__(self, _parameter_pairs(parameters) if parameters is not None else None)

    def __getitem__(self, key):
        return self._engine("item", key)

    def __setitem__(self, key, value):
        self._engine("set", key, value)

    def __delitem__(self, key):
        self._engine("delete", key)

    def __contains__(self, key):
        return self._engine("has", key)

    def __len__(self):
        return self._engine("len")

    def __iter__(self):
        return iter(self._engine("keys"))

    def keys(self):
        return list(self._engine("keys"))

    def values(self):
        return list(self._engine("values"))

    def items(self):
        return [tuple(pair) for pair in self._engine("items")]

    def get(self, key, default=None):
        return self[key] if key in self else default

    def pop(self, key):
        return self._engine("pop", key)

    def setdefault(self, key, default=None):
        return self._engine("setdefault", key, default)

    def update(self, parameters):
        self._engine("update", _parameter_pairs(parameters))

    def clear(self):
        self._engine("clear")


def _parameter_pairs(parameters):
    """PyTorch applies a plain dict in sorted key order and ordered mappings in their own order."""
    import collections

    if isinstance(parameters, (collections.OrderedDict, ParameterDict)):
        return [list(pair) for pair in parameters.items()]
    if isinstance(parameters, dict):
        return [[k, parameters[k]] for k in sorted(parameters)]
    return [list(pair) for pair in parameters]


class RNNBase(EngineModule):
    def flatten_parameters(self):
        return None


class Embedding(EngineModule):
    _te_engine_class = "Embedding"

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None, norm_type=2.0,
                        scale_grad_by_freq=False, sparse=False):
        rows, cols = embeddings.shape
        embedding = cls(rows, cols, padding_idx=padding_idx, max_norm=max_norm, norm_type=norm_type,
                        scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)
        embedding.weight.data = embeddings
        embedding.weight.requires_grad = not freeze
        return embedding


# Abstract bases PyTorch code tests with isinstance (nn.modules.batchnorm._BatchNorm, ...).
class _ConvNd(EngineModule):
    pass


class _ConvTransposeNd(_ConvNd):
    pass


class _NormBase(EngineModule):
    pass


class _BatchNorm(_NormBase):
    pass


class _InstanceNorm(_NormBase):
    pass


class _DropoutNd(EngineModule):
    pass


class _MaxPoolNd(EngineModule):
    pass


class _AvgPoolNd(EngineModule):
    pass


class _AdaptiveAvgPoolNd(EngineModule):
    pass


class _AdaptiveMaxPoolNd(EngineModule):
    pass


_BASES = {
    "_ConvNd": ("Conv1d", "Conv2d", "Conv3d"),
    "_ConvTransposeNd": ("ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"),
    "_BatchNorm": ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d"),
    "_InstanceNorm": ("InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"),
    "_DropoutNd": ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"),
    "_MaxPoolNd": ("MaxPool1d", "MaxPool2d", "MaxPool3d"),
    "_AvgPoolNd": ("AvgPool1d", "AvgPool2d", "AvgPool3d"),
    "_AdaptiveAvgPoolNd": ("AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d"),
    "_AdaptiveMaxPoolNd": ("AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d"),
    "RNNBase": ("RNN", "LSTM", "GRU"),
}
# Engine classes that subclass another engine class in PyTorch too.
_DERIVED = {"NonDynamicallyQuantizableLinear": "Linear", "UpsamplingNearest2d": "Upsample", "UpsamplingBilinear2d": "Upsample"}
_DEFINED = {cls._te_engine_class: cls for cls in (Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict, Embedding)}

LAYERS = {}  # engine class name -> Python class


def _base_of(name):
    for base, members in _BASES.items():
        if name in members:
            return globals()[base]
    return EngineModule


def _make_layer(name):
    if name in _DEFINED:
        return _DEFINED[name]
    parent = LAYERS.get(_DERIVED[name]) if name in _DERIVED else None
    if parent is None and name in _DERIVED:
        parent = _make_layer(_DERIVED[name])
        LAYERS[_DERIVED[name]] = parent
    cls = type(name, (parent or _base_of(name),), {"_te_engine_class": name, "__module__": "torch.nn"})
    cls.__qualname__ = name
    return cls


for _name in call("names", "nn"):
    if _name not in LAYERS:
        LAYERS[_name] = _make_layer(_name)


def layer_class(engine_class):
    """The Python class for a module the engine made (TransformerEncoder's clones, a slice of Sequential)."""
    cls = LAYERS.get(engine_class)
    if cls is None:
        cls = LAYERS[engine_class] = type(engine_class, (EngineModule,), {"_te_engine_class": engine_class})
    return cls


_core.classes["layer"] = layer_class
