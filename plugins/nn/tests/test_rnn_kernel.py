"""The LSTM through the backend's fused scan kernel (``lstm_scan_forward``/``_backward``, NOTE
[fused LSTM scan kernel] in ``ember.backend``) and through the generic scan: both paths match
PyTorch (values and gradients, identical weights), with every option of ``nn.LSTM``."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import ember
import ember.nn as nn
from nn_compare import E, close
import ember_nn._rnn_impl as impl
from ember.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

TR = torch.nn.utils.rnn
BE = type(ember.zeros(1)._storage._be)


class _Count:
    """Wraps the backend's kernels and counts the calls that did the work."""

    def __init__(self, monkeypatch):
        self.fwd = self.bwd = 0
        fwd, bwd = BE.lstm_scan_forward, BE.lstm_scan_backward

        def f(*a):
            r = fwd(*a)
            self.fwd += r is not NotImplemented
            return r

        def b(*a):
            self.bwd += 1
            return bwd(*a)
        monkeypatch.setattr(BE, "lstm_scan_forward", staticmethod(f))
        monkeypatch.setattr(BE, "lstm_scan_backward", staticmethod(b))


@pytest.fixture(params=["kernel", "generic"])
def path(request, monkeypatch):
    """Run the test once through the fused kernel (checking that it was used) and once
    through the generic scan (the backend's kernel removed, as on a backend without it)."""
    if request.param == "generic":
        monkeypatch.delattr(BE, "lstm_scan_forward")
        monkeypatch.delattr(BE, "lstm_scan_backward")
        yield None
        return
    count = _Count(monkeypatch)
    yield count
    assert count.fwd > 0, "the fused kernel was not used"


def twin(*args, dtype=torch.float64, **kwargs):
    torch.manual_seed(0)
    t = torch.nn.LSTM(*args, **kwargs).to(dtype)
    e = nn.LSTM(*args, **kwargs).to(ember.float64 if dtype == torch.float64 else ember.float32)
    e.load_state_dict({k: E(v) for k, v in t.state_dict().items()})
    return t, e


def compare(t, e, x, hx=None, tol=1e-10, packed=None):
    """Forward both (``packed``: lengths to pack ``x`` with), backward a random projection of
    every output, compare outputs and all gradients."""
    xt, xe = x.clone().requires_grad_(), E(x, True)
    hxt = hxe = None
    if hx is not None:
        hxt = tuple(h.clone().requires_grad_() for h in hx)
        hxe = tuple(E(h, True) for h in hx)
    it, ie = xt, xe
    if packed is not None:
        it = TR.pack_padded_sequence(xt, packed, batch_first=t.batch_first,
                                     enforce_sorted=False)
        ie = pack_padded_sequence(xe, packed, batch_first=e.batch_first, enforce_sorted=False)
    ot, (ht, ct) = t(it, hxt)
    oe, (he, ce) = e(ie, hxe)
    if packed is not None:
        ot = TR.pad_packed_sequence(ot, batch_first=t.batch_first)[0]
        oe = pad_packed_sequence(oe, batch_first=e.batch_first)[0]
    close(oe, ot, tol)
    close(he, ht, tol)
    close(ce, ct, tol)
    g = torch.Generator().manual_seed(1)
    ws = [torch.randn(v.shape, generator=g, dtype=v.dtype) for v in (ot, ht, ct)]
    sum((v * w).sum() for v, w in zip((ot, ht, ct), ws, strict=True)).backward()
    sum((v * E(w)).sum() for v, w in zip((oe, he, ce), ws, strict=True)).backward()
    close(xe.grad, xt.grad, tol)
    if hx is not None:
        for a, b in zip(hxe, hxt, strict=True):
            close(a.grad, b.grad, tol)
    tp = dict(t.named_parameters())
    for name, p in e.named_parameters():
        close(p.grad, tp[name].grad, tol)


def _hx(layers, B, hout, hidden, seed=2):
    torch.manual_seed(seed)
    return (torch.randn(layers, B, hout, dtype=torch.float64),
            torch.randn(layers, B, hidden, dtype=torch.float64))


@pytest.mark.parametrize("kw", [
    dict(),
    dict(num_layers=2, bidirectional=True),
    dict(batch_first=True, bias=False),
    dict(num_layers=2, proj_size=3),
    dict(bidirectional=True, proj_size=2, batch_first=True),
], ids=["plain", "2layers-bidir", "batch_first-nobias", "proj", "bidir-proj-batch_first"])
@pytest.mark.parametrize("given_h", [False, True])
def test_dense_matches_torch(path, kw, given_h):
    t, e = twin(4, 5, **kw)
    torch.manual_seed(1)
    T, B = 6, 3
    x = torch.randn(*((B, T) if kw.get("batch_first") else (T, B)), 4, dtype=torch.float64)
    D = 2 if kw.get("bidirectional") else 1
    hx = _hx(kw.get("num_layers", 1) * D, B, kw.get("proj_size") or 5, 5) if given_h else None
    compare(t, e, x, hx)


@pytest.mark.parametrize("kw", [dict(num_layers=2, bidirectional=True),
                                dict(bidirectional=True, proj_size=2, batch_first=True)],
                         ids=["2layers-bidir", "bidir-proj"])
def test_packed_matches_torch(path, kw):
    # unsorted lengths with repeats: the batch shrinks going forward and grows in reverse
    t, e = twin(3, 4, **kw)
    lengths = [2, 5, 1, 5, 3]
    torch.manual_seed(4)
    x = torch.randn(5, 5, 3, dtype=torch.float64)      # (T, B) or, batch_first, (B, T)
    D = 2 if kw.get("bidirectional") else 1
    hx = _hx(kw.get("num_layers", 1) * D, 5, kw.get("proj_size") or 4, 4)
    compare(t, e, x, hx, packed=lengths)


def test_float32_matches_torch(path):
    t, e = twin(8, 16, num_layers=2, dtype=torch.float32)
    torch.manual_seed(5)
    x = torch.randn(7, 4, 8) * 3
    compare(t, e, x, tol=2e-5)


def test_unbatched_and_single_step(path):
    t, e = twin(3, 4, bidirectional=True)
    torch.manual_seed(6)
    x = torch.randn(5, 3, dtype=torch.float64)
    xt, xe = x.clone().requires_grad_(), E(x, True)
    ot, (ht, ct) = t(xt)
    oe, (he, ce) = e(xe)
    close(oe, ot)
    close(ce, ct)
    (ot.sum() + ct.sum()).backward()
    (oe.sum() + ce.sum()).backward()
    close(xe.grad, xt.grad)
    compare(t, e, torch.randn(1, 2, 3, dtype=torch.float64))


def test_saturated_gates(path):
    # huge pre-activations: exp overflows to inf inside the kernel and the gates are 0 or 1
    t, e = twin(3, 4)
    with torch.no_grad():
        t.weight_ih_l0.mul_(300.0)
    e.load_state_dict({k: E(v) for k, v in t.state_dict().items()})
    torch.manual_seed(7)
    x = torch.randn(4, 2, 3, dtype=torch.float64)
    compare(t, e, x)


def test_double_backward_uses_composite_graph(path):
    t, e = twin(2, 3, num_layers=2, bidirectional=True)
    torch.manual_seed(8)
    x = torch.randn(3, 2, 2, dtype=torch.float64)
    xt, xe = x.clone().requires_grad_(), E(x, True)
    ot, (ht, ct) = t(xt)
    oe, (he, ce) = e(xe)
    (gt,) = torch.autograd.grad((ot ** 2).sum() + (ct ** 2).sum(), xt, create_graph=True)
    (ge,) = ember.autograd.grad((oe ** 2).sum() + (ce ** 2).sum(), xe, create_graph=True)
    if path is not None:
        assert path.bwd == 0      # with create_graph the fused backward never runs
    close(ge, gt)
    (gt ** 2).sum().backward()
    (ge ** 2).sum().backward()
    close(xe.grad, xt.grad)
    tp = dict(t.named_parameters())
    for name, p in e.named_parameters():
        close(p.grad, tp[name].grad)


def test_retain_graph_and_inplace_output(path):
    # backward twice through one forward gives the same gradients (backward leaves the saved
    # state alone), and an in-place change of the output does not reach the saved state
    t, e = twin(3, 4, num_layers=2)
    torch.manual_seed(9)
    x = torch.randn(5, 2, 3, dtype=torch.float64)
    xe = E(x, True)
    oe, (he, ce) = e(xe)
    loss = (oe * oe).sum() + ce.sum()
    loss.backward(retain_graph=True)
    g1 = xe.grad.clone()
    xe.grad = None
    loss.backward()
    close(xe.grad, g1, 0)
    xt = x.clone().requires_grad_()
    ot, _ = t(xt)
    ot.mul_(3.0)
    ot.sum().backward()
    xe.grad = None
    oe, _ = e(xe)
    oe.mul_(3.0)
    oe.sum().backward()
    close(xe.grad, xt.grad)


def test_no_grad_forward(path):
    t, e = twin(3, 4, bidirectional=True, proj_size=2)
    torch.manual_seed(10)
    x = torch.randn(4, 3, 3, dtype=torch.float64)
    with torch.no_grad():
        ot, (ht, ct) = t(x)
    with ember.no_grad():
        oe, (he, ce) = e(E(x))
    for a, b in ((oe, ot), (he, ht), (ce, ct)):
        close(a, b)


@settings(max_examples=20, deadline=None)
@given(T=st.integers(1, 5), B=st.integers(1, 4), H=st.integers(1, 5),
       bidirectional=st.booleans(), proj=st.booleans(), given_h=st.booleans(),
       packed=st.booleans(), seed=st.integers(0, 2 ** 16))
def test_kernel_matches_torch_random_shapes(T, B, H, bidirectional, proj, given_h, packed,
                                            seed):
    proj_size = 1 if (proj and H > 1) else 0
    t, e = twin(2, H, bidirectional=bidirectional, proj_size=proj_size)
    rng = np.random.default_rng(seed)
    x = torch.from_numpy(rng.standard_normal((T, B, 2)))
    D = 2 if bidirectional else 1
    hx = None
    if given_h:
        hx = (torch.from_numpy(rng.standard_normal((D, B, proj_size or H))),
              torch.from_numpy(rng.standard_normal((D, B, H))))
    lengths = None
    if packed:
        lengths = [int(v) for v in rng.integers(1, T + 1, size=B)]
        lengths[0] = T
    compare(t, e, x, hx, packed=lengths)


def test_kernel_declines_what_it_does_not_handle():
    be = ember.zeros(1)._storage._be
    f = be.lstm_scan_forward
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 3))
    w_ih, w_hh = rng.standard_normal((8, 3)), rng.standard_normal((8, 2))
    ok = f(x, w_ih, None, w_hh, None, None, None, [2, 2, 2], False, False)
    assert ok is not NotImplemented and ok[0].shape == (6, 2)
    h16 = [a.astype(np.float16) for a in (x, w_ih, w_hh)]
    assert f(h16[0], h16[1], None, h16[2], None, None, None, [2, 2, 2], False,
             False) is NotImplemented
    assert f(x.astype(np.float32), w_ih, None, w_hh, None, None, None, [2, 2, 2], False,
             False) is NotImplemented
    assert f(x, w_ih, None, w_hh, None, None, None, [2, 3, 1], False, False) is NotImplemented
    assert f(x[:0], w_ih, None, w_hh, None, None, None, [], False, False) is NotImplemented
    assert f(x, w_ih, None, w_hh, None, np.zeros((3, 2)), None, [2, 2, 2], False,
             False) is NotImplemented


def test_declined_kernel_falls_back(monkeypatch):
    monkeypatch.setattr(BE, "lstm_scan_forward", staticmethod(lambda *a: NotImplemented))
    t, e = twin(3, 4, num_layers=2, bidirectional=True)
    torch.manual_seed(11)
    compare(t, e, torch.randn(4, 2, 3, dtype=torch.float64))


def test_switch_off(monkeypatch):
    count = _Count(monkeypatch)
    monkeypatch.setattr(impl, "USE_KERNELS", False)
    t, e = twin(3, 4)
    compare(t, e, torch.randn(3, 2, 3, dtype=torch.float64))
    assert count.fwd == count.bwd == 0


@pytest.mark.parametrize("frozen", [("weight_hh_l0",), ("weight_ih_l0", "bias_hh_l0"),
                                    ("weight_ih_l0", "weight_hh_l0"), ("bias_ih_l0", "bias_hh_l0")])
def test_some_parameters_frozen(path, frozen):
    # only the gradients asked for are computed (the input needs none here)
    t, e = twin(3, 4)
    for m in (t, e):
        for name in frozen:
            getattr(m, name).requires_grad_(False)
    torch.manual_seed(12)
    x = torch.randn(4, 2, 3, dtype=torch.float64)
    ot, (ht, ct) = t(x)
    oe, (he, ce) = e(E(x))
    ((ot ** 2).sum() + ct.sum()).backward()
    ((oe ** 2).sum() + ce.sum()).backward()
    tp = dict(t.named_parameters())
    for name, p in e.named_parameters():
        if name in frozen:
            assert p.grad is None
        else:
            close(p.grad, tp[name].grad)
