"""Further PyTorch ops composed from the core set: ``ravel``, ``diff``, ``erfc``,
``logaddexp``, ``deg2rad``, ``sinc``, ``heaviside``, ``cov``, ``corrcoef``, ``dist``,
``logcumsumexp``, ``Tensor.unfold``, ``gcd``/``lcm``, ``ldexp``, ``adjoint``, ``renorm``, ...
Each is written in ember ops, so autograd (to any order) follows without a Function."""

from __future__ import annotations

import math

from .. import _dtype as D
from .._tensor import Tensor, _wrap_dim
from ._reg import export
from .core import _inplace


def _float(x):
    return x if (x.dtype.is_floating_point or x.dtype.is_complex) else x.to(
        D.get_default_dtype())


@export("ravel")
def ravel(input):
    """``input`` flattened to 1-D (a view when possible)."""
    return input.reshape(-1)


@export("diff")
def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The ``n``-th forward difference along ``dim``, with optional ``prepend``/``append``.

    Shape: ``dim`` shrinks by ``n`` (after adding the prepended/appended entries)."""
    from .shape import cat
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    dim = _wrap_dim(dim, input.dim(), "diff")
    x = input
    parts = [p for p in (prepend, x, append) if p is not None]
    if len(parts) > 1:
        parts = [p if isinstance(p, Tensor) else x.new_full(
            x.shape[:dim] + (1,) + x.shape[dim + 1:], p) for p in parts]
        x = cat(parts, dim)
    for _ in range(n):
        size = x.shape[dim]
        if size == 0:
            break
        a = x.narrow(dim, 1, size - 1)
        b = x.narrow(dim, 0, size - 1)
        x = (a ^ b) if x.dtype is D.bool_ else a - b
    return x


@export("erfc")
def erfc(input):
    """``1 - erf(input)``."""
    return 1 - _float(input).erf()


@export("logaddexp")
def logaddexp(input, other):
    """``log(exp(input) + exp(other))``, computed stably."""
    m = input.maximum(other) if isinstance(other, Tensor) else input.clamp(min=other)
    m = m.detach()
    m = m.masked_fill(~m.isfinite(), 0.0)
    return m + ((input - m).exp() + (other - m).exp()).log()


@export("logaddexp2")
def logaddexp2(input, other):
    """``log2(2**input + 2**other)``, computed stably."""
    return logaddexp(input * math.log(2), other * math.log(2)) / math.log(2)


@export("deg2rad")
def deg2rad(input):
    return _float(input) * (math.pi / 180.0)


@export("rad2deg")
def rad2deg(input):
    return _float(input) * (180.0 / math.pi)


@export("isposinf")
def isposinf(input):
    """True where ``input`` is +inf."""
    return input == float("inf") if input.dtype.is_floating_point else input != input


@export("isneginf")
def isneginf(input):
    """True where ``input`` is -inf."""
    return input == float("-inf") if input.dtype.is_floating_point else input != input


@export("isreal")
def isreal(input):
    """True where the imaginary part is zero (every element of a real tensor)."""
    if not input.dtype.is_complex:
        return input == input if input.dtype.is_floating_point else (input == input) | True
    return input.imag == 0


@export("sinc")
def sinc(input):
    """``sin(pi x) / (pi x)``, 1 at 0."""
    x = _float(input)
    px = x * math.pi
    safe = px.masked_fill(x == 0, 1.0)
    return (safe.sin() / safe).masked_fill(x == 0, 1.0)


@export("heaviside")
def heaviside(input, values):
    """0 where ``input < 0``, ``values`` where ``input == 0``, 1 where ``input > 0``."""
    from .elementwise import where
    if input.dtype is not values.dtype:
        raise RuntimeError(f"heaviside is not yet implemented for tensors with different "
                           f"dtypes ({input.dtype} and {values.dtype})")
    return where(input == 0, values, (input > 0).to(input.dtype))


@export("cov")
def cov(input, *, correction=1, fweights=None, aweights=None):
    """Covariance of the rows (variables) of ``input`` (variables × observations).

    Shape: (V, N) -> (V, V); a 1-D input is one variable -> a 0-d result."""
    x = _float(input)
    if x.dim() > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {x.dim()} dimensions")
    if x.dim() < 2:
        x = x.reshape(1, -1)
    n = x.shape[1]
    w = None
    if fweights is not None:
        w = fweights.to(x.dtype)
    if aweights is not None:
        w = aweights.to(x.dtype) if w is None else w * aweights.to(x.dtype)
    if w is None:
        avg = x.mean(1, keepdim=True)
        norm = n - correction
    else:
        ws = w.sum()
        avg = (x * w).sum(1, keepdim=True) / ws
        if aweights is None or correction == 0:
            norm = ws - correction
        else:
            norm = ws - correction * (w * aweights.to(x.dtype)).sum() / ws
    xc = x - avg
    xw = xc * w if w is not None else xc
    c = xw @ xc.mT.conj()
    # a non-positive normaliser gives inf/nan, as PyTorch does (it also warns)
    norm = norm.clamp(min=0) if isinstance(norm, Tensor) else max(norm, 0)
    c = c / norm
    return c.squeeze() if input.dim() < 2 else c


@export("corrcoef")
def corrcoef(input):
    """Pearson correlation coefficients of the rows of ``input``: (V, N) -> (V, V)."""
    c = cov(input)
    if c.dim() == 0:
        return c / c
    d = c.diagonal()
    s = d.sqrt()
    r = c / s.unsqueeze(1) / s.unsqueeze(0)
    return r.clamp(-1, 1) if not r.dtype.is_complex else r


@export("dist")
def dist(input, other, p=2):
    """``norm(input - other, p)`` (broadcasting)."""
    return (input - other).norm(p)


@export("logcumsumexp")
def logcumsumexp(input, dim):
    """``log(cumsum(exp(input), dim))``, computed stably (shape of ``input``)."""
    dim = _wrap_dim(dim, input.dim(), "logcumsumexp")
    if input.numel() == 0:
        return input.clone()
    m = input.amax(dim, keepdim=True).detach()
    m = m.masked_fill(~m.isfinite(), 0.0)
    return (input - m).exp().cumsum(dim).log() + m


@export("unfold", function=False)
def unfold(self, dimension, size, step):
    """All slices of length ``size`` along ``dimension`` taken every ``step``, as a view with
    a new last dimension of length ``size``.

    Shape: dimension d of length L -> (L - size) // step + 1, plus a trailing ``size``."""
    n = self.dim()
    d = _wrap_dim(dimension, max(n, 1), "unfold")
    length = self.shape[d] if n else 1
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {length} but size is "
                           f"{size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    st = self.stride() if n else (1,)
    count = (length - size) // step + 1
    shape = list(self.shape) if n else [1]
    strides = list(st)
    shape[d] = count
    strides[d] = st[d] * step
    out = self.as_strided(tuple(shape) + (size,), tuple(strides) + (st[d],),
                          self.storage_offset())
    return out if n else out.squeeze(0)


def _gcd_loop(a, b):
    """Euclid's algorithm on whole tensors: one vectorized step per iteration (at most
    O(log max) iterations), finished elements stay fixed."""
    from .elementwise import where
    a, b = a.abs(), b.abs()
    while bool((b != 0).any()):
        nz = b != 0
        r = a.remainder(where(nz, b, 1))
        a = where(nz, b, a)
        b = where(nz, r, 0)
    return a


@export("gcd")
def gcd(input, other):
    """Elementwise greatest common divisor of integer tensors (non-negative)."""
    if input.dtype.is_floating_point or input.dtype.is_complex:
        raise RuntimeError(f"\"gcd_cpu\" not implemented for '{input.dtype.name}': gcd needs "
                           f"integer tensors")
    from .core import broadcast_shapes
    shape = broadcast_shapes(input.shape, other.shape)
    return _gcd_loop(input.expand(shape).clone(), other.expand(shape).clone())


@export("lcm")
def lcm(input, other):
    """Elementwise least common multiple of integer tensors (non-negative)."""
    g = gcd(input, other)
    safe = g.masked_fill(g == 0, 1)
    return (input // safe * other).abs().masked_fill(g == 0, 0)


@export("ldexp")
def ldexp(input, other):
    """``input * 2**other``."""
    return _float(input) * (2.0 ** other.to(D.float64) if isinstance(other, Tensor)
                            else 2.0 ** other)


@export("adjoint")
def adjoint(input):
    """Conjugate transpose of the last two dimensions (a view for real tensors)."""
    return input.mH


@export("renorm")
def renorm(input, p, dim, maxnorm):
    """Each sub-tensor along ``dim`` whose ``p``-norm exceeds ``maxnorm`` is scaled down to
    norm ``maxnorm``."""
    dim = _wrap_dim(dim, input.dim(), "renorm")
    others = tuple(i for i in range(input.dim()) if i != dim)
    norms = input.abs().pow(p).sum(others, keepdim=True).pow(1.0 / p) if others else \
        input.abs()
    factor = (maxnorm / (norms + 1e-7)).clamp(max=1.0).masked_fill(norms <= maxnorm, 1.0)
    return input * factor


for _n in ("erfc", "logaddexp", "deg2rad", "rad2deg", "sinc", "ldexp", "gcd", "lcm", "renorm"):
    def _mk(name):
        fn = globals()[name]

        def op_(self, *args, **kw):
            return _inplace(self, lambda s: fn(s, *args, **kw),
                            *[a for a in args if isinstance(a, Tensor)])
        op_.__name__ = name + "_"
        return op_
    export(_n + "_", function=False)(_mk(_n))


@export("__contains__", function=False)
def __contains__(self, element):
    """``element in tensor``: True when some element equals it."""
    if isinstance(element, (Tensor, int, float, bool, complex)):
        return bool((self == element).any())
    raise RuntimeError(f"Tensor.__contains__ only supports Tensor or scalar, but you passed "
                       f"in a {type(element).__name__}.")
