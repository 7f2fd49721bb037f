"""The cuda device. Without a GPU (CI) only the unavailable path is checked and every GPU test
is skipped with the reason; with a GPU the device is checked against the cpu device."""

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
def test_conformance_suite_green_on_cuda():
    import subprocess
    import sys
    r = subprocess.run([sys.executable, "-m", "ember_conformance", "--device", "cuda", "-q"],
                       capture_output=True, text=True, timeout=1800)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
