"""Element-wise functions of the Array API, on ember ops.

Binary functions accept one Python scalar operand and promote array operands with the
standard's rule (NOTE [array api promotion] in ``_helpers``). Everything is differentiable
where the ember op is, except ``nextafter`` (no derivative, as in PyTorch).
"""

from __future__ import annotations

import math

from .. import _creation as C
from .. import _dtype as D
from .._ops._reg import EXPORTS as _E
from .._ops.core import broadcast_shapes
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ._dtypes import _FLOAT_FORMAT, iinfo
from ._helpers import check_array, operands

_UNARY = {
    "abs": "abs", "acos": "acos", "acosh": "acosh", "asin": "asin", "asinh": "asinh",
    "atan": "atan", "atanh": "atanh", "bitwise_invert": "bitwise_not", "ceil": "ceil",
    "conj": "conj", "cos": "cos", "cosh": "cosh", "exp": "exp", "expm1": "expm1",
    "floor": "floor", "isfinite": "isfinite", "isinf": "isinf", "isnan": "isnan", "log": "log",
    "log1p": "log1p", "log2": "log2", "log10": "log10", "logical_not": "logical_not",
    "negative": "neg", "positive": "positive", "reciprocal": "reciprocal", "round": "round",
    "signbit": "signbit", "sin": "sin", "sinh": "sinh", "square": "square", "sqrt": "sqrt",
    "tan": "tan", "tanh": "tanh", "trunc": "trunc",
}

_BINARY = {
    "add": "add", "atan2": "atan2", "bitwise_and": "bitwise_and",
    "bitwise_left_shift": "bitwise_left_shift", "bitwise_or": "bitwise_or",
    "bitwise_right_shift": "bitwise_right_shift", "bitwise_xor": "bitwise_xor",
    "copysign": "copysign", "divide": "div", "equal": "eq", "floor_divide": "floor_divide",
    "greater": "gt", "greater_equal": "ge", "hypot": "hypot", "less": "lt",
    "less_equal": "le", "logical_and": "logical_and", "logical_or": "logical_or",
    "logical_xor": "logical_xor", "maximum": "maximum", "minimum": "minimum",
    "multiply": "mul", "not_equal": "ne", "pow": "pow", "remainder": "remainder",
    "subtract": "sub",
}

__all__ = sorted(list(_UNARY) + list(_BINARY) + ["clip", "imag", "logaddexp", "nextafter",
                                                 "real", "sign"])


def _make_unary(name, target):
    def fn(x, /):
        check_array(x, name)
        return _E[target](x)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"Element-wise ``{name}`` of an array (ember.{target}). Shape: that of "
                  f"``x``. Example: ``xp.{name}(xp.asarray([0.5, 1.0]))``.")
    return fn


def _make_binary(name, target):
    def fn(x1, x2, /):
        a, b = operands(x1, x2, name)
        return _E[target](a, b)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"Element-wise ``{name}`` of two arrays (or an array and a Python scalar) "
                  f"with broadcasting and the standard's type promotion (ember.{target}). "
                  f"Example: ``xp.{name}(xp.asarray([1., 2.]), 3.)``.")
    return fn


for _n, _t in _UNARY.items():
    globals()[_n] = _make_unary(_n, _t)
for _n, _t in _BINARY.items():
    globals()[_n] = _make_binary(_n, _t)
del _n, _t


def real(x, /):
    """The real part (the array itself for real dtypes)."""
    check_array(x, "real")
    return _E["real"](x) if x._dtype.is_complex else x


def imag(x, /):
    """The imaginary part (zeros of the same dtype for real arrays)."""
    check_array(x, "imag")
    if x._dtype.is_complex:
        return _E["imag"](x)
    return C.zeros_like(x)


def sign(x, /):
    """``-1``, ``0`` or ``1`` for real arrays; ``x / |x|`` (0 at 0) for complex ones."""
    check_array(x, "sign")
    return _E["sgn"](x) if x._dtype.is_complex else _E["sign"](x)


def clip(x, /, min=None, max=None):  # noqa: A002
    """``x`` clamped to ``[min, max]`` (each a Python scalar, an array or None), with
    ``x``'s dtype; the result has the broadcast shape of the three.

    Example::

        >>> xp.clip(xp.asarray([-2., 0.5, 3.]), 0., 1.)
        tensor([0.0000, 0.5000, 1.0000])
    """
    check_array(x, "clip")
    d = x._dtype
    lo, hi = min, max
    if d._cat == 1:
        info = iinfo(d)
        if isinstance(lo, int) and lo <= info.min:
            lo = None
        if isinstance(hi, int) and hi >= info.max:
            hi = None
    if isinstance(lo, Tensor) and lo._dtype is not d:
        lo = lo.to(d)
    if isinstance(hi, Tensor) and hi._dtype is not d:
        hi = hi.to(d)
    if lo is None and hi is None:
        return x.clone()
    out = _E["clamp"](x, lo, hi)
    shapes = [t._shape for t in (lo, hi) if isinstance(t, Tensor)]
    if shapes:
        full = broadcast_shapes(x._shape, *shapes)
        if out._shape != tuple(full):
            out = out.expand(full).clone()
    if isinstance(lo, Tensor) and d.is_floating_point:
        out = _E["where"](_E["isnan"](lo) & ~_E["isnan"](out), lo.expand(out._shape), out)
    if isinstance(hi, Tensor) and d.is_floating_point:
        out = _E["where"](_E["isnan"](hi) & ~_E["isnan"](out), hi.expand(out._shape), out)
    return out if out._dtype is d else out.to(d)


_LN2 = math.log(2.0)


def logaddexp(x1, x2, /):
    """``log(exp(x1) + exp(x2))`` without overflow.

    Example::

        >>> xp.logaddexp(xp.asarray([1000.]), 1000.)
        tensor([1000.6931])
    """
    a, b = operands(x1, x2, "logaddexp")
    if not (a._dtype.is_floating_point or a._dtype.is_complex):
        a, b = a.to(D.get_default_dtype()), b.to(D.get_default_dtype())
    m = _E["maximum"](a, b)
    r = m + _E["log1p"](_E["exp"](-_E["abs"](a - b)))
    return _E["where"](a == b, a + _LN2, r)


def nextafter(x1, x2, /):
    """The next representable floating value after ``x1`` towards ``x2`` (``x2`` where they
    are equal; NaN when either is NaN).

    NOTE [nextafter]: computed with arithmetic, not bit tricks: ``|x1| = m * 2**e`` with
    ``1 <= m < 2`` (``e`` from ``log2``, corrected by one where rounding moved it); the
    spacing there is ``2**(max(e, emin) - (p - 1))``, halved when stepping towards zero from
    an exact power of two; zero steps to the smallest subnormal, infinity to the largest
    finite value. Every addition is exact because its result is representable.

    Example::

        >>> xp.nextafter(xp.asarray(1., dtype=xp.float32), 2.) - 1
        tensor(1.1921e-07)
    """
    a, b = operands(x1, x2, "nextafter")
    d = a._dtype
    if d not in _FLOAT_FORMAT:
        raise TypeError(f"nextafter(): expected real floating-point arrays, got {d}")
    p, emax = _FLOAT_FORMAT[d]
    emin = 1 - emax
    where, exp2 = _E["where"], _E["exp2"]
    dev = a._storage.device

    def const(v):
        return C.full((), v, dtype=d, device=dev)
    with no_grad():
        a, b = a.detach(), b.detach()
        if a._shape != b._shape:
            a, b = _E["broadcast_tensors"](a, b)
        fin = _E["isfinite"](a)
        ax = a.abs()
        big = (2.0 - 2.0 ** (1 - p)) * 2.0 ** emax
        safe = where((ax > 0) & fin, ax, const(1.0))
        e = _E["clamp"](safe.log2().floor(), float(emin - p), float(emax))
        e = where(safe < exp2(e), e - 1, e)
        p2 = exp2(e)
        e = where(safe - p2 >= p2, e + 1, e)       # exact compare, no overflow at the top
        e = _E["clamp"](e, min=float(emin))        # subnormals share the smallest spacing
        ulp = exp2(e - (p - 1))
        up = b > a
        toward_zero = (a > 0) != up
        half = toward_zero & (ax == exp2(e)) & (e > emin)
        overflow = (ax == big) & ~toward_zero
        step = where(half, ulp * 0.5, where(overflow, const(0.0), ulp))
        af = where(fin, a, const(0.0))
        r = af + where(up, step, -step)
        r = where(r == 0, af * 0, r)                   # a zero result keeps x1's sign
        r = where(overflow, where(a > 0, const(math.inf), const(-math.inf)), r)
        tiny = const(2.0 ** (emin - (p - 1)))
        r = where(a == 0, where(up, tiny, -tiny), r)
        r = where(fin, r, where(a > 0, const(big), const(-big)))
        r = where(a == b, b, r)
        r = where(_E["isnan"](a) | _E["isnan"](b), const(math.nan), r)
    return r if r._dtype is d else r.to(d)
