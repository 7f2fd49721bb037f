"""``ArrayAPIBackend``: a base class that implements most of the backend protocol on any
Python Array API namespace (``xp``): NumPy >= 2, CuPy, ``array_api_strict``, ...

A device plugin subclasses it and passes its namespace and dtype map. What the standard does
not cover is built here from standard functions too, so a subclass is complete as it is:

- strided views of a flat buffer: ``view`` gathers the view's positions (``aliasing`` is
  False: views are copies, re-read by the core after in-place writes);
- ``write``, ``scatter`` (with reductions) and ``setitem`` with integer arrays: lowered to
  flat positions and combined with sort + ``searchsorted`` (NOTE [flat scatter]);
- NumPy-style ``getitem`` keys the standard forbids (arrays mixed with slices, masks
  anywhere): flat positions and one ``take`` (``_positions``);
- ``erf``, ``erfinv``, ``lgamma``, ``digamma``: ``ember._xp_special`` (NOTE [xp special
  functions]);
- random numbers: a counter-based generator on uint64, ``ember._xp_random`` (NOTE [xp
  random]);
- booleans in numeric-only functions (``add``, ``maximum``, ``argmax``, ``sort``): computed
  on uint8.

Subclasses override what their library does better (aliasing views, native scatter, special
functions, generators: see ember-cupy) and add host exchange and optional kernels (see
ember-strict). The core never imports an array library; this class only calls the namespace
it is given (NumPy is imported, lazily, only as the host format of ``to_host``).

Example::

    class MyBackend(ArrayAPIBackend):
        name = "mydev"
        def __init__(self):
            import my_array_lib as xp
            super().__init__(xp, {ember.float32: xp.float32, ...})
"""

from __future__ import annotations

import math

from . import _dtype as D
from . import _xp_random, _xp_special
from .backend import MissingPrimitive

__all__ = ["ArrayAPIBackend", "numpy_like_scatter", "scatter_operands", "is_basic_key"]


class ArrayAPIBackend:
    """Protocol primitives built from an Array API namespace. See ``ember.backend.Backend``."""

    name = "arrayapi"
    aliasing = False
    unavailable_reason = ""

    def __init__(self, xp, dtype_map: dict):
        self.xp = xp
        self._d2n = dict(dtype_map)
        self._n2d = {v: k for k, v in self._d2n.items()}
        self._seed = 0

    def _missing(self, what):
        raise MissingPrimitive(f"backend {self.name!r} does not implement primitive {what!r}")

    # -- capabilities --------------------------------------------------------------------
    def is_available(self):
        return True

    def device_count(self):
        return 1

    def dtypes(self, index=None):
        return tuple(self._d2n)

    def synchronize(self, index=None):
        return None

    def memory_stats(self, index=None):
        return {"allocated_bytes": 0, "reserved_bytes": 0}

    def default_index(self):
        return None

    # -- dtypes --------------------------------------------------------------------------
    def native_dtype(self, d):
        try:
            return self._d2n[d]
        except KeyError:
            raise TypeError(f"device {self.name!r} does not support dtype {d}; supported: "
                            f"{[x.name for x in self._d2n]}") from None

    def ember_dtype(self, native):
        try:
            return self._n2d[native]
        except (KeyError, TypeError):
            for k, v in self._n2d.items():
                if k == native:
                    return v
            raise TypeError(f"device {self.name!r}: no ember dtype for native {native}") from None

    # -- memory --------------------------------------------------------------------------
    def empty(self, shape, d, index=None):
        return self.xp.empty(shape, dtype=self.native_dtype(d))

    def full(self, shape, value, d, index=None):
        return self.xp.full(shape, value, dtype=self.native_dtype(d))

    def arange(self, n, d, index=None):
        return self.xp.arange(n, dtype=self.native_dtype(d))

    def asarray(self, obj, d, index=None):
        xp = self.xp
        if d is not None:
            return xp.asarray(obj, dtype=self.native_dtype(d), copy=True)
        a = xp.asarray(obj, copy=True)
        if a.dtype not in self._n2d:
            kind = ("complex floating" if xp.isdtype(a.dtype, "complex floating") else
                    "real floating" if xp.isdtype(a.dtype, "real floating") else "integral")
            target = {"complex floating": D.complex128, "real floating": D.float64,
                      "integral": D.int64}[kind]
            a = xp.astype(a, self.native_dtype(target))
        return a

    def astype(self, x, d):
        xp = self.xp
        nd = self.native_dtype(d)
        if xp.isdtype(x.dtype, "complex floating") and not d.is_complex:
            x = xp.real(x)
        if xp.isdtype(x.dtype, "real floating") and not (d.is_floating_point or d.is_complex) \
                and d is not D.bool_:
            x = xp.trunc(x)
            if not d.is_signed:       # C-style wrap-around for negative -> unsigned
                x = xp.astype(xp.astype(x, self.native_dtype(D.int64)), nd)
                return x
        return xp.astype(x, nd)

    def copy(self, x):
        return self.xp.asarray(x, copy=True)

    def as_buffer(self, x):
        return x, self.xp.reshape(x, (-1,))

    def _flat_index(self, shape, strides, offset):
        """int64 storage positions of every element of the strided view, C order."""
        xp = self.xp
        i64 = self.native_dtype(D.int64)
        idx = xp.asarray(offset, dtype=i64)
        for n, s in zip(shape, strides):
            r = xp.arange(n, dtype=i64) * s
            idx = xp.expand_dims(idx, axis=-1) + r
        return xp.reshape(idx, shape) if shape else idx

    def view(self, buffer, shape, strides, offset):
        # a gather: Array API arrays cannot alias arbitrary strides (aliasing = False)
        xp = self.xp
        n = math.prod(shape)
        if n == 0:
            return xp.empty(shape, dtype=buffer.dtype)
        idx = self._flat_index(shape, strides, offset)
        return xp.reshape(xp.take(buffer, xp.reshape(idx, (-1,))), shape)

    def write(self, buffer, shape, strides, offset, src):
        xp = self.xp
        n = math.prod(shape)
        if n == 0:
            return buffer
        idx = xp.reshape(self._flat_index(shape, strides, offset), (-1,))
        if not hasattr(src, "shape"):
            vals = xp.full((n,), src, dtype=buffer.dtype)
        else:
            vals = xp.reshape(xp.broadcast_to(xp.astype(src, buffer.dtype), shape), (-1,))
        return self._scatter_flat(buffer, idx, vals)

    def _scatter_flat(self, buffer, idx, vals):
        """``buffer`` with ``buffer[idx] = vals`` (``idx`` unique), functionally, with only
        standard functions: sort the targets, then look every position up with
        ``searchsorted`` (O((size + n) log n), no integer-array assignment needed)."""
        xp = self.xp
        size = buffer.shape[0]
        order = xp.argsort(idx)
        sidx = xp.take(idx, order)
        svals = xp.take(vals, order)
        pos = xp.arange(size, dtype=idx.dtype)
        j = xp.searchsorted(sidx, pos)
        j = xp.clip(j, 0, sidx.shape[0] - 1)
        hit = xp.take(sidx, j) == pos
        return xp.where(hit, xp.take(svals, j), buffer)

    def data_ptr(self, buffer):
        return 0

    def to_host(self, x):
        import numpy as np   # host arrays are NumPy arrays (only imported when asked)
        return np.asarray(x)

    def to_bytes(self, x):
        return self.to_host(x).tobytes()

    def from_bytes(self, data, d, index=None):
        import numpy as np
        host = np.frombuffer(bytearray(data), dtype=np.dtype(d.name))
        return self.xp.asarray(host, dtype=self.native_dtype(d))

    # -- elementwise ---------------------------------------------------------------------
    def _u(name):
        def f(self, x):
            return getattr(self.xp, name)(x)
        f.__name__ = name
        return f

    neg = _u("negative")
    abs = _u("abs")
    exp = _u("exp")
    expm1 = _u("expm1")
    log = _u("log")
    log2 = _u("log2")
    log10 = _u("log10")
    log1p = _u("log1p")
    sqrt = _u("sqrt")
    sin = _u("sin")
    cos = _u("cos")
    tan = _u("tan")
    asin = _u("asin")
    acos = _u("acos")
    atan = _u("atan")
    sinh = _u("sinh")
    cosh = _u("cosh")
    tanh = _u("tanh")
    asinh = _u("asinh")
    acosh = _u("acosh")
    atanh = _u("atanh")
    floor = _u("floor")
    ceil = _u("ceil")
    round = _u("round")
    trunc = _u("trunc")
    logical_not = _u("logical_not")
    bitwise_not = _u("bitwise_invert")
    isnan = _u("isnan")
    isinf = _u("isinf")
    isfinite = _u("isfinite")
    signbit = _u("signbit")
    conj = _u("conj")
    real = _u("real")
    imag = _u("imag")

    def exp2(self, x):
        return self.xp.pow(self.xp.asarray(2.0, dtype=x.dtype), x)

    def sign(self, x):
        xp = self.xp
        if x.dtype == xp.bool:
            return xp.asarray(x, copy=True)
        return xp.sign(x)

    def angle(self, x):
        xp = self.xp
        if xp.isdtype(x.dtype, "complex floating"):
            return xp.atan2(xp.imag(x), xp.real(x))
        return xp.where(x < 0, xp.asarray(math.pi, dtype=x.dtype), xp.zeros_like(x))

    def sigmoid(self, x):
        xp = self.xp
        e = xp.exp(-xp.abs(x))
        return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))

    # special functions from standard functions only (NOTE [xp special functions])
    def erf(self, x):
        return _xp_special.erf(self.xp, x)

    def erfinv(self, x):
        return _xp_special.erfinv(self.xp, x)

    def lgamma(self, x):
        return _xp_special.lgamma(self.xp, x)

    def digamma(self, x):
        return _xp_special.digamma(self.xp, x)

    def _b(name):
        def f(self, a, b):
            try:
                return getattr(self.xp, name)(a, b)
            except TypeError:
                if not (_is_bool(self.xp, a) and _is_bool(self.xp, b)):
                    raise
                # arithmetic, maximum/minimum and ordering on booleans (allowed by PyTorch,
                # numeric-only in the standard): compute on uint8, answer in bool
                return self._bool_binary(name, a, b)
        f.__name__ = name
        return f

    add = _b("add")
    sub = _b("subtract")
    mul = _b("multiply")
    div = _b("divide")
    floor_divide = _b("floor_divide")
    remainder = _b("remainder")
    pow = _b("pow")
    atan2 = _b("atan2")
    maximum = _b("maximum")
    minimum = _b("minimum")
    hypot = _b("hypot")
    copysign = _b("copysign")
    eq = _b("equal")
    ne = _b("not_equal")
    lt = _b("less")
    le = _b("less_equal")
    gt = _b("greater")
    ge = _b("greater_equal")
    logical_and = _b("logical_and")
    logical_or = _b("logical_or")
    logical_xor = _b("logical_xor")
    bitwise_and = _b("bitwise_and")
    bitwise_or = _b("bitwise_or")
    bitwise_xor = _b("bitwise_xor")
    left_shift = _b("bitwise_left_shift")
    right_shift = _b("bitwise_right_shift")
    del _u, _b

    def _bool_binary(self, name, a, b):
        xp = self.xp
        u8 = xp.uint8
        ua = xp.astype(a, u8) if hasattr(a, "dtype") else int(a)
        ub = xp.astype(b, u8) if hasattr(b, "dtype") else int(b)
        r = getattr(xp, name)(ua, ub)
        return r if r.dtype == xp.bool else r != 0

    def fmod(self, a, b):
        xp = self.xp
        return a - xp.trunc(a / b) * b if xp.isdtype(_dt(a, b), "real floating") else \
            a - (xp.sign(a) * (xp.abs(a) // xp.abs(b))) * b

    def fmax(self, a, b):
        xp = self.xp
        return xp.where(xp.isnan(a), b, xp.where(xp.isnan(b), a, xp.maximum(a, b)))

    def fmin(self, a, b):
        xp = self.xp
        return xp.where(xp.isnan(a), b, xp.where(xp.isnan(b), a, xp.minimum(a, b)))

    def where(self, cond, a, b):
        return self.xp.where(cond, a, b)

    def clip(self, x, lo, hi):
        xp = self.xp
        if lo is not None:
            x = xp.maximum(x, lo)
        if hi is not None:
            x = xp.minimum(x, hi)
        return x

    # -- reductions ----------------------------------------------------------------------
    def sum(self, x, axis, keepdims, dtype=None):
        return self.xp.sum(x, axis=axis, keepdims=keepdims,
                           dtype=None if dtype is None else self.native_dtype(dtype))

    def prod(self, x, axis, keepdims, dtype=None):
        return self.xp.prod(x, axis=axis, keepdims=keepdims,
                            dtype=None if dtype is None else self.native_dtype(dtype))

    def max(self, x, axis, keepdims):
        return self.xp.max(x, axis=axis, keepdims=keepdims)

    def min(self, x, axis, keepdims):
        return self.xp.min(x, axis=axis, keepdims=keepdims)

    def all(self, x, axis, keepdims):
        return self.xp.all(x, axis=axis, keepdims=keepdims)

    def any(self, x, axis, keepdims):
        return self.xp.any(x, axis=axis, keepdims=keepdims)

    def _argext(self, x, axis, keepdims, fn):
        xp = self.xp
        if x.dtype == xp.bool:      # the standard has no argmax/argmin of booleans
            x = xp.astype(x, xp.uint8)
        if axis is None:
            r = fn(xp.reshape(x, (-1,)), axis=0)
            return xp.reshape(r, (1,) * x.ndim) if keepdims else r
        return fn(x, axis=axis, keepdims=keepdims)

    def argmax(self, x, axis, keepdims):
        return self.xp.astype(self._argext(x, axis, keepdims, self.xp.argmax),
                              self.native_dtype(D.int64))

    def argmin(self, x, axis, keepdims):
        return self.xp.astype(self._argext(x, axis, keepdims, self.xp.argmin),
                              self.native_dtype(D.int64))

    def cumsum(self, x, axis):
        return self.xp.cumulative_sum(x, axis=axis)

    def cumprod(self, x, axis):
        xp = self.xp
        if hasattr(xp, "cumulative_prod"):
            return xp.cumulative_prod(x, axis=axis)
        self._missing("cumprod")

    def sort(self, x, axis, descending, stable):
        xp = self.xp
        key = xp.astype(x, xp.uint8) if x.dtype == xp.bool else x   # no bool argsort
        idx = xp.argsort(key, axis=axis, descending=descending, stable=True)
        idx = xp.astype(idx, self.native_dtype(D.int64))
        return xp.take_along_axis(x, idx, axis=axis), idx

    def matmul(self, a, b):
        return self.xp.matmul(a, b)

    # -- indexing ------------------------------------------------------------------------
    def take(self, x, index, axis):
        xp = self.xp
        flat = xp.reshape(index, (-1,))
        r = xp.take(x, flat, axis=axis)
        return xp.reshape(r, x.shape[:axis] + index.shape + x.shape[axis + 1:])

    def take_along_axis(self, x, index, axis):
        return self.xp.take_along_axis(x, index, axis=axis)

    def concat(self, arrays, axis):
        return self.xp.concat(list(arrays), axis=axis)

    def nonzero(self, x):
        xp = self.xp
        return tuple(xp.astype(i, self.native_dtype(D.int64)) for i in xp.nonzero(x))

    def getitem(self, x, key):
        xp = self.xp
        if _basic_key(key):
            return xp.asarray(x[_full_key(key, x.shape)], copy=True)
        pos = self._positions(x.shape, key)
        flat = xp.take(xp.reshape(x, (-1,)), xp.reshape(pos, (-1,)))
        return xp.reshape(flat, pos.shape)

    def setitem(self, x, key, value, accumulate):
        """In place, ``x[key] = value`` (``+=`` with repeats summed when ``accumulate``).
        Basic keys assign directly; integer-array and mask keys (which the Array API does not
        allow in ``__setitem__``) are lowered to flat positions, reduced functionally
        (``_scatter_reduce_flat``) and written back with ``x[...] = result``."""
        xp = self.xp
        if not hasattr(value, "shape"):
            value = self._scalar(value, x.dtype)
        elif value.dtype != x.dtype:
            value = xp.astype(value, x.dtype)
        if _basic_key(key) and not accumulate:
            x[_full_key(key, x.shape)] = value
            return
        pos = self._positions(x.shape, key)
        n = math.prod(pos.shape)
        if n == 0:
            return
        vals = xp.reshape(xp.broadcast_to(value, pos.shape), (-1,))
        new = self._scatter_reduce_flat(xp.reshape(x, (-1,)), xp.reshape(pos, (-1,)), vals,
                                        "sum" if accumulate else None)
        x[...] = xp.reshape(new, x.shape)

    def scatter(self, x, index, src, axis, reduce):
        xp = self.xp
        shape = tuple(index.shape)
        if math.prod(shape) == 0:
            return xp.asarray(x, copy=True)
        i64 = self.native_dtype(D.int64)
        cs = _c_strides(x.shape)
        ndim = len(shape)
        pos = None
        for k in range(ndim):
            if k == axis:
                c = xp.astype(index, i64)
                c = xp.where(c < 0, c + x.shape[k], c)
            else:
                c = xp.reshape(xp.arange(shape[k], dtype=i64),
                               tuple(shape[k] if j == k else 1 for j in range(ndim)))
            c = c * cs[k]
            pos = c if pos is None else pos + c
        pos = xp.broadcast_to(pos, shape)
        if hasattr(src, "shape") and src.ndim == len(shape):
            if tuple(src.shape) != shape:
                src = src[tuple(slice(0, m) for m in shape)]
            if src.dtype != x.dtype:
                src = xp.astype(src, x.dtype)
            vals = xp.reshape(src, (-1,))
        else:   # a Python number or a 0-d array: the same value everywhere
            v = src if hasattr(src, "shape") else self._scalar(src, x.dtype)
            vals = xp.broadcast_to(xp.astype(v, x.dtype), (math.prod(shape),))
        out = self._scatter_reduce_flat(xp.reshape(x, (-1,)), xp.reshape(pos, (-1,)), vals,
                                        reduce)
        return xp.reshape(out, x.shape)

    # NOTE [flat scatter]: the Array API has no integer-array assignment. Every scatter is
    # lowered to 1-D: target positions ``idx`` into a flat buffer and values ``vals``. A
    # stable sort groups equal targets; a segmented inclusive scan (log2(n) shifted
    # ``where`` steps) combines each group; ``searchsorted`` then finds, for every buffer
    # position, the last element of its group (or none). All O((size + n) log n), standard
    # functions only.
    def _scatter_reduce_flat(self, buffer, idx, vals, reduce):
        """``buffer`` (1-D) with ``vals`` combined in at positions ``idx``: ``reduce`` None
        (assign; with repeats the last one wins), ``"sum"``, ``"prod"``, ``"amax"``,
        ``"amin"``. A new array."""
        xp = self.xp
        if reduce not in (None, "sum", "prod", "amax", "amin"):
            raise ValueError(f"scatter: unknown reduce {reduce!r}")
        size = buffer.shape[0]
        n = idx.shape[0]
        if n == 0 or size == 0:
            return xp.asarray(buffer, copy=True)
        order = xp.argsort(idx, stable=True)
        sidx = xp.take(idx, order)
        svals = xp.take(vals, order)
        if reduce is not None:
            svals = self._segment_scan(sidx, svals, reduce)
        pos = xp.arange(size, dtype=idx.dtype)
        j = xp.searchsorted(sidx, pos, side="right") - 1
        jc = xp.clip(j, 0, n - 1)
        hit = (j >= 0) & (xp.take(sidx, jc) == pos)
        got = xp.take(svals, jc)
        if reduce is None:
            return xp.where(hit, got, buffer)
        return xp.where(hit, self._combine(reduce, buffer, got), buffer)

    def _combine(self, reduce, a, b):
        xp = self.xp
        if reduce == "sum":
            return xp.logical_or(a, b) if a.dtype == xp.bool else a + b
        if reduce == "prod":
            return xp.logical_and(a, b) if a.dtype == xp.bool else a * b
        if reduce == "amax":
            return xp.maximum(a, b) if a.dtype != xp.bool else xp.logical_or(a, b)
        return xp.minimum(a, b) if a.dtype != xp.bool else xp.logical_and(a, b)

    def _segment_scan(self, keys, vals, reduce):
        """Inclusive scan of ``vals`` within runs of equal (sorted) ``keys``."""
        xp = self.xp
        n = vals.shape[0]
        k = 1
        while k < n:
            same = keys[k:] == keys[:-k]
            moved = self._combine(reduce, vals[k:], vals[:-k])
            vals = xp.concat([vals[:k], xp.where(same, moved, vals[k:])])
            k *= 2
        return vals

    def _positions(self, shape, key):
        """The flat C-order positions that a NumPy-style ``key`` selects from an array of
        ``shape``, as an int64 array of the result's shape (NumPy's rules: integer and mask
        arrays broadcast together; their dimensions go where the first of them stood when
        they are adjacent, else first)."""
        xp = self.xp
        i64 = self.native_dtype(D.int64)
        items = _expand_key(key, len(shape), self._is_mask)
        # masks become one integer array per dimension they cover
        flat_items = []
        for kind, v in items:
            if kind == "bool":
                flat_items.append(("adv0", v))
            elif kind == "array" and v.dtype == xp.bool:
                if v.ndim == 0:
                    flat_items.append(("adv0", bool(v)))
                else:
                    for a in xp.nonzero(v):
                        flat_items.append(("array", a))
            else:
                flat_items.append((kind, v))
        has_adv = any(k in ("array", "adv0") for k, _ in flat_items)
        # which items are advanced (ints count too once any array is present), and the
        # source dimension of each item
        adv_pos, dim, src = [], 0, []
        for i, (kind, _v) in enumerate(flat_items):
            if kind in ("array", "adv0") or (kind == "int" and has_adv):
                adv_pos.append(i)
            src.append(dim if kind in ("array", "int", "slice") else None)
            if kind in ("array", "int", "slice"):
                dim += 1
        adjacent = bool(adv_pos) and adv_pos == list(range(adv_pos[0], adv_pos[-1] + 1))
        bshape = _broadcast([tuple(v.shape) if k == "array" else
                             ((1,) if v else (0,)) if k == "adv0" else ()
                             for i, (k, v) in enumerate(flat_items) if i in adv_pos])
        # output layout: a list of ("basic", item index, length) and one ("adv",) block
        layout = []
        placed = False
        for i, (kind, v) in enumerate(flat_items):
            if i in adv_pos:
                if not placed and adjacent:
                    layout.append(("adv",))
                    placed = True
                continue
            if kind == "slice":
                layout.append(("basic", i, len(range(*v.indices(shape[src[i]])))))
            elif kind == "new":
                layout.append(("basic", i, 1))
        if adv_pos and not adjacent:
            layout.insert(0, ("adv",))
        out_shape = []
        where = {}
        for entry in layout:
            if entry[0] == "adv":
                where["adv"] = len(out_shape)
                out_shape.extend(bshape)
            else:
                where[entry[1]] = len(out_shape)
                out_shape.append(entry[2])
        out_shape = tuple(out_shape)
        nd = len(out_shape)
        cs = _c_strides(shape)
        pos = xp.zeros((), dtype=i64)
        for i, (kind, v) in enumerate(flat_items):
            d = src[i]
            if d is None:
                continue
            if i in adv_pos:
                a = xp.asarray(v, dtype=i64) if kind == "int" else xp.astype(v, i64)
                a = xp.where(a < 0, a + shape[d], a)
                a = xp.broadcast_to(a, bshape)
                at = where["adv"]
                c = xp.reshape(a, (1,) * at + bshape + (1,) * (nd - at - len(bshape)))
            elif kind == "int":
                c = xp.asarray(v % shape[d] if shape[d] else v, dtype=i64)
            else:
                start, stop, step = v.indices(shape[d])
                r = xp.arange(start, stop, step, dtype=i64)
                at = where[i]
                c = xp.reshape(r, tuple(r.shape[0] if j == at else 1 for j in range(nd)))
            pos = pos + c * cs[d]
        return xp.broadcast_to(pos, out_shape)

    def _is_mask(self, k):
        return _is_array(k) and k.dtype == self.xp.bool

    def _scalar(self, value, native):
        """A 0-d array of dtype ``native`` holding the Python number ``value``."""
        xp = self.xp
        if native == xp.bool:
            value = bool(value)
        elif xp.isdtype(native, "integral"):
            value = int(value)
        elif xp.isdtype(native, "real floating"):
            value = float(value.real if isinstance(value, complex) else value)
        else:
            value = complex(value)
        return xp.asarray(value, dtype=native)

    # -- random (NOTE [xp random]: a counter-based SplitMix64 stream on uint64) -----------
    def new_generator(self, seed, index=None):
        return _xp_random.XpGenerator(seed, index)

    def default_generator(self, index=None):
        gens = self.__dict__.setdefault("_default_gens", {})
        g = gens.get(index)
        if g is None:
            g = gens[index] = _xp_random.XpGenerator(0, index)
        return g

    def generator_seed(self, gen, seed):
        _xp_random.seed_generator(gen, seed)

    def generator_get_state(self, gen):
        return _xp_random.get_state(gen)

    def generator_set_state(self, gen, state):
        _xp_random.set_state(gen, state)

    def random(self, gen, kind, shape, d, index=None, **params):
        return _xp_random.draw(self.xp, gen, kind, tuple(shape), self.native_dtype(d),
                               **params)


_UFUNC_AT = {"sum": "add", "prod": "multiply", "amax": "maximum", "amin": "minimum"}


def scatter_operands(xp, x, index, src, axis):
    """The full index of a ``scatter`` along ``axis`` -- open grids (NumPy's
    ``indices(sparse=True)``, which CuPy lacks) with ``index`` in place of the grid of
    ``axis`` -- and ``src`` as an array of ``index``'s shape (a scalar filled in ``x``'s
    dtype, an array cut to the corner)."""
    nd = index.ndim
    idx = [xp.arange(n).reshape((1,) * i + (n,) + (1,) * (nd - i - 1))
           for i, n in enumerate(index.shape)]
    idx[axis] = index
    if not isinstance(src, xp.ndarray):
        src = xp.full(index.shape, src, dtype=x.dtype)
    else:
        src = src[tuple(slice(0, n) for n in index.shape)]
    return tuple(idx), src


def numpy_like_scatter(xp, x, index, src, axis, reduce):
    """The protocol's ``scatter`` for namespaces with NumPy's ufunc ``.at`` (NumPy, CuPy):
    a copy of ``x`` with ``src`` (an array cut to ``index``'s shape, or a scalar) written or
    reduced along ``axis`` at ``index``."""
    out = x.copy()
    idx, src = scatter_operands(xp, x, index, src, axis)
    if reduce is None:
        out[idx] = src
    elif reduce in _UFUNC_AT:
        getattr(xp, _UFUNC_AT[reduce]).at(out, idx, src)
    else:
        raise ValueError(f"scatter: unknown reduce {reduce!r}")
    return out


def is_basic_key(key):
    """True when the index tuple ``key`` is basic indexing (ints, slices, None, Ellipsis):
    it never names a position twice, so an accumulating write may add into the view."""
    return isinstance(key, tuple) and all(
        k is None or k is Ellipsis or isinstance(k, (slice, int)) for k in key)


def _dt(a, b):
    return a.dtype if hasattr(a, "dtype") else b.dtype


def _is_bool(xp, v):
    return isinstance(v, bool) or (hasattr(v, "dtype") and v.dtype == xp.bool)


def _c_strides(shape):
    out, s = [], 1
    for n in reversed(shape):
        out.append(s)
        s *= n
    return tuple(reversed(out))


def _broadcast(shapes):
    nd = max((len(s) for s in shapes), default=0)
    out = [1] * nd
    for s in shapes:
        for i, n in enumerate(s):
            j = nd - len(s) + i
            if n != 1:
                if out[j] not in (1, n):
                    raise IndexError(f"shape mismatch: indexing arrays could not be broadcast "
                                     f"together with shapes {[list(x) for x in shapes]}")
                out[j] = n
    return tuple(out)


def _is_array(k):
    return hasattr(k, "shape") and hasattr(k, "dtype")


def _basic_key(key):
    """True when ``key`` has only slices, ints, None and Ellipsis."""
    return all(k is None or k is Ellipsis or isinstance(k, (slice, int)) and not
               isinstance(k, bool) for k in key)


def _full_key(key, shape):
    """A basic key in the form the strict Array API accepts: every axis named (an Ellipsis
    appended when the key has none) and slice bounds clipped to the axis."""
    key = tuple(key)
    if not any(k is Ellipsis for k in key):
        key = key + (Ellipsis,)
    out, dim = [], 0
    n_named = sum(1 for k in key if k is not None and k is not Ellipsis)
    for k in key:
        if k is Ellipsis:
            dim += len(shape) - n_named
        elif isinstance(k, slice):
            start, stop, step = k.indices(shape[dim])
            if step < 0 and stop < 0:
                stop = None
            k = slice(start, stop, step)
            dim += 1
        elif k is not None:
            dim += 1
        out.append(k)
    return tuple(out)


def _expand_key(key, ndim, is_mask):
    """``key`` as a list of ("int" | "slice" | "array" | "new", value) covering every axis:
    the Ellipsis expanded, trailing axes filled with full slices."""
    key = tuple(k if not isinstance(k, bool) else _PyBool(k) for k in key)
    used = sum(k.ndim if is_mask(k) else 0 if (k is None or k is Ellipsis or
                                                 isinstance(k, _PyBool)) else 1 for k in key)
    out = []
    seen_ellipsis = False
    for k in key:
        if k is Ellipsis:
            if seen_ellipsis:
                raise IndexError("an index can only have a single ellipsis ('...')")
            seen_ellipsis = True
            out.extend(("slice", slice(None)) for _ in range(ndim - used))
        elif k is None:
            out.append(("new", None))
        elif isinstance(k, slice):
            out.append(("slice", k))
        elif _is_array(k):
            out.append(("array", k))
        elif isinstance(k, _PyBool):
            out.append(("bool", k.value))
        else:
            out.append(("int", int(k)))
    if not seen_ellipsis:
        out.extend(("slice", slice(None)) for _ in range(ndim - used))
    return out


class _PyBool:
    """A Python bool used as an index (adds an axis of length 1 or 0, as in NumPy)."""

    ndim = 0

    def __init__(self, value):
        self.value = value

