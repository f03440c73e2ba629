"""Op families: activation, loss, attention, misc (embedding, pad, interpolate, dropout, one_hot)."""
import torch

from goldlib import Family, sdpa_reference

T = torch.tensor
NAN, INF = float("nan"), float("inf")


def activation():
    f = Family("activation", seed=1010)
    x = T([-5.0, -3.0, -2.5, -1.0, -0.5, 0.0, 0.5, 1.0, 2.5, 3.0, 6.0, 7.5])
    x2 = f.randn(2, 3, 4, decimals=2) * 2
    edge = T([-INF, -30.0, 0.0, 30.0, INF, NAN])
    for fn in ["relu", "relu6", "silu", "mish", "hardswish", "hardsigmoid", "elu", "selu", "celu",
               "softsign", "logsigmoid", "tanhshrink", "hardtanh", "softplus", "gelu"]:
        f.case(f"{fn}/vec", f"F.{fn}", x)
        f.case(f"{fn}/edge", f"F.{fn}", edge)
    f.case("relu/3d", "F.relu", x2)
    f.case("relu/torch_fn", "torch.relu", x2)
    f.case("relu/i64", "torch.relu", T([-2, 0, 3]))
    f.case("relu/method", "Tensor.relu", x)
    f.case("relu/0d", "F.relu", T(-1.5))
    f.case("relu/empty", "F.relu", torch.zeros(0, 2))
    f.case("leaky_relu/default", "F.leaky_relu", x)
    f.case("leaky_relu/slope", "F.leaky_relu", x, 0.2)
    f.case("leaky_relu/slope_kw", "F.leaky_relu", x2, negative_slope=0.05)
    f.case("gelu/tanh", "F.gelu", x, approximate="tanh")
    f.case("gelu/none_explicit", "F.gelu", x2, approximate="none")
    f.case("gelu/f64", "F.gelu", x.double())
    f.case("gelu/bad_approximate_error", "F.gelu", x, approximate="fast")
    f.case("sigmoid/vec", "torch.sigmoid", x)
    f.case("sigmoid/edge", "torch.sigmoid", edge)
    f.case("sigmoid/F", "F.sigmoid", x2)
    f.case("sigmoid/i64_promotes", "torch.sigmoid", T([-1, 0, 2]))
    f.case("tanh/vec", "torch.tanh", x)
    f.case("tanh/edge", "torch.tanh", edge)
    f.case("tanh/method", "Tensor.tanh", x2)
    f.case("softplus/beta", "F.softplus", x, beta=2)
    f.case("softplus/threshold", "F.softplus", x, 1, 2)
    f.case("softplus/beta_threshold", "F.softplus", x, beta=0.5, threshold=1.0)
    f.case("elu/alpha", "F.elu", x, alpha=0.5)
    f.case("celu/alpha", "F.celu", x, 2.0)
    f.case("hardtanh/bounds", "F.hardtanh", x, -2.0, 2.5)
    f.case("glu/last", "F.glu", x2)
    f.case("glu/dim1", "F.glu", f.randn(2, 4, decimals=2), 1)
    f.case("glu/odd_error", "F.glu", f.randn(2, 3), -1)
    f.case("threshold/basic", "F.threshold", x, 0.5, -9.0)
    f.case("hardshrink/default", "F.hardshrink", x)
    f.case("softshrink/lambd", "F.softshrink", x, 1.0)
    f.case("prelu/single", "F.prelu", x2, T([0.25]))
    f.case("prelu/per_channel", "F.prelu", x2, T([0.1, 0.2, 0.3]))
    f.case("rrelu/eval", "F.rrelu", x, training=False)
    for fn in ["softmax", "log_softmax", "softmin"]:
        f.case(f"{fn}/dim_last", f"F.{fn}", x2, -1)
        f.case(f"{fn}/dim0", f"F.{fn}", x2, dim=0)
        f.case(f"{fn}/dim1_kw", f"F.{fn}", x2, dim=1)
    f.case("softmax/large_values", "F.softmax", T([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0]]), -1)
    f.case("softmax/neg_inf", "F.softmax", T([[0.0, float("-inf"), 1.0], [float("-inf")] * 3]), 1)
    f.case("softmax/dtype", "F.softmax", x2, -1, dtype=torch.float64)
    f.case("softmax/torch_fn", "torch.softmax", x2, 1)
    f.case("softmax/method", "Tensor.softmax", x2, -2)
    f.case("softmax/0d", "F.softmax", T(3.0), 0)
    f.case("softmax/f16", "torch.softmax", x2.half(), -1, impl=lambda t, d: torch.softmax(t.float(), d).half(),
           note="1.13 CPU has no Half softmax; 2.x computes in float32 and rounds to float16")
    f.case("log_softmax/large_values", "F.log_softmax", T([[1000.0, 1001.0, 1002.0]]), -1)
    f.case("log_softmax/dtype", "F.log_softmax", x2, 1, dtype=torch.float64)
    f.case("softmax/dim_error", "F.softmax", x2, 3)
    return f


def loss():
    f = Family("loss", seed=1111)
    r = lambda *s: f.randn(*s, decimals=2)
    logits = r(4, 5)
    tgt = T([1, 0, 4, 2])
    tgt_ign = T([1, -100, 4, 2])
    w = f.rand(5) + 0.5
    ce = "F.cross_entropy"
    f.case("cross_entropy/mean", ce, logits, tgt)
    f.case("cross_entropy/sum", ce, logits, tgt, reduction="sum")
    f.case("cross_entropy/none", ce, logits, tgt, reduction="none")
    f.case("cross_entropy/weight", ce, logits, tgt, w)
    f.case("cross_entropy/weight_none_reduction", ce, logits, tgt, weight=w, reduction="none")
    f.case("cross_entropy/ignore_default", ce, logits, tgt_ign)
    f.case("cross_entropy/ignore_index", ce, logits, T([1, 3, 4, 3]), ignore_index=3)
    f.case("cross_entropy/ignore_index_none", ce, logits, T([1, 3, 4, 3]), ignore_index=3, reduction="none")
    f.case("cross_entropy/all_ignored", ce, logits, T([-100] * 4))
    f.case("cross_entropy/ignore_weight", ce, logits, tgt_ign, weight=w)
    f.case("cross_entropy/label_smoothing", ce, logits, tgt, label_smoothing=0.1)
    f.case("cross_entropy/label_smoothing_sum", ce, logits, tgt, reduction="sum", label_smoothing=0.2)
    f.case("cross_entropy/label_smoothing_none", ce, logits, tgt, reduction="none", label_smoothing=0.2)
    f.case("cross_entropy/label_smoothing_ignore", ce, logits, tgt_ign, label_smoothing=0.1)
    f.case("cross_entropy/label_smoothing_weight", ce, logits, tgt, w, label_smoothing=0.3)
    probs = torch.softmax(r(4, 5), -1)
    f.case("cross_entropy/prob_targets", ce, logits, probs)
    f.case("cross_entropy/prob_targets_sum", ce, logits, probs, reduction="sum")
    f.case("cross_entropy/prob_targets_none", ce, logits, probs, reduction="none")
    f.case("cross_entropy/prob_targets_smoothing", ce, logits, probs, label_smoothing=0.1)
    f.case("cross_entropy/prob_targets_weight", ce, logits, probs, weight=w)
    f.case("cross_entropy/unbatched", ce, r(5), T(3))
    f.case("cross_entropy/unbatched_probs", ce, r(5), probs[0])
    f.case("cross_entropy/kdim", ce, r(2, 3, 4), T([[0, 2, 1, 1], [2, 2, 0, 1]]))
    f.case("cross_entropy/kdim_2d", ce, r(2, 3, 2, 2), T([[[0, 1], [2, 0]], [[1, 1], [2, 2]]]),
           reduction="none")
    f.case("cross_entropy/target_out_of_bounds", ce, logits, T([1, 0, 5, 2]))
    f.case("cross_entropy/error_batch", ce, logits, T([1, 2]))
    f.case("nll_loss/mean", "F.nll_loss", torch.log_softmax(logits, 1), tgt)
    f.case("nll_loss/weight_ignore", "F.nll_loss", torch.log_softmax(logits, 1), tgt_ign, w)
    a, b = r(3, 4), r(3, 4)
    f.case("mse_loss/mean", "F.mse_loss", a, b)
    f.case("mse_loss/sum", "F.mse_loss", a, b, reduction="sum")
    f.case("mse_loss/none", "F.mse_loss", a, b, reduction="none")
    f.case("mse_loss/0d", "F.mse_loss", T(1.5), T(-0.5))
    f.case("mse_loss/empty", "F.mse_loss", torch.zeros(0), torch.zeros(0))
    f.case("l1_loss/mean", "F.l1_loss", a, b)
    f.case("smooth_l1_loss/beta", "F.smooth_l1_loss", a, b, beta=0.5)
    f.case("bce_with_logits/mean", "F.binary_cross_entropy_with_logits", a, f.rand(3, 4))
    f.case("bce/mean", "F.binary_cross_entropy", torch.sigmoid(a), f.rand(3, 4))
    return f


def attention():
    f = Family("attention", seed=1212)
    r = lambda *s: f.randn(*s, decimals=2)
    fn = "F.scaled_dot_product_attention"
    note = "reference math (PyTorch 2.x docs) in float64; 1.13 has no scaled_dot_product_attention"

    def c(cid, *args, **kw):
        f.case(cid, fn, *args, impl=sdpa_reference, note=note, **kw)

    q, k, v = r(2, 2, 3, 4), r(2, 2, 5, 4), r(2, 2, 5, 3)
    c("sdpa/basic_4d", q, k, v)
    c("sdpa/3d", r(2, 3, 4), r(2, 3, 4), r(2, 3, 4))
    c("sdpa/bool_mask", q, k, v, attn_mask=T([[True, True, False, True, False]] * 3))
    c("sdpa/bool_mask_broadcast_batch", q, k, v, T([[[[True, False, True, True, True]]], [[[False, True, True,
                                                                                      True, False]]]]))
    c("sdpa/float_mask", q, k, v, attn_mask=r(3, 5))
    c("sdpa/float_mask_with_neg_inf", q, k, v, attn_mask=T([[0.0, float("-inf"), 0.5, 0.0, -1.0]] * 3))
    sq = r(1, 2, 4, 4)
    c("sdpa/causal_square", sq, r(1, 2, 4, 4), r(1, 2, 4, 4), is_causal=True)
    c("sdpa/causal_rect_q_shorter", q, k, v, is_causal=True)
    c("sdpa/causal_positional", sq, sq, sq, None, 0.0, True)
    c("sdpa/scale", q, k, v, scale=0.1)
    c("sdpa/1_query", r(1, 1, 4), r(1, 6, 4), r(1, 6, 2))
    c("sdpa/f64", q.double(), k.double(), v.double())
    return f


def misc():
    f = Family("misc", seed=1313)
    r = lambda *s: f.randn(*s, decimals=2)
    w = r(6, 3)
    f.case("embedding/1d", "F.embedding", T([0, 5, 2, 2]), w)
    f.case("embedding/2d", "F.embedding", T([[0, 1], [4, 3]]), w)
    f.case("embedding/padding_idx", "F.embedding", T([0, 2, 0]), w, padding_idx=0)
    f.case("embedding/padding_idx_neg", "F.embedding", T([5, 1]), w, -1)
    f.case("embedding/0d_index", "F.embedding", T(3), w)
    f.case("embedding/i32_index", "F.embedding", T([1, 2], dtype=torch.int32), w)
    f.case("embedding/out_of_range", "F.embedding", T([6]), w)
    f.case("embedding/float_index_error", "F.embedding", T([1.0]), w)
    x = r(1, 2, 3, 4)
    x1 = r(2, 5)
    f.case("pad/constant_last", "F.pad", x1, (1, 2))
    f.case("pad/constant_value", "F.pad", x1, [2, 0], value=-1.5)
    f.case("pad/constant_two_dims", "F.pad", x, (1, 1, 2, 0))
    f.case("pad/constant_three_dims", "F.pad", x, (0, 1, 1, 0, 1, 1))
    f.case("pad/constant_positional", "F.pad", x1, (1, 1), "constant", 3.0)
    f.case("pad/negative_crop", "F.pad", x, (-1, -1, 0, -2))
    f.case("pad/mixed_sign", "F.pad", x1, (-2, 3))
    f.case("pad/i64_constant", "F.pad", T([[1, 2], [3, 4]]), (1, 1), value=9)
    f.case("pad/reflect_1d", "F.pad", r(1, 2, 5), (2, 3), mode="reflect")
    f.case("pad/reflect_2d", "F.pad", x, (1, 2, 2, 1), mode="reflect")
    f.case("pad/replicate_1d", "F.pad", r(1, 2, 4), (3, 1), mode="replicate")
    f.case("pad/replicate_2d", "F.pad", x, (2, 0, 1, 3), "replicate")
    f.case("pad/circular_2d", "F.pad", x, (1, 2, 1, 1), mode="circular")
    f.case("pad/circular_1d", "F.pad", r(1, 1, 4), (2, 1), mode="circular")
    f.case("pad/odd_length_error", "F.pad", x1, (1, 2, 3))
    img = T([[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]]])
    for mode in ["nearest", "bilinear"]:
        extra = {} if mode == "nearest" else {"align_corners": False}
        f.case(f"interpolate/{mode}_scale2", "F.interpolate", img, scale_factor=2, mode=mode, **extra)
        f.case(f"interpolate/{mode}_size", "F.interpolate", img, size=(3, 5), mode=mode, **extra)
        f.case(f"interpolate/{mode}_scale_1_5", "F.interpolate", img, scale_factor=1.5, mode=mode, **extra)
        f.case(f"interpolate/{mode}_downsample", "F.interpolate", x, size=(2, 3), mode=mode, **extra)
        f.case(f"interpolate/{mode}_scale_tuple", "F.interpolate", x, scale_factor=(0.5, 1.25), mode=mode,
               **extra)
    f.case("interpolate/default_mode", "F.interpolate", img, scale_factor=3)
    f.case("interpolate/nearest_1d", "F.interpolate", r(1, 2, 4), size=7)
    f.case("interpolate/nearest_recompute", "F.interpolate", img, scale_factor=1.7, recompute_scale_factor=True)
    f.case("interpolate/bilinear_align_true_scale2", "F.interpolate", img, scale_factor=2, mode="bilinear",
           align_corners=True)
    f.case("interpolate/bilinear_align_true_size", "F.interpolate", x, size=(5, 2), mode="bilinear",
           align_corners=True)
    f.case("interpolate/bilinear_default_align", "F.interpolate", img, size=(4, 4), mode="bilinear")
    f.case("interpolate/bilinear_3d_error", "F.interpolate", r(1, 2, 4), size=7, mode="bilinear")
    f.case("interpolate/both_error", "F.interpolate", img, size=(2, 2), scale_factor=2)
    f.case("interpolate/align_nearest_error", "F.interpolate", img, scale_factor=2, align_corners=True)
    f.case("dropout/eval_identity", "F.dropout", x1, 0.5, False)
    f.case("dropout/p0_train", "F.dropout", x1, p=0.0)
    f.case("dropout/p1_train", "F.dropout", x1, p=1.0)
    f.case("one_hot/basic", "F.one_hot", T([0, 2, 1]))
    f.case("one_hot/num_classes", "F.one_hot", T([[0, 1], [2, 0]]), 4)
    f.case("unflatten/infer", "Tensor.unflatten", r(2, 6), 1, (2, -1))
    return f
