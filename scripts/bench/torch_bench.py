"""PyTorch side of `npm run bench`: times the same workloads as the engine benchmark, in the same run.

Run with Debian's interpreter (/usr/bin/python3, python3-torch 1.13). Prints one JSON object:
{"torch_version", "results": [{"workload", "threads", "ms", "runs"}]}. Medians after warm-up, eval + no_grad.
"""
import json
import statistics
import sys
import time

import torch
import torch.nn as nn


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


def median_ms(fn, min_runs, min_seconds=1.0):
    fn()
    fn()
    times = []
    start = time.perf_counter()
    while len(times) < min_runs or (time.perf_counter() - start < min_seconds and len(times) < 200):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), len(times)


def workloads():
    torch.manual_seed(0)
    a512, b512 = torch.randn(512, 512), torch.randn(512, 512)
    a1024, b1024 = torch.randn(1024, 1024), torch.randn(1024, 1024)
    net = Net().eval()
    x1, x64 = torch.randn(1, 3, 38, 38), torch.randn(64, 3, 38, 38)
    yield "gemm_512", lambda: torch.mm(a512, b512), 10
    yield "gemm_1024", lambda: torch.mm(a1024, b1024), 5
    yield "net_b1", lambda: net(x1), 50
    yield "net_b64", lambda: net(x64), 20
    try:
        import torchvision
        r18 = torchvision.models.resnet18().eval()
        x = torch.randn(1, 3, 224, 224)
        yield "resnet18_224", lambda: r18(x), 10
    except ImportError:
        pass


def main():
    only = set(sys.argv[1:])
    results = []
    for threads in (1, 2):
        torch.set_num_threads(threads)
        with torch.no_grad():
            for name, fn, runs in workloads():
                if only and name not in only:
                    continue
                ms, n = median_ms(fn, runs)
                results.append({"workload": name, "threads": threads, "ms": round(ms, 4), "runs": n})
    print(json.dumps({"torch_version": torch.__version__, "results": results}))


if __name__ == "__main__":
    main()
