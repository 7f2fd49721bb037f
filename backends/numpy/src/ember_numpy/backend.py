"""The ``cpu`` device on NumPy. Registers through the ``ember`` entry-point group like any
third-party plugin; nothing in the core knows it exists."""

from __future__ import annotations

import pickle

import ml_dtypes
import numpy as np

import ember
from ember.array_backend import is_basic_key, numpy_like_scatter
from ember.backend import MissingPrimitive

from . import _alloc
from . import optim_kernels as _optim_kernels
from . import rnn_kernels as _rnn_kernels
from . import loss_kernels as _loss_kernels

_D2N = {
    ember.bool: np.dtype(np.bool_), ember.uint8: np.dtype(np.uint8),
    ember.int8: np.dtype(np.int8), ember.int16: np.dtype(np.int16),
    ember.int32: np.dtype(np.int32), ember.int64: np.dtype(np.int64),
    ember.float16: np.dtype(np.float16), ember.bfloat16: np.dtype(ml_dtypes.bfloat16),
    ember.float32: np.dtype(np.float32), ember.float64: np.dtype(np.float64),
    ember.complex64: np.dtype(np.complex64), ember.complex128: np.dtype(np.complex128),
}
_N2D = {v: k for k, v in _D2N.items()}
_N2D.update({np.dtype(np.uint16): ember.int32, np.dtype(np.uint32): ember.int64,
             np.dtype(np.uint64): ember.int64})
_BF16 = np.dtype(ml_dtypes.bfloat16)
_ndarray = np.ndarray


def _bytes(strides, isz):
    """Element strides in bytes (the common 1-D and 2-D cases without a comprehension: views
    are made on every op)."""
    n = len(strides)
    if n == 2:
        return (strides[0] * isz, strides[1] * isz)
    if n == 1:
        return (strides[0] * isz,)
    return [s * isz for s in strides]
_F16 = np.dtype(np.float16)


def _lowp(fn):
    """Run a float ufunc in float32 for float16/bfloat16 inputs (NumPy lacks many bf16
    kernels), casting the result back."""
    def call(x):
        dt = x.dtype
        if dt == _BF16 or dt == _F16:
            return fn(x.astype(np.float32)).astype(dt)
        return fn(x)
    return call


def _special(name):
    def call(x):
        import scipy.special as sp
        dt = x.dtype
        if dt.kind in "biu":
            x = x.astype(np.float32)
        elif dt == _BF16 or dt == _F16:
            return getattr(sp, name)(x.astype(np.float32)).astype(dt)
        return getattr(sp, name)(x)
    return call


def _sigmoid(x):
    dt = x.dtype
    if dt == _BF16 or dt == _F16:
        return _sigmoid(x.astype(np.float32)).astype(dt)
    if dt.kind == "c":
        return 1 / (1 + np.exp(-x))
    # stable on both tails: exp of a non-positive number never overflows
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(dt, copy=False)


def _div(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.true_divide(a, b)


def _quiet(fn):
    def call(*args):
        with np.errstate(all="ignore"):
            return fn(*args)
    return call


def _floor_divide(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        if isinstance(b, (int, float)) and b == 0 and np.asarray(a).dtype.kind in "iu":
            raise ZeroDivisionError("floor_divide: ZeroDivisionError (integer division by zero)")
        return np.floor_divide(a, b)


_ZEROS = {}


def _const(like, v):
    if v == 0:
        # ``relu`` (maximum with 0) on every activation: a shared read-only zero array per
        # dtype, grown to the largest size asked for, instead of a fresh one each call
        n = like.size
        z = _ZEROS.get(like.dtype)
        if z is None or z.size < n:
            z = _ZEROS[like.dtype] = np.zeros(n, like.dtype)
            z.flags.writeable = False
        return z[:n].reshape(like.shape)
    c = np.empty(like.shape, like.dtype)
    c.fill(v)
    return c


def _vs_scalar(f):
    """``f`` (maximum/minimum) where a scalar operand against a large float array is
    replaced by a constant array: NumPy's array-scalar loop for these is not vectorised
    (about 3x slower than array-array; ``relu`` is ``maximum(x, 0)``). Same values."""
    def call(a, b):
        if b.__class__ in (int, float) and a.__class__ is np.ndarray and a.size >= 16384 \
                and a.dtype.kind == "f":
            return f(a, _const(a, b))
        if a.__class__ in (int, float) and b.__class__ is np.ndarray and b.size >= 16384 \
                and b.dtype.kind == "f":
            return f(_const(b, a), b)
        return f(a, b)
    return call


_INTO = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide}


class NumpyBackend:
    """The ``cpu`` backend. See :class:`ember.backend.Backend` for the contract."""

    name = "cpu"
    aliasing = True
    unavailable_reason = ""

    def __init__(self):
        self._default_gen = np.random.Generator(np.random.PCG64(0))
        self._seed = 0
        _alloc.tune_malloc()           # NOTE [allocator]

    # -- capabilities --------------------------------------------------------------------
    def is_available(self):
        return True

    def device_count(self):
        return 1

    def dtypes(self, index=None):
        return tuple(_D2N)

    def synchronize(self, index=None):
        return None

    def memory_stats(self, index=None):
        return {"allocated_bytes": 0, "reserved_bytes": 0}

    def default_index(self):
        return None

    # -- dtypes --------------------------------------------------------------------------
    def native_dtype(self, d):
        return _D2N[d]

    def ember_dtype(self, native):
        try:
            return _N2D[native if isinstance(native, np.dtype) else np.dtype(native)]
        except KeyError:
            raise TypeError(f"can't convert NumPy dtype {native} to an ember dtype; supported: "
                            f"bool, uint8, int8/16/32/64, float16/32/64, bfloat16, "
                            f"complex64/128") from None

    # -- memory --------------------------------------------------------------------------
    def empty(self, shape, d, index=None):
        return np.empty(shape, _D2N[d])

    def full(self, shape, value, d, index=None):
        nd = _D2N[d]
        if shape == () and nd.kind in "fc" and value.__class__ in (int, float):
            return np.array(value, nd)         # a 0-d constant (a backward seed): no np.full
        return np.full(shape, value, nd)

    def asarray(self, obj, d, index=None):
        if d is not None:
            nd = _D2N[d]
            if isinstance(obj, np.ndarray):
                return np.array(obj, dtype=nd, order="C", copy=True)
            try:
                return np.array(obj, dtype=nd)
            except OverflowError:
                # python ints beyond the dtype wrap around as in C (PyTorch does the same)
                return np.array(obj, dtype=np.int64 if nd.kind != "u" else np.uint64).astype(nd)
        a = np.array(obj, order="C", copy=True)
        if a.dtype.kind == "O":
            raise TypeError(f"could not infer a dtype for {type(obj).__name__} data: nested "
                            f"sequences must be rectangular and hold numbers or tensors")
        if a.dtype.kind in "US":
            raise TypeError(f"new(): invalid data type '{a.dtype.kind == 'U' and 'str'}'")
        if a.dtype not in _N2D:
            a = a.astype(_D2N[_N2D_fallback(a.dtype)])
        return a

    def to_host(self, x):
        return x

    def view(self, buffer, shape, strides, offset):
        isz = buffer.itemsize
        if 0 in shape:      # an empty view may sit at any offset (e.g. x[:, 2:3] of a (0, 3))
            offset = 0
        return _ndarray(shape, buffer.dtype, buffer, offset * isz, _bytes(strides, isz))

    def write(self, buffer, shape, strides, offset, src):
        isz = buffer.itemsize
        if 0 in shape:
            return buffer
        dst = _ndarray(shape, buffer.dtype, buffer, offset * isz, _bytes(strides, isz))
        if isinstance(src, np.ndarray) and np.shares_memory(dst, src):
            src = src.copy()
        np.copyto(dst, src, casting="unsafe")
        return buffer

    # -- in-place kernels (optional; NOTE [in-place kernels] in ember.backend) -------------
    @staticmethod
    def binary_into(name, a, b, out):
        f = _INTO.get(name)
        if f is None:
            return False
        if name == "div":
            with np.errstate(divide="ignore", invalid="ignore"):
                f(a, b, out=out)
        else:
            f(a, b, out=out)
        return True

    @staticmethod
    def owns_memory(x):
        # a fresh kernel result: it owns its data and no array refers to it as its base
        # (the caller also checks that no tensor or storage holds it)
        return isinstance(x, np.ndarray) and x.base is None and x.flags.owndata

    def as_buffer(self, x):
        if not isinstance(x, np.ndarray):   # ufuncs return NumPy scalars for 0-d inputs
            x = np.asarray(x)
        if not x.flags.c_contiguous:
            x = np.ascontiguousarray(x)
        elif x.base is not None and not x.flags.owndata and x.ndim != 1:
            pass
        return x, x.reshape(-1)

    def astype(self, x, d):
        nd = _D2N[d]
        if nd.kind in "iu" and x.dtype.kind in "fc":
            with np.errstate(invalid="ignore"):
                if x.dtype.kind == "c":
                    x = x.real
                return np.trunc(x).astype(np.int64).astype(nd) if nd.kind == "u" else x.astype(nd)
        if nd.kind != "c" and x.dtype.kind == "c":
            x = x.real
        return x.astype(nd)

    def copy(self, x):
        return np.array(x, order="C", copy=True)

    def data_ptr(self, buffer):
        return buffer.__array_interface__["data"][0] if buffer.size else 0

    # -- elementwise ---------------------------------------------------------------------
    neg = staticmethod(np.negative)
    abs = staticmethod(np.absolute)
    exp = staticmethod(_lowp(np.exp))
    exp2 = staticmethod(_lowp(np.exp2))
    expm1 = staticmethod(_lowp(np.expm1))
    log = staticmethod(_quiet(_lowp(np.log)))
    log2 = staticmethod(_quiet(_lowp(np.log2)))
    log10 = staticmethod(_quiet(_lowp(np.log10)))
    log1p = staticmethod(_quiet(_lowp(np.log1p)))
    sqrt = staticmethod(_quiet(_lowp(np.sqrt)))
    sin = staticmethod(_lowp(np.sin))
    cos = staticmethod(_lowp(np.cos))
    tan = staticmethod(_lowp(np.tan))
    asin = staticmethod(_quiet(_lowp(np.arcsin)))
    acos = staticmethod(_quiet(_lowp(np.arccos)))
    atan = staticmethod(_lowp(np.arctan))
    sinh = staticmethod(_lowp(np.sinh))
    cosh = staticmethod(_lowp(np.cosh))
    tanh = staticmethod(_lowp(np.tanh))
    asinh = staticmethod(_lowp(np.arcsinh))
    acosh = staticmethod(_quiet(_lowp(np.arccosh)))
    atanh = staticmethod(_quiet(_lowp(np.arctanh)))
    floor = staticmethod(np.floor)
    ceil = staticmethod(np.ceil)
    round = staticmethod(np.round)   # half to even, as PyTorch
    trunc = staticmethod(np.trunc)
    erf = staticmethod(_special("erf"))
    erfinv = staticmethod(_quiet(_special("erfinv")))
    lgamma = staticmethod(_quiet(_special("gammaln")))
    digamma = staticmethod(_quiet(_special("digamma")))
    logical_not = staticmethod(np.logical_not)
    bitwise_not = staticmethod(np.invert)
    isnan = staticmethod(np.isnan)
    isinf = staticmethod(np.isinf)
    isfinite = staticmethod(np.isfinite)
    signbit = staticmethod(np.signbit)
    conj = staticmethod(np.conjugate)
    real = staticmethod(np.real)
    imag = staticmethod(np.imag)
    angle = staticmethod(np.angle)
    sigmoid = staticmethod(_quiet(_sigmoid))

    @staticmethod
    def sign(x):
        if x.dtype.kind == "c":
            a = np.abs(x)
            with np.errstate(all="ignore"):
                return np.where(a == 0, 0, x / np.where(a == 0, 1, a)).astype(x.dtype)
        if x.dtype == np.bool_:
            return x.copy()
        return np.sign(x)

    add = staticmethod(np.add)
    sub = staticmethod(np.subtract)
    mul = staticmethod(np.multiply)
    div = staticmethod(_div)
    floor_divide = staticmethod(_floor_divide)
    remainder = staticmethod(_quiet(np.remainder))
    fmod = staticmethod(_quiet(np.fmod))
    pow = staticmethod(_quiet(np.power))
    atan2 = staticmethod(np.arctan2)
    maximum = staticmethod(_vs_scalar(np.maximum))
    minimum = staticmethod(_vs_scalar(np.minimum))
    fmax = staticmethod(np.fmax)
    fmin = staticmethod(np.fmin)
    hypot = staticmethod(np.hypot)
    copysign = staticmethod(np.copysign)
    eq = staticmethod(np.equal)
    ne = staticmethod(np.not_equal)
    lt = staticmethod(np.less)
    le = staticmethod(np.less_equal)
    gt = staticmethod(np.greater)
    ge = staticmethod(np.greater_equal)
    logical_and = staticmethod(np.logical_and)
    logical_or = staticmethod(np.logical_or)
    logical_xor = staticmethod(np.logical_xor)
    bitwise_and = staticmethod(np.bitwise_and)
    bitwise_or = staticmethod(np.bitwise_or)
    bitwise_xor = staticmethod(np.bitwise_xor)
    left_shift = staticmethod(np.left_shift)
    right_shift = staticmethod(np.right_shift)

    @staticmethod
    def where(cond, a, b):
        return np.where(cond, a, b)

    @staticmethod
    def clip(x, lo, hi):
        if lo is not None:
            x = np.maximum(x, lo) if not isinstance(lo, np.ndarray) else np.where(np.isnan(x), x, np.maximum(x, lo))
        if hi is not None:
            x = np.minimum(x, hi)
        return x

    # -- reductions ----------------------------------------------------------------------
    # the ufuncs' reduce methods directly: what np.sum/np.max call, without their Python
    # dispatch layer (a few microseconds per call, which small tensors notice)
    @staticmethod
    def sum(x, axis, keepdims, dtype=None):
        return np.asarray(np.add.reduce(x, axis=axis, keepdims=keepdims,
                                        dtype=None if dtype is None else _D2N[dtype]))

    @staticmethod
    def prod(x, axis, keepdims, dtype=None):
        return np.asarray(np.multiply.reduce(x, axis=axis, keepdims=keepdims,
                                             dtype=None if dtype is None else _D2N[dtype]))

    @staticmethod
    def max(x, axis, keepdims):
        return np.asarray(np.maximum.reduce(x, axis=axis, keepdims=keepdims))

    @staticmethod
    def min(x, axis, keepdims):
        return np.asarray(np.minimum.reduce(x, axis=axis, keepdims=keepdims))

    @staticmethod
    def all(x, axis, keepdims):
        return np.asarray(np.all(x, axis=axis, keepdims=keepdims))

    @staticmethod
    def any(x, axis, keepdims):
        return np.asarray(np.any(x, axis=axis, keepdims=keepdims))

    @staticmethod
    def argmax(x, axis, keepdims):
        return np.asarray(np.argmax(x, axis=axis, keepdims=keepdims)).astype(np.int64, copy=False)

    @staticmethod
    def argmin(x, axis, keepdims):
        return np.asarray(np.argmin(x, axis=axis, keepdims=keepdims)).astype(np.int64, copy=False)

    @staticmethod
    def cumsum(x, axis):
        return np.cumsum(x, axis=axis)

    @staticmethod
    def cumprod(x, axis):
        return np.cumprod(x, axis=axis)

    @staticmethod
    def sort(x, axis, descending, stable):
        if descending:
            # a stable descending sort: sort the negated order key, keeping ties in order
            if x.dtype == np.bool_ or x.dtype.kind == "u":
                key = -(x.astype(np.int64))
            elif x.dtype.kind == "f" and x.dtype.itemsize <= 2:
                key = -(x.astype(np.float32))
            else:
                key = -x if x.dtype.kind != "f" else np.where(np.isnan(x), -np.inf, -x)
            idx = np.argsort(key, axis=axis, kind="stable")
        else:
            idx = np.argsort(x, axis=axis, kind="stable" if stable else "quicksort")
        idx = idx.astype(np.int64, copy=False)
        return np.take_along_axis(x, idx, axis=axis), idx

    @staticmethod
    def matmul(a, b):
        return np.matmul(a, b)

    # -- indexing ------------------------------------------------------------------------
    @staticmethod
    def take(x, index, axis):
        return np.take(x, index, axis=axis)

    @staticmethod
    def take_along_axis(x, index, axis):
        if (x.ndim == 2 and index.ndim == 2 and axis in (1, -1)
                and index.shape[0] in (x.shape[0], 1)):
            # rows picked by fancy indexing: what take_along_axis builds, without its
            # Python layer
            return x[np.arange(x.shape[0]).reshape(-1, 1), index]
        return np.take_along_axis(x, index, axis=axis)

    @staticmethod
    def scatter(x, index, src, axis, reduce):
        return numpy_like_scatter(np, x, index, src, axis, reduce)

    @staticmethod
    def getitem(x, key):
        r = x[key]
        return np.array(r, copy=True) if isinstance(r, np.ndarray) else np.asarray(r)

    @staticmethod
    def setitem(x, key, value, accumulate):
        if accumulate:
            if is_basic_key(key):
                # basic indexing: no repeated positions, so an add is exact; into the view
                # itself (``x[key] += v`` would also copy the result back onto itself)
                v = x[key]
                if isinstance(v, np.ndarray):
                    np.add(v, value, out=v)
                else:
                    x[key] += value
            else:
                np.add.at(x, key, value)
        else:
            x[key] = value

    @staticmethod
    def nonzero(x):
        return tuple(i.astype(np.int64, copy=False) for i in np.nonzero(x))

    @staticmethod
    def concat(arrays, axis):
        return np.concatenate(arrays, axis=axis)

    # optional fused optimizer kernel (NOTE [fused optimizer kernels] in ember/optim)
    adam_step = staticmethod(_optim_kernels.adam_step)
    sgd_step = staticmethod(_optim_kernels.sgd_step)

    # optional fused LSTM recurrence (NOTE [fused LSTM scan kernel] in ember.backend)
    lstm_scan_forward = staticmethod(_rnn_kernels.lstm_scan_forward)
    lstm_scan_backward = staticmethod(_rnn_kernels.lstm_scan_backward)

    # optional (NOTE [mask kernel] in ember.backend): the bool mask goes into the product
    # as is (NumPy casts it inside the loop), one pass instead of a cast and a product
    @staticmethod
    def mask_mul(x, mask):
        if x.dtype.kind in "fciu" and x.dtype != _BF16:
            return np.multiply(x, mask)
        return np.multiply(x, mask.astype(x.dtype))

    # optional fused mean cross entropy (NOTE [fused cross entropy kernel] in ember.backend)
    cross_entropy_mean = staticmethod(_loss_kernels.cross_entropy_mean)
    cross_entropy_mean_backward = staticmethod(_loss_kernels.cross_entropy_mean_backward)

    # -- random --------------------------------------------------------------------------
    def new_generator(self, seed, index=None):
        return np.random.Generator(np.random.PCG64(seed))

    def default_generator(self, index=None):
        return self._default_gen

    def generator_seed(self, gen, seed):
        gen.bit_generator.state = np.random.PCG64(seed).state

    def generator_get_state(self, gen):
        return pickle.dumps(gen.bit_generator.state, protocol=4)

    def generator_set_state(self, gen, state):
        st = _safe_state(bytes(state))
        gen.bit_generator.state = st

    def random(self, gen, kind, shape, d, index=None, **p):
        nd = _D2N[d]
        if kind == "uniform":
            ft = np.float64 if nd == np.float64 else np.float32
            r = gen.random(shape, dtype=ft)
            if nd == _F16 or nd == _BF16:
                # keep only the target's significand bits, so rounding never reaches 1.0
                bits = 11 if nd == _F16 else 8
                r = np.floor(r * (1 << bits)) / (1 << bits)
            lo, hi = p.get("low", 0.0), p.get("high", 1.0)
            if lo != 0.0 or hi != 1.0:
                r = r * (hi - lo) + lo
            return r.astype(nd, copy=False)
        if kind == "normal":
            ft = np.float64 if nd == np.float64 else np.float32
            r = gen.standard_normal(shape, dtype=ft)
            m, s = p.get("mean", 0.0), p.get("std", 1.0)
            if not (isinstance(s, (int, float)) and s == 1.0):
                r = r * s
            if not (isinstance(m, (int, float)) and m == 0.0):
                r = r + m
            return np.asarray(r).astype(nd, copy=False)
        if kind == "randint":
            return gen.integers(p["low"], p["high"], size=shape, dtype=np.int64).astype(nd)
        if kind == "bernoulli":
            return (gen.random(shape) < p["p"]).astype(nd)
        if kind == "exponential":
            return (gen.standard_exponential(shape) / p.get("lambd", 1.0)).astype(nd)
        if kind == "randperm":
            return gen.permutation(p["n"]).astype(nd)
        if kind == "multinomial":
            return _multinomial(gen, p["probs"], p["num_samples"], p["replacement"]).astype(nd)
        raise MissingPrimitive(f"cpu backend: random kind {kind!r} is not implemented")


def _N2D_fallback(nd):
    if nd.kind == "u":
        return ember.int64
    if nd.kind == "f":
        return ember.float64
    if nd.kind == "c":
        return ember.complex128
    raise TypeError(f"can't convert NumPy dtype {nd} to an ember dtype")


def _safe_state(state: bytes):
    class _R(pickle.Unpickler):
        def find_class(self, module, name):
            raise pickle.UnpicklingError(f"generator state may not reference {module}.{name}")
    st = _R(__import__("io").BytesIO(state)).load()
    if not isinstance(st, dict) or "bit_generator" not in st:
        raise ValueError("set_rng_state: not a cpu generator state")
    return st


def _multinomial(gen, probs, n, replacement):
    p = np.asarray(probs, dtype=np.float64)
    single = p.ndim == 1
    p2 = p.reshape(1, -1) if single else p
    rows = p2.shape[0]
    if replacement:
        cdf = np.cumsum(p2, axis=1)
        cdf = cdf / cdf[:, -1:]
        u = gen.random((rows, n))
        out = np.minimum((u[:, :, None] > cdf[:, None, :]).sum(-1), p2.shape[1] - 1)
    else:
        # Gumbel top-k: sampling without replacement proportional to the weights
        g = -np.log(-np.log(gen.random(p2.shape)))
        with np.errstate(divide="ignore"):
            keys = np.where(p2 > 0, np.log(p2) + g, -np.inf)
        out = np.argsort(-keys, axis=1, kind="stable")[:, :n]
    return out[0] if single else out


def _arange(self, n, d, index=None):
    return np.arange(n, dtype=_D2N[d])


def _wrap_host(self, obj):
    """(flat buffer, shape, strides, offset) viewing a host array's memory, no copy."""
    a = obj if isinstance(obj, np.ndarray) else np.asarray(obj)
    if a.dtype not in _N2D or _N2D[a.dtype] not in _D2N or _D2N[_N2D[a.dtype]] != a.dtype:
        raise TypeError(f"can't convert np.ndarray of type numpy.{a.dtype}. The only supported "
                        f"types are: float64, float32, float16, complex64, complex128, int64, "
                        f"int32, int16, int8, uint8, and bool.")
    isz = a.itemsize
    if any(s < 0 for s in a.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors "
                         "with negative strides are not currently supported. (You can probably "
                         "work around this by making a copy of your array with array.copy().)")
    if any(s % isz for s in a.strides):
        raise ValueError("given numpy array strides not a multiple of the element byte size. "
                         "Copy the numpy array to reallocate the memory.")
    strides = tuple(s // isz for s in a.strides)
    span = (1 + sum((n - 1) * s for n, s in zip(a.shape, strides))) if a.size else 0
    flat = np.lib.stride_tricks.as_strided(a, shape=(span,), strides=(isz,),
                                           writeable=a.flags.writeable)
    return flat, a.shape, strides, 0


NumpyBackend.arange = _arange
NumpyBackend.wrap_host = _wrap_host


def _to_bytes(self, x):
    a = np.ascontiguousarray(x)
    if a.dtype.byteorder == ">":
        a = a.byteswap().view(a.dtype.newbyteorder("<"))
    return a.tobytes()


def _from_bytes(self, data, d, index=None):
    nd = _D2N[d]
    return np.frombuffer(bytearray(data), dtype=nd.newbyteorder("<") if nd.itemsize > 1 else nd
                         ).astype(nd, copy=False)


NumpyBackend.to_bytes = _to_bytes
NumpyBackend.from_bytes = _from_bytes

from ._linalg_fft import linalg as _linalg, fft as _fft  # noqa: E402  (optional kernels)

NumpyBackend.linalg = _linalg
NumpyBackend.fft = _fft


# -- DLPack exchange (NOTE [dlpack exchange] in ember.backend) ---------------------------------
NumpyBackend.dlpack_device_type = 1       # kDLCPU


def _to_dlpack(self, x, stream=None, max_version=None):
    if x.dtype == _BF16:
        raise BufferError("__dlpack__: bfloat16 tensors cannot be exported from the cpu device: "
                          "NumPy's DLPack export has no bfloat16 (ml_dtypes) support. Convert "
                          "first, e.g. t.float() or t.to(ember.float32)")
    kw = {}
    if stream is not None:
        kw["stream"] = stream
    if max_version is not None:
        kw["max_version"] = tuple(max_version)
    return x.__dlpack__(**kw)


class _OneShot:
    """The producer's capsule, taken once, so we know whether it is a legacy (unversioned) one.

    NOTE [legacy capsules are writable]: DLPack < 1.0 cannot mark memory read-only, and NumPy
    imports such capsules as read-only arrays to be safe. PyTorch (and so ember) treats them as
    writable, as their producers intend; ``_writable_alias`` gives a writable view of the same
    memory that keeps NumPy's array (and with it the capsule's deleter) alive.
    """

    def __init__(self, obj):
        self.device = obj.__dlpack_device__()
        try:
            self.capsule = obj.__dlpack__(max_version=(1, 0))
        except TypeError:              # a producer older than DLPack 1.0
            self.capsule = obj.__dlpack__()
        self.legacy = "dltensor_versioned" not in repr(self.capsule)

    def __dlpack_device__(self):
        return self.device

    def __dlpack__(self, **kw):
        cap, self.capsule = self.capsule, None
        return cap


def _writable_alias(a):
    import ctypes
    span = sum((n - 1) * s for n, s in zip(a.shape, a.strides)) + a.itemsize
    raw = (ctypes.c_char * span).from_address(a.__array_interface__["data"][0])
    raw._owner = a
    return np.ndarray(a.shape, a.dtype, buffer=raw, strides=a.strides)


def _from_dlpack(self, obj, index=None):
    what = getattr(obj, "dtype", None)
    try:
        src = _OneShot(obj)
        legacy = src.legacy
        a = np.from_dlpack(src)
    except (BufferError, TypeError, RuntimeError) as exc:
        hint = ""
        if what is not None and "bfloat16" in str(what):
            hint = ("; bfloat16 has no DLPack path into NumPy: convert on the producer's side "
                    "first (e.g. t.float())")
        raise BufferError(f"from_dlpack: the cpu backend (NumPy) cannot import this "
                          f"{type(obj).__name__}{f' of dtype {what}' if what is not None else ''}"
                          f": {exc}{hint}") from exc
    if a.dtype not in _N2D or _D2N.get(_N2D[a.dtype]) != a.dtype:
        raise BufferError(f"from_dlpack: dtype {a.dtype} has no ember equivalent; supported: "
                          f"bool, uint8, int8/16/32/64, float16/32/64, complex64/128. Convert "
                          f"on the producer's side first")
    if any(s < 0 for s in a.strides):
        raise BufferError(f"from_dlpack: the array has negative strides {a.strides}, which ember "
                          f"tensors cannot view; copy it first (e.g. np.ascontiguousarray(a))")
    if legacy and not a.flags.writeable and a.size:
        a = _writable_alias(a)         # NOTE [legacy capsules are writable]
    return _wrap_host(self, a)


NumpyBackend.to_dlpack = _to_dlpack
NumpyBackend.from_dlpack = _from_dlpack
