"""Cases for the composite ops of ``ember/_ops/extra.py``."""

from ... import _dtype as D
from ..opinfo import OpCase, T

CASES = [
    OpCase("ravel", "ravel", (T((3, 4), noncontig=True),)),
    OpCase("diff", "diff", (T((3, 5)),), {"dim": 1}),
    OpCase("diff/n2_prepend", "diff", (T((4, 3)),), {"n": 2, "dim": 0}),
    OpCase("erfc", "erfc", (T((2, 3)),)),
    OpCase("logaddexp", "logaddexp", (T((2, 3)), T((3,)))),
    OpCase("logaddexp2", "logaddexp2", (T((2, 3)), T((2, 3)))),
    OpCase("deg2rad", "deg2rad", (T((2, 3)),)),
    OpCase("rad2deg", "rad2deg", (T((2, 3)),)),
    OpCase("sinc", "sinc", (T((2, 3)),)),
    OpCase("isposinf", "isposinf", (T((2, 3)),), grad=False),
    OpCase("isneginf", "isneginf", (T((2, 3)),), grad=False),
    OpCase("heaviside", "heaviside", (T((2, 3)), T((2, 3))), grad=False),
    OpCase("cov", "cov", (T((3, 6)),)),
    OpCase("cov/correction0", "cov", (T((3, 6)),), {"correction": 0}),
    OpCase("cov/1d", "cov", (T((6,)),)),
    OpCase("corrcoef", "corrcoef", (T((3, 6)),)),
    OpCase("dist", "dist", (T((2, 3)), T((2, 3)), 3)),
    OpCase("logcumsumexp", "logcumsumexp", (T((3, 4)), 1)),
    OpCase("unfold", "Tensor.unfold", (T((3, 7)), 1, 3, 2)),
    OpCase("unfold/dim0", "Tensor.unfold", (T((6, 2)), 0, 2, 1)),
    OpCase("gcd", "gcd", (T((6,), 0, 50, kind="int64"), T((6,), 1, 50, kind="int64")),
           grad=False, dtypes=(D.float32,)),
    OpCase("lcm", "lcm", (T((6,), 0, 20, kind="int64"), T((6,), 1, 20, kind="int64")),
           grad=False, dtypes=(D.float32,)),
    OpCase("adjoint", "adjoint", (T((2, 3, 4)),)),
    OpCase("renorm", "renorm", (T((3, 4)), 2, 0, 1.0)),
]
