"""Model fixtures: meta.json (structure), state.json (weights), io.json (forward in eval and train)."""
import copy
import importlib.util
import os
from collections import OrderedDict

import torch
import torch.nn as nn

from goldlib import DTYPE_NAMES, enc, enc_out, named_parameters_2x, tensor_value, write_json

HERE = os.path.dirname(os.path.abspath(__file__))


def load_definition(name):
    path = os.path.join(HERE, "models", name + ".py")
    spec = importlib.util.spec_from_file_location(f"golden_models.{name}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _shape(t):
    return list(t.shape)


def _load_cases(model):
    sd = model.state_dict()
    keys = list(sd.keys())
    first_param = next(k for k, _ in model.named_parameters())

    def variant(kind):
        d = OrderedDict((k, v.clone()) for k, v in sd.items())
        d._metadata = copy.deepcopy(sd._metadata)
        if kind == "exact":
            return "exact", d
        if kind == "drop":
            del d[keys[0]]
            return f"drop_key:{keys[0]}", d
        if kind == "add":
            d["extra.weight"] = torch.zeros(2)
            return "add_key:extra.weight", d
        if kind == "shape":
            d[first_param] = torch.zeros(*(list(sd[first_param].shape) + [1]))
            return f"wrong_shape:{first_param}", d
        if kind == "drop_add":
            del d[keys[-1]]
            d["unexpected_key"] = torch.zeros(1)
            return f"drop_key:{keys[-1]}+add_key:unexpected_key", d
        raise ValueError(kind)

    out = []
    for kind in ["exact", "drop", "add", "shape", "drop_add"]:
        for strict in [True, False]:
            name, d = variant(kind)
            m = copy.deepcopy(model)
            rec = {"case": name, "strict": strict}
            try:
                res = m.load_state_dict(d, strict=strict)
                rec.update(error=None, missing_keys=list(res.missing_keys),
                           unexpected_keys=list(res.unexpected_keys), repr=repr(res))
            except RuntimeError as e:
                rec.update(error=str(e), missing_keys=None, unexpected_keys=None)
            out.append(rec)
    return out


def meta(model):
    sd = model.state_dict()
    params_all = list(named_parameters_2x(model, remove_duplicate=False))
    return {
        "class": type(model).__name__,
        "repr": repr(model),
        "named_modules": [{"name": n, "type": type(m).__name__} for n, m in model.named_modules()],
        "named_modules_all": [{"name": n, "type": type(m).__name__}
                              for n, m in model.named_modules(remove_duplicate=False)],
        "named_children": [{"name": n, "type": type(m).__name__} for n, m in model.named_children()],
        "named_parameters": [{"name": n, "shape": _shape(p), "dtype": DTYPE_NAMES[p.dtype],
                              "requires_grad": p.requires_grad} for n, p in model.named_parameters()],
        "named_parameters_all": [{"name": n, "shape": _shape(p), "dtype": DTYPE_NAMES[p.dtype],
                                  "requires_grad": p.requires_grad} for n, p in params_all],
        "named_buffers": [{"name": n, "shape": _shape(b), "dtype": DTYPE_NAMES[b.dtype]}
                          for n, b in model.named_buffers()],
        "state_dict": [{"key": k, "shape": _shape(v), "dtype": DTYPE_NAMES[v.dtype]} for k, v in sd.items()],
        "metadata": {k: dict(v) for k, v in sd._metadata.items()},
        "total_params": sum(p.numel() for p in model.parameters()),
        "trainable_params": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "load_state_dict_errors": _load_cases(model),
    }


def _has_dropout(model):
    for m in model.modules():
        if isinstance(m, nn.modules.dropout._DropoutNd) and m.p > 0:
            return True
        if isinstance(m, nn.MultiheadAttention) and m.dropout > 0:
            return True
        if isinstance(m, nn.RNNBase) and m.dropout > 0:
            return True
        if isinstance(m, nn.RReLU):
            return True  # random slopes in training
    return False


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def write_model(name, out_root):
    mod = load_definition(name)
    torch.manual_seed(0)
    model = mod.build()
    model.eval()
    inputs = _as_tuple(mod.example_input())
    kwargs = mod.example_kwargs() if hasattr(mod, "example_kwargs") else {}
    d = os.path.join(out_root, name)
    m = meta(model)
    write_json(os.path.join(d, "meta.json"), m)
    state = {k: tensor_value(v) for k, v in model.state_dict().items()}
    write_json(os.path.join(d, "state.json"), state)
    # Eval with autograd on: 1.13's fused fast paths (TransformerEncoderLayer, MHA) only run without grad.
    eval_out = model(*[t.clone() for t in inputs], **kwargs)
    with torch.no_grad():
        fast = model(*[t.clone() for t in inputs], **kwargs)
    _check_close(name, eval_out, fast)
    model.train()
    torch.manual_seed(0)
    train_out = model(*[t.clone() for t in inputs], **kwargs)
    io = {
        "input": enc(inputs[0]) if len(inputs) == 1 else enc(list(inputs)),
        "input_kwargs": enc(kwargs),
        "eval_output": enc_out(_detach(eval_out)),
        "train": {
            "output": None if _has_dropout(model) else enc_out(_detach(train_out)),
            "buffers_after": {k: tensor_value(b) for k, b in model.named_buffers()},
        },
    }
    write_json(os.path.join(d, "io.json"), io)
    return m


def _detach(o):
    if isinstance(o, torch.Tensor):
        return o.detach()
    return [_detach(x) for x in o]


def _check_close(name, a, b):
    a, b = _detach(a), _detach(b)
    a = a if isinstance(a, list) else [a]
    b = b if isinstance(b, list) else [b]
    for x, y in zip(a, b):
        if x is None or y is None:
            continue
        if not torch.allclose(x, y, rtol=1e-4, atol=1e-5):
            raise AssertionError(f"{name}: grad/no-grad forward paths differ: {(x - y).abs().max()}")
