"""``ember.fft``: discrete Fourier transforms with PyTorch's ``n``/``s``, ``dim`` and ``norm``
arguments, complex dtypes and gradients.

``norm`` is ``"backward"`` (default: no scaling forward, 1/n on the inverse), ``"ortho"``
(1/sqrt(n) both ways) or ``"forward"`` (1/n forward, none on the inverse). float32 inputs give
complex64 results, float64 give complex128; integer inputs use the default float dtype.

NOTE [fft gradients]: a DFT is linear, so its gradient is its adjoint: the adjoint of
``fft`` with one ``norm`` is ``ifft`` with the *dual* norm (backward <-> forward, ortho
stays), and vice versa. ``rfft``'s adjoint zero-pads the one-sided gradient to ``n``, applies
the dual ``ifft`` and keeps the real part. ``irfft`` reads each coefficient strictly between
the zero and Nyquist frequencies twice (once for its mirror image), so its gradient is the
dual ``rfft`` of the incoming gradient with those entries doubled. The n-dimensional
transforms are chains of these one-dimensional ops, so their gradients follow.

The transforms run on the backend's optional ``fft`` kernel when it has one (NOTE [optional
linalg/fft] in ``ember/backend.py``) and on a dense DFT (one complex matrix multiply per
dimension) otherwise.

Example::

    >>> x = ember.tensor([1., 2., 3., 4.])
    >>> ember.fft.fft(x)
    tensor([10.+0.j, -2.+2.j, -2.+0.j, -2.-2.j])
    >>> ember.fft.irfft(ember.fft.rfft(x), n=4)
    tensor([1., 2., 3., 4.])
"""

from __future__ import annotations

import math

from . import _dtype as D
from ._tensor import Tensor, _wrap_dim
from ._ops.core import Op, _ScatterGeom, _tname
from ._ops.basic import matmul as _mm
from ._tensor import _contig_strides

__all__ = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2",
           "hfft2", "ihfft2", "fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn", "fftfreq",
           "rfftfreq", "fftshift", "ifftshift"]

_NORMS = ("backward", "ortho", "forward")
_DUAL = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


# -- argument handling ----------------------------------------------------------------------

def _norm(norm):
    if norm is None:
        return "backward"
    if norm not in _NORMS:
        raise RuntimeError(f'Invalid normalization mode: "{norm}" (expected "backward", '
                           f'"ortho" or "forward")')
    return norm


def _check_tensor(op, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"fft.{op}(): expected a Tensor, got {type(x).__name__}")


def _float_in(op, x):
    """A real floating input (integers to the default float dtype)."""
    d = x._dtype
    if d in (D.float16, D.bfloat16):
        raise RuntimeError(f"Unsupported dtype {_tname(d)} (fft.{op} runs in float32, "
                           f"float64, complex64 or complex128; convert with .float())")
    if d.is_complex:
        return x
    if not d.is_floating_point:
        return x.to(D.get_default_dtype())
    return x


def _complex_in(op, x):
    x = _float_in(op, x)
    if not x._dtype.is_complex:
        x = x.to(x._dtype.to_complex())
    return x


def _real_in(op, x):
    x = _float_in(op, x)
    if x._dtype.is_complex:
        raise RuntimeError(f"{op} expects a real input tensor, but got {_tname(x._dtype)}")
    return x


def _dim1(x, dim):
    if x.dim() == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return _wrap_dim(dim, x.dim(), "fft")


def _check_n(n):
    if n is not None and n < 1:
        raise RuntimeError(f"Invalid number of data points ({n}) specified")


def _resize(x, dim, n):
    """Zero-pad or trim ``x`` along ``dim`` to length ``n`` (differentiable)."""
    cur = x._shape[dim]
    if n == cur:
        return x
    if n < cur:
        return x.narrow(dim, 0, n)
    shape = list(x._shape)
    shape[dim] = n
    shape = tuple(shape)
    geo = (x._shape, _contig_strides(shape), 0)
    return _ScatterGeom.apply(x.contiguous(), shape, geo)


def _dims_and_sizes(op, x, s, dim):
    """PyTorch's rules for the (s, dim) pair of the n-dimensional transforms."""
    if dim is not None and not isinstance(dim, (list, tuple)):
        dim = (dim,)
    if s is not None and not isinstance(s, (list, tuple)):
        s = (s,)
    if dim is None:
        if s is None:
            dims = list(range(x.dim()))
        else:
            if len(s) > x.dim():
                raise RuntimeError(f"Got shape with {len(s)} values but input tensor only has "
                                   f"{x.dim()} dimensions.")
            dims = list(range(x.dim() - len(s), x.dim()))
    else:
        if x.dim() == 0 and len(dim):
            raise IndexError(f"Dimension specified as {dim[0]} but tensor has no dimensions")
        dims = [_wrap_dim(d, x.dim(), "fft") for d in dim]
        if s is not None and len(s) != len(dims):
            raise RuntimeError("When given, dim and shape arguments must have the same length")
    if len(set(dims)) != len(dims):
        raise RuntimeError("FFT dims must be unique")
    if s is None:
        sizes = [None] * len(dims)
    else:
        sizes = [None if v == -1 else int(v) for v in s]
        for v in sizes:
            _check_n(v)
    return dims, sizes


# -- kernels ------------------------------------------------------------------------------------

def _run(kind, x, n, dim, norm):
    """One 1-D transform on the backend's ``fft`` kernel, or the dense-DFT fallback."""
    st = x._storage
    fn = getattr(st._be, "fft", None)
    if fn is None:
        return _dft(kind, x, n, dim, norm)
    from ._tensor import _from_native
    return _from_native(fn(kind, x._data, n, dim, norm), st._be, st.device)


def _scale(norm, n, inverse):
    if norm == "ortho":
        return 1.0 / math.sqrt(n)
    if (norm == "backward") == inverse:
        return 1.0 / n
    return 1.0


def _dft(kind, x, n, dim, norm):
    """The dense fallback: ``x`` moved to the last dim times a DFT matrix (with ember ops;
    phases reduced mod n in integers so large n keeps its accuracy)."""
    from ._creation import arange, complex as _cplx
    inverse = kind in ("ifft", "irfft")
    real_t = x._dtype.to_real()
    xt = x.movedim(dim, -1)
    m_in = xt._shape[-1]
    n_out = {"fft": n, "ifft": n, "rfft": n // 2 + 1, "irfft": n}[kind]
    j = arange(m_in, device=x.device).unsqueeze(1)
    k = arange(n_out, device=x.device).unsqueeze(0)
    ang = ((j * k) % n).to(real_t) * ((2 * math.pi / n) * (1 if inverse else -1))
    W = _cplx(ang.cos(), ang.sin())
    if kind == "irfft":
        w = (j > 0) & ((2 * j) != n)
        W = W * (w.to(real_t) + 1).to(W._dtype)
    if not xt._dtype.is_complex:
        xt = xt.to(real_t.to_complex())
    y = _mm(xt, W.to(xt._dtype)) * _scale(norm, n, inverse)
    if kind == "irfft":
        y = y.real
    return y.movedim(-1, dim).contiguous()


class _C2C(Op):
    _node_name = "FftC2CBackward0"

    @staticmethod
    def forward(ctx, x, dim, norm, inverse):
        ctx.args = (dim, norm, inverse)
        return _run("ifft" if inverse else "fft", x, x._shape[dim], dim, norm)

    @staticmethod
    def backward(ctx, g):
        dim, norm, inverse = ctx.args
        return _C2C.apply(g, dim, _DUAL[norm], not inverse), None, None, None


class _R2C(Op):
    _node_name = "FftR2CBackward0"

    @staticmethod
    def forward(ctx, x, dim, norm):
        ctx.args = (dim, norm, x._shape[dim])
        return _run("rfft", x, x._shape[dim], dim, norm)

    @staticmethod
    def backward(ctx, g):
        dim, norm, n = ctx.args
        full = _resize(g, dim, n)
        return _C2C.apply(full, dim, _DUAL[norm], True).real, None, None


class _C2R(Op):
    _node_name = "FftC2RBackward0"

    @staticmethod
    def forward(ctx, x, dim, norm, n):
        ctx.args = (dim, norm, n)
        return _run("irfft", x, n, dim, norm)

    @staticmethod
    def backward(ctx, g):
        dim, norm, n = ctx.args
        gi = _R2C.apply(g, dim, _DUAL[norm])
        m = gi._shape[dim]
        twice = n - m                       # entries 1 .. n - m have a mirror image
        if twice > 0:
            from ._creation import arange
            k = arange(m, device=g.device)
            w = ((k >= 1) & (k <= twice)).to(g._dtype) + 1
            w = w.reshape((m,) + (1,) * (g.dim() - dim - 1))
            gi = gi * w.to(gi._dtype)
        return gi, None, None, None


# -- one-dimensional transforms -----------------------------------------------------------------

def _c2c(op, input, n, dim, norm, inverse):
    _check_tensor(op, input)
    _check_n(n)
    norm = _norm(norm)
    x = _complex_in(op, input)
    d = _dim1(x, dim)
    if n is not None:
        x = _resize(x, d, n)
    return _C2C.apply(x, d, norm, inverse)


def fft(input, n=None, dim=-1, norm=None, *, out=None):
    """The 1-D discrete Fourier transform along ``dim``: ``X[k] = sum_t x[t] e^{-2 pi i k t /
    n}``; the input is zero-padded or trimmed to ``n`` first. Complex result of the input's
    shape (with ``n`` on ``dim``).

    Example: ``ember.fft.fft(ember.tensor([1., 0., 0., 0.]))`` is all ones."""
    return _out(_c2c("fft", input, n, dim, norm, False), out)


def ifft(input, n=None, dim=-1, norm=None, *, out=None):
    """The inverse of :func:`fft` (``1/n`` scaling with the default ``norm``)."""
    return _out(_c2c("ifft", input, n, dim, norm, True), out)


def _rfft_prep(op, input, n, dim):
    """The checked real input of a real-to-one-sided transform (rfft, ihfft), resized to
    ``n`` along its dim, and that dim."""
    _check_tensor(op, input)
    _check_n(n)
    x = _real_in(op, input)
    d = _dim1(x, dim)
    if n is not None:
        x = _resize(x, d, n)
    return x, d


def rfft(input, n=None, dim=-1, norm=None, *, out=None):
    """The FFT of a real signal, keeping the ``n // 2 + 1`` non-negative frequencies (the
    rest are their complex conjugates).

    Example: ``ember.fft.rfft(ember.ones(4))`` is ``[4, 0, 0]`` (complex)."""
    norm = _norm(norm)
    x, d = _rfft_prep("rfft", input, n, dim)
    return _out(_R2C.apply(x, d, norm), out)


def _irfft_prep(op, input, n, dim):
    _check_tensor(op, input)
    _check_n(n)
    x = _complex_in(op, input)
    d = _dim1(x, dim)
    if n is None:
        n = 2 * (x._shape[d] - 1)
        _check_n(n)
    return _resize(x, d, n // 2 + 1), d, n


def irfft(input, n=None, dim=-1, norm=None, *, out=None):
    """The inverse of :func:`rfft`: ``n // 2 + 1`` one-sided coefficients to a real signal of
    length ``n`` (default ``2 * (input.size(dim) - 1)``; pass ``n`` for odd lengths).

    Example: ``ember.fft.irfft(ember.fft.rfft(x), n=x.shape[-1])`` gives back ``x``."""
    norm = _norm(norm)
    x, d, n = _irfft_prep("irfft", input, n, dim)
    return _out(_C2R.apply(x, d, norm, n), out)


def hfft(input, n=None, dim=-1, norm=None, *, out=None):
    """The FFT of a Hermitian-symmetric signal given by its one-sided half: a real result of
    length ``n`` (default ``2 * (input.size(dim) - 1)``)."""
    norm = _norm(norm)
    x, d, n = _irfft_prep("hfft", input, n, dim)
    return _out(_C2R.apply(x.conj(), d, _DUAL[norm], n), out)


def ihfft(input, n=None, dim=-1, norm=None, *, out=None):
    """The inverse of :func:`hfft`: a real signal to the one-sided half of its (Hermitian)
    inverse transform, ``n // 2 + 1`` values."""
    norm = _norm(norm)
    x, d = _rfft_prep("ihfft", input, n, dim)
    return _out(_R2C.apply(x, d, _DUAL[norm]).conj(), out)


# -- n-dimensional transforms -------------------------------------------------------------------

def _resize_dims(x, dims, sizes):
    """``x`` padded or trimmed to ``sizes[i]`` along ``dims[i]`` (None: left as it is)."""
    for d, n in zip(dims, sizes, strict=False):
        if n is not None:
            x = _resize(x, d, n)
    return x


def _c2cn(op, input, s, dim, norm, inverse):
    _check_tensor(op, input)
    norm = _norm(norm)
    x = _complex_in(op, input)
    dims, sizes = _dims_and_sizes(op, x, s, dim)
    x = _resize_dims(x, dims, sizes)
    for d in dims:
        x = _C2C.apply(x, d, norm, inverse)
    return x


def fftn(input, s=None, dim=None, norm=None, *, out=None):
    """The n-dimensional FFT over ``dim`` (all dims by default, or the last ``len(s)``),
    each padded/trimmed to ``s``."""
    return _out(_c2cn("fftn", input, s, dim, norm, False), out)


def ifftn(input, s=None, dim=None, norm=None, *, out=None):
    """The inverse of :func:`fftn`."""
    return _out(_c2cn("ifftn", input, s, dim, norm, True), out)


def fft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """The 2-D FFT over the last two dims (or ``dim``)."""
    return fftn(input, s, dim, norm, out=out)


def ifft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """The inverse of :func:`fft2`."""
    return ifftn(input, s, dim, norm, out=out)


def _r2cn(op, input, s, dim, norm, conj_dual):
    _check_tensor(op, input)
    norm = _norm(norm)
    x = _real_in(op, input)
    dims, sizes = _dims_and_sizes(op, x, s, dim)
    if not dims:
        raise RuntimeError(f"{op} must transform at least one axis")
    x = _resize_dims(x, dims, sizes)
    nm = _DUAL[norm] if conj_dual else norm
    x = _R2C.apply(x, dims[-1], nm)
    for d in dims[:-1]:
        x = _C2C.apply(x, d, nm, False)
    return x.conj() if conj_dual else x


def _c2rn(op, input, s, dim, norm, conj_dual):
    _check_tensor(op, input)
    norm = _norm(norm)
    x = _complex_in(op, input)
    dims, sizes = _dims_and_sizes(op, x, s, dim)
    if not dims:
        raise RuntimeError(f"{op} must transform at least one axis")
    last = dims[-1]
    n_last = sizes[-1] if sizes[-1] is not None else 2 * (x._shape[last] - 1)
    _check_n(n_last)
    x = _resize_dims(x, dims[:-1], sizes[:-1])
    x = _resize(x, last, n_last // 2 + 1)
    if conj_dual:
        x = x.conj()
        norm = _DUAL[norm]
    for d in dims[:-1]:
        x = _C2C.apply(x, d, norm, True)
    return _C2R.apply(x, last, norm, n_last)


def rfftn(input, s=None, dim=None, norm=None, *, out=None):
    """The n-dimensional FFT of a real input, one-sided (``n // 2 + 1``) in the last
    transformed dim."""
    return _out(_r2cn("rfftn", input, s, dim, norm, False), out)


def irfftn(input, s=None, dim=None, norm=None, *, out=None):
    """The inverse of :func:`rfftn`: a real result; the last transformed dim has length
    ``s[-1]`` (default ``2 * (input.size(dim[-1]) - 1)``)."""
    return _out(_c2rn("irfftn", input, s, dim, norm, False), out)


def rfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """:func:`rfftn` over the last two dims."""
    return rfftn(input, s, dim, norm, out=out)


def irfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """:func:`irfftn` over the last two dims."""
    return irfftn(input, s, dim, norm, out=out)


def hfftn(input, s=None, dim=None, norm=None, *, out=None):
    """The n-dimensional FFT of a Hermitian-symmetric signal given by its one-sided half in
    the last transformed dim: a real result."""
    return _out(_c2rn("hfftn", input, s, dim, norm, True), out)


def ihfftn(input, s=None, dim=None, norm=None, *, out=None):
    """The inverse of :func:`hfftn`: a real input to the one-sided half of its inverse
    transform."""
    return _out(_r2cn("ihfftn", input, s, dim, norm, True), out)


def hfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """:func:`hfftn` over the last two dims."""
    return hfftn(input, s, dim, norm, out=out)


def ihfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """:func:`ihfftn` over the last two dims."""
    return ihfftn(input, s, dim, norm, out=out)


def _out(r, out):
    if out is None:
        return r
    from ._ops.core import write_out
    return write_out(r, out)


# -- frequencies and shifts -----------------------------------------------------------------

def _freq_dtype(dtype):
    d = dtype or D.get_default_dtype()
    if not d.is_floating_point:
        raise RuntimeError(f"fftfreq: expected a floating point dtype, got {d}")
    return d


def fftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None,
            requires_grad=False):
    """The sample frequencies of an ``n``-point FFT with sample spacing ``d``:
    ``[0, 1, ..., (n-1)//2, -(n//2), ..., -1] / (d * n)``.

    Example: ``ember.fft.fftfreq(4)`` is ``[0., 0.25, -0.5, -0.25]``."""
    from ._creation import arange
    dt = _freq_dtype(dtype)
    k = arange(n, device=device)
    k = k - (k > (n - 1) // 2).to(k._dtype) * n
    r = (k.to(dt) / (d * n))
    if requires_grad:
        r.requires_grad_(True)
    return _out(r, out)


def rfftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """The non-negative sample frequencies of an ``n``-point real FFT:
    ``[0, 1, ..., n // 2] / (d * n)``."""
    from ._creation import arange
    dt = _freq_dtype(dtype)
    r = arange(n // 2 + 1, device=device).to(dt) / (d * n)
    if requires_grad:
        r.requires_grad_(True)
    return _out(r, out)


def _roll_dims(x, dims, sign):
    from ._creation import arange
    for d in dims:
        n = x._shape[d]
        if n <= 1:
            continue
        shift = (n // 2) * sign
        idx = (arange(n, device=x.device) - shift) % n
        x = x[(slice(None),) * d + (idx,)]
    return x


def _shift_dims(x, dim):
    if dim is None:
        return list(range(x.dim()))
    if isinstance(dim, int):
        dim = (dim,)
    return [_wrap_dim(d, x.dim(), "fftshift") for d in dim]


def fftshift(input, dim=None):
    """Move the zero frequency to the centre: roll each of ``dim`` (all by default) by
    ``size // 2``.

    Example: ``ember.fft.fftshift(ember.fft.fftfreq(4))`` is ``[-0.5, -0.25, 0., 0.25]``."""
    _check_tensor("fftshift", input)
    return _roll_dims(input, _shift_dims(input, dim), 1)


def ifftshift(input, dim=None):
    """The inverse of :func:`fftshift` (roll by ``-(size // 2)``)."""
    _check_tensor("ifftshift", input)
    return _roll_dims(input, _shift_dims(input, dim), -1)
