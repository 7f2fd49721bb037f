"""The cuda device. Without a GPU (CI) only the unavailable path is checked and every GPU test
is skipped with the reason; with a GPU the device is checked against the cpu device. The
conformance suite on cuda is run by ``bash dev test`` (and backends/cupy/gpu-check.sh) when a
GPU is present, not from here."""

import numpy as np
import pytest

import ember

HAVE_GPU = ember.cuda.is_available()
REASON = "CUDA not available: " + (ember.cuda.unavailable_reason() or "?")
gpu = pytest.mark.skipif(not HAVE_GPU, reason=REASON)


def test_plugin_registered_and_reports_cause():
    names = {p["name"]: p for p in ember.plugins()}
    assert names["device.cuda"]["distribution"] == "ember-cupy"
    if HAVE_GPU:
        assert ember.cuda.device_count() >= 1
        return
    assert ember.cuda.device_count() == 0
    reason = ember.cuda.unavailable_reason()
    assert reason
    with pytest.raises(RuntimeError, match="not available"):
        ember.ones(2, device="cuda")
    with pytest.raises(RuntimeError, match="not available"):
        ember.ones(2).cuda()


@gpu
def test_round_trip_and_ops_match_cpu():
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    c = ember.tensor(x)
    g = c.cuda()
    assert g.device.type == "cuda" and g.device.index == 0
    for f in (lambda t: t * 2 + 1, lambda t: t.exp().sum(1), lambda t: t @ t.t(),
              lambda t: t.t()[1:, ::2].contiguous(), lambda t: t.sigmoid().mean()):
        np.testing.assert_allclose(f(g).cpu().numpy(), f(c).numpy(), rtol=1e-5, atol=1e-6)


@gpu
def test_autograd_on_gpu():
    w = ember.randn(4, 3, device="cuda", requires_grad=True)
    x = ember.randn(2, 4, device="cuda")
    (x @ w).relu().sum().backward()
    assert w.grad.device.type == "cuda"
    wc = w.detach().cpu().requires_grad_()
    (x.cpu() @ wc).relu().sum().backward()
    np.testing.assert_allclose(w.grad.cpu().numpy(), wc.grad.numpy(), rtol=1e-5, atol=1e-6)


@gpu
def test_views_alias_device_memory():
    g = ember.zeros(3, 4, device="cuda")
    v = g[1:, ::2]
    v += 1
    assert g.cpu().tolist()[1] == [1, 0, 1, 0]


@gpu
def test_rng_state_round_trip_and_seed():
    ember.cuda.manual_seed(5)
    a = ember.rand(4, device="cuda")
    ember.cuda.manual_seed(5)
    assert ember.rand(4, device="cuda").cpu().tolist() == a.cpu().tolist()
    gen = ember.default_generator("cuda")
    st = gen.get_state()
    b = ember.randn(3, device="cuda")
    gen.set_state(st)
    assert ember.randn(3, device="cuda").cpu().tolist() == b.cpu().tolist()


@gpu
def test_memory_stats_and_device_mixing():
    before = ember.cuda.memory_allocated()
    t = ember.empty(1 << 20, device="cuda")
    assert ember.cuda.memory_allocated() >= before
    assert ember.cuda.max_memory_allocated() >= ember.cuda.memory_allocated()
    with pytest.raises(RuntimeError, match="cuda:0 and cpu|cpu and cuda:0"):
        t[:3] + ember.ones(3)
    ember.cuda.synchronize()
    assert isinstance(ember.cuda.get_device_name(), str)


@gpu
def test_fused_adam_matches_generic_path_bitwise():
    def run(foreach):
        ember.manual_seed(0)
        ps = [ember.randn(5, 7, device="cuda", requires_grad=True) for _ in range(4)]
        opt = ember.optim.Adam(ps, lr=1e-2, weight_decay=0.1, foreach=foreach)
        for _ in range(5):
            for p in ps:
                p.grad = p.detach() * 0.5 + 1
            opt.step()
        return [p.detach().cpu().tolist() for p in ps]
    assert run(True) == run(False)


@gpu
@pytest.mark.parametrize("kw", [dict(momentum=0.9), dict(momentum=0.9, nesterov=True),
                                dict(momentum=0.8, dampening=0.3, weight_decay=0.01),
                                dict(weight_decay=0.1, maximize=True), dict()])
def test_fused_sgd_matches_per_parameter_path_bitwise(kw):
    def run(foreach):
        ember.manual_seed(0)
        ps = [ember.randn(5, 7, device="cuda", requires_grad=True) for _ in range(3)]
        ps.append(ember.randn(7, 5, device="cuda").t().requires_grad_())   # strided
        opt = ember.optim.SGD(ps, lr=0.05, foreach=foreach, **kw)
        for _ in range(4):
            for p in ps:
                p.grad = p.detach() * 0.25 - 1
            opt.step()
        return [p.detach().cpu().tolist() for p in ps]
    assert run(True) == run(False)


@gpu
@pytest.mark.parametrize("dt", ["float32", "float64"])
def test_fused_cross_entropy_matches_cpu(dt):
    F = ember.nn.functional
    rng = np.random.default_rng(1)
    x = rng.standard_normal((33, 10)).astype(dt) * 3
    t = rng.integers(0, 10, 33)
    be = ember.empty(0, device="cuda")._storage._be
    assert callable(be.cross_entropy_mean)
    res = []
    for dev in ("cpu", "cuda"):
        xe = ember.tensor(x, device=dev, requires_grad=True)
        loss = F.cross_entropy(xe, ember.tensor(t, device=dev))
        loss.backward()
        res.append((loss.item(), xe.grad.cpu().numpy()))
    tol = 1e-5 if dt == "float32" else 1e-12
    assert res[0][0] == pytest.approx(res[1][0], rel=tol)
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=tol, atol=tol)
    bad = ember.tensor(t.clip(0, 9), device="cuda")
    bad[3] = 10
    with pytest.raises(IndexError, match="out of bounds|out of range"):
        F.cross_entropy(ember.tensor(x, device="cuda"), bad)
    # the kernel itself: many classes (a block loops over the row), one class, NaN logits
    cp = be.cp
    for shape in ((5, 1000), (4, 1), (3, 7)):
        xh = rng.standard_normal(shape).astype(dt)
        th = rng.integers(0, shape[1], shape[0])
        if shape == (3, 7):
            xh[1, 2] = np.nan
        loss, probs = be.cross_entropy_mean(cp.asarray(xh), cp.asarray(th))
        z = xh - xh.max(1, keepdims=True)
        ref_p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
        ref = np.mean(np.log(np.exp(z).sum(1)) - z[np.arange(shape[0]), th])
        np.testing.assert_allclose(probs.get(), ref_p, rtol=tol, atol=tol)
        np.testing.assert_allclose(float(loss.get()), ref, rtol=tol, atol=tol)
    # its backward kernel gives the generic backward's bits
    xe = ember.tensor(x, device="cuda", requires_grad=True)
    te = ember.tensor(t, device="cuda")
    F.cross_entropy(xe, te).backward()
    kernel = type(be).cross_entropy_mean_backward
    try:
        del type(be).cross_entropy_mean_backward
        xg = ember.tensor(x, device="cuda", requires_grad=True)
        F.cross_entropy(xg, te).backward()
    finally:
        type(be).cross_entropy_mean_backward = kernel
    assert xe.grad.cpu().numpy().tobytes() == xg.grad.cpu().numpy().tobytes()


@gpu
def test_column_sum_kernel_adds_rows_in_order():
    rng = np.random.default_rng(2)
    be = ember.empty(0, device="cuda")._storage._be
    for dt in (np.float32, np.float64):
        h = rng.standard_normal((128, 300)).astype(dt)
        got = be.sum(be.cp.asarray(h), (0,), False).get()
        assert got.dtype == dt and got.tobytes() == np.sum(h, 0).tobytes()
    lin = ember.nn.Linear(6, 40).cuda()
    x = ember.randn(17, 6, device="cuda")
    lin(x).square().sum().backward()
    lc = ember.nn.Linear(6, 40)
    lc.load_state_dict({k: v.cpu() for k, v in lin.state_dict().items()})
    lc(x.cpu()).square().sum().backward()
    np.testing.assert_allclose(lin.bias.grad.cpu().numpy(), lc.bias.grad.numpy(), rtol=1e-5,
                               atol=1e-5)


@gpu
def test_in_place_kernels_and_gradient_ownership():
    a = ember.arange(8.0, device="cuda")
    c = ember.arange(8.0)
    a[1:].add_(a[:-1])                  # overlapping operands: read before written
    c[1:].add_(c[:-1])
    assert a.cpu().tolist() == c.tolist()
    be = a._storage._be
    fresh = be.empty((4,), ember.float32)
    assert be.owns_memory(fresh)
    v = be.view(fresh, (2,), (2,), 1)
    assert not be.owns_memory(fresh)
    del v
    assert be.owns_memory(fresh)
    assert not be.owns_memory(fresh.reshape(2, 2))
    # the first gradient of a leaf is not shared with anything else
    w = ember.ones(3, device="cuda", requires_grad=True)
    y = w * 2
    (y * 1).sum().backward()
    g0 = w.grad
    (y.detach() + w).sum().backward()
    assert g0 is w.grad and w.grad.cpu().tolist() == [3.0, 3.0, 3.0]


@gpu
def test_scatter_reduce_setitem_and_matmul_match_cpu():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 4))
    idx = rng.integers(0, 3, (6, 4))
    src = rng.standard_normal((6, 4))
    for red in ("prod", "amax", "amin", "sum", "mean"):
        for incl in (True, False):
            outs = [ember.tensor(x, device=d).scatter_reduce(
                0, ember.tensor(idx, device=d), ember.tensor(src, device=d), red,
                include_self=incl).cpu().numpy() for d in ("cpu", "cuda")]
            np.testing.assert_allclose(outs[1], outs[0], rtol=1e-12, err_msg=red)
    g = ember.zeros(5, 6, device="cuda")
    g[1:4, ::2] += ember.ones(3, 3, device="cuda")
    assert g.sum().item() == 9.0 and g[1, 0].item() == 1.0 and g[1, 1].item() == 0.0
    a = rng.standard_normal((7, 5)).astype(np.float32)
    b = rng.standard_normal((7, 3)).astype(np.float32)
    ga, gb = ember.tensor(a, device="cuda"), ember.tensor(b, device="cuda")
    np.testing.assert_allclose((ga.t() @ gb).cpu().numpy(), a.T @ b, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("reduce,ufunc", [("prod", np.multiply), ("amax", np.maximum),
                                          ("amin", np.minimum)])
def test_sorted_scatter_matches_numpy_ufunc_at(reduce, ufunc):
    # the cuda backend's sort-based scatter is namespace-generic: checked here on NumPy
    from ember_cupy.backend import scatter_sorted
    rng = np.random.default_rng(0)
    for shape, axis, ishape in [((3, 4), 0, (6, 4)), ((2, 3, 4), 2, (2, 3, 9)),
                                ((5,), 0, (12,)), ((3, 4), 1, (2, 0))]:
        x = rng.standard_normal(shape)
        index = rng.integers(0, shape[axis], ishape)
        src = rng.standard_normal(ishape)
        if src.size:
            src.flat[0] = np.nan
        grid = list(np.indices(index.shape, sparse=True))
        grid[axis] = index
        for xx, ss in ((x, src), (rng.integers(-3, 4, shape), rng.integers(-3, 4, ishape))):
            ref = xx.copy()
            with np.errstate(invalid="ignore"):
                ufunc.at(ref, tuple(grid), ss)
                got = scatter_sorted(np, xx, index, ss, axis, reduce)
            np.testing.assert_allclose(got, ref, rtol=1e-13)
            assert got.dtype == ref.dtype
