"""The optional ``linalg`` and ``fft`` kernels of the cpu backend, on ``numpy.linalg`` and
``numpy.fft`` (see ``ember.backend.OptionalKernels`` for the contract)."""

from __future__ import annotations

import numpy as np

from ember.backend import MissingPrimitive

__all__ = ["linalg", "fft"]

_LOW = (np.dtype(np.float32), np.dtype(np.complex64))


def _arr(x, like):
    """numpy.linalg returns scalars for single matrices: always an array of ``like``'s dtype."""
    return np.asarray(x).astype(like.dtype, copy=False)


def _real(x, like):
    return np.asarray(x).astype(np.finfo(like.dtype).dtype, copy=False)


def _inv(a):
    return _arr(np.linalg.inv(a), a)


def _det(a):
    return _arr(np.linalg.det(a), a)


def _slogdet(a):
    sign, logabs = np.linalg.slogdet(a)
    return _arr(sign, a), _real(logabs, a)


def _solve(a, b):
    return _arr(np.linalg.solve(a, b), a)


def _cholesky(a):
    return _arr(np.linalg.cholesky(a), a)


def _qr(a, mode="reduced"):
    if mode == "r":
        return _arr(np.linalg.qr(a, mode="r"), a)
    q, r = np.linalg.qr(a, mode=mode)
    return _arr(q, a), _arr(r, a)


def _svd(a, full_matrices=False, compute_uv=True):
    if not compute_uv:
        s = np.linalg.svd(a, compute_uv=False)
        return _real(s, a)
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    return _arr(u, a), _real(s, a), _arr(vh, a)


def _eigh(a, UPLO="L", compute_v=True):
    if not compute_v:
        return _real(np.linalg.eigvalsh(a, UPLO=UPLO), a)
    w, v = np.linalg.eigh(a, UPLO=UPLO)
    return _real(w, a), _arr(v, a)


def _eig(a, compute_v=True):
    ct = np.complex64 if a.dtype in _LOW else np.complex128
    if not compute_v:
        return np.linalg.eigvals(a).astype(ct, copy=False)
    w, v = np.linalg.eig(a)
    return w.astype(ct, copy=False), v.astype(ct, copy=False)


_LINALG = {"inv": _inv, "det": _det, "slogdet": _slogdet, "solve": _solve,
           "cholesky": _cholesky, "qr": _qr, "svd": _svd, "eigh": _eigh, "eig": _eig}


def linalg(self, name, *arrays, **kw):
    """Dense linear algebra kernels by name; numpy's ``LinAlgError`` (singular or
    non-positive-definite input) propagates, and the core turns it into
    ``ember.linalg.LinAlgError`` with a message naming the op."""
    fn = _LINALG.get(name)
    if fn is None:
        raise MissingPrimitive(f"cpu backend: linalg kernel {name!r} is not implemented "
                               f"(available: {sorted(_LINALG)})")
    with np.errstate(all="ignore"):
        return fn(*arrays, **kw)


def fft(self, name, x, n, axis, norm):
    """One-dimensional FFTs along ``axis``: ``name`` is ``"fft"``, ``"ifft"`` (complex to
    complex), ``"rfft"`` (real to one-sided complex) or ``"irfft"`` (one-sided complex to real
    of length ``n``). Single precision stays single precision, as PyTorch."""
    fn = {"fft": np.fft.fft, "ifft": np.fft.ifft, "rfft": np.fft.rfft,
          "irfft": np.fft.irfft}.get(name)
    if fn is None:
        raise MissingPrimitive(f"cpu backend: fft kernel {name!r} is not implemented")
    single = x.dtype in _LOW
    r = fn(x, n=n, axis=axis, norm=norm)
    if name == "irfft":
        return r.astype(np.float32 if single else np.float64, copy=False)
    return r.astype(np.complex64 if single else np.complex128, copy=False)
