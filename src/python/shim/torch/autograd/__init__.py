"""torch.autograd: the engine has no autograd. Variable is the tensor itself; a custom Function's forward
runs with a context that stores what backward would need."""


def Variable(data, requires_grad=False, volatile=False):  # noqa: N802 - PyTorch's name
    if requires_grad:
        data.requires_grad_(True)
    return data


class _Context:
    def __init__(self):
        self.saved_tensors = ()
        self.needs_input_grad = ()

    def save_for_backward(self, *tensors):
        self.saved_tensors = tensors

    def mark_dirty(self, *args):
        pass

    def mark_non_differentiable(self, *args):
        pass

    def set_materialize_grads(self, value):
        pass


class Function:
    @classmethod
    def apply(cls, *args, **kwargs):
        return cls.forward(_Context(), *args, **kwargs)


def set_detect_anomaly(mode, check_nan=True):
    return None


def grad(*args, **kwargs):
    raise RuntimeError("Torch Explorer's engine has no autograd: torch.autograd.grad is not available")


class detect_anomaly:
    def __init__(self, check_nan=True):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
