"""The NumPy backend's fused ``sgd_step`` kernel rounds each ``add(alpha=)`` once, as
PyTorch's vectorized CPU kernel does, so it gives PyTorch's bits for all but a few elements
(those within an ulp), and stays within an ulp per step of the generic flat path and the
per-parameter path (which give the same bits as each other), for every SGD option."""

import numpy as np
import pytest
import torch

import ember
import ember.optim._multi_tensor as mt

OPTIONS = [
    dict(lr=0.1),
    dict(lr=0.05, momentum=0.9),
    dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.1),
    dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
    dict(lr=0.05, momentum=0.5, maximize=True),
    dict(lr=0.02, weight_decay=0.2, maximize=True),
]

SHAPES = [(70, 70), (3,), (300, 300), (5, 7), (2, 3, 4)]


def _data():
    rng = np.random.default_rng(3)
    init = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    grads = [[rng.standard_normal(s).astype(np.float32) for s in SHAPES] for _ in range(4)]
    return init, grads


def _run(kw, foreach, kernels, transposed=False):
    init, grads = _data()
    mt.USE_KERNELS = kernels
    try:
        ps = [ember.tensor(a, requires_grad=True) for a in init]
        opt = ember.optim.SGD(ps, foreach=foreach, **kw)
        for gs in grads:
            for p, g in zip(ps, gs, strict=True):
                if transposed and g.ndim == 2:
                    # a non-contiguous gradient (a transposed view)
                    p.grad = ember.tensor(np.ascontiguousarray(g.T)).t()
                else:
                    p.grad = ember.tensor(g)
            opt.step()
        return [p.detach().numpy().copy() for p in ps], opt
    finally:
        mt.USE_KERNELS = True


@pytest.mark.parametrize("kw", OPTIONS, ids=[str(k) for k in OPTIONS])
def test_sgd_kernel_paths_agree_and_match_torch(kw):
    kernel, opt = _run(kw, None, True)
    generic, _ = _run(kw, None, False)
    single, _ = _run(kw, False, True)
    strided, _ = _run(kw, None, True, transposed=True)
    for a, b, c, d in zip(kernel, generic, single, strided, strict=True):
        np.testing.assert_array_equal(b, c)
        np.testing.assert_array_equal(a, d)
        # four steps of at most an ulp each
        np.testing.assert_allclose(a, b, rtol=0, atol=4 * np.spacing(np.abs(b).max()))
    if kw.get("momentum"):
        # the state still shows one buffer per parameter (views of the flat buffer)
        bufs = [opt.state[p]["momentum_buffer"] for p in opt.param_groups[0]["params"]]
        assert [tuple(b.shape) for b in bufs] == SHAPES
    init, grads = _data()
    tps = [torch.tensor(a, requires_grad=True) for a in init]
    topt = torch.optim.SGD(tps, **kw)
    for gs in grads:
        for p, g in zip(tps, gs, strict=True):
            p.grad = torch.tensor(g)
        topt.step()
    for a, t in zip(kernel, tps, strict=True):
        np.testing.assert_allclose(a, t.detach().numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kw", OPTIONS, ids=[str(k) for k in OPTIONS])
def test_sgd_kernel_gives_torch_bits(kw, dtype):
    # one step of the kernel itself, from an existing momentum buffer, against the ops of
    # torch's SGD step (its per-parameter path, the default on the cpu)
    from ember._tensor import _backend_for
    be, _ = _backend_for("cpu")
    rng = np.random.default_rng(5)
    ps = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    gs = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    bufs = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    full = dict(momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False)
    full.update(kw)
    lr, mu = full["lr"], full["momentum"]
    tp = [torch.tensor(p) for p in ps]
    tb = [torch.tensor(b) for b in bufs]
    for p, g, b in zip(tp, gs, tb, strict=True):
        g = torch.tensor(g)
        g = -g if full["maximize"] else g
        if full["weight_decay"]:
            g = g.add(p, alpha=full["weight_decay"])
        if mu:
            b.mul_(mu).add_(g, alpha=1 - full["dampening"])
            g = g.add(b, alpha=mu) if full["nesterov"] else b
        p.add_(g, alpha=-lr)
    flat = np.concatenate([b.reshape(-1) for b in bufs]) if mu else None
    # a transposed parameter and a transposed gradient take the copy paths
    ps[0] = np.ascontiguousarray(ps[0].T).T
    gs[2] = np.ascontiguousarray(gs[2].T).T
    assert be.sgd_step(ps, gs, flat, **full) is None
    got = [np.concatenate([a.reshape(-1) for a in ps])]
    want = [np.concatenate([t.reshape(-1).numpy() for t in tp])]
    if mu:
        got.append(flat)
        want.append(np.concatenate([b.reshape(-1).numpy() for b in tb]))
    for a, t in zip(got, want, strict=True):
        # the BLAS and PyTorch round a handful of the 95k elements differently (loop tails
        # that are not fused); the generic ufunc path (two roundings) differs in ~2% of them
        assert np.count_nonzero(a != t) <= 10, np.count_nonzero(a != t)
        # an ulp of the operands (values of order 1; the sum itself may cancel to ~0)
        np.testing.assert_allclose(a, t, rtol=0, atol=4 * np.finfo(dtype).eps)


def test_sgd_kernel_declines_first_momentum_step_and_other_dtypes():
    from ember._tensor import _backend_for
    be, _ = _backend_for("cpu")
    p = [np.ones(3, np.float32)]
    g = [np.ones(3, np.float32)]
    common = dict(lr=0.1, dampening=0, weight_decay=0, nesterov=False, maximize=False)
    assert be.sgd_step(p, g, None, momentum=0.9, **common) is NotImplemented
    assert be.sgd_step([np.ones(3, np.float16)], [np.ones(3, np.float16)], None, momentum=0,
                       **common) is NotImplemented
    assert be.sgd_step(p, g, None, momentum=0, **common) is None
    np.testing.assert_array_equal(p[0], np.full(3, 0.9, np.float32))
