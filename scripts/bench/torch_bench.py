"""PyTorch side of `npm run bench`: the same workloads, weights and inputs as the engine benchmark.

Run with Debian's interpreter (/usr/bin/python3, python3-torch 1.13):
  torch_bench.py --prepare DIR        writes the shared inputs, PyTorch's weights and outputs (safetensors)
                                      and the ONNX exports (opset 13) into DIR (the bench cache)
  torch_bench.py --cache DIR [--threads 1,2] [workload ...]
                                      times the workloads; prints one JSON object on the last line:
                                      {"torch_version", "results": [{workload, runtime, threads, ms, ...}]}
Medians after warm-up, eval + no_grad; each timing block records the foreign CPU load (benchutil.py).
"""
import json
import math
import os
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.dont_write_bytecode = True  # no __pycache__ next to the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchutil import time_block  # noqa: E402

CACHE_VERSION = "bench-cache-v1"


class Net(nn.Module):
    """The source document's network."""

    def __init__(self, num_class=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 6, 3), nn.BatchNorm2d(6), nn.ReLU(inplace=True), nn.MaxPool2d(2, 2),
            nn.Conv2d(6, 9, 3), nn.BatchNorm2d(9), nn.ReLU(inplace=True), nn.MaxPool2d(2, 2))
        self.classifier = nn.Sequential(
            nn.Linear(9 * 8 * 8, 128), nn.ReLU(inplace=True), nn.Dropout(), nn.Linear(128, num_class))

    def forward(self, x):
        x = self.features(x)
        x = x.view(x.size()[0], -1)
        return self.classifier(x)


# The GPT-style decoder; scripts/bench/models/gpt.ts is the same definition. Attention is written out
# (1.13 has no scaled_dot_product_attention), so PyTorch, its ONNX export and the engine run the same ops.
GPT_CONFIG = dict(vocab=8192, block=128, layers=6, heads=6, width=384)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.qkv = nn.Linear(c["width"], 3 * c["width"])
        self.proj = nn.Linear(c["width"], c["width"])
        self.heads, self.head_dim = c["heads"], c["width"] // c["heads"]
        self.register_buffer("mask", torch.tril(torch.ones(c["block"], c["block"], dtype=torch.bool)), persistent=False)

    def forward(self, x):
        B, T, C = x.shape
        hd = self.head_dim
        q, k, v = [t.view(B, T, self.heads, hd).transpose(1, 2) for t in self.qkv(x).split(C, 2)]
        att = torch.matmul(q, k.transpose(-2, -1)) * (1 / math.sqrt(hd))
        att = F.softmax(att.masked_fill(~self.mask[:T, :T], float("-inf")), -1)
        return self.proj(torch.matmul(att, v).transpose(1, 2).contiguous().view(B, T, C))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.ln_1 = nn.LayerNorm(c["width"])
        self.attn = Attention(c)
        self.ln_2 = nn.LayerNorm(c["width"])
        self.fc = nn.Linear(c["width"], 4 * c["width"])
        self.act = nn.GELU()
        self.fc_out = nn.Linear(4 * c["width"], c["width"])

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.fc_out(self.act(self.fc(self.ln_2(x))))


class GPT(nn.Module):
    def __init__(self, c=GPT_CONFIG):
        super().__init__()
        self.wte = nn.Embedding(c["vocab"], c["width"])
        self.wpe = nn.Embedding(c["block"], c["width"])
        self.h = nn.ModuleList([Block(c) for _ in range(c["layers"])])
        self.ln_f = nn.LayerNorm(c["width"])
        self.lm_head = nn.Linear(c["width"], c["vocab"], bias=False)
        self.lm_head.weight = self.wte.weight
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, 0.0, 0.02)
            if isinstance(m, nn.Linear) and m.bias is not None:
                nn.init.zeros_(m.bias)

    def forward(self, idx):
        pos = torch.arange(0, idx.shape[1], dtype=torch.long)
        x = self.wte(idx) + self.wpe(pos)
        for block in self.h:
            x = block(x)
        return self.lm_head(self.ln_f(x))


class MatMul(nn.Module):
    def forward(self, a, b):
        return torch.matmul(a, b)


def resnet18():
    import torchvision
    return torchvision.models.resnet18()


# ---- a minimal safetensors reader/writer (float32 / int64, contiguous little-endian) -------------------

_CODES = {torch.float32: "F32", torch.int64: "I64"}
_DTYPES = {v: k for k, v in _CODES.items()}


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name, t in tensors.items():
        data = t.detach().contiguous().cpu().numpy().tobytes()
        header[name] = {"dtype": _CODES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        buf = bytearray(data[8 + n + b:8 + n + e])
        out[name] = torch.frombuffer(buf, dtype=_DTYPES[info["dtype"]]).reshape(info["shape"]) if e > b else \
            torch.zeros(info["shape"], dtype=_DTYPES[info["dtype"]])
    return out


# ---- preparing the shared cache ----------------------------------------------------------------------

def prepare(cache):
    os.makedirs(cache, exist_ok=True)
    torch.manual_seed(0)
    inputs = {
        "gemm_a512": torch.randn(512, 512), "gemm_b512": torch.randn(512, 512),
        "gemm_a1024": torch.randn(1024, 1024), "gemm_b1024": torch.randn(1024, 1024),
        "x_net_b1": torch.randn(1, 3, 38, 38), "x_net_b64": torch.randn(64, 3, 38, 38),
        "x_resnet18": torch.randn(1, 3, 224, 224),
        "idx_gpt": torch.randint(0, GPT_CONFIG["vocab"], (1, 128)),
    }
    models = {"net": Net(), "resnet18": resnet18(), "gpt": GPT()}
    # BatchNorm with non-trivial running statistics, so eval-mode normalisation is actually checked
    for m in models.values():
        for mod in m.modules():
            if isinstance(mod, nn.BatchNorm2d):
                mod.running_mean.uniform_(-0.2, 0.2)
                mod.running_var.uniform_(0.5, 1.5)
                mod.weight.data.uniform_(0.5, 1.5)
                mod.bias.data.uniform_(-0.2, 0.2)
        m.eval()
    with torch.no_grad():
        outputs = {
            "y_net_b1": models["net"](inputs["x_net_b1"]), "y_net_b64": models["net"](inputs["x_net_b64"]),
            "y_resnet18": models["resnet18"](inputs["x_resnet18"]), "y_gpt": models["gpt"](inputs["idx_gpt"]),
        }
    for name, m in models.items():
        write_safetensors(os.path.join(cache, f"{name}.safetensors"), {k: v.clone() for k, v in m.state_dict().items()})
    write_safetensors(os.path.join(cache, "inputs.safetensors"), {**inputs, **outputs})
    onnx = {}
    exports = [
        ("net", models["net"], (inputs["x_net_b1"],), ["x"], {"x": {0: "batch"}}),
        ("resnet18", models["resnet18"], (inputs["x_resnet18"],), ["x"], None),
        ("gpt", models["gpt"], (inputs["idx_gpt"],), ["idx"], None),
        ("matmul", MatMul(), (inputs["gemm_a512"], inputs["gemm_b512"]), ["a", "b"], {"a": {0: "m", 1: "k"}, "b": {0: "k", 1: "n"}}),
    ]
    for name, model, args, input_names, dynamic in exports:
        path = os.path.join(cache, f"{name}.onnx")
        try:
            torch.onnx.export(model, args, path + ".tmp", opset_version=13, input_names=input_names,
                              output_names=["y"], dynamic_axes=dynamic, do_constant_folding=True)
            os.replace(path + ".tmp", path)
            onnx[name] = os.path.basename(path)
        except Exception as error:  # the ORT column then says why
            onnx[name] = None
            print(f"[torch_bench] ONNX export of {name} failed: {error}", file=sys.stderr)
    manifest = {"version": CACHE_VERSION, "torch_version": torch.__version__, "onnx": onnx,
                "params": {k: sum(p.numel() for p in m.parameters()) for k, m in models.items()}}
    with open(os.path.join(cache, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print(json.dumps(manifest))


# ---- timing ----------------------------------------------------------------------------------------

def workloads(cache):
    """The timed workloads [(name, fn, flops)] and, as a check of the cache files, how far PyTorch's outputs
    with the weights read back lie from the outputs saved when they were written."""
    x = read_safetensors(os.path.join(cache, "inputs.safetensors"))
    net, r18, gpt = Net(), resnet18(), GPT()
    for name, m in (("net", net), ("resnet18", r18), ("gpt", gpt)):
        m.load_state_dict(read_safetensors(os.path.join(cache, f"{name}.safetensors")), strict=True)
        m.eval()
    with torch.no_grad():
        reload = {
            "net_b64": (net(x["x_net_b64"]) - x["y_net_b64"]).abs().max().item(),
            "resnet18_224": (r18(x["x_resnet18"]) - x["y_resnet18"]).abs().max().item(),
            "gpt_128": (gpt(x["idx_gpt"]) - x["y_gpt"]).abs().max().item(),
        }
    items = []
    for n in (512, 1024):
        a, b = x[f"gemm_a{n}"], x[f"gemm_b{n}"]
        items.append((f"gemm_{n}", lambda a=a, b=b: torch.mm(a, b), 2 * n ** 3))
    items += [
        ("net_b1", lambda: net(x["x_net_b1"]), None),
        ("net_b64", lambda: net(x["x_net_b64"]), None),
        ("resnet18_224", lambda: r18(x["x_resnet18"]), 3.628e9),
        ("gpt_128", lambda: gpt(x["idx_gpt"]), None),
    ]
    return items, reload


def main():
    args = sys.argv[1:]
    if args[:1] == ["--prepare"]:
        prepare(args[1])
        return
    cache, threads, only = None, [1, 2], set()
    i = 0
    while i < len(args):
        if args[i] == "--cache":
            cache, i = args[i + 1], i + 2
        elif args[i] == "--threads":
            threads, i = [int(t) for t in args[i + 1].split(",")], i + 2
        else:
            only.add(args[i])
            i += 1
    results = []
    items, reload = workloads(cache)
    for t in threads:
        torch.set_num_threads(t)
        with torch.no_grad():
            for name, fn, flops in items:
                if only and name not in only:
                    continue
                r = time_block(fn, name)
                if flops:
                    r["gflops"] = round(flops / r["ms"] / 1e6, 2)
                results.append({"workload": name, "runtime": "pytorch", "threads": t, **r})
    print(json.dumps({"torch_version": torch.__version__, "blas": loaded_blas(), "reload_max_abs_diff": reload,
                      "results": results}))


def loaded_blas():
    """The BLAS/oneDNN libraries this process mapped (Debian's python3-torch takes libblas.so.3 from the
    alternatives system: the reference BLAS unless OpenBLAS/BLIS/MKL is installed)."""
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1]
            name = os.path.basename(path)
            if any(k in name for k in ("blas", "dnnl", "mkl", "blis")):
                libs.add(os.path.realpath(path))
    return sorted(libs)


if __name__ == "__main__":
    main()
