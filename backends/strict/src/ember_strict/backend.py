"""``StrictBackend``: ember's backend protocol on ``array_api_strict``.

Everything comes from :class:`ember.array_backend.ArrayAPIBackend`, which implements the
primitives with standard Array API functions only -- strided views as gathers, writes and
scatters as sort + ``searchsorted`` (NOTE [flat scatter]), special functions from
Chebyshev series (NOTE [xp special functions]), a counter-based generator on uint64
(NOTE [xp random]). This class adds what is specific to the library: its dtypes, the host
exchange, and the optional ``linalg``/``fft`` kernels from the standard's ``linalg`` and
``fft`` extensions.
"""

from __future__ import annotations

import warnings

import ember
from ember.array_backend import ArrayAPIBackend
from ember.backend import MissingPrimitive

__all__ = ["StrictBackend"]


class StrictBackend(ArrayAPIBackend):
    """The ``strict`` device: one device, no index (like ``cpu``); views are copies
    (``aliasing = False``), so the core re-reads views after in-place writes."""

    name = "strict"
    aliasing = False

    def __init__(self):
        import array_api_strict as xp
        if xp.get_array_api_strict_flags().get("api_version", "2024.12") < "2024.12":
            # take_along_axis, cumulative_prod, scalar operands: the 2024.12 standard
            xp.set_array_api_strict_flags(api_version="2024.12")
        dtypes = {ember.bool: xp.bool, ember.uint8: xp.uint8, ember.int8: xp.int8,
                  ember.int16: xp.int16, ember.int32: xp.int32, ember.int64: xp.int64,
                  ember.float32: xp.float32, ember.float64: xp.float64,
                  ember.complex64: xp.complex64, ember.complex128: xp.complex128}
        # float16 and bfloat16 are not Array API dtypes: not declared, so ember raises a
        # TypeError naming the device when asked for them
        super().__init__(xp, dtypes)

    # -- host exchange -----------------------------------------------------------------------
    def to_host(self, x):
        import numpy as np   # the protocol's host format; DLPack is the standard's exchange
        return np.array(np.from_dlpack(x), copy=True)

    def from_bytes(self, data, d, index=None):
        import numpy as np
        nd = self.native_dtype(d)
        host = np.frombuffer(bytearray(data), dtype=np.dtype(d.name).newbyteorder("<"))
        return self.xp.asarray(host.astype(np.dtype(d.name), copy=False), dtype=nd)

    # -- optional kernels (the standard's extensions) ------------------------------------------
    def linalg(self, name, *arrays, **kw):
        """``ember.backend.LinalgFftKernels.linalg`` on ``xp.linalg``."""
        la = self.xp.linalg
        xp = self.xp
        a = arrays[0]
        if name == "inv":
            return la.inv(a)
        if name == "det":
            return la.det(a)
        if name == "slogdet":
            sign, logabs = la.slogdet(a)
            return sign, logabs
        if name == "solve":
            return la.solve(a, arrays[1])
        if name == "cholesky":
            return la.cholesky(a)
        if name == "qr":
            mode = kw.get("mode", "reduced")
            q, r = la.qr(a, mode="reduced" if mode == "r" else mode)
            return r if mode == "r" else (q, r)
        if name == "svd":
            if not kw.get("compute_uv", True):
                return la.svdvals(a)
            u, s, vh = la.svd(a, full_matrices=kw.get("full_matrices", False))
            return u, s, vh
        if name == "eigh":
            # the standard does not say which triangle eigh reads: build the Hermitian
            # matrix from the one asked for
            if kw.get("UPLO", "L") == "U":
                h = xp.triu(a) + xp.conj(xp.matrix_transpose(xp.triu(a, k=1)))
            else:
                h = xp.tril(a) + xp.conj(xp.matrix_transpose(xp.tril(a, k=-1)))
            if not kw.get("compute_v", True):
                return la.eigvalsh(h)
            w, v = la.eigh(h)
            return w, v
        if name == "eig":
            if not kw.get("compute_v", True):
                return la.eigvals(a)
            w, v = la.eig(a)
            return w, v
        raise MissingPrimitive(f"strict backend: linalg kernel {name!r} is not implemented")

    def fft(self, name, x, n, axis, norm):
        """``ember.backend.LinalgFftKernels.fft`` on ``xp.fft`` (single precision stays
        single precision, as the standard says)."""
        fn = {"fft": self.xp.fft.fft, "ifft": self.xp.fft.ifft, "rfft": self.xp.fft.rfft,
              "irfft": self.xp.fft.irfft}.get(name)
        if fn is None:
            raise MissingPrimitive(f"strict backend: fft kernel {name!r} is not implemented")
        return fn(x, n=n, axis=axis, norm=norm)


def _quiet(name):
    """``ArrayAPIBackend.<name>`` with NumPy's floating-point RuntimeWarnings silenced: the
    library under array_api_strict reports 1/0, log(0), overflow as warnings, PyTorch (and
    the cpu device) give inf/nan silently."""
    base = getattr(ArrayAPIBackend, name)

    def f(self, *args):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return base(self, *args)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = base.__doc__
    return f


for _name in ("log", "log2", "log10", "log1p", "sqrt", "div", "floor_divide", "remainder",
              "fmod", "pow", "exp", "expm1", "sinh", "cosh", "acosh", "atanh", "asin", "acos",
              "mul", "add", "sub", "matmul", "sum", "prod", "cumsum", "cumprod", "astype"):
    setattr(StrictBackend, _name, _quiet(_name))
del _name
