"""nn.Module. The module tree is the engine's: __init__ creates an engine module (whose forward and
extra_repr call back into this object), __setattr__/__delattr__/register_* mirror into the engine's
_parameters/_buffers/_modules, and named_*()/state_dict()/repr()/load_state_dict() are computed there.
Plain attributes (`self.n_head = 4`) stay in the Python object.
"""
import collections
import collections.abc

from ... import _core, _positions
from ..._core import call, call_raw, encode, encode_args, encode_kwargs
from ..._tensor import Tensor
from ..parameter import Parameter

__all__ = ["Module"]


def _module_call(op, module, *args):
    return call(op, module.__dict__["_te_id"], *args)


class Module:
    dump_patches = False
    _version = 1
    call_super_init = False
    # Python subclasses of nn.Module expose only registered members through __getattr__; engine layers
    # (torch.nn.Conv2d, ...) also expose their engine attributes (in_channels, kernel_size, ...).
    _te_members_only = True

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() takes no arguments besides self "
                            f"(got {len(args)} positional and {sorted(kwargs)} keyword arguments)")
        if "_te_id" in self.__dict__:
            return
        cls = type(self)
        info = {"name": cls.__name__, "extraRepr": cls.extra_repr is not Module.extra_repr,
                "created": _positions.creation_site(self)}
        _core.adopt_module(self, call_raw("nnPython", info)["m"][0])

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args, **kwargs):
        return call("mcall", self.__dict__["_te_id"], [encode(a) for a in args], encode_kwargs(kwargs) if kwargs else None)

    _call_impl = _wrapped_call_impl = __call__

    # ---- attributes ----

    def __getattr__(self, name):
        handle_id = self.__dict__.get("_te_id")
        if handle_id is not None and not name.startswith("__"):
            found, value = call("mget", handle_id, name, type(self)._te_members_only)
            if found:
                if type(value) is _core._Method:
                    return _engine_method(self, value.name)
                return value
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name, value):
        d = self.__dict__
        handle_id = d.get("_te_id")
        if handle_id is None:
            if isinstance(value, (Module, Parameter)):
                what = "module" if isinstance(value, Module) else "parameters"
                raise AttributeError(f"cannot assign {what} before Module.__init__() call")
            object.__setattr__(self, name, value)
            return
        if isinstance(value, Tensor) and value.__dict__.get("_buffer_persistent") is not None:
            d.pop(name, None)
            self.register_buffer(name, value, persistent=value.__dict__.pop("_buffer_persistent"))
            return
        members_only = type(self)._te_members_only
        assigned = _positions.assignment_site() if isinstance(value, Module) else None
        # Python subclasses keep plain values; the engine only needs to see that they are not members.
        sent = encode(value) if not members_only or isinstance(value, _ENGINE_VALUES) else _PLAIN_VALUE
        if call("mset", handle_id, name, sent, members_only, assigned):
            d.pop(name, None)
        else:
            object.__setattr__(self, name, value)

    def __delattr__(self, name):
        if not call("mdel", self.__dict__["_te_id"], name):
            object.__delattr__(self, name)

    def __dir__(self):
        members = [name for name, _ in _members_of(self, "all")]
        return sorted(set(object.__dir__(self)) | set(members))

    @property
    def training(self):
        return call("mget", self.__dict__["_te_id"], "training", False)[1]

    @training.setter
    def training(self, mode):
        call("mset", self.__dict__["_te_id"], "training", bool(mode), False, None)

    @property
    def _modules(self):
        return collections.OrderedDict(_members_of(self, "modules"))

    @property
    def _parameters(self):
        return collections.OrderedDict(_members_of(self, "parameters"))

    @property
    def _buffers(self):
        return collections.OrderedDict(_members_of(self, "buffers"))

    # ---- registration ----

    def register_buffer(self, name, tensor, persistent=True):
        if name in self.__dict__ and "_te_id" in self.__dict__:
            raise KeyError(f"attribute '{name}' already exists")
        _module_call("mm", self, "register_buffer", [encode(name), encode(tensor), bool(persistent)], None)

    def register_parameter(self, name, param):
        if isinstance(name, str) and name in self.__dict__:
            raise KeyError(f"attribute '{name}' already exists")
        _module_call("mm", self, "register_parameter", [encode(name), encode(param)], None)

    def add_module(self, name, module):
        if isinstance(name, str) and name in self.__dict__:
            raise KeyError(f"attribute '{name}' already exists")
        _module_call("mm", self, "add_module", [encode(name), encode(module)], None)
        if isinstance(module, Module):
            _note_assignment(module, _positions.assignment_site())

    def register_module(self, name, module):
        self.add_module(name, module)

    def get_submodule(self, target):
        return _module_call("mm", self, "get_submodule", [target], None)

    def set_submodule(self, target, module, strict=False):
        _module_call("mm", self, "set_submodule", [target, encode(module), strict], None)

    def get_parameter(self, target):
        return _module_call("mm", self, "get_parameter", [target], None)

    def get_buffer(self, target):
        return _module_call("mm", self, "get_buffer", [target], None)

    # ---- traversal (generators, PyTorch's order and de-duplication) ----

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        pairs = _module_call("mm", self, "named_modules", [None, prefix, remove_duplicate], None)
        for name, module in pairs:
            if memo is not None:
                if module in memo:
                    continue
                if remove_duplicate:
                    memo.add(module)
            yield name, module

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        yield from _module_call("mm", self, "named_children", [], None)

    def children(self):
        for _, module in self.named_children():
            yield module

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        yield from _module_call("mm", self, "named_parameters", [prefix, recurse, remove_duplicate], None)

    def parameters(self, recurse=True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        yield from _module_call("mm", self, "named_buffers", [prefix, recurse, remove_duplicate], None)

    def buffers(self, recurse=True):
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    # ---- state ----

    def state_dict(self, *args, destination=None, prefix="", keep_vars=False):
        if args:
            destination = args[0] if len(args) > 0 else destination
            prefix = args[1] if len(args) > 1 else prefix
            keep_vars = args[2] if len(args) > 2 else keep_vars
        state = _module_call("mm", self, "state_dict", [], {"prefix": prefix, "keep_vars": bool(keep_vars)})
        if destination is None:
            return state
        destination.update(state)
        if hasattr(destination, "_metadata") and hasattr(state, "_metadata"):
            destination._metadata.update(state._metadata)
        return destination

    def load_state_dict(self, state_dict, strict=True, assign=False):
        if not isinstance(state_dict, collections.abc.Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        result = _module_call("mm", self, "load_state_dict", [encode(state_dict)], {"strict": bool(strict), "assign": bool(assign)})
        _core.bump_generation()
        return result

    # ---- mode and conversion ----

    def apply(self, fn):
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    def train(self, mode=True):
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        _module_call("mm", self, "train", [mode], None)
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        _module_call("mm", self, "requires_grad_", [bool(requires_grad)], None)
        return self

    def zero_grad(self, set_to_none=True):
        return None

    def _convert(self, method, args=(), kwargs=None):
        _module_call("mm", self, method, encode_args(args), encode_kwargs(kwargs) if kwargs else None)
        _core.bump_generation()
        return self

    def to(self, *args, **kwargs):
        from ..._types import as_dtype

        args = [as_dtype(a) if a in (float, int, bool) else a for a in args]
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)
        return self._convert("to", args, kwargs)

    def type(self, dst_type):
        from ..._types import as_dtype

        return self._convert("type", [as_dtype(dst_type)])

    def float(self):
        return self._convert("float")

    def double(self):
        return self._convert("double")

    def half(self):
        return self._convert("half")

    def bfloat16(self):
        return self._convert("bfloat16")

    def _apply(self, fn, recurse=True):
        return self._convert("_apply", [fn])

    def cuda(self, device=None):
        return self

    def cpu(self):
        return self

    def xpu(self, device=None):
        return self

    def to_empty(self, *, device=None, recurse=True):
        return self

    def share_memory(self):
        return self

    def compile(self, *args, **kwargs):
        return None

    # ---- hooks ----

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False, always_call=False):
        return _module_call("mm", self, "register_forward_hook", [encode(hook)],
                            {"prepend": prepend, "with_kwargs": with_kwargs, "always_call": always_call})

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        return _module_call("mm", self, "register_forward_pre_hook", [encode(hook)],
                            {"prepend": prepend, "with_kwargs": with_kwargs})

    def register_full_backward_hook(self, hook, prepend=False):
        return _NoHook()

    register_backward_hook = register_full_backward_pre_hook = register_full_backward_hook

    def register_state_dict_pre_hook(self, hook):
        return _NoHook()

    def register_load_state_dict_post_hook(self, hook):
        return _NoHook()

    _register_state_dict_hook = _register_load_state_dict_pre_hook = register_state_dict_pre_hook

    # ---- printing and copying ----

    def extra_repr(self):
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        return call("repr", self.__dict__["_te_id"])

    def __deepcopy__(self, memo):
        from .copying import deepcopy_module

        return deepcopy_module(self, memo)

    def __copy__(self):
        raise TypeError("copy.copy() of a module is not supported by Torch Explorer; use copy.deepcopy()")

    def __getstate__(self):
        raise TypeError("Torch Explorer modules cannot be pickled inside the engine")

    __hash__ = object.__hash__


_ENGINE_VALUES = (Tensor, Module, type(None), bool, int, float, str)
_PLAIN_VALUE = {"o": 0}


class _NoHook:
    """Backward and state-dict hooks never run in the engine (no autograd); the handle removes nothing."""

    def remove(self):
        pass


def _members_of(module, which):
    return [tuple(pair) for pair in call("mmembers", module.__dict__["_te_id"], which)]


def _engine_method(module, name):
    handle_id = module.__dict__["_te_id"]

    def method(*args, **kwargs):
        return call("mm", handle_id, name, encode_args(args), encode_kwargs(kwargs) if kwargs else None)

    method.__name__ = name
    return method


def _note_assignment(module, where):
    if where is not None:
        call("mnote", module.__dict__["_te_id"], {"assigned": where})


_core.classes["Module"] = Module
