"""Python-level lock-down, applied once before any user code runs.

This is a speed bump with clear error messages, not the boundary: Python code can undo most of it
(e.g. importlib.reload of a builtin module). The boundary is Node's permission model around the process.
"""
import gc
import sys

_WHY = "model files are evaluated in a sandbox without processes, native code or host access"

# Names that would start host processes (Emscripten runs os.system through Node's child_process) or kill.
_OS_DENIED = (
    "system", "popen", "fork", "forkpty", "kill", "killpg", "posix_spawn", "posix_spawnp",
    "execl", "execle", "execlp", "execlpe", "execv", "execve", "execvp", "execvpe",
    "spawnl", "spawnle", "spawnlp", "spawnlpe", "spawnv", "spawnve", "spawnvp", "spawnvpe",
)
_SUBPROCESS_DENIED = ("run", "call", "check_call", "check_output", "getoutput", "getstatusoutput")
# ctypes reaches emscripten_run_script_string and arbitrary wasm memory.
BLOCKED_MODULES = frozenset({"ctypes", "_ctypes"})


def _denied(qualified_name):
    def denied(*args, **kwargs):
        raise PermissionError(f"{qualified_name} is not available: {_WHY}")

    denied.__name__ = qualified_name.rpartition(".")[2]
    denied.__qualname__ = denied.__name__
    return denied


class _DeniedPopen:
    def __init__(self, *args, **kwargs):
        raise PermissionError(f"subprocess.Popen is not available: {_WHY}")


class BlockedModuleFinder:
    """First on sys.meta_path: refuses modules that give native-code access."""

    @staticmethod
    def find_spec(fullname, path=None, target=None):
        if fullname.partition(".")[0] in BLOCKED_MODULES:
            raise PermissionError(f"import of {fullname!r} is not allowed: {_WHY}")
        return None

    @staticmethod
    def invalidate_caches():
        pass


def _block_processes():
    import os
    import posix
    import subprocess

    for module, prefix in ((os, "os"), (posix, "posix")):
        for name in _OS_DENIED:
            if hasattr(module, name):
                setattr(module, name, _denied(f"{prefix}.{name}"))
    subprocess.Popen = _DeniedPopen
    for name in _SUBPROCESS_DENIED:
        setattr(subprocess, name, _denied(f"subprocess.{name}"))


def _block_native_modules():
    import _imp

    for name in list(sys.modules):
        if name.partition(".")[0] in BLOCKED_MODULES:
            del sys.modules[name]
    sys.meta_path.insert(0, BlockedModuleFinder)
    create_builtin = _imp.create_builtin

    def guarded_create_builtin(spec):
        if spec.name in BLOCKED_MODULES:
            raise PermissionError(f"import of {spec.name!r} is not allowed: {_WHY}")
        return create_builtin(spec)

    _imp.create_builtin = guarded_create_builtin


def _cut_pyodide_handles():
    """Drops every route from Python to Pyodide's own JS API (pyodide_js: FS, mountNodeFS, _module, _api)."""
    import _pyodide._importhook as importhook
    import pyodide._package_loader
    import pyodide.code
    import pyodide.webloop

    for name in [n for n in sys.modules if n == "pyodide_js" or n.startswith("pyodide_js.")]:
        del sys.modules[name]
    pyodide.code.run_js = None
    pyodide._package_loader.loadedPackages = None
    pyodide.webloop.scheduleCallback = _denied("asyncio scheduling")
    # Loaders of already imported JS modules keep the proxy alive and gc.get_objects() finds them.
    for obj in gc.get_objects():
        if isinstance(obj, importhook.JsLoader):
            obj.jsproxy = None
    finders = [f for f in sys.meta_path if isinstance(f, importhook.JsFinder)]
    for finder in finders:
        finder.jsproxies.pop("pyodide_js", None)


_applied = False


def apply():
    """Idempotent: it runs again after a memory snapshot is restored, when Pyodide's JS side is new."""
    global _applied
    sys.dont_write_bytecode = True
    _cut_pyodide_handles()
    if not _applied:
        _block_processes()
        _block_native_modules()
        _applied = True
