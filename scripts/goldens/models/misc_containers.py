"""Container and layer zoo: ParameterList/Dict, a module shared under two names, a non-persistent
buffer, OrderedDict Sequential, ModuleDict, Identity, Flatten/Unflatten, Bilinear, Dropout2d, pooling
modules and every activation module."""
from collections import OrderedDict

import torch
import torch.nn as nn


def activations():
    return [
        nn.ReLU(), nn.ReLU(), nn.ReLU6(), nn.LeakyReLU(0.1), nn.PReLU(), nn.RReLU(), nn.ELU(alpha=0.5),
        nn.CELU(), nn.SELU(), nn.GELU(), nn.GELU(approximate="tanh"), nn.SiLU(), nn.Mish(), nn.Sigmoid(),
        nn.Tanh(), nn.Hardswish(), nn.Hardsigmoid(), nn.Hardtanh(-2.0, 2.0), nn.Hardshrink(),
        nn.Softshrink(0.25), nn.Tanhshrink(), nn.Softsign(), nn.Softplus(), nn.Softplus(beta=2, threshold=5),
        nn.LogSigmoid(), nn.Threshold(0.1, -1.0), nn.Softmin(dim=-1), nn.Softmax(dim=-1),
        nn.LogSoftmax(dim=-1),
    ]


class MiscContainers(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(OrderedDict([
            ("conv", nn.Conv1d(2, 4, kernel_size=3, padding=1)),
            ("act", nn.ReLU()),
            ("pool", nn.MaxPool1d(2)),
            ("avg", nn.AvgPool1d(kernel_size=2, stride=1)),
            ("adapt", nn.AdaptiveAvgPool1d(4)),
        ]))
        self.flatten = nn.Flatten()
        self.unflatten = nn.Unflatten(1, (1, 4, 4))
        self.drop2d = nn.Dropout2d(p=0.25)
        self.pool2d = nn.AdaptiveMaxPool2d((2, 2))
        self.ident = nn.Identity()
        shared = nn.Linear(4, 4)
        self.enc = shared
        self.dec = shared
        self.scales = nn.ParameterList([nn.Parameter(torch.ones(4)), nn.Parameter(torch.zeros(4))])
        self.extras = nn.ParameterDict({"alpha": nn.Parameter(torch.tensor(0.5)),
                                        "beta": nn.Parameter(torch.full((4,), 0.1))})
        self.register_buffer("offset", torch.full((4,), 0.01))
        self.register_buffer("cache", torch.zeros(4), persistent=False)
        self.bilinear = nn.Bilinear(4, 4, 3)
        self.acts = nn.ModuleList(activations())
        self.glu = nn.GLU()
        self.softmax2d = nn.Softmax2d()
        self.heads = nn.ModuleDict({"prob": nn.Softmax(dim=1), "logprob": nn.LogSoftmax(dim=1)})

    def forward(self, x):
        h = self.stem(x)                                   # (N, 4, 4)
        h = self.unflatten(self.flatten(h))                # (N, 1, 4, 4)
        s2d = self.flatten(self.softmax2d(h))              # (N, 16)
        v = self.flatten(self.pool2d(self.drop2d(h)))      # (N, 4)
        v = self.dec(self.enc(v)) * self.scales[0] + self.scales[1]
        v = v + self.extras["alpha"] * self.extras["beta"] + self.offset + self.cache
        v = self.ident(v)
        b = self.bilinear(v, v)                            # (N, 3)
        outs = [act(v) for act in self.acts] + [self.glu(v)]
        outs += [self.heads["prob"](b), self.heads["logprob"](b), s2d]
        return torch.cat(outs, dim=1)


def build():
    return MiscContainers()


def example_input():
    torch.manual_seed(10)
    return torch.randn(2, 2, 8)
