"""In-place random fills: ``uniform_``, ``normal_``, ``bernoulli_``, ``exponential_``,
``random_``, ``geometric_``, ``cauchy_``, ``log_normal_``; and the ``Tensor.bernoulli`` /
``Tensor.multinomial`` methods.

Each fill draws from the generator of the tensor's device (``generator=`` or the device's
default generator, which ``ember.manual_seed`` seeds) through the backend's ``random``
primitive, then writes the values into the tensor's own storage region (views included).

NOTE [random fills and autograd]: a fill replaces the values, so the gradient flowing back to
what the tensor held before is zero. Filling a leaf that requires grad raises (as any in-place
op on such a leaf); fill it under ``ember.no_grad()``, as ``nn.init`` does.
"""

from __future__ import annotations

import math

from .. import _dtype as D
from .._tensor import Tensor, _from_native
from ..autograd.grad_mode import STATE
from ..random import _gen_for
from .core import _inplace, _write, _tname
from ._reg import method, EXPORTS

__all__ = ["uniform_", "normal_", "bernoulli_", "exponential_", "random_", "geometric_",
           "cauchy_", "log_normal_"]


def _draw(self, kind, dtype=None, generator=None, **params):
    """A fresh native array of ``self``'s shape from the backend's generator."""
    st = self._storage
    be, dev = st._be, st.device
    gen = _gen_for(generator, be, dev)
    return be.random(gen, kind, self._shape, dtype or self._dtype, dev.index, **params)


def _fill(self, value):
    """Write ``value`` (a native array of ``self``'s shape, or a Tensor) into ``self``."""
    if isinstance(value, Tensor):
        if value._dtype is not self._dtype:
            value = value.to(self._dtype)
        value = value._data
    if STATE.grad_enabled and self._rg:
        st = self._storage
        v = _from_native(value, st._be, st.device, self._dtype)
        keep_new = _from_native(st._be.full((), True, D.bool_, st.device.index), st._be,
                                st.device, D.bool_)
        # NOTE [random fills and autograd]: zero gradient to the previous contents
        return _inplace(self, lambda s: EXPORTS["where"](keep_new, v, s))
    _write(self, value)
    return self


def _need_float(self, op, what="continuous"):
    if not (self._dtype.is_floating_point or self._dtype.is_complex):
        raise RuntimeError(f"{op} expects a floating point tensor: it samples a {what} "
                           f"distribution, but the tensor is {_tname(self._dtype)}; convert "
                           f"with .float() first")


def _complex_parts(self, kind, generator, **params):
    """For complex tensors: real and imaginary parts drawn independently (PyTorch's rule)."""
    real = self._dtype.to_real()
    st = self._storage
    re = _from_native(_draw(self, kind, real, generator, **params), st._be, st.device, real)
    im = _from_native(_draw(self, kind, real, generator, **params), st._be, st.device, real)
    from .._creation import complex as _complex
    return _complex(re, im)


def uniform_(self, from_=0.0, to=1.0, *, generator=None, **kw):
    """Fill with samples from the uniform distribution on ``[from, to)`` (``from`` may be
    given by name, as in PyTorch: ``x.uniform_(**{"from": -1})``).

    Example: ``ember.empty(3).uniform_(-1, 1)`` has entries in [-1, 1)."""
    from_ = kw.pop("from", from_)
    if kw:
        raise TypeError(f"uniform_() got unexpected keyword arguments {sorted(kw)}")
    if not (self._dtype.is_floating_point or self._dtype.is_complex):
        raise NotImplementedError(f"\"check_uniform_bounds\" not implemented for "
                                  f"'{_tname(self._dtype)}': uniform_ fills floating point "
                                  f"tensors; use random_(from, to) for integers")
    from_, to = float(from_), float(to)
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={_num(from_)} > to={_num(to)}")
    if self._dtype.is_complex:
        return _fill(self, _complex_parts(self, "uniform", generator, low=from_, high=to))
    return _fill(self, _draw(self, "uniform", generator=generator, low=from_, high=to))


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fill with samples from the normal distribution N(mean, std^2). For complex tensors
    both parts get mean ``mean`` and standard deviation ``std / sqrt(2)``.

    Example: ``ember.empty(1000).normal_(2, 0.5).mean()`` is close to 2."""
    _need_float(self, "normal_")
    mean, std = float(mean), float(std)
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_num(std)}")
    if self._dtype.is_complex:
        return _fill(self, _complex_parts(self, "normal", generator, mean=mean,
                                          std=std / math.sqrt(2.0)))
    return _fill(self, _draw(self, "normal", generator=generator, mean=mean, std=std))


def bernoulli_(self, p=0.5, *, generator=None):
    """Fill with 1 (probability ``p``, a number or a tensor broadcast to this shape) or 0;
    any dtype.

    Example: ``ember.empty(4).bernoulli_(0.5)`` holds zeros and ones."""
    if isinstance(p, Tensor):
        if p._storage.device != self._storage.device:
            raise RuntimeError(f"bernoulli_: p is on {p.device} but the tensor is on "
                               f"{self.device}; move p with .to({str(self.device)!r})")
        if p.numel() and (bool((p < 0).any()) or bool((p > 1).any())):
            raise RuntimeError("bernoulli_ expects all elements of p to be in [0, 1]")
        pp = p.detach().expand(self._shape)._data if p._shape != self._shape else \
            p.detach()._data
    else:
        pp = float(p)
        if not 0.0 <= pp <= 1.0:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_num(pp)}")
    return _fill(self, _draw(self, "bernoulli", generator=generator, p=pp))


def exponential_(self, lambd=1.0, *, generator=None):
    """Fill with samples of the exponential distribution with rate ``lambd`` (mean
    ``1 / lambd``). Example: ``ember.empty(3).exponential_(2.0)`` is non-negative."""
    if not self._dtype.is_floating_point:
        raise RuntimeError(f"Exponential distribution is a continuous probability "
                           f"distribution. dtype must be a floating point but you specified "
                           f"{_tname(self._dtype)}")
    lambd = float(lambd)
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_num(lambd)}")
    return _fill(self, _draw(self, "exponential", generator=generator, lambd=lambd))


_INT_MAX = {D.uint8: 255, D.int8: 127, D.int16: 2 ** 15 - 1, D.int32: 2 ** 31 - 1,
            D.int64: 2 ** 63 - 1, D.bool_: 1}
_FLOAT_DIGITS = {D.float16: 11, D.bfloat16: 8, D.float32: 24, D.float64: 53}


def random_(self, from_=0, to=None, *, generator=None, **kw):
    """Fill with integers drawn uniformly from ``[from, to - 1]``; ``random_(to)`` means
    ``[0, to - 1]`` and ``random_()`` the range ``[0, 2**mantissa]`` for floats or
    ``[0, max]`` for integer dtypes.

    Example: ``ember.empty(5, dtype=ember.int64).random_(0, 10)`` lies in 0..9."""
    from_ = kw.pop("from", from_)
    if kw:
        raise TypeError(f"random_() got unexpected keyword arguments {sorted(kw)}")
    d = self._dtype
    if d.is_complex:
        raise RuntimeError(f"random_ is not implemented for {_tname(d)}")
    if to is None and from_ == 0:
        lo = 0
        hi = (2 ** _FLOAT_DIGITS[d] if d.is_floating_point else _INT_MAX[d]) + 1
    else:
        if to is None:
            lo, hi = 0, int(from_)
        else:
            lo, hi = int(from_), int(to)
        if lo >= hi:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                               f"from={lo} >= to={hi}")
        if not d.is_floating_point and d in _INT_MAX:
            top = _INT_MAX[d] + 1
            bottom = -top if d.is_signed else 0
            if d is D.bool_:
                bottom = 0
            if lo < bottom or hi > top:
                raise RuntimeError(f"random_ expects 'from' and 'to' to be within the range of "
                                   f"{_tname(d)} [{bottom}, {top - 1}] but got from={lo}, "
                                   f"to={hi}")
    arr = _draw(self, "randint", D.int64, generator, low=lo, high=hi)
    st = self._storage
    vals = _from_native(arr, st._be, st.device, D.int64)
    return _fill(self, vals)


def geometric_(self, p, *, generator=None):
    """Fill with samples of the geometric distribution on {1, 2, ...}: the number of
    Bernoulli(``p``) trials up to the first success.

    Example: ``ember.empty(3).geometric_(0.5)`` holds integers >= 1."""
    p = float(p)
    if not 0.0 < p < 1.0:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={_num(p)}")
    u = _uniform64(self, generator)
    # inverse CDF: ceil(log(1 - u) / log(1 - p)), with 1 - u in (0, 1]
    k = ((1.0 - u).log() / math.log1p(-p)).ceil().clamp(min=1.0)
    return _fill(self, k)


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Fill with samples of the Cauchy distribution ``median + sigma * tan(pi (u - 1/2))``.
    Example: ``ember.empty(3).cauchy_()``."""
    _need_float(self, "cauchy_")
    sigma = float(sigma)
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={_num(sigma)}")
    u = _uniform64(self, generator)
    return _fill(self, (math.pi * (u - 0.5)).tan() * sigma + float(median))


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """Fill with ``exp(N(mean, std^2))`` samples (the underlying normal has mean ``mean`` and
    standard deviation ``std``). Example: ``ember.empty(3).log_normal_()`` is positive."""
    _need_float(self, "log_normal_")
    std = float(std)
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={_num(std)}")
    st = self._storage
    z = _from_native(_draw(self, "normal", D.float64, generator, mean=float(mean), std=std),
                     st._be, st.device, D.float64)
    return _fill(self, z.exp())


def _uniform64(self, generator):
    st = self._storage
    return _from_native(_draw(self, "uniform", D.float64, generator, low=0.0, high=1.0),
                        st._be, st.device, D.float64)


def _num(v):
    return int(v) if float(v).is_integer() else v


def _bernoulli(self, p=None, *, generator=None):
    """0/1 samples with probability ``self`` (or the number ``p``), same shape and dtype."""
    from ..random import bernoulli
    if p is not None:
        return self.new_empty(self._shape).bernoulli_(p, generator=generator)
    return bernoulli(self, generator=generator)


def _multinomial(self, num_samples, replacement=False, *, generator=None):
    """Indices sampled from the rows of ``self`` (non-negative weights)."""
    from ..random import multinomial
    return multinomial(self, num_samples, replacement, generator=generator)


for _name, _fn in (("uniform_", uniform_), ("normal_", normal_), ("bernoulli_", bernoulli_),
                   ("exponential_", exponential_), ("random_", random_),
                   ("geometric_", geometric_), ("cauchy_", cauchy_),
                   ("log_normal_", log_normal_), ("bernoulli", _bernoulli),
                   ("multinomial", _multinomial)):
    method(_name, _fn)
