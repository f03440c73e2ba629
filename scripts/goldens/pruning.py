#!/usr/bin/python3
"""Pruning goldens: torch.nn.utils.prune on fixed weights, for test/golden/pruning.test.ts.

  /usr/bin/python3 scripts/goldens/pruning.py      rewrite test/fixtures/pruning/*.json

A case builds a small model (MODELS), loads `state`, runs `steps` in order and records a snapshot after
each one: state_dict (keys in order, tensors), named_parameters / named_buffers names, the pruning hooks
per module, is_pruned, zeros per mask, a sparsity table and the forward output on `input`. A step that
raises records {type, message} and the snapshot after the failure (PyTorch's partial roll-back is part of
the contract). Layout: test/fixtures/pruning/README.md; value encoding: test/fixtures/README.md.

Random methods: the engine's generator differs from PyTorch's, so a case with "random": true is checked
only structurally (zeros per mask, whole channels); its mask values and outputs are written as null.
Ties: topk's tie-breaking is unspecified, so every topk the deterministic methods run is checked here to
have a clear gap at the k-th value (relative 1e-5), which also absorbs float32 summation-order noise.

1.13 vs 2.x: torch/nn/utils/prune.py is the same code in 2.x (messages identical; 2.x only turned some
.format() calls into f-strings). Left out because the 2.x text differs and is uncertain: ln_structured
with n='fro' on a tensor of 4+ dims (torch.norm falls through to linalg.matrix_norm, whose 2.x message
is "linalg.matrix_norm: dim must be a 2-tuple. Got ..."; 1.13 says "Expected at most 2 dimensions").
Output is deterministic: fixed seeds and one intra-op thread.
"""
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.utils.prune as prune  # noqa: E402

from goldlib import enc, tensor_value, write_json  # noqa: E402

OUT = os.path.normpath(os.path.join(HERE, "..", "..", "test", "fixtures", "pruning"))
INF = float("inf")

MODELS = {
    "linear5x4": (lambda: nn.Linear(5, 4), [3, 5]),
    "linear5x1": (lambda: nn.Linear(5, 1), [2, 5]),
    "linear7x1": (lambda: nn.Linear(7, 1), [2, 7]),
    "linear10x2": (lambda: nn.Linear(10, 2), [2, 10]),
    "linear5x4_nobias": (lambda: nn.Linear(5, 4, bias=False), [3, 5]),
    "conv2d": (lambda: nn.Conv2d(3, 4, 3), [1, 3, 5, 5]),
    "conv1d": (lambda: nn.Conv1d(3, 4, 3), [2, 3, 6]),
    "net": (lambda: nn.Sequential(nn.Conv2d(2, 3, 3), nn.ReLU(), nn.Flatten(), nn.Linear(48, 6), nn.ReLU(),
                                  nn.Linear(6, 3)), [2, 2, 6, 6]),
}
METHODS = {c.__name__: c for c in [prune.Identity, prune.RandomUnstructured, prune.L1Unstructured,
                                   prune.RandomStructured, prune.LnStructured, prune.CustomFromMask]}

# ---------------------------------------------------------------- tie guard around torch.topk

_topk = torch.topk
_random_step = False


class FixtureTie(BaseException):
    """Not an Exception, so neither prune's roll-back nor the error recording can swallow it."""


def _checked_topk(x, k, dim=None, largest=True, sorted=True):
    if not _random_step and 0 < k < x.numel():
        v = torch.sort(x.detach().reshape(-1).double(), descending=largest).values
        a, b = v[k - 1].item(), v[k].item()
        if abs(a - b) <= 1e-5 * max(abs(a), abs(b), 1e-30):
            raise FixtureTie(f"fixture has a near-tie at the topk boundary: {a} vs {b}")
    return _topk(x, k) if dim is None and largest and sorted else _topk(x, k, largest=largest)


torch.topk = _checked_topk

# ---------------------------------------------------------------- snapshots


def hooks_of(model):
    out = []
    for path, m in model.named_modules():
        for hook in m._forward_pre_hooks.values():
            if isinstance(hook, prune.BasePruningMethod):
                h = {"module": path, "tensor_name": hook._tensor_name, "type": type(hook).__name__}
                if isinstance(hook, prune.PruningContainer):
                    h["methods"] = [type(x).__name__ for x in hook]
                out.append(h)
    return out


def sparsity(model):
    """Per tensor as the model uses it (a pruned `weight` is mask * orig), in named_parameters order."""
    rows = []
    for path, m in model.named_modules():
        for pname, p in m._parameters.items():
            if p is None:
                continue
            name = pname
            if pname.endswith("_orig") and pname[:-5] + "_mask" in m._buffers:
                name = pname[:-5]
            t = getattr(m, name)
            full = f"{path}.{name}" if path else name
            rows.append({"name": full, "zeros": int((t == 0).sum()), "total": t.numel()})
    return rows


def snapshot(model, x, random):
    sd = model.state_dict()
    state = [[k, None if random and k.endswith("_mask") else tensor_value(v)] for k, v in sd.items()]
    snap = {
        "state_dict": state,
        "named_parameters": [n for n, _ in model.named_parameters()],
        "named_buffers": [n for n, _ in model.named_buffers()],
        "hooks": hooks_of(model),
        "is_pruned": prune.is_pruned(model),
        "mask_zeros": {k: int((v == 0).sum()) for k, v in sd.items() if k.endswith("_mask")},
    }
    if not random:
        try:
            with torch.no_grad():
                snap["output"] = tensor_value(model(x))
        except Exception as e:  # noqa: BLE001 - a module broken by a failed prune is part of the golden
            snap["output_error"] = {"type": type(e).__name__, "message": str(e)}
        snap["sparsity"] = sparsity(model)
    return snap


def channel_structure(model, key, dim):
    mask = model.state_dict()[key]
    d = dim % mask.dim()
    other = [i for i in range(mask.dim()) if i != d]
    per = mask.sum(dim=other)
    size = mask.numel() // mask.shape[d]
    return {"dim": dim, "zero_channels": int((per == 0).sum()),
            "whole_channels": bool(((per == 0) | (per == size)).all())}


# ---------------------------------------------------------------- running a case


def submodule(model, path):
    return model.get_submodule(path) if path else model


def run_step(model, step):
    op = step["op"]
    m = submodule(model, step.get("module", ""))
    kw = dict(step.get("kwargs", {}))
    if op == "global_unstructured":
        params = [(submodule(model, p), n) for p, n in step["parameters"]]
        scores = step.get("importance_scores")
        if scores is not None:
            kw["importance_scores"] = {(submodule(model, p), n): t for p, n, t in scores}
        prune.global_unstructured(params, METHODS[step["pruning_method"]], **kw)
    elif op == "remove":
        prune.remove(m, step["name"])
    elif op == "scale_orig":
        with torch.no_grad():
            getattr(m, step["name"] + "_orig").mul_(step["factor"])
    else:
        getattr(prune, op)(m, step["name"], **kw)


def encode_step(step):
    out = {k: v for k, v in step.items() if k not in ("kwargs", "importance_scores", "structure")}
    if "kwargs" in step:
        out["kwargs"] = {k: enc(v) for k, v in step["kwargs"].items()}
    if "importance_scores" in step:
        out["importance_scores"] = [[p, n, tensor_value(t)] for p, n, t in step["importance_scores"]]
    return out


def make_case(cid, model_name, steps, seed=0, random=False, structure=None, zeros_total_only=False):
    """structure: {step index: [(mask key, dim)]} for random_structured steps. zeros_total_only: a random
    global prune fixes how many entries go in total, not how they split between tensors."""
    global _random_step
    build, in_shape = MODELS[model_name]
    torch.manual_seed(seed)
    model = build()
    state = {k: tensor_value(v) for k, v in model.state_dict().items()}
    x = torch.randn(*in_shape, generator=torch.Generator().manual_seed(seed + 1000))
    snaps = []
    for i, step in enumerate(steps):
        _random_step = step["op"].startswith("random") or step.get("pruning_method", "").startswith("Random")
        torch.manual_seed(seed + 1 + i)
        try:
            run_step(model, step)
            snap = snapshot(model, x, random)
        except Exception as e:  # noqa: BLE001 - the error is the golden
            if i != len(steps) - 1:
                raise
            snap = snapshot(model, x, random)
            snap["error"] = {"type": type(e).__name__, "message": str(e)}
        finally:
            _random_step = False
        for key, dim in (structure or {}).get(i, []):
            snap.setdefault("structure", {})[key] = channel_structure(model, key, dim)
        snaps.append(snap)
    case = {"id": cid, "model": model_name, "state": state, "input": tensor_value(x),
            "steps": [encode_step(s) for s in steps], "snapshots": snaps}
    if random:
        case["random"] = True
    if zeros_total_only:
        case["zeros_total_only"] = True
    return case


def S(op, name="weight", module="", **kwargs):
    step = {"op": op, "module": module, "name": name}
    if kwargs:
        step["kwargs"] = kwargs
    return step


def G(parameters, method, scores=None, **kwargs):
    step = {"op": "global_unstructured", "parameters": parameters, "pruning_method": method, "kwargs": kwargs}
    if scores is not None:
        step["importance_scores"] = scores
    return step


# ---------------------------------------------------------------- the cases


def unstructured():
    scores = torch.tensor([[0.5, 0.1, 0.9, 0.3, 0.7], [0.2, 1.5, 0.05, 1.1, 0.6],
                           [1.3, 0.4, 0.8, 0.15, 1.9], [0.35, 1.0, 0.25, 1.7, 0.45]])
    cases = [
        make_case("identity/weight", "linear5x4", [S("identity")]),
        make_case("identity/bias", "linear5x4", [S("identity", "bias")]),
        make_case("l1/int0", "linear5x4", [S("l1_unstructured", amount=0)]),
        make_case("l1/int3", "linear5x4", [S("l1_unstructured", amount=3)]),
        make_case("l1/int20_all", "linear5x4", [S("l1_unstructured", amount=20)]),
        make_case("l1/float0", "linear5x4", [S("l1_unstructured", amount=0.0)]),
        make_case("l1/float0.3", "linear5x4", [S("l1_unstructured", amount=0.3)]),
        make_case("l1/float1_all", "linear5x4", [S("l1_unstructured", amount=1.0)]),
        make_case("l1/int1", "linear5x4", [S("l1_unstructured", amount=1)]),
        make_case("l1/round_0.5x5_to_2", "linear5x1", [S("l1_unstructured", amount=0.5)]),
        make_case("l1/round_0.5x7_to_4", "linear7x1", [S("l1_unstructured", amount=0.5)]),
        make_case("l1/round_0.3x5_to_2", "linear5x1", [S("l1_unstructured", amount=0.3)]),
        make_case("l1/round_0.125x20_to_2", "linear10x2", [S("l1_unstructured", amount=0.125)]),
        make_case("l1/round_0.225x20_to_4", "linear10x2", [S("l1_unstructured", amount=0.225)]),
        make_case("l1/bias", "linear5x4", [S("l1_unstructured", "bias", amount=2)]),
        make_case("l1/importance_scores", "linear5x4", [S("l1_unstructured", amount=7, importance_scores=scores)]),
        make_case("l1/conv2d", "conv2d", [S("l1_unstructured", amount=0.4)]),
        make_case("l1/weight_then_bias", "linear5x4", [S("l1_unstructured", amount=4),
                                                       S("l1_unstructured", "bias", amount=0.5)]),
        make_case("l1/bias_then_weight", "linear5x4", [S("l1_unstructured", "bias", amount=1),
                                                       S("l1_unstructured", amount=4)]),
        make_case("custom_from_mask/float", "linear5x1",
                  [S("custom_from_mask", mask=torch.tensor([[1.0, 0.0, 1.0, 1.0, 0.0]]))]),
        make_case("custom_from_mask/bool", "linear5x4", [S("custom_from_mask", mask=(scores > 0.6))]),
        make_case("random_unstructured/float0.3", "linear5x4", [S("random_unstructured", amount=0.3)], random=True),
        make_case("random_unstructured/int5", "linear5x4", [S("random_unstructured", amount=5)], random=True),
        make_case("random_unstructured/round_0.5x7_to_4", "linear7x1",
                  [S("random_unstructured", amount=0.5)], random=True),
        make_case("random_unstructured/conv2d", "conv2d", [S("random_unstructured", amount=0.45)], random=True),
    ]
    return cases


def structured():
    cases = []
    norms = [1, 2, INF, -INF, "fro"]
    for n in norms:
        for dim in [0, 1, -1]:
            cases.append(make_case(f"ln/linear_n{n}_dim{dim}", "linear5x4",
                                   [S("ln_structured", amount=0.5, n=n, dim=dim)]))
    for n in [1, 2, INF, -INF]:
        for dim in [0, 1, -1]:
            cases.append(make_case(f"ln/conv2d_n{n}_dim{dim}", "conv2d", [S("ln_structured", amount=0.5, n=n, dim=dim)]))
    for dim in [0, 1, -1]:
        cases.append(make_case(f"ln/conv1d_fro_dim{dim}", "conv1d", [S("ln_structured", amount=0.5, n="fro", dim=dim)]))
    cases += [
        make_case("ln/int1_dim0", "linear5x4", [S("ln_structured", amount=1, n=2, dim=0)]),
        make_case("ln/int3_dim1", "linear5x4", [S("ln_structured", amount=3, n=1, dim=1)]),
        make_case("ln/amount0", "linear5x4", [S("ln_structured", amount=0, n=2, dim=0)]),
        make_case("ln/float1_all", "linear5x4", [S("ln_structured", amount=1.0, n=2, dim=0)]),
        make_case("ln/n_float2", "linear5x4", [S("ln_structured", amount=2, n=2.0, dim=1)]),
        make_case("ln/importance_scores", "linear5x4",
                  [S("ln_structured", amount=2, n=1, dim=0,
                     importance_scores=torch.tensor([[1.0, 2, 3, 4, 5], [0.1, 0.2, 0.3, 0.4, 0.5],
                                                     [9.0, 1, 1, 1, 1], [0.6, 0.6, 0.6, 0.6, 0.7]]))]),
        make_case("random_structured/linear_dim0", "linear5x4", [S("random_structured", amount=0.5, dim=0)],
                  random=True, structure={0: [("weight_mask", 0)]}),
        make_case("random_structured/conv2d_dim1_int1", "conv2d", [S("random_structured", amount=1, dim=1)],
                  random=True, structure={0: [("weight_mask", 1)]}),
        make_case("random_structured/conv2d_dim-1", "conv2d", [S("random_structured", amount=0.5, dim=-1)],
                  random=True, structure={0: [("weight_mask", -1)]}),
    ]
    return cases


NET_WEIGHTS = [["0", "weight"], ["3", "weight"], ["5", "weight"]]


def global_cases():
    return [
        make_case("global/l1_float0.3", "net", [G(NET_WEIGHTS, "L1Unstructured", amount=0.3)]),
        make_case("global/l1_int50", "net", [G(NET_WEIGHTS, "L1Unstructured", amount=50)]),
        make_case("global/l1_with_bias", "net", [G(NET_WEIGHTS + [["5", "bias"]], "L1Unstructured", amount=0.5)]),
        make_case("global/importance_scores", "net",
                  [G(NET_WEIGHTS, "L1Unstructured", scores=[["5", "weight", torch.arange(18.0).view(3, 6) + 100]],
                     amount=0.2)]),
        make_case("global/twice", "net", [G(NET_WEIGHTS, "L1Unstructured", amount=0.3),
                                          G(NET_WEIGHTS, "L1Unstructured", amount=0.5)]),
        make_case("global/after_layer_prune", "net", [S("l1_unstructured", module="3", amount=0.5),
                                                      G(NET_WEIGHTS, "L1Unstructured", amount=0.3)]),
        make_case("global/identity", "net", [G(NET_WEIGHTS, "Identity")]),
        make_case("global/random", "net", [G(NET_WEIGHTS, "RandomUnstructured", amount=0.4)], random=True,
                  zeros_total_only=True),
    ]


def lifecycle():
    return [
        make_case("reprune/l1_then_l1", "linear5x4", [S("l1_unstructured", amount=0.25),
                                                      S("l1_unstructured", amount=0.5)]),
        make_case("reprune/l1_three_times", "linear5x4", [S("l1_unstructured", amount=3)] * 3),
        make_case("reprune/ln_then_ln", "linear5x4", [S("ln_structured", amount=1, n=2, dim=0),
                                                      S("ln_structured", amount=0.5, n=1, dim=0)]),
        make_case("reprune/ln_then_l1", "conv2d", [S("ln_structured", amount=1, n=2, dim=0),
                                                   S("l1_unstructured", amount=0.5)]),
        make_case("reprune/l1_then_ln_dim1", "linear5x4", [S("l1_unstructured", amount=0.3),
                                                           S("ln_structured", amount=2, n=1, dim=1)]),
        make_case("reprune/l1_then_ln_other_dim", "conv2d", [S("l1_unstructured", amount=0.3),
                                                             S("ln_structured", amount=0.5, n=INF, dim=-1)]),
        make_case("reprune/custom_then_l1", "linear5x1",
                  [S("custom_from_mask", mask=torch.tensor([[1.0, 0.0, 1.0, 1.0, 1.0]])),
                   S("l1_unstructured", amount=2)]),
        make_case("reprune/l1_then_custom", "linear5x4",
                  [S("l1_unstructured", amount=5), S("custom_from_mask", mask=torch.eye(4, 5))]),
        make_case("reprune/identity_then_l1", "linear5x4", [S("identity"), S("l1_unstructured", amount=4)]),
        make_case("reprune/l1_then_random", "linear5x4", [S("l1_unstructured", amount=5),
                                                          S("random_unstructured", amount=0.4)], random=True),
        make_case("reprune/ln_then_random_structured", "conv2d",
                  [S("ln_structured", amount=1, n=2, dim=0), S("random_structured", amount=0.5, dim=0)],
                  random=True, structure={1: [("weight_mask", 0)]}),
        make_case("remove/after_l1", "linear5x4", [S("l1_unstructured", amount=6), S("remove")]),
        make_case("remove/after_container", "linear5x4", [S("l1_unstructured", amount=3),
                                                          S("ln_structured", amount=1, n=2, dim=0), S("remove")]),
        make_case("remove/bias_then_prune_again", "linear5x4", [S("l1_unstructured", "bias", amount=2),
                                                                S("remove", "bias"),
                                                                S("l1_unstructured", "bias", amount=3)]),
        make_case("hook/scale_orig_then_forward", "linear5x4", [S("l1_unstructured", amount=6),
                                                                {"op": "scale_orig", "module": "", "name": "weight",
                                                                 "factor": 2.5}]),
        make_case("net/layers", "net", [S("l1_unstructured", module="0", amount=0.5),
                                        S("ln_structured", module="3", amount=2, n=2, dim=0),
                                        S("l1_unstructured", "bias", module="5", amount=1),
                                        S("remove", module="0"), S("remove", module="3"),
                                        S("remove", "bias", module="5")]),
    ]


def errors():
    bad_scores = torch.ones(3)
    return [
        make_case("error/amount_float_above_1", "linear5x4", [S("l1_unstructured", amount=1.5)]),
        make_case("error/amount_negative_int", "linear5x4", [S("l1_unstructured", amount=-1)]),
        make_case("error/amount_negative_float", "linear5x4", [S("l1_unstructured", amount=-0.5)]),
        make_case("error/amount_int_above_numel", "linear5x4", [S("l1_unstructured", amount=21)]),
        make_case("error/amount_string", "linear5x4", [S("l1_unstructured", amount="x")]),
        make_case("error/random_amount_int_above_numel", "linear5x4", [S("random_unstructured", amount=21)]),
        make_case("error/ln_on_bias", "linear5x4", [S("ln_structured", "bias", amount=1, n=2, dim=0)]),
        make_case("error/random_structured_on_bias", "linear5x4", [S("random_structured", "bias", amount=1, dim=0)]),
        make_case("error/ln_dim_too_large", "linear5x4", [S("ln_structured", amount=1, n=2, dim=2)]),
        make_case("error/ln_dim_too_negative", "linear5x4", [S("ln_structured", amount=1, n=2, dim=-3)]),
        make_case("error/ln_amount_above_channels", "linear5x4", [S("ln_structured", amount=5, n=2, dim=0)]),
        make_case("error/ln_fraction_above_1", "linear5x4", [S("ln_structured", amount=2.5, n=2, dim=0)]),
        make_case("error/importance_scores_shape", "linear5x4",
                  [S("l1_unstructured", amount=1, importance_scores=bad_scores)]),
        make_case("error/custom_mask_shape", "linear5x4", [S("custom_from_mask", mask=torch.ones(3))]),
        make_case("error/remove_unpruned", "linear5x4", [S("remove")]),
        make_case("error/no_such_parameter", "linear5x4", [S("l1_unstructured", "foo", amount=1)]),
        make_case("error/none_parameter_not_rolled_back", "linear5x4_nobias", [S("l1_unstructured", "bias", amount=1)]),
        make_case("error/remove_twice", "linear5x4", [S("l1_unstructured", amount=2), S("remove"), S("remove")]),
        make_case("error/reprune_amount_above_remaining", "linear5x4", [S("l1_unstructured", amount=0.2),
                                                                        S("l1_unstructured", amount=17)]),
        make_case("error/reprune_bad_amount", "linear5x4", [S("l1_unstructured", amount=0.2),
                                                            S("l1_unstructured", amount=1.5)]),
        make_case("error/global_random_structured", "net", [G(NET_WEIGHTS, "RandomStructured", amount=0.5)]),
        make_case("error/global_ln_structured", "net", [G(NET_WEIGHTS, "LnStructured", amount=0.5, n=2, dim=0)]),
        make_case("error/global_amount_above_total", "net", [G(NET_WEIGHTS, "L1Unstructured", amount=361)]),
    ]


def main():
    torch.set_num_threads(1)
    families = {"unstructured": unstructured, "structured": structured, "global": global_cases,
                "lifecycle": lifecycle, "errors": errors}
    total = 0
    for name, fn in families.items():
        cases = fn()
        ids = [c["id"] for c in cases]
        assert len(ids) == len(set(ids)), f"duplicate ids in {name}"
        write_json(os.path.join(OUT, name + ".json"), {"torch_version": torch.__version__, "cases": cases},
                   one_line_items_key="cases")
        total += len(cases)
    print(f"pruning: {total} cases in {OUT}")


if __name__ == "__main__":
    main()
