"""Creation functions of the Array API."""

from __future__ import annotations

import builtins
import math

from .. import _creation as C
from .. import _dtype as D
from .._ops.interop import from_dlpack as _from_dlpack
from .._tensor import Tensor
from ._helpers import check_array

__all__ = ["arange", "asarray", "empty", "empty_like", "eye", "from_dlpack", "full",
           "full_like", "linspace", "meshgrid", "ones", "ones_like", "tril", "triu", "zeros",
           "zeros_like"]


def _shape(shape, op):
    if isinstance(shape, int) and not isinstance(shape, bool):
        return (shape,)
    try:
        return tuple(shape)
    except TypeError:
        raise TypeError(f"{op}(): shape must be an int or a tuple of ints, got "
                        f"{type(shape).__name__}") from None


def _default_float():
    return D.get_default_dtype()


def arange(start, /, stop=None, step=1, *, dtype=None, device=None):
    """``[start, start + step, ...)`` up to ``stop`` (exclusive): ``ceil((stop - start) /
    step)`` values, none when that is not positive. The dtype is int64 for integer arguments
    and the default float dtype when any is a float.

    Example::

        >>> xp.arange(1, 2, 0.25)
        tensor([1.0000, 1.2500, 1.5000, 1.7500])
    """
    if stop is None:
        start, stop = 0, start
    if step == 0:
        raise ValueError("arange(): step must not be zero")
    if dtype is None:
        dtype = (_default_float() if any(isinstance(v, float) for v in (start, stop, step))
                 else D.int64)
    n = builtins.max(0, math.ceil((stop - start) / step))
    if dtype.is_floating_point or dtype.is_complex:
        return (C.arange(n, dtype=D.float64, device=device) * step + start).to(dtype)
    return (C.arange(n, dtype=D.int64, device=device) * step + start).to(dtype)


def asarray(obj, /, *, dtype=None, device=None, copy=None):
    """An array from an ember tensor, a Python scalar or nested sequence, or any object with
    ``__dlpack__`` (NumPy, PyTorch, CuPy arrays: shared without a copy when possible) or the
    buffer protocol. ``copy=True`` always copies; ``copy=False`` raises ``ValueError`` when a
    copy is needed. Python floats give the default float dtype.

    Example::

        >>> xp.asarray([[1, 2], [3, 4]], dtype=xp.float64).shape
        ember.Size([2, 2])
    """
    if dtype is not None and not isinstance(dtype, D.dtype):
        raise TypeError(f"asarray(): dtype must be an ember dtype, got {dtype!r}")
    if isinstance(obj, Tensor):
        out = obj
    elif hasattr(obj, "__dlpack__") and hasattr(obj, "__dlpack_device__"):
        try:
            out = _from_dlpack(obj)
        except BufferError:
            if copy is False:
                raise
            out = C.tensor(obj)
    elif isinstance(obj, (bytes, bytearray, memoryview)) or hasattr(obj, "__array_interface__"):
        if copy is False:
            raise ValueError("asarray(): this object cannot be shared without a copy; pass "
                             "copy=None or copy=True")
        out = C.tensor(memoryview(obj).cast("B") if isinstance(obj, (bytes, bytearray)) else obj)
    else:
        if copy is False:
            raise ValueError(f"asarray(): a {type(obj).__name__} cannot become an array without "
                             f"a copy; pass copy=None or copy=True")
        if dtype is None and _all_python_floats(obj):
            dtype = _default_float()
        out = C.tensor(obj, dtype=dtype, device=device)
        return out
    copied = False
    if dtype is not None and dtype is not out._dtype:
        if copy is False:
            raise ValueError(f"asarray(): converting {out._dtype} to {dtype} needs a copy, "
                             f"which copy=False forbids")
        out, copied = out.to(dtype), True
    if device is not None:
        moved = out.to(device)
        if moved is not out:
            if copy is False:
                raise ValueError(f"asarray(): moving {out.device} data to {device} needs a "
                                 f"copy, which copy=False forbids")
            out, copied = moved, True
    if copy and not copied:
        out = out.clone()
    return out


def _all_python_floats(obj):
    if isinstance(obj, float):
        return True
    if isinstance(obj, (list, tuple)) and obj:
        return _all_python_floats(obj[0])
    return False


def empty(shape, *, dtype=None, device=None):
    """An uninitialised array (default float dtype)."""
    return C.empty(_shape(shape, "empty"), dtype=dtype, device=device)


def empty_like(x, /, *, dtype=None, device=None):
    """An uninitialised array with ``x``'s shape (and dtype, device unless given)."""
    check_array(x, "empty_like")
    return C.empty_like(x, dtype=dtype, device=device)


def eye(n_rows, n_cols=None, /, *, k=0, dtype=None, device=None):
    """A ``(n_rows, n_cols)`` array with ones on the ``k``-th diagonal.

    Example::

        >>> xp.eye(2, 3, k=1)
        tensor([[0., 1., 0.],
                [0., 0., 1.]])
    """
    m = n_rows if n_cols is None else n_cols
    r = C.arange(n_rows, device=device).unsqueeze(1)
    c = C.arange(m, device=device).unsqueeze(0)
    return (r + k == c).to(dtype or _default_float())


def from_dlpack(x, /, *, device=None, copy=None):
    """An ember array sharing memory with ``x`` (see :func:`ember.from_dlpack`)."""
    return _from_dlpack(x, device=device, copy=copy)


def _fill_dtype(v):
    if isinstance(v, Tensor):
        return v._dtype
    return D._scalar_dtype(v)


def full(shape, fill_value, *, dtype=None, device=None):
    """An array filled with ``fill_value`` (bool, int64, default float or default complex
    from the value's type unless ``dtype`` is given)."""
    return C.full(_shape(shape, "full"), fill_value, dtype=dtype or _fill_dtype(fill_value),
                  device=device)


def full_like(x, /, fill_value, *, dtype=None, device=None):
    """An array like ``x`` filled with ``fill_value``."""
    check_array(x, "full_like")
    return C.full(x._shape, fill_value, dtype=dtype or x._dtype,
                  device=device if device is not None else x.device)


def linspace(start, stop, /, num, *, dtype=None, device=None, endpoint=True):
    """``num`` evenly spaced values from ``start`` to ``stop`` (included unless
    ``endpoint=False``); complex ``start``/``stop`` give a complex array.

    Example::

        >>> xp.linspace(0, 1, 4, endpoint=False)
        tensor([0.0000, 0.2500, 0.5000, 0.7500])
    """
    if not isinstance(num, int) or num < 0:
        raise ValueError(f"linspace(): num must be a non-negative int, got {num!r}")
    cplx = isinstance(start, complex) or isinstance(stop, complex) or (
        dtype is not None and dtype.is_complex)
    if dtype is None:
        dtype = D._default_complex() if cplx else _default_float()
    if cplx:
        start, stop = builtins.complex(start), builtins.complex(stop)
        rdt = dtype.to_real() if dtype.is_complex else D.float64
        re = linspace(start.real, stop.real, num, dtype=D.float64, device=device,
                      endpoint=endpoint)
        im = linspace(start.imag, stop.imag, num, dtype=D.float64, device=device,
                      endpoint=endpoint)
        return C.complex(re.to(rdt), im.to(rdt)).to(dtype)
    if endpoint:
        return C.linspace(start, stop, num, dtype=dtype, device=device)
    if num == 0:
        return C.empty(0, dtype=dtype, device=device)
    step = (stop - start) / num
    i = C.arange(num, dtype=D.float64, device=device)
    return (i * step + start).to(dtype)


def meshgrid(*arrays, indexing="xy"):
    """Coordinate matrices from 1-D arrays; ``indexing="xy"`` (the default, Cartesian) or
    ``"ij"`` (matrix). Returns a list."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid(): indexing must be 'xy' or 'ij', got {indexing!r}")
    for a in arrays:
        check_array(a, "meshgrid", "every array")
    if not arrays:
        return []
    from .._ops.shape import meshgrid as _mg
    return list(_mg(*arrays, indexing=indexing))


def ones(shape, *, dtype=None, device=None):
    """An array of ones (default float dtype)."""
    return C.ones(_shape(shape, "ones"), dtype=dtype, device=device)


def ones_like(x, /, *, dtype=None, device=None):
    check_array(x, "ones_like")
    return C.ones_like(x, dtype=dtype, device=device)


def zeros(shape, *, dtype=None, device=None):
    """An array of zeros (default float dtype)."""
    return C.zeros(_shape(shape, "zeros"), dtype=dtype, device=device)


def zeros_like(x, /, *, dtype=None, device=None):
    check_array(x, "zeros_like")
    return C.zeros_like(x, dtype=dtype, device=device)


def tril(x, /, *, k=0):
    """The lower triangle (on and below the ``k``-th diagonal) of the last two axes."""
    check_array(x, "tril")
    from .._ops.shape import tril as _tril
    return _tril(x, k)


def triu(x, /, *, k=0):
    """The upper triangle (on and above the ``k``-th diagonal) of the last two axes."""
    check_array(x, "triu")
    from .._ops.shape import triu as _triu
    return _triu(x, k)

