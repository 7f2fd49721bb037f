"""Cases for elementwise ops, ``where``, ``clamp``, and the core reductions/products."""

from ... import _dtype as D
from ..opinfo import OpCase, T

F = (D.float32, D.float64)
S = (2, 3)
B = ((4, 1, 3), (5, 3))          # broadcasting pair

CASES = []


def _u(name, low=-2.0, high=2.0, kind="float", **kw):
    CASES.extend([
        OpCase(name, name, (T(S, low, high, kind=kind),), **kw),
        OpCase(name + "/0d", name, (T((), low, high, kind=kind),), **kw),
        OpCase(name + "/noncontig", name, (T((3, 4), low, high, kind=kind, noncontig=True),),
               **kw),
        OpCase(name + "/empty", name, (T((0, 3), low, high, kind=kind),), **kw),
    ])


for _n in ("neg", "exp", "expm1", "sin", "cos", "tanh", "sigmoid", "atan", "sinh", "cosh",
           "asinh", "erf", "exp2", "square"):
    _u(_n)
for _n in ("log", "log2", "log10", "sqrt", "rsqrt", "reciprocal", "lgamma"):
    _u(_n, 0.3, 3.0)
_u("log1p", -0.5, 2.0)
_u("tan", -1.2, 1.2)
for _n in ("asin", "acos", "atanh", "erfinv"):
    _u(_n, -0.9, 0.9)
_u("acosh", 1.2, 3.0)
_u("abs", 0.1, 2.0)
_u("abs/neg", -2.0, -0.1) if False else None
for _n in ("floor", "ceil", "trunc", "round", "frac", "sign"):
    CASES.append(OpCase(_n, _n, (T(S, -3.0, 3.0),), skip_fd=True))
CASES.append(OpCase("round/decimals", "round", (T(S, -3.0, 3.0),), {"decimals": 2},
                    skip_fd=True))
CASES.append(OpCase("logit", "logit", (T(S, 0.1, 0.9),)))
CASES.append(OpCase("logit/eps", "logit", (T(S, 0.1, 0.9),), {"eps": 0.2}, skip_fd=True))
CASES.append(OpCase("relu", "relu", (T(S, 0.1, 1.0),)))
for _n in ("isnan", "isinf", "isfinite", "signbit"):
    CASES.append(OpCase(_n, _n, (T(S),), grad=False))

for _n in ("add", "sub", "mul", "maximum", "minimum", "fmax", "fmin", "atan2", "hypot"):
    CASES.extend([
        OpCase(_n, _n, (T(S), T(S))),
        OpCase(_n + "/broadcast", _n, (T(B[0]), T(B[1]))),
        OpCase(_n + "/noncontig", _n, (T((3, 4), noncontig=True), T((3, 4)))),
        OpCase(_n + "/0d", _n, (T(S), T(()))),
        OpCase(_n + "/empty", _n, (T((0, 3)), T((1, 3)))),
    ])
CASES.extend([
    OpCase("add/scalar", "add", (T(S), 2.5)),
    OpCase("add/alpha", "add", (T(S), T(S)), {"alpha": 3}),
    OpCase("sub/alpha", "sub", (T(S), T(S)), {"alpha": 0.5}),
    OpCase("mul/scalar", "mul", (T(S), 3)),
    OpCase("div", "div", (T(S), T(S, 0.5, 2.0))),
    OpCase("div/broadcast", "div", (T(B[0]), T(B[1], 0.5, 2.0))),
    OpCase("div/floor", "div", (T(S), T(S, 0.5, 2.0)), {"rounding_mode": "floor"},
           skip_fd=True),
    OpCase("div/trunc", "div", (T(S), T(S, 0.5, 2.0)), {"rounding_mode": "trunc"},
           skip_fd=True),
    OpCase("div/int", "div", (T(S, kind="int64"), T(S, 1, 5, kind="int64")), grad=False),
    OpCase("div/int_floor", "div", (T(S, kind="int64"), T(S, 1, 5, kind="int64")),
           {"rounding_mode": "floor"}, grad=False),
    OpCase("div/int_trunc", "div", (T(S, kind="int64"), T(S, 1, 5, kind="int64")),
           {"rounding_mode": "trunc"}, grad=False),
    OpCase("remainder", "remainder", (T(S), T(S, 0.5, 2.0)), skip_fd=True),
    OpCase("remainder/int", "remainder", (T(S, kind="int64"), T(S, 1, 5, kind="int64")),
           grad=False),
    OpCase("fmod", "fmod", (T(S), T(S, 0.5, 2.0)), skip_fd=True),
    OpCase("pow", "pow", (T(S, 0.5, 2.0), T(S, -1.0, 2.0))),
    OpCase("pow/scalar_exp", "pow", (T(S), 3)),
    OpCase("pow/scalar_base", "pow", (2.0, T(S))),
    OpCase("pow/broadcast", "pow", (T(B[0], 0.5, 2.0), T(B[1]))),
    OpCase("lerp", "lerp", (T(S), T(S), 0.3)),
    OpCase("lerp/tensor_weight", "lerp", (T(S), T(S), T(S, 0.0, 1.0))),
    OpCase("addcmul", "addcmul", (T(S), T(S), T(S)), {"value": 0.5}),
    OpCase("addcdiv", "addcdiv", (T(S), T(S), T(S, 0.5, 2.0)), {"value": 2}),
    OpCase("xlogy", "xlogy", (T(S), T(S, 0.5, 2.0))),
    OpCase("float_power", "float_power", (T(S, 0.5, 2.0), 2.5)),
    OpCase("copysign", "copysign", (T(S, 0.1, 2.0), T(S)), skip_fd=True),
])
for _n in ("eq", "ne", "lt", "le", "gt", "ge"):
    CASES.append(OpCase(_n, _n, (T(S, kind="int64"), T(B[1][1:], kind="int64")),
                        dtypes=(D.float32,), grad=False))
    CASES.append(OpCase(_n + "/float", _n, (T(S), T(S)), grad=False))
for _n in ("logical_and", "logical_or", "logical_xor"):
    CASES.append(OpCase(_n, _n, (T(S, kind="bool"), T(S, kind="bool")), grad=False,
                        dtypes=(D.float32,)))
for _n in ("bitwise_and", "bitwise_or", "bitwise_xor"):
    CASES.append(OpCase(_n, _n, (T(S, kind="int64"), T(S, kind="int64")), grad=False,
                        dtypes=(D.float32,)))
CASES.extend([
    OpCase("where", "where", (T(S, kind="bool"), T(S), T(S))),
    OpCase("where/broadcast", "where", (T((3,), kind="bool"), T((2, 3)), T((2, 1)))),
    OpCase("where/scalar", "where", (T(S, kind="bool"), T(S), 0.0)),
    OpCase("clamp", "clamp", (T(S),), {"min": -0.5, "max": 0.5}),
    OpCase("clamp/min", "clamp", (T(S),), {"min": -0.5}),
    OpCase("clamp/tensor", "clamp", (T(S), T(S, -2, -0.5), T(S, 0.5, 2))),
    OpCase("masked_fill", "masked_fill", (T(S), T(S, kind="bool"), 1.5)),
    OpCase("sum", "sum", (T((2, 3, 4)),)),
    OpCase("sum/dim", "sum", (T((2, 3, 4)), 1)),
    OpCase("sum/dims_keepdim", "sum", (T((2, 3, 4)), (0, 2), True)),
    OpCase("sum/noncontig", "sum", (T((3, 4), noncontig=True), -1)),
    OpCase("sum/empty", "sum", (T((0, 3)), 0)),
    OpCase("sum/int", "sum", (T((2, 3), kind="int64"),), grad=False),
    OpCase("mean", "mean", (T((2, 3, 4)),)),
    OpCase("mean/dim", "mean", (T((2, 3, 4)), (1, 2), True)),
    OpCase("matmul", "matmul", (T((3, 4)), T((4, 5)))),
    OpCase("matmul/batched", "matmul", (T((2, 3, 4)), T((4, 5)))),
    OpCase("matmul/broadcast", "matmul", (T((2, 1, 3, 4)), T((3, 4, 2)))),
    OpCase("matmul/vec", "matmul", (T((4,)), T((4,)))),
    OpCase("matmul/mat_vec", "matmul", (T((3, 4)), T((4,)))),
    OpCase("matmul/vec_mat", "matmul", (T((4,)), T((4, 2)))),
    OpCase("matmul/noncontig", "matmul", (T((3, 4), noncontig=True), T((4, 2)))),
    OpCase("mm", "mm", (T((3, 4)), T((4, 5)))),
    OpCase("bmm", "bmm", (T((2, 3, 4)), T((2, 4, 5)))),
    OpCase("mv", "mv", (T((3, 4)), T((4,)))),
    OpCase("dot", "dot", (T((4,)), T((4,)))),
])
# views: values and gradients of the view functions
CASES.extend([
    OpCase("transpose", "transpose", (T((2, 3, 4)), 0, 2)),
    OpCase("permute", "permute", (T((2, 3, 4)), (2, 0, 1))),
    OpCase("reshape", "reshape", (T((2, 3, 4)), (4, 6))),
    OpCase("reshape/noncontig", "reshape", (T((3, 4), noncontig=True), (-1,))),
    OpCase("squeeze", "squeeze", (T((2, 1, 3)),)),
    OpCase("unsqueeze", "unsqueeze", (T((2, 3)), 1)),
    OpCase("flatten", "flatten", (T((2, 3, 4)), 1)),
    OpCase("unflatten", "unflatten", (T((2, 12)), 1, (3, 4))),
    OpCase("narrow", "narrow", (T((4, 5)), 1, 1, 3)),
    OpCase("select", "select", (T((4, 5)), 0, 2)),
    OpCase("diagonal", "diagonal", (T((3, 4)),), {"offset": 1}),
    OpCase("diagonal/3d", "diagonal", (T((2, 3, 3)),), {"dim1": 1, "dim2": 2}),
    OpCase("movedim", "movedim", (T((2, 3, 4)), 0, -1)),
    OpCase("t", "t", (T((3, 4)),)),
    OpCase("expand", "Tensor.expand", (T((3, 1)), 3, 4)),
    OpCase("as_strided", "as_strided", (T((9,)), (2, 2), (3, 1), 1)),
    OpCase("as_strided/overlap", "as_strided", (T((6,)), (3, 3), (1, 1))),
    OpCase("clone", "clone", (T((2, 3), noncontig=True),)),
])
CASES.extend([
    OpCase("softmax", "softmax", (T((3, 4)), 1)),
    OpCase("softmax/dim0", "softmax", (T((3, 4)), 0)),
    OpCase("log_softmax", "log_softmax", (T((3, 4)), -1)),
    OpCase("log_softmax/3d", "log_softmax", (T((2, 3, 4)), 1)),
])
CASES.extend([
    OpCase("isclose", "isclose", (T(S), T(S)), {"rtol": 0.5, "atol": 0.1}, grad=False),
    OpCase("nan_to_num", "nan_to_num", (T(S),), {"nan": 1.0}),
])
