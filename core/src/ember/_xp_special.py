"""Special functions (``erf``, ``erfinv``, ``lgamma``, ``digamma``) written only with
Array API functions, for :class:`ember.array_backend.ArrayAPIBackend`.

NOTE [xp special functions]: the Array API standard has no special functions, so these are
built from ``exp``/``log``/``where``/``take``/``searchsorted`` and arithmetic:

- ``erf(x) = x * h(|x|)`` with ``h(t) = erf(t) / t`` a smooth even function, approximated
  by piecewise Chebyshev series on [0, 6] (``erf`` is 1 to double precision beyond 6);
  writing it as ``x * h`` keeps full relative accuracy near 0.
- ``erfinv(x) = x * g(w)`` with ``w = -log((1 - x)(1 + x))``: ``g`` is smooth in ``w`` on
  [0, 6.25] and in ``sqrt(w)`` beyond (the singularity at |x| = 1 becomes a slow growth).
- ``lgamma``: Stirling's series with eight Bernoulli terms for x >= 8, the recurrence
  ``lgamma(x) = lgamma(x + 8) - log(x (x + 1) ... (x + 7))`` below, and the reflection
  formula for x <= 0.
- ``digamma``: the asymptotic series for x >= 10, ``psi(x) = psi(x + 10) - sum 1/(x + k)``
  below, and ``psi(x) = psi(1 - x) - pi / tan(pi x)`` for x <= 0.

The Chebyshev coefficients are computed once, on first use, in plain Python from the
standard library's ``math.erf``/``math.erfc`` (interpolation at Chebyshev nodes), never
typed in. Evaluation is vectorised: each element picks its interval with ``searchsorted``,
gathers that interval's coefficient row with ``take`` and runs Clenshaw's recurrence over
the columns. Work is done in float64 when the namespace has it (relative error ~1e-14),
else float32.
"""

from __future__ import annotations

import math

__all__ = ["erf", "erfinv", "lgamma", "digamma"]


# -- Chebyshev fitting (plain Python, once) ------------------------------------------------

def _cheb_fit(f, a, b, deg):
    """Coefficients of the degree-``deg`` Chebyshev interpolant of ``f`` on [a, b]."""
    n = deg + 1
    fs = [f(0.5 * (b - a) * math.cos(math.pi * (k + 0.5) / n) + 0.5 * (b + a))
          for k in range(n)]
    c = [2.0 / n * sum(fs[k] * math.cos(math.pi * j * (k + 0.5) / n) for k in range(n))
         for j in range(n)]
    c[0] /= 2.0
    return c


def _erf_over_x(t):
    return math.erf(t) / t if t > 1e-6 else 2.0 / math.sqrt(math.pi) * (1.0 - t * t / 3.0)


def _w_of_y(y):
    """w = -log(1 - erf(y)^2), accurately for large y."""
    return -math.log(math.erfc(y)) - math.log1p(math.erf(y))


def _y_of_w(w):
    """The y >= 0 with ``_w_of_y(y) == w``: bisection, then Newton."""
    lo, hi = 0.0, 9.0
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if _w_of_y(mid) < w:
            lo = mid
        else:
            hi = mid
    y = 0.5 * (lo + hi)
    for _ in range(3):
        d = 2.0 / math.sqrt(math.pi) * math.exp(-y * y)
        dw = d / math.erfc(y) - d / (1.0 + math.erf(y))
        if dw <= 0:
            break
        y -= (_w_of_y(y) - w) / dw
    return y


def _erfinv_over_x(w):
    if w < 1e-10:
        return math.sqrt(math.pi) / 2.0
    return _y_of_w(w) / math.sqrt(-math.expm1(-w))


_ERF_BREAKS = (0.0, 1.0, 2.0, 3.0, 4.0, 6.0)
_EINV_W = (0.0, 6.25)                  # in w
_EINV_S = (2.5, 4.0, 6.4)              # in sqrt(w)
_tables: dict = {}


def _table(name):
    t = _tables.get(name)
    if t is None:
        if name == "erf":
            t = [_cheb_fit(_erf_over_x, a, b, 18) for a, b in zip(_ERF_BREAKS, _ERF_BREAKS[1:])]
        elif name == "erfinv_w":
            t = [_cheb_fit(_erfinv_over_x, _EINV_W[0], _EINV_W[1], 22)]
        else:
            t = [_cheb_fit(lambda s: _erfinv_over_x(s * s), a, b, 22)
                 for a, b in zip(_EINV_S, _EINV_S[1:])]
        _tables[name] = t
    return t


# -- vectorised evaluation -------------------------------------------------------------------

def _work_dtype(xp, x):
    """(x as the working float dtype, the dtype to return)."""
    info = getattr(xp, "__array_namespace_info__", None)
    has64 = hasattr(xp, "float64")
    if info is not None:
        try:
            has64 = "float64" in info().dtypes(kind="real floating")
        except Exception:
            pass
    out = x.dtype
    if not xp.isdtype(out, "real floating"):
        out = xp.float32
    work = xp.float64 if has64 else xp.float32
    return xp.astype(x, work), out


def _piecewise(xp, t, breaks, coefs):
    """Evaluate a piecewise Chebyshev series at ``t`` (a 1-D array inside
    [breaks[0], breaks[-1]])."""
    dt = t.dtype
    nint = len(coefs)
    if nint == 1:
        k = None
        a, b = breaks[0], breaks[1]
        c = xp.asarray(coefs, dtype=dt)                       # (1, deg + 1)
        u = (2.0 * t - (a + b)) / (b - a)
        cols = [c[0, j] for j in range(c.shape[1])]
    else:
        inner = xp.asarray(list(breaks[1:-1]), dtype=dt)
        k = xp.searchsorted(inner, t, side="right")
        lo = xp.take(xp.asarray(list(breaks[:-1]), dtype=dt), k)
        hi = xp.take(xp.asarray(list(breaks[1:]), dtype=dt), k)
        u = (2.0 * t - (lo + hi)) / (hi - lo)
        c = xp.take(xp.asarray(coefs, dtype=dt), k, axis=0)   # (n, deg + 1)
        cols = [c[:, j] for j in range(c.shape[1])]
    b1 = xp.zeros_like(t)
    b2 = xp.zeros_like(t)
    two_u = 2.0 * u
    for cj in reversed(cols[1:]):
        b1, b2 = cj + two_u * b1 - b2, b1
    return cols[0] + u * b1 - b2


def _back(xp, y, shape, out):
    """``y`` reshaped and cast to ``out``, values beyond its range becoming ±inf (without
    the overflow a direct cast reports)."""
    y = xp.reshape(y, shape)
    if y.dtype != out:
        big = xp.finfo(out).max
        y = xp.where(y > big, math.inf, xp.where(y < -big, -math.inf, y))
    return xp.astype(y, out)


def _flat(xp, x):
    return xp.reshape(x, (-1,)), tuple(x.shape)


def erf(xp, x):
    """The error function, elementwise."""
    x, out = _work_dtype(xp, x)
    f, shape = _flat(xp, x)
    ax = xp.abs(f)
    t = xp.where(xp.isnan(ax), 0.0, xp.clip(ax, 0.0, 6.0))
    h = _piecewise(xp, t, _ERF_BREAKS, _table("erf"))
    y = xp.where(ax >= 6.0, xp.sign(f), f * h)
    y = xp.where(xp.isnan(f), f, y)
    return _back(xp, y, shape, out)


def erfinv(xp, x):
    """The inverse error function, elementwise (±inf at ±1, NaN outside [-1, 1])."""
    x, out = _work_dtype(xp, x)
    f, shape = _flat(xp, x)
    ax = xp.abs(f)
    inside = ax < 1.0
    safe = xp.where(inside, ax, 0.0)
    w = -xp.log((1.0 - safe) * (1.0 + safe))
    small = w <= _EINV_W[1]
    g1 = _piecewise(xp, xp.where(small, w, 0.0), _EINV_W, _table("erfinv_w"))
    s = xp.clip(xp.sqrt(w), _EINV_S[0], _EINV_S[-1])
    g2 = _piecewise(xp, xp.where(small, _EINV_S[0], s), _EINV_S, _table("erfinv_s"))
    y = f * xp.where(small, g1, g2)
    nan = xp.asarray(math.nan, dtype=f.dtype)
    y = xp.where(ax == 1.0, xp.copysign(xp.full_like(f, math.inf), f), y)
    y = xp.where((ax > 1.0) | xp.isnan(f), nan, y)
    return _back(xp, y, shape, out)


_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
# B_2k / (2k (2k - 1)) for k = 1..8: Stirling's series for lgamma
_STIRLING = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156,
             -3617 / 122400)
# B_2k / (2k) for k = 1..7: the asymptotic series of digamma
_PSI = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12)


def _sinpi_abs(xp, x):
    """|sin(pi x)| with the argument reduced first (exact zeros at integers)."""
    r = x - xp.round(x)
    return xp.abs(xp.sin(math.pi * r))


def _shift_up(xp, x, n):
    """``(small, z, xs)``: ``z = x + n`` where ``x < n`` (``small``), else ``x``, so that the
    asymptotic series converges; ``xs`` is ``x`` where small, else 1 (for the recurrence
    terms that undo the shift)."""
    small = x < float(n)
    return small, xp.where(small, x + float(n), x), xp.where(small, x, 1.0)


def _series_in(xp, inv2, coeffs, like):
    """``sum_k coeffs[k] * inv2**k`` by Horner's rule."""
    series = xp.zeros_like(like)
    for c in reversed(coeffs):
        series = series * inv2 + c
    return series


def _lgamma_pos(xp, x):
    """lgamma for x > 0 (finite)."""
    small, z, xs = _shift_up(xp, x, 8)
    shift = xp.ones_like(x)
    for k in range(8):
        shift = shift * (xs + float(k))
    inv = 1.0 / z
    series = _series_in(xp, inv * inv, _STIRLING, x)
    lg = (z - 0.5) * xp.log(z) - z + _HALF_LOG_2PI + series * inv
    return xp.where(small, lg - xp.log(xp.where(small, shift, 1.0)), lg)


def lgamma(xp, x):
    """log|Gamma(x)|, elementwise (+inf at the poles 0, -1, -2, ...)."""
    x, out = _work_dtype(xp, x)
    f, shape = _flat(xp, x)
    finite = xp.isfinite(f)
    pos = finite & (f > 0.0)
    neg = finite & (f <= 0.0)
    xpos = xp.where(pos, f, xp.where(neg, 1.0 - f, 1.0))
    lp = _lgamma_pos(xp, xpos)
    sp = _sinpi_abs(xp, xp.where(neg, f, 0.5))
    pole = neg & (sp == 0.0)
    refl = math.log(math.pi) - xp.log(xp.where(pole, 1.0, sp)) - lp
    y = xp.where(pos, lp, refl)
    y = xp.where(pole | xp.isinf(f), math.inf, y)
    y = xp.where(xp.isnan(f), f, y)
    return _back(xp, y, shape, out)


def _digamma_pos(xp, x):
    small, z, xs = _shift_up(xp, x, 10)
    acc = xp.zeros_like(x)
    for k in range(10):
        acc = acc + 1.0 / (xs + float(k))
    inv = 1.0 / z
    inv2 = inv * inv
    series = _series_in(xp, inv2, _PSI, x)
    psi = xp.log(z) - 0.5 / z - series * inv2
    return xp.where(small, psi - acc, psi)


def digamma(xp, x):
    """The logarithmic derivative of Gamma, elementwise (-inf at 0, NaN at the negative
    integers and -inf, +inf at +inf)."""
    x, out = _work_dtype(xp, x)
    f, shape = _flat(xp, x)
    finite = xp.isfinite(f)
    pos = finite & (f > 0.0)
    neg = finite & (f <= 0.0)
    xpos = xp.where(pos, f, xp.where(neg, 1.0 - f, 1.0))
    dp = _digamma_pos(xp, xpos)
    fr = xp.where(finite, f, 0.5)
    r = fr - xp.round(fr)
    pole = neg & (r == 0.0)
    t = xp.tan(math.pi * xp.where(neg & ~pole, r, 0.25))
    y = xp.where(pos, dp, dp - math.pi / t)
    nan = xp.asarray(math.nan, dtype=f.dtype)
    y = xp.where(pole, nan, y)
    y = xp.where(f == 0.0, -math.inf, y)
    y = xp.where(f == math.inf, math.inf, y)
    y = xp.where(xp.isnan(f) | (f == -math.inf), nan, y)
    return _back(xp, y, shape, out)
