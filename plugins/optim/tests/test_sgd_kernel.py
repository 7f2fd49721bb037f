"""The NumPy backend's fused ``sgd_step`` kernel gives the same bits as the generic flat path
and the per-parameter path, for every SGD option, and matches torch."""

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
def test_sgd_kernel_bit_identical_and_matches_torch(kw):
    kernel, opt = _run(kw, None, True)
    generic, _ = _run(kw, None, False)
    single, _ = _run(kw, False, True)
    strided, _ = _run(kw, None, True, transposed=True)
    for a, b, c, d in zip(kernel, generic, single, strided, strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(a, d)
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
