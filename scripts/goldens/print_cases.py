"""Tensor printing goldens: repr() and str() under default print options."""
import torch
import torch.nn as nn

from goldlib import tensor_value

T = torch.tensor
NAN, INF = float("nan"), float("inf")


def _cases():
    g = torch.Generator().manual_seed(1414)
    rn = lambda *s: torch.randn(*s, generator=g)
    yield "int/1d", T([1, 2, 3])
    yield "int/negative_2d", T([[-1, 20, 300], [4, -5000, 6]])
    yield "int/0d", T(7)
    yield "int64/large", T([9007199254740992, -1, 12345678901, 0])
    yield "int32/suffix", T([1, -2, 3], dtype=torch.int32)
    yield "int16/suffix", T([[1, 2], [3, 4]], dtype=torch.int16)
    yield "int8/suffix", T([-128, 0, 127], dtype=torch.int8)
    yield "uint8/suffix", T([0, 255, 7], dtype=torch.uint8)
    yield "int/long_wraps", torch.arange(40) * 1000
    yield "float/simple", T([1.5, 2.25, -3.125])
    yield "float/four_decimals", T([0.1, 0.2, 0.123456])
    yield "float/integral", T([1.0, 2.0, -3.0])
    yield "float/integral_large_ratio", T([1.0, 10000.0])
    yield "float/integral_over_1e8", T([1.0, 1e9])
    yield "float/sci_small", T([1e-5, 1.0])
    yield "float/sci_large", T([1e10, 1.5])
    yield "float/sci_ratio", T([0.001, 1000.5])
    yield "float/no_sci_ratio_below_1000", T([0.01, 9.5])
    yield "float/sci_tiny_only", T([1.2345e-7, -3.3e-8])
    yield "float/mixed_magnitudes", T([123456.789, 0.5, -42.0])
    yield "float/negative_zero", T([-0.0, 0.0, 1.5])
    yield "float/negative_zero_only", T([-0.0, 0.0])
    yield "float/negative_zero_0d", T(-0.0)
    yield "float/nan_inf", T([NAN, INF, -INF, 1.5])
    yield "float/nan_inf_integral", T([NAN, INF, -INF, 2.0])
    yield "float/all_nan", T([NAN, NAN])
    yield "float/inf_sci", T([INF, 1e-6, 1.0])
    yield "float/zeros", torch.zeros(2, 3)
    yield "float/0d", T(3.5)
    yield "float/0d_integral", T(3.0)
    yield "float/0d_nan", T(NAN)
    yield "float/0d_sci", T(1e-9)
    yield "float/wraps_80", rn(30)
    yield "float/2d", rn(3, 4)
    yield "float/3d", rn(2, 2, 3)
    yield "float/4d", rn(2, 1, 2, 2)
    yield "float/4d_sci", rn(1, 2, 2, 2) * 1e-5
    yield "float/single_element", T([0.3333])
    yield "float64/suffix", T([1.5, 2.0], dtype=torch.float64)
    yield "float64/precise", T([1 / 3, 2 / 3], dtype=torch.float64)
    yield "float64/0d", T(2.5, dtype=torch.float64)
    yield "float64/sci", T([1e-12, 1.0], dtype=torch.float64)
    yield "float16/suffix", T([0.1, 1.5, 65504.0], dtype=torch.float16)
    yield "float16/small", T([0.1, 0.2, 0.3], dtype=torch.float16)
    yield "bfloat16/suffix", T([0.1, 1.5, 3e38], dtype=torch.bfloat16)
    yield "bfloat16/small", T([0.1, 0.2, 0.3], dtype=torch.bfloat16)
    yield "bool/1d", T([True, False, True])
    yield "bool/2d", T([[True], [False]])
    yield "bool/0d", T(False)
    yield "empty/1d_float", T([])
    yield "empty/0x3", torch.zeros(0, 3)
    yield "empty/2x0x1", torch.zeros(2, 0, 1)
    yield "empty/int64", T([], dtype=torch.int64)
    yield "empty/int64_2d", torch.zeros(3, 0, dtype=torch.int64)
    yield "empty/bool", T([], dtype=torch.bool)
    yield "empty/float64", torch.zeros(0, dtype=torch.float64)
    yield "summary/1d_2000", torch.arange(2000.0)
    yield "summary/1d_int", torch.arange(1001)
    yield "summary/2d", rn(40, 40)
    yield "summary/2d_wide_short", rn(2, 600)
    yield "summary/3d_int", torch.arange(2000).view(20, 10, 10)
    yield "summary/4d", rn(8, 2, 8, 10)
    yield "summary/not_at_1000", torch.arange(1000.0).view(10, 100)
    yield "float/wide_row_2d", rn(2, 12)
    yield "float/suffix_wraps", T([123456.5, 1.25, 3.5, 7.0, 1.0, 2.0, 3.0, 4.0, 5.0], dtype=torch.float64)


def build():
    out = []
    for cid, t in _cases():
        out.append({"id": cid, "tensor": tensor_value(t), "requires_grad": False, "parameter": False,
                    "repr": repr(t), "str": str(t)})
    g = torch.Generator().manual_seed(1515)
    for cid, t, param in [
        ("requires_grad/plain", torch.tensor([1.0, -2.0]).requires_grad_(), False),
        ("requires_grad/wrapped_suffix", torch.randn(2, 8, generator=g).requires_grad_(), False),
        ("parameter/2d", nn.Parameter(torch.randn(2, 3, generator=g)), True),
        ("parameter/1d_zeros", nn.Parameter(torch.zeros(6)), True),
        ("parameter/0d", nn.Parameter(torch.tensor(0.5)), True),
        ("parameter/no_grad", nn.Parameter(torch.tensor([1.0, 2.0]), requires_grad=False), True),
        ("parameter/int64_no_grad", nn.Parameter(torch.tensor([1, 2]), requires_grad=False), True),
        ("parameter/large_summary", nn.Parameter(torch.randn(20, 60, generator=g) * 0.04), True),
    ]:
        out.append({"id": cid, "tensor": tensor_value(t), "requires_grad": t.requires_grad, "parameter": param,
                    "repr": repr(t), "str": str(t)})
    return out
