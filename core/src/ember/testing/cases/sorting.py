"""Cases for sorting and selection (``_ops/sorting.py``), NOTE [op cases].

Random floats are tie-free, so indices are compared exactly; inputs with ties compare
indices only with ``stable=True`` (where the order of equal elements is defined).
``searchsorted``/``bucketize`` need sorted boundaries, which random specs cannot give beyond
one entry per row; ``core/tests/test_reduction.py`` covers them on sorted data.
"""

from ... import _dtype as D
from ..opinfo import OpCase, T

F = (D.float32, D.float64)
S3 = (2, 3, 4)


def _vals(r):
    return r[0]


CASES = [
    OpCase("sort", "sort", (T(S3),)),
    OpCase("sort/dim0", "sort", (T(S3), 0)),
    OpCase("sort/descending", "sort", (T(S3), 1, True)),
    OpCase("sort/stable_ties", "sort", (T((3, 10), 0, 4, kind="int64"),),
           {"stable": True}, grad=False),
    OpCase("sort/stable_ties_desc", "sort", (T((3, 10), 0, 4, kind="int64"),),
           {"stable": True, "descending": True, "dim": 1}, grad=False),
    OpCase("sort/ties_stable_grad", "sort", (T((3, 10), 0, 4, kind="int64", dtype=D.float64),),
           {"stable": True}, dtypes=(D.float64,), skip_fd=True),
    OpCase("sort/ties_values", "sort", (T((3, 10), 0, 4, kind="int64", dtype=D.float64),),
           dtypes=(D.float64,), post=_vals, grad=False),
    OpCase("sort/0d", "sort", (T(()),)),
    OpCase("sort/noncontig", "sort", (T((3, 4), noncontig=True), 0)),
    OpCase("sort/empty", "sort", (T((0, 3)), 0)),
    OpCase("sort/bool", "sort", (T((9,), kind="bool"),), {"stable": True}, grad=False,
           dtypes=(D.float32,)),
    OpCase("Tensor.sort", "Tensor.sort", (T((3, 5)),), {"descending": True}),
    OpCase("argsort", "argsort", (T(S3),), grad=False),
    OpCase("argsort/desc_dim", "argsort", (T(S3), 0, True), grad=False),
    OpCase("argsort/stable", "argsort", (T((20,), 0, 5, kind="int64"),), {"stable": True},
           grad=False),
    OpCase("msort", "msort", (T((4, 3)),)),
    OpCase("msort/0d", "msort", (T(()),)),
    OpCase("topk", "topk", (T((3, 6)), 2)),
    OpCase("topk/smallest", "topk", (T((3, 6)), 3), {"largest": False}),
    OpCase("topk/dim0", "topk", (T(S3), 1, 0)),
    OpCase("topk/all", "topk", (T((5,)), 5)),
    OpCase("topk/zero", "topk", (T((5,)), 0)),
    OpCase("topk/0d", "topk", (T(()), 1)),
    OpCase("topk/noncontig", "topk", (T((3, 4), noncontig=True), 2)),
    OpCase("kthvalue", "kthvalue", (T((3, 6)), 2)),
    OpCase("kthvalue/dim_keepdim", "kthvalue", (T(S3), 3, 1, True)),
    OpCase("kthvalue/last", "kthvalue", (T((4, 5)), 5)),
    OpCase("kthvalue/0d", "kthvalue", (T(()), 1)),
    OpCase("searchsorted/one_boundary", "searchsorted", (T((1,), grad=False), T((3, 4))),
           grad=False),
    OpCase("searchsorted/nd_right", "searchsorted", (T((3, 1), grad=False), T((3, 5))),
           {"right": True}, grad=False),
    OpCase("searchsorted/side_int32", "searchsorted", (T((1,), grad=False), T((6,))),
           {"side": "right", "out_int32": True}, grad=False),
    OpCase("bucketize/one_boundary", "bucketize", (T((2, 5)), T((1,), grad=False)),
           grad=False),
    OpCase("bucketize/right", "bucketize", (T((7,)), T((1,), grad=False)), {"right": True},
           grad=False),
]
