"""The shim's door to the engine: one bridge method, `te`, and the value encoding both ways.

Engine objects live in the engine; Python holds integer handles. Tensor wrappers are weak (a dead wrapper's
id rides along with the next call, so releases cost no extra crossing); module and parameter wrappers are
strong until the next evaluation, so Python attributes set on them (and `a.weight is b.weight`) persist.
Markers (see src/python/process/engine/codec.ts): {t} tensor, {m} module, {f} float, {s} slice, {e}
Ellipsis, {D} dict, {fn} engine F function, {c} Python callable, {o} opaque Python object, {x} other engine
object, {nt} named tuple, {sd} state dict, {meth} engine method.
"""
import builtins
import collections
import json
import weakref

import _torch_explorer_bridge as _bridge
from pyodide.ffi import jsnull as _jsnull

_bridge_call = _bridge.call

_releases = []  # ids of tensor wrappers that died since the last call
_tensors = {}  # id -> weakref to the Tensor wrapper (plain dict of refs: faster than WeakValueDictionary)
_strong = {}  # id -> module / parameter / engine-object wrapper
_callables = {}  # token -> Python callable handed to the engine
_callable_tokens = {}  # callable -> token
_opaque = {}  # token -> Python object the engine carries without looking inside
_errors = {}  # token -> exception raised inside an engine callback
_next_token = [1]
generation = [0]  # bumped when the engine may have rebound tensors (module.to(), .data = ...)

_EXCEPTIONS = {name: getattr(builtins, name) for name in (
    "RuntimeError", "ValueError", "TypeError", "IndexError", "KeyError", "AttributeError",
    "NotImplementedError", "MemoryError", "AssertionError", "ZeroDivisionError", "RecursionError",
)}

# Filled by the modules that define the wrapper classes (they import this one).
classes = {}


def _token():
    token = _next_token[0]
    _next_token[0] = token + 1
    return token


def call(op, *args):
    """engine op -> decoded Python value; engine errors raise the Python type the engine names."""
    return decode(call_raw(op, *args))


def call_raw(op, *args):
    global _releases
    released = _releases
    if released:
        _releases = []
        for handle_id in released:
            _tensors.pop(handle_id, None)
    else:
        released = None
    ok, value = _bridge_call("te", (op, released) + args)
    if ok:
        return value
    kind = value["type"]
    if kind == "PythonCallbackError":
        raise _errors.pop(int(value["message"]))
    raise _EXCEPTIONS.get(kind, RuntimeError)(value["message"])


def release_later(handle_id):
    _releases.append(handle_id)


def bump_generation():
    generation[0] += 1


# ------------------------------------------------------------------------------------------ Python -> engine

_INF = float("inf")


class _Method:
    """An engine method named by `module.__getattr__` (the module wraps it into a bound callable)."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name


def _encode_float(v):
    if v.is_integer():
        return {"f": v}
    if v != v:
        return {"f": "nan"}
    if v == _INF or v == -_INF:
        return {"f": "inf" if v > 0 else "-inf"}
    return v


def _encode_callable(fn):
    try:
        token = _callable_tokens.get(fn)
    except TypeError:  # unhashable callable
        token = None
    if token is None:
        token = _token()
        _callables[token] = fn
        try:
            _callable_tokens[fn] = token
        except TypeError:
            pass
    return {"c": token}


def encode(v):
    t = type(v)
    if t is int or t is str or t is bool or v is None:
        return v
    if t is float:
        return _encode_float(v)
    ref = getattr(v, "_te_ref", None)
    if ref is not None:
        return ref
    if isinstance(v, classes["Module"]):
        raise AttributeError(f"{type(v).__name__} was used before Module.__init__() was called")
    if t is list or t is tuple or isinstance(v, (list, tuple)):
        return [encode(x) for x in v]
    if isinstance(v, dict):
        pairs = [[encode(k), encode(x)] for k, x in v.items()]
        meta = getattr(v, "_metadata", None)
        if meta is not None:
            return {"sd": [pairs, [[k, encode(m)] for k, m in meta.items()]]}
        return {"D": pairs}
    if t is slice:
        return {"s": [encode(v.start), encode(v.stop), encode(v.step)]}
    if v is Ellipsis:
        return {"e": 0}
    if isinstance(v, float):
        return _encode_float(float(v))
    if isinstance(v, int):
        return int(v)
    if isinstance(v, (bytes, bytearray, memoryview)):
        return v
    name = getattr(v, "_te_fn", None)
    if name is not None:
        return {"fn": name}
    if isinstance(v, (set, frozenset, range, type({}.keys()), type({}.values()))) or _is_iterator(v):
        return [encode(x) for x in v]
    if callable(v):
        return _encode_callable(v)
    token = _token()
    _opaque[token] = v
    return {"o": token}


def _is_iterator(v):
    return hasattr(v, "__next__") and hasattr(v, "__iter__")


def encode_args(args):
    return [encode(a) for a in args]


def encode_kwargs(kwargs):
    return {k: encode(v) for k, v in kwargs.items()}


# ------------------------------------------------------------------------------------------ engine -> Python


def decode(v):
    t = type(v)
    if t is dict:
        return _decode_marker(v)
    if t is list:
        return tuple([decode(x) for x in v])
    if v is _jsnull:  # a JS null that reached Python without going through encode()
        return None
    return v


def tensor_from(marker):
    """A wrapper for [id, shape, dtype, isParameter]; the same engine tensor gives the same wrapper."""
    handle_id, shape, dtype, is_parameter = marker
    if is_parameter:
        wrapper = _strong.get(handle_id)
    else:
        ref = _tensors.get(handle_id)
        wrapper = ref() if ref is not None else None
    if wrapper is None:
        if _releases and handle_id in _releases:
            _releases.remove(handle_id)
        wrapper = object.__new__(classes["Parameter" if is_parameter else "Tensor"])
        adopt_tensor(wrapper, handle_id)
    wrapper._shape = tuple(shape)
    wrapper._dtype = dtype
    wrapper._gen = generation[0]
    return wrapper


def adopt_tensor(wrapper, handle_id):
    d = wrapper.__dict__
    d["_id"] = handle_id
    d["_te_ref"] = {"t": handle_id}
    if isinstance(wrapper, classes["Parameter"]):
        _strong[handle_id] = wrapper
    else:
        _tensors[handle_id] = weakref.ref(wrapper)


def module_from(marker):
    handle_id, engine_class = marker
    wrapper = _strong.get(handle_id)
    if wrapper is None:
        wrapper = object.__new__(classes["layer"](engine_class))
        adopt_module(wrapper, handle_id)
    return wrapper


def adopt_module(wrapper, handle_id):
    d = wrapper.__dict__
    d["_te_id"] = handle_id
    d["_te_ref"] = {"m": handle_id}
    _strong[handle_id] = wrapper


def _decode_float(v):
    return float(v)


def _decode_dict(pairs):
    return {decode(k): decode(x) for k, x in pairs}


def _decode_state_dict(payload):
    pairs, meta = payload
    out = collections.OrderedDict((k, decode(x)) for k, x in pairs)
    if meta is not None:
        out._metadata = collections.OrderedDict((k, decode(m)) for k, m in meta)
    return out


def _decode_slice(parts):
    return slice(*parts)


def _decode_named_tuple(payload):
    name, fields, values = payload
    cls = _named_tuples.get((name, tuple(fields)))
    if cls is None:
        cls = _named_tuples[(name, tuple(fields))] = _named_tuple_class(name, fields)
    if name == "_IncompatibleKeys":  # PyTorch's key lists are lists
        return cls(*[list(decode(v)) for v in values])
    return cls(*[decode(v) for v in values])


def _named_tuple_class(name, fields):
    cls = collections.namedtuple(name, fields)
    if name == "_IncompatibleKeys":
        def __repr__(self):
            if not self.missing_keys and not self.unexpected_keys:
                return "<All keys matched successfully>"
            return f"_IncompatibleKeys(missing_keys={self.missing_keys!r}, unexpected_keys={self.unexpected_keys!r})"
        cls.__repr__ = __repr__
        cls.__new__.__defaults__ = None
        return cls
    return cls


_named_tuples = {}


def _decode_object(marker):
    handle_id, engine_class = marker
    wrapper = _strong.get(handle_id)
    if wrapper is None:
        wrapper = _strong[handle_id] = EngineObject(handle_id, engine_class)
    return wrapper


_MARKERS = {
    "t": tensor_from,
    "m": module_from,
    "f": _decode_float,
    "D": _decode_dict,
    "sd": _decode_state_dict,
    "s": _decode_slice,
    "nt": _decode_named_tuple,
    "x": _decode_object,
    "o": lambda token: _opaque[token],
    "meth": _Method,
}


def _decode_marker(v):
    for key, value in v.items():
        return _MARKERS[key](value)


class EngineObject:
    """Another engine object Python holds (a hook's RemovableHandle, ...): its methods run in the engine."""

    def __init__(self, handle_id, engine_class):
        self._te_ref = {"x": handle_id}
        self._id = handle_id
        self._engine_class = engine_class

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)

        def method(*args, **kwargs):
            return call("om", self._id, name, encode_args(args), encode_kwargs(kwargs))

        method.__name__ = name
        return method

    def __repr__(self):
        return f"<engine {self._engine_class}>"


# ------------------------------------------------------------------------------------------ engine -> Python calls


def _dispatch(kind, handle_id, payload):
    """Called by the engine with strings and numbers only; returns JSON. Exceptions travel by token, so the
    Python code that called into the engine re-raises the original exception with its traceback."""
    try:
        request = json.loads(payload)
        if kind == "forward":
            args, kwargs = _call_arguments(request)
            result = _strong[handle_id].forward(*args, **kwargs)
        elif kind == "call":
            args, kwargs = _call_arguments(request)
            result = _callables[handle_id](*args, **kwargs)
        elif kind == "extra_repr":
            result = str(_strong[handle_id].extra_repr())
        else:
            raise RuntimeError(f"unknown engine callback {kind!r}")
        return json.dumps({"v": encode(result)})
    except BaseException as exc:  # noqa: B036 - KeyboardInterrupt (the time limit) must travel too
        token = _token()
        _errors[token] = exc.with_traceback(_without_plumbing(exc.__traceback__))
        return json.dumps({"error": token})


def _without_plumbing(tb):
    """The traceback without this file's frames (call/call_raw/_dispatch), which say nothing about the model."""
    kept = []
    while tb is not None:
        if tb.tb_frame.f_code.co_filename != __file__:
            kept.append(tb)
        tb = tb.tb_next
    for outer, inner in zip(kept, kept[1:]):
        outer.tb_next = inner
    if kept:
        kept[-1].tb_next = None
    return kept[0] if kept else None


def _call_arguments(request):
    args = tuple([decode(a) for a in request["a"]])
    kwargs = {k: decode(v) for k, v in request["k"].items()}
    return args, kwargs


def take_error(token):
    """The exception behind a callback token that surfaced outside Python (a request of the host)."""
    return _errors.pop(token, None)


def reset():
    """A new evaluation: the engine forgets every handle, Python every wrapper."""
    global _releases
    _releases = []
    _tensors.clear()
    _strong.clear()
    _callables.clear()
    _callable_tokens.clear()
    _opaque.clear()
    _errors.clear()
    bump_generation()
    call_raw("reset")


call_raw("dispatcher", _dispatch)
