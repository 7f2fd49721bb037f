"""Helpers for comparing ember.nn layers/functions with torch.nn (values and gradients)."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import torch

import ember

_E2T = {ember.float32: torch.float32, ember.float64: torch.float64,
        ember.int64: torch.int64, ember.int32: torch.int32, ember.bool: torch.bool,
        ember.float16: torch.float16, ember.uint8: torch.uint8}


def to_torch(x, requires_grad=None):
    if not isinstance(x, ember.Tensor):
        return x
    t = torch.from_numpy(np.array(x.detach().numpy()))
    rg = x.requires_grad if requires_grad is None else requires_grad
    if rg:
        t.requires_grad_(True)
    return t


def to_ember(t, requires_grad=None):
    if not isinstance(t, torch.Tensor):
        return t
    e = ember.tensor(t.detach().numpy().copy())
    rg = t.requires_grad if requires_grad is None else requires_grad
    if rg:
        e.requires_grad_(True)
    return e


def E(t, requires_grad=False):
    """An ember tensor with the values (a copy) of a torch tensor."""
    return ember.tensor(t.detach().numpy().copy(), requires_grad=requires_grad)


def close(a, b, tol=1e-10):
    """``a`` and ``b`` (ember or torch tensors, or arrays) equal within ``tol`` (rel. and abs.)."""
    a, b = (v.detach().numpy() if isinstance(v, (ember.Tensor, torch.Tensor)) else v
            for v in (a, b))
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def np_(x):
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    return x.detach().numpy()


def copy_weights(emod, tmod):
    """Load torch's state_dict into the ember module (via numpy), strict."""
    sd = OrderedDict((k, ember.tensor(v.detach().numpy().copy()))
                     for k, v in tmod.state_dict().items())
    emod.load_state_dict(sd)


def assert_close(a, b, rtol=1e-5, atol=1e-6, what=""):
    a, b = np_(a), np_(b)
    assert a.shape == b.shape, f"{what}: shape {a.shape} != {b.shape}"
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=what)


def _flat(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def compare(efn, tfn, args, rtol=1e-5, atol=1e-6, grad=True, seed=0, emod=None, tmod=None):
    """Run ``efn(*eargs)`` and ``tfn(*targs)`` (ember/torch twins of ``args``: torch tensors
    that are converted), compare outputs, then backward with the same random cotangent and
    compare gradients of every float input that requires grad (and module parameters)."""
    targs = [a.detach().clone().requires_grad_(a.requires_grad) if isinstance(a, torch.Tensor)
             else a for a in args]
    eargs = [to_ember(a) for a in args]
    eout = _flat(efn(*eargs))
    tout = _flat(tfn(*targs))
    assert len(eout) == len(tout)
    for i, (e, t) in enumerate(zip(eout, tout)):
        if isinstance(t, torch.Tensor):
            assert_close(e, t, rtol, atol, f"output {i}")
    if not grad:
        return eout, tout
    rs = np.random.RandomState(seed)
    eloss, tloss = 0, 0
    for e, t in zip(eout, tout):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            dt = np.float64 if t.dtype == torch.float64 else np.float32
            c = np.asarray(rs.randn(*t.shape)).astype(dt)
            eloss = eloss + (e * ember.tensor(c)).sum()
            tloss = tloss + (t * torch.tensor(c)).sum()
    if isinstance(tloss, int):
        return eout, tout
    eloss.backward()
    tloss.backward()
    for i, (e, t) in enumerate(zip(eargs, targs)):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            assert e.grad is not None, f"no grad for input {i}"
            assert_close(e.grad, t.grad, rtol * 10, atol * 10, f"grad of input {i}")
    if emod is not None:
        eparams = dict(emod.named_parameters())
        for name, tp in tmod.named_parameters():
            if tp.grad is None:
                assert eparams[name].grad is None or float(eparams[name].grad.abs().sum()) == 0
                continue
            assert_close(eparams[name].grad, tp.grad, rtol * 10, atol * 10, f"grad of {name}")
    return eout, tout


def compare_module(emod, tmod, *args, rtol=1e-5, atol=1e-6, grad=True):
    """Copy torch's weights into the ember module and compare forward and gradients."""
    copy_weights(emod, tmod)
    return compare(emod, tmod, list(args), rtol, atol, grad, emod=emod, tmod=tmod)


def same_repr(emod, tmod):
    return repr(emod).replace("ember.", "torch.") == repr(tmod)
