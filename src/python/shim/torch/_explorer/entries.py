"""Entries of an evaluated file: nn.Module subclasses defined in it, module-level Module instances, and
factory functions. A function is a factory when the file says so - its return annotation is a Module
class, or its last `return` constructs one (directly, through a local variable, or through another
factory) - it is never called just to find out."""
import ast
import inspect

from _torch_explorer.runner import _top_level_definitions

from .. import nn


def list_entries(module, source):
    definitions = _top_level_definitions(source)
    functions = _top_level_functions(ast.parse(source))
    entries = []
    for name, value in vars(module).items():
        if name.startswith("__") or name not in definitions:
            continue
        kind = _kind(module, name, value, functions)
        if kind is not None:
            entries.append({"name": name, "kind": kind, "line": definitions[name][0]})
    entries.sort(key=lambda e: e["line"])
    return entries


def _kind(module, name, value, functions):
    if isinstance(value, type):
        return "class" if issubclass(value, nn.Module) and value.__module__ == module.__name__ else None
    if isinstance(value, nn.Module):
        return "instance"
    target = inspect.unwrap(value) if callable(value) else None
    if inspect.isfunction(target) and target.__module__ == module.__name__ and name in functions:
        return "factory" if _is_factory(functions[name], vars(module), functions, set()) else None
    return None


def _top_level_functions(tree):
    found = {}

    def visit(statements):
        for node in statements:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found.setdefault(node.name, node)
            elif isinstance(node, (ast.If, ast.Try, ast.With)):
                for field in ("body", "orelse", "finalbody"):
                    visit(getattr(node, field, []) or [])
                for handler in getattr(node, "handlers", []) or []:
                    visit(handler.body)

    visit(tree.body)
    return found


def _is_factory(fn, namespace, functions, seen):
    if fn.name in seen:
        return False
    seen.add(fn.name)
    if fn.returns is not None and _is_module_class(_resolve(fn.returns, namespace)):
        return True
    returns = [n for n in _own_nodes(fn) if isinstance(n, ast.Return) and n.value is not None]
    if not returns:
        return False
    value = returns[-1].value
    if isinstance(value, ast.Name):
        value = _last_assignment(fn, value.id) or value
    if not isinstance(value, ast.Call):
        return False
    target = _resolve(value.func, namespace)
    if _is_module_class(target):
        return True
    if isinstance(value.func, ast.Name) and value.func.id in functions:
        return _is_factory(functions[value.func.id], namespace, functions, seen)
    return inspect.isfunction(target) and _is_module_class(_annotated_return(target, namespace))


def _own_nodes(fn):
    """Nodes of fn's body, without descending into nested functions, lambdas or classes."""
    stack = list(fn.body)
    while stack:
        node = stack.pop(0)
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                stack.append(child)


def _last_assignment(fn, name):
    value = None
    for node in _own_nodes(fn):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            value = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
            value = node.value
    return value


def _resolve(expr, namespace):
    """The object a dotted name (or a string annotation of one) refers to, without evaluating anything else."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        try:
            expr = ast.parse(expr.value, mode="eval").body
        except SyntaxError:
            return None
    parts = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name) or expr.id not in namespace:
        return None
    value = namespace[expr.id]
    for part in reversed(parts):
        try:
            value = inspect.getattr_static(value, part)
        except AttributeError:
            return None
    return value


def _annotated_return(fn, namespace):
    try:
        annotation = fn.__annotations__.get("return")
    except Exception:  # noqa: BLE001 - an annotation that does not evaluate says nothing
        return None
    if isinstance(annotation, str):
        return _resolve(ast.Constant(annotation), {**namespace, **getattr(fn, "__globals__", {})})
    return annotation


def _is_module_class(value):
    return isinstance(value, type) and issubclass(value, nn.Module)
