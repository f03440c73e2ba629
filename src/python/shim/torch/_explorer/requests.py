"""Requests of the engine process that need Python: JSON in, JSON out (the host never holds Python objects).

    entries      {moduleName, entryFile}  -> [{name, kind, line}]   (after the runner evaluated the file)
    instantiate  {entry, kwargs}          -> {handle, entry}        (the root module's engine handle)
    describe     {token}                  -> error of a Python exception raised inside an engine callback
"""
import json
import os
import sys

from _torch_explorer import imports, runner

from .. import _core, manual_seed, nn
from . import entries as _entries

_state = {"module": None, "file": None, "entries": {}}


def handle(request_json):
    request = json.loads(request_json)
    try:
        result = _HANDLERS[request["kind"]](request)
        return json.dumps({"ok": True, "result": result})
    except BaseException as exc:  # noqa: B036 - the time limit (KeyboardInterrupt) is reported, not obeyed
        return json.dumps({"ok": False, "error": runner.describe_error(exc)})
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


def _entries_of(request):
    module = sys.modules[request["moduleName"]]
    with open(os.path.join(imports.WORKSPACE, request["entryFile"]), encoding="utf-8") as f:
        source = f.read()
    found = _entries.list_entries(module, source)
    _state["module"] = module
    _state["file"] = request["entryFile"]
    _state["entries"] = {e["name"]: e["kind"] for e in found}
    return found


def _instantiate(request):
    module = _state["module"]
    if module is None:
        raise RuntimeError("no file has been evaluated yet: list its entries first")
    name = request["entry"]
    kind = _state["entries"].get(name)
    if kind is None:
        known = ", ".join(sorted(_state["entries"])) or "none"
        raise ValueError(f"{name!r} is not an entry of {_state['file']} (entries: {known})")
    kwargs = request.get("kwargs") or {}
    value = getattr(module, name)
    if kind == "instance":
        if kwargs:
            raise TypeError(f"{name} is a module instance; it takes no keyword arguments")
        model = value
    else:
        manual_seed(0)
        model = value(**kwargs)
        if not isinstance(model, nn.Module):
            raise TypeError(f"{name}() returned {type(model).__name__}, not an nn.Module")
    return {"handle": model.__dict__["_te_id"], "entry": name}


def _describe(request):
    exc = _core.take_error(request["token"])
    if exc is None:
        return {"code": "Internal", "type": "InternalError", "message": "the Python error of this request was lost"}
    return runner.describe_error(exc)


_HANDLERS = {"entries": _entries_of, "instantiate": _instantiate, "describe": _describe}
