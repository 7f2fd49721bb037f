"""``ember.array_api``: a namespace conforming to the Python Array API standard (2024.12)
built on ember ops, so libraries written against the standard (SciPy, scikit-learn's array
API mode, array-api-extra, ...) accept ember tensors. ``tensor.__array_namespace__()``
returns this module, and ``array_api_compat.array_namespace(tensor)`` finds it.

Names follow the standard (``concat``, ``permute_dims``, ``astype``, ``unique_values``,
``cumulative_sum``, ...) and keep ember's semantics where the standard allows; where ember
follows PyTorch and the standard differs, the functions here follow the standard (``axis=()``
reduces nothing, ``squeeze`` checks sizes, 0-d arrays take full part in type promotion, see
NOTE [array api promotion]). Arrays are ember tensors: autograd works through them.

Example::

    >>> import ember.array_api as xp
    >>> x = xp.asarray([[1., 2.], [3., 4.]])
    >>> xp.sum(xp.matrix_transpose(x) * x, axis=0)
    tensor([ 7., 22.])

docs/array-api.md lists what is supported, the known differences and the conformance runs.
"""

from __future__ import annotations

import math as _math

from .. import _dtype as _D
from . import fft, linalg
from ._creation import (arange, asarray, empty, empty_like, eye, from_dlpack, full, full_like,
                        linspace, meshgrid, ones, ones_like, tril, triu, zeros, zeros_like)
from ._dtypes import astype, can_cast, finfo, iinfo, isdtype, result_type
from ._elementwise import (abs, acos, acosh, add, asin, asinh, atan, atan2, atanh,  # noqa: A004
                           bitwise_and, bitwise_invert, bitwise_left_shift, bitwise_or,
                           bitwise_right_shift, bitwise_xor, ceil, clip, conj, copysign, cos,
                           cosh, divide, equal, exp, expm1, floor, floor_divide, greater,
                           greater_equal, hypot, imag, isfinite, isinf, isnan, less,
                           less_equal, log, log1p, log2, log10, logaddexp, logical_and,
                           logical_not, logical_or, logical_xor, maximum, minimum, multiply,
                           negative, nextafter, not_equal, positive, pow, real, reciprocal,
                           remainder, round, sign, signbit, sin, sinh, sqrt, square, subtract,
                           tan, tanh, trunc)
from ._info import __array_namespace_info__
from ._manipulation import (broadcast_arrays, broadcast_shapes, broadcast_to, concat,
                            expand_dims, flip, moveaxis, permute_dims, repeat, reshape, roll,
                            squeeze, stack, tile, unstack)
from ._searching import (argmax, argmin, argsort, count_nonzero, isin, nonzero, searchsorted,
                         sort, take, take_along_axis, unique_all, unique_counts,
                         unique_inverse, unique_values, where)
from ._statistical import (all, any, cumulative_prod, cumulative_sum, diff, max, mean, min,  # noqa: A004
                           prod, std, sum, var)
from .linalg import matmul, matrix_transpose, tensordot, vecdot

__array_api_version__ = "2024.12"

# dtypes (the standard's, plus ember's float16 and bfloat16). uint16/32/64 do not exist in
# ember and are absent here (docs/array-api.md).
bool = _D.bool_  # noqa: A001
int8, int16, int32, int64, uint8 = _D.int8, _D.int16, _D.int32, _D.int64, _D.uint8
float16, bfloat16, float32, float64 = _D.float16, _D.bfloat16, _D.float32, _D.float64
complex64, complex128 = _D.complex64, _D.complex128

e = _math.e
pi = _math.pi
inf = _math.inf
nan = _math.nan
newaxis = None

__all__ = [
    "__array_api_version__", "__array_namespace_info__", "fft", "linalg",
    # constants and dtypes
    "e", "inf", "nan", "newaxis", "pi", "bool", "int8", "int16", "int32", "int64", "uint8",
    "float16", "bfloat16", "float32", "float64", "complex64", "complex128",
    # creation
    "arange", "asarray", "empty", "empty_like", "eye", "from_dlpack", "full", "full_like",
    "linspace", "meshgrid", "ones", "ones_like", "tril", "triu", "zeros", "zeros_like",
    # data types
    "astype", "can_cast", "finfo", "iinfo", "isdtype", "result_type",
    # element-wise
    "abs", "acos", "acosh", "add", "asin", "asinh", "atan", "atan2", "atanh", "bitwise_and",
    "bitwise_invert", "bitwise_left_shift", "bitwise_or", "bitwise_right_shift",
    "bitwise_xor", "ceil", "clip", "conj", "copysign", "cos", "cosh", "divide", "equal", "exp",
    "expm1", "floor", "floor_divide", "greater", "greater_equal", "hypot", "imag", "isfinite",
    "isinf", "isnan", "less", "less_equal", "log", "log1p", "log2", "log10", "logaddexp",
    "logical_and", "logical_not", "logical_or", "logical_xor", "maximum", "minimum",
    "multiply", "negative", "nextafter", "not_equal", "positive", "pow", "real", "reciprocal",
    "remainder", "round", "sign", "signbit", "sin", "sinh", "sqrt", "square", "subtract",
    "tan", "tanh", "trunc",
    # indexing, searching, sorting, sets
    "take", "take_along_axis", "argmax", "argmin", "count_nonzero", "nonzero", "searchsorted",
    "where", "argsort", "sort", "unique_all", "unique_counts", "unique_inverse",
    "unique_values", "isin",
    # linear algebra (main namespace)
    "matmul", "matrix_transpose", "tensordot", "vecdot",
    # manipulation
    "broadcast_arrays", "broadcast_shapes", "broadcast_to", "concat", "expand_dims", "flip",
    "moveaxis", "permute_dims", "repeat", "reshape", "roll", "squeeze", "stack", "tile",
    "unstack",
    # statistics and utilities
    "cumulative_prod", "cumulative_sum", "max", "mean", "min", "prod", "std", "sum", "var",
    "all", "any", "diff",
]
