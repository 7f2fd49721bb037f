"""Sorting and selection: ``sort argsort msort topk kthvalue searchsorted bucketize``, and
the selection machinery the reductions share (``gather``/``scatter_add`` along a dim as
private Functions, a reversal along a dim, cumulative max/min scans).

NOTE [selection gradients]: an op whose values are entries of its input picked by indices
(``sort``, ``topk``, ``kthvalue``, ``max(dim)``, ``median(dim)``, ``mode``, ``cummax``)
computes the indices without autograd and then *gathers* the values with ``_Gather``, whose
backward scatter-adds the gradient to those indices. Each op subclasses ``_Gather`` only to
carry PyTorch's node name (``SortBackward0``, ...). Second derivatives come for free: the
backward of a gather is a scatter-add whose backward is a gather.
"""

from __future__ import annotations

from .. import _dtype as D
from .. import return_types as RT
from .._tensor import Tensor, _from_native, _wrap_dim
from ..autograd.grad_mode import no_grad
from ._reg import export
from .core import Op, write_out, _check_same_device
from .indexing import ScatterAdd

__all__ = ["sort", "argsort", "msort", "topk", "kthvalue", "searchsorted", "bucketize"]


# -- shared helpers -------------------------------------------------------------------------

def _wrap(arr, like, dtype=None):
    st = like._storage
    return _from_native(arr, st._be, st.device, dtype)


def _zeros(shape, dtype, like):
    st = like._storage
    return _from_native(st._be.full(tuple(shape), 0, dtype, st.device.index), st._be,
                        st.device, dtype)


def _arange_native(like, n):
    st = like._storage
    return st._be.arange(n, D.int64, st.device.index)


def _axis_key(ndim, axis, sl):
    """A getitem key selecting ``sl`` along ``axis`` and everything elsewhere."""
    return (slice(None),) * axis + (sl,) + (slice(None),) * (ndim - axis - 1)


def _positions(like, shape, axis):
    """A native int64 array of ``shape`` holding each element's position along ``axis``."""
    st = like._storage
    be = st._be
    key = tuple(slice(None) if i == axis else None for i in range(len(shape)))
    pos = be.getitem(_arange_native(like, shape[axis]), key)
    return be.add(be.full(tuple(shape), 0, D.int64, st.device.index), pos)


def _no_complex(x, op):
    if x._dtype.is_complex:
        raise RuntimeError(f"{op}(): complex inputs are not supported (got {x._dtype}); "
                           f"{op} needs an ordering: pass x.real or x.abs()")


def _out_pair(res, out, cls):
    """Write a (values, indices) result into a user ``out=(values, indices)`` pair."""
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise TypeError(f"out= must be a tuple of two tensors (values, indices), got "
                        f"{type(out).__name__}")
    return cls(write_out(res[0], out[0]), write_out(res[1], out[1]))


class _Gather(Op):
    """``out = x`` gathered along ``dim`` at ``idx`` (``take_along_axis``); see
    NOTE [selection gradients]."""

    _node_name = "GatherBackward0"

    @staticmethod
    def forward(ctx, x, idx, dim, squeeze=False):
        ctx.shape, ctx.dim, ctx.squeeze = x._shape, dim, squeeze
        ctx.save_for_backward(idx)
        be = x._storage._be
        r = be.take_along_axis(x._data, idx._data, dim)
        if squeeze:                     # ``idx`` has size 1 in ``dim``: drop that dim
            r = be.getitem(r, _axis_key(len(x._shape), dim, 0))
        return r

    @staticmethod
    def backward(ctx, g):
        (idx,) = ctx.saved_tensors
        if ctx.squeeze:
            g = g.unsqueeze(ctx.dim)
        z = _zeros(ctx.shape, g._dtype, g)
        return ScatterAdd.apply(z, ctx.dim, idx, g), None, None, None


def _named(name):
    return type(name, (_Gather,), {"_node_name": name + "Backward0"})


_SortValues = _named("Sort")
_TopkValues = _named("Topk")
_KthvalueValues = _named("Kthvalue")


class _Flip(Op):
    """Reverse along ``dim`` (a copy); its own backward."""

    _node_name = "FlipBackward0"

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        be = x._storage._be
        n = x._shape[dim]
        rev = be.sub(n - 1, _arange_native(x, n))
        return be.take(x._data, rev, dim)

    @staticmethod
    def backward(ctx, g):
        return _Flip.apply(g, ctx.dim), None


def flip_dim(x, dim):
    return _Flip.apply(x, dim)


def cum_extreme_native(x, axis, largest):
    """``(values, indices)`` natives of the cumulative max (``largest``) or min of tensor
    ``x`` along ``axis``, by a log-depth scan. On ties the later index wins and NaN
    propagates (the index then follows the latest NaN), as PyTorch's cummax/cummin."""
    be = x._storage._be
    shape = x._shape
    v = be.copy(x._data)
    n = shape[axis]
    nd = len(shape)
    idx = _positions(x, shape, axis)
    floating = x._dtype.is_floating_point
    k = 1
    while k < n:
        # combine each position with the one k before it; the combined slices are computed
        # in full before they are written back, so updating in place is safe
        early = _axis_key(nd, axis, slice(0, n - k))
        late = _axis_key(nd, axis, slice(k, n))
        ve, vl = be.getitem(v, early), be.getitem(v, late)
        take = be.ge(vl, ve) if largest else be.le(vl, ve)
        if floating:
            take = be.logical_or(take, be.isnan(vl))
        nv = be.where(take, vl, ve)
        ni = be.where(take, be.getitem(idx, late), be.getitem(idx, early))
        be.setitem(v, late, nv, False)
        be.setitem(idx, late, ni, False)
        k *= 2
    return v, idx


def sort_indices(x, dim, descending=False, stable=True):
    """The int64 tensor of indices that sort ``x`` along ``dim`` (NaN last ascending, first
    descending). ``x`` has at least one dimension."""
    be = x._storage._be
    _, ni = be.sort(x._data, dim, descending, stable)
    return _wrap(ni, x, D.int64)


def _select_along(idx, dim, start, stop):
    be = idx._storage._be
    return _wrap(be.getitem(idx._data, _axis_key(idx.dim(), dim, slice(start, stop))), idx,
                 D.int64)


# -- sort / argsort / msort -----------------------------------------------------------------

@export("sort")
def sort(input, dim=-1, descending=False, stable=False, *, out=None):
    """Sort along ``dim``: ``(values, indices)`` (``ember.return_types.sort``), both of
    ``input``'s shape, with ``input.gather(dim, indices) == values``. NaN sorts as the
    largest value. ``stable=True`` keeps equal elements in their original order.

    Example: ``ember.sort(ember.tensor([3., 1., 2.]))`` is
    ``(values=tensor([1., 2., 3.]), indices=tensor([1, 2, 0]))``."""
    _no_complex(input, "sort")
    if input.dim() == 0:
        _wrap_dim(dim, 0, "sort")
        res = RT.sort(input.clone(), _zeros((), D.int64, input))
    else:
        d = _wrap_dim(dim, input.dim(), "sort")
        with no_grad():
            idx = sort_indices(input, d, bool(descending), bool(stable))
        res = RT.sort(_SortValues.apply(input, idx, d), idx)
    return _out_pair(res, out, RT.sort) if out is not None else res


@export("argsort")
def argsort(input, dim=-1, descending=False, stable=False):
    """The indices that sort ``input`` along ``dim`` (int64, ``input``'s shape)."""
    _no_complex(input, "argsort")
    if input.dim() == 0:
        _wrap_dim(dim, 0, "argsort")
        return _zeros((), D.int64, input)
    d = _wrap_dim(dim, input.dim(), "argsort")
    return sort_indices(input, d, bool(descending), bool(stable))


@export("msort")
def msort(input, *, out=None):
    """``input`` sorted along its first dimension (the values of ``sort(input, 0)``)."""
    r = sort(input, 0).values
    return write_out(r, out) if out is not None else r


# -- topk / kthvalue --------------------------------------------------------------------------

@export("topk")
def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):
    """The ``k`` largest (or, with ``largest=False``, smallest) entries along ``dim``:
    ``(values, indices)``, each with size ``k`` in ``dim``. Results are always in sorted
    order (``sorted=False`` allows any order; ember returns the sorted one). NaN counts as
    the largest value.

    Example: ``ember.topk(ember.tensor([1., 5., 3.]), 2)`` is ``(values=[5., 3.],
    indices=[1, 2])``."""
    _no_complex(input, "topk")
    n = input._shape[_wrap_dim(dim, input.dim(), "topk")] if input.dim() else 1
    k = int(k)
    if k < 0 or k > n:
        raise RuntimeError(f"selected index k out of range: topk() got k={k} for a dimension "
                           f"of size {n}; k must be in [0, {n}]")
    if input.dim() == 0:                # PyTorch returns the scalar itself, even for k=0
        res = RT.topk(input.clone(), _zeros((), D.int64, input))
    else:
        d = _wrap_dim(dim, input.dim(), "topk")
        with no_grad():
            idx = _select_along(sort_indices(input, d, bool(largest), True), d, 0, k)
        res = RT.topk(_TopkValues.apply(input, idx, d), idx)
    return _out_pair(res, out, RT.topk) if out is not None else res


@export("kthvalue")
def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    """The ``k``-th smallest entry (1-based) along ``dim``: ``(values, indices)``, ``dim``
    removed unless ``keepdim``.

    Example: ``ember.kthvalue(ember.tensor([3., 1., 2.]), 2)`` is
    ``(values=tensor(2.), indices=tensor(2))``."""
    _no_complex(input, "kthvalue")
    d = _wrap_dim(dim, input.dim(), "kthvalue")
    n = input._shape[d] if input.dim() else 1
    k = int(k)
    if k < 1 or k > n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d} "
                           f"(k={k}, size {n}); k must be in [1, {n}]")
    if input.dim() == 0:
        res = RT.kthvalue(input.clone(), _zeros((), D.int64, input))
    else:
        with no_grad():
            idx = _select_along(sort_indices(input, d, False, True), d, k - 1, k)
        vals = _KthvalueValues.apply(input, idx, d, not keepdim)
        res = RT.kthvalue(vals, idx if keepdim else idx.squeeze(d))
    return _out_pair(res, out, RT.kthvalue) if out is not None else res


# -- searchsorted / bucketize ----------------------------------------------------------------

def _count_before(be, s, v, right):
    """For 2-D natives ``s`` (R, N) (each row sorted) and ``v`` (R, M) of one dtype:
    the number of row entries ``< v`` (``<= v`` when ``right``), as int64 (R, M).

    One stable sort of each row of ``[v, s]`` (``[s, v]`` for ``right``) merges the
    two; counting boundaries before each value in the merged order answers every query."""
    R, N = s.shape
    M = v.shape[1]
    parts = [s, v] if right else [v, s]
    merged = be.concat(parts, 1)
    _, order = be.sort(merged, 1, False, True)
    is_b = be.ge(order, M) if not right else be.lt(order, N)
    nb = be.cumsum(be.astype(is_b, D.int64), 1)
    zeros = be.sub(order, order)          # int64 zeros of the merged shape, same device
    full = be.scatter(zeros, order, nb, 1, None)
    key = (slice(None), slice(N, N + M)) if right else (slice(None), slice(0, M))
    return be.getitem(full, key)


@export("searchsorted", method=False)
def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 sorter=None, out=None):
    """Insertion points of ``input``'s values into ``sorted_sequence`` (sorted along its last
    dimension) that keep it sorted: the first position ``i`` with ``seq[i] >= v`` (``side=
    'left'``), or ``> v`` (``right=True`` / ``side='right'``). ``sorted_sequence`` is 1-D, or
    its leading dims equal ``input``'s; ``sorter`` sorts an unsorted sequence. Result: int64
    (int32 with ``out_int32``) of ``input``'s shape.

    Example: ``ember.searchsorted(ember.tensor([1., 3., 5.]), ember.tensor([3., 4.]))`` is
    ``tensor([1, 2])``."""
    seq = sorted_sequence
    if not isinstance(seq, Tensor):
        raise TypeError(f"searchsorted(): sorted_sequence must be a Tensor, got "
                        f"{type(seq).__name__}")
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but "
                               f"got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to "
                               "opposites, got side of left while right was True")
        right = side == "right"
    scalar = not isinstance(input, Tensor)
    if scalar:
        if seq.dim() != 1:
            raise RuntimeError(f"torch.searchsorted(): input value can be a scalar only when "
                               f"boundaries tensor dimension is 1, but we got boundaries "
                               f"tensor dim({seq.dim()})")
        from .._creation import tensor
        input = tensor(input, device=seq.device)
    _check_same_device("searchsorted", seq, input)
    if seq.dim() == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive "
                           "dimension, but got 0 dimension")
    if seq.dim() > 1 and seq._shape[:-1] != input._shape[:-1]:
        raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or "
                           f"the first N-1 dimensions of boundaries tensor and input value "
                           f"tensor must match, but we got boundaries tensor "
                           f"{list(seq._shape)} and input value tensor {list(input._shape)}")
    _no_complex(seq, "searchsorted")
    _no_complex(input, "searchsorted")
    if sorter is not None:
        if sorter._dtype is not D.int64 or sorter._shape != seq._shape:
            raise RuntimeError(f"torch.searchsorted(): sorter must be an int64 tensor of the "
                               f"boundaries' shape {list(seq._shape)}, got {sorter._dtype} "
                               f"{list(sorter._shape)}")
        seq = _wrap(seq._storage._be.take_along_axis(seq._data, sorter._data, seq.dim() - 1),
                    seq)
    dt = D.promote_types(seq._dtype, input._dtype)
    s = seq.detach().to(dt)
    v = input.detach().to(dt)
    n = s._shape[-1]
    if s.dim() == 1:
        s2, v2 = s.reshape(1, n), v.reshape(1, v.numel())
    else:
        rows = 1
        for m in s._shape[:-1]:
            rows *= m
        s2, v2 = s.reshape(rows, n), v.reshape(rows, v._shape[-1])
    r = _count_before(s._storage._be, s2._data, v2._data, bool(right))
    res = _wrap(r, s, D.int64).reshape(input._shape)
    if out_int32:
        res = res.to(D.int32)
    return write_out(res, out) if out is not None else res


@export("bucketize", method=False)
def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    """The bucket of each value of ``input`` for the 1-D increasing ``boundaries``: ``i`` with
    ``boundaries[i-1] < v <= boundaries[i]`` (``right=True``: ``boundaries[i-1] <= v <
    boundaries[i]``). Shape of ``input``; int64 (int32 with ``out_int32``).

    Example: ``ember.bucketize(ember.tensor([1., 4.]), ember.tensor([1., 3., 5.]))`` is
    ``tensor([0, 2])``."""
    if not isinstance(boundaries, Tensor) or boundaries.dim() != 1:
        dim = boundaries.dim() if isinstance(boundaries, Tensor) else "?"
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({dim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)
