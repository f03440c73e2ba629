"""torch.jit: scripting and tracing are identity operations in the engine."""


def _identity_decorator(obj=None, *args, **kwargs):
    if obj is None or not callable(obj):
        return lambda fn: fn
    return obj


script = ignore = unused = export = interface = _identity_decorator
script_method = _identity_decorator


def trace(func, example_inputs=None, *args, **kwargs):
    return func


trace_module = trace


def is_scripting():
    return False


def is_tracing():
    return False


def annotate(the_type, the_value):
    return the_value


class Final:
    def __class_getitem__(cls, item):
        return item


class Attribute:
    def __new__(cls, value, type=None):  # noqa: A002
        return value


ScriptModule = object
