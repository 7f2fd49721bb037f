"""Runs the declarative op case table (NOTE [op cases]) against PyTorch on cpu: values,
dtypes, gradients, and gradients against central finite differences (float64)."""

import numpy as np
import pytest

import ember
from ember.testing import all_cases, make_inputs, tolerance
from ember.testing.opinfo import resolve

torch = pytest.importorskip("torch")

CASES = [(c, d) for c in all_cases() for d in c.dtypes]


def _tdtype(d):
    return getattr(torch, d.name)


def _build(case, dtype, lib):
    args = []
    grads = []
    for arr, spec in make_inputs(case, dtype):
        if isinstance(spec, list):      # a sequence argument holding tensors (cat, stack)
            args.append([_one(case, dtype, lib, a, s, grads) for a, s in zip(arr, spec)])
        else:
            args.append(_one(case, dtype, lib, arr, spec, grads))
    return args, grads


def _one(case, dtype, lib, arr, spec, grads):
    if spec is None:
        return arr
    d = spec.dtype or (ember.int64 if spec.kind in ("int64", "index") else
                       ember.bool if spec.kind == "bool" else dtype)
    differentiable = (case.grad and spec.grad and (d.is_floating_point or d.is_complex))
    if lib == "ember":
        # reshape: ascontiguousarray turns a 0-d array into a 1-element 1-D one
        base = np.ascontiguousarray(arr).reshape(arr.shape) if not spec.noncontig else arr
        if spec.noncontig:
            full = np.repeat(arr, 2, axis=-1) if arr.ndim else arr
            t = ember.tensor(full, dtype=d)[..., ::2] if arr.ndim else ember.tensor(arr, dtype=d)
            assert arr.ndim == 0 or not t.is_contiguous()
        else:
            t = ember.tensor(base, dtype=d)
    else:
        if spec.noncontig and arr.ndim:
            full = np.repeat(arr, 2, axis=-1)
            t = torch.tensor(full, dtype=_tdtype(d))[..., ::2]
        else:
            t = torch.tensor(np.ascontiguousarray(arr).reshape(arr.shape), dtype=_tdtype(d))
    if differentiable:
        t.requires_grad_(True)
        grads.append(t)
    return t


def _flat_out(out):
    if isinstance(out, (tuple, list)):
        res = []
        for o in out:
            res.extend(_flat_out(o))
        return res
    return [out]


def _np(x):
    if isinstance(x, ember.Tensor):
        x = x.detach()
        if x.dtype is ember.bfloat16:
            x = x.float()
        return np.asarray(x.numpy())
    if isinstance(x, torch.Tensor):
        x = x.detach()
        if x.dtype == torch.bfloat16:
            x = x.float()
        return x.resolve_conj().resolve_neg().numpy()   # lazy conj/neg views (torch.fft)
    return np.asarray(x)


def _compare(e, t, case, dtype, what):
    rtol, atol = tolerance(case, dtype)
    if isinstance(e, ember.Tensor):
        assert isinstance(t, torch.Tensor), what
        assert tuple(e.shape) == tuple(t.shape), f"{what}: shape {tuple(e.shape)} vs {tuple(t.shape)}"
        assert e.dtype.name == str(t.dtype).split(".")[1], f"{what}: dtype {e.dtype} vs {t.dtype}"
    np.testing.assert_allclose(_np(e), _np(t), rtol=rtol, atol=atol, equal_nan=True,
                               err_msg=what)


@pytest.mark.parametrize("case,dtype", CASES, ids=[f"{c.id}-{d.name}" for c, d in CASES])
def test_case_vs_torch(case, dtype):
    e_args, e_leaves = _build(case, dtype, "ember")
    t_args, t_leaves = _build(case, dtype, "torch")
    e_out = resolve(ember, case.op)(*e_args, **case.kwargs)
    t_out = resolve(torch, case.torch_op or case.op)(*t_args, **case.kwargs)
    if case.post is not None:
        e_out, t_out = case.post(e_out), case.post(t_out)
    e_flat, t_flat = _flat_out(e_out), _flat_out(t_out)
    assert len(e_flat) == len(t_flat)
    for i, (a, b) in enumerate(zip(e_flat, t_flat)):
        _compare(a, b, case, dtype, f"{case.id} output {i}")
    if not e_leaves:
        return
    rng = np.random.default_rng(1)
    e_sum = None
    t_sum = None
    for a, b in zip(e_flat, t_flat):
        if isinstance(a, ember.Tensor) and a.requires_grad:
            w = rng.uniform(0.5, 1.5, size=tuple(a.shape))
            ew = ember.tensor(w, dtype=a.dtype)
            tw = torch.tensor(w, dtype=b.dtype)
            e_sum = (a * ew).sum() if e_sum is None else e_sum + (a * ew).sum()
            t_sum = (b * tw).sum() if t_sum is None else t_sum + (b * tw).sum()
    if e_sum is None:
        return
    e_g = ember.autograd.grad(e_sum, e_leaves, allow_unused=True)
    t_g = torch.autograd.grad(t_sum, t_leaves, allow_unused=True)
    for i, (a, b) in enumerate(zip(e_g, t_g)):
        if b is None:
            assert a is None or not bool((a != 0).any()), f"{case.id}: grad {i} should be None/0"
            continue
        assert a is not None, f"{case.id}: grad {i} missing"
        _compare(a, b, case, dtype, f"{case.id} grad {i}")


FD_CASES = [c for c in all_cases() if c.grad and not c.skip_fd and ember.float64 in c.dtypes]


@pytest.mark.parametrize("case", FD_CASES, ids=[c.id for c in FD_CASES])
def test_case_finite_differences(case):
    """Gradient of sum(w * op(x)) against central differences, in float64."""
    args, leaves = _build(case, ember.float64, "ember")
    if not leaves:
        pytest.skip("no differentiable input")
    fn = resolve(ember, case.op)

    def scalar(*xs):
        it = iter(xs)

        def sub(a):
            if isinstance(a, list):
                return [sub(b) for b in a]
            return next(it) if (isinstance(a, ember.Tensor) and a.requires_grad) else a
        call = [sub(a) for a in args]
        out = fn(*call, **case.kwargs)
        if case.post is not None:
            out = case.post(out)
        flat = [o for o in _flat_out(out) if isinstance(o, ember.Tensor)
                and o.dtype.is_floating_point]
        total = 0.0
        rng = np.random.default_rng(2)
        for o in flat:
            w = ember.tensor(rng.uniform(0.5, 1.5, size=tuple(o.shape)), dtype=o.dtype)
            total = total + (o * w).sum()
        return total

    out = scalar(*leaves)
    if not isinstance(out, ember.Tensor) or not out.requires_grad:
        pytest.skip("output does not depend on the inputs")
    analytic = ember.autograd.grad(out, leaves, allow_unused=True)
    eps = 1e-6
    for k, x in enumerate(leaves):
        base = x.detach().numpy().copy()
        num = np.zeros(base.size)
        for i in range(base.size):
            vals = []
            for sgn in (1, -1):
                pert = base.copy().reshape(-1)
                pert[i] += sgn * eps
                xs = [ember.tensor(pert.reshape(base.shape)) if j == k else leaves[j].detach()
                      for j in range(len(leaves))]
                with ember.no_grad():
                    vals.append(float(scalar(*xs)))
            num[i] = (vals[0] - vals[1]) / (2 * eps)
        a = analytic[k]
        got = np.zeros(base.size) if a is None else a.detach().numpy().reshape(-1)
        np.testing.assert_allclose(got, num, rtol=1e-5, atol=1e-6,
                                   err_msg=f"{case.id}: d/d input {k}")
