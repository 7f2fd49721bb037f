"""Reductions beyond ``sum``/``mean``/``all``/``any`` (which live in ``basic.py``): products,
extrema with indices, statistics, norms, cumulative ops, order statistics, counting.

Every reduction takes ``dim`` as an int, a tuple of ints, or None (all dims) where PyTorch
does, and ``keepdim`` keeps reduced dims as size 1. Ops whose result is an entry of the
input route gradients by index (NOTE [selection gradients] in ``sorting.py``) or, for the
value-only reductions ``amax``/``amin``/``max()``/``min()``/``median()``, split the gradient
evenly among all entries equal to the result (NOTE [even split]).

NOTE [even split]: where several entries tie for the extreme value, PyTorch gives each of
them ``grad / count``. ember does the same; a NaN result counts the NaN entries as the ties
(PyTorch's ``amax`` would give NaN gradients there; its ``median()`` does as ember does).
"""

from __future__ import annotations

import builtins
import math

from .. import _dtype as D
from .. import return_types as RT
from .._tensor import Tensor, _prod, _wrap_dim
from ..autograd.grad_mode import STATE, no_grad
from ._reg import export, EXPORTS
from .basic import norm_dims, expand_reduced, _sum_dtype, Sum
from .core import Op, write_out, _inplace, _tname, _check_same_device
from .sorting import (_Gather, _named, _wrap, _zeros, _positions, _axis_key, _out_pair,
                      flip_dim, cum_extreme_native, sort_indices, sort)

__all__ = ["prod", "max", "min", "amax", "amin", "aminmax", "argmax", "argmin", "var", "std",
           "var_mean", "std_mean", "norm", "logsumexp", "cumsum", "cumprod", "cummax",
           "cummin", "count_nonzero", "median", "nanmedian", "mode", "quantile",
           "nanquantile", "nansum", "nanmean", "unique", "unique_consecutive", "bincount",
           "histc"]

_inf = math.inf
_py_max = builtins.max


def _rdims(x, dim, op):
    """The reduced dims as a sorted tuple (all when ``dim`` is None or empty); ``()`` for a
    0-d ``x`` after checking ``dim`` is 0 or -1."""
    if x.dim() == 0:
        if dim is not None:
            for d in (dim if isinstance(dim, (tuple, list)) else (dim,)):
                _wrap_dim(d, 0, op)
        return ()
    return norm_dims(dim, x.dim(), op)


def _squeeze(t, dims, keepdim):
    return t if keepdim or not dims else t.squeeze(dims)


def _ret(r, out):
    return write_out(r, out) if out is not None else r


def _check_nonempty_dims(x, dims, op, dim_given):
    if x.numel() == 0:
        if not dim_given:
            raise RuntimeError(f"{op}(): Expected reduction dim to be specified for "
                               f"input.numel() == 0. Specify the reduction dim with the 'dim' "
                               f"argument.")
        for d in dims:
            if x._shape[d] == 0:
                raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size.")


def _given(dim):
    return dim is not None and not (isinstance(dim, (tuple, list)) and len(dim) == 0)


# -- even split of the gradient (amax, amin, max(), min(), median()) --------------------------

class _EvenSelect(Op):
    """A value-only reduction whose result is one of the input's entries; backward splits
    the gradient evenly among the entries equal to it (NOTE [even split])."""

    @classmethod
    def compute(cls, x, dims, keepdim):
        raise NotImplementedError

    @classmethod
    def forward(cls, ctx, x, dims, keepdim):
        r = cls.compute(x, dims, keepdim)
        ctx.dims, ctx.keepdim = dims, keepdim
        ctx.save_for_backward(x, r)
        return r

    @classmethod
    def backward(cls, ctx, g):
        x, r = ctx.saved_tensors
        ge = expand_reduced(g, x._shape, ctx.dims, ctx.keepdim)
        re = expand_reduced(r, x._shape, ctx.dims, ctx.keepdim)
        hit = EXPORTS["where"](re.isnan(), x.isnan(), x == re)
        m = hit.to(g._dtype)
        cnt = m.sum(ctx.dims, keepdim=True) if ctx.dims else m
        return ge * m / cnt, None, None


def _native_extreme(largest):
    @classmethod
    def compute(cls, x, dims, keepdim):
        be = x._storage._be
        f = be.max if largest else be.min
        return _wrap(f(x._data, dims, keepdim), x)
    return compute


class Amax(_EvenSelect):
    _node_name = "AmaxBackward0"
    compute = _native_extreme(True)


class Amin(_EvenSelect):
    _node_name = "AminBackward0"
    compute = _native_extreme(False)


class MaxAll(_EvenSelect):
    _node_name = "MaxBackward1"
    compute = _native_extreme(True)


class MinAll(_EvenSelect):
    _node_name = "MinBackward1"
    compute = _native_extreme(False)


def _median_all(x, ignore_nan):
    """The lower median of all entries as a fresh 0-d tensor (NaN rules of median/nanmedian)."""
    flat = x.reshape(-1)
    n = flat.numel()
    be = x._storage._be
    if n == 0:
        if not x._dtype.is_floating_point:
            raise RuntimeError(f"median(): the median of an empty {_tname(x._dtype)} tensor "
                               f"is undefined (it is NaN for floating point tensors)")
        return _wrap(be.full((), math.nan, x._dtype, x._storage.device.index), x)
    si = sort_indices(flat, 0)
    nn = int(flat.isnan().sum().item()) if x._dtype.is_floating_point else 0
    if ignore_nan:
        k = _py_max((n - nn - 1) // 2, 0)
    else:
        k = (n - 1) // 2 if nn == 0 else n - nn
    pick = be.getitem(si._data, (slice(k, k + 1),))
    return _wrap(be.take(flat._data, pick, 0), x).reshape(())


class MedianAll(_EvenSelect):
    _node_name = "MedianBackward0"

    @classmethod
    def compute(cls, x, dims, keepdim):
        return _median_all(x, False)


class NanmedianAll(_EvenSelect):
    _node_name = "NanmedianBackward0"

    @classmethod
    def compute(cls, x, dims, keepdim):
        return _median_all(x, True)


# -- max / min / amax / amin / aminmax / argmax / argmin ---------------------------------------

_MaxValues = _named("Max")
_MinValues = _named("Min")


def _no_complex_order(x, op):
    if x._dtype.is_complex:
        raise RuntimeError(f"{op}(): complex tensors have no ordering (got {x._dtype}); "
                           f"reduce x.real or x.abs() instead")


def _select_dim(input, dim, keepdim, name, result, gather, pick):
    """``result(values, indices)`` of a reduction that selects one entry of each slice along
    ``dim``: ``pick(d)`` gives the int64 indices of the chosen entries (keepdim shape, no
    gradient) and ``gather`` (a ``_Gather`` op) takes their values, so the gradient flows to
    them. A 0-d input is its own result at index 0; an empty ``dim`` is an ``IndexError``."""
    d = _wrap_dim(dim, input.dim(), name)
    if input.dim() == 0:
        return result(input.clone(), _zeros((), D.int64, input))
    if input._shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    idx = pick(d)
    vals = gather.apply(input, idx, d, not keepdim)
    return result(vals, idx if keepdim else idx.squeeze(d))


def _minmax_dim(input, dim, keepdim, largest, name):
    be = input._storage._be
    f = be.argmax if largest else be.argmin
    return _select_dim(input, dim, keepdim, name, RT.max if largest else RT.min,
                       _MaxValues if largest else _MinValues,
                       lambda d: _wrap(f(input._data, d, True), input, D.int64))


def _make_minmax(name, largest):
    def op(input, dim=None, keepdim=False, *, out=None):
        if isinstance(dim, Tensor):
            return EXPORTS["maximum" if largest else "minimum"](input, dim, out=out)
        _no_complex_order(input, name)
        if dim is None:
            if input.numel() == 0:
                _check_nonempty_dims(input, (), name, False)
            r = (MaxAll if largest else MinAll).apply(input, tuple(range(input.dim())), False)
            return _ret(r, out)
        res = _minmax_dim(input, dim, keepdim, largest, name)
        return _out_pair(res, out, RT.max if largest else RT.min) if out is not None else res

    op.__name__ = name
    other = "maximum" if largest else "minimum"
    op.__doc__ = (
        f"``{name}(input)``: the {'largest' if largest else 'smallest'} entry (0-d). "
        f"``{name}(input, dim, keepdim=False)``: ``(values, indices)`` along ``dim`` "
        f"(``ember.return_types.{name}``); the gradient flows to ``indices``. "
        f"``{name}(input, other)``: elementwise ``{other}``. NaN propagates.\n\n"
        f"Example: ``ember.{name}(ember.tensor([[1., 5.], [4., 2.]]), 1)`` is "
        f"``(values=tensor([{'5., 4.' if largest else '1., 2.'}]), "
        f"indices=tensor([{'1, 0' if largest else '0, 1'}]))``.")
    return op


max = export("max")(_make_minmax("max", True))  # noqa: A001
min = export("min")(_make_minmax("min", False))  # noqa: A001


def _make_aminmax_one(name, cls):
    def op(input, dim=(), keepdim=False, *, out=None):
        _no_complex_order(input, name)
        dims = _rdims(input, dim, name)
        _check_nonempty_dims(input, dims, name, _given(dim))
        return _ret(cls.apply(input, dims, bool(keepdim)), out)

    op.__name__ = name
    op.__doc__ = (f"The {'largest' if cls is Amax else 'smallest'} value over ``dim`` (int, "
                  f"tuple, or ``()``/None for all) without indices; ties share the gradient "
                  f"evenly.\n\nExample: ``ember.{name}(ember.ones(2, 3), 1)`` is "
                  f"``tensor([1., 1.])``.")
    return op


amax = export("amax")(_make_aminmax_one("amax", Amax))
amin = export("amin")(_make_aminmax_one("amin", Amin))


@export("aminmax")
def aminmax(input, *, dim=None, keepdim=False, out=None):
    """``(min, max)`` over ``dim`` (or all entries), as ``ember.return_types.aminmax``.

    Example: ``ember.aminmax(ember.tensor([3., 1., 2.]))`` is ``(min=tensor(1.),
    max=tensor(3.))``."""
    _no_complex_order(input, "aminmax")
    dims = _rdims(input, dim, "aminmax")
    if input.numel() == 0 and (dim is None or any(input._shape[d] == 0 for d in dims)):
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                           "operation has no identity.")
    res = RT.aminmax(Amin.apply(input, dims, bool(keepdim)), Amax.apply(input, dims,
                                                                        bool(keepdim)))
    if out is not None:
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise TypeError("out= must be a tuple of two tensors (min, max)")
        return RT.aminmax(write_out(res[0], out[0]), write_out(res[1], out[1]))
    return res


def _make_arg(name, largest):
    def op(input, dim=None, keepdim=False, *, out=None):
        _no_complex_order(input, name)
        if input._dtype is D.bool_:
            raise RuntimeError(f"{name}(): does not support bool input; convert with "
                               f".int() first")
        be = input._storage._be
        f = be.argmax if largest else be.argmin
        if dim is None:
            if input.numel() == 0:
                raise IndexError(f"{name}(): Expected reduction dim to be specified for "
                                 f"input.numel() == 0.")
            flat = input.reshape(-1)
            r = _wrap(f(flat._data, 0, False), input, D.int64)
            if keepdim:
                r = r.reshape((1,) * input.dim())
            return _ret(r, out)
        d = _wrap_dim(dim, input.dim(), name)
        if input.dim() == 0:
            return _ret(_zeros((), D.int64, input), out)
        if input._shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
        return _ret(_wrap(f(input._data, d, bool(keepdim)), input, D.int64), out)

    op.__name__ = name
    op.__doc__ = (f"Index (int64) of the first {'largest' if largest else 'smallest'} entry "
                  f"along ``dim``, or into the flattened input when ``dim`` is None.\n\n"
                  f"Example: ``ember.{name}(ember.tensor([2., 7., 1.]))`` is "
                  f"``tensor({1 if largest else 2})``.")
    return op


argmax = export("argmax")(_make_arg("argmax", True))
argmin = export("argmin")(_make_arg("argmin", False))


# -- prod ---------------------------------------------------------------------------------------

class _Shift(Op):
    """Shift by one along ``dim`` (``forward=True``: toward higher indices), filling the
    vacated end with ``fill``: ``[a, b, c] -> [fill, a, b]``. The backward of a shift is the
    opposite shift filled with 0."""

    _node_name = "ShiftBackward0"

    @staticmethod
    def forward(ctx, x, dim, forward, fill):
        ctx.dim, ctx.fwd = dim, forward
        be = x._storage._be
        n, nd = x._shape[dim], x.dim()
        pad = be.full(x._shape[:dim] + (1,) + x._shape[dim + 1:], fill, x._dtype,
                      x._storage.device.index)
        if forward:
            return be.concat([pad, be.getitem(x._data, _axis_key(nd, dim, slice(0, n - 1)))],
                             dim)
        return be.concat([be.getitem(x._data, _axis_key(nd, dim, slice(1, n))), pad], dim)

    @staticmethod
    def backward(ctx, g):
        return _Shift.apply(g, ctx.dim, not ctx.fwd, 0), None, None, None


def _exclusive_cumprod(x, d, reverse=False):
    """``out[i] = prod(x[:i])`` along ``d`` (``prod(x[i+1:])`` with ``reverse``)."""
    if reverse:
        return flip_dim(_exclusive_cumprod(flip_dim(x, d), d), d)
    return _Shift.apply(Cumprod.apply(x, d), d, True, 1)


def _prod_of_others(x, dims):
    """``out[i] = prod(x[j] for j != i)`` over the reduced ``dims``, without division (exact
    with zeros, and differentiable to any order): left and right exclusive products along
    the reduced dims flattened into one."""
    keep = [i for i in range(x.dim()) if i not in dims]
    perm = keep + list(dims)
    xt = x.permute(perm)
    shape = xt._shape
    flat = xt.reshape(shape[:len(keep)] + (-1,))
    last = flat.dim() - 1
    o = _exclusive_cumprod(flat, last) * _exclusive_cumprod(flat, last, reverse=True)
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return o.reshape(shape).permute(inv)


class Prod(Op):
    """Product over ``dims``. Backward: ``prod / x`` when no entry is zero; otherwise each
    entry gets the product of the others, computed without division (``_prod_of_others``),
    so gradients and second derivatives are exact at zeros."""

    _node_name = "ProdBackward0"

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.dims, ctx.keepdim = dims, keepdim
        r = _wrap(x._storage._be.prod(x._data, dims, keepdim), x)
        ctx.save_for_backward(x, r)
        return r

    @staticmethod
    def backward(ctx, g):
        x, r = ctx.saved_tensors
        dims, keepdim = ctx.dims, ctx.keepdim
        ge = expand_reduced(g, x._shape, dims, keepdim)
        if not dims:
            return ge, None, None
        if bool((x == 0).any()):
            gx = _prod_of_others(x, dims)
        else:
            gx = expand_reduced(r, x._shape, dims, keepdim) / x
        if gx._dtype.is_complex:
            gx = gx.conj()
        return ge * gx, None, None


@export("prod")
def prod(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Product of the entries over ``dim`` (an int; a tuple also works; None for all).
    Integer and bool inputs give int64. Shape: ``input`` without ``dim`` (size 1 with
    ``keepdim``).

    Example: ``ember.tensor([[1., 2.], [3., 4.]]).prod(1)`` is ``tensor([2., 12.])``."""
    dt = _sum_dtype(input, dtype)
    x = input if input._dtype is dt else input.to(dt)
    dims = _rdims(x, dim, "prod")
    return _ret(Prod.apply(x, dims, bool(keepdim) if dim is not None else False), out)


# -- cumulative ---------------------------------------------------------------------------------

class Cumsum(Op):
    _node_name = "CumsumBackward0"

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return x._storage._be.cumsum(x._data, dim)

    @staticmethod
    def backward(ctx, g):
        return _rev_cumsum(g, ctx.dim), None


def _rev_cumsum(g, d):
    """``out[i] = sum(g[i:])`` along ``d``."""
    return flip_dim(Cumsum.apply(flip_dim(g, d), d), d)


class Cumprod(Op):
    """Cumulative product. Backward is exact with zeros (NOTE [cumprod gradient])."""

    _node_name = "CumprodBackward0"

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        y = _wrap(x._storage._be.cumprod(x._data, dim), x)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        # one extra level when a graph is being built: exact second derivatives at zeros
        return _cumprod_grad(x, y, g, ctx.dim, 1 if STATE.grad_enabled else 0), None


def _cumprod_grad(x, y, g, d, depth):
    """NOTE [cumprod gradient]: d/dx_i sum_k g_k y_k = sum_{k>=i} g_k prod_{j<=k, j!=i} x_j.
    Before the first zero z of a slice this is rev_cumsum(g*y)_i / x_i. At z it is
    sum_{k>=z} g_k * cumprod(x with x_z := 1)_k. After z every term holds the factor x_z = 0:
    the value is 0, but its derivative with respect to x_z is the same gradient for the
    sequence with x_z := 1; ``depth`` > 0 adds that term (``x_z * grad'``, zero in value) so
    second derivatives are exact too."""
    where = EXPORTS["where"]
    cplx = x._dtype.is_complex
    yc, xc = (y.conj(), x.conj()) if cplx else (y, x)
    zero = x == 0
    if not bool(zero.any()):
        return _rev_cumsum(g * yc, d) / xc
    zc = Cumsum.apply(zero.long(), d)
    before = zc == 0
    first = zero & (zc == 1)
    part1 = where(before, _rev_cumsum(g * yc, d) / where(before, xc, 1), 0)
    x1 = where(first, 1, x)
    y1 = Cumprod.apply(x1, d)
    s = where(zc >= 1, g * (y1.conj() if cplx else y1), 0).sum(d, keepdim=True)
    res = part1 + where(first, s, 0)
    if depth > 0:
        after = (zc >= 1) & ~first
        xz = where(first, xc, 0).sum(d, keepdim=True)
        res = res + where(after, xz * _cumprod_grad(x1, y1, g, d, depth - 1), 0)
    return res


def _make_cum(name, fn):
    def op(input, dim, *, dtype=None, out=None):
        dt = _sum_dtype(input, dtype)
        x = input if input._dtype is dt else input.to(dt)
        d = _wrap_dim(dim, x.dim(), name)
        r = x.clone() if x.dim() == 0 else fn.apply(x, d)
        return _ret(r, out)

    def op_(self, dim, *, dtype=None):
        return _inplace(self, lambda s: op(s, dim, dtype=dtype))

    word = "sum" if name == "cumsum" else "product"
    op.__name__, op_.__name__ = name, name + "_"
    op.__doc__ = (f"Cumulative {word} along ``dim`` (same shape as ``input``; integer and "
                  f"bool inputs give int64 unless ``dtype`` is given).\n\nExample: "
                  f"``ember.{name}(ember.tensor([1., 2., 3.]), 0)`` is "
                  f"``tensor([{'1., 3., 6.' if name == 'cumsum' else '1., 2., 6.'}])``.")
    op_.__doc__ = f"In-place ``{name}``."
    return op, op_


cumsum, cumsum_ = _make_cum("cumsum", Cumsum)
cumprod, cumprod_ = _make_cum("cumprod", Cumprod)
export("cumsum")(cumsum)
export("cumprod")(cumprod)
export("cumsum_", function=False)(cumsum_)
export("cumprod_", function=False)(cumprod_)

_CummaxValues = _named("Cummax")
_CumminValues = _named("Cummin")


def _make_cumext(name, largest):
    cls = RT.cummax if largest else RT.cummin
    fn = _CummaxValues if largest else _CumminValues

    def op(input, dim, *, out=None):
        _no_complex_order(input, name)
        d = _wrap_dim(dim, input.dim(), name)
        if input.dim() == 0:
            res = cls(input.clone(), _zeros((), D.int64, input))
        else:
            with no_grad():
                _, ni = cum_extreme_native(input, d, largest)
            idx = _wrap(ni, input, D.int64)
            res = cls(fn.apply(input, idx, d), idx)
        return _out_pair(res, out, cls) if out is not None else res

    op.__name__ = name
    op.__doc__ = (f"Running {'maximum' if largest else 'minimum'} along ``dim``: ``(values, "
                  f"indices)`` of ``input``'s shape; on ties the later index is reported, and "
                  f"NaN propagates.\n\nExample: ``ember.{name}(ember.tensor([2., 1., 3.]), 0)``"
                  f" has values ``{'[2., 2., 3.]' if largest else '[2., 1., 1.]'}``.")
    return op


cummax = export("cummax")(_make_cumext("cummax", True))
cummin = export("cummin")(_make_cumext("cummin", False))


# -- var / std ----------------------------------------------------------------------------------

class _VarStd(Op):
    take_sqrt = False

    @classmethod
    def forward(cls, ctx, x, dims, correction, keepdim):
        n = _prod(x._shape[d] for d in dims)
        dev = x - _mean_keep(x, dims)
        sq = dev.real * dev.real + dev.imag * dev.imag if x._dtype.is_complex else dev * dev
        v = sq.sum(dims, keepdim=keepdim) if dims else sq.clone()
        v = v / float(n - correction if n - correction > 0 else 0)
        r = v.sqrt() if cls.take_sqrt else v
        ctx.dims, ctx.keepdim, ctx.denom = dims, keepdim, n - correction
        ctx.save_for_backward(x, r)
        return r

    @classmethod
    def backward(cls, ctx, g):
        x, r = ctx.saved_tensors
        ge = expand_reduced(g, x._shape, ctx.dims, ctx.keepdim)
        dev = x - _mean_keep(x, ctx.dims)
        if cls.take_sqrt:
            re = expand_reduced(r, x._shape, ctx.dims, ctx.keepdim)
            zero = re == 0                      # PyTorch's choice: gradient 0 there
            safe = EXPORTS["where"](zero, 1, re)
            gx = (ge * dev / (safe * float(ctx.denom))).masked_fill(zero, 0)
        elif ctx.denom:
            gx = ge * dev * (2.0 / ctx.denom)
        else:                                   # N == correction: 0/0 = nan, else +-inf
            where = EXPORTS["where"]
            dz = dev == 0
            gx = where(dz, math.nan, ge * where(dz, 1, dev) * math.inf)
        return gx, None, None, None


class Var(_VarStd):
    _node_name = "VarBackward0"


class Std(_VarStd):
    _node_name = "StdBackward0"
    take_sqrt = True


def _mean_keep(x, dims):
    if not dims:
        return x
    n = _prod(x._shape[d] for d in dims)
    s = Sum.apply(x, dims, True, None)
    return s / n if n else s * math.nan


def _var_args(op, input, dim, unbiased, correction):
    if isinstance(dim, bool):          # var(input, unbiased)
        if unbiased is not None:
            raise TypeError(f"{op}(): got unbiased twice (var(input, unbiased) form)")
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}(): pass either unbiased (legacy) or correction, not both")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    if not (input._dtype.is_floating_point or input._dtype.is_complex):
        raise RuntimeError(f"std and var only support floating point and complex dtypes "
                           f"({op}() got {_tname(input._dtype)}); convert with .float() first")
    return _rdims(input, dim, op), correction


def _make_varstd(name, cls):
    def op(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
        dims, c = _var_args(name, input, dim, unbiased, correction)
        return _ret(cls.apply(input, dims, c, bool(keepdim)), out)

    op.__name__ = name
    what = "variance" if name == "var" else "standard deviation"
    op.__doc__ = (f"The {what} over ``dim`` (int, tuple or None for all), dividing by ``N - "
                  f"correction`` (default 1, Bessel's correction; the legacy ``unbiased=False``"
                  f" means 0). Complex inputs give a real result.\n\nExample: ``ember.{name}"
                  f"(ember.tensor([1., 2., 3., 4.]))`` is ``tensor("
                  f"{'1.6667' if name == 'var' else '1.2910'})``.")
    return op


var = export("var")(_make_varstd("var", Var))
std = export("std")(_make_varstd("std", Std))


def _make_varstd_mean(name, cls):
    def op(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
        dims, c = _var_args(name, input, dim, unbiased, correction)
        keepdim = bool(keepdim)
        r = cls.apply(input, dims, c, keepdim)
        m = _squeeze(_mean_keep(input, dims), dims, keepdim)
        if out is not None:
            return write_out(r, out[0]), write_out(m, out[1])
        return r, m

    op.__name__ = name
    op.__doc__ = (f"``({name.split('_')[0]}, mean)`` over ``dim`` in one call (arguments as "
                  f"``{name.split('_')[0]}``); a plain tuple.")
    return op


var_mean = export("var_mean", method=False)(_make_varstd_mean("var_mean", Var))
std_mean = export("std_mean", method=False)(_make_varstd_mean("std_mean", Std))


# -- norm ---------------------------------------------------------------------------------------

class _VectorNorm(Op):
    """The p-norm over ``dims``; gradient 0 where the norm (or, for p < 1, the entry) is 0,
    and split evenly among the extreme entries for p = +-inf, as PyTorch."""

    _node_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, x, p, dims, keepdim):
        a = x.abs()
        kw = {"keepdim": keepdim}
        if p == _inf:
            r = a.amax(dims, **kw) if dims else a.clone()
        elif p == -_inf:
            r = a.amin(dims, **kw) if dims else a.clone()
        elif p == 0:
            r = (a != 0).sum(dims, **kw).to(a._dtype) if dims else (a != 0).to(a._dtype)
        elif p == 1:
            r = a.sum(dims, **kw) if dims else a.clone()
        elif p == 2:
            r = (a * a).sum(dims, **kw).sqrt() if dims else a.clone()
        else:
            r = ((a ** p).sum(dims, **kw) if dims else a ** p) ** (1.0 / p)
        ctx.p, ctx.dims, ctx.keepdim = p, dims, keepdim
        ctx.save_for_backward(x, r)
        return r

    @staticmethod
    def backward(ctx, g):
        x, r = ctx.saved_tensors
        p, dims, keepdim = ctx.p, ctx.dims, ctx.keepdim
        where = EXPORTS["where"]
        ge = expand_reduced(g, x._shape, dims, keepdim)
        re = expand_reduced(r, x._shape, dims, keepdim)
        if p == 0:
            return (ge * 0).expand(x._shape), None, None, None
        if p == 1:
            return ge * x.sgn(), None, None, None
        rz = re == 0                            # gradient 0 where the norm is 0
        rs = where(rz, 1, re)
        if p == 2:
            return ge * where(rz, 0, x / rs), None, None, None
        a = x.abs()
        if p in (_inf, -_inf):
            m = (a == re).to(ge._dtype)
            cnt = m.sum(dims, keepdim=True) if dims else m
            return ge * x.sgn() * m / cnt, None, None, None
        az = a == 0                             # and at zero entries (p < 1: |x|^(p-1) = inf)
        scale = where(az, 0, x.sgn() * where(az, 1, a) ** (p - 1))
        return ge * where(rz, 0, scale / rs ** (p - 1)), None, None, None


@export("norm")
def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """The p-norm of ``input`` over ``dim`` (int, tuple, or None for all entries):
    ``p`` a number (``sum(|x|**p)**(1/p)``), ``inf``/``-inf`` (max/min of ``|x|``), 0 (count
    of nonzeros), ``'fro'`` (the 2-norm over at most two dims) or ``'nuc'`` (nuclear norm,
    computed by ``ember.linalg.matrix_norm``). Complex inputs give a real result.

    Example: ``ember.norm(ember.tensor([3., 4.]))`` is ``tensor(5.)``."""
    if not (input._dtype.is_floating_point or input._dtype.is_complex):
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor "
                           f"as input. Got {_tname(input._dtype)}")
    x = input if dtype is None else input.to(dtype)
    if p is None:
        p = "fro"
    if isinstance(p, str):
        seq = isinstance(dim, (tuple, list))
        if p == "nuc":
            from .. import linalg
            fn = getattr(linalg, "matrix_norm", None)
            if fn is None:
                raise NotImplementedError("norm(p='nuc') needs ember.linalg.matrix_norm, which "
                                          "this build lacks")
            r = fn(x, "nuc", dim=tuple(dim) if seq else (-2, -1), keepdim=keepdim)
            return _ret(r, out)
        if p != "fro":
            raise RuntimeError(f"norm(): unsupported norm type {p!r}; use a number, inf, -inf, "
                               f"'fro' or 'nuc'")
        if seq and len(dim) > 2:
            raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got "
                               f"{' '.join(str(d) for d in dim)}")
        p = 2
    p = float(p)
    dims = _rdims(x, dim, "norm")
    if p in (_inf, -_inf) and x.numel() == 0:
        raise RuntimeError(f"linalg.vector_norm cannot compute the {'-' if p < 0 else ''}inf "
                           f"norm on an empty tensor because the operation does not have an "
                           f"identity")
    return _ret(_VectorNorm.apply(x, p, dims, bool(keepdim)), out)


# -- logsumexp / nansum / nanmean / count_nonzero ------------------------------------------------

@export("logsumexp")
def logsumexp(input, dim, keepdim=False, *, out=None):
    """``log(sum(exp(input)))`` over ``dim``, computed stably (the maximum is subtracted
    first). Integer inputs are computed in the default float dtype.

    Example: ``ember.logsumexp(ember.tensor([0., 0.]), 0)`` is ``tensor(0.6931)``."""
    x = input
    if not (x._dtype.is_floating_point or x._dtype.is_complex):
        x = x.to(D.get_default_dtype())
    dims = _rdims(x, dim, "logsumexp")
    if not dims:
        return _ret(x.clone(), out)
    with no_grad():
        if all(x._shape[d] for d in dims):
            m = x.detach().amax(dims, keepdim=True)
            m = m.masked_fill(m.isinf(), 0)
        else:
            m = _zeros((1,) * x.dim(), x._dtype, x)
    r = (x - m).exp().sum(dims, keepdim=True).log() + m
    return _ret(_squeeze(r, dims, keepdim), out)


@export("nansum")
def nansum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """``sum`` treating NaN as zero (NaN entries get zero gradient).

    Example: ``ember.nansum(ember.tensor([1., float('nan'), 2.]))`` is ``tensor(3.)``."""
    x = input.masked_fill(input.isnan(), 0) if input._dtype.is_floating_point else input
    return EXPORTS["sum"](x, dim, keepdim, dtype=dtype, out=out)


@export("nanmean")
def nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """``mean`` over the non-NaN entries (NaN where all are NaN).

    Example: ``ember.nanmean(ember.tensor([1., float('nan'), 3.]))`` is ``tensor(2.)``."""
    if not (input._dtype.is_floating_point or input._dtype.is_complex):
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex "
                           f"dtype but got {_tname(input._dtype)}")
    x = input if dtype is None else input.to(dtype)
    cnt = (~x.isnan()).sum(dim, keepdim)
    return _ret(nansum(x, dim, keepdim) / cnt, out)


@export("count_nonzero")
def count_nonzero(input, dim=None):
    """The number of nonzero entries over ``dim`` (int, tuple or None for all); int64.

    Example: ``ember.count_nonzero(ember.tensor([[0, 1], [2, 3]]), 1)`` is
    ``tensor([1, 2])``."""
    dims = _rdims(input, dim, "count_nonzero")
    nz = input != 0
    return nz.sum(dims) if dims else nz.long()


# -- median / nanmedian / mode --------------------------------------------------------------

_MedianValues = type("Median", (_Gather,), {"_node_name": "MedianBackward1"})
_NanmedianValues = type("Nanmedian", (_Gather,), {"_node_name": "NanmedianBackward1"})
_ModeValues = _named("Mode")


def _median_dim(input, dim, keepdim, ignore_nan, name):
    def pick(d):
        n = input._shape[d]
        where = EXPORTS["where"]
        with no_grad():
            si = sort_indices(input, d)
            if input._dtype.is_floating_point:
                nn = input.isnan().sum(d, keepdim=True)
                if ignore_nan:
                    k = ((n - nn - 1) // 2).clamp(min=0)
                else:
                    k = where(nn > 0, n - nn, (n - 1) // 2)
            else:
                shape = input._shape[:d] + (1,) + input._shape[d + 1:]
                k = _zeros(shape, D.int64, input) + (n - 1) // 2
            be = input._storage._be
            return _wrap(be.take_along_axis(si._data, k._data, d), input, D.int64)

    return _select_dim(input, dim, keepdim, name, RT.nanmedian if ignore_nan else RT.median,
                       _NanmedianValues if ignore_nan else _MedianValues, pick)


def _make_median(name, ignore_nan):
    cls = RT.nanmedian if ignore_nan else RT.median
    full_fn = NanmedianAll if ignore_nan else MedianAll

    def op(input, dim=None, keepdim=False, *, out=None):
        _no_complex_order(input, name)
        if dim is None:
            return _ret(full_fn.apply(input, tuple(range(input.dim())), False), out)
        res = _median_dim(input, dim, keepdim, ignore_nan, name)
        return _out_pair(res, out, cls) if out is not None else res

    op.__name__ = name
    nan_rule = ("NaN entries are ignored (NaN only when all are NaN)" if ignore_nan else
                "any NaN makes the result NaN")
    op.__doc__ = (f"The lower median (for an even count, the smaller of the two middle "
                  f"values); {nan_rule}. Without ``dim``: a 0-d tensor. With ``dim``: "
                  f"``(values, indices)`` (``ember.return_types.{name}``).\n\nExample: "
                  f"``ember.{name}(ember.tensor([4., 1., 3., 2.]))`` is ``tensor(2.)``.")
    return op


median = export("median")(_make_median("median", False))
nanmedian = export("nanmedian")(_make_median("nanmedian", True))


@export("mode")
def mode(input, dim=-1, keepdim=False, *, out=None):
    """The most frequent value along ``dim`` and the index of its last occurrence:
    ``(values, indices)`` (``ember.return_types.mode``); among equally frequent values the
    smallest wins.

    NaN: values are ordered as ``sort`` orders them (NaN last) and a NaN never equals another
    value, so every NaN counts once and NaN is the result only where every value is NaN (the
    index is then the first one's). PyTorch's CPU kernel agrees whenever the NaNs come after
    the other values along ``dim``; elsewhere its answer depends on where its comparison sort
    leaves the unordered NaNs (``torch.mode(torch.tensor([nan, nan, 1.]))`` gives NaN,
    ``[3., 3., nan, 2., 2., 2.]`` gives 3), which ember does not imitate.

    Example: ``ember.mode(ember.tensor([1, 2, 2, 1, 3]))`` is ``(values=tensor(1),
    indices=tensor(3))``."""
    _no_complex_order(input, "mode")

    def pick(d):
        n = input._shape[d]
        be = input._storage._be
        nd = input.dim()
        with no_grad():
            si = sort_indices(input, d, False, True)
            s = be.take_along_axis(input._data, si._data, d)
            neq = be.ne(be.getitem(s, _axis_key(nd, d, slice(1, n))),
                        be.getitem(s, _axis_key(nd, d, slice(0, n - 1))))
            head = be.full(input._shape[:d] + (1,) + input._shape[d + 1:], True, D.bool_,
                           input._storage.device.index)
            starts = be.concat([head, neq], d)
            pos = _positions(input, input._shape, d)
            run_start, _ = cum_extreme_native(_wrap(be.where(starts, pos, 0), input, D.int64),
                                              d, True)
            count = be.add(be.sub(pos, run_start), 1)
            best = be.eq(count, be.max(count, (d,), True))
            p = be.argmax(best, d, True)
            return _wrap(be.take_along_axis(si._data, p, d), input, D.int64)

    res = _select_dim(input, dim, keepdim, "mode", RT.mode, _ModeValues, pick)
    return _out_pair(res, out, RT.mode) if out is not None else res


# -- quantile / nanquantile ----------------------------------------------------------------------

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(name, input, q, dim, keepdim, interpolation, ignore_nan):
    if input._dtype not in (D.float32, D.float64):
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype "
                           f"(got {_tname(input._dtype)})")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    from .._creation import tensor
    if isinstance(q, Tensor):
        if q.dim() > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
        if q._dtype is not input._dtype:
            raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor "
                               f"({q._dtype} vs {input._dtype})")
        _check_same_device(name, input, q)
        qt = q.detach().reshape(-1)
        if qt.numel() and bool(((qt < 0) | (qt > 1)).any()):
            raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
        q_vec = q.dim() == 1
    else:
        qv = float(q)
        if not 0 <= qv <= 1:
            raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {qv}")
        qt = tensor([qv], dtype=input._dtype, device=input.device)
        q_vec = False
    if input.numel() == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    if dim is None:
        x, d = input.reshape(-1), 0
    else:
        d = _wrap_dim(dim, input.dim(), name)
        x = input if input.dim() else input.reshape(1)
    xs = sort(x, d).values.movedim(d, -1)                      # (..., n), differentiable
    n = xs._shape[-1]
    last = xs.dim() - 1
    where = EXPORTS["where"]
    with no_grad():
        nan = xs.isnan()
        if ignore_nan:
            rank = qt * ((~nan).sum(-1, keepdim=True) - 1)
        else:
            rank = where(nan.any(-1, keepdim=True), float(n - 1), qt * (n - 1))
        rank = rank.clamp(min=0)
        lo = rank.floor().long()
        hi = rank.ceil().long()
    if interpolation == "lower":
        r = _Gather.apply(xs, lo, last)
    elif interpolation == "higher":
        r = _Gather.apply(xs, hi, last)
    elif interpolation == "nearest":
        r = _Gather.apply(xs, rank.round().long(), last)
    else:
        w = (rank - lo) if interpolation == "linear" else 0.5
        r = EXPORTS["lerp"](_Gather.apply(xs, lo, last), _Gather.apply(xs, hi, last), w)
    r = r.movedim(-1, 0)                                       # (Q, ...)
    if not q_vec:
        r = r.squeeze(0)
    if keepdim:
        lead = 1 if q_vec else 0
        if dim is None:
            r = r.reshape(r._shape[:lead] + (1,) * input.dim())
        elif input.dim():
            r = r.unsqueeze(lead + d)
    return r


def _make_quantile(name, ignore_nan):
    def op(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
        return _ret(_quantile(name, input, q, dim, keepdim, interpolation, ignore_nan), out)

    op.__name__ = name
    nan_rule = ("NaN entries are ignored (all-NaN gives NaN)" if ignore_nan else
                "a NaN in a reduced slice makes its result NaN")
    op.__doc__ = (
        f"The ``q``-th quantiles (``q`` a float or a 1-D tensor in [0, 1]) over ``dim`` (None:"
        f" all entries); {nan_rule}. ``interpolation`` between the two nearest ranks: "
        f"'linear', 'lower', 'higher', 'midpoint' or 'nearest'. Shape: the reduced shape, "
        f"with a leading ``len(q)`` dimension for a 1-D ``q``.\n\nExample: "
        f"``ember.{name}(ember.tensor([1., 2., 3., 4.]), 0.5)`` is ``tensor(2.5000)``.")
    return op


quantile = export("quantile")(_make_quantile("quantile", False))
nanquantile = export("nanquantile")(_make_quantile("nanquantile", True))


# -- unique / unique_consecutive -----------------------------------------------------------------

def _differs_from_previous(be, a, n):
    """``a[1:] != a[:-1]`` along axis 0 of the native ``a`` (``n`` long)."""
    return be.ne(be.getitem(a, (slice(1, n),)), be.getitem(a, (slice(0, n - 1),)))


def _run_starts(be, neq, dev_i):
    """The mask of run starts along axis 0: ``neq`` (from ``_differs_from_previous``) with
    True prepended for the first entry."""
    return be.concat([be.full((1,) + tuple(neq.shape[1:]), True, D.bool_, dev_i), neq], 0)


def _col_ranks(be, a, like):
    """Dense ranks (int64, from 0) of each entry of the 2-D native ``a`` within its column:
    equal values share a rank, NaNs are all distinct."""
    n = a.shape[0]
    s, si = be.sort(a, 0, False, True)
    b = _run_starts(be, _differs_from_previous(be, s, n), like._storage.device.index)
    rs = be.sub(be.cumsum(be.astype(b, D.int64), 0), 1)
    return be.scatter(be.sub(si, si), si, rs, 0, None)


def _row_keys(be, a, like):
    """One int64 key per row of the 2-D native ``a`` (n >= 1 rows, m >= 1 columns) whose
    order is the lexicographic order of the rows (equal rows, equal keys). Columns are
    ranked, then adjacent rank columns are merged pairwise (``hi * n + lo``, ranked again)
    until one remains: log2(m) batched sorts."""
    n = a.shape[0]
    r = _col_ranks(be, a, like)
    while r.shape[1] > 1:
        if r.shape[1] % 2:
            pad = be.full((n, 1), 0, D.int64, like._storage.device.index)
            r = be.concat([r, pad], 1)
        hi = be.getitem(r, (slice(None), slice(0, None, 2)))
        lo = be.getitem(r, (slice(None), slice(1, None, 2)))
        r = _col_ranks(be, be.add(be.mul(hi, n), lo), like)
    return be.getitem(r, (slice(None), 0))


def _runs(be, b, n, like):
    """From the run-start mask ``b`` (1-D bool native of length n): (start positions,
    run id of each position, run lengths)."""
    starts = be.nonzero(b)[0]
    rid = be.sub(be.cumsum(be.astype(b, D.int64), 0), 1)
    end = be.full((1,), n, D.int64, like._storage.device.index)
    bounds = be.concat([starts, end], 0)
    counts = be.sub(be.getitem(bounds, (slice(1, None),)), be.getitem(bounds, (slice(0, -1),)))
    return starts, rid, counts


def _unique_impl(input, dim, sort_first, return_inverse, return_counts, name):
    x = input.detach()
    be = x._storage._be
    dev_i = x._storage.device.index
    if dim is None:
        flat = x.reshape(-1)
        n = flat.numel()
        if sort_first and n:
            order = sort_indices(flat, 0)._data
            keys = be.take(flat._data, order, 0)
        else:
            order, keys = None, flat._data
        if n:
            b = _run_starts(be, _differs_from_previous(be, keys, n), dev_i)
        else:
            b = be.full((0,), False, D.bool_, dev_i)
        starts, rid, counts = _runs(be, b, n, x)
        values = _wrap(be.take(keys, starts, 0), x)
        inv = rid if order is None else be.scatter(be.sub(order, order), order, rid, 0, None)
        inverse = _wrap(inv, x, D.int64).reshape(x._shape)
    else:
        d = _wrap_dim(dim, x.dim(), name)
        moved = x.movedim(d, 0) if x.dim() else x.reshape(1)
        n = moved._shape[0]
        m = moved.numel() // n if n else 0
        if n and m == 0:
            raise RuntimeError(f"{name}(): There are 0 sized dimensions, and they aren't "
                               f"selected, so unique cannot be applied")
        if n == 0:
            e = _zeros((0,), D.int64, x)
            res = (x.clone(), e, e)
            return _pick(res, return_inverse, return_counts)
        a = moved.reshape(n, m)._data
        if sort_first:
            key = _row_keys(be, a, x)
            _, order = be.sort(key, 0, False, True)
            neq = _differs_from_previous(be, be.take(key, order, 0), n)
        else:
            order = None
            neq = be.any(_differs_from_previous(be, a, n), (1,), False)
        b = _run_starts(be, neq, dev_i)
        starts, rid, counts = _runs(be, b, n, x)
        rows = starts if order is None else be.take(order, starts, 0)
        values = _wrap(be.take(moved.contiguous()._data, rows, 0), x)
        if x.dim():
            values = values.movedim(0, d)
        inv = rid if order is None else be.scatter(be.sub(order, order), order, rid, 0, None)
        inverse = _wrap(inv, x, D.int64)
    return _pick((values, inverse, _wrap(counts, x, D.int64)), return_inverse, return_counts)


def _pick(res, return_inverse, return_counts):
    out = [res[0]]
    if return_inverse:
        out.append(res[1])
    if return_counts:
        out.append(res[2])
    return out[0] if len(out) == 1 else tuple(out)


@export("unique")
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values of ``input`` (flattened), or with ``dim`` the distinct slices
    along ``dim``, in ascending (lexicographic for slices) order. With ``return_inverse``
    also the index of each input entry (slice) in the result, shaped like ``input`` (like
    ``dim``); with ``return_counts`` how often each appears. ``sorted=False`` allows any
    order; ember always sorts. NaNs are all distinct. Not differentiable.

    Example: ``ember.unique(ember.tensor([3, 1, 3]), return_counts=True)`` is
    ``(tensor([1, 3]), tensor([1, 2]))``."""
    return _unique_impl(input, dim, True, return_inverse, return_counts, "unique")


@export("unique_consecutive")
def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Collapse each run of equal consecutive values (or slices along ``dim``) into one,
    keeping the order; ``return_inverse``/``return_counts`` as in ``unique``.

    Example: ``ember.unique_consecutive(ember.tensor([1, 1, 2, 1]))`` is
    ``tensor([1, 2, 1])``."""
    return _unique_impl(input, dim, False, return_inverse, return_counts,
                        "unique_consecutive")


# -- bincount / histc ----------------------------------------------------------------------------

@export("bincount")
def bincount(input, weights=None, minlength=0):
    """Counts of each value of the 1-D non-negative integer ``input``: ``out[v]`` is the
    number of entries equal to ``v`` (the sum of their ``weights`` when given). Length
    ``max(input.max() + 1, minlength)``; int64, or the float dtype of ``weights`` (float64
    for integer weights). Not differentiable.

    Example: ``ember.bincount(ember.tensor([0, 2, 2]))`` is ``tensor([1, 0, 2])``."""
    if input._dtype.is_floating_point or input._dtype.is_complex or input._dtype is D.bool_:
        raise NotImplementedError(f"\"bincount\" not implemented for '{_tname(input._dtype)}'"
                                  f": bincount needs an integer tensor (convert with .long())")
    if input.dim() != 1:
        raise RuntimeError(f"bincount only supports 1-d non-negative integral inputs "
                           f"(got a {input.dim()}-d tensor).")
    minlength = int(minlength)
    if minlength < 0:
        raise RuntimeError(f"minlength should be >= 0 (got {minlength})")
    n = input.numel()
    if weights is not None:
        if not isinstance(weights, Tensor) or weights._shape != input._shape:
            raise RuntimeError(f"weights should be 1-d and have the same length as input "
                               f"(input {list(input._shape)}, weights "
                               f"{list(getattr(weights, 'shape', ()))})")
        _check_same_device("bincount", input, weights)
    if n and int(input.min().item()) < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    length = _py_max(minlength, int(input.max().item()) + 1 if n else 0)
    be = input._storage._be
    idx = input.detach().long()._data
    if weights is None:
        dt = D.int64
        src = be.full((n,), 1, dt, input._storage.device.index)
    else:
        dt = weights._dtype if weights._dtype.is_floating_point else D.float64
        src = weights.detach().to(dt).contiguous()._data
    base = be.full((length,), 0, dt, input._storage.device.index)
    return _wrap(be.scatter(base, idx, src, 0, "sum"), input, dt)


@export("histc")
def histc(input, bins=100, min=0, max=0, *, out=None):  # noqa: A002
    """Histogram of ``input`` with ``bins`` equal-width bins over ``[min, max]`` (the data's
    own range when both are equal, widened by 1 each way if that range is a point); entries
    outside it (and NaN) are ignored, ``max`` falls in the last bin. Same float dtype as
    ``input``; not differentiable.

    Example: ``ember.histc(ember.tensor([1., 2., 1.]), bins=4, min=0, max=3)`` is
    ``tensor([0., 2., 1., 0.])``."""
    if not input._dtype.is_floating_point:
        raise NotImplementedError(f"\"histc\" not implemented for '{_tname(input._dtype)}': "
                                  f"histc needs a floating point input (convert with .float())")
    bins = int(bins)
    if bins <= 0:
        raise RuntimeError(f"torch.histc(): bins must be > 0, but got {bins}")
    lo, hi = float(min), float(max)
    if lo > hi:
        raise RuntimeError(f"torch.histc: max must be larger than min (got min={lo}, "
                           f"max={hi})")
    x = input.detach().reshape(-1)
    if lo == hi and x.numel():
        lo, hi = float(x.min().item()), float(x.max().item())
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{lo}, {hi}] is not finite")
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    be = x._storage._be
    dev_i = x._storage.device.index
    xs = x[(x >= lo) & (x <= hi)]
    pos = ((xs - lo) * bins / (hi - lo)).floor().long().clamp(0, bins - 1)
    base = be.full((bins,), 0, x._dtype, dev_i)
    ones = be.full((xs.numel(),), 1, x._dtype, dev_i)
    return _ret(_wrap(be.scatter(base, pos._data, ones, 0, "sum"), x, x._dtype), out)
