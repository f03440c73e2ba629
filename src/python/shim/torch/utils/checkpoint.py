"""torch.utils.checkpoint: activation checkpointing only saves memory in training, so the engine runs the
function directly."""


def checkpoint(function, *args, use_reentrant=None, context_fn=None, determinism_check=None, debug=None,
               preserve_rng_state=True, **kwargs):
    return function(*args, **kwargs)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):  # noqa: A002
    layers = list(functions.children()) if hasattr(functions, "children") else list(functions)
    for layer in layers:
        input = layer(input)
    return input
