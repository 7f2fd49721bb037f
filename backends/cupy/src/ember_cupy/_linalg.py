"""The cuda backend's optional ``linalg`` and ``fft`` kernels on ``cupy.linalg`` and
``cupy.fft`` (contract: ``ember.backend.LinalgFftKernels``)."""

from __future__ import annotations

from ember.backend import MissingPrimitive


def _real_dtype(cp, a):
    return cp.empty((), dtype=a.dtype).real.dtype


def run(cp, name, *arrays, **kw):
    la = cp.linalg
    a = arrays[0]
    keep = a.dtype
    if name == "inv":
        return la.inv(a).astype(keep, copy=False)
    if name == "det":
        return cp.asarray(la.det(a)).astype(keep, copy=False)
    if name == "slogdet":
        sign, logabs = la.slogdet(a)
        return sign.astype(keep, copy=False), logabs.astype(_real_dtype(cp, a), copy=False)
    if name == "solve":
        return la.solve(a, arrays[1]).astype(keep, copy=False)
    if name == "cholesky":
        return la.cholesky(a).astype(keep, copy=False)
    if name == "qr":
        mode = kw.get("mode", "reduced")
        out = la.qr(a, mode=mode)
        return out.astype(keep) if mode == "r" else tuple(o.astype(keep) for o in out)
    if name == "svd":
        if not kw.get("compute_uv", True):
            return la.svd(a, compute_uv=False).astype(_real_dtype(cp, a), copy=False)
        u, s, vh = la.svd(a, full_matrices=kw.get("full_matrices", False))
        return u.astype(keep), s.astype(_real_dtype(cp, a)), vh.astype(keep)
    if name == "eigh":
        uplo = kw.get("UPLO", "L")
        if not kw.get("compute_v", True):
            return la.eigvalsh(a, UPLO=uplo).astype(_real_dtype(cp, a), copy=False)
        w, v = la.eigh(a, UPLO=uplo)
        return w.astype(_real_dtype(cp, a)), v.astype(keep)
    if name == "eig":
        return _eig_on_host(cp, a, kw.get("compute_v", True))
    raise MissingPrimitive(f"cuda backend: linalg kernel {name!r} is not implemented")


def _eig_on_host(cp, a, compute_v):
    """The general (non-symmetric) eigenproblem on the host with LAPACK's geev through
    NumPy, results copied back: as PyTorch's CUDA ``linalg.eig``, which also runs on the
    CPU (CuPy has no geev before CUDA 12.6, and the cpu device then agrees bit for bit)."""
    import numpy as np
    single = a.dtype in (cp.float32, cp.complex64)
    ct = np.complex64 if single else np.complex128
    h = cp.asnumpy(a)
    with np.errstate(all="ignore"):
        if not compute_v:
            return cp.asarray(np.linalg.eigvals(h).astype(ct, copy=False))
        w, v = np.linalg.eig(h)
    return cp.asarray(w.astype(ct, copy=False)), cp.asarray(v.astype(ct, copy=False))


_FFT = {"fft": "fft", "ifft": "ifft", "rfft": "rfft", "irfft": "irfft"}


def fft(cp, name, x, n, axis, norm):
    fn = _FFT.get(name)
    if fn is None:
        raise MissingPrimitive(f"cuda backend: fft kernel {name!r} is not implemented")
    low = x.dtype in (cp.float32, cp.complex64)
    r = getattr(cp.fft, fn)(x, n=n, axis=axis, norm=norm)
    if name == "irfft":
        return r.astype(cp.float32 if low else cp.float64, copy=False)
    return r.astype(cp.complex64 if low else cp.complex128, copy=False)
