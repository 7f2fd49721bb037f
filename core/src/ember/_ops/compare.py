"""``isclose``, ``allclose``, ``equal``, ``nan_to_num``."""

from __future__ import annotations

from .. import _dtype as D
from .._tensor import Tensor
from ._reg import export
from .core import _check_same_device, _inplace, write_out
from .elementwise import where


@export("isclose")
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise ``|input - other| <= atol + rtol * |other|`` (bool, broadcast shape);
    infinities are close only to themselves; NaNs only with ``equal_nan``."""
    if not isinstance(other, Tensor):
        from .._creation import tensor
        other = tensor(other, dtype=input.dtype, device=input.device)
    _check_same_device("isclose", input, other)
    if input.dtype is not other.dtype:
        raise RuntimeError(f"isclose: {input.dtype} did not match {other.dtype}; convert one "
                           f"of the tensors with .to()")
    if rtol < 0 or atol < 0:
        raise RuntimeError(f"isclose: rtol and atol must be non-negative, got rtol={rtol}, "
                           f"atol={atol}")
    eq = input == other
    if input.dtype is D.bool_ or not (input.dtype.is_floating_point or input.dtype.is_complex):
        if rtol == 0 and atol == 0:
            return eq
        a, b = input.double(), other.double()
    else:
        a, b = input, other
    with_tol = (a - b).abs() <= atol + rtol * b.abs()
    finite = a.isfinite() & b.isfinite()
    out = eq | (with_tol & finite)
    if equal_nan and (a.dtype.is_floating_point or a.dtype.is_complex):
        out = out | (a.isnan() & b.isnan())
    return out


@export("allclose")
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    """True when every element is ``isclose``."""
    return bool(isclose(input, other, rtol, atol, equal_nan).all())


@export("equal")
def equal(input, other) -> bool:
    """True when both tensors have the same shape and the same values."""
    _check_same_device("equal", input, other)
    if tuple(input.shape) != tuple(other.shape):
        return False
    return bool((input == other).all())


@export("nan_to_num")
def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """Replace NaN by ``nan``, +inf by ``posinf`` and -inf by ``neginf`` (defaults: the
    dtype's largest / lowest finite value). Integer tensors are returned unchanged."""
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        r = input.clone()
        return write_out(r, out) if out is not None else r
    if input.dtype.is_complex:
        from .._creation import complex as cplx
        r = cplx(nan_to_num(input.real, nan, posinf, neginf),
                 nan_to_num(input.imag, nan, posinf, neginf))
        return write_out(r, out) if out is not None else r
    big = {D.float16: 65504.0, D.bfloat16: 3.3895313892515355e38,
           D.float32: 3.4028234663852886e38, D.float64: 1.7976931348623157e308}[input.dtype]
    posinf = big if posinf is None else posinf
    neginf = -big if neginf is None else neginf
    r = where(input.isnan(), nan, input)
    r = where(r == float("inf"), posinf, r)
    r = where(r == float("-inf"), neginf, r)
    if r.dtype is not input.dtype:
        r = r.to(input.dtype)
    return write_out(r, out) if out is not None else r


@export("nan_to_num_", function=False)
def nan_to_num_(self, nan=0.0, posinf=None, neginf=None):
    return _inplace(self, lambda s: nan_to_num(s, nan, posinf, neginf))
