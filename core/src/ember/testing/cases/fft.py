"""Cases for ``ember.fft`` (NOTE [op cases]).

Complex results are compared as (real, imag) pairs (``_ri``): the harness differentiates a
real weighted sum, and finite differences read floating outputs only. Real inputs exercise
the real-to-complex gradients (``rfft``, and the implicit promotion of ``fft``), complex
inputs the complex-to-real ones (``irfft``, ``hfft``), including odd lengths, padding and
trimming (``n``/``s``) and every ``norm``.
"""

from ... import _dtype as D
from ..opinfo import OpCase, T

F = (D.float32, D.float64)
C = (D.complex64, D.complex128)


def _ri(o):
    """Complex outputs as (real, imag), materialised."""
    return o.real * 1, o.imag * 1


def X(*shape, noncontig=False, dtype=None):
    return T(shape, -1.0, 1.0, noncontig=noncontig, dtype=dtype)


CASES = []


def _add(name, op, args, kwargs=None, complex_out=True, dtypes=F, **kw):
    CASES.append(OpCase(name, op, args, kwargs or {}, dtypes=dtypes,
                        post=_ri if complex_out else None, **kw))


for _norm in (None, "ortho", "forward"):
    _k = {} if _norm is None else {"norm": _norm}
    _s = "" if _norm is None else "/" + _norm
    _add("fft.fft" + _s, "fft.fft", (X(3, 6),), _k)
    _add("fft.ifft" + _s, "fft.ifft", (X(3, 6),), _k)
    _add("fft.fft/complex" + _s, "fft.fft", (X(2, 5),), _k, dtypes=C)
    _add("fft.rfft" + _s, "fft.rfft", (X(3, 6),), _k)
    _add("fft.irfft" + _s, "fft.irfft", (X(3, 4),), _k, complex_out=False, dtypes=C)
    _add("fft.hfft" + _s, "fft.hfft", (X(3, 4),), _k, complex_out=False, dtypes=C)
    _add("fft.ihfft" + _s, "fft.ihfft", (X(3, 5),), _k)
    _add("fft.fftn" + _s, "fft.fftn", (X(2, 3, 4),), _k)
    _add("fft.ifftn" + _s, "fft.ifftn", (X(2, 3, 4),), _k, dtypes=C)
    _add("fft.rfftn" + _s, "fft.rfftn", (X(2, 3, 4),), _k)
    _add("fft.irfftn" + _s, "fft.irfftn", (X(2, 3, 4),), _k, complex_out=False, dtypes=C)

CASES_N = [
    ("fft.fft/n_pad", "fft.fft", (X(2, 5),), {"n": 8}, True, F),
    ("fft.fft/n_trim_dim0", "fft.fft", (X(6, 3),), {"n": 4, "dim": 0}, True, F),
    ("fft.fft/noncontig", "fft.fft", (X(3, 4, noncontig=True),), {}, True, F),
    ("fft.fft/1d", "fft.fft", (X(7),), {}, True, F),
    ("fft.rfft/odd_n", "fft.rfft", (X(2, 6),), {"n": 5}, True, F),
    ("fft.rfft/dim0", "fft.rfft", (X(5, 3),), {"dim": 0}, True, F),
    ("fft.irfft/odd_n", "fft.irfft", (X(2, 4),), {"n": 7}, False, C),
    ("fft.irfft/pad", "fft.irfft", (X(2, 3),), {"n": 10}, False, C),
    ("fft.irfft/real_input", "fft.irfft", (X(2, 4),), {}, False, F),
    ("fft.hfft/odd_n", "fft.hfft", (X(3, 4),), {"n": 5, "dim": 0}, False, C),
    ("fft.ihfft/n", "fft.ihfft", (X(3, 4),), {"n": 6}, True, F),
    ("fft.fft2", "fft.fft2", (X(2, 3, 4),), {}, True, F),
    ("fft.ifft2/s", "fft.ifft2", (X(3, 4),), {"s": (4, 6)}, True, C),
    ("fft.fftn/s_dim", "fft.fftn", (X(2, 3, 4),), {"s": (5, 3), "dim": (2, 0)}, True, F),
    ("fft.fftn/s_only", "fft.fftn", (X(2, 3, 4),), {"s": (2, 6)}, True, F),
    ("fft.rfft2", "fft.rfft2", (X(2, 4, 6),), {}, True, F),
    ("fft.rfftn/dim", "fft.rfftn", (X(3, 4, 5),), {"dim": (0, 2)}, True, F),
    ("fft.irfft2", "fft.irfft2", (X(3, 4),), {}, False, C),
    ("fft.irfftn/s", "fft.irfftn", (X(2, 3, 4),), {"s": (4, 5)}, False, C),
    ("fft.hfft2", "fft.hfft2", (X(3, 4),), {}, False, C),
    ("fft.hfftn/s", "fft.hfftn", (X(2, 3, 4),), {"s": (3, 7), "dim": (0, 2)}, False, C),
    ("fft.ihfft2", "fft.ihfft2", (X(3, 4),), {}, True, F),
    ("fft.ihfftn", "fft.ihfftn", (X(2, 3, 5),), {"norm": "ortho"}, True, F),
]
for _args in CASES_N:
    _add(*_args[:4], complex_out=_args[4], dtypes=_args[5])

CASES.extend([
    OpCase("fft.fftshift", "fft.fftshift", (X(3, 4),)),
    OpCase("fft.fftshift/dim", "fft.fftshift", (X(3, 5), 1)),
    OpCase("fft.ifftshift", "fft.ifftshift", (X(5, 4),)),
    OpCase("fft.ifftshift/dims", "fft.ifftshift", (X(5, 4, 3),), {"dim": (0, 2)}),
    OpCase("fft.fftfreq", "fft.fftfreq", (7,), {"d": 0.5}, grad=False, dtypes=(D.float32,)),
    OpCase("fft.fftfreq/even", "fft.fftfreq", (8,), grad=False, dtypes=(D.float32,)),
    OpCase("fft.rfftfreq", "fft.rfftfreq", (7,), {"d": 2.0}, grad=False, dtypes=(D.float32,)),
])
