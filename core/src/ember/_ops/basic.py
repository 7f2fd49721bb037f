"""``sum``, ``mean`` and ``matmul``: the reductions and products the core itself needs."""

from __future__ import annotations

from .. import _dtype as D
from .._tensor import Tensor, _from_native, _prod, _wrap_dim
from .core import Op, write_out, _check_same_device, _view_of
from ..autograd.grad_mode import STATE
from ..autograd.function import _record_unary
from ._reg import export


def norm_dims(dim, ndim, op="reduce"):
    """A sorted tuple of non-negative dims (None means all)."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (list, tuple)):
        if len(dim) == 0:
            return tuple(range(ndim))
        ds = tuple(sorted(_wrap_dim(d, ndim, op) for d in dim))
        if len(set(ds)) != len(ds):
            raise RuntimeError(f"{op}(): dim {list(dim)} appears multiple times in the list of "
                               f"dims")
        return ds
    return (_wrap_dim(dim, ndim, op),)


def expand_reduced(g, in_shape, dims, keepdim):
    """Broadcast a reduced gradient ``g`` back to ``in_shape``."""
    if not g._shape and not STATE.grad_enabled and g.__class__ is Tensor:
        # a whole-tensor reduction without a graph to build: the stride-0 view directly
        return _view_of(g, tuple(in_shape), (0,) * len(in_shape), g._offset)
    if not keepdim and dims and tuple(dims) != tuple(range(len(dims))):
        # reduced dims that are not all leading ones come back as size-1 dims first
        # (expand adds leading dims itself)
        shape = list(in_shape)
        for d in dims:
            shape[d] = 1
        g = g.reshape(tuple(shape))
    return g.expand(in_shape)


class Sum(Op):
    _node_name = "SumBackward1"

    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        ctx.shape, ctx.dims, ctx.keepdim = x._shape, dims, keepdim
        st = x._storage
        r = st._be.sum(x._data, dims, keepdim, dtype)
        return _from_native(r, st._be, st.device)

    @staticmethod
    def backward(ctx, g):
        return expand_reduced(g, ctx.shape, ctx.dims, ctx.keepdim), None, None, None


def _record_sum(x, keepdim):
    """``Sum.apply(x, None, keepdim, None)`` for a floating ``x`` that requires grad, its node
    recorded directly (``_record_unary``): the whole-tensor sum of a loss is in nearly every
    training step."""
    st = x._storage
    be = st._be
    out = _from_native(be.sum(x._data, None, keepdim, None), be, st.device)
    node = _record_unary(Sum, x, out, extra=3)
    node.shape, node.dims, node.keepdim = x._shape, None, keepdim
    return out


def _sum_dtype(x, dtype):
    if dtype is not None:
        return dtype
    d = x._dtype
    if d is D.bool_ or (not d.is_floating_point and not d.is_complex):
        return D.int64
    return d


@export("sum")
def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Sum over ``dim`` (an int, a tuple, or None for all). Integer and bool inputs sum to
    int64. Shape: ``input`` without the reduced dims (kept as size 1 with ``keepdim``).

    Example: ``ember.ones(2, 3).sum(1)`` is ``tensor([3., 3.])``."""
    if dim is None and dtype is None and out is None and input.__class__ is Tensor and (
            input._dtype.is_floating_point or input._dtype.is_complex):
        if STATE.grad_enabled and input._rg:                  # the whole tensor (a loss)
            return _record_sum(input, keepdim)
        return Sum.apply(input, None, keepdim, None)
    dims = norm_dims(dim, input.dim(), "sum")
    dt = _sum_dtype(input, dtype)
    x = input if input._dtype is dt else input.to(dt)
    r = Sum.apply(x, dims if input.dim() else None, keepdim, None)
    if r._dtype is not dt:
        r = r.to(dt)
    return write_out(r, out) if out is not None else r


@export("mean")
def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Arithmetic mean over ``dim`` (floating and complex inputs only, as in PyTorch)."""
    x = input if dtype is None else input.to(dtype)
    if not (x._dtype.is_floating_point or x._dtype.is_complex):
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {_n(x._dtype)}")
    dims = norm_dims(dim, x.dim(), "mean")
    n = _prod(x._shape[d] for d in dims) if x.dim() else 1
    s = Sum.apply(x, dims if x.dim() else None, keepdim, None)
    r = s / n if n else s * float("nan")
    return write_out(r, out) if out is not None else r


def _n(d):
    from .core import _tname
    return _tname(d)


class MatMul(Op):
    _node_name = "MmBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        st = a._storage
        return _from_native(st._be.matmul(a._data, b._data), st._be, st.device)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        ga = MatMul.apply(g, b.mT.conj()) if na else None
        gb = MatMul.apply(a.mT.conj(), g) if nb else None
        return ga, gb


@export("matmul")
def matmul(input, other, *, out=None):
    """Matrix product with PyTorch's rules for 1-D operands and broadcast batch dims:
    (n)@(n) -> (), (b,n,m)@(m,p) -> (b,n,p), (n)@(n,m) -> (m)."""
    a, b = input, other
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError("matmul(): both arguments must be Tensors")
    _check_same_device("matmul", a, b)
    if a.dim() == 0 or b.dim() == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{a.dim()}D and {b.dim()}D")
    if a._dtype is not b._dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_n(a._dtype).lower()} != {_n(b._dtype).lower()}")
    if a._dtype is D.bool_:
        raise RuntimeError("\"addmm_impl_cpu_\" not implemented for 'Bool'")
    ka = a._shape[-1]
    kb = b._shape[-2] if b.dim() >= 2 else b._shape[0]
    if ka != kb:
        sa = "x".join(map(str, a._shape if a.dim() > 1 else (1,) + a._shape))
        sb = "x".join(map(str, b._shape if b.dim() > 1 else b._shape + (1,)))
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({sa} and {sb})")
    sq_a = a.dim() == 1
    sq_b = b.dim() == 1
    if sq_a:
        a = a.unsqueeze(0)
    if sq_b:
        b = b.unsqueeze(1)
    r = MatMul.apply(a, b)
    if sq_a and sq_b:
        r = r.reshape(r._shape[:-2])
    elif sq_a:
        r = r.squeeze(-2)
    elif sq_b:
        r = r.squeeze(-1)
    return write_out(r, out) if out is not None else r


Tensor.__matmul__ = lambda s, o: matmul(s, o) if isinstance(o, Tensor) else NotImplemented
Tensor.__rmatmul__ = lambda s, o: matmul(o, s) if isinstance(o, Tensor) else NotImplemented


@export("mm")
def mm(input, mat2, *, out=None):
    """Product of two matrices: (n, k) @ (k, m) -> (n, m)."""
    if input.dim() != 2 or mat2.dim() != 2:
        raise RuntimeError(f"mm(): expected 2-D tensors, got {input.dim()}-D and {mat2.dim()}-D; "
                           f"use matmul for batches or vectors")
    return matmul(input, mat2, out=out)


@export("bmm")
def bmm(input, mat2, *, out=None):
    """Batched product: (b, n, k) @ (b, k, m) -> (b, n, m)."""
    if input.dim() != 3 or mat2.dim() != 3:
        raise RuntimeError(f"batch1 must be a 3D tensor (got {input.dim()}-D and "
                           f"{mat2.dim()}-D)")
    if input._shape[0] != mat2._shape[0]:
        raise RuntimeError(f"bmm(): batch sizes differ: {input._shape[0]} and {mat2._shape[0]}")
    return matmul(input, mat2, out=out)


@export("mv")
def mv(input, vec, *, out=None):
    """Matrix-vector product: (n, m) @ (m,) -> (n,)."""
    if input.dim() != 2 or vec.dim() != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input.dim()}, {vec.dim()}")
    return matmul(input, vec, out=out)


@export("dot")
def dot(input, other, *, out=None):
    """Inner product of two 1-D tensors of the same size and dtype."""
    if input.dim() != 1 or other.dim() != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.dim()}D and {other.dim()}D "
                           f"tensors")
    if input._shape[0] != other._shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input._shape[0]}] and "
                           f"src [{other._shape[0]}] to have the same number of elements, but "
                           f"got {input._shape[0]} and {other._shape[0]} elements respectively")
    if input._dtype is not other._dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{_n(input._dtype)} and {_n(other._dtype)}")
    return matmul(input, other, out=out)


def _bool_reduce(name):
    def op(input, dim=None, keepdim=False, *, out=None):
        dims = norm_dims(dim, input.dim(), name) if input.dim() else None
        st = input._storage
        r = getattr(st._be, name)(input._data, dims, keepdim)
        r = _from_native(r, st._be, st.device, D.bool_)
        if input._dtype is D.uint8:
            r = r.to(D.uint8)
        return write_out(r, out) if out is not None else r
    op.__name__ = name
    op.__doc__ = (f"True where {'every' if name == 'all' else 'any'} element over ``dim`` is "
                  f"nonzero (bool result; all dims when ``dim`` is None).")
    return op


all = export("all")(_bool_reduce("all"))
any = export("any")(_bool_reduce("any"))
