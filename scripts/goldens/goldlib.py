"""Shared helpers for the golden generator: value encoding, case recording, 2.x compat patches.

Imported by generate.py and the ops_*.py family modules. Nothing here writes files except `write_json`.
"""
import base64
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

DTYPE_NAMES = {
    torch.float32: "float32", torch.float64: "float64", torch.float16: "float16",
    torch.bfloat16: "bfloat16", torch.int64: "int64", torch.int32: "int32",
    torch.int16: "int16", torch.int8: "int8", torch.uint8: "uint8", torch.bool: "bool",
}

# numpy has no bfloat16, so 16-bit floats are reinterpreted as int16 to get their raw bits.
_RAW_VIEW = {torch.float16: torch.int16, torch.bfloat16: torch.int16, torch.bool: torch.uint8}


def tensor_value(t):
    t = t.detach()
    if t.dtype not in DTYPE_NAMES:
        raise TypeError(f"unsupported dtype in fixture: {t.dtype}")
    c = t.contiguous()
    raw_dtype = _RAW_VIEW.get(c.dtype)
    arr = (c.view(raw_dtype) if raw_dtype is not None else c).numpy()
    data = arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()
    return {"tensor": {"dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape),
                       "data": base64.b64encode(data).decode("ascii")}}


def enc_float(x):
    # JSON cannot tell 2.0 from 2, and PyTorch's type promotion can: integral floats are wrapped.
    if math.isnan(x):
        return {"float": "nan"}
    if math.isinf(x):
        return {"float": "inf" if x > 0 else "-inf"}
    if x == int(x):
        return {"float": x}
    return x


def enc(v):
    """Encode a Python/torch value exactly as it was passed (see test/fixtures/README.md)."""
    if isinstance(v, torch.Tensor):
        return tensor_value(v)
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return enc_float(v)
    if isinstance(v, torch.dtype):
        return {"dtype": DTYPE_NAMES[v]}
    if isinstance(v, slice):
        return {"slice": [enc(v.start), enc(v.stop), enc(v.step)]}
    if v is Ellipsis:
        return {"ellipsis": True}
    if isinstance(v, (list, tuple, torch.Size)):
        return [enc(x) for x in v]
    if isinstance(v, dict):
        return {k: enc(x) for k, x in v.items()}
    raise TypeError(f"cannot encode {type(v).__name__}: {v!r}")


def storage_ptr(t):
    return t.storage().data_ptr()  # 1.13: TypedStorage; 2.x would use untyped_storage()


def write_json(path, obj, one_line_items_key=None):
    """Deterministic JSON: compact values, and (optionally) one list item per line for readable diffs."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    dump = lambda o: json.dumps(o, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    if one_line_items_key is None:
        text = dump(obj) + "\n"
    else:
        head = {k: v for k, v in obj.items() if k != one_line_items_key}
        parts = [f"{json.dumps(k)}:{dump(v)}" for k, v in head.items()]
        items = ",\n".join(dump(c) for c in obj[one_line_items_key])
        parts.append(f"{json.dumps(one_line_items_key)}:[\n{items}\n]")
        text = "{" + ",\n".join(parts) + "}\n"
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


# ---------------------------------------------------------------- case recording

def resolve(fn):
    head, _, name = fn.partition(".")
    base = {"torch": torch, "F": F, "Tensor": torch.Tensor}[head]
    return getattr(base, name)


class Family:
    """Collects cases of one fixture file. Inputs are encoded BEFORE the call (some ops mutate them)."""

    def __init__(self, name, seed):
        self.name = name
        self.cases = []
        self.ids = set()
        self.gen = torch.Generator().manual_seed(seed)

    # deterministic inputs
    def randn(self, *shape, dtype=torch.float32, scale=1.0, decimals=None):
        t = torch.randn(*shape, generator=self.gen, dtype=torch.float64) * scale
        if decimals is not None:
            t = torch.round(t * 10 ** decimals) / 10 ** decimals
        return t.to(dtype)

    def randint(self, low, high, *shape, dtype=torch.int64):
        return torch.randint(low, high, shape, generator=self.gen, dtype=torch.int64).to(dtype)

    def rand(self, *shape, dtype=torch.float32):
        return torch.rand(*shape, generator=self.gen, dtype=torch.float64).to(dtype)

    def _add(self, case):
        if case["id"] in self.ids:
            raise ValueError(f"duplicate case id {case['id']}")
        self.ids.add(case["id"])
        self.cases.append(case)
        return case

    def case(self, cid, fn, *args, mutates=None, impl=None, note=None, error_2x=None, **kwargs):
        """Record fn(*args, **kwargs). `mutates`: indices of args updated in place; out becomes
        [result, args[i] after, ...]. `impl`: callable used instead of resolving fn (reference math).
        `error_2x`: (type, message) of PyTorch 2.x where 1.13's error text differs; 1.13 must raise too."""
        c = {"id": cid, "fn": fn, "args": enc(list(args)), "kwargs": enc(kwargs), "_args": args}
        if note:
            c["note"] = note
        f = impl if impl is not None else resolve(fn)
        try:
            out = f(*args, **kwargs)
        except Exception as e:  # noqa: BLE001 - the error itself is the golden
            c["error"] = {"type": type(e).__name__, "message": str(e)}
            if error_2x is not None:
                c["error"] = {"type": error_2x[0], "message": error_2x[1]}
                c["note"] = note or f"2.x error text; 1.13 raised {type(e).__name__}: {e}"
            return self._add(c)
        if error_2x is not None:
            raise AssertionError(f"{cid}: expected 1.13 to raise")
        if mutates:
            c["mutates"] = list(mutates)
            out = [out] + [args[i] for i in mutates]
        c["out"] = enc_out(out)
        c["_raw_out"] = out
        return self._add(c)

    def module_case(self, cid, cls_name, ctor_args, ctor_kwargs, inputs, functional, seed=0):
        """Case run through an nn module: construct nn.<cls>(*args, **kwargs), load `state`, call on `input`."""
        torch.manual_seed(seed)
        m = getattr(nn, cls_name)(*ctor_args, **ctor_kwargs)
        state = {k: tensor_value(v) for k, v in m.state_dict().items()}
        c = {"id": cid, "fn": "nn." + cls_name, "args": enc(list(ctor_args)), "kwargs": enc(ctor_kwargs),
             "state": state, "input": enc(list(inputs)), "functional": functional}
        with torch.no_grad():
            out = m(*inputs)
        c["out"] = enc_out(out)
        return self._add(c)

    def payload(self):
        cases = [{k: v for k, v in c.items() if not k.startswith("_")} for c in self.cases]
        return {"torch_version": torch.__version__, "cases": cases}


def enc_out(out):
    if isinstance(out, torch.Tensor):
        return tensor_value(out)
    if isinstance(out, (tuple, list)):  # includes torch.return_types (values, indices)
        return [enc_out(o) for o in out]
    if isinstance(out, float):
        return enc_float(out)
    if isinstance(out, (bool, int)):
        return out
    raise TypeError(f"cannot encode output {type(out).__name__}")


# ---------------------------------------------------------------- 2.x behaviour on 1.13

def sdpa_reference(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
    """PyTorch 2.x scaled_dot_product_attention, math form (the docs' reference implementation),
    computed in float64 and cast back so the golden is not limited by float32 rounding."""
    dt = query.dtype
    q, k, v = query.double(), key.double(), value.double()
    L, S = q.size(-2), k.size(-2)
    scale_factor = 1.0 / math.sqrt(q.size(-1)) if scale is None else scale
    bias = torch.zeros(L, S, dtype=torch.float64)
    if is_causal:
        keep = torch.ones(L, S, dtype=torch.bool).tril(diagonal=0)
        bias = bias.masked_fill(keep.logical_not(), float("-inf"))
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            bias = bias.masked_fill(attn_mask.logical_not(), float("-inf"))
        else:
            bias = attn_mask.double() + bias
    w = q @ k.transpose(-2, -1) * scale_factor + bias
    w = torch.softmax(w, dim=-1)
    if dropout_p > 0.0:
        w = torch.dropout(w, dropout_p, train=True)
    return (w @ v).to(dt)


def _modulelist_repr_2x(self):
    """ModuleList.__repr__ as in PyTorch >= 2.0: runs of equal child reprs are folded into
    `(s-e): n x <repr>`; lone children keep `(i): <repr>`; no extra_repr lines."""
    reprs = [repr(m) for m in self]
    if not reprs:
        return self._get_name() + "()"
    runs = []  # [start, end, repr]
    for i, r in enumerate(reprs):
        if runs and runs[-1][2] == r:
            runs[-1][1] = i
        else:
            runs.append([i, i, r])
    lines = []
    for start, end, r in runs:
        head = f"({start})" if start == end else f"({start}-{end}): {end - start + 1} x"
        text = f"{head}: {r}" if start == end else f"{head} {r}"
        lines.append(nn.modules.module._addindent(text, 2))
    return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


def _upsample_extra_repr_2x(self):
    info = ("scale_factor=" + repr(self.scale_factor)) if self.scale_factor is not None \
        else ("size=" + repr(self.size))
    return info + ", mode=" + repr(self.mode)


def named_parameters_2x(module, remove_duplicate=True):
    """Module.named_parameters(remove_duplicate=...) from 2.x (1.13 lacks the argument)."""
    memo = set()
    for mod_prefix, mod in module.named_modules(remove_duplicate=remove_duplicate):
        for k, p in mod._parameters.items():
            if p is None or p in memo:
                continue
            if remove_duplicate:
                memo.add(p)
            yield (mod_prefix + "." + k if mod_prefix else k), p


def apply_2x_patches():
    if not hasattr(F, "scaled_dot_product_attention"):
        F.scaled_dot_product_attention = sdpa_reference
    nn.ModuleList.__repr__ = _modulelist_repr_2x
    nn.Upsample.extra_repr = _upsample_extra_repr_2x
    # 2.x declares Softplus(beta: float = 1.0, threshold: float = 20.0); 1.13 had ints (1, 20).
    nn.Softplus.__init__.__defaults__ = (1.0, 20.0)
    torch.set_num_threads(1)  # reductions must not depend on thread count
    torch.set_default_dtype(torch.float32)


def check_patches():
    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU()])
    want = ("ModuleList(\n  (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)\n"
            "  (3): ReLU()\n)")
    assert repr(ml) == want, repr(ml)
    assert repr(nn.ModuleList()) == "ModuleList()"
    one = nn.ModuleList([nn.ReLU()])
    assert repr(one) == "ModuleList(\n  (0): ReLU()\n)", repr(one)
    assert repr(nn.Softplus()) == "Softplus(beta=1.0, threshold=20.0)", repr(nn.Softplus())
    assert repr(nn.Upsample(scale_factor=2.0)) == "Upsample(scale_factor=2.0, mode='nearest')"
