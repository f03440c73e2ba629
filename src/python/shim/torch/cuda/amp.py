"""torch.cuda.amp: autocast is a no-op in the engine (it computes in the tensors' own dtypes)."""
from ..amp import GradScaler, autocast  # noqa: F401
