"""torch.amp / torch.autocast: no-op context managers and decorators."""
import functools


class autocast:
    def __init__(self, device_type="cuda", dtype=None, enabled=True, cache_enabled=None):
        self.enabled = enabled

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self:
                return func(*args, **kwargs)

        return wrapper


class GradScaler:
    def __init__(self, *args, **kwargs):
        pass

    def scale(self, outputs):
        return outputs

    def step(self, optimizer, *args, **kwargs):
        return None

    def update(self, new_scale=None):
        return None

    def unscale_(self, optimizer):
        return None
