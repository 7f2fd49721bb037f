"""Running one op case (NOTE [op cases] in ``ember.testing.opinfo``) on a device and on the
reference, and the checks the suite makes of it. These helpers are public so that the
reproduction a failure prints can call them::

    >>> from ember_conformance.harness import find_case, build
    >>> args, leaves = build(find_case("elementwise/erf"), ember.float32, "strict")

The reference is the same op computed by ember on the ``cpu`` device (NumPy), which ember's
own CI checks against PyTorch.
"""

from __future__ import annotations

import math

import numpy as np

import ember
from ember.testing import all_cases, make_inputs, tolerance
from ember.testing.opinfo import resolve

__all__ = ["find_case", "cases", "build", "run", "default_device", "compare_outputs", "check_value",
           "check_grad", "check_fd", "check_gradgrad", "spec_dtype", "backend_of",
           "CaseSkip"]

_extra_modules: list = []


class CaseSkip(Exception):
    """The case cannot run on this device; the message says why (becomes a skip)."""


def add_case_module(module) -> None:
    """Add the ``CASES`` of ``module`` (an imported module) to the cases the suite runs."""
    _extra_modules.append(module)


def cases():
    """Every case: the shared table plus modules added with ``--ember-cases``."""
    out = list(all_cases())
    for mod in _extra_modules:
        group = mod.__name__.rsplit(".", 1)[-1]
        for c in getattr(mod, "CASES", []):
            if not c.group:
                c.group = group
            out.append(c)
    return out


def find_case(case_id: str):
    """The case with this id (``"<group>/<name>"``)."""
    for c in cases():
        if c.id == case_id:
            return c
    raise KeyError(f"no op case {case_id!r} in ember.testing.all_cases()")


def backend_of(device):
    """(backend object, canonical ember.device) for a device string."""
    from ember._tensor import _backend_for
    return _backend_for(device)


def spec_dtype(spec, dtype):
    """The ember dtype of a ``T`` spec in a case run at ``dtype``."""
    if spec.dtype is not None:
        return spec.dtype
    if spec.kind in ("int64", "index"):
        return ember.int64
    if spec.kind == "bool":
        return ember.bool
    return dtype


def needed_dtypes(case, dtype):
    """Every dtype the case's inputs need at ``dtype``."""
    out = {dtype}
    for a in case.args:
        specs = a if isinstance(a, (list, tuple)) else [a]
        for s in specs:
            if hasattr(s, "kind") and hasattr(s, "noncontig"):
                out.add(spec_dtype(s, dtype))
    return out


def _one(case, dtype, device, arr, spec, leaves, grad):
    if spec is None:
        return arr
    d = spec_dtype(spec, dtype)
    arr = np.asarray(arr)
    if spec.noncontig and arr.ndim:
        t = ember.tensor(np.repeat(arr, 2, axis=-1), dtype=d, device=device)[..., ::2]
    else:
        t = ember.tensor(np.ascontiguousarray(arr).reshape(arr.shape), dtype=d, device=device)
    if grad and case.grad and spec.grad and (d.is_floating_point or d.is_complex):
        t.requires_grad_(True)
        leaves.append(t)
    return t


def build(case, dtype, device, grad=True):
    """``(args, leaves)``: the case's arguments as tensors on ``device`` (the same values on
    every device: host data from ``make_inputs``), and the tensors that require grad."""
    args, leaves = [], []
    for arr, spec in make_inputs(case, dtype):
        if isinstance(spec, list):
            args.append([_one(case, dtype, device, a, s, leaves, grad) for a, s in zip(arr, spec)])
        else:
            args.append(_one(case, dtype, device, arr, spec, leaves, grad))
    return args, leaves


class default_device:
    """Context manager: ``ember.set_default_device(device)`` inside, restored after (so that
    ops without tensor inputs, ``arange``-like, build their results on the device)."""

    def __init__(self, device):
        self.device = device

    def __enter__(self):
        self.saved = ember.get_default_device()
        ember.set_default_device(self.device)
        return self

    def __exit__(self, *exc):
        ember.set_default_device(self.saved)
        return False


def run(case, args, device=None):
    """Call the case's op on ``args`` (with ``device`` as the default device when given) and
    apply its ``post``."""
    if device is not None:
        with default_device(device):
            return run(case, args)
    out = resolve(ember, case.op)(*args, **case.kwargs)
    if case.post is not None:
        out = case.post(out)
    return out


def flat_outputs(out):
    if isinstance(out, (tuple, list)):
        res = []
        for o in out:
            res.extend(flat_outputs(o))
        return res
    return [out]


def _host(t):
    t = t.detach()
    if t.dtype is ember.bfloat16 or t.dtype is ember.float16:
        t = t.float()
    return np.asarray(t.cpu().numpy())


def assert_close(actual, expected, rtol, atol, what):
    """``np.testing.assert_allclose`` whose message starts with one line naming what differs
    and by how much (the line the test summary and the JSON report show)."""
    try:
        np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True)
    except AssertionError as e:
        a = np.asarray(actual, dtype=np.complex128 if np.iscomplexobj(actual) else np.float64)
        b = np.asarray(expected, dtype=a.dtype)
        with np.errstate(all="ignore"):
            diff = np.abs(a - b)
            bad = ~((diff <= atol + rtol * np.abs(b)) | (a == b) | (np.isnan(a) & np.isnan(b)))
        worst = float(np.nanmax(np.where(bad, diff, 0))) if bad.any() else float("nan")
        raise AssertionError(f"{what}: {int(bad.sum())} of {a.size} values differ (largest "
                             f"difference {worst:.3g}; rtol={rtol}, atol={atol})\n{e}") from None


def compare_outputs(got, ref, case, dtype, device, what):
    """Assert ``got`` (outputs on the device) matches ``ref`` (the cpu reference): the same
    structure, every tensor on ``device`` with the reference's shape and dtype, values within
    the case's tolerance for ``dtype``."""
    g, r = flat_outputs(got), flat_outputs(ref)
    if len(g) != len(r):
        raise AssertionError(f"{what}: {len(g)} outputs, the reference has {len(r)}")
    rtol, atol = tolerance(case, dtype)
    _, dev = backend_of(device)
    for i, (a, b) in enumerate(zip(g, r)):
        label = f"{what} {i}" if len(g) > 1 else what
        if isinstance(b, ember.Tensor):
            if not isinstance(a, ember.Tensor):
                raise AssertionError(f"{label}: got {type(a).__name__}, expected a Tensor")
            if a.device != dev:
                raise AssertionError(f"{label}: the result is on {a.device}, expected {dev} "
                                     f"(results must stay on the inputs' device)")
            if tuple(a.shape) != tuple(b.shape):
                raise AssertionError(f"{label}: shape {list(a.shape)}, reference "
                                     f"{list(b.shape)}")
            if a.dtype is not b.dtype:
                raise AssertionError(f"{label}: dtype {a.dtype}, reference {b.dtype}")
            assert_close(_host(a), _host(b), rtol, atol, f"{label} vs the cpu reference")
        elif b is None:
            if a is not None:
                raise AssertionError(f"{label}: got {a!r}, the reference is None")
        else:
            assert_close(np.asarray(a), np.asarray(b), rtol, atol, f"{label} vs the cpu "
                                                                      f"reference")


def _weights(outs, seed=1):
    """Fixed weights for ``sum(w * out)`` (the same values on every device)."""
    rng = np.random.default_rng(seed)
    return [rng.uniform(0.5, 1.5, size=tuple(o.shape)) if isinstance(o, ember.Tensor)
            else None for o in outs]


def _loss(outs, ws):
    total = None
    for o, w in zip(outs, ws):
        if isinstance(o, ember.Tensor) and o.requires_grad and w is not None:
            wt = ember.tensor(w, dtype=o.dtype, device=o.device)
            term = (o * wt).sum()
            if term.dtype.is_complex:
                term = term.real
            total = term if total is None else total + term
    return total


def check_value(case, dtype, device):
    """Forward values on ``device`` against the cpu reference."""
    args, _ = build(case, dtype, device, grad=False)
    got = run(case, args, device)
    ref_args, _ = build(case, dtype, "cpu", grad=False)
    ref = run(case, ref_args, "cpu")
    compare_outputs(got, ref, case, dtype, device, f"{case.id} [{dtype.name}] output")


def _grads(case, dtype, device):
    args, leaves = build(case, dtype, device)
    if not leaves:
        raise CaseSkip("no input requires grad in this case")
    outs = flat_outputs(run(case, args, device))
    loss = _loss(outs, _weights(outs))
    if loss is None:
        raise CaseSkip("no output requires grad in this case")
    return ember.autograd.grad(loss, leaves, allow_unused=True)


def check_grad(case, dtype, device):
    """Gradients of ``sum(w * op(x))`` on ``device`` against the cpu reference's."""
    got = _grads(case, dtype, device)
    ref = _grads(case, dtype, "cpu")
    rtol, atol = tolerance(case, dtype)
    _, dev = backend_of(device)
    for i, (a, b) in enumerate(zip(got, ref)):
        what = f"{case.id} [{dtype.name}] grad of input {i}"
        if b is None or a is None:
            other = a if b is None else b
            if other is not None and bool((other.cpu() != 0).any()):
                raise AssertionError(f"{what}: {'missing' if a is None else 'unexpected'} "
                                     f"gradient (the reference has "
                                     f"{'none' if b is None else 'one'})")
            continue
        if a.device != dev:
            raise AssertionError(f"{what}: the gradient is on {a.device}, expected {dev}")
        if tuple(a.shape) != tuple(b.shape) or a.dtype is not b.dtype:
            raise AssertionError(f"{what}: {list(a.shape)} {a.dtype}, reference "
                                 f"{list(b.shape)} {b.dtype}")
        assert_close(_host(a), _host(b), rtol, atol, what + " vs the cpu reference")


def _diff_fn(case, args, leaves, device):
    """A function of the leaves (in order) returning the case's floating outputs."""
    ids = {id(t): k for k, t in enumerate(leaves)}

    def fn(*xs):
        def sub(a):
            if isinstance(a, list):
                return [sub(b) for b in a]
            k = ids.get(id(a))
            return xs[k] if k is not None else a
        out = run(case, [sub(a) for a in args], device)
        outs = [o for o in flat_outputs(out) if isinstance(o, ember.Tensor)
                and (o.dtype.is_floating_point or o.dtype.is_complex)]
        return tuple(outs)
    return fn


def check_fd(case, device, fast=True):
    """``ember.autograd.gradcheck`` of the case in float64 on ``device`` (central finite
    differences; ``fast``: one random projection ``u^T J v``, else the whole Jacobian)."""
    args, leaves = build(case, ember.float64, device)
    if not leaves:
        raise CaseSkip("no input requires grad in this case")
    fn = _diff_fn(case, args, leaves, device)
    outs = fn(*leaves)
    if not any(o.requires_grad for o in outs):
        raise CaseSkip("the outputs do not depend on the differentiable inputs")
    ember.autograd.gradcheck(fn, tuple(leaves), eps=1e-6, atol=1e-5, rtol=1e-3,
                             fast_mode=fast)


def check_gradgrad(case, device, fast=True):
    """``ember.autograd.gradgradcheck`` of the case in float64 on ``device``."""
    args, leaves = build(case, ember.float64, device)
    if not leaves:
        raise CaseSkip("no input requires grad in this case")
    fn = _diff_fn(case, args, leaves, device)
    ember.autograd.gradgradcheck(fn, tuple(leaves), eps=1e-6, atol=1e-5, rtol=1e-3,
                                 fast_mode=fast)


def literal(value) -> str:
    """Python source for a plain argument (floats that are not finite included)."""
    if isinstance(value, float):
        if math.isnan(value):
            return "float('nan')"
        if math.isinf(value):
            return "float('inf')" if value > 0 else "-float('inf')"
        return repr(value)
    if isinstance(value, (list, tuple)):
        inner = ", ".join(literal(v) for v in value)
        if isinstance(value, tuple):
            return f"({inner},)" if len(value) == 1 else f"({inner})"
        return f"[{inner}]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, ember.dtype):
        return f"ember.{value.name}"
    return repr(value)
