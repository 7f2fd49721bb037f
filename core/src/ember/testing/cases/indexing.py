"""Cases for indexing ops: ``gather``, ``scatter*``, ``index_*``, ``masked_*``, ``take``,
``put``, ``nonzero``.

Index inputs are ``T(shape, high=N, kind="index")`` (int64 in [0, N)). Ops whose result is
ambiguous under repeated indices (``scatter`` without reduction, ``index_copy``, ``put``
without ``accumulate``) get index shapes that cannot repeat (one index per output slot).
"""

from ... import _dtype as D
from ..opinfo import OpCase, T

I = (D.float32,)


def _ix(shape, high):
    return T(shape, high=high, kind="index")


CASES = [
    OpCase("gather", "gather", (T((3, 4)), 1, _ix((3, 5), 4))),
    OpCase("gather/dim0", "gather", (T((3, 4)), 0, _ix((2, 4), 3))),
    OpCase("gather/smaller", "gather", (T((3, 4)), 0, _ix((2, 2), 3))),
    OpCase("gather/3d", "gather", (T((2, 3, 4)), -1, _ix((2, 3, 2), 4))),
    OpCase("gather/noncontig", "gather", (T((3, 4), noncontig=True), 1, _ix((3, 2), 4))),
    OpCase("gather/1d", "gather", (T((5,)), 0, _ix((7,), 5))),
    OpCase("gather/empty", "gather", (T((3, 4)), 1, _ix((3, 0), 4))),
    OpCase("gather/int", "gather", (T((3, 4), kind="int64"), 1, _ix((3, 2), 4)), grad=False,
           dtypes=I),
    OpCase("take_along_dim", "take_along_dim", (T((3, 4)), _ix((3, 2), 4), 1)),
    OpCase("take_along_dim/broadcast", "take_along_dim", (T((3, 4)), _ix((1, 2), 4), 1)),
    OpCase("take_along_dim/broadcast_in", "take_along_dim", (T((1, 4)), _ix((3, 2), 4), 1)),
    OpCase("take_along_dim/flat", "take_along_dim", (T((3, 4)), _ix((5,), 12))),
    # one index per column (dim 0) or row (dim 1): no repeated targets
    OpCase("scatter", "scatter", (T((3, 4)), 0, _ix((1, 4), 3), T((1, 4)))),
    # PyTorch has no gradient for a src larger than index, nor for the legacy reduce=
    OpCase("scatter/src_larger", "scatter", (T((3, 4)), 0, _ix((1, 4), 3), T((2, 5))),
           grad=False),
    OpCase("scatter/dim1", "scatter", (T((3, 4)), 1, _ix((2, 1), 4), T((2, 1)))),
    OpCase("scatter/value", "scatter", (T((3, 4)), 0, _ix((1, 3), 3), 1.5)),
    OpCase("scatter/add", "scatter", (T((3, 4)), 0, _ix((3, 4), 3), T((3, 4))),
           {"reduce": "add"}, grad=False),
    OpCase("scatter/multiply", "scatter", (T((3, 4)), 0, _ix((3, 4), 3), T((3, 4))),
           {"reduce": "multiply"}, grad=False),
    OpCase("scatter_add", "scatter_add", (T((3, 4)), 0, _ix((5, 4), 3), T((5, 4)))),
    OpCase("scatter_add/src_larger", "scatter_add", (T((3, 4)), 1, _ix((2, 3), 4),
                                                      T((3, 5))), grad=False),
    OpCase("scatter_add/1d", "scatter_add", (T((4,)), 0, _ix((6,), 4), T((6,)))),
    OpCase("scatter_add/int", "scatter_add", (T((4,), kind="int64"), 0, _ix((6,), 4),
                                              T((6,), kind="int64")), grad=False, dtypes=I),
]
for _r in ("sum", "prod", "mean", "amax", "amin"):
    for _incl in (True, False):
        _sfx = "" if _incl else "/exclude_self"
        CASES.append(OpCase(f"scatter_reduce/{_r}{_sfx}", "scatter_reduce",
                            (T((3, 4)), 0, _ix((5, 4), 3), T((5, 4)), _r),
                            {"include_self": _incl}))
CASES += [
    OpCase("scatter_reduce/dim1_src_larger", "scatter_reduce",
           (T((2, 3)), 1, _ix((2, 4), 3), T((3, 5)), "sum"), grad=False),
    OpCase("scatter_reduce/int_mean", "scatter_reduce",
           (T((4,), kind="int64"), 0, _ix((6,), 4), T((6,), kind="int64"), "mean"),
           grad=False, dtypes=I),
    OpCase("scatter_reduce/int_amax", "scatter_reduce",
           (T((4,), kind="int64"), 0, _ix((6,), 4), T((6,), kind="int64"), "amax"),
           {"include_self": False}, grad=False, dtypes=I),
    OpCase("index_select", "index_select", (T((3, 4)), 1, _ix((5,), 4))),
    OpCase("index_select/dim0", "index_select", (T((3, 4)), 0, _ix((2,), 3))),
    OpCase("index_select/noncontig", "index_select", (T((3, 4), noncontig=True), -1,
                                                      _ix((3,), 4))),
    OpCase("index_select/0d_index", "index_select", (T((3, 4)), 0, _ix((), 3))),
    OpCase("index_select/empty", "index_select", (T((3, 4)), 0, _ix((0,), 3))),
    OpCase("index_add", "index_add", (T((3, 4)), 0, _ix((5,), 3), T((5, 4)))),
    OpCase("index_add/alpha", "index_add", (T((3, 4)), 1, _ix((2,), 4), T((3, 2))),
           {"alpha": 2.5}),
    OpCase("index_add/int", "index_add", (T((3,), kind="int64"), 0, _ix((4,), 3),
                                          T((4,), kind="int64")), grad=False, dtypes=I),
    OpCase("index_copy", "index_copy", (T((3, 4)), 0, _ix((1,), 3), T((1, 4)))),
    OpCase("index_copy/dim1", "index_copy", (T((3, 4)), 1, _ix((1,), 4), T((3, 1)))),
    OpCase("index_fill", "index_fill", (T((3, 4)), 1, _ix((3,), 4), -1.5)),
    OpCase("index_fill/tensor_value", "index_fill", (T((3, 4)), 0, _ix((2,), 3), T(()))),
    OpCase("masked_select", "masked_select", (T((3, 4)), T((3, 4), kind="bool"))),
    OpCase("masked_select/broadcast", "masked_select", (T((3, 1)), T((2, 1, 4), kind="bool"))),
    OpCase("masked_select/0d", "masked_select", (T(()), T((), kind="bool"))),
    OpCase("masked_scatter", "masked_scatter", (T((3, 4)), T((3, 4), kind="bool"),
                                                T((4, 4)))),
    OpCase("masked_scatter/broadcast", "masked_scatter", (T((3, 4)), T((4,), kind="bool"),
                                                          T((13,)))),
    OpCase("take", "take", (T((3, 4)), _ix((2, 3), 12))),
    OpCase("take/noncontig", "take", (T((3, 4), noncontig=True), _ix((5,), 12))),
    OpCase("put/accumulate", "put", (T((3, 4)), _ix((6,), 12), T((2, 3)), True)),
    OpCase("put", "put", (T((3, 4)), _ix((1,), 12), T((1,)))),
    OpCase("index_put/accumulate", "index_put", (T((3, 4)), (_ix((5,), 3),), T((5, 4)), True)),
    OpCase("nonzero", "nonzero", (T((3, 4), kind="bool"),), grad=False, dtypes=I),
    OpCase("nonzero/int", "nonzero", (T((2, 3, 2), kind="int64", low=-1, high=2),),
           grad=False, dtypes=I),
    OpCase("nonzero/as_tuple", "nonzero", (T((3, 4), kind="bool"),), {"as_tuple": True},
           grad=False, dtypes=I),
    OpCase("nonzero/0d", "nonzero", (T((), kind="bool"),), grad=False, dtypes=I),
    OpCase("nonzero/empty", "nonzero", (T((0, 3)),), grad=False, dtypes=I),
    OpCase("argwhere", "argwhere", (T((3, 4), kind="bool"),), grad=False, dtypes=I),
]
