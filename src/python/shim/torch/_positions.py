"""Where a module was created and assigned, as VS Code positions (1-based lines, UTF-16 columns).

Positions come from the running frames (`co_positions()` at the current instruction), so they are exact for
code that ran; only workspace files count (the shim and the standard library are skipped).
"""
import linecache
import sys

from _torch_explorer.imports import workspace_relative
from _torch_explorer.runner import utf16_column

_positions = {}  # code object -> list of (line, end_line, column, end_column) per code unit


def location(frame):
    """{file, line, column, endLine, endColumn} of the instruction the frame is executing."""
    code = frame.f_code
    relative = workspace_relative(code.co_filename)
    if relative is None:
        return None
    table = _positions.get(code)
    if table is None:
        table = _positions[code] = list(code.co_positions())
    index = frame.f_lasti // 2
    line, end_line, column, end_column = table[index] if 0 <= index < len(table) else (None, None, None, None)
    line = line or frame.f_lineno
    where = {"file": relative, "line": line}
    if column is not None:
        where["column"] = utf16_column(linecache.getline(code.co_filename, line), column)
    if end_line is not None and end_column is not None:
        where["endLine"] = end_line
        where["endColumn"] = utf16_column(linecache.getline(code.co_filename, end_line), end_column)
    return where


def _first_workspace_frame(frame):
    while frame is not None:
        if workspace_relative(frame.f_code.co_filename) is not None:
            return frame
        frame = frame.f_back
    return None


def creation_site(obj):
    """The constructor call that created obj: above the __init__ chain of obj, in a workspace file."""
    frame = sys._getframe(2)
    while frame is not None and _is_method_of(frame, obj):
        frame = frame.f_back
    frame = _first_workspace_frame(frame)
    return location(frame) if frame is not None else None


def assignment_site(depth=2):
    """The statement that assigned an attribute (`self.features = ...`), when it is in a workspace file."""
    frame = sys._getframe(depth)
    if workspace_relative(frame.f_code.co_filename) is None:
        return None
    return location(frame)


def _is_method_of(frame, obj):
    code = frame.f_code
    if not code.co_argcount:
        return False
    try:
        return frame.f_locals.get(code.co_varnames[0]) is obj
    except Exception:  # noqa: BLE001 - an exotic frame is simply not a method of obj
        return False


def forget_sources():
    """Workspace files change between evaluations."""
    linecache.clearcache()
    _positions.clear()
