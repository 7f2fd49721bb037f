"""``assert_close`` (as ``torch.testing.assert_close``) and ``make_tensor``."""

from __future__ import annotations

from .. import _dtype as D

_TOL = {D.float16: (1e-3, 1e-5), D.bfloat16: (1.6e-2, 1e-5), D.float32: (1.3e-6, 1e-5),
        D.float64: (1e-7, 1e-7), D.complex64: (1.3e-6, 1e-5), D.complex128: (1e-7, 1e-7)}


def assert_close(actual, expected, *, rtol=None, atol=None, equal_nan=True, check_dtype=True,
                 check_device=False, msg=None):
    """Raise ``AssertionError`` unless ``actual`` and ``expected`` (tensors, numbers or
    sequences of them) are close: ``|a - e| <= atol + rtol * |e|`` with per-dtype defaults."""
    from .._tensor import Tensor
    if isinstance(actual, (list, tuple)) and isinstance(expected, (list, tuple)):
        if len(actual) != len(expected):
            raise AssertionError(f"length mismatch: {len(actual)} != {len(expected)}")
        for a, e in zip(actual, expected):
            assert_close(a, e, rtol=rtol, atol=atol, equal_nan=equal_nan,
                         check_dtype=check_dtype, msg=msg)
        return
    if not isinstance(actual, Tensor) and not isinstance(expected, Tensor):
        actual = _as(actual)
        expected = _as(expected)
    if not isinstance(actual, Tensor):
        actual = _as(actual, expected)
    if not isinstance(expected, Tensor):
        expected = _as(expected, actual)
    if tuple(actual.shape) != tuple(expected.shape):
        raise AssertionError(msg or f"shape mismatch: {list(actual.shape)} != "
                                    f"{list(expected.shape)}")
    if check_dtype and actual.dtype is not expected.dtype:
        raise AssertionError(msg or f"dtype mismatch: {actual.dtype} != {expected.dtype}")
    if check_device and actual.device != expected.device:
        raise AssertionError(msg or f"device mismatch: {actual.device} != {expected.device}")
    d = actual.dtype
    r0, a0 = _TOL.get(d, (0.0, 0.0))
    rtol = r0 if rtol is None else rtol
    atol = a0 if atol is None else atol
    a = actual.detach().cpu()
    e = expected.detach().cpu().to(a.dtype)
    if not (d.is_floating_point or d.is_complex):
        bad = a != e
    else:
        a64 = a.to(D.complex128 if d.is_complex else D.float64)
        e64 = e.to(a64.dtype)
        diff = (a64 - e64).abs()
        both_nan = a64.isnan() & e64.isnan() if equal_nan else a64.isnan() & False
        same_inf = (a64 == e64)
        bad = ~((diff <= atol + rtol * e64.abs()) | same_inf | both_nan)
    n_bad = int(bad.sum().item())
    if n_bad:
        detail = ""
        if d.is_floating_point or d.is_complex:
            detail = f"; greatest absolute difference {float(diff.max().item()):.3g}"
        raise AssertionError(msg or f"Tensor-likes are not close! Mismatched elements: "
                                    f"{n_bad} / {a.numel()}{detail} (rtol={rtol}, "
                                    f"atol={atol})")


def _as(x, like=None):
    from .._creation import tensor
    if hasattr(x, "detach") and hasattr(x, "numpy") and not hasattr(x, "_storage"):
        x = x.detach().cpu().numpy()  # a torch tensor
    if like is not None:
        return tensor(x, dtype=like.dtype)
    return tensor(x)


def make_tensor(*shape, dtype, device="cpu", low=None, high=None, requires_grad=False,
                noncontiguous=False, seed=None):
    """A tensor of random values of ``shape`` for tests (ints in [low, high), floats uniform
    in [low, high), bools random)."""
    from .. import random as R
    g = R.Generator(device)
    if seed is not None:
        g.manual_seed(seed)
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    if noncontiguous and shape:
        big = shape[:-1] + (shape[-1] * 2,)
        t = make_tensor(*big, dtype=dtype, device=device, low=low, high=high, seed=seed)
        t = t[..., ::2]
    elif dtype is D.bool_:
        t = R.rand(*shape, generator=g, device=device) < 0.5
    elif not (dtype.is_floating_point or dtype.is_complex):
        lo = -9 if low is None else int(low)
        hi = 10 if high is None else int(high)
        if dtype is D.uint8:
            lo = max(lo, 0)
        t = R.randint(lo, hi, shape, generator=g, device=device, dtype=dtype)
    else:
        lo = -9.0 if low is None else low
        hi = 9.0 if high is None else high
        base = D.float64 if dtype in (D.float64, D.complex128) else D.float32
        t = R.rand(*shape, generator=g, device=device, dtype=base) * (hi - lo) + lo
        if dtype.is_complex:
            im = R.rand(*shape, generator=g, device=device, dtype=base) * (hi - lo) + lo
            from .._creation import complex as cplx
            t = cplx(t, im)
        t = t.to(dtype)
    if requires_grad:
        t.requires_grad_(True)
    return t
