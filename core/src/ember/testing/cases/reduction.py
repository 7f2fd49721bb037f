"""Cases for the reductions of ``_ops/reduction.py`` (NOTE [op cases]).

Random float inputs are tie-free, so index outputs are compared too. Inputs with exact zeros
or ties use ``kind="int64"`` values stored as float64 (``dtype=F64``): small integers.
``dtype=`` arguments are not expressible here (the harness passes kwargs to torch as they
are); ``core/tests/test_reduction.py`` covers them.
"""

from ... import _dtype as D
from ..opinfo import OpCase, T

F = (D.float32, D.float64)
F64 = D.float64
S3 = (2, 3, 4)
NC = T((3, 4), noncontig=True)


def _vals(r):
    return r[0]


def _ints(shape, low=-2, high=3):
    """Small integers as float64: exact zeros and ties."""
    return T(shape, low, high, kind="int64", dtype=F64)


CASES = [
    # prod
    OpCase("prod", "prod", (T(S3, 0.5, 1.5),)),
    OpCase("prod/dim", "prod", (T(S3), 1)),
    OpCase("prod/dim_keepdim", "prod", (T(S3), -1, True)),
    OpCase("prod/0d", "prod", (T(()),)),
    OpCase("prod/0d_dim", "prod", (T(()), 0)),
    OpCase("prod/empty", "prod", (T((0, 3)), 0)),
    OpCase("prod/noncontig", "prod", (NC, 1)),
    OpCase("prod/zeros", "prod", (_ints((4, 5)), 1), dtypes=(F64,)),
    OpCase("prod/zeros_all", "prod", (_ints((3, 3), 0, 2),), dtypes=(F64,)),
    OpCase("prod/int", "prod", (T((2, 3), kind="int64"), 1), grad=False),
    # max / min
    OpCase("max", "max", (T(S3),)),
    OpCase("max/dim", "max", (T(S3), 1)),
    OpCase("max/dim_keepdim", "max", (T(S3), -1, True)),
    OpCase("max/0d", "max", (T(()),)),
    OpCase("max/0d_dim", "max", (T(()), 0)),
    OpCase("max/noncontig", "max", (NC, 1)),
    OpCase("max/empty_rows", "max", (T((0, 3)), 1)),
    OpCase("max/ties", "max", (_ints((3, 4)),), dtypes=(F64,), skip_fd=True),
    OpCase("max/binary", "max", (T((2, 3)), T((2, 3)))),
    OpCase("max/int", "max", (T((2, 3), kind="int64"), 0), grad=False),
    OpCase("min", "min", (T(S3),)),
    OpCase("min/dim", "min", (T(S3), 2)),
    OpCase("min/dim_keepdim", "min", (T(S3), 0, True)),
    OpCase("min/ties", "min", (_ints((3, 4)),), dtypes=(F64,), skip_fd=True),
    OpCase("min/binary", "min", (T((2, 3)), T((3,)))),
    OpCase("Tensor.max/dim", "Tensor.max", (T((3, 4)),), {"dim": 0}),
    # amax / amin / aminmax
    OpCase("amax", "amax", (T(S3),)),
    OpCase("amax/dims", "amax", (T(S3), (0, 2))),
    OpCase("amax/keepdim", "amax", (T(S3), 1, True)),
    OpCase("amax/0d", "amax", (T(()),)),
    OpCase("amax/ties", "amax", (_ints((3, 4)), 1), dtypes=(F64,), skip_fd=True),
    OpCase("amax/ties_all", "amax", (_ints((3, 4)),), dtypes=(F64,), skip_fd=True),
    OpCase("amin", "amin", (T(S3), -1)),
    OpCase("amin/ties", "amin", (_ints((3, 4)), (0, 1)), dtypes=(F64,), skip_fd=True),
    OpCase("amin/noncontig", "amin", (NC, 0)),
    OpCase("aminmax", "aminmax", (T(S3),)),
    OpCase("aminmax/dim", "aminmax", (T(S3),), {"dim": 1, "keepdim": True}),
    OpCase("aminmax/ties", "aminmax", (_ints((3, 4)),), {"dim": 0}, dtypes=(F64,),
           skip_fd=True),
    # argmax / argmin
    OpCase("argmax", "argmax", (T(S3),), grad=False),
    OpCase("argmax/dim", "argmax", (T(S3), 1), grad=False),
    OpCase("argmax/keepdim", "argmax", (T(S3), -1, True), grad=False),
    OpCase("argmax/none_keepdim", "argmax", (T(S3),), {"keepdim": True}, grad=False),
    OpCase("argmax/int", "argmax", (T((4, 5), kind="int64"), 0), grad=False),
    OpCase("argmin", "argmin", (T(S3),), grad=False),
    OpCase("argmin/dim", "argmin", (NC, 1), grad=False),
    OpCase("argmin/0d", "argmin", (T(()),), grad=False),
    # var / std
    OpCase("var", "var", (T(S3),)),
    OpCase("var/dim", "var", (T(S3), 1)),
    OpCase("var/dims_keepdim", "var", (T(S3), (0, 2), True)),
    OpCase("var/correction0", "var", (T(S3),), {"dim": -1, "correction": 0}),
    OpCase("var/correction2", "var", (T(S3),), {"dim": (1, 2), "correction": 2}),
    OpCase("var/unbiased_legacy", "var", (T(S3), 1, False)),
    OpCase("var/unbiased_only", "var", (T(S3), False)),
    OpCase("var/noncontig", "var", (NC, 0)),
    OpCase("var/complex", "var", (T((3, 4)), 1), dtypes=(D.complex64, D.complex128),
           grad=False),
    OpCase("std", "std", (T(S3),)),
    OpCase("std/dim_keepdim", "std", (T(S3), 2, True)),
    OpCase("std/correction0", "std", (T(S3),), {"dim": (0, 1), "correction": 0}),
    OpCase("std/unbiased_legacy", "std", (T(S3), 0, True, True)),
    OpCase("var_mean", "var_mean", (T(S3), 1)),
    OpCase("var_mean/correction", "var_mean", (T(S3),), {"dim": (0, 2), "correction": 0,
                                                       "keepdim": True}),
    OpCase("std_mean", "std_mean", (T(S3),)),
    OpCase("std_mean/dim", "std_mean", (T(S3), -1)),
    # norm
    OpCase("norm", "norm", (T(S3),)),
    OpCase("norm/p1", "norm", (T(S3), 1)),
    OpCase("norm/p3_dim", "norm", (T(S3), 3, 1)),
    OpCase("norm/p0.5_dims", "norm", (T(S3), 0.5, (0, 2))),
    OpCase("norm/inf", "norm", (T(S3), float("inf"), 2)),
    OpCase("norm/-inf", "norm", (T(S3), float("-inf"))),
    OpCase("norm/p0", "norm", (T(S3), 0, 1)),
    OpCase("norm/fro_dims", "norm", (T(S3), "fro", (1, 2), True)),
    OpCase("norm/keepdim", "norm", (T(S3),), {"dim": 0, "keepdim": True}),
    OpCase("norm/0d", "norm", (T(()),)),
    OpCase("norm/complex", "norm", (T((3, 4)), 2, 1), dtypes=(D.complex128,), grad=False),
    # logsumexp
    OpCase("logsumexp", "logsumexp", (T(S3), 1)),
    OpCase("logsumexp/dims_keepdim", "logsumexp", (T(S3), (0, 2), True)),
    OpCase("logsumexp/large", "logsumexp", (T((3, 4), 500.0, 600.0), 1)),
    OpCase("logsumexp/0d", "logsumexp", (T(()), 0)),
    OpCase("logsumexp/int", "logsumexp", (T((2, 3), kind="int64"), 1), grad=False),
    OpCase("logsumexp/empty", "logsumexp", (T((0, 3)), 0), grad=False),
    # cumulative
    OpCase("cumsum", "cumsum", (T(S3), 1)),
    OpCase("cumsum/last", "cumsum", (T(S3), -1)),
    OpCase("cumsum/0d", "cumsum", (T(()), 0)),
    OpCase("cumsum/noncontig", "cumsum", (NC, 1)),
    OpCase("cumsum/int", "cumsum", (T((2, 3), kind="int64"), 1), grad=False),
    OpCase("Tensor.cumsum_", "Tensor.cumsum_", (T((2, 3), grad=False), 1), grad=False),
    OpCase("cumprod", "cumprod", (T(S3), 1)),
    OpCase("cumprod/last", "cumprod", (T(S3, 0.5, 1.5), -1)),
    OpCase("cumprod/0d", "cumprod", (T(()), 0)),
    OpCase("cumprod/zeros", "cumprod", (_ints((4, 7), -1, 2), 1), dtypes=(F64,)),
    OpCase("cumprod/zeros_dim0", "cumprod", (_ints((6, 3), -1, 2), 0), dtypes=(F64,)),
    OpCase("cumprod/int", "cumprod", (T((2, 3), kind="int64"), 1), grad=False),
    OpCase("Tensor.cumprod_", "Tensor.cumprod_", (T((2, 3), grad=False), 1), grad=False),
    OpCase("cummax", "cummax", (T(S3), 1)),
    OpCase("cummax/last", "cummax", (T((3, 9)), -1)),
    OpCase("cummax/0d", "cummax", (T(()), 0)),
    OpCase("cummax/ties", "cummax", (_ints((3, 9)), 1), dtypes=(F64,), skip_fd=True),
    OpCase("cummin", "cummin", (T((3, 9)), 1)),
    OpCase("cummin/dim0", "cummin", (NC, 0)),
    OpCase("cummin/ties_int", "cummin", (T((3, 9), -2, 3, kind="int64"), 1), grad=False),
    # counting
    OpCase("count_nonzero", "count_nonzero", (T((3, 4), -2, 3, kind="int64"),), grad=False),
    OpCase("count_nonzero/dim", "count_nonzero", (_ints((3, 4)), 1), grad=False),
    OpCase("count_nonzero/dims", "count_nonzero", (T(S3, -1, 2, kind="int64"), (0, 2)),
           grad=False),
    # median / nanmedian / mode
    OpCase("median", "median", (T((3, 5)),)),
    OpCase("median/even", "median", (T((2, 4)),)),
    OpCase("median/dim", "median", (T(S3), 1)),
    OpCase("median/dim_even_keepdim", "median", (T(S3), -1, True)),
    OpCase("median/0d", "median", (T(()),)),
    OpCase("median/ties", "median", (_ints((3, 5)),), dtypes=(F64,), skip_fd=True),
    OpCase("median/int_dim", "median", (T((3, 5), kind="int64"), 1), grad=False,
           post=_vals),
    OpCase("nanmedian", "nanmedian", (T((3, 5)),)),
    OpCase("nanmedian/dim", "nanmedian", (T(S3), 2)),
    OpCase("mode", "mode", (T((4, 9), 0, 3, kind="int64"),), grad=False),
    OpCase("mode/dim0_keepdim", "mode", (T((9, 4), 0, 3, kind="int64"), 0, True), grad=False),
    OpCase("mode/float", "mode", (_ints((3, 8), 0, 3), 1), dtypes=(F64,), skip_fd=True),
    OpCase("mode/unique", "mode", (T((3, 4)),)),
    # quantile / nanquantile
    OpCase("quantile", "quantile", (T((3, 5)), 0.3)),
    OpCase("quantile/dim", "quantile", (T(S3), 0.75, 1)),
    OpCase("quantile/keepdim", "quantile", (T(S3), 0.5, -1, True)),
    OpCase("quantile/none_keepdim", "quantile", (T((3, 4)), 0.2), {"keepdim": True}),
    OpCase("quantile/qtensor", "quantile", (T((3, 5)), T((3,), 0.0, 1.0, grad=False), 1)),
    OpCase("quantile/qtensor_keepdim", "quantile",
           (T(S3), T((2,), 0.0, 1.0, grad=False), 0, True)),
    OpCase("quantile/q0d", "quantile", (T((4, 5)), T((), 0.0, 1.0, grad=False), 0)),
    OpCase("quantile/ends", "quantile", (T((4, 5)), 1.0, 1)),
    OpCase("quantile/0d", "quantile", (T(()), 0.4)),
] + [
    OpCase(f"quantile/{m}", "quantile", (T((3, 7)), 0.4, 1), {"interpolation": m},
           skip_fd=m == "nearest")
    for m in ("lower", "higher", "midpoint", "nearest")
] + [
    OpCase("quantile/nearest_half", "quantile", (T((3, 5)), 0.375, 1),
           {"interpolation": "nearest"}),
    OpCase("nanquantile", "nanquantile", (T((3, 5)), 0.3)),
    OpCase("nanquantile/dim", "nanquantile", (T(S3), T((3,), 0.0, 1.0, grad=False), 2)),
    OpCase("nanquantile/midpoint", "nanquantile", (T((4, 6)), 0.6, 0),
           {"interpolation": "midpoint"}),
    # nansum / nanmean
    OpCase("nansum", "nansum", (T(S3),)),
    OpCase("nansum/dim", "nansum", (T(S3), (0, 2), True)),
    OpCase("nansum/int", "nansum", (T((2, 3), kind="int64"), 1), grad=False),
    OpCase("nanmean", "nanmean", (T(S3),)),
    OpCase("nanmean/dim", "nanmean", (T(S3), 1, True)),
    # unique / unique_consecutive
    OpCase("unique", "unique", (T((4, 5), 0, 6, kind="int64"),), grad=False),
    OpCase("unique/inverse_counts", "unique", (T((4, 5), 0, 6, kind="int64"),),
           {"return_inverse": True, "return_counts": True}, grad=False),
    OpCase("unique/float", "unique", (_ints((12,)),), {"return_counts": True}, grad=False,
           dtypes=(F64,)),
    OpCase("unique/dim0", "unique", (T((8, 2), 0, 2, kind="int64"),),
           {"dim": 0, "return_inverse": True, "return_counts": True}, grad=False),
    OpCase("unique/dim1", "unique", (T((2, 9, 2), 0, 2, kind="int64"),),
           {"dim": 1, "return_inverse": True, "return_counts": True}, grad=False),
    OpCase("unique/dim_wide", "unique", (T((6, 5), 0, 2, kind="int64"),),
           {"dim": 0, "return_counts": True}, grad=False),
    OpCase("unique/0d", "unique", (T((), kind="int64"),), {"return_inverse": True},
           grad=False),
    OpCase("unique/empty", "unique", (T((0,), kind="int64"),),
           {"return_inverse": True, "return_counts": True}, grad=False),
    OpCase("unique_consecutive", "unique_consecutive", (T((20,), 0, 3, kind="int64"),),
           {"return_inverse": True, "return_counts": True}, grad=False),
    OpCase("unique_consecutive/2d", "unique_consecutive", (T((4, 5), 0, 2, kind="int64"),),
           {"return_counts": True}, grad=False),
    OpCase("unique_consecutive/dim", "unique_consecutive", (T((9, 2), 0, 2, kind="int64"),),
           {"dim": 0, "return_inverse": True, "return_counts": True}, grad=False),
    # bincount / histc
    OpCase("bincount", "bincount", (T((20,), 0, 6, kind="index"),), grad=False),
    OpCase("bincount/weights", "bincount", (T((20,), 0, 6, kind="index"), T((20,))),
           grad=False),
    OpCase("bincount/minlength", "bincount", (T((5,), 0, 3, kind="index"),),
           {"minlength": 7}, grad=False),
    OpCase("bincount/empty", "bincount", (T((0,), 0, 3, kind="index"),), {"minlength": 2},
           grad=False),
    OpCase("histc", "histc", (T((40,)),), {"bins": 7}, grad=False),
    OpCase("histc/range", "histc", (T((5, 8)),), {"bins": 5, "min": -1, "max": 1},
           grad=False),
    OpCase("histc/default", "histc", (T((30,)),), grad=False),
]
