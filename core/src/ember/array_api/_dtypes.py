"""Data type functions of the Array API: ``astype``, ``can_cast``, ``finfo``, ``iinfo``,
``isdtype``, ``result_type``."""

from __future__ import annotations

from typing import NamedTuple

from .. import _dtype as D
from .._tensor import Tensor
from ._helpers import is_scalar

__all__ = ["astype", "can_cast", "finfo", "iinfo", "isdtype", "result_type",
           "finfo_object", "iinfo_object"]

_KINDS = ("bool", "signed integer", "unsigned integer", "integral", "real floating",
          "complex floating", "numeric")

# (significand bits with the implicit one, largest exponent) of each float format
_FLOAT_FORMAT = {D.float16: (11, 15), D.bfloat16: (8, 127), D.float32: (24, 127),
                 D.float64: (53, 1023)}


class finfo_object(NamedTuple):
    """Machine limits of a floating dtype (``finfo``)."""
    bits: int
    eps: float
    max: float
    min: float
    smallest_normal: float
    dtype: D.dtype


class iinfo_object(NamedTuple):
    """Machine limits of an integer dtype (``iinfo``)."""
    bits: int
    max: int
    min: int
    dtype: D.dtype


def _dtype_arg(x, op):
    if isinstance(x, Tensor):
        return x._dtype
    if isinstance(x, D.dtype):
        return x
    raise TypeError(f"{op}(): expected a dtype or an array, got {type(x).__name__}")


def finfo(type, /):
    """Limits of a floating dtype (of the real component for complex dtypes): ``bits``,
    ``eps``, ``max``, ``min``, ``smallest_normal``, ``dtype``.

    Example::

        >>> xp.finfo(xp.float32).eps
        1.1920928955078125e-07
    """
    d = _dtype_arg(type, "finfo").to_real()
    if d not in _FLOAT_FORMAT:
        raise ValueError(f"finfo(): {d} is not a floating-point dtype; use iinfo for integers")
    p, emax = _FLOAT_FORMAT[d]
    eps = 2.0 ** (1 - p)
    big = (2.0 - eps) * 2.0 ** emax
    return finfo_object(d.itemsize * 8, eps, big, -big, 2.0 ** (1 - emax), d)


def iinfo(type, /):
    """Limits of an integer dtype: ``bits``, ``max``, ``min``, ``dtype``.

    Example::

        >>> xp.iinfo(xp.int8).min
        -128
    """
    d = _dtype_arg(type, "iinfo")
    if d.is_floating_point or d.is_complex or d is D.bool_:
        raise ValueError(f"iinfo(): {d} is not an integer dtype; use finfo for floats")
    bits = d.itemsize * 8
    if d.is_signed:
        return iinfo_object(bits, 2 ** (bits - 1) - 1, -(2 ** (bits - 1)), d)
    return iinfo_object(bits, 2 ** bits - 1, 0, d)


def _is_kind(d, kind):
    if kind == "bool":
        return d is D.bool_
    if kind == "signed integer":
        return d._cat == 1 and d.is_signed
    if kind == "unsigned integer":
        return d._cat == 1 and not d.is_signed
    if kind == "integral":
        return d._cat == 1
    if kind == "real floating":
        return d.is_floating_point
    if kind == "complex floating":
        return d.is_complex
    if kind == "numeric":
        return d is not D.bool_
    raise ValueError(f"isdtype(): unknown kind {kind!r}; expected a dtype, one of {_KINDS} or "
                     f"a tuple of them")


def isdtype(dtype, kind):
    """Whether ``dtype`` is of ``kind``: a dtype, a kind name (``"bool"``, ``"signed
    integer"``, ``"unsigned integer"``, ``"integral"``, ``"real floating"``, ``"complex
    floating"``, ``"numeric"``) or a tuple of these.

    Example::

        >>> xp.isdtype(xp.int8, ("integral", xp.float32))
        True
    """
    if not isinstance(dtype, D.dtype):
        raise TypeError(f"isdtype(): expected an ember dtype, got {type(dtype).__name__}")
    if isinstance(kind, tuple):
        return any(isdtype(dtype, k) for k in kind)
    if isinstance(kind, D.dtype):
        return dtype is kind
    if isinstance(kind, str):
        return _is_kind(dtype, kind)
    raise TypeError(f"isdtype(): kind must be a dtype, a str or a tuple, got "
                    f"{type(kind).__name__}")


def _range(d):
    if d._cat == 1:
        i = iinfo(d)
        return i.min, i.max
    return None


def can_cast(from_, to, /):
    """Whether ``from_`` (a dtype or an array) casts to ``to`` under the standard's promotion
    lattice: within a kind, to a dtype that holds every value (``int8 -> int16``, ``float32 ->
    float64``, ``float32 -> complex64``); never across kinds (``int -> float``) or out of
    ``bool``.

    Example::

        >>> xp.can_cast(xp.uint8, xp.int16), xp.can_cast(xp.int64, xp.float64)
        (True, False)
    """
    f = _dtype_arg(from_, "can_cast")
    if not isinstance(to, D.dtype):
        raise TypeError(f"can_cast(): to must be a dtype, got {type(to).__name__}")
    if f is to:
        return True
    if f is D.bool_ or to is D.bool_:
        return False
    if f._cat == 1 and to._cat == 1:
        (lo, hi), (lo2, hi2) = _range(f), _range(to)
        return lo2 <= lo and hi <= hi2
    if f._cat == 1 or to._cat == 1:
        return False
    if f.is_complex and not to.is_complex:
        return False
    fr, tr = f.to_real(), to.to_real()
    if fr is tr:
        return True
    if {fr, tr} == {D.float16, D.bfloat16}:
        return False
    return fr.itemsize < tr.itemsize or (fr in (D.float16, D.bfloat16) and tr is D.float32)


def result_type(*arrays_and_dtypes):
    """The dtype of an op on these arrays, dtypes and Python scalars under the standard's
    promotion (every array counts alike; scalars are weak).

    Example::

        >>> xp.result_type(xp.asarray(1., dtype=xp.float64), xp.float32, 2)
        ember.float64
    """
    dts, scalars = [], []
    for a in arrays_and_dtypes:
        if isinstance(a, Tensor):
            dts.append(a._dtype)
        elif isinstance(a, D.dtype):
            dts.append(a)
        elif is_scalar(a):
            scalars.append(a)
        else:
            raise TypeError(f"result_type(): expected arrays, dtypes or Python scalars, got "
                            f"{type(a).__name__}")
    if not dts:
        raise ValueError("result_type(): at least one array or dtype is required")
    out = dts[0]
    for d in dts[1:]:
        out = D.promote_types(out, d)
    return D.result_type(out, *scalars) if scalars else out


def astype(x, dtype, /, *, copy=True, device=None):
    """``x`` converted to ``dtype`` (and moved to ``device``). With ``copy=False`` the input
    itself is returned when nothing changes.

    Example::

        >>> xp.astype(xp.asarray([1.7, -1.7]), xp.int32)
        tensor([ 1, -1], dtype=ember.int32)
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"astype(): expected an ember Tensor, got {type(x).__name__}")
    if not isinstance(dtype, D.dtype):
        raise TypeError(f"astype(): dtype must be an ember dtype, got {dtype!r}")
    out = x.to(dtype) if dtype is not x._dtype else x
    if device is not None:
        out = out.to(device)
    if copy and out is x:
        out = x.clone()
    return out
