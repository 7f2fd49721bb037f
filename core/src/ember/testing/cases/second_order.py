"""Cases whose second derivatives are checked (``gradgrad=True``, NOTE [op cases]).

Backward functions are written in ember ops, so they are differentiable again; these cases
make the conformance suite check that on every device (``ember.autograd.gradgradcheck`` in
float64): elementwise functions, broadcasting products and quotients, reductions, views and
gathers, matrix products and a decomposition-based op. The op-table harness runs them
against PyTorch like any other case (values and first derivatives).
"""

import math

from ... import _dtype as D
from ..opinfo import OpCase, T

F = (D.float32, D.float64)
S = (2, 3)
POS = dict(low=0.5, high=2.0)


def _gg(name, op, args, kwargs=None, **kw):
    return OpCase(name, op, args, kwargs or {}, gradgrad=True, **kw)


CASES = [
    _gg("exp", "exp", (T(S),)),
    _gg("tanh", "tanh", (T(S),)),
    _gg("sigmoid", "sigmoid", (T(S),)),
    _gg("sin", "sin", (T((3, 4), noncontig=True),)),
    _gg("log", "log", (T(S, **POS),)),
    _gg("sqrt", "sqrt", (T(S, **POS),)),
    _gg("erf", "erf", (T(S),)),
    _gg("mul/broadcast", "mul", (T(S), T((3,)))),
    _gg("div", "div", (T(S), T(S, **POS))),
    _gg("pow", "pow", (T(S, **POS), T(S))),
    _gg("atan2", "atan2", (T(S), T(S, **POS))),
    _gg("matmul", "matmul", (T((2, 3)), T((3, 4)))),
    _gg("logsumexp", "logsumexp", (T((2, 4)), 1)),
    _gg("softmax", "softmax", (T((2, 4)), 1)),
    _gg("prod", "prod", (T((2, 3), **POS), 1)),
    _gg("var", "var", (T((2, 4)), 1)),
    _gg("cumsum", "cumsum", (T((2, 4)), 1)),
    _gg("transpose_slice", "Tensor.t", (T((3, 4)),)),
    _gg("gather", "gather", (T((2, 3)), 1, T((2, 2), high=3, kind="index"))),
    _gg("where", "where", (T(S, kind="bool"), T(S), T(S))),
    _gg("linalg.inv", "linalg.inv", (T((3, 3), -1.0, 1.0),), dtypes=(D.float64,),
        rtol=1e-6),
    _gg("linalg.vector_norm", "linalg.vector_norm", (T((2, 3)),), {"ord": 3, "dim": 1}),
    _gg("lerp", "lerp", (T(S), T(S), math.pi / 8)),
]
