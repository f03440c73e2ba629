"""Op families: shape_view (values), views (storage sharing, strides, offsets), indexing."""
import torch

from goldlib import Family, storage_ptr

T = torch.tensor
E = Ellipsis


def _view_cases(f, x, xt, x3):
    """Shared by shape_view (values) and views (values + storage facts)."""
    f.case("view/flat", "Tensor.view", x, 12)
    f.case("view/infer", "Tensor.view", x, 2, -1)
    f.case("view/tuple", "Tensor.view", x, (6, 2))
    f.case("view/0d_to_1", "Tensor.view", T(5.0), 1)
    f.case("view/error_noncontiguous", "Tensor.view", xt, 12)
    f.case("view/error_size", "Tensor.view", x, 5, -1)
    f.case("view/dtype_arg", "Tensor.view", T([1.0, -2.0]), torch.int32)
    f.case("reshape/contiguous_is_view", "torch.reshape", x, (4, 3))
    f.case("reshape/noncontiguous_copies", "Tensor.reshape", xt, 12)
    f.case("reshape/infer", "Tensor.reshape", x3, -1, 4)
    f.case("reshape/to_0d", "torch.reshape", T([7.0]), ())
    f.case("reshape/empty", "Tensor.reshape", torch.zeros(0, 4), 2, 0, -1)
    f.case("reshape/error", "Tensor.reshape", x, 5, 5)
    f.case("reshape/error_two_infer", "Tensor.reshape", x, -1, -1)
    f.case("permute/3d", "Tensor.permute", x3, 2, 0, 1)
    f.case("permute/tuple", "torch.permute", x3, (1, 2, 0))
    f.case("transpose/basic", "torch.transpose", x3, 0, 2)
    f.case("transpose/neg", "Tensor.transpose", x3, -1, -2)
    f.case("t/2d", "Tensor.t", x)
    f.case("t/1d", "torch.t", T([1.0, 2.0]))
    f.case("t/3d_error", "Tensor.t", x3)
    f.case("expand/basic", "Tensor.expand", T([[1.0], [2.0]]), 2, 3)
    f.case("expand/minus_one_new_dim", "Tensor.expand", T([1.0, 2.0, 3.0]), 2, -1)
    f.case("expand/tuple", "Tensor.expand", T([[1.0], [2.0]]), (3, 2, 4))
    f.case("expand/error", "Tensor.expand", x, 3, 3)
    f.case("unsqueeze/0", "torch.unsqueeze", x, 0)
    f.case("unsqueeze/neg", "Tensor.unsqueeze", x, -1)
    f.case("squeeze/all", "torch.squeeze", torch.zeros(1, 3, 1, 2))
    f.case("squeeze/dim", "Tensor.squeeze", torch.zeros(1, 3, 1, 2), 2)
    f.case("squeeze/dim_not_one", "Tensor.squeeze", torch.zeros(1, 3, 1, 2), 1)
    f.case("flatten/all", "torch.flatten", x3)
    f.case("flatten/range", "Tensor.flatten", x3, 1)
    f.case("flatten/start_end", "torch.flatten", torch.arange(24.0).view(2, 3, 2, 2), 1, 2)
    f.case("flatten/noncontiguous", "Tensor.flatten", xt)
    f.case("flatten/0d", "torch.flatten", T(3.0))
    f.case("narrow/basic", "torch.narrow", x, 1, 1, 2)
    f.case("narrow/neg_start", "Tensor.narrow", x, 0, -2, 2)
    f.case("narrow/error", "Tensor.narrow", x, 1, 3, 2)
    f.case("contiguous/already", "Tensor.contiguous", x)
    f.case("contiguous/from_transpose", "Tensor.contiguous", xt)
    f.case("split/int", "torch.split", torch.arange(10.0), 3)
    f.case("split/list", "Tensor.split", x, [1, 3], 1)
    f.case("split/dim_kw", "torch.split", x3, 1, dim=0)
    f.case("split/error_sum", "torch.split", x, [1, 1], 1)
    f.case("chunk/even", "torch.chunk", torch.arange(6), 3)
    f.case("chunk/uneven", "torch.chunk", torch.arange(5), 3)
    f.case("chunk/fewer_than_requested", "Tensor.chunk", torch.arange(6), 4)
    f.case("chunk/dim1", "Tensor.chunk", x, 2, 1)
    f.case("unbind/0", "torch.unbind", x, 0)
    f.case("select/basic", "Tensor.select", x3, 1, -1)
    f.case("diagonal/offset", "torch.diagonal", x, 1)
    f.case("movedim/basic", "torch.movedim", x3, 0, -1)
    f.case("view_as/basic", "Tensor.view_as", x, torch.zeros(6, 2))
    f.case("unflatten/basic", "Tensor.unflatten", torch.arange(12.0), 0, (3, 4))
    f.case("getitem/slice_step_view", "Tensor.__getitem__", x, (slice(None), slice(None, None, 2)))
    f.case("getitem/int_view", "Tensor.__getitem__", x3, (1, E))
    f.case("getitem/tensor_index_copies", "Tensor.__getitem__", x, T([0, 2]))
    f.case("getitem/bool_mask_copies", "Tensor.__getitem__", x, x > 0)


def shape_view():
    f = Family("shape_view", seed=404)
    x = f.randn(3, 4, decimals=2)
    xt = x.t()
    x3 = f.randn(2, 3, 4, decimals=2)
    _view_cases(f, x, xt, x3)
    a, b = f.randn(2, 3, decimals=2), f.randn(2, 3, decimals=2)
    f.case("cat/dim0", "torch.cat", [a, b])
    f.case("cat/dim1_tuple", "torch.cat", (a, f.randn(2, 1, decimals=2)), 1)
    f.case("cat/dim_kw_neg", "torch.cat", [a, b, a], dim=-1)
    f.case("cat/promote_i64_f32", "torch.cat", [T([1, 2]), T([0.5])])
    f.case("cat/promote_bool_i32", "torch.cat", [T([True]), T([3], dtype=torch.int32)])
    f.case("cat/skips_legacy_empty_1d", "torch.cat", [a, torch.zeros(0)])
    f.case("cat/empty_rows", "torch.cat", [a, torch.zeros(0, 3)])
    f.case("cat/error_sizes", "torch.cat", [a, torch.zeros(3, 2)], 1)
    f.case("cat/error_dims", "torch.cat", [a, torch.zeros(3)])
    f.case("cat/error_empty_list", "torch.cat", [])
    f.case("stack/dim0", "torch.stack", [a, b])
    f.case("stack/dim_last", "torch.stack", (a, b), -1)
    f.case("stack/dim1_kw", "torch.stack", [a, b, a], dim=1)
    f.case("stack/0d", "torch.stack", [T(1.0), T(2.0)])
    f.case("stack/promote", "torch.stack", [T([1, 2]), T([0.5, 1.5], dtype=torch.float64)])
    f.case("stack/error_shape", "torch.stack", [a, torch.zeros(2, 4)])
    f.case("repeat/basic", "Tensor.repeat", T([[1, 2]]), 2, 3)
    f.case("flip/dims", "torch.flip", x3, [0, 2])
    f.case("roll/basic", "torch.roll", torch.arange(6).view(2, 3), 1, 1)
    return f


def views():
    f = Family("views", seed=404)  # same inputs as shape_view
    x = f.randn(3, 4, decimals=2)
    xt = x.t()
    x3 = f.randn(2, 3, 4, decimals=2)
    _view_cases(f, x, xt, x3)
    for c in f.cases:
        if "error" in c:
            continue
        base = _first_tensor_arg(c)
        outs = c["_raw_out"] if isinstance(c["_raw_out"], (list, tuple)) else None
        if outs is None:
            o = c["_raw_out"]
            c["shares_storage"] = storage_ptr(o) == storage_ptr(base)
            c["stride"] = list(o.stride())
            c["storage_offset"] = o.storage_offset()
        else:
            c["shares_storage"] = [storage_ptr(o) == storage_ptr(base) for o in outs]
            c["stride"] = [list(o.stride()) for o in outs]
            c["storage_offset"] = [o.storage_offset() for o in outs]
    return f


def _first_tensor_arg(c):
    return c["_args"][0]


def indexing():
    f = Family("indexing", seed=505)
    x = torch.arange(24.0).view(2, 3, 4)
    v = f.randn(6, decimals=2)
    m = f.randn(3, 4, decimals=2)
    g = "Tensor.__getitem__"
    f.case("int/first", g, x, 0)
    f.case("int/negative", g, x, -1)
    f.case("int/tuple", g, x, (1, 2))
    f.case("int/full_to_0d", g, x, (1, 2, 3))
    f.case("int/0d_result_neg", g, v, -2)
    f.case("int/out_of_range", g, x, 2)
    f.case("int/out_of_range_neg", g, x, (0, -4))
    f.case("int/too_many_indices", g, v, (0, 0))
    f.case("slice/basic", g, v, slice(1, 4))
    f.case("slice/step", g, v, slice(None, None, 2))
    f.case("slice/start_step", g, v, slice(1, None, 3))
    f.case("slice/negative_bounds", g, v, slice(-4, -1))
    f.case("slice/clamped_bounds", g, v, slice(-100, 100))
    f.case("slice/empty_result", g, v, slice(4, 2))
    f.case("slice/multi_dim", g, x, (slice(None), slice(1, 3), slice(None, None, 2)))
    f.case("slice/negative_step_error", g, v, slice(None, None, -1))
    f.case("slice/zero_step_error", g, v, slice(None, None, 0))
    f.case("none/front", g, m, None)
    f.case("none/middle", g, m, (slice(None), None, slice(None)))
    f.case("none/with_int", g, m, (None, 1))
    f.case("ellipsis/alone", g, x, E)
    f.case("ellipsis/last_dim", g, x, (E, 0))
    f.case("ellipsis/middle", g, x, (0, E, slice(1, 3)))
    f.case("ellipsis/with_none", g, x, (E, None))
    f.case("ellipsis/two_error", g, x, (E, 0, E))
    f.case("bool/full_mask", g, m, m > 0)
    f.case("bool/row_mask", g, m, T([True, False, True]))
    f.case("bool/mask_with_slice", g, m, (slice(None), T([False, True, True, False])))
    f.case("bool/all_false", g, m, T([False, False, False]))
    f.case("bool/shape_error", g, m, T([True, False]))
    f.case("bool/python_true", g, v, True)
    f.case("tensor/1d", g, v, T([0, 5, -1, 2]))
    f.case("tensor/repeat_indices", g, v, T([1, 1, 1]))
    f.case("tensor/2d_index", g, v, T([[0, 1], [2, 3]]))
    f.case("tensor/on_dim0_of_3d", g, x, T([1, 0]))
    f.case("tensor/two_broadcast", g, x, (T([0, 1]), T([[0], [2]])))
    f.case("tensor/adjacent_after_slice", g, x, (slice(None), T([0, 2]), T([1, 3])))
    f.case("tensor/separated_by_slice", g, x, (T([0, 1]), slice(None), T([1, 3])))
    f.case("tensor/with_int", g, x, (1, T([0, 2])))
    f.case("tensor/empty_index", g, v, T([], dtype=torch.int64))
    f.case("tensor/0d_index", g, v, T(3))
    f.case("tensor/out_of_range", g, v, T([0, 6]))
    f.case("tensor/i32_index", g, v, T([1, 2], dtype=torch.int32), impl=lambda t, i: t[i.long()],
           note="2.x accepts int32 index tensors (1.13 rejects them); computed with the int64 index")
    f.case("tensor/float_index_error", g, v, T([1.0]),
           error_2x=("IndexError", "tensors used as indices must be long, int, byte or bool tensors"))
    f.case("index_select/dim1", "torch.index_select", m, 1, T([3, 0]))
    f.case("gather/dim1", "torch.gather", m, 1, T([[0, 0], [1, 3], [2, 1]]))
    f.case("take_along_dim/argmax", "torch.take_along_dim", m, T([[1], [0], [3]]), 1)
    f.case("masked_select/basic", "torch.masked_select", m, m > 0.5)
    f.case("nonzero/basic", "torch.nonzero", T([[0, 1], [2, 0]]))
    return f
