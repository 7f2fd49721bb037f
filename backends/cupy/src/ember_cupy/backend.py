"""The ``cuda`` backend: ``ember.array_backend.ArrayAPIBackend`` on CuPy, with aliasing
strided views over CuPy memory, cuRAND-backed counter-based generators, CuPy's memory pool,
streams and events, and fused kernels for hot paths."""

from __future__ import annotations

import math
import struct
import sys

import numpy as np

import ember
from ember.array_backend import (ArrayAPIBackend, _c_strides, is_basic_key, numpy_like_scatter,
                                 scatter_operands)


class UnavailableCuda:
    """Stands in for the backend when CuPy or a GPU is missing; says why."""

    name = "cuda"
    aliasing = True

    def __init__(self, reason: str):
        self.unavailable_reason = reason

    def is_available(self):
        return False

    def device_count(self):
        return 0

    def dtypes(self, index=None):
        return ()

    def default_index(self):
        return 0

    def __getattr__(self, name):
        raise RuntimeError(f"CUDA is not available: {self.unavailable_reason}")


def make_backend():
    try:
        import cupy  # noqa: F401
    except Exception as exc:  # ImportError, or a broken CUDA install
        return UnavailableCuda(f"CuPy could not be imported ({type(exc).__name__}: {exc}); "
                               f"install it with `pip install ember-cupy[cuda12]`")
    try:
        n = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:
        return UnavailableCuda(f"no usable GPU: {type(exc).__name__}: {exc}")
    if n == 0:
        return UnavailableCuda("CuPy found no CUDA devices")
    return CupyBackend(cupy)


class _Gen:
    """A counter-based generator: every draw uses a fresh stream keyed by (seed, counter),
    so the whole state is two integers (exactly saved and restored)."""

    __slots__ = ("seed", "counter", "index")

    def __init__(self, seed, index):
        self.seed, self.counter, self.index = int(seed), 0, index


class CupyBackend(ArrayAPIBackend):
    name = "cuda"
    aliasing = True

    def __init__(self, cp):
        import cupyx.scipy.special as special
        self.cp = cp
        self.special = special
        dm = {ember.bool: cp.bool_, ember.uint8: cp.uint8, ember.int8: cp.int8,
              ember.int16: cp.int16, ember.int32: cp.int32, ember.int64: cp.int64,
              ember.float16: cp.float16, ember.float32: cp.float32, ember.float64: cp.float64,
              ember.complex64: cp.complex64, ember.complex128: cp.complex128}
        super().__init__(cp, {k: np.dtype(v) for k, v in dm.items()})
        self._gens = {}
        self._peak = {}
        # references to the memory of a fresh, unviewed array (see owns_memory)
        probe = cp.empty((1,), dtype=cp.float32)
        self._fresh_refs = sys.getrefcount(probe.data.mem)

    # -- capabilities --------------------------------------------------------------------
    def device_count(self):
        return self.cp.cuda.runtime.getDeviceCount()

    def default_index(self):
        return self.cp.cuda.runtime.getDevice()

    current_device = default_index

    def set_device(self, index):
        self.cp.cuda.Device(index).use()

    def device_name(self, index=None):
        i = self.default_index() if index is None else index
        return self.cp.cuda.runtime.getDeviceProperties(i)["name"].decode()

    def synchronize(self, index=None):
        if index is None:
            self.cp.cuda.Device().synchronize()
        else:
            self.cp.cuda.Device(index).synchronize()

    def memory_stats(self, index=None):
        pool = self.cp.get_default_memory_pool()
        used = pool.used_bytes()
        i = self.default_index() if index is None else index
        self._peak[i] = max(self._peak.get(i, 0), used)
        return {"allocated_bytes": used, "reserved_bytes": pool.total_bytes(),
                "max_allocated_bytes": self._peak[i]}

    def empty_cache(self):
        self.cp.get_default_memory_pool().free_all_blocks()

    def Stream(self, *args, **kwargs):
        return self.cp.cuda.Stream(*args, **kwargs)

    def Event(self, *args, **kwargs):
        return self.cp.cuda.Event(*args, **kwargs)

    def _on(self, index):
        return self.cp.cuda.Device(self.default_index() if index is None else index)

    # -- memory --------------------------------------------------------------------------
    def empty(self, shape, d, index=None):
        with self._on(index):
            return self.cp.empty(shape, dtype=self.native_dtype(d))

    def full(self, shape, value, d, index=None):
        with self._on(index):
            return self.cp.full(shape, value, dtype=self.native_dtype(d))

    def arange(self, n, d, index=None):
        with self._on(index):
            return self.cp.arange(n, dtype=self.native_dtype(d))

    def asarray(self, obj, d, index=None):
        cp = self.cp
        with self._on(index):
            if d is not None:
                return cp.array(obj, dtype=self.native_dtype(d), copy=True)
            a = cp.array(obj, copy=True)
            if a.dtype not in self._n2d:
                a = a.astype(np.float64 if a.dtype.kind == "f" else
                             np.complex128 if a.dtype.kind == "c" else np.int64)
            return a

    def copy(self, x):
        return x.copy()         # C order; cheaper than cupy.array(x, copy=True)

    def to_host(self, x):
        return self.cp.asnumpy(x)

    def to_bytes(self, x):
        return self.cp.asnumpy(self.cp.ascontiguousarray(x)).tobytes()

    def from_bytes(self, data, d, index=None):
        host = np.frombuffer(bytearray(data), dtype=self.native_dtype(d))
        with self._on(index):
            return self.cp.asarray(host)

    def view(self, buffer, shape, strides, offset):
        n = math.prod(shape)
        if n == 0:
            return self.cp.empty(shape, dtype=buffer.dtype)
        if offset == 0 and n == buffer.size and strides == _c_strides(shape):
            return buffer.reshape(shape)        # the whole buffer: a cheap native view
        isz = buffer.itemsize
        return self.cp.ndarray(shape, buffer.dtype, buffer.data + offset * isz,
                               tuple(s * isz for s in strides))

    def write(self, buffer, shape, strides, offset, src):
        if math.prod(shape) == 0:
            return buffer
        dst = self.view(buffer, shape, strides, offset)
        if isinstance(src, self.cp.ndarray) and self.cp.may_share_memory(dst, src):
            src = src.copy()
        dst[...] = src
        return buffer

    def as_buffer(self, x):
        # not cupy.ascontiguousarray: it turns a 0-d array into a 1-d one
        if not x.flags.c_contiguous:
            x = x.copy(order="C")
        return x, x.reshape(-1)

    # -- in-place kernels (optional; NOTE [in-place kernels] in ember.backend) -------------
    def binary_into(self, name, a, b, out):
        f = _INTO.get(name)
        if f is None:
            return False
        if (isinstance(b, self.cp.ndarray) and b is not out
                and _same_allocation(self.cp, b, out)):
            b = b.copy()        # CuPy does not buffer partially overlapping operands
        getattr(self.cp, f)(a, b, out=out)
        return True

    def owns_memory(self, x):
        # not a CuPy view (base) and no other array points into its allocation: every array
        # holds a MemoryPointer, and every MemoryPointer into an allocation holds its memory
        return (isinstance(x, self.cp.ndarray) and x.base is None
                and sys.getrefcount(x.data.mem) == self._fresh_refs)

    def data_ptr(self, buffer):
        return int(buffer.data.ptr)

    def pin_memory(self, host):
        import cupyx
        out = cupyx.empty_pinned(host.shape, host.dtype)
        out[...] = host
        return out

    # -- DLPack exchange (NOTE [dlpack exchange] in ember.backend) ------------------------
    dlpack_device_type = 2      # kDLCUDA

    def to_dlpack(self, x, stream=None, max_version=None):
        kw = {"stream": stream}
        if max_version is not None:
            kw["max_version"] = tuple(max_version)
        try:
            return x.__dlpack__(**kw)
        except TypeError:       # CuPy < 13 has no max_version: export a legacy capsule
            kw.pop("max_version", None)
            return x.__dlpack__(**kw)

    def from_dlpack(self, obj, index=None):
        cp = self.cp
        with self._on(index):
            a = cp.from_dlpack(obj)
        if a.dtype not in self._n2d:
            raise BufferError(f"from_dlpack: dtype {a.dtype} has no ember equivalent on cuda; "
                              f"convert on the producer's side first")
        isz = a.itemsize
        if any(s < 0 or s % isz for s in a.strides):
            raise BufferError(f"from_dlpack: strides {a.strides} (bytes) cannot be viewed by "
                              f"an ember tensor (negative or not a multiple of the item size "
                              f"{isz}); copy the array first")
        strides = tuple(s // isz for s in a.strides)
        span = (1 + sum((n - 1) * s for n, s in zip(a.shape, strides, strict=True))
                if a.size else 0)
        if span == 0:
            with self._on(index):
                return cp.empty((0,), dtype=a.dtype), a.shape, strides, 0
        flat = cp.ndarray((span,), a.dtype, a.data, (isz,))
        return flat, a.shape, strides, 0

    # -- elementwise fast paths (CuPy ufuncs accept Python scalars as weak) ---------------
    # neg, sub, div, floor_divide, remainder and clip come from ArrayAPIBackend: it calls
    # the same CuPy ufuncs (negative, subtract, divide, ..., maximum/minimum). Overridden
    # here: CuPy's native fmod/fmax/fmin/exp2, and the NumPy names of the functions the
    # Array API renamed (power, arcsin, ..., invert, left_shift).
    def fmod(self, a, b):
        return self.cp.fmod(a, b)

    def fmax(self, a, b):
        return self.cp.fmax(a, b)

    def fmin(self, a, b):
        return self.cp.fmin(a, b)

    def pow(self, a, b):
        return self.cp.power(a, b)

    def asin(self, x):
        return self.cp.arcsin(x)

    def acos(self, x):
        return self.cp.arccos(x)

    def atan(self, x):
        return self.cp.arctan(x)

    def asinh(self, x):
        return self.cp.arcsinh(x)

    def acosh(self, x):
        return self.cp.arccosh(x)

    def atanh(self, x):
        return self.cp.arctanh(x)

    def atan2(self, a, b):
        return self.cp.arctan2(a, b)

    def bitwise_not(self, x):
        return self.cp.invert(x)

    def left_shift(self, a, b):
        return self.cp.left_shift(a, b)

    def right_shift(self, a, b):
        return self.cp.right_shift(a, b)

    def exp2(self, x):
        return self.cp.exp2(x)

    def _sp(self, name, x):
        if x.dtype.kind in "biu":
            x = x.astype(self.cp.float32)
        return getattr(self.special, name)(x)

    def erf(self, x):
        return self._sp("erf", x)

    def erfinv(self, x):
        return self._sp("erfinv", x)

    def lgamma(self, x):
        return self._sp("gammaln", x)

    def digamma(self, x):
        return self._sp("digamma", x)

    def sigmoid(self, x):
        return self._sigmoid_kernel()(x)

    def _sigmoid_kernel(self):
        k = getattr(self, "_sig", None)
        if k is None:
            k = self._sig = self.cp.ElementwiseKernel(
                "T x", "T y",
                "y = x >= 0 ? T(1) / (T(1) + exp(-x)) : exp(x) / (T(1) + exp(x))",
                "ember_sigmoid")
        return k

    def matmul(self, a, b):
        if a.ndim == 2 and b.ndim == 2 and a.dtype == b.dtype:
            return self.cp.dot(a, b)    # straight to cuBLAS (matmul's gufunc path costs more)
        return self.cp.matmul(a, b)

    def mask_mul(self, x, mask):
        return self.cp.multiply(x, mask)

    def adam_step(self, *args, **kwargs):
        from .kernels import adam_step
        return adam_step(self.cp, *args, **kwargs)

    def sgd_step(self, *args, **kwargs):
        from .kernels import sgd_step
        return sgd_step(self.cp, *args, **kwargs)

    def cross_entropy_mean(self, x, t):
        from .kernels import cross_entropy_mean
        return cross_entropy_mean(self.cp, x, t)

    def cross_entropy_mean_backward(self, probs, t, g):
        from .kernels import cross_entropy_mean_backward
        return cross_entropy_mean_backward(self.cp, probs, t, g)

    def sum(self, x, axis, keepdims, dtype=None):
        if axis == (0,) and not keepdims and dtype is None and x.ndim == 2:
            from .kernels import column_sum
            r = column_sum(self.cp, x)      # bias gradients: one launch, rows in order
            if r is not None:
                return r
        return super().sum(x, axis, keepdims, dtype)

    def cumsum(self, x, axis):
        return self.cp.cumsum(x, axis=axis)

    def cumprod(self, x, axis):
        return self.cp.cumprod(x, axis=axis)

    def sort(self, x, axis, descending, stable):
        cp = self.cp
        key = -x if descending and x.dtype.kind in "fi" else x
        if descending and x.dtype.kind not in "fi":
            key = -(x.astype(cp.int64))
        idx = cp.argsort(key, axis=axis).astype(cp.int64)
        return cp.take_along_axis(x, idx, axis=axis), idx

    def _arg_index(self, fn, x, axis, keepdims):
        """int64 ``fn(x, axis)`` (cupy.argmax/argmin), the reduced dims kept as size 1."""
        r = fn(x, axis=axis)
        if keepdims:
            r = self.cp.expand_dims(r, axis) if axis is not None else r.reshape((1,) * x.ndim)
        return r.astype(self.cp.int64)

    def argmax(self, x, axis, keepdims):
        return self._arg_index(self.cp.argmax, x, axis, keepdims)

    def argmin(self, x, axis, keepdims):
        return self._arg_index(self.cp.argmin, x, axis, keepdims)

    def concat(self, arrays, axis):
        return self.cp.concatenate(list(arrays), axis=axis)

    def take(self, x, index, axis):
        return self.cp.take(x, index, axis=axis)

    def getitem(self, x, key):
        r = x[key]
        return r.copy() if isinstance(r, self.cp.ndarray) else self.cp.asarray(r)

    def scatter(self, x, index, src, axis, reduce):
        if reduce in _SORTED:
            # CuPy has no multiply.at, and its maximum.at/minimum.at round float64 values
            # through float32: reduce by sorting instead (exact)
            return scatter_sorted(self.cp, x, index, src, axis, reduce)
        return numpy_like_scatter(self.cp, x, index, src, axis, reduce)

    def setitem(self, x, key, value, accumulate):
        cp = self.cp
        if not accumulate:
            x[key] = value
        elif is_basic_key(key):
            # basic indexing never repeats a position: add into the view (add.at's atomics
            # are for repeated positions)
            v = x[key]
            if isinstance(value, cp.ndarray) and _same_allocation(cp, value, x):
                value = value.copy()
            cp.add(v, value, out=v)
        else:
            cp.add.at(x, key, value)

    def nonzero(self, x):
        return tuple(i.astype(self.cp.int64) for i in self.cp.nonzero(x))

    # -- random (NOTE: counter-based, see _Gen) -------------------------------------------
    def new_generator(self, seed, index=None):
        return _Gen(seed, self.default_index() if index is None else index)

    def default_generator(self, index=None):
        i = self.default_index() if index is None else index
        g = self._gens.get(i)
        if g is None:
            g = self._gens[i] = _Gen(0, i)
        return g

    def generator_seed(self, gen, seed):
        gen.seed, gen.counter = int(seed) & ((1 << 63) - 1), 0

    def generator_get_state(self, gen):
        return struct.pack("<QQ", gen.seed, gen.counter)

    def generator_set_state(self, gen, state):
        if len(state) != 16:
            raise ValueError("set_state: not a cuda generator state (expected 16 bytes)")
        gen.seed, gen.counter = struct.unpack("<QQ", bytes(state))

    def _rng(self, gen):
        gen.counter += 1
        return self.cp.random.default_rng([gen.seed, gen.counter])

    def random(self, gen, kind, shape, d, index=None, **p):
        cp = self.cp
        nd = self.native_dtype(d)
        with self._on(gen.index):
            rng = self._rng(gen)
            if kind == "uniform":
                ft = cp.float64 if nd == np.float64 else cp.float32
                r = rng.random(shape, dtype=ft)
                if nd == np.float16:
                    # keep only float16's 11 significand bits: rounding never reaches 1.0
                    r = cp.floor(r * 2048) / 2048
                lo, hi = p.get("low", 0.0), p.get("high", 1.0)
                if lo != 0.0 or hi != 1.0:
                    r = r * (hi - lo) + lo
                return r.astype(nd, copy=False)
            if kind == "normal":
                ft = cp.float64 if nd == np.float64 else cp.float32
                r = rng.standard_normal(shape, dtype=ft)
                return (r * p.get("std", 1.0) + p.get("mean", 0.0)).astype(nd, copy=False)
            if kind == "randint":
                return rng.integers(p["low"], p["high"], size=shape, dtype=cp.int64).astype(nd)
            if kind == "bernoulli":
                return (rng.random(shape) < p["p"]).astype(nd)
            if kind == "exponential":
                return (rng.standard_exponential(shape) / p.get("lambd", 1.0)).astype(nd)
            if kind == "randperm":
                return cp.argsort(rng.random(p["n"])).astype(nd)
            if kind == "multinomial":
                probs = cp.asarray(p["probs"], dtype=cp.float64)
                single = probs.ndim == 1
                p2 = probs.reshape(1, -1) if single else probs
                n = p["num_samples"]
                if p["replacement"]:
                    cdf = cp.cumsum(p2, axis=1)
                    cdf = cdf / cdf[:, -1:]
                    u = rng.random((p2.shape[0], n))
                    out = cp.minimum((u[:, :, None] > cdf[:, None, :]).sum(-1), p2.shape[1] - 1)
                else:
                    g = -cp.log(-cp.log(rng.random(p2.shape)))
                    keys = cp.where(p2 > 0, cp.log(cp.maximum(p2, 1e-300)) + g, -cp.inf)
                    out = cp.argsort(-keys, axis=1)[:, :n]
                return (out[0] if single else out).astype(nd)
        raise ValueError(f"cuda backend: unknown random kind {kind!r}")

    # -- optional kernels ------------------------------------------------------------------
    def linalg(self, name, *arrays, **kw):
        from . import _linalg
        return _linalg.run(self.cp, name, *arrays, **kw)

    def fft(self, name, *args, **kw):
        from . import _linalg
        return _linalg.fft(self.cp, name, *args, **kw)


_INTO = {"add": "add", "sub": "subtract", "mul": "multiply", "div": "true_divide"}


def _same_allocation(cp, a, b):
    """True when the arrays ``a`` and ``b`` point into one allocation (may overlap)."""
    try:
        return a.data.mem is b.data.mem
    except AttributeError:
        return cp.may_share_memory(a, b)


_SORTED = {"prod": "multiply", "amax": "maximum", "amin": "minimum"}


def scatter_sorted(xp, x, index, src, axis, reduce):
    """``scatter`` with ``reduce`` "prod", "amax" or "amin" without ``ufunc.at``: a copy of
    ``x`` whose positions hit by ``index`` along ``axis`` are combined with every ``src``
    value sent there. The values are sorted by destination and combined within each
    destination by a segmented scan (log2(n) vectorized passes), then each destination is
    combined once; NaNs propagate as with ``maximum``/``minimum``."""
    op = getattr(xp, _SORTED[reduce])
    out = x.copy()
    if index.size == 0:
        return out
    idx, src = scatter_operands(xp, x, index, src, axis)
    cs = _c_strides(out.shape)
    lin = idx[0] * cs[0]        # each destination's flat position in out
    for g, st in zip(idx[1:], cs[1:], strict=True):
        lin = lin + g * st
    lin = lin.reshape(-1)
    order = xp.argsort(lin)
    keys = lin[order]
    vals = src.reshape(-1)[order].astype(out.dtype, copy=False)
    d, n = 1, keys.size
    while d < n:            # segmented inclusive scan: vals[i] combines its segment so far
        same = keys[d:] == keys[:-d]
        vals[d:] = xp.where(same, op(vals[d:], vals[:-d]), vals[d:])
        d *= 2
    last = xp.ones(n, dtype=bool)
    last[:-1] = keys[1:] != keys[:-1]
    flat = out.reshape(-1)
    dst = keys[last]
    flat[dst] = op(flat[dst], vals[last])
    return out

