"""torch.utils: submodules that model files import; anything else becomes a reported stub on import."""
from . import checkpoint  # noqa: F401
