"""The core op set: casts and transfers, views, indexing, in-place machinery, elementwise
arithmetic and comparisons, ``sum``/``mean``, ``matmul``.

Every differentiable op is a ``Function`` with forward on backend natives and backward in
ember ops (so it is differentiable again). Broadcasting of gradients is undone once, in the
engine (``BackwardNode.apply``).
"""

from __future__ import annotations

import builtins

from .. import _dtype as D
from .._tensor import (Tensor, _from_native, _prod, _wrap_dim, _contig_strides, _backend_for,
                       _sum_to)
from ..autograd.function import Function
from ..autograd.grad_mode import STATE, no_grad
from ._reg import export, method
from .._size import Size

_py_sum = builtins.sum
_py_max = builtins.max
_py_min = builtins.min


class Op(Function):
    """Base of built-in ops: forward may return natives; no ctx object when grad is off."""

    _builtin = True


# -- helpers --------------------------------------------------------------------------------

def _scalar_ok(x):
    return isinstance(x, (bool, int, float, complex))


def _check_same_device(op, *ts):
    dev = None
    for t in ts:
        if isinstance(t, Tensor):
            d = t._storage.device
            if dev is None:
                dev = d
            elif d != dev:
                raise RuntimeError(
                    f"Expected all tensors to be on the same device, but found at least two "
                    f"devices, {dev} and {d}! (when checking arguments for {op}); move one with "
                    f".to({str(dev)!r}) first (ember never copies between devices implicitly)")
    return dev


def as_tensor_arg(x, like, op="op"):
    """Turn a scalar / sequence argument into a tensor on ``like``'s device."""
    if isinstance(x, Tensor):
        return x
    from .._creation import tensor
    if _scalar_ok(x):
        return tensor(x, device=like.device, dtype=D.result_type(like, x) if False else None)
    try:
        return tensor(x, device=like.device)
    except Exception:
        raise TypeError(f"{op}(): expected a Tensor or a number, got {type(x).__name__}") from None


def broadcast_shapes(*shapes):
    """The shape all ``shapes`` broadcast to; ``RuntimeError`` naming them when they don't."""
    ndim = _py_max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for s in shapes:
        for i, n in enumerate(s):
            j = ndim - len(s) + i
            if n != 1:
                if out[j] != 1 and out[j] != n:
                    raise RuntimeError(
                        f"shape mismatch: objects cannot be broadcast to a single shape; "
                        f"sizes {[list(x) for x in shapes]} disagree at dimension {j}")
                out[j] = n
    return Size(out)


def _bshape(op, a, b):
    try:
        return broadcast_shapes(a, b)
    except RuntimeError:
        raise RuntimeError(f"{op}: the size of tensor a ({list(a)}) must match the size of "
                           f"tensor b ({list(b)}) at each non-singleton dimension for "
                           f"broadcasting") from None


def write_out(result, out):
    """Copy ``result`` into a user-given ``out=`` tensor (resizing it when empty or of a
    different shape, as PyTorch does)."""
    if not isinstance(out, Tensor):
        raise TypeError(f"out= must be a Tensor, got {type(out).__name__}")
    if STATE.grad_enabled and (result._rg or out._rg):
        raise RuntimeError("functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad; call it "
                           "under ember.no_grad() or drop out=")
    if out._shape != result._shape:
        out.resize_(result._shape)
    if out._dtype is not result._dtype:
        if not D.can_cast(result._dtype, out._dtype):
            raise RuntimeError(f"result type {result._dtype} can't be cast to the desired "
                               f"output type {out._dtype}")
        result = result.to(out._dtype)
    _check_same_device("out=", result, out)
    _write(out, result._data)
    return out


def _write(t, src):
    """Write a native array (or scalar) into ``t``'s region of its storage."""
    buf = t._buffer()
    st = t._storage
    nb = st._be.write(buf, t._shape, t._strides(), t._offset, src)
    if nb is not buf:
        st._buf = nb
    st._version += 1
    if st._views is not None:
        st._refresh_views()


def mask_mul(be, x, mask, dtype):
    """Native ``x`` (of ember dtype ``dtype``) where the bool native ``mask`` holds, else
    ``x * 0``: the backend's optional ``mask_mul`` (NOTE [mask kernel] in ``ember.backend``),
    or the mask cast to ``dtype`` and multiplied (valid on strict Array API backends)."""
    mm = getattr(be, "mask_mul", None)
    if mm is not None and be.ember_dtype(x.dtype) is dtype:
        return mm(x, mask)
    return be.mul(x, be.astype(mask, dtype))


def _binary_into(t, name, other):
    """``t = name(t, other)`` written straight into ``t``'s memory by the backend's optional
    ``binary_into`` kernel (NOTE [in-place kernels] in ``ember.backend``) when it applies:
    no graph to record, a floating or complex ``t``, ``other`` a tensor of ``t``'s dtype and
    device that broadcasts to ``t``'s shape, or a Python number, and ``t`` free of overlapping
    (stride 0)
    dimensions. Returns False, having done nothing, otherwise: the caller then takes the
    general path (compute out of place, then write)."""
    st = t._storage
    be = st._be
    into = getattr(be, "binary_into", None)
    if into is None or not be.aliasing:
        return False
    if STATE.grad_enabled and (t._rg or getattr(other, "_rg", False)):
        return False
    dt = t._dtype
    if not (dt.is_floating_point or dt.is_complex):
        return False
    if isinstance(other, Tensor):
        if other._dtype is not dt or other._storage.device != st.device:
            return False
        os_, ts = other._shape, t._shape
        if os_ != ts:                  # other must broadcast to t's shape
            k = len(ts) - len(os_)
            if k < 0 or any(n != 1 and n != ts[k + i] for i, n in enumerate(os_)):
                return False
        o = other._data
    elif other.__class__ is float or other.__class__ is int:
        o = other
    else:
        return False
    s = t._stride
    if s is not None and 0 in s:
        return False
    t._buffer()
    x = t._data
    if not into(name, x, o, x):
        return False
    st._version += 1
    return True


# -- dtype / device ---------------------------------------------------------------------------

class ToCopy(Op):
    _node_name = "ToCopyBackward0"

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.src = x._dtype
        return _from_native(x._storage._be.astype(x._data, dtype), x._storage._be,
                            x._storage.device, dtype)

    @staticmethod
    def backward(ctx, g):
        src = ctx.src
        if g._dtype.is_complex and not src.is_complex:
            g = g.real
        return g.to(src), None


class ToDevice(Op):
    _node_name = "ToCopyBackward0"

    @staticmethod
    def forward(ctx, x, be, dev):
        ctx.src = x._storage.device
        sb = x._storage._be
        if sb is be and ctx.src != dev:
            # another index of the same device type (cuda:0 -> cuda:1): through the host,
            # so the backend allocates on the target index (copy() would stay on the source)
            native = be.asarray(sb.to_host(x._data), x._dtype, dev.index)
        else:
            native = _transfer(sb, x._data, be, dev, x._dtype)
        return _from_native(native, be, dev, x._dtype)

    @staticmethod
    def backward(ctx, g):
        return g.to(ctx.src), None, None


def _transfer(sb, arr, db, dev, dtype):
    if sb is db:
        return db.copy(arr)
    host = sb.to_host(arr)
    return db.asarray(host, dtype, dev.index)


def _parse_to(args, kwargs):
    dev = kwargs.pop("device", None)
    dtype = kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
    if dtype is not None and not isinstance(dtype, D.dtype):
        dtype = D.canonical(dtype)
    for a in args:
        if isinstance(a, D.dtype):
            dtype = a
        elif isinstance(a, type) and a in (bool, int, float, complex):
            dtype = D.canonical(a)
        elif isinstance(a, Tensor):
            dtype, dev = a._dtype, a.device
        elif isinstance(a, bool):
            pass
        elif a is not None:
            from .._device import device as devcls
            dev = devcls(a) if not isinstance(a, devcls) else a
    return dev, dtype, copy


def to(self, *args, **kwargs):
    """``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(other)``: this tensor when
    nothing changes (unless ``copy=True``), else a converted copy (differentiable)."""
    dev, dtype, copy = _parse_to(args, dict(kwargs))
    out = self
    if dev is not None:
        be, cdev = _backend_for(dev)
        if cdev != self._storage.device:
            out = ToDevice.apply(out, be, cdev)
            copy = False
    if dtype is not None and dtype is not out._dtype:
        out = ToCopy.apply(out, dtype)
        copy = False
    if copy:
        out = out.clone()
    return out


method("to", to)


def _cast_method(dtype):
    def cast(self, memory_format=None):
        return self.to(dtype)
    cast.__name__ = dtype.name
    cast.__doc__ = f"``self.to(ember.{dtype.name})``."
    return cast


for _n, _d in (("float", D.float32), ("double", D.float64), ("half", D.float16),
               ("bfloat16", D.bfloat16), ("int", D.int32), ("long", D.int64),
               ("short", D.int16), ("char", D.int8), ("byte", D.uint8), ("bool", D.bool_),
               ("cfloat", D.complex64), ("cdouble", D.complex128)):
    method(_n, _cast_method(_d))


def cpu(self, memory_format=None):
    """A copy on the cpu device (this tensor if already there)."""
    return self.to("cpu")


def cuda(self, device=None, non_blocking=False, memory_format=None):
    """A copy on a cuda device (default: the current one)."""
    if device is None:
        device = "cuda"
    elif isinstance(device, int):
        device = f"cuda:{device}"
    return self.to(device)


method("cpu", cpu)
method("cuda", cuda)


def type_as(self, other):
    return self.to(other._dtype)


method("type_as", type_as)


class Clone(Op):
    _node_name = "CloneBackward0"

    @staticmethod
    def forward(ctx, x):
        return x._storage._be.copy(x._data)

    @staticmethod
    def backward(ctx, g):
        return g


@export("clone")
def clone(input, *, memory_format=None):
    """A copy with its own storage (differentiable)."""
    return Clone.apply(input)


@export("contiguous", function=False)
def contiguous(self, memory_format=None):
    """This tensor if already contiguous, else a contiguous copy."""
    if self.is_contiguous():
        return self
    return Clone.apply(self)


# -- views ----------------------------------------------------------------------------------

def _view_of(base, shape, stride, offset):
    buf = base._buffer()
    st = base._storage
    v = object.__new__(Tensor)
    d = v.__dict__
    d["_storage"] = st
    d["_shape"] = shape
    d["_stride"] = stride
    d["_offset"] = offset
    d["_dtype"] = base._dtype
    d["_data"] = st._be.view(buf, shape, stride, offset)
    b = base._base
    d["_base"] = b if b is not None else base
    st._track(v)
    return v


class _ViewFn(Op):
    """A view op given by a geometry function ``geom(shape, stride, offset, *args)``.

    Backward writes the gradient into zeros of the input's shape through the same geometry
    applied to a contiguous layout (``_ScatterGeom``), so every view op shares one backward.
    """

    geom = None

    @classmethod
    def forward(cls, ctx, x, *args):
        shape, stride, offset = cls.geom(x._shape, x._strides(), x._offset, *args)
        ctx.in_shape = x._shape
        ctx.args = args
        return _view_of(x, shape, stride, offset)

    @classmethod
    def backward(cls, ctx, g):
        shape = ctx.in_shape
        geo = cls.geom(shape, _contig_strides(shape), 0, *ctx.args)
        return (_ScatterGeom.apply(g, shape, geo),) + (None,) * len(ctx.args)


def _make_view(name, geom):
    return type(name, (_ViewFn,), {"geom": staticmethod(geom), "_node_name": name + "Backward0"})


class _ScatterGeom(Op):
    """zeros(shape) with ``src`` written through the strided geometry ``geo``; its backward
    reads the same geometry (a view), so it is differentiable to any order."""

    _node_name = "AsStridedScatterBackward0"

    @staticmethod
    def forward(ctx, src, shape, geo):
        ctx.shape, ctx.geo = shape, geo
        sst = src._storage
        be, dev = sst._be, sst.device
        out = _from_native(be.full(shape, 0, src._dtype, dev.index), be, dev, src._dtype)
        sh, st, off = geo
        buf = out._buffer()
        nb = out._storage._be.write(buf, sh, st, off, src._data)
        if nb is not buf:   # a functional backend returns a new buffer (aliasing = False)
            out._storage._buf = nb
            out._storage._refresh_views()
        return out

    @staticmethod
    def backward(ctx, g):
        sh, st, off = ctx.geo
        g = g.contiguous()
        return g.as_strided(sh, st, g._offset + off), None, None


def _g_transpose(shape, stride, offset, d0, d1):
    s, t = list(shape), list(stride)
    s[d0], s[d1] = s[d1], s[d0]
    t[d0], t[d1] = t[d1], t[d0]
    return tuple(s), tuple(t), offset


def _g_permute(shape, stride, offset, dims):
    return tuple(shape[d] for d in dims), tuple(stride[d] for d in dims), offset


def _g_unsqueeze(shape, stride, offset, dim):
    s, t = list(shape), list(stride)
    new_stride = (t[dim] * s[dim]) if dim < len(s) else 1
    s.insert(dim, 1)
    t.insert(dim, new_stride)
    return tuple(s), tuple(t), offset


def _g_squeeze(shape, stride, offset, dims):
    keep = [i for i in range(len(shape)) if not (i in dims and shape[i] == 1)]
    return tuple(shape[i] for i in keep), tuple(stride[i] for i in keep), offset


def _g_view(shape, stride, offset, new_shape):
    st = _compute_stride(shape, stride, new_shape)
    if st is None:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
    return new_shape, st, offset


def _g_slice(shape, stride, offset, key):
    """Basic indexing: ``key`` is a normalised tuple of ('i', idx) / ('s', start, stop, step)
    / ('n',) entries covering every dimension."""
    s_out, t_out = [], []
    dim = 0
    for k in key:
        if k[0] == "i":
            offset += k[1] * stride[dim]
            dim += 1
        elif k[0] == "s":
            _, start, stop, step = k
            n = _py_max(0, (stop - start + step - 1) // step)
            offset += start * stride[dim] if n else 0
            s_out.append(n)
            t_out.append(stride[dim] * step)
            dim += 1
        else:  # new axis
            s_out.append(1)
            t_out.append(1)
    return tuple(s_out), tuple(t_out), offset


def _g_as_strided(shape, stride, offset, size, new_stride, storage_offset):
    return size, new_stride, storage_offset


def _g_expand(shape, stride, offset, new_shape):
    lead = len(new_shape) - len(shape)
    st = [0] * lead
    for i, (n, s) in enumerate(zip(shape, stride)):
        st.append(s if n != 1 or new_shape[lead + i] == 1 else 0)
    return new_shape, tuple(st), offset


def _g_diagonal(shape, stride, offset, off, d1, d2):
    n1, n2 = shape[d1], shape[d2]
    if off >= 0:
        n = _py_max(0, _py_min(n1, n2 - off))
        offset += off * stride[d2] if n else 0
    else:
        n = _py_max(0, _py_min(n1 + off, n2))
        offset += -off * stride[d1] if n else 0
    keep = [i for i in range(len(shape)) if i not in (d1, d2)]
    return (tuple(shape[i] for i in keep) + (n,),
            tuple(stride[i] for i in keep) + (stride[d1] + stride[d2],), offset)


Transpose = _make_view("Transpose", _g_transpose)
Permute = _make_view("Permute", _g_permute)
Unsqueeze = _make_view("Unsqueeze", _g_unsqueeze)
Squeeze = _make_view("Squeeze", _g_squeeze)
View = _make_view("View", _g_view)
Slice = _make_view("Slice", _g_slice)
Diagonal = _make_view("Diagonal", _g_diagonal)


class AsStrided(_ViewFn):
    _node_name = "AsStridedBackward0"
    geom = staticmethod(_g_as_strided)

    @classmethod
    def backward(cls, ctx, g):
        # positions may overlap: scatter-add the gradient over flat storage indices
        size, stride, off = ctx.args
        shape = ctx.in_shape
        n = _prod(shape)
        from .._creation import arange, zeros
        idx = _py_sum((arange(s, device=g.device) * st).reshape(
            (-1,) + (1,) * (len(size) - i - 1)) for i, (s, st) in enumerate(zip(size, stride)))
        if not isinstance(idx, Tensor):
            idx = arange(1, device=g.device) * 0
        idx = (idx + (off - ctx.base_off)).reshape(-1)
        flat = zeros(n, dtype=g._dtype, device=g.device).index_add(0, idx, g.reshape(-1))
        return flat.reshape(shape), None, None, None

    @classmethod
    def forward(cls, ctx, x, size, stride, off):
        ctx.base_off = x._offset
        return super().forward.__func__(cls, ctx, x, size, stride, off)


class Expand(_ViewFn):
    _node_name = "ExpandBackward0"
    geom = staticmethod(_g_expand)

    @classmethod
    def backward(cls, ctx, g):
        return _sum_to(g, ctx.in_shape), None


def _compute_stride(old_shape, old_stride, new_shape):
    """PyTorch's computeStride: strides for viewing (old_shape, old_stride) as new_shape
    without copying, or None if impossible."""
    if _prod(old_shape) == 0:
        return _contig_strides(new_shape)
    if not old_shape:
        return (1,) * len(new_shape)
    new_stride = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    chunk_base_stride = old_stride[-1]
    tensor_numel = 1
    view_numel = 1
    for tensor_d in range(len(old_shape) - 1, -1, -1):
        tensor_numel *= old_shape[tensor_d]
        if tensor_d == 0 or (old_shape[tensor_d - 1] != 1 and
                             old_stride[tensor_d - 1] != tensor_numel * chunk_base_stride):
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                new_stride[view_d] = view_numel * chunk_base_stride
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if tensor_d > 0:
                chunk_base_stride = old_stride[tensor_d - 1]
                tensor_numel = 1
                view_numel = 1
    if view_d != -1:
        return None
    return tuple(new_stride)


def _infer_shape(shape, numel, op="view"):
    if -1 not in shape:                # the common case: every size given
        known = 1
        for s in shape:
            if s < 0:
                break
            known *= s
        else:
            if known == numel:
                return tuple(shape)
    shape = list(shape)
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"invalid shape dimension {s}")
            known *= s
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{shape}' is invalid for input of size {numel}")
        shape[neg[0]] = numel // known
    elif known != numel:
        raise RuntimeError(f"shape '{shape}' is invalid for input of size {numel}")
    return tuple(shape)


def _shape_args(args):
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    return tuple(map(int, args))


@export("view", function=False)
def view(self, *shape):
    """A view with a new shape (no copy); fails when the strides do not allow it, as
    PyTorch does. ``view(dtype)`` is not supported: use ``to(dtype)``."""
    if len(shape) == 1 and isinstance(shape[0], D.dtype):
        if shape[0] is self._dtype:
            return self
        raise RuntimeError("view(dtype) reinterpreting bytes is not supported by ember; "
                           "use .to(dtype) to convert values")
    new = _infer_shape(_shape_args(shape), self.numel())
    if new == self._shape:
        return View.apply(self, new)
    return View.apply(self, new)


@export("view_as", function=False)
def view_as(self, other):
    return self.view(other._shape)


@export("reshape")
def reshape(input, *shape):
    """``input`` with a new shape: a view when the strides allow, else a copy."""
    new = _infer_shape(_shape_args(shape), input.numel(), "reshape")
    if _compute_stride(input._shape, input._strides(), new) is not None:
        return View.apply(input, new)
    return View.apply(Clone.apply(input), new)


@export("reshape_as", function=False)
def reshape_as(self, other):
    return self.reshape(other._shape)


@export("transpose", "swapaxes", "swapdims")
def transpose(input, dim0, dim1):
    """Swap two dimensions (a view)."""
    n = len(input._shape)
    d0, d1 = _wrap_dim(dim0, n, "transpose"), _wrap_dim(dim1, n, "transpose")
    if n == 0:
        return View.apply(input, ())
    return Transpose.apply(input, d0, d1)


@export("t")
def t(input):
    """Transpose a matrix (0-d and 1-d tensors are returned as they are)."""
    if input.dim() > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{input.dim()}D; use .transpose(dim0, dim1) or .mT")
    if input.dim() < 2:
        return View.apply(input, input._shape)
    return Transpose.apply(input, 0, 1)


def _T(self):
    n = self.dim()
    return self.permute(tuple(range(n - 1, -1, -1))) if n >= 2 else self


def _mT(self):
    if self.dim() < 2:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. "
                           f"Got {self.dim()}-D tensor.")
    return self.transpose(-2, -1)


def _H(self):
    return _T(self).conj()


def _mH(self):
    return _mT(self).conj()


Tensor.T = property(_T, doc="All dimensions reversed (for a matrix, the transpose).")
Tensor.mT = property(_mT, doc="The last two dimensions swapped.")
Tensor.H = property(_H, doc="Conjugate transpose.")
Tensor.mH = property(_mH, doc="Conjugate transpose of the last two dimensions.")


@export("permute")
def permute(input, *dims):
    """Reorder dimensions (a view): ``x.permute(2, 0, 1)``."""
    dims = _shape_args(dims)
    n = len(input._shape)
    if len(dims) != n:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {n} is not equal to len(dims) = {len(dims)}")
    dims = tuple(_wrap_dim(d, n, "permute") for d in dims)
    if len(set(dims)) != n:
        raise RuntimeError(f"permute(): duplicate dims are not allowed, got {list(dims)}")
    return Permute.apply(input, dims)


@export("unsqueeze")
def unsqueeze(input, dim):
    """Insert a size-1 dimension at ``dim`` (a view)."""
    return Unsqueeze.apply(input, _wrap_dim(dim, len(input._shape) + 1, "unsqueeze"))


@export("squeeze")
def squeeze(input, dim=None):
    """Remove size-1 dimensions (all, or those in ``dim``) -- a view."""
    n = len(input._shape)
    if dim is None:
        dims = tuple(range(n))
    elif isinstance(dim, (tuple, list)):
        dims = tuple(_wrap_dim(d, n, "squeeze") for d in dim)
    else:
        dims = (_wrap_dim(dim, n, "squeeze"),)
    return Squeeze.apply(input, dims)


@export("expand", function=False)
def expand(self, *sizes):
    """Broadcast to a larger shape without copying (size -1 keeps a dimension)."""
    sizes = _shape_args(sizes)
    n = len(self._shape)
    if len(sizes) < n:
        raise RuntimeError(f"expand(): the number of sizes provided ({len(sizes)}) must be "
                           f"greater or equal to the number of dimensions in the tensor ({n})")
    lead = len(sizes) - n
    new = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"expand(): -1 is not allowed in a leading, non-existing "
                                   f"dimension {i}")
            new.append(s)
        else:
            cur = self._shape[i - lead]
            if s == -1:
                s = cur
            if cur != s and cur != 1:
                raise RuntimeError(
                    f"The expanded size of the tensor ({s}) must match the existing size "
                    f"({cur}) at non-singleton dimension {i}.  Target sizes: {list(sizes)}.  "
                    f"Tensor sizes: {list(self._shape)}")
            new.append(s)
    new = tuple(new)
    if new == self._shape:
        return View.apply(self, new)
    return Expand.apply(self, new)


@export("expand_as", function=False)
def expand_as(self, other):
    return self.expand(other._shape)


@export("broadcast_to")
def broadcast_to(input, shape):
    return input.expand(tuple(shape))


@export("narrow")
def narrow(input, dim, start, length):
    """``length`` entries of ``dim`` from ``start`` (a view)."""
    n = len(input._shape)
    dim = _wrap_dim(dim, n, "narrow")
    size = input._shape[dim]
    if isinstance(start, Tensor):
        start = int(start.item())
    if start < 0:
        start += size
    if start < 0 or start + length > size or length < 0:
        raise IndexError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    key = tuple(("s", 0, input._shape[i], 1) if i != dim else ("s", start, start + length, 1)
                for i in range(n))
    return Slice.apply(input, key)


@export("select")
def select(input, dim, index):
    """The slice at ``index`` of dimension ``dim`` (a view with one dimension fewer)."""
    n = len(input._shape)
    dim = _wrap_dim(dim, n, "select")
    size = input._shape[dim]
    if index < -size or index >= size:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(input._shape)} at dimension {dim}")
    index %= size
    key = tuple(("s", 0, input._shape[i], 1) if i != dim else ("i", index) for i in range(n))
    return Slice.apply(input, key)


@export("as_strided")
def as_strided(input, size, stride, storage_offset=None):
    """A view with explicit size, stride (in elements) and storage offset."""
    size, stride = tuple(size), tuple(stride)
    off = input._offset if storage_offset is None else storage_offset
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape ({len(stride)} vs "
                           f"{len(size)})")
    if _prod(size):
        need = off + _py_sum((n - 1) * s for n, s in zip(size, stride)) + 1
        if need > input._storage.size():
            raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, "
                               f"storage offset {off} require {need} elements, but the "
                               f"storage has {input._storage.size()}")
    return AsStrided.apply(input, size, stride, off)


@export("flatten")
def flatten(input, start_dim=0, end_dim=-1):
    """Merge dimensions ``start_dim..end_dim`` into one."""
    n = len(input._shape)
    if n == 0:
        return input.reshape(1)
    s, e = _wrap_dim(start_dim, n, "flatten"), _wrap_dim(end_dim, n, "flatten")
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    shape = input._shape[:s] + (_prod(input._shape[s:e + 1]),) + input._shape[e + 1:]
    return input.reshape(shape)


@export("unflatten")
def unflatten(input, dim, sizes):
    """Split dimension ``dim`` into ``sizes`` (one may be -1)."""
    n = len(input._shape)
    dim = _wrap_dim(dim, n, "unflatten")
    sizes = _infer_shape(tuple(sizes), input._shape[dim], "unflatten")
    return input.reshape(input._shape[:dim] + sizes + input._shape[dim + 1:])


@export("diagonal")
def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal of the (dim1, dim2) planes, as a view, appended as the last dimension."""
    n = len(input._shape)
    d1, d2 = _wrap_dim(dim1, n, "diagonal"), _wrap_dim(dim2, n, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(input, offset, d1, d2)


@export("unbind")
def unbind(input, dim=0):
    """A tuple of views, one per entry of ``dim``."""
    dim = _wrap_dim(dim, len(input._shape), "unbind")
    return tuple(select(input, dim, i) for i in range(input._shape[dim]))


@export("movedim", "moveaxis")
def movedim(input, source, destination):
    """Move dimension(s) ``source`` to position(s) ``destination`` (a view)."""
    n = len(input._shape)
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) "
                           f"should contain the same number of dims as destination ({dst} dims)")
    src = [_wrap_dim(d, n, "movedim") for d in src]
    dst = [_wrap_dim(d, n, "movedim") for d in dst]
    order = [None] * n
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(i for i in range(n) if i not in src)
    order = [o if o is not None else next(rest) for o in order]
    return input.permute(order)


# -- indexing -------------------------------------------------------------------------------

def _is_basic(key):
    for k in key:
        if k is None or k is Ellipsis or isinstance(k, slice):
            continue
        if isinstance(k, int) and not isinstance(k, bool):
            continue
        return False
    return True


def _norm_basic(shape, key, op="index"):
    """Normalise a basic key to ('i', k) / ('s', start, stop, step) / ('n',) per dim."""
    n_real = _py_sum(1 for k in key if k is not None and k is not Ellipsis)
    if n_real > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    if _py_sum(1 for k in key if k is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    out = []
    dim = 0
    for k in key:
        if k is Ellipsis:
            for _ in range(len(shape) - n_real):
                out.append(("s", 0, shape[dim], 1))
                dim += 1
        elif k is None:
            out.append(("n",))
        elif isinstance(k, slice):
            step = 1 if k.step is None else int(k.step)
            if step <= 0:
                raise ValueError("step must be greater than zero")
            start, stop, _ = slice(k.start, k.stop, 1).indices(shape[dim])
            stop = _py_max(stop, start)
            out.append(("s", start, stop, step))
            dim += 1
        else:
            size = shape[dim]
            if k < -size or k >= size:
                raise IndexError(f"index {k} is out of bounds for dimension {dim} with size "
                                 f"{size}")
            out.append(("i", k % size))
            dim += 1
    while dim < len(shape):
        out.append(("s", 0, shape[dim], 1))
        dim += 1
    return tuple(out)


class IndexAdv(Op):
    """Advanced (integer-array / boolean) indexing: a copy."""

    _node_name = "IndexBackward0"

    @staticmethod
    def forward(ctx, x, key):
        ctx.key, ctx.shape = key, x._shape
        be = x._storage._be
        return be.getitem(x._data, _native_key(key))

    @staticmethod
    def backward(ctx, g):
        from .._creation import zeros
        z = zeros(ctx.shape, dtype=g._dtype, device=g.device)
        return IndexPut.apply(z, ctx.key, g, True), None


def _native_key(key):
    return tuple(k._data if isinstance(k, Tensor) else k for k in key)


class IndexPut(Op):
    """Out-of-place ``x[key] = v`` (``accumulate``: +=, summing repeated indices)."""

    _node_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, x, key, v, accumulate):
        ctx.key, ctx.acc, ctx.vshape = key, accumulate, v._shape
        be = x._storage._be
        out = be.copy(x._data)
        val = v._data
        if v._dtype is not x._dtype:
            val = be.astype(val, x._dtype)
        be.setitem(out, _native_key(key), val, accumulate)
        return out

    @staticmethod
    def backward(ctx, g):
        gx = g if ctx.acc else IndexPut.apply(g, ctx.key, _zeros0(g), False)
        gv = _index(g, ctx.key)
        return gx, None, gv, None


def _zeros0(g):
    from .._creation import zeros
    return zeros((), dtype=g._dtype, device=g.device)


def _prep_key(x, key):
    if not isinstance(key, tuple):
        key = (key,)
    out = []
    for k in key:
        if isinstance(k, Tensor):
            if (k._storage.device != x._storage.device and k.dim() > 0 and
                    k._storage.device.type != "cpu"):
                raise RuntimeError(f"indices should be either on cpu or on the same device as "
                                   f"the indexed tensor ({x.device}), got {k.device}")
            if k._storage.device != x._storage.device:
                k = k.to(x.device)
            if k._dtype.is_floating_point or k._dtype.is_complex:
                raise IndexError("tensors used as indices must be long, int, byte or bool "
                                 f"tensors, got {k._dtype}")
            out.append(k)
        elif isinstance(k, (list, tuple)) or isinstance(k, bool):
            from .._creation import tensor
            t = tensor(k, device=x.device)
            if t._dtype.is_floating_point:
                raise IndexError("tensors used as indices must be long, int, byte or bool "
                                 "tensors")
            out.append(t)
        elif hasattr(k, "__array_interface__"):
            from .._creation import tensor
            out.append(tensor(k, device=x.device))
        elif isinstance(k, int) or k is None or k is Ellipsis or isinstance(k, slice):
            out.append(k)
        elif hasattr(k, "__index__"):
            out.append(k.__index__())
        else:
            raise IndexError(f"only integers, slices (`:`), ellipsis (`...`), None and long or "
                             f"byte Variables are valid indices (got {type(k).__name__})")
    return tuple(out)


def _check_adv_bounds(x, key):
    # out-of-range integer indices: a clear IndexError naming dim and size
    dim = 0
    n_real = _py_sum(1 if not (isinstance(k, Tensor) and k._dtype is D.bool_) else k.dim()
                     for k in key if k is not None and k is not Ellipsis)
    for k in key:
        if k is Ellipsis:
            dim += len(x._shape) - n_real
            continue
        if k is None:
            continue
        if isinstance(k, Tensor):
            if k._dtype is D.bool_ or k._dtype is D.uint8:
                nd = k.dim()
                if tuple(k._shape) != tuple(x._shape[dim:dim + nd]):
                    raise IndexError(
                        f"The shape of the mask {list(k._shape)} at index {dim} does not match "
                        f"the shape of the indexed tensor {list(x._shape)}")
                dim += nd
                continue
            size = x._shape[dim] if dim < len(x._shape) else 0
            if k.numel():
                be = k._storage._be
                hi = int(be.to_host(be.max(k._data, None, False)).item())
                lo = int(be.to_host(be.min(k._data, None, False)).item())
                if hi >= size or lo < -size:
                    bad = hi if hi >= size else lo
                    raise IndexError(f"index {bad} is out of bounds for dimension {dim} with "
                                     f"size {size}")
        dim += 1


def _select_ints_first(x, key):
    """PyTorch applies integer indices as selects before advanced indexing (NumPy counts them
    as advanced indices, which moves the result's dimensions when they are not adjacent to
    the index tensors): ``(view, remaining key)`` with the ints (and new axes) applied."""
    if not any(isinstance(k, int) and not isinstance(k, bool) for k in key):
        return x, key
    basic, rest = [], []
    for k in key:
        if isinstance(k, Tensor):
            nd = k.dim() if k._dtype is D.bool_ else 1
            basic.extend([slice(None)] * nd)
            rest.append(k)
        elif isinstance(k, int) and not isinstance(k, bool):
            basic.append(k)
        else:
            basic.append(k)
            rest.append(k if k is Ellipsis else slice(None))
    return Slice.apply(x, _norm_basic(x._shape, tuple(basic))), tuple(rest)


def _index(x, key):
    if _is_basic(key):
        return Slice.apply(x, _norm_basic(x._shape, key))
    x, key = _select_ints_first(x, key)
    if any(isinstance(k, Tensor) and k._dtype is D.uint8 for k in key):
        key = tuple(k.bool() if isinstance(k, Tensor) and k._dtype is D.uint8 else k
                    for k in key)
    _check_adv_bounds(x, key)
    return IndexAdv.apply(x, key)


def __getitem__(self, key):
    if isinstance(key, int) and not isinstance(key, bool) and self._shape:
        size = self._shape[0]
        if key < -size or key >= size:
            raise IndexError(f"index {key} is out of bounds for dimension 0 with size {size}")
        return Slice.apply(self, (("i", key % size),) + tuple(
            ("s", 0, n, 1) for n in self._shape[1:]))
    return _index(self, _prep_key(self, key))


def __setitem__(self, key, value):
    key = _prep_key(self, key)
    if not isinstance(value, Tensor):
        from .._creation import tensor
        value = tensor(value, dtype=self._dtype, device=self.device)
    _check_same_device("index_put_", self, value)
    if _is_basic(key):
        region = Slice.apply(self, _norm_basic(self._shape, key)) if key else self
        copy_(region, value)
        return
    region, key = _select_ints_first(self, key)
    if region is not self:
        region[key] = value        # the write goes through the view into self
        return
    _check_adv_bounds(self, key)
    _inplace(self, lambda s: IndexPut.apply(s, key, value, False), value)


method("__getitem__", __getitem__)
method("__setitem__", __setitem__)


@export("index_put_", function=False)
def index_put_(self, indices, values, accumulate=False):
    """``self[indices] = values`` (``+=`` with ``accumulate``), in place."""
    key = _prep_key(self, tuple(indices))
    return _inplace(self, lambda s: IndexPut.apply(s, key, values, accumulate), values)


@export("index_put")
def index_put(input, indices, values, accumulate=False):
    key = _prep_key(input, tuple(indices))
    return IndexPut.apply(input, key, values, accumulate)


# -- in-place machinery ---------------------------------------------------------------------

class _StridedScatter(Op):
    """History of a base whose view was written in place: region replaced by ``src``.

    Forward does no work (the data is already written); it returns ``target``, the base
    itself, which takes this node as its new ``grad_fn`` (PyTorch's CopySlices)."""

    _node_name = "CopySlices"

    @staticmethod
    def forward(ctx, base_old, src, geo, target_box):
        ctx.geo = geo
        return target_box[0]

    @staticmethod
    def backward(ctx, g):
        sh, st, off = ctx.geo
        g = g.contiguous()
        region = g.as_strided(sh, st, g._offset + off)
        gb = g - _ScatterGeom.apply(region, g._shape, ctx.geo)
        return gb, region, None, None


def _assign(self, result, others=()):
    """Make ``self`` hold ``result`` (computed out of place from ``self``), in place, and
    rewrite autograd history so gradients flow as if the op were out of place."""
    if result._dtype is not self._dtype:
        if not D.can_cast(result._dtype, self._dtype):
            raise RuntimeError(f"result type {_tname(result._dtype)} can't be cast to the "
                               f"desired output type {_tname(self._dtype)}")
        result = result.to(self._dtype)
    if result._shape != self._shape:
        if broadcast_shapes(result._shape, self._shape) != self._shape:
            raise RuntimeError(f"output with shape {list(self._shape)} doesn't match the "
                               f"broadcast shape {list(broadcast_shapes(result._shape, self._shape))}")
    _write(self, result._data)
    if STATE.grad_enabled and result._rg:
        base = self._base
        if base is not None and base is not self:
            if base.grad_fn is None and base._rg:
                raise RuntimeError("a view of a leaf Variable that requires grad is being used "
                                   "in an in-place operation.")
            if not base.is_contiguous():
                raise RuntimeError("in-place op on a view of a non-contiguous tensor with "
                                   "autograd is not supported by ember; clone() the base first")
            old = base._alias()
            old.grad_fn, old._output_nr, old._rg = base.grad_fn, base._output_nr, base._rg
            if result._shape != self._shape:
                result = result.expand(self._shape)
            geo = (self._shape, self._strides(), self._offset - base._offset)
            _StridedScatter.apply(old, result, geo, [base])
            v = AsStrided.apply(base, self._shape, self._strides(), self._offset)
            self.grad_fn, self._output_nr, self._rg = v.grad_fn, 0, True
        else:
            self.grad_fn, self._output_nr, self._rg = result.grad_fn, result._output_nr, True
    return self


def _tname(d):
    return {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int",
            "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
            "float16": "Half", "bfloat16": "BFloat16", "complex64": "ComplexFloat",
            "complex128": "ComplexDouble"}[d.name]


def _inplace(self, fn, *others):
    """Run ``fn`` out of place and assign the result into ``self`` (see ``_assign``)."""
    if STATE.grad_enabled and (self._rg or any(isinstance(o, Tensor) and o._rg
                                               for o in others)):
        if self.grad_fn is None and self._rg:
            raise RuntimeError("a leaf Variable that requires grad is being used in an "
                               "in-place operation.")
        # compute from a snapshot so saved tensors are not clobbered by the write
        return _assign(self, fn(Clone.apply(self)), others)
    with no_grad():
        return _assign(self, fn(self), others)


def copy_(self, src, non_blocking=False):
    """Copy ``src`` (broadcast, converted to this dtype; on the same device or from another
    device, explicitly) into this tensor in place."""
    if not isinstance(src, Tensor):
        from .._creation import tensor
        src = tensor(src, dtype=self._dtype, device=self.device)
    if src._storage.device != self._storage.device:
        src = src.to(self.device)
    if src._dtype is not self._dtype:
        src = src.to(self._dtype)
    if src._shape != self._shape:
        try:
            bs = broadcast_shapes(src._shape, self._shape)
        except RuntimeError:
            bs = None
        if bs != self._shape:
            raise RuntimeError(f"copy_: the source of shape {list(src._shape)} cannot be "
                               f"broadcast to the destination shape {list(self._shape)}")
    if STATE.grad_enabled and (self._rg or src._rg):
        if self.grad_fn is None and self._rg:
            raise RuntimeError("a leaf Variable that requires grad is being used in an "
                               "in-place operation.")
        return _assign(self, _CopyFrom.apply(self, src))
    _write(self, src._data)
    if self._rg and self.grad_fn is not None:
        pass
    return self


class _CopyFrom(Op):
    _node_name = "CopyBackwards"

    @staticmethod
    def forward(ctx, dst, src):
        ctx.src_shape = src._shape
        be = src._storage._be
        out = be.copy(src._data)
        if src._shape != dst._shape:
            out = be.copy(src.expand(dst._shape)._data)
        return out

    @staticmethod
    def backward(ctx, g):
        return g * 0, g


method("copy_", copy_)


@export("fill_", function=False)
def fill_(self, value):
    """Fill with ``value`` in place."""
    if isinstance(value, Tensor):
        if value.dim() != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                               f"with {value.dim()} dimensions.")
        if STATE.grad_enabled and (value._rg or self._rg):
            return _inplace(self, lambda s: s * 0 + value, value)
        value = value.item()
    if STATE.grad_enabled and self._rg:
        return _inplace(self, lambda s: s * 0 + value)
    _write(self, value)
    return self


@export("zero_", function=False)
def zero_(self):
    """Set every element to zero in place."""
    return fill_(self, 0)


def resize_(self, *sizes):
    """Change the shape (reallocating storage when larger; contents unspecified)."""
    shape = _shape_args(sizes)
    if STATE.grad_enabled and self._rg:
        raise RuntimeError("cannot resize variables that require grad")
    if shape == self._shape:
        return self
    from .._creation import empty
    n = _prod(shape)
    if self.is_contiguous() and self._offset == 0 and n <= self._storage.size():
        self._buffer()
        v = _view_of(self, shape, _contig_strides(shape), 0)
    else:
        v = empty(shape, dtype=self._dtype, device=self.device)
        v._buffer()
    for k in ("_storage", "_shape", "_data", "_stride", "_offset"):
        self.__dict__[k] = v.__dict__.get(k, getattr(Tensor, k, None))
    self.__dict__.pop("_base", None)
    return self


method("resize_", resize_)


def resize_as_(self, other):
    return resize_(self, other._shape)


method("resize_as_", resize_as_)


def set_(self, source=None, storage_offset=0, size=None, stride=None):
    """Make this tensor a view of ``source`` (a tensor: share its storage and geometry)."""
    if isinstance(source, Tensor):
        source._buffer()
        if size is None:
            g = (source._shape, source._strides(), source._offset)
        else:
            g = (tuple(size), tuple(stride) if stride else _contig_strides(tuple(size)),
                 storage_offset)
        v = _view_of(source, *g)
        for k in ("_storage", "_shape", "_data", "_stride", "_offset", "_dtype"):
            self.__dict__[k] = v.__dict__[k]
        return self
    raise TypeError("set_(): expected a Tensor source")


method("set_", set_)
