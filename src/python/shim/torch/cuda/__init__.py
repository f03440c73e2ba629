"""torch.cuda: there is no GPU in the engine; model code that asks gets PyTorch's CPU-only answers."""
from . import amp  # noqa: F401


def is_available():
    return False


def device_count():
    return 0


def is_bf16_supported(including_emulation=True):
    return False


def manual_seed(seed):
    return None


manual_seed_all = manual_seed


def synchronize(device=None):
    return None


def empty_cache():
    return None


def current_device():
    raise RuntimeError("Torch not compiled with CUDA enabled")


def get_device_name(device=None):
    raise RuntimeError("Torch not compiled with CUDA enabled")
