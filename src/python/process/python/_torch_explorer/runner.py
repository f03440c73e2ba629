"""Evaluation of workspace files. JSON in, JSON out: the JS side never holds Python objects from here."""
import ast
import functools
import importlib
import inspect
import json
import os
import shutil
import sys
import time
import traceback

from . import imports

WORKSPACE = imports.WORKSPACE
_settings = {"maxWasmMb": 0}
_reset_hooks = []


def configure(settings_json):
    _settings.update(json.loads(settings_json))


def on_reset(hook):
    """Called at the start of every evaluation (the shim clears its engine-side registries here)."""
    _reset_hooks.append(hook)


# ------------------------------------------------------------------------------------------ files


def _checked_relative_path(path):
    parts = path.replace("\\", "/").split("/")
    if path.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"workspace file path must be relative and normalised: {path!r}")
    return "/".join(parts)


def _write_workspace(files):
    shutil.rmtree(WORKSPACE, ignore_errors=True)
    os.makedirs(WORKSPACE)
    for path, source in files.items():
        full = os.path.join(WORKSPACE, _checked_relative_path(path))
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as f:
            f.write(source)


def module_name_for(entry):
    """Dotted name from the path when every folder is an identifier (so `from ..x` works as in the
    project); otherwise the file runs inside the synthetic package rooted at its folder."""
    stem = entry[:-3] if entry.endswith(".py") else entry
    parts = stem.split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    if len(parts) > 1 and all(p.isidentifier() for p in parts):
        return ".".join(parts)
    return f"{imports.SYNTHETIC_PACKAGE}.{parts[-1] if parts else '__init__'}"


# ------------------------------------------------------------------------------------------ positions


def utf16_column(line_text, utf8_offset):
    """CPython reports columns as UTF-8 byte offsets; VS Code counts UTF-16 code units."""
    prefix = line_text.encode("utf-8")[:utf8_offset].decode("utf-8", "replace")
    return len(prefix.encode("utf-16-le")) // 2


def _source_line(relative, line):
    try:
        with open(os.path.join(WORKSPACE, relative), encoding="utf-8") as f:
            return f.read().splitlines()[line - 1]
    except (OSError, IndexError):
        return ""


def _top_level_definitions(source):
    """name -> (line, column) of the first top-level def/class/assignment, including inside if/try/with."""
    found = {}
    lines = source.splitlines()

    def note(name, node):
        if name not in found:
            text = lines[node.lineno - 1] if node.lineno <= len(lines) else ""
            found[name] = (node.lineno, utf16_column(text, node.col_offset))

    def visit(statements):
        for node in statements:
            if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                note(node.name, node)
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    for sub in ast.walk(target):
                        if isinstance(sub, ast.Name):
                            note(sub.id, sub)
            elif isinstance(node, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
                for field in ("body", "orelse", "finalbody"):
                    visit(getattr(node, field, []) or [])
                for handler in getattr(node, "handlers", []) or []:
                    visit(handler.body)

    visit(ast.parse(source).body)
    return found


def _kind(value):
    if isinstance(value, type):
        return "class"
    # Decorated functions (lru_cache, wraps) and partials count; callable instances (modules) do not.
    if inspect.isroutine(inspect.unwrap(value)) or isinstance(value, functools.partial):
        return "function"
    return "other"


def top_level_names(module, source):
    definitions = _top_level_definitions(source)
    names = []
    for name, value in vars(module).items():
        if name.startswith("__") or name not in definitions:
            continue
        line, column = definitions[name]
        names.append({"name": name, "kind": _kind(value), "type": type(value).__name__, "line": line, "column": column})
    return names


# ------------------------------------------------------------------------------------------ errors


def _user_frames(stack):
    """Drops the runner and import machinery above the first workspace frame, and importlib's frozen
    frames anywhere; frames below (the shim, the stdlib) stay, as they would in a real traceback."""
    frames = [f for f in stack if not (f.filename or "").startswith("<frozen ")]
    first = next((i for i, f in enumerate(frames) if imports.workspace_relative(f.filename)), None)
    if first is not None:
        return frames[first:]
    return [f for f in frames if "/_torch_explorer/" not in (f.filename or "") and "/importlib/" not in (f.filename or "")]


def describe_error(exc):
    summary = traceback.TracebackException.from_exception(exc)
    summary.stack = traceback.StackSummary.from_list(_user_frames(summary.stack))
    text = "".join(summary.format()).replace(f'File "{WORKSPACE}/', 'File "')
    error = {"code": "PythonError", "type": type(exc).__name__, "message": str(exc), "pythonTraceback": text}

    location = None
    if isinstance(exc, SyntaxError) and imports.workspace_relative(exc.filename):
        relative = imports.workspace_relative(exc.filename)
        line_text = _source_line(relative, exc.lineno or 1)
        offset = max((exc.offset or 1) - 1, 0)
        column = len(line_text[:offset].encode("utf-16-le")) // 2
        location = {"file": relative, "line": exc.lineno or 1, "column": column}
        error["message"] = exc.msg
    else:
        for frame in reversed(summary.stack):
            relative = imports.workspace_relative(frame.filename)
            if relative is None:
                continue
            location = {"file": relative, "line": frame.lineno}
            line_text = _source_line(relative, frame.lineno)
            if frame.colno is not None:
                location["column"] = utf16_column(line_text, frame.colno)
            if frame.end_lineno is not None and frame.end_colno is not None:
                end_text = line_text if frame.end_lineno == frame.lineno else _source_line(relative, frame.end_lineno)
                location["endLine"] = frame.end_lineno
                location["endColumn"] = utf16_column(end_text, frame.end_colno)
            break
    if location:
        error.update(location)

    # 32-bit CPython reports sizes beyond the address space as OverflowError; 64-bit CPython raises
    # MemoryError for the same code, which is what the user needs to hear.
    if isinstance(exc, OverflowError) and "index-sized integer" in str(exc):
        error.update(code="MemoryLimit", type="MemoryError",
                     message=f"cannot allocate that much memory: the size exceeds the engine's 32-bit Python heap ({exc})")
    elif isinstance(exc, MemoryError):
        cap = _settings.get("maxWasmMb")
        limit = f" (the engine's Python heap is limited to {cap} MiB)" if cap else ""
        error.update(code="MemoryLimit", message=f"out of memory{limit}{': ' + str(exc) if str(exc) else ''}")
    return error


# ------------------------------------------------------------------------------------------ evaluate


def evaluate(request_json):
    request = json.loads(request_json)
    started = time.perf_counter()
    files, entry = request["files"], request["entryFile"]
    try:
        entry = _checked_relative_path(entry)
        if entry not in files:
            raise ValueError(f"entry file {entry!r} is not among the files handed over")
        _write_workspace(files)
    except ValueError as exc:
        return json.dumps({"ok": False, "error": {"code": "BadRequest", "type": "ValueError", "message": str(exc)}})

    for hook in _reset_hooks:
        hook()
    imports.begin_evaluation(entry)
    module_name = module_name_for(entry)
    try:
        module = importlib.import_module(module_name)
        names = top_level_names(module, files[entry])
    except BaseException as exc:  # noqa: B036 - SystemExit and KeyboardInterrupt are reported, not obeyed
        return json.dumps({"ok": False, "error": describe_error(exc), "stubbedImports": imports.stubbed_imports()})
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    result = {
        "moduleName": module_name,
        "names": names,
        "stubbedImports": imports.stubbed_imports(),
        "ms": round((time.perf_counter() - started) * 1000, 2),
    }
    return json.dumps({"ok": True, "result": result})
