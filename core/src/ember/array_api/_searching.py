"""Searching, sorting, set and indexing functions of the Array API."""

from __future__ import annotations

from typing import NamedTuple

from .. import _creation as C
from .. import _dtype as D
from .._ops._reg import EXPORTS as _E
from .._tensor import Tensor
from ._helpers import check_array, norm_axes, norm_axis, operands

__all__ = ["argmax", "argmin", "argsort", "count_nonzero", "isin", "nonzero", "searchsorted",
           "sort", "take", "take_along_axis", "unique_all", "unique_counts", "unique_inverse",
           "unique_values", "where"]


class UniqueAllResult(NamedTuple):
    values: Tensor
    indices: Tensor
    inverse_indices: Tensor
    counts: Tensor


class UniqueCountsResult(NamedTuple):
    values: Tensor
    counts: Tensor


class UniqueInverseResult(NamedTuple):
    values: Tensor
    inverse_indices: Tensor


def _arg(name, x, axis, keepdims):
    check_array(x, name)
    fn = _E[name]
    if axis is None:
        r = fn(x.reshape(-1), 0)
        return r.reshape((1,) * x.ndim) if keepdims else r
    return fn(x, norm_axis(axis, x.ndim, name), keepdims)


def argmax(x, /, *, axis=None, keepdims=False):
    """Index of the first maximum (of the flattened array when ``axis`` is None); int64."""
    return _arg("argmax", x, axis, keepdims)


def argmin(x, /, *, axis=None, keepdims=False):
    """Index of the first minimum (of the flattened array when ``axis`` is None); int64."""
    return _arg("argmin", x, axis, keepdims)


def count_nonzero(x, /, *, axis=None, keepdims=False):
    """How many elements are non-zero along ``axis`` (all axes when None); int64."""
    check_array(x, "count_nonzero")
    axes = norm_axes(axis, x.ndim, "count_nonzero")
    nz = x != 0
    if not axes:
        return nz.to(D.int64)
    return nz.sum(dim=axes, keepdim=keepdims, dtype=D.int64)


def nonzero(x, /):
    """The indices of the non-zero elements: a tuple of one int64 array per axis."""
    check_array(x, "nonzero")
    if x.ndim == 0:
        raise ValueError("nonzero(): zero-dimensional arrays are not allowed; use "
                         "nonzero(expand_dims(x)) for the 1-element case")
    return tuple(_E["nonzero"](x, as_tuple=True))


def searchsorted(x1, x2, /, *, side="left", sorter=None):
    """Insertion positions of ``x2``'s values in the sorted 1-D ``x1`` (``side="left"``: the
    first suitable position, ``"right"``: the last); int64, shape of ``x2``.

    Example::

        >>> xp.searchsorted(xp.asarray([1., 2., 3.]), xp.asarray([2., 9.]))
        tensor([1, 3])
    """
    check_array(x1, "searchsorted", "x1")
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted(): side must be 'left' or 'right', got {side!r}")
    if x1.ndim != 1:
        raise ValueError(f"searchsorted(): x1 must be one-dimensional, got shape "
                         f"{tuple(x1._shape)}")
    a, b = operands(x1, x2, "searchsorted")
    if sorter is not None:
        check_array(sorter, "searchsorted", "sorter")
        a = a[sorter]
    return _E["searchsorted"](a, b, side=side)


def where(condition, x1, x2, /):
    """``x1`` where ``condition`` is true, else ``x2`` (arrays or Python scalars, promoted
    to their common dtype), broadcast together."""
    check_array(condition, "where", "condition")
    a, b = operands(x1, x2, "where")
    if condition._dtype is not D.bool_:
        condition = condition.to(D.bool_)
    return _E["where"](condition, a, b)


def sort(x, /, *, axis=-1, descending=False, stable=True):
    """``x`` sorted along ``axis`` (NaN last; stable by default, equal elements keep their
    order in both directions)."""
    check_array(x, "sort")
    if x.ndim == 0:
        return x.clone()
    return _E["sort"](x, norm_axis(axis, x.ndim, "sort"), descending, stable)[0]


def argsort(x, /, *, axis=-1, descending=False, stable=True):
    """The indices that sort ``x`` along ``axis`` (int64)."""
    check_array(x, "argsort")
    if x.ndim == 0:
        return C.zeros((), dtype=D.int64, device=x.device)
    return _E["argsort"](x, norm_axis(axis, x.ndim, "argsort"), descending, stable)


def take(x, indices, /, *, axis=None):
    """The elements of ``x`` at the 1-D integer ``indices`` (negative ones count from the
    end) along ``axis``, which may be omitted for one-dimensional ``x``."""
    check_array(x, "take")
    check_array(indices, "take", "indices")
    if axis is None:
        if x.ndim != 1:
            raise ValueError(f"take(): axis is required for arrays of {x.ndim} dimensions")
        axis = 0
    axis = norm_axis(axis, x.ndim, "take")
    idx = _wrap_negative(indices, x._shape[axis], "take")
    return _E["index_select"](x, axis, idx)


def take_along_axis(x, indices, /, *, axis=-1):
    """``x``'s elements picked along ``axis`` at ``indices`` (same rank as ``x``,
    broadcastable elsewhere; negative indices count from the end)."""
    check_array(x, "take_along_axis")
    check_array(indices, "take_along_axis", "indices")
    axis = norm_axis(axis, x.ndim, "take_along_axis")
    idx = _wrap_negative(indices, x._shape[axis], "take_along_axis")
    return _E["take_along_dim"](x, idx, axis)


def _wrap_negative(idx, n, op):
    if idx._dtype.is_floating_point or idx._dtype.is_complex or idx._dtype is D.bool_:
        raise TypeError(f"{op}(): indices must have an integer dtype, got {idx._dtype}")
    idx = idx.to(D.int64)
    return _E["where"](idx < 0, idx + n, idx)


# -- set functions: one stable sort, run boundaries, NaNs distinct ---------------------------

def _sorted_runs(x, op):
    """``(perm, sorted, starts, group)`` of the flattened ``x``: the stable sorting
    permutation, the sorted values, the start of each run of equal values, and each sorted
    element's run number. NaN never equals NaN, so every NaN is its own run."""
    flat = x.reshape(-1)
    if flat._dtype.is_complex:
        re, im = _E["real"](flat), _E["imag"](flat)
        perm = _E["argsort"](im, 0, False, True)
        perm = perm[_E["argsort"](re[perm], 0, False, True)]
    else:
        perm = _E["argsort"](flat, 0, False, True)
    s = flat[perm]
    n = s._shape[0]
    new = C.ones(n, dtype=D.bool_, device=x.device)
    if n > 1:
        new[1:] = s[1:] != s[:-1]
    starts = _E["nonzero"](new, as_tuple=True)[0]
    group = new.to(D.int64).cumsum(0) - 1
    return perm, s, starts, group


def _counts(starts, n):
    ends = _E["cat"]([starts[1:], C.full((1,), n, dtype=D.int64, device=starts.device)])
    return ends - starts


def _inverse(x, perm, group):
    inv = C.empty(perm._shape, dtype=D.int64, device=x.device)
    inv[perm] = group
    return inv.reshape(x._shape)


def unique_values(x, /):
    """The distinct values of ``x``, sorted (flattened; every NaN is distinct)."""
    check_array(x, "unique_values")
    _, s, starts, _ = _sorted_runs(x, "unique_values")
    return s[starts]


def unique_counts(x, /):
    """``(values, counts)``: the distinct values and how often each occurs."""
    check_array(x, "unique_counts")
    _, s, starts, _ = _sorted_runs(x, "unique_counts")
    return UniqueCountsResult(s[starts], _counts(starts, s._shape[0]))


def unique_inverse(x, /):
    """``(values, inverse_indices)``: ``values[inverse_indices]`` rebuilds ``x`` (the
    indices have ``x``'s shape)."""
    check_array(x, "unique_inverse")
    perm, s, starts, group = _sorted_runs(x, "unique_inverse")
    return UniqueInverseResult(s[starts], _inverse(x, perm, group))


def unique_all(x, /):
    """``(values, indices, inverse_indices, counts)``; ``indices`` are the flat positions of
    each value's first occurrence.

    Example::

        >>> xp.unique_all(xp.asarray([3, 1, 3])).counts
        tensor([1, 2])
    """
    check_array(x, "unique_all")
    perm, s, starts, group = _sorted_runs(x, "unique_all")
    return UniqueAllResult(s[starts], perm[starts], _inverse(x, perm, group),
                           _counts(starts, s._shape[0]))


def isin(x1, x2, /, *, invert=False):
    """Whether each element of ``x1`` occurs in ``x2`` (NaN never does); bool, ``x1``'s
    shape. One of them may be a Python scalar."""
    a, b = operands(x1, x2, "isin")
    s = b.reshape(-1)
    if s._shape[0] == 0:
        out = C.zeros(a._shape, dtype=D.bool_, device=a.device)
    else:
        s = _E["sort"](s, 0, False, False)[0]
        pos = _E["searchsorted"](s, a).clamp(max=s._shape[0] - 1)
        out = s[pos] == a
    return ~out if invert else out

