"""``Storage`` and ``Tensor``: a tensor is a strided view (shape, strides, offset) of a
one-dimensional typed storage.

NOTE [native cache]: each tensor keeps the backend-native array for its view in ``_data``.
For aliasing backends (NumPy, CuPy) it shares memory with the storage and is always valid.
For backends whose views are copies, the storage tracks its live views (a WeakSet) and every
in-place write rebuilds their arrays (``TypedStorage._refresh_views``).

NOTE [lazy storage]: an op's result is wrapped without building its flat buffer; the buffer is
made (``_buffer()``) the first time a view, an in-place write or ``storage()`` needs it.
"""

from __future__ import annotations

import weakref
from sys import getrefcount as _getrefcount

from . import _dtype as D
from ._device import device as _device_cls
from ._plugins import registry
from ._size import Size
from .autograd.grad_mode import STATE

__all__ = ["Tensor", "TypedStorage", "UntypedStorage"]


def _contig_strides(shape):
    out = [0] * len(shape)
    s = 1
    for i in range(len(shape) - 1, -1, -1):
        out[i] = s
        s *= shape[i] if shape[i] > 1 else 1
    return tuple(out)


def _prod(shape):
    n = 1
    for s in shape:
        n *= s
    return n


_backends = {}
_devices = {}


def _backend_for(dev):
    """(backend, canonical device) for a device object or string."""
    key = dev if isinstance(dev, str) else (dev.type, dev.index)
    hit = _devices.get(key)
    if hit is not None:
        return hit
    d = _device_cls(dev) if not isinstance(dev, _device_cls) else dev
    be = _backends.get(d.type)
    if be is None:
        be = registry().backend(d.type)
        if not be.is_available():
            raise RuntimeError(f"device type {d.type!r} is installed but not available: "
                               f"{be.unavailable_reason or 'no device found'}")
        _backends[d.type] = be
    idx = d.index
    if idx is None:
        idx = be.default_index()
    elif idx >= be.device_count():
        raise RuntimeError(f"device {d} is out of range: {d.type!r} has {be.device_count()} "
                           f"device(s) (valid indices 0..{be.device_count() - 1})")
    canon = _device_cls(d.type, idx)
    _devices[key] = (be, canon)
    return be, canon


class TypedStorage:
    """A one-dimensional typed buffer on a device, shared by every view of it.

    ``size()`` elements of ``dtype``; ``data_ptr()``, ``nbytes()``, ``tolist()``, indexing.
    ``_version`` counts in-place writes (autograd uses it to detect modified saved tensors).
    """

    __slots__ = ("_be", "device", "dtype", "_buf", "_lazy", "_version", "_views", "__weakref__")

    def __init__(self, *args, **kwargs):
        raise RuntimeError("storages are made by tensors; use tensor.untyped_storage()")

    @classmethod
    def _new(cls, be, dev, dtype, buf=None, lazy=None):
        s = object.__new__(cls)
        s._be, s.device, s.dtype, s._buf, s._lazy = be, dev, dtype, buf, lazy
        s._version = 0
        s._views = None if be.aliasing else weakref.WeakSet()
        return s

    def _track(self, t):
        """Remember a tensor viewing this storage (non-aliasing backends only)."""
        if self._views is not None:
            self._views.add(t)

    def _refresh_views(self):
        if self._views is not None:
            be, buf = self._be, self._buf
            for v in list(self._views):
                v.__dict__["_data"] = be.view(buf, v._shape, v._strides(), v._offset)

    def _flat(self):
        if self._buf is None:
            raise RuntimeError("internal error: storage buffer requested before materialisation")
        return self._buf

    def size(self) -> int:
        if self._buf is None:
            return _prod(self._lazy.shape)
        return self._buf.shape[0]

    __len__ = size

    def element_size(self) -> int:
        return self.dtype.itemsize

    def nbytes(self) -> int:
        return self.size() * self.dtype.itemsize

    def data_ptr(self) -> int:
        self._materialise()
        return self._be.data_ptr(self._buf)

    def _materialise(self):
        if self._buf is None:
            c, flat = self._be.as_buffer(self._lazy)
            self._buf = flat
            self._lazy = None
            return c
        return None

    def tolist(self):
        self._materialise()
        return self._be.to_host(self._buf).tolist()

    def __getitem__(self, i):
        return self.tolist()[i]

    def __repr__(self):
        return (f"{' ' + chr(10).join(' ' + repr(v) for v in self.tolist())}\n"
                f"[ember.storage.TypedStorage(dtype={self.dtype}, device={self.device}) "
                f"of size {self.size()}]").lstrip()

    def is_shared(self) -> bool:
        return False


UntypedStorage = TypedStorage   # ember storages are typed; untyped_storage() returns the same


class Tensor:
    """A multi-dimensional array on a device, with autograd.

    Build tensors with ``ember.tensor(data)``, ``ember.zeros(2, 3)``, ...; ``Tensor(2, 3)``
    makes an uninitialised float tensor of that shape and ``Tensor([2, 3])`` one from data,
    as in PyTorch.

    Shape: any. Example::

        >>> x = ember.tensor([[1., 2.], [3., 4.]], requires_grad=True)
        >>> (x * x).sum().backward(); x.grad
        tensor([[2., 4.],
                [6., 8.]])
    """

    # defaults shared by all instances (only what differs is stored per tensor)
    _stride = None
    _offset = 0
    grad = None
    grad_fn = None
    _output_nr = 0
    _rg = False
    _base = None
    _retains_grad = False
    _is_param = False
    __array_priority__ = 1000

    def __new__(cls, *args, device=None, dtype=None):
        from . import _creation
        if not args:
            t = _creation.empty(0, dtype=dtype, device=device)
        elif all(isinstance(a, int) and not isinstance(a, bool) for a in args):
            t = _creation.empty(*args, dtype=dtype, device=device)
        elif len(args) == 1 and isinstance(args[0], Tensor):
            t = args[0].detach()
        elif len(args) == 1:
            t = _creation.tensor(args[0], dtype=dtype or D.get_default_dtype(), device=device)
        else:
            raise TypeError(f"Tensor(): expected sizes (ints) or one data sequence, got "
                            f"{tuple(type(a).__name__ for a in args)}")
        if cls is Tensor:
            return t
        return t._as_subclass(cls)

    def __init__(self, *args, **kwargs):
        pass

    def _as_subclass(self, cls):
        out = object.__new__(cls)
        out.__dict__.update(self.__dict__)
        out.__dict__.pop("_accum", None)
        return out

    # -- native cache (NOTE [native cache]) -------------------------------------------------
    def _buffer(self):
        """The flat storage buffer (materialised on demand, NOTE [lazy storage])."""
        st = self._storage
        if st._buf is None:
            c = st._materialise()
            if c is not None and self._offset == 0 and self._stride is None:
                self._data = c
            st._track(self)
        return st._buf

    def _strides(self):
        s = self._stride
        if s is None:
            s = self._stride = _contig_strides(self._shape)
        return s

    # -- basic properties -----------------------------------------------------------------
    @property
    def shape(self):
        return _tuple_new(Size, self._shape)     # _shape holds ints already

    def size(self, dim=None):
        """The shape as ``ember.Size`` or, with ``dim``, one of its sizes."""
        if dim is None:
            return self.shape
        return self._shape[_wrap_dim(dim, len(self._shape), "size")]

    @property
    def dtype(self):
        return self._dtype

    @property
    def device(self):
        return self._storage.device

    @property
    def is_cuda(self):
        return self._storage.device.type == "cuda"

    @property
    def is_cpu(self):
        return self._storage.device.type == "cpu"

    @property
    def ndim(self):
        return len(self._shape)

    def dim(self) -> int:
        return len(self._shape)

    ndimension = dim

    def numel(self) -> int:
        return _prod(self._shape)

    nelement = numel

    def element_size(self) -> int:
        return self._dtype.itemsize

    @property
    def itemsize(self):
        return self._dtype.itemsize

    @property
    def nbytes(self):
        return self.numel() * self._dtype.itemsize

    def stride(self, dim=None):
        s = self._strides()
        if dim is None:
            return s
        return s[_wrap_dim(dim, len(self._shape), "stride")]

    def storage_offset(self) -> int:
        return self._offset

    def untyped_storage(self):
        self._buffer()
        return self._storage

    def storage(self):
        self._buffer()
        return self._storage

    def data_ptr(self) -> int:
        self._buffer()
        st = self._storage
        return st._be.data_ptr(st._buf) + self._offset * self._dtype.itemsize

    def is_contiguous(self, memory_format=None) -> bool:
        if self._stride is None:
            return True
        expected = 1
        for n, s in zip(reversed(self._shape), reversed(self._stride)):
            if n == 1:
                continue
            if n == 0:
                return True
            if s != expected:
                return False
            expected *= n
        return True

    def is_floating_point(self) -> bool:
        return self._dtype.is_floating_point

    def is_complex(self) -> bool:
        return self._dtype.is_complex

    def is_signed(self) -> bool:
        return self._dtype.is_signed

    def get_device(self) -> int:
        i = self._storage.device.index
        return -1 if i is None else i

    def is_inference(self) -> bool:
        return self.__dict__.get("_inference", False)

    @property
    def _version(self):
        return self._storage._version

    def __len__(self):
        if not self._shape:
            raise TypeError("len() of a 0-d tensor")
        return self._shape[0]

    def __hash__(self):
        return id(self)

    def __iter__(self):
        if not self._shape:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    # -- autograd -------------------------------------------------------------------------
    @property
    def requires_grad(self):
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value):
        value = bool(value)
        if self.grad_fn is not None:
            if not value:
                raise RuntimeError("you can only change requires_grad flags of leaf variables. "
                                   "If you want to use a computed variable in a subgraph that "
                                   "doesn't require differentiation use var_no_grad = "
                                   "var.detach().")
            return
        if value and not (self._dtype.is_floating_point or self._dtype.is_complex):
            raise RuntimeError(f"only Tensors of floating point and complex dtype can require "
                               f"gradients (got {self._dtype}); convert first, e.g. "
                               f"x.float().requires_grad_()")
        self._rg = value

    def requires_grad_(self, requires_grad: bool = True):
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def retains_grad(self):
        return self._retains_grad

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if not self._rg:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        ref = weakref.ref(self)

        def hook(g):
            t = ref()
            if t is not None:
                _accumulate_into_grad(t, g, retain=True)
        self.grad_fn._add_tensor_hook(self._output_nr, _RetainHook(hook))
        self._retains_grad = True

    def register_hook(self, hook):
        """``hook(grad) -> grad | None`` runs when the gradient w.r.t. this tensor is computed;
        a returned tensor replaces the gradient. Returns a handle with ``remove()``."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require "
                               "gradient")
        if self.grad_fn is not None:
            hs = self.grad_fn._pre_hooks and self.grad_fn._pre_hooks.get(self._output_nr)
            handle = self.grad_fn._add_tensor_hook(self._output_nr, hook)
            # retain_grad hooks run last, as in PyTorch
            if hs:
                hs.sort(key=lambda h: isinstance(h, _RetainHook))
            return handle
        from .autograd.graph import _Handle
        hooks = self.__dict__.setdefault("_leaf_hooks", [])
        hooks.append(hook)
        return _Handle(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """``hook(tensor)`` runs after ``.grad`` of this leaf was accumulated."""
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf "
                               "tensors")
        from .autograd.graph import grad_accumulator, _Handle
        acc = grad_accumulator(self)
        self.__dict__["_keep_acc"] = acc
        if acc._post_acc is None:
            acc._post_acc = []
        acc._post_acc.append(hook)
        return _Handle(acc._post_acc, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``. A non-scalar tensor needs
        ``gradient`` (same shape)."""
        if (gradient is None and inputs is None and not create_graph and not retain_graph
                and self.grad_fn is not None and _prod(self._shape) == 1
                and (self._dtype.is_floating_point or self._dtype.is_complex)):
            # ``loss.backward()``: the seed is a one on the loss's device, straight to the
            # engine (what autograd.backward does, minus its argument handling)
            st = self._storage
            be, dt = st._be, self._dtype
            seed = _from_native(be.full(self._shape, 1, dt, st.device.index), be, st.device, dt)
            _run_backward([self], [seed], False, False)
            return
        _autograd_backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self):
        """A tensor sharing storage with ``self`` and no autograd history."""
        return self._alias()

    def detach_(self):
        if self._base is not None and self.grad_fn is not None:
            pass
        self.grad_fn = None
        self._rg = False
        return self

    def _alias(self):
        """Same storage and geometry, no autograd history."""
        self._buffer()
        t = object.__new__(Tensor)
        d = t.__dict__
        d["_storage"] = self._storage
        d["_shape"] = self._shape
        d["_dtype"] = self._dtype
        d["_data"] = self._data
        if self._stride is not None:
            d["_stride"] = self._stride
        if self._offset:
            d["_offset"] = self._offset
        self._storage._track(t)
        return t

    @property
    def data(self):
        return self._alias()

    @data.setter
    def data(self, other):
        if not isinstance(other, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(other).__name__}")
        other._buffer()
        for k in ("_storage", "_shape", "_dtype", "_data", "_stride", "_offset"):
            if k in other.__dict__:
                self.__dict__[k] = other.__dict__[k]
            else:
                self.__dict__.pop(k, None)

    # -- conversion -------------------------------------------------------------------------
    def numpy(self, *, force=False):
        """A NumPy array sharing memory with this cpu tensor."""
        if self._rg and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        if self._storage.device.type != "cpu":
            if force:
                return self.cpu().numpy(force=True)
            raise TypeError(f"can't convert {self._storage.device.type} device type tensor to "
                            f"numpy. Use Tensor.cpu() to copy the tensor to host memory first.")
        return self._storage._be.to_host(self._data)

    def tolist(self):
        h = self._storage._be.to_host(self._data)
        return h.tolist() if hasattr(h, "tolist") else h

    def item(self):
        if _prod(self._shape) != 1:
            raise RuntimeError(f"a Tensor with {_prod(self._shape)} elements cannot be "
                               f"converted to Scalar")
        h = self._storage._be.to_host(self._data)
        v = h.reshape(()).item() if hasattr(h, "reshape") else h
        if self._dtype is D.bfloat16:
            v = float(v)
        return v

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __complex__(self):
        return complex(self.item())

    def __index__(self):
        if self._dtype.is_floating_point or self._dtype.is_complex or self._dtype is D.bool_:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self.item())

    def __bool__(self):
        n = _prod(self._shape)
        if n != 1:
            raise RuntimeError(f"Boolean value of Tensor with {'no values' if n == 0 else 'more than one value'} is ambiguous")
        return bool(self.item())

    def __repr__(self):
        from ._repr import tensor_repr
        return tensor_repr(self)

    def __format__(self, spec):
        if not self._shape:
            return format(self.item(), spec)
        return object.__format__(self, spec)

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment.")
        from .autograd.grad_mode import no_grad
        with no_grad():
            new = self.clone()
        if type(self) is not Tensor:
            new = new._as_subclass(type(self))
        new._rg = self._rg
        if self.grad is not None:
            new.grad = self.grad.__deepcopy__(memo)
        for k, v in self.__dict__.items():
            if k not in new.__dict__ and not k.startswith("_"):
                import copy
                new.__dict__[k] = copy.deepcopy(v, memo)
        memo[id(self)] = new
        return new

    def __reduce_ex__(self, proto):
        from .serialization import _rebuild_tensor, _tensor_payload
        return (_rebuild_tensor, _tensor_payload(self))

    def type(self, dtype=None, non_blocking=False):
        """Without an argument, the legacy type name (``'ember.FloatTensor'``); with a dtype or
        a type name, the tensor converted to it."""
        from ._legacy import type_name, parse_type
        if dtype is None:
            return type_name(self._dtype, self._storage.device)
        d, dev = parse_type(dtype)
        out = self.to(d)
        if dev is not None:
            out = out.to(dev)
        return out


def _run_backward(*args, **kwargs):
    from .autograd.engine import run_backward
    globals()["_run_backward"] = run_backward       # resolved once (a cycle at import time)
    return run_backward(*args, **kwargs)


def _autograd_backward(*args, **kwargs):
    from .autograd import backward
    globals()["_autograd_backward"] = backward      # resolved once (a cycle at import time)
    return backward(*args, **kwargs)


class _RetainHook:
    def __init__(self, fn):
        self.fn = fn

    def __call__(self, g):
        self.fn(g)
        return None


def _wrap_dim(dim, ndim, op="dim"):
    n = ndim if ndim > 0 else 1
    if not isinstance(dim, int):
        try:
            dim = dim.__index__()
        except AttributeError:
            raise TypeError(f"{op}(): dim must be an int, got {type(dim).__name__}") from None
    if dim < -n or dim >= n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim + n if dim < 0 else dim


def _from_native(arr, be, dev, dtype=None):
    """Wrap a backend-native array (an op's fresh result) as a Tensor."""
    # the body of TypedStorage._new, inlined: this runs once per op result
    st = _new_object(TypedStorage)
    if dtype is None:
        dtype = be.ember_dtype(arr.dtype)
    st._be, st.device, st.dtype, st._buf, st._lazy, st._version = be, dev, dtype, None, arr, 0
    st._views = None if be.aliasing else weakref.WeakSet()
    t = _new_object(Tensor)
    d = t.__dict__
    d["_storage"] = st
    d["_data"] = arr
    d["_shape"] = arr.shape
    d["_dtype"] = dtype
    if STATE.inference:
        d["_inference"] = True
    return t


_new_object = object.__new__
_tuple_new = tuple.__new__


def _from_native_like(arr, args):
    for a in args:
        if isinstance(a, Tensor):
            st = a._storage
            return _from_native(arr, st._be, st.device)
        if isinstance(a, (list, tuple)):
            for b in a:
                if isinstance(b, Tensor):
                    st = b._storage
                    return _from_native(arr, st._be, st.device)
    raise RuntimeError("internal error: op result without a tensor argument to take the "
                       "device from")


def _sum_to(g, shape):
    """Sum ``g`` down to ``shape`` (undo broadcasting), with ember ops (differentiable)."""
    gs = g._shape
    if gs == shape:
        return g
    lead = len(gs) - len(shape)
    if lead < 0:
        raise RuntimeError(f"cannot sum a gradient of shape {list(gs)} to {list(shape)}")
    dims = list(range(lead))
    for i, n in enumerate(shape):
        if n == 1 and gs[lead + i] != 1:
            dims.append(lead + i)
        elif n != gs[lead + i]:
            raise RuntimeError(f"cannot sum a gradient of shape {list(gs)} to {list(shape)}")
    if dims:
        g = g.sum(dim=tuple(dims), keepdim=True)
    if lead:
        g = g.reshape(shape)
    return g


def _accumulate_into_grad(t, g, retain=False, fresh=False):
    """Add ``g`` to ``t.grad`` (in place when no graph is being built, as PyTorch does).

    ``fresh``: the caller (the engine) holds the only reference to ``g``; when its storage and
    memory are not shared either (``_stealable``), ``g`` itself becomes ``.grad`` instead of a
    copy (NOTE [in-place kernels] in ``ember.backend``)."""
    if STATE.grad_enabled:           # create_graph=True: keep the graph of the gradient
        t.grad = g if t.grad is None else t.grad + g
        return
    if g.grad_fn is not None or g._rg:
        g = g.detach()
    cur = t.grad
    if cur is None:
        # never alias a gradient another leaf (or anyone else) may also hold
        t.grad = g if fresh and _stealable(g) else g.clone()
        return
    st = cur._storage
    if (cur.__class__ is Tensor and cur._stride is None and g._stride is None
            and cur._shape == g._shape and cur._dtype is g._dtype and cur.grad_fn is None
            and not cur._rg and st._be.aliasing
            and (st.device is g._storage.device or st.device == g._storage.device)):
        # the usual case: two dense gradients of one shape, added in place by the backend
        into = getattr(st._be, "binary_into", None)
        if into is not None and (cur._dtype.is_floating_point or cur._dtype.is_complex):
            cur._buffer()
            if into("add", cur._data, g._data, cur._data):
                st._version += 1
                return
    if cur.grad_fn is not None or cur._rg:
        t.grad = cur.detach() + g
    elif not _binary_into(cur, "add", g):
        cur.add_(g)


def _stealable(g):
    """``g`` (referenced by the caller's caller and the argument only) shares nothing: its
    storage is its own, never viewed (still lazy), and the backend array is a fresh result
    that no other object holds."""
    st = g._storage
    if (g._stride is not None or g._offset or st._buf is not None or st._lazy is not g._data
            or type(g) is not Tensor):
        return False
    own = getattr(st._be, "owns_memory", None)
    if own is None or not own(g._data):
        return False
    # references to the storage: g's __dict__, the local st and getrefcount's argument; to
    # the array: g's __dict__, the storage's _lazy and the argument
    return _getrefcount(st) == 3 and _getrefcount(g._data) == 3


def _binary_into(t, name, other):
    from ._ops.core import _binary_into as f
    globals()["_binary_into"] = f
    return f(t, name, other)
