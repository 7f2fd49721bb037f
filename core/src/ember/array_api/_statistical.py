"""Statistical and utility functions of the Array API.

``axis`` is an int, a tuple of ints or None (all axes); ``axis=()`` reduces nothing (the
standard's meaning, unlike PyTorch's ``dim=()``). Integer sums and products accumulate in
int64 (ember's default integer dtype), floats in their own dtype.
"""

from __future__ import annotations

import builtins
import math

from .. import _creation as C
from .. import _dtype as D
from .._ops._reg import EXPORTS as _E
from ._helpers import check_array, norm_axes, norm_axis, common_dtype

__all__ = ["all", "any", "cumulative_prod", "cumulative_sum", "diff", "max", "mean", "min",
           "prod", "std", "sum", "var"]

def _acc_dtype(x, dtype, op):
    if dtype is not None:
        if not isinstance(dtype, D.dtype):
            raise TypeError(f"{op}(): dtype must be an ember dtype, got {dtype!r}")
        return dtype
    d = x._dtype
    return D.int64 if d._cat <= 1 else d


def _keep_shape(shape, axes):
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _fold(x, axes):
    """``x`` with ``axes`` moved to the end and merged into one axis."""
    keep = [i for i in range(x.ndim) if i not in axes]
    n = math.prod(x._shape[a] for a in axes)
    return x.permute(*keep, *axes).reshape(tuple(x._shape[i] for i in keep) + (n,))


def sum(x, /, *, axis=None, dtype=None, keepdims=False):  # noqa: A001
    """The sum along ``axis``.

    Example::

        >>> xp.sum(xp.ones((2, 3)), axis=(0, 1))
        tensor(6.)
    """
    check_array(x, "sum")
    axes = norm_axes(axis, x.ndim, "sum")
    d = _acc_dtype(x, dtype, "sum")
    if not axes:
        return x.to(d) if d is not x._dtype else x.clone()
    return _E["sum"](x, axes, keepdims, dtype=d)


def prod(x, /, *, axis=None, dtype=None, keepdims=False):
    """The product along ``axis``."""
    check_array(x, "prod")
    axes = norm_axes(axis, x.ndim, "prod")
    d = _acc_dtype(x, dtype, "prod")
    if not axes:
        return x.to(d) if d is not x._dtype else x.clone()
    r = _E["prod"](_fold(x, axes), -1, dtype=d)
    return r.reshape(_keep_shape(x._shape, axes)) if keepdims else r


def _extreme(name, x, axis, keepdims):
    check_array(x, name)
    axes = norm_axes(axis, x.ndim, name)
    if not axes:
        return x.clone()
    if builtins.any(x._shape[a] == 0 for a in axes):
        raise ValueError(f"{name}(): cannot reduce over a zero-size axis (shape "
                         f"{tuple(x._shape)}, axis {axis})")
    return _E["amax" if name == "max" else "amin"](x, axes, keepdims)


def max(x, /, *, axis=None, keepdims=False):  # noqa: A001
    """The maximum along ``axis`` (NaN propagates)."""
    return _extreme("max", x, axis, keepdims)


def min(x, /, *, axis=None, keepdims=False):  # noqa: A001
    """The minimum along ``axis`` (NaN propagates)."""
    return _extreme("min", x, axis, keepdims)


def mean(x, /, *, axis=None, keepdims=False):
    """The arithmetic mean along ``axis`` (floating arrays)."""
    check_array(x, "mean")
    axes = norm_axes(axis, x.ndim, "mean")
    if not axes:
        return x.clone()
    return _E["mean"](x, axes, keepdims)


def _moment(name, x, axis, correction, keepdims):
    check_array(x, name)
    axes = norm_axes(axis, x.ndim, name)
    if not axes:        # each element alone: a one-sample statistic
        return _E[name](x.unsqueeze(-1), -1, correction=correction)
    return _E[name](x, axes, correction=correction, keepdim=keepdims)


def var(x, /, *, axis=None, correction=0.0, keepdims=False):
    """The variance along ``axis``: ``sum((x - mean)**2) / (N - correction)``."""
    return _moment("var", x, axis, correction, keepdims)


def std(x, /, *, axis=None, correction=0.0, keepdims=False):
    """The standard deviation along ``axis`` (the square root of ``var``)."""
    return _moment("std", x, axis, correction, keepdims)


def _cumulative(name, x, axis, dtype, include_initial):
    check_array(x, name)
    if axis is None:
        if x.ndim != 1:
            raise ValueError(f"{name}(): axis is required for arrays of {x.ndim} dimensions")
        axis = 0
    axis = norm_axis(axis, x.ndim, name)
    d = _acc_dtype(x, dtype, name)
    r = _E["cumsum" if name == "cumulative_sum" else "cumprod"](x, axis, dtype=d)
    if include_initial:
        shape = list(x._shape)
        shape[axis] = 1
        first = C.full(tuple(shape), 0 if name == "cumulative_sum" else 1, dtype=d,
                       device=x.device)
        r = _E["cat"]([first, r], axis)
    return r


def cumulative_sum(x, /, *, axis=None, dtype=None, include_initial=False):
    """Running sums along ``axis`` (which may be omitted for 1-D ``x``); with
    ``include_initial`` a leading zero (the empty sum) is included.

    Example::

        >>> xp.cumulative_sum(xp.asarray([1, 2, 3]), include_initial=True)
        tensor([0, 1, 3, 6])
    """
    return _cumulative("cumulative_sum", x, axis, dtype, include_initial)


def cumulative_prod(x, /, *, axis=None, dtype=None, include_initial=False):
    """Running products along ``axis``; with ``include_initial`` a leading one."""
    return _cumulative("cumulative_prod", x, axis, dtype, include_initial)


def _logical(name, x, axis, keepdims):
    check_array(x, name)
    axes = norm_axes(axis, x.ndim, name)
    if not axes:
        return x.to(D.bool_) if x._dtype is not D.bool_ else x.clone()
    r = _E[name](x, axes, keepdims)
    return r if r._dtype is D.bool_ else r.to(D.bool_)     # PyTorch keeps uint8 here


def all(x, /, *, axis=None, keepdims=False):  # noqa: A001
    """Whether every element along ``axis`` is true (non-zero)."""
    return _logical("all", x, axis, keepdims)


def any(x, /, *, axis=None, keepdims=False):  # noqa: A001
    """Whether any element along ``axis`` is true (non-zero)."""
    return _logical("any", x, axis, keepdims)


def diff(x, /, *, axis=-1, n=1, prepend=None, append=None):
    """The ``n``-th forward difference along ``axis``, after joining ``prepend`` and
    ``append`` (arrays) to ``x`` there; boolean arrays use ``!=``.

    Example::

        >>> xp.diff(xp.asarray([1, 4, 9, 16]))
        tensor([3, 5, 7])
    """
    check_array(x, "diff")
    if x.ndim == 0:
        raise ValueError("diff(): x must have at least one dimension")
    axis = norm_axis(axis, x.ndim, "diff")
    if not isinstance(n, int) or n < 0:
        raise ValueError(f"diff(): n must be a non-negative int, got {n!r}")
    parts = [p for p in (prepend, x, append) if p is not None]
    if len(parts) > 1:
        for p in parts:
            check_array(p, "diff", "prepend/append")
        d = common_dtype(*(p._dtype for p in parts))
        x = _E["cat"]([p.to(d) for p in parts], axis)
    for _ in range(n):
        m = x._shape[axis]
        if m == 0:
            break
        hi, lo = x.narrow(axis, 1, m - 1), x.narrow(axis, 0, m - 1)
        x = hi != lo if x._dtype is D.bool_ else hi - lo
    return x

