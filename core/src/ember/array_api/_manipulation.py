"""Manipulation functions of the Array API (and ``broadcast_shapes``)."""

from __future__ import annotations

from .. import _dtype as D
from .._ops._reg import EXPORTS as _E
from .._ops.core import broadcast_shapes as _bshapes
from .._tensor import Tensor
from ._helpers import check_array, common_dtype, norm_axes, norm_axis

__all__ = ["broadcast_arrays", "broadcast_shapes", "broadcast_to", "concat", "expand_dims",
           "flip", "moveaxis", "permute_dims", "repeat", "reshape", "roll", "squeeze",
           "stack", "tile", "unstack"]


def _arrays(arrays, op):
    if isinstance(arrays, Tensor) or not isinstance(arrays, (list, tuple)):
        raise TypeError(f"{op}(): expected a tuple or list of arrays, got "
                        f"{type(arrays).__name__}")
    for a in arrays:
        check_array(a, op, "every element")
    if not arrays:
        raise ValueError(f"{op}(): expected at least one array")
    d = common_dtype(*(a._dtype for a in arrays))
    return [a if a._dtype is d else a.to(d) for a in arrays]


def broadcast_arrays(*arrays):
    """The arrays broadcast against each other (views). Returns a list."""
    for a in arrays:
        check_array(a, "broadcast_arrays", "every argument")
    return list(_E["broadcast_tensors"](*arrays))


def broadcast_shapes(*shapes):
    """The shape that ``shapes`` broadcast to (a tuple)."""
    return tuple(_bshapes(*shapes))


def broadcast_to(x, /, shape):
    """``x`` broadcast to ``shape`` (a view)."""
    check_array(x, "broadcast_to")
    return _E["broadcast_to"](x, tuple(shape))


def concat(arrays, /, *, axis=0):
    """Join arrays along an existing ``axis`` (``None``: flatten them first), promoting their
    dtypes.

    Example::

        >>> xp.concat([xp.ones((1, 2)), xp.zeros((1, 2))], axis=0).shape
        ember.Size([2, 2])
    """
    ts = _arrays(arrays, "concat")
    if axis is None:
        return _E["cat"]([t.reshape(-1) for t in ts], 0)
    nd = ts[0].ndim
    if nd == 0:
        raise ValueError("concat(): zero-dimensional arrays cannot be concatenated")
    return _E["cat"](ts, norm_axis(axis, nd, "concat"))


def expand_dims(x, /, *, axis=0):
    """``x`` with a new axis of size one at ``axis`` (in ``[-ndim - 1, ndim]``)."""
    check_array(x, "expand_dims")
    return x.unsqueeze(norm_axis(axis, x.ndim + 1, "expand_dims"))


def flip(x, /, *, axis=None):
    """``x`` with the order of elements reversed along ``axis`` (all axes when None)."""
    check_array(x, "flip")
    dims = norm_axes(axis, x.ndim, "flip")
    return _E["flip"](x, dims) if dims else x.clone()


def moveaxis(x, source, destination, /):
    """``x`` with axes moved from ``source`` to ``destination`` (ints or tuples)."""
    check_array(x, "moveaxis")
    return _E["moveaxis"](x, source, destination)


def permute_dims(x, /, axes):
    """``x`` with its axes permuted (a view)."""
    check_array(x, "permute_dims")
    axes = tuple(norm_axis(a, x.ndim, "permute_dims") for a in axes)
    if sorted(axes) != list(range(x.ndim)):
        raise ValueError(f"permute_dims(): axes {axes} are not a permutation of "
                         f"{tuple(range(x.ndim))}")
    return x.permute(*axes)


def repeat(x, repeats, /, *, axis=None):
    """Each element repeated ``repeats`` times (an int or a 1-D int array, one count per
    element) along ``axis``; ``x`` is flattened first when ``axis`` is None."""
    check_array(x, "repeat")
    if axis is None:
        x, axis = x.reshape(-1), 0
    axis = norm_axis(axis, x.ndim, "repeat")
    if isinstance(repeats, Tensor):
        if repeats._dtype.is_floating_point or repeats._dtype.is_complex:
            raise TypeError(f"repeat(): repeats must be integers, got {repeats._dtype}")
        repeats = repeats.to(D.int64)
    return _E["repeat_interleave"](x, repeats, axis)


def reshape(x, /, shape, *, copy=None):
    """``x`` with a new shape (one entry may be ``-1``): a view when the strides allow;
    ``copy=True`` always copies, ``copy=False`` raises ``ValueError`` when a copy is needed."""
    check_array(x, "reshape")
    shape = tuple(shape)
    if copy:
        return x.reshape(shape).clone()
    if copy is False:
        try:
            return x.view(shape)
        except RuntimeError as exc:
            raise ValueError(f"reshape(): the strides of this array do not allow a view of "
                             f"shape {shape}; a copy is needed, which copy=False forbids") from exc
    return x.reshape(shape)


def roll(x, /, shift, *, axis=None):
    """Elements shifted by ``shift`` along ``axis`` (flattened when None), wrapping around."""
    check_array(x, "roll")
    if axis is None:
        return _E["roll"](x.reshape(-1), shift, 0).reshape(x._shape)
    return _E["roll"](x, shift, axis)


def squeeze(x, /, axis):
    """``x`` without the axes ``axis`` (an int or tuple), which must have size one
    (``ValueError`` otherwise)."""
    check_array(x, "squeeze")
    axes = norm_axes(axis, x.ndim, "squeeze")
    for a in axes:
        if x._shape[a] != 1:
            raise ValueError(f"squeeze(): axis {a} has size {x._shape[a]}, not 1 (shape "
                             f"{tuple(x._shape)})")
    if not axes:
        return x
    return x.reshape(tuple(n for i, n in enumerate(x._shape) if i not in axes))


def stack(arrays, /, *, axis=0):
    """Join same-shaped arrays along a new ``axis``, promoting their dtypes."""
    ts = _arrays(arrays, "stack")
    return _E["stack"](ts, norm_axis(axis, ts[0].ndim + 1, "stack"))


def tile(x, repetitions, /):
    """``x`` repeated ``repetitions[i]`` times along each axis."""
    check_array(x, "tile")
    return _E["tile"](x, tuple(repetitions))


def unstack(x, /, *, axis=0):
    """The slices of ``x`` along ``axis``, as a tuple of views."""
    check_array(x, "unstack")
    if x.ndim == 0:
        raise ValueError("unstack(): a zero-dimensional array cannot be unstacked")
    return tuple(x.unbind(norm_axis(axis, x.ndim, "unstack")))
