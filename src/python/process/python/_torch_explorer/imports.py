"""Import layer: workspace files resolve first, then unknown imports become permissive, reported stubs.

sys.meta_path after install():  BlockedModuleFinder, BuiltinImporter, FrozenImporter, WorkspaceFinder,
PathFinder, (Pyodide's JsFinder), StubFinder.  The stub finder is last, so it only sees imports that
really failed everywhere else.
"""
import importlib.abc
import importlib.machinery
import os
import sys

WORKSPACE = "/workspace"
# Synthetic package whose __path__ is the entry file's folder, so `from .helpers import x` works for a
# file that is not inside an importable package.
SYNTHETIC_PACKAGE = "__workspace__"

# Never shadowed by workspace files and never stubbed: our runtime, Pyodide internals, the torch shim.
PROTECTED_TOP_LEVEL = frozenset({"torch", "pyodide", "pyodide_js", "js", "micropip", "_torch_explorer"})


def workspace_relative(filename):
    if filename and filename.startswith(WORKSPACE + "/"):
        return filename[len(WORKSPACE) + 1 :]
    return None


def _workspace_location():
    """Innermost frame of a workspace file on the current stack, as (relative file, line)."""
    frame = sys._getframe(1)
    while frame is not None:
        relative = workspace_relative(frame.f_code.co_filename)
        if relative is not None:
            return {"file": relative, "line": frame.f_lineno}
        frame = frame.f_back
    return None


# ------------------------------------------------------------------------------------------ stubs


class StubMeta(type):
    """Classes derived from a stub answer any missing class attribute (e.g. `Weights.DEFAULT`)."""

    def __getattr__(cls, attr):
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        return Stub(f"{cls.__qualname__}.{attr}")


class StubBase(metaclass=StubMeta):
    def __init__(self, *args, **kwargs):
        pass

    def __getattr__(self, attr):
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        return Stub(f"{type(self).__qualname__}().{attr}")


_stub_classes = {}


def _binary(self, *args):
    return Stub(f"({self._stub_name} op)")


class Stub:
    """Stands for anything reached through a stubbed module: callable, subscriptable, iterable (empty),
    falsy, usable as a base class and as a decorator (a single positional argument is passed through)."""

    __slots__ = ("_stub_name",)

    def __init__(self, name):
        object.__setattr__(self, "_stub_name", name)

    def __getattr__(self, attr):
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        return Stub(f"{self._stub_name}.{attr}")

    def __setattr__(self, attr, value):
        pass

    def __call__(self, *args, **kwargs):
        if len(args) == 1 and not kwargs:
            return args[0]
        return Stub(f"{self._stub_name}()")

    def __getitem__(self, key):
        return Stub(f"{self._stub_name}[]")

    def __setitem__(self, key, value):
        pass

    def __iter__(self):
        return iter(())

    def __len__(self):
        return 0

    def __bool__(self):
        return False

    def __contains__(self, item):
        return False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __repr__(self):
        return f"<stub {self._stub_name}>"

    def __mro_entries__(self, bases):
        cls = _stub_classes.get(self._stub_name)
        if cls is None:
            short = self._stub_name.rpartition(".")[2] or "Stub"
            cls = StubMeta(short, (StubBase,), {"__module__": self._stub_name.rpartition(".")[0] or "stub"})
            cls.__qualname__ = short
            _stub_classes[self._stub_name] = cls
        return (cls,)

    def __instancecheck__(self, instance):
        return False

    def __subclasscheck__(self, subclass):
        return False

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _binary
    __truediv__ = __rtruediv__ = __floordiv__ = __matmul__ = __neg__ = __or__ = __ror__ = _binary


class StubModule(type(sys)):
    def __getattr__(self, attr):
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        return Stub(f"{self.__name__}.{attr}")


def _never_stubbed(fullname):
    top = fullname.partition(".")[0]
    return (
        top.startswith("_")
        or fullname in PROTECTED_TOP_LEVEL
        or top in PROTECTED_TOP_LEVEL - {"torch"}
        or top in sys.stdlib_module_names
    )


class StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self):
        self.records = []

    def find_spec(self, fullname, path=None, target=None):
        if _never_stubbed(fullname):
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec):
        return StubModule(spec.name)

    def exec_module(self, module):
        module.__path__ = []  # a package, so `import missing.sub.deep` stubs all the way down
        module.__file__ = None
        record = {"name": module.__name__}
        location = _workspace_location()
        if location is not None:
            record["importedFrom"] = location
        self.records.append(record)


# ------------------------------------------------------------------------------------------ workspace


class WorkspaceFinder(importlib.abc.MetaPathFinder):
    """Top-level imports from the workspace: the entry file's folder, then each parent up to the root.
    Submodules resolve through their parent package's __path__ with the normal PathFinder."""

    def __init__(self):
        self.search_dirs = [WORKSPACE]
        self.entry_dir = WORKSPACE

    def set_entry(self, entry_relative_path):
        folder = os.path.dirname(entry_relative_path)
        dirs = []
        while True:
            dirs.append(os.path.join(WORKSPACE, folder) if folder else WORKSPACE)
            if not folder:
                break
            folder = os.path.dirname(folder)
        self.search_dirs = dirs
        self.entry_dir = dirs[0]

    def find_spec(self, fullname, path=None, target=None):
        if path is not None or fullname in PROTECTED_TOP_LEVEL:
            return None
        if fullname == SYNTHETIC_PACKAGE:
            spec = importlib.machinery.ModuleSpec(fullname, None, is_package=True)
            spec.submodule_search_locations = [self.entry_dir]
            return spec
        return importlib.machinery.PathFinder.find_spec(fullname, self.search_dirs)

    def invalidate_caches(self):
        pass


stub_finder = StubFinder()
workspace_finder = WorkspaceFinder()


def install():
    path_finder_index = sys.meta_path.index(importlib.machinery.PathFinder)
    sys.meta_path.insert(path_finder_index, workspace_finder)
    sys.meta_path.append(stub_finder)


def _is_workspace_module(name, module):
    if name == SYNTHETIC_PACKAGE or name.startswith(SYNTHETIC_PACKAGE + "."):
        return True
    if isinstance(module, StubModule):
        return True
    origin = getattr(getattr(module, "__spec__", None), "origin", None) or getattr(module, "__file__", None)
    if isinstance(origin, str) and origin.startswith(WORKSPACE + "/"):
        return True
    try:
        # A namespace package's path recomputes itself from its parent in sys.modules.
        locations = list(getattr(getattr(module, "__spec__", None), "submodule_search_locations", None) or [])
    except Exception:
        return False
    return any(isinstance(p, str) and (p == WORKSPACE or p.startswith(WORKSPACE + "/")) for p in locations)


def begin_evaluation(entry_relative_path):
    """Forgets modules of the previous evaluation (workspace files and stubs) so edits are seen."""
    stale = [name for name, module in list(sys.modules.items()) if _is_workspace_module(name, module)]
    for name in stale:
        del sys.modules[name]
    stub_finder.records = []
    workspace_finder.set_entry(entry_relative_path)
    importlib.invalidate_caches()


def stubbed_imports():
    return list(stub_finder.records)
