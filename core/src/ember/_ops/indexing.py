"""Indexing ops: ``gather``, ``scatter`` (and ``_add``/``_reduce``), ``index_select``,
``index_add``/``index_copy``/``index_fill``, ``masked_select``/``masked_scatter``,
``take``/``take_along_dim``/``put``, ``nonzero``/``argwhere``.

Forward passes lower to the backend's ``take``, ``take_along_axis``, ``scatter``,
``getitem``/``setitem`` and ``nonzero``; every backward is written with these same ember ops
(gather <-> scatter_add, index_select <-> index_add), so gradients are differentiable again.
Index tensors are checked up front: an index out of range raises a ``RuntimeError`` (or
``IndexError`` where PyTorch raises one) naming the index, the dimension and its size.
"""

from __future__ import annotations

from .. import _dtype as D
from .._tensor import Tensor, _wrap_dim, _from_native, _contig_strides
from .core import (Op, write_out, _check_same_device, _inplace, _ScatterGeom, _tname,
                   broadcast_shapes, IndexPut, IndexAdv, narrow)
from ._reg import export

__all__ = ["gather", "scatter", "scatter_add", "scatter_reduce", "index_select", "index_add",
           "index_copy", "index_fill", "masked_select", "masked_scatter", "take",
           "take_along_dim", "put", "nonzero", "argwhere"]

_INT = (D.int64, D.int32, D.int16, D.int8, D.uint8)


# -- checks -----------------------------------------------------------------------------------

def _index_dtype(op, index, allowed=(D.int64, D.int32)):
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index._dtype not in allowed:
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index, but got "
                           f"{_tname(index._dtype)}; convert it with .long()")


def _extremes(t):
    """(min, max) of an integer tensor as Python ints (via the backend's reductions)."""
    st = t._storage
    be = st._be
    lo = _from_native(be.min(t._data, None, False), be, st.device).item()
    hi = _from_native(be.max(t._data, None, False), be, st.device).item()
    return int(lo), int(hi)


def _check_range(op, index, size, dim, negative=False, exc=RuntimeError):
    """Every entry in [0, size) (or [-size, size) with ``negative``)."""
    if index.numel() == 0:
        return
    lo, hi = _extremes(index)
    low = -size if negative else 0
    if hi >= size or lo < low:
        bad = hi if hi >= size else lo
        raise exc(f"{op}(): index {bad} is out of bounds for dimension {dim} with size {size}")


def _wrap_neg(index, size):
    """Negative indices counted from the end (int64)."""
    idx = index.to(D.int64)
    if idx.numel() and _extremes(idx)[0] < 0:
        idx = idx + (idx < 0).to(D.int64) * size
    return idx


def _same_dtype(op, x, src, what="src"):
    if x._dtype is not src._dtype:
        raise RuntimeError(f"{op}(): Expected self.dtype to be equal to {what}.dtype (got "
                           f"{_tname(x._dtype)} and {_tname(src._dtype)}); convert one with "
                           f".to(dtype)")


def _as_1d_dim(x, dim, op):
    """(tensor with >= 1 dim, dim, was 0-d)"""
    if x.dim() == 0:
        _wrap_dim(dim, 0, op)
        return x.reshape(1), 0, True
    return x, _wrap_dim(dim, x.dim(), op), False


def _pad_to(t, shape):
    """``t`` written into the leading corner of zeros(shape) (differentiable)."""
    if t._shape == tuple(shape):
        return t
    return _ScatterGeom.apply(t, tuple(shape), (t._shape, _contig_strides(tuple(shape)), 0))


def _corner(x, shape, skip):
    """View of ``x`` cut to ``shape`` in every dimension except ``skip``."""
    for d, n in enumerate(shape):
        if d != skip and x._shape[d] != n:
            x = narrow(x, d, 0, n)
    return x


def _check_scatter_shapes(op, x, dim, index, src):
    nd = max(x.dim(), 1)
    if index.dim() != x.dim() and not (index.dim() <= 1 and x.dim() <= 1):
        raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as "
                           f"self tensor (index {list(index._shape)}, self {list(x._shape)})")
    if isinstance(src, Tensor) and src.dim() != index.dim() and not (
            src.dim() <= 1 and index.dim() <= 1):
        raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as "
                           f"src tensor (index {list(index._shape)}, src {list(src._shape)})")
    ishape = index._shape or (1,)
    xshape = x._shape or (1,)
    for d in range(min(nd, len(ishape))):
        if d != dim and ishape[d] > xshape[d]:
            raise RuntimeError(f"{op}(): Expected index {list(index._shape)} to be smaller than "
                               f"self {list(x._shape)} apart from dimension {dim}")
        if isinstance(src, Tensor) and src.dim() and ishape[d] > src._shape[d]:
            raise RuntimeError(f"{op}(): Expected index {list(index._shape)} to be smaller than "
                               f"src {list(src._shape)} in every dimension")


# -- gather / scatter -------------------------------------------------------------------------

class Gather(Op):
    """``out[i][j] = x[index[i][j]][j]`` along ``dim`` (inputs at least 1-D, int64 index)."""

    _node_name = "GatherBackward0"

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.shape, ctx.dim = x._shape, dim
        ctx.save_for_backward(index)
        xs = _corner(x, index._shape, dim)
        return x._storage._be.take_along_axis(xs._data, index._data, dim)

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        from .._creation import zeros
        z = zeros(ctx.shape, dtype=g._dtype, device=g.device)
        return ScatterAdd.apply(z, ctx.dim, index, g), None, None


class ScatterAdd(Op):
    """A copy of ``x`` with ``src`` (cut to ``index``'s shape) added at ``index`` along dim."""

    _node_name = "ScatterAddBackward0"

    @staticmethod
    def forward(ctx, x, dim, index, src):
        ctx.dim, ctx.src_shape = dim, src._shape
        ctx.save_for_backward(index)
        return x._storage._be.scatter(x._data, index._data, src._data, dim, "sum")

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        gs = None
        if ctx.needs_input_grad[3]:
            gs = _pad_to(Gather.apply(g, ctx.dim, index), ctx.src_shape)
        return g, None, None, gs


class Scatter(Op):
    """A copy of ``x`` with ``src`` (a tensor or a scalar) written at ``index`` along dim;
    ``reduce`` None (overwrite), "sum" or "prod" (the legacy ``reduce=`` of ``scatter``)."""

    _node_name = "ScatterBackward0"

    @staticmethod
    def forward(ctx, x, dim, index, src, reduce):
        ctx.dim, ctx.reduce = dim, reduce
        ctx.src_shape = src._shape if isinstance(src, Tensor) else None
        ctx.save_for_backward(index)
        s = src._data if isinstance(src, Tensor) else src
        return x._storage._be.scatter(x._data, index._data, s, dim, reduce)

    @staticmethod
    def backward(ctx, g):
        if ctx.reduce == "prod":
            raise RuntimeError("the derivative of scatter with reduce='multiply' is not "
                               "implemented (as in PyTorch); use scatter_reduce(..., "
                               "reduce='prod'), which is differentiable")
        (index,) = ctx.saved_tensors
        gx = g if ctx.reduce == "sum" else Scatter.apply(g, ctx.dim, index, 0, None)
        gs = None
        if ctx.src_shape is not None and ctx.needs_input_grad[3]:
            gs = _pad_to(Gather.apply(g, ctx.dim, index), ctx.src_shape)
        return gx, None, None, gs, None


def _prep_scatter(op, input, dim, index, src=None):
    _index_dtype(op, index)
    _check_same_device(op, input, index, src if isinstance(src, Tensor) else None)
    x, d, zero_d = _as_1d_dim(input, dim, op)
    idx = index.reshape(1) if index.dim() == 0 else index
    if isinstance(src, Tensor):
        _same_dtype(op, input, src)
        s = src.reshape(1) if src.dim() == 0 else src
    else:
        s = src
    _check_scatter_shapes(op, x, d, idx, s)
    _check_range(op, idx, x._shape[d], d)
    return x, d, idx.to(D.int64), s, zero_d


def _finish(r, input, zero_d, out=None):
    if zero_d:
        r = r.reshape(())
    return write_out(r, out) if out is not None else r


@export("gather")
def gather(input, dim, index, *, sparse_grad=False, out=None):
    """Values of ``input`` along ``dim`` at ``index``: ``out[i][j] = input[index[i][j]][j]``
    for ``dim=0``. ``index`` has ``input``'s number of dimensions and is no larger than it
    outside ``dim``; the result has ``index``'s shape.

    Example::

        >>> ember.tensor([[1, 2], [3, 4]]).gather(1, ember.tensor([[0, 0], [1, 0]]))
        tensor([[1, 1],
                [4, 3]])
    """
    x, d, idx, _, zero_d = _prep_scatter("gather", input, dim, index)
    if idx.dim() != x.dim():
        idx = idx.reshape(idx._shape + (1,) * (x.dim() - idx.dim()))
    r = Gather.apply(x, d, idx)
    if r._shape != index._shape:        # 0-d index (or 0-d input): the result is 0-d
        r = r.reshape(index._shape)
    return write_out(r, out) if out is not None else r


_LEGACY_REDUCE = {None: None, "add": "sum", "multiply": "prod"}


@export("scatter")
def scatter(input, dim, index, src=None, value=None, *, reduce=None, out=None):
    """A copy of ``input`` with ``src`` (a tensor, cut to ``index``'s shape, or a scalar
    ``value``) written at ``index`` along ``dim``: ``out[index[i][j]][j] = src[i][j]`` for
    ``dim=0``. ``reduce="add"``/``"multiply"`` combines instead of overwriting (prefer
    ``scatter_reduce``). With repeated indices and no reduction the value written is one of
    the candidates, as in PyTorch.

    Example::

        >>> ember.zeros(3).scatter(0, ember.tensor([2, 0]), ember.tensor([5., 6.]))
        tensor([6., 0., 5.])
    """
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter(): expected a src tensor or a scalar value")
    if reduce not in _LEGACY_REDUCE:
        raise RuntimeError(f"reduce argument must be either add or multiply, got {reduce!r}")
    if isinstance(src, Tensor) and src.dim() == 0 and index.dim() > 0 and input.dim() > 0:
        src = src.item() if not (src._rg) else src.expand(index._shape)
    x, d, idx, s, zero_d = _prep_scatter("scatter", input, dim, index, src)
    return _finish(Scatter.apply(x, d, idx, s, _LEGACY_REDUCE[reduce]), input, zero_d, out)


@export("scatter_", function=False)
def scatter_(self, dim, index, src=None, value=None, *, reduce=None):
    """In-place ``scatter``."""
    if src is None:
        src = value
    return _inplace(self, lambda s: scatter(s, dim, index, src, reduce=reduce),
                    src if isinstance(src, Tensor) else None)


@export("scatter_add")
def scatter_add(input, dim, index, src, *, out=None):
    """A copy of ``input`` with ``src`` added at ``index`` along ``dim``; repeated indices
    accumulate. ``out[index[i][j]][j] += src[i][j]`` for ``dim=0``.

    Example::

        >>> ember.zeros(3).scatter_add(0, ember.tensor([0, 0, 2]), ember.ones(3))
        tensor([2., 0., 1.])
    """
    x, d, idx, s, zero_d = _prep_scatter("scatter_add", input, dim, index, src)
    return _finish(ScatterAdd.apply(x, d, idx, s), input, zero_d, out)


@export("scatter_add_", function=False)
def scatter_add_(self, dim, index, src):
    """In-place ``scatter_add``."""
    return _inplace(self, lambda s: scatter_add(s, dim, index, src), src)


class ScatterReduce(Op):
    """``scatter_reduce`` with ``reduce`` in sum/prod/mean/amax/amin and ``include_self``."""

    _node_name = "ScatterReduceBackward0"

    @staticmethod
    def forward(ctx, x, dim, index, src, reduce, include_self):
        be = x._storage._be
        ctx.dim, ctx.reduce, ctx.incl, ctx.src_shape = dim, reduce, include_self, src._shape
        srcs = _corner(src, index._shape, None)
        xd, idx, sd = x._data, index._data, srcs._data
        if not include_self:
            if reduce in ("amax", "amin"):
                # touched entries first take one of their own candidates: max/min unchanged
                xd = be.scatter(xd, idx, sd, dim, None)
            else:
                xd = be.scatter(xd, idx, 1 if reduce == "prod" else 0, dim, None)
        if reduce == "mean":
            s = be.scatter(xd, idx, sd, dim, "sum")
            base = be.full(x._shape, 1 if include_self else 0, x._dtype, x.device.index)
            cnt = be.clip(be.scatter(base, idx, 1, dim, "sum"), 1, None)
            r = be.floor_divide(s, cnt) if x._dtype in _INT else be.div(s, cnt)
        else:
            r = be.scatter(xd, idx, sd, dim, reduce)
        if r.dtype != xd.dtype:
            r = be.astype(r, x._dtype)
        out = _from_native(r, be, x.device, x._dtype)
        ctx.save_for_backward(x, index, srcs, out)
        return out

    @staticmethod
    def backward(ctx, g):
        from .._creation import zeros, ones
        where = _where()
        x, index, src, out = ctx.saved_tensors
        dim, red, incl = ctx.dim, ctx.reduce, ctx.incl
        cnt = ScatterAdd.apply(zeros(x._shape, dtype=g._dtype, device=g.device), dim, index,
                               ones(index._shape, dtype=g._dtype, device=g.device))
        touched = cnt > 0
        zero = zeros((), dtype=g._dtype, device=g.device)
        if red == "sum":
            gx = g if incl else where(touched, zero, g)
            gs = Gather.apply(g, dim, index)
        elif red == "mean":
            n = (cnt + 1) if incl else cnt.clamp(min=1)
            gx = g / n if incl else where(touched, zero, g)
            gs = Gather.apply(g / n, dim, index)
        elif red in ("amax", "amin"):
            self_hit = (x == out) if incl else ~touched
            src_hit = src == Gather.apply(out, dim, index)
            n = self_hit.to(g._dtype) + ScatterAdd.apply(
                zeros(x._shape, dtype=g._dtype, device=g.device), dim, index,
                src_hit.to(g._dtype))
            gn = g / n
            gx = where(self_hit, gn, zero)
            gs = where(src_hit, Gather.apply(gn, dim, index), zero)
        else:   # prod
            one = ones((), dtype=g._dtype, device=g.device)
            if incl:
                p_src = ScatterReduce.apply(ones(x._shape, dtype=g._dtype, device=g.device),
                                            dim, index, src, "prod", True)
                gx = g * p_src
                base = x
            else:
                gx = where(touched, zero, g)
                base = ones(x._shape, dtype=g._dtype, device=g.device)
            # product of the other contributions, without dividing by zero
            src0 = src == 0
            nz = where(base == 0, one, base)
            p_nz = ScatterReduce.apply(nz, dim, index, where(src0, one, src), "prod", True)
            zeros_at = (base == 0).to(g._dtype) + ScatterAdd.apply(
                zeros(x._shape, dtype=g._dtype, device=g.device), dim, index,
                src0.to(g._dtype))
            z_i = Gather.apply(zeros_at, dim, index)
            p_i = Gather.apply(p_nz, dim, index)
            excl = where(src0, where(z_i == 1, p_i, zero),
                         where(z_i == 0, p_i / where(src0, one, src), zero))
            gs = Gather.apply(g, dim, index) * excl
        return gx, None, None, _pad_to(gs, ctx.src_shape), None, None


def _where():
    from ._reg import EXPORTS
    return EXPORTS["where"]


_REDUCES = ("sum", "prod", "mean", "amax", "amin")


@export("scatter_reduce")
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True, out=None):
    """Reduce ``src`` into a copy of ``input`` at ``index`` along ``dim``: ``reduce`` is
    ``"sum"``, ``"prod"``, ``"mean"``, ``"amax"`` or ``"amin"``; with
    ``include_self=False`` the original values at scattered positions are left out.
    Integer ``"mean"`` rounds down, as in PyTorch. Gradients for every reduction (ties of
    amax/amin share the gradient evenly).

    Example::

        >>> x = ember.tensor([1., 2.])
        >>> x.scatter_reduce(0, ember.tensor([0, 0, 1]), ember.tensor([3., 5., 4.]), "amax")
        tensor([5., 4.])
    """
    if reduce not in _REDUCES:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    x, d, idx, s, zero_d = _prep_scatter("scatter_reduce", input, dim, index, src)
    return _finish(ScatterReduce.apply(x, d, idx, s, reduce, bool(include_self)), input,
                   zero_d, out)


@export("scatter_reduce_", function=False)
def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
    """In-place ``scatter_reduce``."""
    return _inplace(self, lambda s: scatter_reduce(s, dim, index, src, reduce,
                                                   include_self=include_self), src)


# -- index_* ----------------------------------------------------------------------------------

def _prep_index(op, input, dim, index, exc=IndexError):
    _index_dtype(op, index)
    _check_same_device(op, input, index)
    if index.dim() > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector (got a {index.dim()}-D "
                         f"index of shape {list(index._shape)})")
    x, d, zero_d = _as_1d_dim(input, dim, op)
    idx = index.reshape(-1).to(D.int64)
    _check_range(op, idx, x._shape[d], d, exc=exc)
    return x, d, idx, zero_d


class IndexSelect(Op):
    _node_name = "IndexSelectBackward0"

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.shape, ctx.dim = x._shape, dim
        ctx.save_for_backward(index)
        return x._storage._be.take(x._data, index._data, dim)

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        from .._creation import zeros
        z = zeros(ctx.shape, dtype=g._dtype, device=g.device)
        return IndexAdd.apply(z, ctx.dim, index, g, 1), None, None


@export("index_select")
def index_select(input, dim, index, *, out=None):
    """Entries of ``input`` along ``dim`` at the positions in the 1-D ``index`` (a copy).

    Shape: ``dim`` becomes ``len(index)``.

    Example: ``ember.arange(6).reshape(2, 3).index_select(1, ember.tensor([2, 0]))`` is
    ``[[2, 0], [5, 3]]``."""
    x, d, idx, zero_d = _prep_index("index_select", input, dim, index, RuntimeError)
    r = IndexSelect.apply(x, d, idx)
    return _finish(r, input, zero_d, out)


def _key(dim, index):
    return (slice(None),) * dim + (index._data,)


def _check_source(op, x, d, idx, source):
    if not isinstance(source, Tensor):
        raise TypeError(f"{op}(): argument 'source' must be Tensor, not "
                        f"{type(source).__name__}")
    _check_same_device(op, x, source)
    if x._dtype is not source._dtype:
        raise RuntimeError(f"{op}(): self ({_tname(x._dtype)}) and source "
                           f"({_tname(source._dtype)}) must have the same scalar type")
    s = source.reshape(1) if source.dim() == 0 else source
    want = x._shape[:d] + (idx.numel(),) + x._shape[d + 1:]
    if s._shape != want:
        if s.dim() == x.dim() and s._shape[d] != idx.numel():
            raise IndexError(f"{op}(): Number of indices ({idx.numel()}) should be equal to "
                             f"source.size(dim) ({s._shape[d]})")
        raise RuntimeError(f"{op}(): source tensor shape must match self tensor shape, "
                           f"excluding the specified dimension. Got self.shape = "
                           f"{list(x._shape)} source.shape = {list(source._shape)}")
    return s


class IndexAdd(Op):
    _node_name = "IndexAddBackward0"

    @staticmethod
    def forward(ctx, x, dim, index, src, alpha):
        ctx.dim, ctx.alpha = dim, alpha
        ctx.save_for_backward(index)
        be = x._storage._be
        out = be.copy(x._data)
        v = src._data if alpha == 1 else be.mul(src._data, alpha)
        if v.dtype != out.dtype:
            v = be.astype(v, x._dtype)
        be.setitem(out, _key(dim, index), v, True)
        return out

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        gs = None
        if ctx.needs_input_grad[3]:
            gs = IndexSelect.apply(g, ctx.dim, index)
            if ctx.alpha != 1:
                gs = gs * ctx.alpha
        return g, None, None, gs, None


@export("index_add")
def index_add(input, dim, index, source, *, alpha=1, out=None):
    """A copy of ``input`` with ``alpha * source`` added at the positions ``index`` of
    ``dim``; repeated indices accumulate.

    Shape: ``source`` is ``input``'s shape with ``dim`` replaced by ``len(index)``.

    Example: ``ember.zeros(3).index_add(0, ember.tensor([0, 0]), ember.ones(2))`` is
    ``tensor([2., 0., 0.])``."""
    x, d, idx, zero_d = _prep_index("index_add", input, dim, index)
    s = _check_source("index_add", x, d, idx, source)
    return _finish(IndexAdd.apply(x, d, idx, s, alpha), input, zero_d, out)


@export("index_add_", function=False)
def index_add_(self, dim, index, source, *, alpha=1):
    """In-place ``index_add``."""
    return _inplace(self, lambda s: index_add(s, dim, index, source, alpha=alpha), source)


class IndexCopy(Op):
    _node_name = "IndexCopyBackward0"

    @staticmethod
    def forward(ctx, x, dim, index, src):
        ctx.dim = dim
        ctx.save_for_backward(index)
        be = x._storage._be
        out = be.copy(x._data)
        be.setitem(out, _key(dim, index), src._data, False)
        return out

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        gx = IndexFill.apply(g, ctx.dim, index, 0)
        gs = IndexSelect.apply(g, ctx.dim, index) if ctx.needs_input_grad[3] else None
        return gx, None, None, gs


@export("index_copy")
def index_copy(input, dim, index, source, *, out=None):
    """A copy of ``input`` whose entries ``index`` along ``dim`` are replaced by ``source``
    (repeated indices: one of the candidates wins).

    Example: ``ember.zeros(3).index_copy(0, ember.tensor([2]), ember.tensor([7.]))`` is
    ``tensor([0., 0., 7.])``."""
    x, d, idx, zero_d = _prep_index("index_copy", input, dim, index)
    s = _check_source("index_copy", x, d, idx, source)
    return _finish(IndexCopy.apply(x, d, idx, s), input, zero_d, out)


@export("index_copy_", function=False)
def index_copy_(self, dim, index, source):
    """In-place ``index_copy``."""
    return _inplace(self, lambda s: index_copy(s, dim, index, source), source)


class IndexFill(Op):
    _node_name = "IndexFillBackward0"

    @staticmethod
    def forward(ctx, x, dim, index, value):
        ctx.dim = dim
        ctx.save_for_backward(index)
        be = x._storage._be
        out = be.copy(x._data)
        v = value._data if isinstance(value, Tensor) else value
        if isinstance(value, Tensor) and value._dtype is not x._dtype:
            v = be.astype(v, x._dtype)
        be.setitem(out, _key(dim, index), v, False)
        return out

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        gx = IndexFill.apply(g, ctx.dim, index, 0)
        gv = None
        if ctx.needs_input_grad[3]:
            gv = IndexSelect.apply(g, ctx.dim, index).sum()
        return gx, None, None, gv


@export("index_fill")
def index_fill(input, dim, index, value):
    """A copy of ``input`` with ``value`` (a number or a 0-d tensor) at the positions
    ``index`` of ``dim``.

    Example: ``ember.zeros(2, 3).index_fill(1, ember.tensor([0]), 5.)`` sets column 0."""
    x, d, idx, zero_d = _prep_index("index_fill", input, dim, index)
    if isinstance(value, Tensor):
        if value.dim() != 0:
            raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value.dim()} dimension(s).")
        _check_same_device("index_fill", x, value)
    return _finish(IndexFill.apply(x, d, idx, value), input, zero_d)


@export("index_fill_", function=False)
def index_fill_(self, dim, index, value):
    """In-place ``index_fill``."""
    return _inplace(self, lambda s: index_fill(s, dim, index, value),
                    value if isinstance(value, Tensor) else None)


# -- masks ------------------------------------------------------------------------------------

def _mask(op, mask):
    if not isinstance(mask, Tensor):
        raise TypeError(f"{op}(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    if mask._dtype is D.uint8:
        return mask.to(D.bool_)
    if mask._dtype is not D.bool_:
        raise RuntimeError(f"{op}: expected BoolTensor for mask (got {_tname(mask._dtype)}); "
                           f"build it with a comparison or .bool()")
    return mask


@export("masked_select")
def masked_select(input, mask, *, out=None):
    """The entries of ``input`` where the bool ``mask`` is True, as a 1-D tensor (input and
    mask broadcast together).

    Example: ``ember.tensor([1, 2, 3]).masked_select(ember.tensor([True, False, True]))`` is
    ``tensor([1, 3])``."""
    m = _mask("masked_select", mask)
    _check_same_device("masked_select", input, m)
    shape = tuple(broadcast_shapes(input._shape, m._shape))
    x = input.expand(shape) if input._shape != shape else input
    m = m.expand(shape) if m._shape != shape else m
    if not shape:
        x, m = x.reshape(1), m.reshape(1)
    r = IndexAdv.apply(x, (m,))
    return write_out(r, out) if out is not None else r


@export("masked_scatter")
def masked_scatter(input, mask, source):
    """A copy of ``input`` where the entries under the True values of ``mask`` (broadcast)
    take the leading values of ``source`` in row-major order.

    Example: ``ember.zeros(3).masked_scatter(ember.tensor([True, False, True]),
    ember.tensor([1., 2.]))`` is ``tensor([1., 0., 2.])``."""
    m = _mask("masked_scatter", mask)
    _check_same_device("masked_scatter", input, m, source)
    if input._dtype is not source._dtype:
        raise RuntimeError(f"masked_scatter_: expected self and source to have same dtypes but "
                           f"got {_tname(input._dtype)} and {_tname(source._dtype)}")
    shape = tuple(broadcast_shapes(input._shape, m._shape))
    x = input.expand(shape) if input._shape != shape else input
    m = m.expand(shape) if m._shape != shape else m
    if not shape:
        x, m = x.reshape(1), m.reshape(1)
    k = int(m.sum().item())
    if source.numel() < k:
        raise RuntimeError(f"masked_scatter: Number of elements of source < number of ones in "
                           f"mask ({source.numel()} < {k})")
    vals = source.reshape(-1)
    if vals._shape[0] != k:
        vals = narrow(vals, 0, 0, k)
    r = IndexPut.apply(x, (m,), vals, False)
    return r.reshape(()) if not shape else r


@export("masked_scatter_", function=False)
def masked_scatter_(self, mask, source):
    """In-place ``masked_scatter`` (the mask must broadcast to this tensor's shape)."""
    return _inplace(self, lambda s: masked_scatter(s, mask, source), source)


# -- flat indexing ------------------------------------------------------------------------------

def _flat_index(op, input, index):
    _index_dtype(op, index, (D.int64,))
    _check_same_device(op, input, index)
    n = input.numel()
    if index.numel():
        lo, hi = _extremes(index)
        if hi >= n or lo < -n:
            bad = hi if hi >= n else lo
            raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} "
                             f"elements ({op})")
    return _wrap_neg(index.reshape(-1), n)


@export("take")
def take(input, index):
    """The entries of the flattened ``input`` at ``index`` (negative values count from the
    end); the result has ``index``'s shape.

    Example: ``ember.tensor([[4, 3], [5, 7]]).take(ember.tensor([0, -1]))`` is
    ``tensor([4, 7])``."""
    idx = _flat_index("take", input, index)
    return IndexSelect.apply(input.reshape(-1), 0, idx).reshape(index._shape)


@export("put")
def put(input, index, source, accumulate=False):
    """A copy of ``input`` with ``source`` written (or added, with ``accumulate``) at the
    flat positions ``index`` (negative values count from the end).

    Example: ``ember.zeros(2, 2).put(ember.tensor([3]), ember.tensor([9.]))`` sets the last
    entry."""
    idx = _flat_index("put", input, index)
    if source.numel() != index.numel():
        raise IndexError(f"put_(): Expected source and index to have the same number of "
                         f"elements, but got source.numel() = {source.numel()}, "
                         f"index.numel() = {index.numel()}")
    if source._dtype is not input._dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got "
                           f"self.dtype = {_tname(input._dtype)} and source.dtype = "
                           f"{_tname(source._dtype)}")
    flat = input.reshape(-1)
    return IndexPut.apply(flat, (idx,), source.reshape(-1), bool(accumulate)) \
        .reshape(input._shape)


@export("put_", function=False)
def put_(self, index, source, accumulate=False):
    """In-place ``put``: ``self.flatten()[index] = source`` (``+=`` with ``accumulate``)."""
    return _inplace(self, lambda s: put(s, index, source, accumulate), source)


@export("take_along_dim")
def take_along_dim(input, indices, dim=None, *, out=None):
    """``gather`` with broadcasting: ``input`` and ``indices`` broadcast in every dimension
    except ``dim``; with ``dim=None`` both are flattened.

    Example: with ``idx = x.argsort(dim=1)``, ``ember.take_along_dim(x, idx, 1)`` sorts the
    rows of ``x``."""
    if dim is None:
        r = gather(input.reshape(-1), 0, indices.reshape(-1))
        return write_out(r, out) if out is not None else r
    if input.dim() != indices.dim():
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {input.dim()} dimensions for input, "
                           f"and {indices.dim()} dimensions for indices")
    d = _wrap_dim(dim, input.dim(), "take_along_dim")
    ish, jsh = list(input._shape), list(indices._shape)
    ish[d] = jsh[d] = 1
    try:
        b = list(broadcast_shapes(tuple(ish), tuple(jsh)))
    except RuntimeError:
        raise RuntimeError(f"take_along_dim(): input {list(input._shape)} and indices "
                           f"{list(indices._shape)} must broadcast in every dimension except "
                           f"dim {d}") from None
    x_shape = tuple(b[:d] + [input._shape[d]] + b[d + 1:])
    i_shape = tuple(b[:d] + [indices._shape[d]] + b[d + 1:])
    x = input.expand(x_shape) if input._shape != x_shape else input
    i = indices.expand(i_shape) if indices._shape != i_shape else indices
    r = gather(x, d, i)
    return write_out(r, out) if out is not None else r


# -- nonzero ----------------------------------------------------------------------------------

@export("nonzero")
def nonzero(input, *, out=None, as_tuple=False):
    """Indices of the nonzero entries: an ``(n, ndim)`` int64 tensor, one row per entry in
    row-major order, or with ``as_tuple=True`` a tuple of ``ndim`` 1-D tensors (one per
    dimension; a 0-d input counts as 1-D).

    Example::

        >>> ember.tensor([[0, 1], [2, 0]]).nonzero()
        tensor([[0, 1],
                [1, 0]])
    """
    st = input._storage
    be, dev = st._be, st.device
    x = input.reshape(1) if input.dim() == 0 else input
    parts = [_from_native(a, be, dev, None).to(D.int64) for a in be.nonzero(x._data)]
    if as_tuple:
        return tuple(parts)
    if input.dim() == 0:
        from .._creation import zeros
        r = zeros((parts[0].numel(), 0), dtype=D.int64, device=dev)
    else:
        from .shape import stack
        r = stack(parts, 1)
    return write_out(r, out) if out is not None else r


@export("argwhere")
def argwhere(input):
    """``nonzero(input)``: an ``(n, ndim)`` tensor of the indices of nonzero entries."""
    return nonzero(input)
