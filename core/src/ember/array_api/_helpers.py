"""Shared helpers of ``ember.array_api``: argument checks, the standard's type promotion and
axis normalisation.

NOTE [array api promotion]: ember's operators follow PyTorch, where a 0-d tensor ranks below
a dimensioned one (``float32[3] + float64[]`` is float32). The Array API promotes every array
alike (float64 there). The namespace's functions therefore cast their array operands to the
standard's common dtype first; Python scalars stay weak (they take the array's dtype, or its
kind's default when the kinds differ, as ember does). The ``Tensor`` operators keep PyTorch's
rule: see docs/array-api.md.
"""

from __future__ import annotations

from .. import _dtype as D
from .._tensor import Tensor

__all__ = ["check_array", "operands", "common_dtype", "norm_axes", "norm_axis", "is_scalar",
           "device_of"]

_SCALARS = (bool, int, float, complex)


def is_scalar(x) -> bool:
    return isinstance(x, _SCALARS)


def check_array(x, op, what="x"):
    """Raise ``TypeError`` unless ``x`` is an ember tensor."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): expected {what} to be an ember Tensor, got "
                        f"{type(x).__name__}; convert with ember.array_api.asarray first")
    return x


def common_dtype(*dtypes):
    out = dtypes[0]
    for d in dtypes[1:]:
        if d is not out:
            out = D.promote_types(out, d)
    return out


def _scalar_tensor(v, d, like):
    from .._creation import full
    return full((), v, dtype=d, device=like._storage.device)


def operands(x1, x2, op):
    """``(a, b)``: both tensors of the standard's common dtype (NOTE [array api
    promotion]). One of ``x1``, ``x2`` may be a Python scalar."""
    t1, t2 = isinstance(x1, Tensor), isinstance(x2, Tensor)
    if t1 and t2:
        d1, d2 = x1._dtype, x2._dtype
        if d1 is not d2:
            d = D.promote_types(d1, d2)
            if d1 is not d:
                x1 = x1.to(d)
            if d2 is not d:
                x2 = x2.to(d)
        return x1, x2
    if t1 and is_scalar(x2):
        d = D.result_type(x1._dtype, x2)
        return (x1 if d is x1._dtype else x1.to(d)), _scalar_tensor(x2, d, x1)
    if t2 and is_scalar(x1):
        d = D.result_type(x2._dtype, x1)
        return _scalar_tensor(x1, d, x2), (x2 if d is x2._dtype else x2.to(d))
    raise TypeError(f"{op}(): expected arrays (ember Tensors) or one array and one Python "
                    f"scalar, got {type(x1).__name__} and {type(x2).__name__}")


def norm_axis(axis, ndim, op):
    """One axis in ``[0, ndim)``; ``IndexError`` (as the standard asks) when out of range."""
    if isinstance(axis, bool) or not isinstance(axis, int):
        try:
            axis = axis.__index__()
        except AttributeError:
            raise TypeError(f"{op}(): axis must be an int, got {type(axis).__name__}") from None
    if not -ndim <= axis < ndim:
        raise IndexError(f"{op}(): axis {axis} is out of range for an array of {ndim} "
                         f"dimension(s) (valid: {-ndim}..{ndim - 1})")
    return axis % ndim


def norm_axes(axis, ndim, op):
    """A sorted tuple of distinct axes; ``None`` means all of them."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        out = tuple(norm_axis(a, ndim, op) for a in axis)
        if len(set(out)) != len(out):
            raise ValueError(f"{op}(): repeated axis in {tuple(axis)}")
        return tuple(sorted(out))
    return (norm_axis(axis, ndim, op),)


def device_of(*xs):
    for x in xs:
        if isinstance(x, Tensor):
            return x._storage.device
    return None
