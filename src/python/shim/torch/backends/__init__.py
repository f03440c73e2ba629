"""torch.backends: flags model files set (cudnn.benchmark = True) and availability checks (mps)."""
from . import cuda, cudnn, mkldnn, mps  # noqa: F401
