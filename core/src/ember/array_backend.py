"""``ArrayAPIBackend``: a base class that implements most of the backend protocol on any
Python Array API namespace (``xp``): NumPy >= 2, CuPy, ``array_api_strict``, ...

A device plugin subclasses it, passes its namespace and dtype map, and adds what the Array API
standard does not cover: strided views of a flat buffer (``view``/``write``), scatter with
integer indices, special functions (``erf``, ``erfinv``, ``lgamma``, ``digamma``), random
numbers, raw bytes, and the device's capabilities. Subclasses may override any primitive with
a faster native call. The core never imports an array library; this class only calls the
namespace it is given.

Example::

    class MyBackend(ArrayAPIBackend):
        name = "mydev"
        def __init__(self):
            import my_array_lib as xp
            super().__init__(xp, {ember.float32: xp.float32, ...})
"""

from __future__ import annotations

import math
from typing import Any

from . import _dtype as D
from .backend import MissingPrimitive

__all__ = ["ArrayAPIBackend"]


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
        for k, (n, s) in enumerate(zip(shape, strides)):
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

    def erf(self, x):
        self._missing("erf")

    def erfinv(self, x):
        self._missing("erfinv")

    def lgamma(self, x):
        self._missing("lgamma")

    def digamma(self, x):
        self._missing("digamma")

    def _b(name):
        def f(self, a, b):
            return getattr(self.xp, name)(a, b)
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
        idx = xp.argsort(x, axis=axis, descending=descending, stable=True)
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
        return self.xp.asarray(x[key], copy=True)

    def setitem(self, x, key, value, accumulate):
        self._missing("setitem (integer-array assignment)")

    def scatter(self, x, index, src, axis, reduce):
        self._missing("scatter")

    # -- random --------------------------------------------------------------------------
    def new_generator(self, seed, index=None):
        self._missing("new_generator")

    def default_generator(self, index=None):
        self._missing("default_generator")


def _dt(a, b):
    return a.dtype if hasattr(a, "dtype") else b.dtype

