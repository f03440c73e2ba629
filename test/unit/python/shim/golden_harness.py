# Runs one fixture model (scripts/goldens/models/<MODEL>.py) through the torch shim and prints, on one line
# after GOLDEN:, what test/golden/python-models.test.ts compares with the PyTorch fixtures. Everything here
# goes through PyTorch's Python API (named_modules(), state_dict(), load_state_dict(), model(x), tolist()).
# The test prepends `MODEL = "<name>"`.
import base64
import importlib
import json
import os

import torch

HERE = os.path.dirname(__file__)


def load_json(name):
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        return json.load(f)


def tensor_from(encoded):
    t = encoded["tensor"]
    data = base64.b64decode(t["data"])
    return torch.frombuffer(bytearray(data), dtype=getattr(torch, t["dtype"])).reshape(t["shape"])


def value_from(v):
    if isinstance(v, list):
        return [value_from(x) for x in v]
    if isinstance(v, dict):
        if "tensor" in v:
            return tensor_from(v)
        if "float" in v:
            return float(v["float"])
        return {k: value_from(x) for k, x in v.items()}
    return v


def out(value):
    if isinstance(value, torch.Tensor):
        return {"dtype": str(value.dtype)[6:], "shape": list(value.shape), "values": value.tolist()}
    if isinstance(value, (list, tuple)):
        return [out(v) for v in value]
    return value


def build(module):
    torch.manual_seed(0)
    return module.build()


def call(model, io):
    inputs = value_from(io["input"])
    inputs = inputs if isinstance(io["input"], list) else [inputs]
    return model(*inputs, **value_from(io["input_kwargs"]))


def load_case(module, case, strict):
    model = build(module)
    sd = model.state_dict()
    for part in case.split("+"):
        op, _, key = part.partition(":")
        if op == "drop_key":
            del sd[key]
        elif op == "add_key":
            sd[key] = torch.zeros(1)
        elif op == "wrong_shape":
            sd[key] = sd[key].unsqueeze(-1)
    try:
        r = model.load_state_dict(sd, strict=strict)
        return {"error": None, "missing_keys": r.missing_keys, "unexpected_keys": r.unexpected_keys, "repr": repr(r)}
    except RuntimeError as e:
        return {"error": str(e), "missing_keys": None, "unexpected_keys": None}


def main():
    module = importlib.import_module(MODEL)  # noqa: F821 - prepended by the test
    meta, io = load_json("meta.json"), load_json("io.json")
    state = {k: tensor_from(v) for k, v in load_json("state.json").items()}
    model = build(module)
    report = {
        "class": type(model).__name__,
        "repr": repr(model),
        "named_modules": [{"name": n, "type": type(m).__name__} for n, m in model.named_modules()],
        "named_modules_all": [{"name": n, "type": m._get_name()} for n, m in model.named_modules(remove_duplicate=False)],
        "named_children": [{"name": n, "type": type(m).__name__} for n, m in model.named_children()],
        "named_parameters": [{"name": n, "shape": list(p.shape), "dtype": str(p.dtype)[6:], "requires_grad": p.requires_grad}
                             for n, p in model.named_parameters()],
        "named_parameters_all": [{"name": n, "shape": list(p.shape), "dtype": str(p.dtype)[6:], "requires_grad": p.requires_grad}
                                 for n, p in model.named_parameters(remove_duplicate=False)],
        "named_buffers": [{"name": n, "shape": list(b.shape), "dtype": str(b.dtype)[6:]} for n, b in model.named_buffers()],
        "total_params": sum(p.numel() for p in model.parameters()),
        "trainable_params": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "modules_count": len(list(model.modules())),
        "children_count": len(list(model.children())),
    }
    sd = model.state_dict()
    report["state_dict"] = [{"key": k, "shape": list(t.shape), "dtype": str(t.dtype)[6:]} for k, t in sd.items()]
    report["metadata"] = dict(sd._metadata)
    report["state_dict_detached"] = all(type(t) is torch.Tensor for t in sd.values())
    report["load_state_dict_errors"] = [
        {"case": c["case"], "strict": c["strict"], **load_case(module, c["case"], c["strict"])}
        for c in meta["load_state_dict_errors"]
    ]

    model = build(module)
    model.load_state_dict(state)
    model.eval()
    with torch.no_grad():
        report["eval_output"] = out(call(model, io))

    model = build(module)
    model.load_state_dict(state)
    model.train()
    torch.manual_seed(0)
    report["train_output"] = out(call(model, io))
    report["buffers_after"] = {n: out(b) for n, b in model.named_buffers()}
    print("GOLDEN:" + json.dumps(report))


main()
