"""Shape and joining ops: ``cat``/``stack`` and their h/v/d/column variants, ``split``,
``chunk``, ``tensor_split``, ``repeat``, ``repeat_interleave``, ``tile``, ``flip``, ``roll``,
``rot90``, ``tril``/``triu``, ``diag``, ``diag_embed``, ``diagflat``, ``trace``, ``meshgrid``,
``broadcast_tensors``, ``atleast_1d/2d/3d`` and the ``Tensor.new_*`` factories.

Most of these are views or compositions of views (their gradients follow from the view
ops); ``cat`` and ``flip`` are ``Op``s with their own backward.
"""

from __future__ import annotations

from .. import _dtype as D
from .._tensor import Tensor, _wrap_dim, _contig_strides, _from_native
from .core import (Op, write_out, _check_same_device, _inplace, _ScatterGeom, _g_diagonal,
                   _tname, broadcast_shapes, narrow, _shape_args)
from ._reg import export, method, EXPORTS

__all__ = ["cat", "concat", "concatenate", "stack", "hstack", "vstack", "row_stack", "dstack",
           "column_stack", "split", "split_with_sizes", "chunk", "tensor_split", "hsplit",
           "vsplit", "dsplit", "repeat", "repeat_interleave", "tile", "flip", "fliplr",
           "flipud", "roll", "rot90", "tril", "triu", "diag", "diag_embed", "diagflat",
           "trace", "meshgrid", "broadcast_tensors", "atleast_1d", "atleast_2d", "atleast_3d"]


def _tensor_list(tensors, op):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        f"not {type(tensors).__name__}")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): expected a sequence of Tensors, but element {i} is "
                            f"{type(t).__name__}")
    return list(tensors)


# -- cat / stack ------------------------------------------------------------------------------

def _legacy_empty(t):
    # PyTorch skips 1-D empty tensors in cat whatever the other shapes are
    return t._shape == (0,)


class Cat(Op):
    """Join along ``dim``; inputs are already of the result dtype (legacy empties allowed)."""

    _node_name = "CatBackward0"

    @staticmethod
    def forward(ctx, dim, *xs):
        skip = [_legacy_empty(x) for x in xs]
        if all(skip):
            skip[0] = False
        ctx.dim = dim
        ctx.sizes = tuple(None if s else x._shape[dim] for x, s in zip(xs, skip))
        be = xs[0]._storage._be
        return be.concat([x._data for x, s in zip(xs, skip) if not s], dim)

    @staticmethod
    def backward(ctx, g):
        out, off = [None], 0
        for n in ctx.sizes:
            if n is None:
                out.append(g.new_zeros((0,)))
                continue
            out.append(narrow(g, ctx.dim, off, n))
            off += n
        return tuple(out)


@export("cat", "concat", method=False)
def cat(tensors, dim=0, *, out=None):
    """Concatenate tensors along an existing dimension ``dim``.

    All tensors must have the same shape except in ``dim`` (1-D empty tensors are skipped, as
    in PyTorch); dtypes are promoted to a common dtype.

    Shape: ``(*, n_i, *)`` for each input -> ``(*, sum(n_i), *)``.

    Example::

        >>> ember.cat([ember.zeros(2, 3), ember.ones(1, 3)]).shape
        ember.Size([3, 3])
    """
    ts = _tensor_list(tensors, "cat")
    if not ts:
        raise ValueError("cat(): expected a non-empty list of Tensors")
    _check_same_device("cat", *ts)
    ri = next((i for i, t in enumerate(ts) if not _legacy_empty(t)), 0)
    ref = ts[ri]
    for i, t in enumerate(ts):
        if t.dim() == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be "
                               f"concatenated; unsqueeze it first or use ember.stack")
    nd = ref.dim()
    d = _wrap_dim(dim, nd, "cat")
    for i, t in enumerate(ts):
        if _legacy_empty(t):
            continue
        if t.dim() != nd:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {nd} and "
                               f"{t.dim()} (cat of shapes {list(ref._shape)} at position {ri} "
                               f"and {list(t._shape)} at position {i})")
        for k in range(nd):
            if k != d and t._shape[k] != ref._shape[k]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size "
                    f"{ref._shape[k]} but got size {t._shape[k]} for tensor number {i} in the "
                    f"list (shapes {list(ref._shape)} and {list(t._shape)}; cat along dim {d})")
    dt = D.result_type(*ts)
    ts = [t if t._dtype is dt else t.to(dt) for t in ts]
    r = Cat.apply(d, *ts)
    return write_out(r, out) if out is not None else r


concat = cat


@export("concatenate", method=False)
def concatenate(tensors, axis=0, *, out=None):
    """``cat`` with NumPy's argument name ``axis``."""
    return cat(tensors, axis, out=out)


@export("stack", method=False)
def stack(tensors, dim=0, *, out=None):
    """Join equally shaped tensors along a new dimension ``dim``.

    Shape: ``k`` tensors of shape ``S`` -> ``S`` with ``k`` inserted at ``dim``.

    Example::

        >>> ember.stack([ember.zeros(2), ember.ones(2)], dim=1).shape
        ember.Size([2, 2])
    """
    ts = _tensor_list(tensors, "stack")
    if not ts:
        raise RuntimeError("stack expects a non-empty TensorList")
    for i, t in enumerate(ts[1:], 1):
        if t._shape != ts[0]._shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(ts[0]._shape)} at entry 0 and {list(t._shape)} at entry "
                               f"{i}")
    d = _wrap_dim(dim, ts[0].dim() + 1, "stack")
    return cat([t.unsqueeze(d) for t in ts], d, out=out)


def _atleast(t, n):
    if t.dim() >= n:
        return t
    if n == 1:
        return t.reshape(1)
    if n == 2:
        return t.reshape((1,) * (2 - t.dim()) + t._shape)
    if t.dim() == 0:
        return t.reshape(1, 1, 1)
    if t.dim() == 1:
        return t.reshape(1, t._shape[0], 1)
    return t.unsqueeze(-1)


def _atleast_fn(n):
    def fn(*tensors):
        if len(tensors) == 1 and isinstance(tensors[0], Tensor):
            return _atleast(tensors[0], n)
        if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
            tensors = tuple(tensors[0])
        return tuple(_atleast(t, n) for t in _tensor_list(tensors, f"atleast_{n}d"))
    fn.__name__ = f"atleast_{n}d"
    fn.__doc__ = (f"Views of the inputs with at least {n} dimension(s) (one tensor in, one out; "
                  f"several or a list in, a tuple out). ``atleast_3d`` turns ``(n,)`` into "
                  f"``(1, n, 1)`` and ``(m, n)`` into ``(m, n, 1)``.\n\n"
                  f"Example: ``ember.atleast_{n}d(ember.tensor(1.)).dim() == {n}``.")
    return fn


atleast_1d = export("atleast_1d", method=False)(_atleast_fn(1))
atleast_2d = export("atleast_2d", method=False)(_atleast_fn(2))
atleast_3d = export("atleast_3d", method=False)(_atleast_fn(3))


@export("hstack", method=False)
def hstack(tensors, *, out=None):
    """Stack horizontally: ``cat`` along dim 0 for 1-D inputs, dim 1 otherwise (0-d inputs
    become 1-D). Example: ``hstack([ones(2), zeros(3)]).shape == (5,)``."""
    ts = [_atleast(t, 1) for t in _tensor_list(tensors, "hstack")]
    if not ts:
        raise RuntimeError("hstack expects a non-empty TensorList")
    return cat(ts, 0 if ts[0].dim() == 1 else 1, out=out)


@export("vstack", "row_stack", method=False)
def vstack(tensors, *, out=None):
    """Stack vertically: inputs made at least 2-D, then ``cat`` along dim 0.
    Example: ``vstack([ones(3), zeros(3)]).shape == (2, 3)``."""
    ts = [_atleast(t, 2) for t in _tensor_list(tensors, "vstack")]
    if not ts:
        raise RuntimeError("vstack expects a non-empty TensorList")
    return cat(ts, 0, out=out)


row_stack = vstack


@export("dstack", method=False)
def dstack(tensors, *, out=None):
    """Stack depth-wise: inputs made at least 3-D, then ``cat`` along dim 2.
    Example: ``dstack([ones(3), zeros(3)]).shape == (1, 3, 2)``."""
    ts = [_atleast(t, 3) for t in _tensor_list(tensors, "dstack")]
    if not ts:
        raise RuntimeError("dstack expects a non-empty TensorList")
    return cat(ts, 2, out=out)


@export("column_stack", method=False)
def column_stack(tensors, *, out=None):
    """Stack as columns: 0-d and 1-D inputs of ``n`` elements become ``(n, 1)`` columns, then
    ``cat`` along dim 1. Example: ``column_stack([ones(3), zeros(3, 2)]).shape == (3, 3)``."""
    ts = _tensor_list(tensors, "column_stack")
    if not ts:
        raise RuntimeError("column_stack expects a non-empty TensorList")
    ts = [t.reshape(t.numel(), 1) if t.dim() <= 1 else t for t in ts]
    return cat(ts, 1, out=out)


# -- split / chunk ----------------------------------------------------------------------------

@export("split_with_sizes")
def split_with_sizes(input, split_sizes, dim=0):
    """Views of ``input`` along ``dim`` of the given sizes (which must sum to its size)."""
    d = _wrap_dim(dim, input.dim(), "split_with_sizes")
    n = input._shape[d]
    sizes = [int(s) for s in split_sizes]
    if any(s < 0 for s in sizes) or sum(sizes) != n:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input "
                           f"tensor's size at dimension {d}), but got split_sizes={sizes}")
    out, off = [], 0
    for s in sizes:
        out.append(narrow(input, d, off, s))
        off += s
    return tuple(out)


@export("split")
def split(tensor, split_size_or_sections, dim=0):
    """Split into views along ``dim``: chunks of ``split_size`` (an int; the last may be
    smaller) or of the sizes in a list.

    Example::

        >>> [t.shape[0] for t in ember.arange(5).split(2)]
        [2, 2, 1]
        >>> [t.shape[0] for t in ember.arange(5).split([1, 4])]
        [1, 4]
    """
    if isinstance(split_size_or_sections, (list, tuple)):
        return split_with_sizes(tensor, split_size_or_sections, dim)
    if isinstance(split_size_or_sections, Tensor):
        split_size_or_sections = int(split_size_or_sections.item())
    size = int(split_size_or_sections)
    d = _wrap_dim(dim, tensor.dim(), "split")
    n = tensor._shape[d]
    if size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={size}")
    if size == 0:
        if n != 0:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {n}")
        return (narrow(tensor, d, 0, 0),)
    k = max(1, -(-n // size))
    return tuple(narrow(tensor, d, i * size, min(size, n - i * size)) for i in range(k))


@export("chunk")
def chunk(input, chunks, dim=0):
    """Split into at most ``chunks`` views of equal size ``ceil(n / chunks)`` along ``dim``
    (the last may be smaller, and fewer chunks come back when ``n`` does not fill them).

    Example: ``[t.shape[0] for t in ember.arange(6).chunk(4)] == [2, 2, 2]``."""
    chunks = int(chunks)
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = _wrap_dim(dim, input.dim(), "chunk")
    n = input._shape[d]
    if n == 0:
        return tuple(narrow(input, d, 0, 0) for _ in range(chunks))
    return split(input, -(-n // chunks), d)


@export("tensor_split")
def tensor_split(input, indices_or_sections, dim=0):
    """Split into views along ``dim``, as ``numpy.array_split``: an int ``k`` gives ``k``
    parts whose sizes differ by at most one (the first ``n % k`` are one larger); a list
    (or 1-D int64 tensor) of indices splits before each index.

    Example: ``[t.tolist() for t in ember.tensor_split(ember.arange(5), [1, 3])]`` is
    ``[[0], [1, 2], [3, 4]]``."""
    d = _wrap_dim(dim, input.dim(), "tensor_split")
    n = input._shape[d]
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        if ios._dtype is not D.int64:
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to have dtype "
                               f"of long, but got {_tname(ios._dtype)}")
        if ios.dim() > 1:
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to be a "
                               f"zero-dimensional or one-dimensional tensor, but got a tensor "
                               f"with {ios.dim()} dims")
        ios = int(ios.item()) if ios.dim() == 0 else [int(v) for v in ios.tolist()]
    if isinstance(ios, (list, tuple)):
        bounds = [0] + [int(i) for i in ios] + [n]
        out = []
        for a, b in zip(bounds[:-1], bounds[1:]):
            s, e, _ = slice(a, b).indices(n)
            out.append(narrow(input, d, s, max(0, e - s)))
        return tuple(out)
    k = int(ios)
    if k <= 0:
        raise RuntimeError(f"number of sections must be larger than 0, got {k}")
    q, r = divmod(n, k)
    out, off = [], 0
    for i in range(k):
        s = q + (1 if i < r else 0)
        out.append(narrow(input, d, off, s))
        off += s
    return tuple(out)


def _dir_split(name, dim_of, where, min_dim):
    def fn(input, indices_or_sections):
        if input.dim() < min_dim:
            raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dim} "
                               f"dimension, but got a tensor with {input.dim()} dimensions!")
        d = dim_of(input)
        if isinstance(indices_or_sections, int):
            n = input._shape[d]
            k = indices_or_sections
            if k == 0 or n % k:
                raise RuntimeError(f"torch.{name} attempted to split along dimension {d}, but "
                                   f"the size of the dimension {n} is not divisible by the "
                                   f"split_size {k}!")
        return tensor_split(input, indices_or_sections, d)
    fn.__name__ = name
    fn.__doc__ = (f"``tensor_split`` along {where}; an int number of sections must divide "
                  f"that dimension evenly. Example: ``ember.ones(4, 4).{name}(2)`` gives two "
                  f"views." if min_dim < 3 else
                  f"``tensor_split`` along {where}; an int number of sections must divide "
                  f"that dimension evenly. Example: ``ember.ones(2, 2, 4).dsplit(2)``.")
    return fn


hsplit = export("hsplit")(_dir_split("hsplit", lambda t: 0 if t.dim() == 1 else 1,
                                     "dimension 1 (0 for 1-D inputs)", 1))
vsplit = export("vsplit")(_dir_split("vsplit", lambda t: 0, "dimension 0", 2))
dsplit = export("dsplit")(_dir_split("dsplit", lambda t: 2, "dimension 2", 3))


# -- repeat / tile ----------------------------------------------------------------------------

@export("repeat", function=False)
def repeat(self, *sizes):
    """Tile the tensor ``sizes[i]`` times along each dimension (a copy); extra leading sizes
    add dimensions.

    Shape: ``(s_0, ..., s_k)`` repeated by ``(r_0, ..., r_k)`` -> ``(r_0 s_0, ..., r_k s_k)``.

    Example: ``ember.tensor([1, 2]).repeat(2, 2)`` is ``[[1, 2, 1, 2], [1, 2, 1, 2]]``."""
    reps = _shape_args(sizes)
    nd = self.dim()
    if len(reps) < nd:
        raise RuntimeError(f"Number of dimensions of repeat dims can not be smaller than number "
                           f"of dimensions of tensor (repeat dims {list(reps)} for a tensor of "
                           f"shape {list(self._shape)})")
    if any(r < 0 for r in reps):
        raise RuntimeError(f"Trying to create tensor with negative dimension in repeat "
                           f"{list(reps)}")
    shape = (1,) * (len(reps) - nd) + self._shape
    inter, big = [], []
    for r, s in zip(reps, shape):
        inter += [1, s]
        big += [r, s]
    out_shape = tuple(r * s for r, s in zip(reps, shape))
    return self.reshape(tuple(inter)).expand(tuple(big)).reshape(out_shape)


@export("tile")
def tile(input, dims):
    """``repeat`` with ``dims`` padded by leading ones to the tensor's rank.
    Example: ``ember.ones(2, 3).tile((2,)).shape == (2, 6)``."""
    dims = _shape_args((dims,) if isinstance(dims, int) else (tuple(dims),))
    if len(dims) < input.dim():
        dims = (1,) * (input.dim() - len(dims)) + dims
    return repeat(input, dims)


def _cumsum_native(t):
    st = t._storage
    return _from_native(st._be.cumsum(t._data, 0), st._be, st.device)


def _repeat_index(repeats):
    """``[0]*r0 + [1]*r1 + ...`` for a 1-D int tensor of repeats, vectorized: mark where each
    run starts, then a cumulative sum."""
    from .._creation import zeros
    cs = _cumsum_native(repeats)
    total = int(cs[-1].item()) if repeats.numel() else 0
    starts = cs[:-1]
    starts = starts[starts < total]
    marks = zeros(total, dtype=D.int64, device=repeats.device)
    if starts.numel():
        marks = marks.index_add(0, starts, starts.new_ones(starts._shape))
    return _cumsum_native(marks) if total else marks


@export("repeat_interleave")
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each element ``repeats`` times along ``dim`` (the flattened input when ``dim``
    is None). ``repeats`` is an int or a tensor with one count per element of ``dim``.
    ``repeat_interleave(repeats_tensor)`` alone gives the indices ``0..n-1`` repeated.

    Example::

        >>> ember.tensor([1, 2]).repeat_interleave(2)
        tensor([1, 1, 2, 2])
        >>> ember.tensor([[1, 2], [3, 4]]).repeat_interleave(ember.tensor([1, 2]), dim=0)
        tensor([[1, 2],
                [3, 4],
                [3, 4]])
    """
    if repeats is None:
        reps = input
        if reps.dim() > 1 or reps._dtype.is_floating_point or reps._dtype.is_complex:
            raise RuntimeError(f"repeat_interleave: repeats must be a 0-dim or 1-dim integer "
                               f"tensor, got {reps.dim()}-D {reps._dtype}")
        reps = reps.reshape(-1).to(D.int64)
        if reps.numel() and bool((reps < 0).any()):
            raise RuntimeError("repeats can not be negative")
        return _repeat_index(reps)
    x = input
    if dim is None:
        x = x.reshape(-1)
        d = 0
    else:
        d = _wrap_dim(dim, x.dim(), "repeat_interleave")
        if x.dim() == 0:
            x = x.reshape(1)
    n = x._shape[d] if x.dim() else 1
    if isinstance(repeats, Tensor):
        if repeats.dim() > 1 or repeats._dtype.is_floating_point or repeats._dtype.is_complex:
            raise RuntimeError(f"repeat_interleave: repeats must be an int or a 0-dim or 1-dim "
                               f"integer tensor, got {repeats.dim()}-D {repeats._dtype}")
        if repeats.numel() == 1:
            repeats = int(repeats.reshape(-1)[0].item())
        else:
            if repeats._shape[0] != n:
                raise RuntimeError(f"repeats must have the same size as input along dim, but "
                                   f"got repeats.size(0) = {repeats._shape[0]} and "
                                   f"input.size({d}) = {n}")
            reps = repeats.to(D.int64)
            if reps.numel() and bool((reps < 0).any()):
                raise RuntimeError("repeats can not be negative")
            _check_same_device("repeat_interleave", x, reps)
            return x.index_select(d, _repeat_index(reps))
    r = int(repeats)
    if r < 0:
        raise RuntimeError(f"Repeats must be non-negative, got {r}")
    shape = x._shape
    e = x.unsqueeze(d + 1).expand(shape[:d + 1] + (r,) + shape[d + 1:])
    return e.reshape(shape[:d] + (shape[d] * r,) + shape[d + 1:])


# -- flip / roll / rot90 ----------------------------------------------------------------------

class Flip(Op):
    _node_name = "FlipBackward0"

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        key = tuple(slice(None, None, -1) if i in dims else slice(None)
                    for i in range(x.dim()))
        return x._storage._be.getitem(x._data, key)

    @staticmethod
    def backward(ctx, g):
        return Flip.apply(g, ctx.dims), None


def _dims_list(dims, nd, op):
    if isinstance(dims, int):
        dims = (dims,)
    out = tuple(_wrap_dim(d, nd, op) for d in dims)
    for d in out:
        if out.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return out


@export("flip")
def flip(input, *dims):
    """Reverse the order of entries along ``dims`` (a copy, as in PyTorch).

    Example: ``ember.tensor([[1, 2], [3, 4]]).flip(0)`` is ``[[3, 4], [1, 2]]``."""
    if len(dims) == 1 and isinstance(dims[0], (list, tuple)):
        dims = tuple(dims[0])
    ds = _dims_list(dims, input.dim(), "flip")
    if input.dim() == 0:
        return input.clone()
    return Flip.apply(input, ds)


@export("fliplr")
def fliplr(input):
    """Flip left/right (dimension 1); needs at least 2 dimensions."""
    if input.dim() < 2:
        raise RuntimeError(f"Input must be >= 2-d (fliplr got a {input.dim()}-D tensor)")
    return flip(input, 1)


@export("flipud")
def flipud(input):
    """Flip up/down (dimension 0); needs at least 1 dimension."""
    if input.dim() < 1:
        raise RuntimeError("Input must be >= 1-d (flipud got a 0-D tensor)")
    return flip(input, 0)


@export("roll")
def roll(input, shifts, dims=None):
    """Shift entries circularly by ``shifts`` along ``dims`` (int or tuples of equal length);
    without ``dims`` the flattened tensor is rolled and the shape restored.

    Example: ``ember.arange(5).roll(2)`` is ``tensor([3, 4, 0, 1, 2])``."""
    sh = (shifts,) if isinstance(shifts, int) else tuple(int(s) for s in shifts)
    if dims is None:
        if len(sh) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(sh)}, dims:0")
        return roll(input.reshape(-1), sh, 0).reshape(input._shape)
    ds = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(sh) != len(ds):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(sh)}, "
                           f"dims:{len(ds)}")
    x = input
    for s, d in zip(sh, ds):
        d = _wrap_dim(d, x.dim(), "roll")
        n = x._shape[d]
        k = s % n if n else 0
        if k:
            x = cat([narrow(x, d, n - k, k), narrow(x, d, 0, n - k)], d)
    return x if x is not input else input.clone()


@export("rot90")
def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane ``dims``, from the first towards the
    second axis. Example: ``ember.tensor([[1, 2], [3, 4]]).rot90()`` is ``[[2, 4], [1, 3]]``."""
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.dim() < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.dim()}")
    d0, d1 = (_wrap_dim(d, input.dim(), "rot90") for d in dims)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and "
                           f"dim1 = {d1}")
    k %= 4
    if k == 1:
        return flip(input, d1).transpose(d0, d1)
    if k == 2:
        return flip(input, (d0, d1))
    if k == 3:
        return flip(input, d0).transpose(d0, d1)
    return input.clone()


# -- triangles and diagonals ------------------------------------------------------------------

def _tri(input, diagonal, upper, op):
    if input.dim() < 2:
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions (got shape "
                           f"{list(input._shape)})")
    from .._creation import arange, zeros
    m, n = input._shape[-2:]
    rel = arange(n, device=input.device) - arange(m, device=input.device).unsqueeze(-1)
    keep = rel >= diagonal if upper else rel <= diagonal
    # where (not a product with the mask): inf and nan above the diagonal must not leak
    return EXPORTS["where"](keep, input, zeros((), dtype=input._dtype, device=input.device))


@export("tril")
def tril(input, diagonal=0, *, out=None):
    """The lower triangle of the last two dimensions (entries with ``col - row <= diagonal``
    kept, the rest zero). Example: ``ember.ones(2, 2).tril()`` is ``[[1, 0], [1, 1]]``."""
    r = _tri(input, int(diagonal), False, "tril")
    return write_out(r, out) if out is not None else r


@export("triu")
def triu(input, diagonal=0, *, out=None):
    """The upper triangle of the last two dimensions (entries with ``col - row >= diagonal``
    kept). Example: ``ember.ones(2, 2).triu()`` is ``[[1, 1], [0, 1]]``."""
    r = _tri(input, int(diagonal), True, "triu")
    return write_out(r, out) if out is not None else r


@export("tril_", function=False)
def tril_(self, diagonal=0):
    """In-place ``tril``."""
    return _inplace(self, lambda s: tril(s, diagonal))


@export("triu_", function=False)
def triu_(self, diagonal=0):
    """In-place ``triu``."""
    return _inplace(self, lambda s: triu(s, diagonal))


@export("diag_embed")
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Put the last dimension of ``input`` on the ``offset`` diagonal of new ``(dim1, dim2)``
    planes (zeros elsewhere).

    Shape: ``(*, n)`` -> ``(*, n + |offset|, n + |offset|)`` for the default dims.

    Example: ``ember.diag_embed(ember.ones(2, 3)).shape == (2, 3, 3)``."""
    nd = input.dim() + 1
    if input.dim() == 0:
        raise RuntimeError("diag_embed(): expected a tensor with at least 1 dimension")
    d1, d2 = _wrap_dim(dim1, nd, "diag_embed"), _wrap_dim(dim2, nd, "diag_embed")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    n = input._shape[-1] + abs(int(offset))
    rest = iter(input._shape[:-1])
    shape = tuple(n if i in (d1, d2) else next(rest) for i in range(nd))
    geo = _g_diagonal(shape, _contig_strides(shape), 0, int(offset), d1, d2)
    return _ScatterGeom.apply(input, shape, geo)


@export("diag")
def diag(input, diagonal=0, *, out=None):
    """For a 1-D input, a square matrix with it on the ``diagonal``-th diagonal; for a 2-D
    input, its ``diagonal``-th diagonal as a 1-D tensor (a copy).

    Example: ``ember.diag(ember.tensor([1, 2]))`` is ``[[1, 0], [0, 2]]``."""
    if input.dim() == 1:
        r = diag_embed(input, diagonal, 0, 1)
    elif input.dim() == 2:
        r = input.diagonal(diagonal).clone()
    else:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.dim()}D")
    return write_out(r, out) if out is not None else r


@export("diagflat")
def diagflat(input, offset=0):
    """The flattened input on the ``offset`` diagonal of a square matrix.
    Example: ``ember.diagflat(ember.ones(2, 2)).shape == (4, 4)``."""
    return diag_embed(input.reshape(-1), offset, 0, 1)


@export("trace")
def trace(input):
    """Sum of the main diagonal of a matrix (integer inputs sum to int64).
    Example: ``ember.eye(3).trace()`` is ``tensor(3.)``."""
    if input.dim() != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.dim()}")
    return input.diagonal().sum()


# -- broadcasting helpers ---------------------------------------------------------------------

@export("meshgrid", method=False)
def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids from 1-D (or 0-d) tensors, as expanded views. ``indexing="ij"``
    gives shape ``(len(t0), len(t1), ...)``; ``"xy"`` swaps the first two dimensions.

    Example::

        >>> gx, gy = ember.meshgrid(ember.arange(3), ember.arange(2), indexing="xy")
        >>> gx.shape
        ember.Size([2, 3])
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    ts = _tensor_list(tensors, "meshgrid")
    if not ts:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be one of 'xy' or 'ij', but received: "
                         f"{indexing!r}")
    for t in ts:
        if t.dim() > 1:
            raise RuntimeError(f"meshgrid: Expected 0D or 1D tensor in the tensor list but got "
                               f"a tensor of shape {list(t._shape)}")
    _check_same_device("meshgrid", *ts)
    for t in ts[1:]:
        if t._dtype is not ts[0]._dtype:
            raise RuntimeError(f"meshgrid expects all tensors to have the same dtype, got "
                               f"{ts[0]._dtype} and {t._dtype}")
    sizes = [t.numel() for t in ts]
    pos = list(range(len(ts)))
    if indexing == "xy" and len(ts) >= 2:
        pos[0], pos[1] = 1, 0
    shape = [0] * len(ts)
    for i, p in enumerate(pos):
        shape[p] = sizes[i]
    shape = tuple(shape)
    out = []
    for t, p in zip(ts, pos):
        v = [1] * len(ts)
        v[p] = -1
        out.append(t.reshape(tuple(v)).expand(shape))
    return tuple(out)


@export("broadcast_tensors", method=False)
def broadcast_tensors(*tensors):
    """Views of the inputs expanded to their common broadcast shape.
    Example: ``[t.shape for t in ember.broadcast_tensors(ones(3, 1), ones(4))]`` is
    ``[(3, 4), (3, 4)]``."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    ts = _tensor_list(tensors, "broadcast_tensors")
    shape = tuple(broadcast_shapes(*(t._shape for t in ts)))
    return tuple(t.expand(shape) for t in ts)


# -- Tensor.new_* ---------------------------------------------------------------------------

def _new_kw(self, dtype, device):
    return {"dtype": dtype or self._dtype, "device": device if device is not None else
            self.device}


def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False, layout=None,
               pin_memory=False):
    """A new tensor from ``data`` with this tensor's dtype and device by default (a copy,
    without history, when ``data`` is a tensor)."""
    from .._creation import tensor
    if isinstance(data, Tensor):
        t = data.detach().to(**_new_kw(self, dtype, device), copy=True)
    else:
        t = tensor(data, **_new_kw(self, dtype, device))
    return t.requires_grad_(True) if requires_grad else t


def _new_factory(name, fname):
    def fn(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
           pin_memory=False):
        from .. import _creation
        return getattr(_creation, fname)(*size, requires_grad=requires_grad,
                                         **_new_kw(self, dtype, device))
    fn.__name__ = name
    fn.__doc__ = (f"``ember.{fname}(size)`` with this tensor's dtype and device by default. "
                  f"Example: ``x.{name}(2, 3).shape == (2, 3)``.")
    return fn


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False,
             layout=None, pin_memory=False):
    """``ember.full(size, fill_value)`` with this tensor's dtype and device by default."""
    from .._creation import full
    return full(tuple(size), fill_value, requires_grad=requires_grad,
                **_new_kw(self, dtype, device))


method("new_tensor", new_tensor)
method("new_full", new_full)
for _n, _f in (("new_zeros", "zeros"), ("new_ones", "ones"), ("new_empty", "empty")):
    method(_n, _new_factory(_n, _f))
