"""``ember.array_api.fft``: the Array API FFT extension on ``ember.fft`` (the standard's
``axis``/``axes`` for PyTorch's ``dim``; ``norm`` is ``"backward"``, ``"ortho"`` or
``"forward"``).

Example::

    >>> import ember.array_api as xp
    >>> xp.fft.fft(xp.asarray([1., 0., 0., 0.]))
    tensor([1.+0.j, 1.+0.j, 1.+0.j, 1.+0.j])
"""

from __future__ import annotations

from .. import fft as _F
from ._helpers import check_array

__all__ = ["fft", "fftfreq", "fftn", "fftshift", "hfft", "ifft", "ifftn", "ifftshift", "ihfft",
           "irfft", "irfftn", "rfft", "rfftfreq", "rfftn"]

_NORMS = ("backward", "ortho", "forward")


def _norm(norm, op):
    if norm not in _NORMS:
        raise ValueError(f"{op}(): norm must be one of {_NORMS}, got {norm!r}")
    return norm


def _one(name, doc):
    def fn(x, /, *, n=None, axis=-1, norm="backward"):
        check_array(x, name)
        return getattr(_F, name)(x, n, axis, _norm(norm, name))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc + (" ``n``: the transform length along ``axis`` (the input is cropped "
                        "or zero-padded to it).")
    return fn


def _many(name, doc):
    def fn(x, /, *, s=None, axes=None, norm="backward"):
        check_array(x, name)
        return getattr(_F, name)(x, None if s is None else tuple(s),
                                 None if axes is None else tuple(axes), _norm(norm, name))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc + (" ``s``: the transform lengths along ``axes`` (all axes, or the last "
                        "``len(s)``, when None).")
    return fn


fft = _one("fft", "The one-dimensional discrete Fourier transform along ``axis``.")
ifft = _one("ifft", "The inverse of ``fft``.")
rfft = _one("rfft", "The DFT of a real signal: the ``n // 2 + 1`` non-negative frequencies.")
irfft = _one("irfft", "The inverse of ``rfft``: a real signal of length ``n`` (default "
                      "``2 * (m - 1)``).")
hfft = _one("hfft", "The DFT of a signal with Hermitian symmetry (a real spectrum).")
ihfft = _one("ihfft", "The inverse of ``hfft``.")
fftn = _many("fftn", "The n-dimensional discrete Fourier transform over ``axes``.")
ifftn = _many("ifftn", "The inverse of ``fftn``.")
rfftn = _many("rfftn", "The n-dimensional DFT of a real signal (last axis one-sided).")
irfftn = _many("irfftn", "The inverse of ``rfftn``.")


def fftfreq(n, /, *, d=1.0, dtype=None, device=None):
    """The sample frequencies ``[0, 1, ..., n/2 - 1, -n/2, ..., -1] / (d * n)``."""
    return _F.fftfreq(n, d, dtype=dtype, device=device)


def rfftfreq(n, /, *, d=1.0, dtype=None, device=None):
    """The non-negative sample frequencies ``[0, 1, ..., n // 2] / (d * n)``."""
    return _F.rfftfreq(n, d, dtype=dtype, device=device)


def fftshift(x, /, *, axes=None):
    """``x`` rolled so the zero frequency is in the middle of ``axes`` (all when None)."""
    check_array(x, "fftshift")
    return _F.fftshift(x, axes)


def ifftshift(x, /, *, axes=None):
    """The inverse of ``fftshift``."""
    check_array(x, "ifftshift")
    return _F.ifftshift(x, axes)
