"""Sequential, ModuleList, ModuleDict, ParameterList and ParameterDict: engine containers with Python's
indexing, iteration and len(); every operation is the engine container's own."""
import collections
import operator

from .engine_module import EngineModule


def _index(i):
    return i if isinstance(i, slice) else operator.index(i)


class _ModuleSequence(EngineModule):
    """What Sequential and ModuleList share: indexing by int or slice, len(), iteration, append and pop."""

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

    def append(self, module):
        self._engine("append", module)
        return self

    def pop(self, key):
        return self._engine("pop", _index(key))


class Sequential(_ModuleSequence):
    _te_engine_class = "Sequential"

    def __add__(self, other):
        if not isinstance(other, Sequential):
            raise ValueError(f"add operator supports only objects of Sequential class, but {type(other)} is given.")
        return Sequential(*self, *other)

    def extend(self, sequential):
        self._engine("extend", list(sequential))
        return self

    def insert(self, index, module):
        self._engine("insert", index, module)
        return self


class ModuleList(_ModuleSequence):
    _te_engine_class = "ModuleList"

    def __init__(self, modules=None):
        EngineModule.__init__(self, list(modules) if modules is not None else None)

    def __add__(self, other):
        return ModuleList([*self, *other])

    def extend(self, modules):
        self._engine("extend", list(modules))
        return self

    def insert(self, index, module):
        self._engine("insert", index, module)


class _EngineDict(EngineModule):
    """What ModuleDict and ParameterDict share: every mapping operation but reading an item and update."""

    def __setitem__(self, key, value):
        self._engine("set", key, value)

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

    def pop(self, key):
        return self._engine("pop", key)

    def clear(self):
        self._engine("clear")


class ModuleDict(_EngineDict):
    _te_engine_class = "ModuleDict"

    def __init__(self, modules=None):
        EngineModule.__init__(self, _pairs(modules) if modules is not None else None)

    def __getitem__(self, key):
        return self._engine("get", key)

    def update(self, modules):
        self._engine("update", _pairs(modules))


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


class ParameterDict(_EngineDict):
    _te_engine_class = "ParameterDict"

    def __init__(self, parameters=None):
        EngineModule.__init__(self, _parameter_pairs(parameters) if parameters is not None else None)

    def __getitem__(self, key):
        return self._engine("item", key)

    def get(self, key, default=None):
        return self[key] if key in self else default

    def setdefault(self, key, default=None):
        return self._engine("setdefault", key, default)

    def update(self, parameters):
        self._engine("update", _parameter_pairs(parameters))


def _parameter_pairs(parameters):
    """PyTorch applies a plain dict in sorted key order and ordered mappings in their own order."""
    if isinstance(parameters, (collections.OrderedDict, ParameterDict)):
        return [list(pair) for pair in parameters.items()]
    if isinstance(parameters, dict):
        return [[k, parameters[k]] for k in sorted(parameters)]
    return [list(pair) for pair in parameters]
