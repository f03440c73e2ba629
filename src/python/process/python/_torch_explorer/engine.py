"""The shim's only door to the TypeScript engine.

    from _torch_explorer import engine
    handle = engine.call("nn.newModule", "Conv2d", {"in_channels": 3})

Arguments are converted deeply to JS (dict -> plain object, list/tuple -> array, bytes-like -> typed array);
any other Python object arrives in JS as a borrowed proxy the engine must copy() to keep. Results come back
as Python values (dict, list, memoryview for binary) - never as JS proxies. Engine errors are raised as the
Python exception type the engine names (RuntimeError, ValueError, TypeError, IndexError, ...).
"""
import builtins

import _torch_explorer_bridge as _bridge

_RAISABLE = frozenset({
    "RuntimeError", "ValueError", "TypeError", "IndexError", "KeyError", "AttributeError",
    "NotImplementedError", "MemoryError", "AssertionError", "ZeroDivisionError",
})


def call(method, *args):
    ok, value = _bridge.call(method, args)
    if ok:
        return value
    exc_type = getattr(builtins, value["type"]) if value["type"] in _RAISABLE else RuntimeError
    raise exc_type(value["message"])


def methods():
    return call("bridge.methods")
