"""Op families: matmul, conv, pool, norm."""
import torch

from goldlib import Family

T = torch.tensor


def matmul():
    f = Family("matmul", seed=606)
    r = lambda *s: f.randn(*s, decimals=2)
    f.case("matmul/1d_1d", "torch.matmul", r(3), r(3))
    f.case("matmul/1d_2d", "torch.matmul", r(3), r(3, 4))
    f.case("matmul/2d_1d", "torch.matmul", r(2, 3), r(3))
    f.case("matmul/2d_2d", "torch.matmul", r(2, 3), r(3, 4))
    f.case("matmul/3d_3d", "torch.matmul", r(2, 2, 3), r(2, 3, 4))
    f.case("matmul/3d_2d", "torch.matmul", r(2, 2, 3), r(3, 4))
    f.case("matmul/2d_3d", "torch.matmul", r(2, 3), r(2, 3, 4))
    f.case("matmul/1d_3d", "torch.matmul", r(3), r(2, 3, 4))
    f.case("matmul/3d_1d", "torch.matmul", r(2, 2, 3), r(3))
    f.case("matmul/broadcast_4d_3d", "torch.matmul", r(2, 1, 2, 3), r(3, 3, 2))
    f.case("matmul/operator", "Tensor.__matmul__", r(2, 3), r(3, 2))
    f.case("matmul/f64", "torch.matmul", r(2, 3).double(), r(3, 2).double())
    f.case("matmul/i64", "torch.matmul", T([[1, 2], [3, 4]]), T([[5], [6]]))
    f.case("matmul/empty_inner", "torch.matmul", torch.zeros(2, 0), torch.zeros(0, 3))
    f.case("matmul/error_2d", "torch.matmul", torch.ones(2, 3), torch.ones(4, 5))
    f.case("matmul/error_1d", "torch.matmul", torch.ones(3), torch.ones(4))
    f.case("matmul/error_batch_broadcast", "torch.matmul", torch.ones(2, 2, 3), torch.ones(3, 3, 2))
    f.case("matmul/error_0d", "torch.matmul", T(2.0), torch.ones(2))
    f.case("mm/basic", "torch.mm", r(2, 3), r(3, 2))
    f.case("mm/error", "torch.mm", torch.ones(2, 3), torch.ones(2, 3))
    f.case("mm/error_3d", "torch.mm", torch.ones(1, 2, 3), torch.ones(3, 2))
    f.case("bmm/basic", "torch.bmm", r(2, 2, 3), r(2, 3, 4))
    f.case("bmm/error", "torch.bmm", torch.ones(2, 2, 3), torch.ones(2, 4, 5))
    f.case("bmm/error_batch", "torch.bmm", torch.ones(2, 2, 3), torch.ones(3, 3, 5))
    f.case("mv/basic", "torch.mv", r(2, 3), r(3))
    f.case("dot/basic", "torch.dot", r(4), r(4))
    f.case("linear/bias", "F.linear", r(2, 3), r(4, 3), r(4))
    f.case("linear/no_bias", "F.linear", r(2, 3), r(4, 3))
    f.case("linear/bias_kw_none", "F.linear", r(2, 3), r(4, 3), bias=None)
    f.case("linear/1d_input", "F.linear", r(3), r(4, 3), r(4))
    f.case("linear/3d_input", "F.linear", r(2, 2, 3), r(4, 3), r(4))
    f.case("linear/4d_input", "F.linear", r(2, 1, 2, 3), r(2, 3), r(2))
    f.case("linear/error_features", "F.linear", torch.ones(2, 3), torch.ones(4, 5), torch.ones(4))
    f.case("linear/error_3d_features", "F.linear", torch.ones(2, 2, 3), torch.ones(4, 5))
    f.case("outer/basic", "torch.outer", r(3), r(2))
    f.case("einsum/bij_bjk", "torch.einsum", "bij,bjk->bik", r(2, 2, 3), r(2, 3, 2))
    return f


def conv():
    f = Family("conv", seed=707)
    r = lambda *s: f.randn(*s, decimals=2)
    x1 = r(2, 2, 9)
    f.case("conv1d/basic", "F.conv1d", x1, r(3, 2, 3), r(3))
    f.case("conv1d/stride2_pad1", "F.conv1d", x1, r(3, 2, 3), r(3), stride=2, padding=1)
    f.case("conv1d/dilation2", "F.conv1d", x1, r(3, 2, 3), None, 1, 0, 2)
    f.case("conv1d/groups2", "F.conv1d", x1, r(4, 1, 3), r(4), groups=2)
    f.case("conv1d/same_even_kernel", "F.conv1d", x1, r(3, 2, 4), r(3), padding="same")
    f.case("conv1d/same_dilation", "F.conv1d", x1, r(3, 2, 3), None, padding="same", dilation=3)
    f.case("conv1d/valid", "F.conv1d", x1, r(3, 2, 3), padding="valid")
    f.case("conv1d/unbatched", "F.conv1d", r(2, 6), r(3, 2, 2))
    x = r(2, 3, 7, 7)
    w = r(4, 3, 3, 3)
    bias = r(4)
    f.case("conv2d/basic", "F.conv2d", x, w, bias)
    f.case("conv2d/no_bias", "F.conv2d", x, w)
    f.case("conv2d/stride2_pad1", "F.conv2d", x, w, bias, stride=2, padding=1)
    f.case("conv2d/positional_all", "F.conv2d", x, w, bias, (2, 1), (1, 0), (1, 2), 1)
    f.case("conv2d/rect_kernel_rect_pad", "F.conv2d", x, r(4, 3, 2, 3), None, padding=(1, 2))
    f.case("conv2d/dilation2", "F.conv2d", x, w, bias, dilation=2)
    f.case("conv2d/dilation_pad", "F.conv2d", x, w, bias, padding=2, dilation=2, stride=2)
    f.case("conv2d/same", "F.conv2d", x, w, bias, padding="same")
    f.case("conv2d/same_even_kernel", "F.conv2d", x, r(2, 3, 2, 4), padding="same")
    f.case("conv2d/same_dilation", "F.conv2d", x, w, None, padding="same", dilation=(2, 1))
    f.case("conv2d/valid", "F.conv2d", x, w, bias, padding="valid")
    f.case("conv2d/groups", "F.conv2d", r(1, 4, 5, 5), r(6, 2, 3, 3), r(6), groups=2)
    f.case("conv2d/depthwise", "F.conv2d", r(1, 3, 5, 5), r(3, 1, 3, 3), r(3), padding=1, groups=3)
    f.case("conv2d/depthwise_multiplier", "F.conv2d", r(1, 2, 5, 5), r(4, 1, 3, 3), None, groups=2)
    f.case("conv2d/1x1", "F.conv2d", x, r(2, 3, 1, 1))
    f.case("conv2d/unbatched", "F.conv2d", r(3, 5, 5), w, bias)
    f.case("conv2d/kernel_equals_input", "F.conv2d", r(1, 3, 3, 3), w)
    f.case("conv2d/f64", "F.conv2d", x.double(), w.double(), bias.double(), padding=1)
    f.case("conv2d/error_channels", "F.conv2d", torch.ones(1, 2, 5, 5), torch.ones(4, 3, 3, 3))
    f.case("conv2d/error_groups_channels", "F.conv2d", torch.ones(1, 4, 5, 5), torch.ones(6, 3, 3, 3),
           groups=2)
    f.case("conv2d/error_same_strided", "F.conv2d", torch.ones(1, 3, 5, 5), torch.ones(4, 3, 3, 3),
           stride=2, padding="same")
    f.case("conv2d/error_kernel_too_big", "F.conv2d", torch.ones(1, 3, 2, 2), torch.ones(4, 3, 3, 3))
    f.case("conv2d/error_bias_size", "F.conv2d", torch.ones(1, 3, 5, 5), torch.ones(4, 3, 3, 3),
           torch.ones(3))
    f.case("conv2d/error_input_dim", "F.conv2d", torch.ones(3, 5), torch.ones(4, 3, 3, 3))
    xm = r(1, 2, 5, 6)
    for mode in ["zeros", "reflect", "replicate", "circular"]:
        kw = {"padding": (1, 2), "padding_mode": mode, "bias": True}
        fun = ("F.conv2d(input, weight, bias, stride, padding, dilation, groups)" if mode == "zeros" else
               f"F.conv2d(F.pad(input, (2, 2, 1, 1), mode='{mode}'), weight, bias, stride, 0, dilation, groups)")
        f.module_case(f"nn.Conv2d/padding_mode_{mode}", "Conv2d", (2, 3, 3), kw, [xm], fun)
    f.module_case("nn.Conv2d/reflect_stride2", "Conv2d", (2, 2, 3),
                  {"stride": 2, "padding": 1, "padding_mode": "reflect", "bias": False}, [xm],
                  "F.conv2d(F.pad(input, (1, 1, 1, 1), mode='reflect'), weight, None, (2, 2), 0, (1, 1), 1)")
    f.module_case("nn.Conv2d/circular_same", "Conv2d", (2, 2, 3),
                  {"padding": "same", "padding_mode": "circular"}, [xm],
                  "F.conv2d(F.pad(input, (1, 1, 1, 1), mode='circular'), weight, bias, 1, 0, 1, 1)")
    xt = r(1, 2, 3, 3)
    wt = r(2, 3, 3, 3)  # (C_in, C_out/groups, kH, kW)
    f.case("conv_transpose2d/basic", "F.conv_transpose2d", xt, wt, r(3))
    f.case("conv_transpose2d/stride2", "F.conv_transpose2d", xt, wt, None, stride=2)
    f.case("conv_transpose2d/stride2_pad1", "F.conv_transpose2d", xt, wt, r(3), stride=2, padding=1)
    f.case("conv_transpose2d/output_padding", "F.conv_transpose2d", xt, wt, r(3), stride=2, padding=1,
           output_padding=1)
    f.case("conv_transpose2d/positional", "F.conv_transpose2d", xt, wt, None, (2, 1), (0, 1), (1, 0))
    f.case("conv_transpose2d/groups", "F.conv_transpose2d", r(1, 4, 3, 3), r(4, 1, 2, 2), r(2), groups=2)
    f.case("conv_transpose2d/dilation", "F.conv_transpose2d", xt, wt, None, dilation=2)
    f.case("conv_transpose2d/all", "F.conv_transpose2d", r(2, 4, 3, 2), r(4, 2, 3, 2), r(4), stride=(2, 3),
           padding=(1, 0), output_padding=(1, 2), groups=2, dilation=(1, 2))
    f.case("conv_transpose2d/kernel2_stride2", "F.conv_transpose2d", r(1, 2, 2, 2), r(2, 1, 2, 2), stride=2)
    f.case("conv_transpose2d/error_output_padding", "F.conv_transpose2d", xt, wt, stride=1,
           output_padding=1)
    f.case("conv_transpose2d/error_channels", "F.conv_transpose2d", torch.ones(1, 3, 3, 3), wt)
    f.case("conv_transpose1d/stride2", "F.conv_transpose1d", r(1, 2, 4), r(2, 3, 3), r(3), stride=2,
           padding=1, output_padding=1)
    return f


def pool():
    f = Family("pool", seed=808)
    r = lambda *s: f.randn(*s, decimals=2)
    x1 = r(2, 2, 9)
    x = r(1, 2, 7, 7)
    f.case("max_pool1d/k2", "F.max_pool1d", x1, 2)
    f.case("max_pool1d/k3_s2_p1", "F.max_pool1d", x1, 3, 2, 1)
    f.case("max_pool1d/dilation", "F.max_pool1d", x1, 2, stride=1, dilation=3)
    f.case("max_pool1d/ceil", "F.max_pool1d", x1, 2, ceil_mode=True)
    f.case("max_pool1d/indices", "F.max_pool1d", x1, 3, return_indices=True)
    f.case("max_pool2d/k2", "F.max_pool2d", x, 2)
    f.case("max_pool2d/k3_s2", "F.max_pool2d", x, 3, 2)
    f.case("max_pool2d/pad1", "F.max_pool2d", x, 3, stride=2, padding=1)
    f.case("max_pool2d/rect", "F.max_pool2d", x, (2, 3), stride=(1, 2))
    f.case("max_pool2d/dilation", "F.max_pool2d", x, 2, stride=1, dilation=2)
    f.case("max_pool2d/ceil", "F.max_pool2d", x, 2, ceil_mode=True)
    f.case("max_pool2d/ceil_pad_window_drop", "F.max_pool2d", r(1, 1, 6, 6), 3, 2, 1, ceil_mode=True)
    f.case("max_pool2d/indices", "F.max_pool2d", x, 2, return_indices=True)
    f.case("max_pool2d/unbatched", "F.max_pool2d", r(2, 4, 4), 2)
    f.case("max_pool2d/neg_inf_padding", "F.max_pool2d", -torch.ones(1, 1, 3, 3), 2, 2, 1)
    f.case("max_pool2d/error_pad_too_big", "F.max_pool2d", x, 2, padding=2, error_2x=(
        "RuntimeError", "pad should be at most half of effective kernel size, but got pad=2, kernel_size=2 and "
        "dilation=1"))
    f.case("max_pool2d/error_output_too_small", "F.max_pool2d", torch.ones(1, 1, 2, 2), 3)
    f.case("avg_pool1d/k2", "F.avg_pool1d", x1, 2)
    f.case("avg_pool1d/k3_s2_p1", "F.avg_pool1d", x1, 3, 2, 1)
    f.case("avg_pool1d/no_count_pad", "F.avg_pool1d", x1, 3, 2, 1, count_include_pad=False)
    f.case("avg_pool1d/ceil", "F.avg_pool1d", x1, 2, ceil_mode=True)
    f.case("avg_pool2d/k2", "F.avg_pool2d", x, 2)
    f.case("avg_pool2d/k3_s2_p1", "F.avg_pool2d", x, 3, 2, 1)
    f.case("avg_pool2d/no_count_pad", "F.avg_pool2d", x, 3, stride=2, padding=1, count_include_pad=False)
    f.case("avg_pool2d/ceil", "F.avg_pool2d", x, 2, ceil_mode=True)
    f.case("avg_pool2d/ceil_pad", "F.avg_pool2d", x, 3, 2, 1, True)
    f.case("avg_pool2d/ceil_pad_no_count", "F.avg_pool2d", x, 3, 2, 1, True, False)
    f.case("avg_pool2d/divisor_override", "F.avg_pool2d", x, 2, divisor_override=3)
    f.case("avg_pool2d/rect", "F.avg_pool2d", x, (3, 2), stride=(2, 1), padding=(1, 0))
    f.case("avg_pool2d/unbatched", "F.avg_pool2d", r(2, 4, 4), 2)
    f.case("avg_pool2d/i64_error", "F.avg_pool2d", torch.ones(1, 1, 4, 4, dtype=torch.int64), 2)
    f.case("adaptive_avg_pool1d/divisible", "F.adaptive_avg_pool1d", x1, 3)
    f.case("adaptive_avg_pool1d/uneven", "F.adaptive_avg_pool1d", x1, 4)
    f.case("adaptive_avg_pool1d/upsample", "F.adaptive_avg_pool1d", r(1, 1, 3), 5)
    f.case("adaptive_avg_pool2d/1x1", "F.adaptive_avg_pool2d", x, 1)
    f.case("adaptive_avg_pool2d/uneven", "F.adaptive_avg_pool2d", x, (3, 2))
    f.case("adaptive_avg_pool2d/none_dim", "F.adaptive_avg_pool2d", x, (None, 3))
    f.case("adaptive_avg_pool2d/larger", "F.adaptive_avg_pool2d", r(1, 1, 2, 3), 4)
    f.case("adaptive_avg_pool2d/unbatched", "F.adaptive_avg_pool2d", r(2, 5, 5), (2, 2))
    f.case("adaptive_max_pool2d/uneven", "F.adaptive_max_pool2d", x, (3, 2))
    f.case("adaptive_max_pool2d/int", "F.adaptive_max_pool2d", x, 2)
    f.case("adaptive_max_pool2d/indices", "F.adaptive_max_pool2d", x, 3, return_indices=True)
    f.case("adaptive_max_pool2d/none_dim", "F.adaptive_max_pool2d", x, (2, None))
    f.case("adaptive_max_pool1d/uneven", "F.adaptive_max_pool1d", x1, 4)
    return f


def norm():
    f = Family("norm", seed=909)
    r = lambda *s: f.randn(*s, decimals=2)
    x = r(3, 4, 2, 2)
    rm, rv = r(4) * 0.1, f.rand(4) + 0.5
    w, b = r(4), r(4)
    f.case("batch_norm/eval", "F.batch_norm", x, rm, rv, w, b)
    f.case("batch_norm/eval_no_affine", "F.batch_norm", x, rm, rv)
    f.case("batch_norm/eval_eps", "F.batch_norm", x, rm, rv, w, b, False, 0.1, 1e-3)
    f.case("batch_norm/eval_2d_input", "F.batch_norm", r(5, 4), rm, rv, w, b, training=False)
    f.case("batch_norm/eval_3d_input", "F.batch_norm", r(2, 4, 3), rm, rv, w, b)
    f.case("batch_norm/train_running_stats", "F.batch_norm", x, rm.clone(), rv.clone(), w, b,
           training=True, mutates=[1, 2])
    f.case("batch_norm/train_momentum", "F.batch_norm", x, rm.clone(), rv.clone(), w, b, True, 0.3,
           mutates=[1, 2])
    f.case("batch_norm/train_no_running_stats", "F.batch_norm", x, None, None, w, b, training=True)
    f.case("batch_norm/train_2d", "F.batch_norm", r(6, 4), torch.zeros(4), torch.ones(4), None, None,
           True, mutates=[1, 2])
    f.case("batch_norm/train_one_value_error", "F.batch_norm", r(1, 4), torch.zeros(4), torch.ones(4),
           training=True)
    f.case("batch_norm/error_channels", "F.batch_norm", x, torch.zeros(3), torch.ones(3))
    y = r(2, 3, 4)
    f.case("layer_norm/last_dim", "F.layer_norm", y, (4,))
    f.case("layer_norm/last_dim_affine", "F.layer_norm", y, [4], r(4), r(4))
    f.case("layer_norm/two_dims", "F.layer_norm", y, (3, 4), r(3, 4), r(3, 4), 1e-3)
    f.case("layer_norm/weight_only", "F.layer_norm", y, (4,), weight=r(4))
    f.case("layer_norm/constant_row", "F.layer_norm", torch.ones(2, 4), (4,))
    f.case("layer_norm/error_shape", "F.layer_norm", y, (3,))
    g = r(2, 6, 3, 2)
    f.case("group_norm/groups2", "F.group_norm", g, 2)
    f.case("group_norm/groups3_affine", "F.group_norm", g, 3, r(6), r(6))
    f.case("group_norm/groups1", "F.group_norm", g, 1, r(6), r(6), 1e-3)
    f.case("group_norm/instance_like", "F.group_norm", g, 6)
    f.case("group_norm/3d_input", "F.group_norm", r(2, 4, 5), 2, eps=1e-4)
    f.case("group_norm/error_divisible", "F.group_norm", g, 4)
    f.case("instance_norm/basic", "F.instance_norm", g)
    f.case("normalize/default", "F.normalize", r(3, 4))
    f.case("normalize/p1_dim0", "F.normalize", r(3, 4), 1.0, 0)
    return f
