"""ember.optim.swa_utils against torch.optim.swa_utils: AveragedModel (SWA, EMA, custom
functions, buffers), SWALR's learning rates, update_bn, the averaging functions."""

import copy

import numpy as np
import pytest
import torch

import ember
from ember.optim import swa_utils as esu
from torch.optim import swa_utils as tsu


def models():
    torch.manual_seed(0)
    t = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Tanh(), torch.nn.Linear(3, 2))
    e = ember.nn.Sequential(ember.nn.Linear(4, 3), ember.nn.Tanh(), ember.nn.Linear(3, 2))
    copy_into(e, t)
    return e, t


def copy_into(e, t):
    with torch.no_grad(), ember.no_grad():
        for pe, pt in zip(e.parameters(), t.parameters(), strict=False):
            pe.copy_(ember.tensor(pt.detach().numpy()))


def perturb(e, t, k):
    rng = np.random.default_rng(k)
    with torch.no_grad(), ember.no_grad():
        for pe, pt in zip(e.parameters(), t.parameters(), strict=False):
            d = rng.standard_normal(tuple(pt.shape)).astype(np.float32) * 0.1
            pt.add_(torch.tensor(d))
            pe.add_(ember.tensor(d))


def params(m):
    return [p.detach().numpy().copy() for p in m.parameters()]


@pytest.mark.parametrize("kind", ["swa", "ema_multi", "ema", "swa_multi", "custom"])
def test_averaged_model_matches_torch(kind):
    e, t = models()
    kw = {"swa": ({}, {}),
          "ema_multi": ({"multi_avg_fn": esu.get_ema_multi_avg_fn(0.9)},
                        {"multi_avg_fn": tsu.get_ema_multi_avg_fn(0.9)}),
          "ema": ({"avg_fn": esu.get_ema_avg_fn(0.8)}, {"avg_fn": tsu.get_ema_avg_fn(0.8)}),
          "swa_multi": ({"multi_avg_fn": esu.get_swa_multi_avg_fn()},
                        {"multi_avg_fn": tsu.get_swa_multi_avg_fn()}),
          "custom": ({"avg_fn": lambda a, c, n: a * 0.5 + c * 0.5},
                     {"avg_fn": lambda a, c, n: a * 0.5 + c * 0.5})}[kind]
    ea, ta = esu.AveragedModel(e, **kw[0]), tsu.AveragedModel(t, **kw[1])
    for k in range(5):
        perturb(e, t, k)
        ea.update_parameters(e)
        ta.update_parameters(t)
    for a, b in zip(params(ea), params(ta), strict=False):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert int(ea.n_averaged.item()) == 5
    assert list(ea.state_dict()) == list(ta.state_dict())
    x = np.random.default_rng(9).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(ea(ember.tensor(x)).detach().numpy(),
                               ta(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_averaged_model_buffers_and_errors():
    class WithBuf(ember.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = ember.nn.Parameter(ember.zeros(3))
            self.register_buffer("stat", ember.zeros(3))

    m = WithBuf()
    avg = esu.AveragedModel(m)                  # buffers copied
    avg_b = esu.AveragedModel(m, use_buffers=True)
    for k in (1.0, 3.0):
        with ember.no_grad():
            m.w.fill_(k)
            m.stat.fill_(10 * k)
        avg.update_parameters(m)
        avg_b.update_parameters(m)
    np.testing.assert_allclose(avg.module.w.detach().numpy(), [2, 2, 2])
    np.testing.assert_allclose(avg.module.stat.numpy(), [30, 30, 30])
    np.testing.assert_allclose(avg_b.module.stat.numpy(), [20, 20, 20])
    assert avg.module.w is not m.w            # a deep copy
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
        esu.AveragedModel(m, avg_fn=esu.get_swa_avg_fn(),
                          multi_avg_fn=esu.get_swa_multi_avg_fn())
    with pytest.raises(ValueError, match="Invalid decay value 2"):
        esu.get_ema_avg_fn(2)
    with pytest.raises(ValueError, match="Invalid decay value -1"):
        esu.get_ema_multi_avg_fn(-1)


@pytest.mark.parametrize("kw", [dict(swa_lr=0.05), dict(swa_lr=[0.01, 0.2], anneal_epochs=3,
                                                         anneal_strategy="linear"),
                                dict(swa_lr=0.02, anneal_epochs=0)])
def test_swalr_matches_torch(kw):
    out = []
    for lib, su in ((torch, tsu), (ember, esu)):
        ps = [lib.zeros(2, requires_grad=True), lib.zeros(2, requires_grad=True)]
        opt = lib.optim.SGD([{"params": ps[:1]}, {"params": ps[1:], "lr": 0.3}], lr=0.1)
        s = su.SWALR(opt, **kw)
        seq = []
        for _ in range(15):
            opt.step()
            s.step()
            seq.append([g["lr"] for g in opt.param_groups] + s.get_last_lr())
        out.append(seq)
        sd = s.state_dict()
    np.testing.assert_allclose(out[1], out[0], rtol=1e-12)
    assert "anneal_func" not in sd and sd["_anneal_strategy"] == kw.get("anneal_strategy", "cos")
    with pytest.raises(ValueError, match="anneal_strategy must be one of"):
        esu.SWALR(opt, swa_lr=0.1, anneal_strategy="exp")
    with pytest.raises(ValueError, match="anneal_epochs must be equal or greater than 0"):
        esu.SWALR(opt, swa_lr=0.1, anneal_epochs=-1)


def test_update_bn_resets_and_recomputes_statistics():
    class _BatchNorm(ember.nn.Module):
        """A minimal batch-norm stand-in: cumulative mean when momentum is None."""

        def __init__(self, n):
            super().__init__()
            self.momentum = 0.1
            self.register_buffer("running_mean", ember.ones(n))
            self.register_buffer("num_batches_tracked", ember.tensor(5))
            self.seen_momenta = []

        def reset_running_stats(self):
            self.running_mean.zero_()
            self.num_batches_tracked.zero_()

        def forward(self, x):
            self.seen_momenta.append(self.momentum)
            if self.training:
                self.num_batches_tracked += 1
                k = float(self.num_batches_tracked.item())
                w = 1.0 / k if self.momentum is None else self.momentum
                self.running_mean.mul_(1 - w).add_(x.mean(0) * w)
            return x

    bn = _BatchNorm(2)
    model = ember.nn.Sequential(ember.nn.Identity(), bn)
    model.eval()
    batches = [ember.tensor([[1.0, 2.0], [3.0, 4.0]]), ember.tensor([[5.0, 6.0], [7.0, 8.0]])]
    esu.update_bn([(b, 0) for b in batches], model)
    np.testing.assert_allclose(bn.running_mean.numpy(), [4.0, 5.0])
    assert bn.seen_momenta == [None, None] and bn.momentum == 0.1
    assert not model.training and int(bn.num_batches_tracked.item()) == 2
    esu.update_bn(batches, ember.nn.Sequential(ember.nn.Identity()))   # no batch norm: no-op


def test_update_bn_with_real_batchnorm_if_available():
    try:
        ebn = ember.nn.BatchNorm1d(3)
    except AttributeError:
        pytest.skip("ember.nn.BatchNorm1d is not available yet")
    tbn = torch.nn.BatchNorm1d(3)
    rng = np.random.default_rng(0)
    data = [rng.standard_normal((8, 3)).astype(np.float32) for _ in range(4)]
    esu.update_bn([ember.tensor(d) for d in data], ember.nn.Sequential(ebn))
    tsu.update_bn([torch.tensor(d) for d in data], torch.nn.Sequential(tbn))
    np.testing.assert_allclose(ebn.running_mean.numpy(), tbn.running_mean.numpy(), rtol=1e-5)
    np.testing.assert_allclose(ebn.running_var.numpy(), tbn.running_var.numpy(), rtol=1e-5)
    assert ebn.momentum == tbn.momentum == 0.1


def test_avg_fns_match_torch():
    a, c = np.array([1.0, 2.0], np.float32), np.array([3.0, 6.0], np.float32)
    for ef, tf in ((esu.get_swa_avg_fn(), tsu.get_swa_avg_fn()),
                   (esu.get_ema_avg_fn(0.7), tsu.get_ema_avg_fn(0.7))):
        np.testing.assert_allclose(ef(ember.tensor(a), ember.tensor(c), 3).numpy(),
                                   tf(torch.tensor(a), torch.tensor(c), 3).numpy(), rtol=1e-6)
    ea, ta = [ember.tensor(a)], [torch.tensor(a)]
    esu.get_swa_multi_avg_fn()(ea, [ember.tensor(c)], ember.tensor(1))
    tsu.get_swa_multi_avg_fn()(ta, [torch.tensor(c)], torch.tensor(1))
    np.testing.assert_allclose(ea[0].numpy(), ta[0].numpy(), rtol=1e-6)
    # integer tensors (torch's own multi-tensor integer path raises): avg + (c - avg) / 2
    ei = [ember.tensor([4, 8])]
    esu.get_swa_multi_avg_fn()(ei, [ember.tensor([8, 9])], ember.tensor(1))
    assert ei[0].tolist() == [6, 8] and ei[0].dtype == ember.int64
    assert copy.deepcopy(esu.SWALR) is esu.SWALR
