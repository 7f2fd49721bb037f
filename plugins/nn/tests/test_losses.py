"""ember-nn losses against torch.nn: every loss module, every reduction and option, values and
gradients (inputs and targets where differentiable), reprs, buffers in state_dict."""

import warnings

import numpy as np
import pytest
import torch
import torch.nn as tnn

import ember
import ember.nn as enn
import ember.nn.functional as F
from nn_compare import compare, compare_module, same_repr, to_ember

REDS = ["mean", "sum", "none"]


def rnd(*shape, seed=0, rg=True, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(*shape, generator=g) * scale).requires_grad_(rg)


def rand01(*shape, seed=0, rg=True):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(*shape, generator=g) * 0.98 + 0.01).requires_grad_(rg)


def sign(*shape, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 2, shape, generator=g).float() * 2 - 1


def both(name, *args, **kw):
    ekw = {k: to_ember(v) for k, v in kw.items()}
    e, t = getattr(enn, name)(*args, **ekw), getattr(tnn, name)(*args, **kw)
    assert same_repr(e, t), (repr(e), repr(t))
    return e, t


@pytest.mark.parametrize("red", REDS)
@pytest.mark.parametrize("name,kw", [("MSELoss", {}), ("L1Loss", {}), ("SmoothL1Loss", {}),
                                     ("SmoothL1Loss", {"beta": 0.5}),
                                     ("SmoothL1Loss", {"beta": 0.0}),
                                     ("HuberLoss", {}), ("HuberLoss", {"delta": 0.3})])
def test_regression_losses(name, kw, red):
    e, t = both(name, reduction=red, **kw)
    compare_module(e, t, rnd(4, 5), rnd(4, 5, seed=1))
    compare_module(e, t, rnd(3), rnd(3, seed=2, rg=False))


@pytest.mark.parametrize("fn", ["mse_loss", "l1_loss", "huber_loss"])
@pytest.mark.parametrize("red", ["mean", "sum", "none"])
def test_weighted_regression(fn, red):
    w = torch.rand(4, 5) + 0.1
    compare(lambda a, b, ww: getattr(F, fn)(a, b, reduction=red, weight=ww),
            lambda a, b, ww: getattr(torch.nn.functional, fn)(a, b, reduction=red, weight=ww),
            [rnd(4, 5), rnd(4, 5, seed=1), w])
    with pytest.raises(ValueError, match="Weights and input must have the same size"):
        getattr(F, fn)(ember.ones(3), ember.ones(3), weight=ember.ones(1))


def test_size_mismatch_warning_and_legacy_args():
    with pytest.warns(UserWarning, match="target size"):
        F.mse_loss(ember.ones(3), ember.ones(1))
    e, t = enn.MSELoss(size_average=False), tnn.MSELoss(size_average=False)
    assert e.reduction == t.reduction == "sum"
    assert enn.L1Loss(reduce=False).reduction == "none"
    with pytest.raises(ValueError, match="is not a valid value for reduction"):
        F.l1_loss(ember.ones(2), ember.ones(2), reduction="avg")


CE_OPTS = [{}, {"label_smoothing": 0.15}, {"ignore_index": 2},
           {"ignore_index": 2, "label_smoothing": 0.1}]


@pytest.mark.parametrize("red", REDS)
@pytest.mark.parametrize("opts", CE_OPTS)
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_indices(red, opts, weighted):
    w = torch.rand(5) + 0.5 if weighted else None
    e, t = both("CrossEntropyLoss", weight=w, reduction=red, **opts)
    if weighted:
        assert list(e.state_dict()) == list(t.state_dict()) == ["weight"]
    target = torch.tensor([1, 2, 4, 0, 2, 3])
    compare_module(e, t, rnd(6, 5, scale=3), target)
    # K-dim input (N, C, d1, d2)
    tk = torch.randint(0, 5, (2, 3, 4), generator=torch.Generator().manual_seed(1))
    compare_module(e, t, rnd(2, 5, 3, 4), tk)
    # unbatched (C,) with a 0-d target
    compare_module(e, t, rnd(5), torch.tensor(3))


@pytest.mark.parametrize("red", REDS)
@pytest.mark.parametrize("ls", [0.0, 0.2])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_probabilities(red, ls, weighted):
    w = torch.rand(4) + 0.5 if weighted else None
    e, t = both("CrossEntropyLoss", weight=w, reduction=red, label_smoothing=ls)
    probs = torch.softmax(rnd(6, 4, seed=3, rg=False), 1).requires_grad_()
    compare_module(e, t, rnd(6, 4), probs)
    compare_module(e, t, rnd(2, 4, 3), torch.softmax(rnd(2, 4, 3, seed=4, rg=False), 1))


def test_cross_entropy_stability_and_double_backward():
    x = torch.tensor([[1000.0, -1000.0, 0.0], [-500.0, 500.0, 20.0]], dtype=torch.float64,
                     requires_grad=True)
    tgt = torch.tensor([2, 0])
    compare(lambda a, b: F.cross_entropy(a, b), lambda a, b: torch.nn.functional.cross_entropy(
        a, b), [x, tgt])
    xe = ember.tensor(np.random.RandomState(0).randn(4, 3), requires_grad=True)
    xt = torch.tensor(xe.detach().numpy(), requires_grad=True)
    te, tt = ember.tensor([0, 2, 1, 1]), torch.tensor([0, 2, 1, 1])
    (ge,) = ember.autograd.grad(F.cross_entropy(xe, te, label_smoothing=0.1), xe,
                                create_graph=True)
    (gt,) = torch.autograd.grad(torch.nn.functional.cross_entropy(xt, tt, label_smoothing=0.1),
                                xt, create_graph=True)
    (ge ** 2).sum().backward()
    (gt ** 2).sum().backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-8, atol=1e-12)
    loss = F.cross_entropy(ember.randn(3, 4, requires_grad=True), ember.tensor([0, 1, 2]))
    assert loss.grad_fn is not None


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kernel", [True, False])
def test_cross_entropy_mean_kernel_and_generic_path(monkeypatch, dtype, kernel):
    """The training-loop call (N, C) + class indices runs the backend's fused
    ``cross_entropy_mean`` (NumPy backend) or, without it, the generic fused node: both give
    torch's loss and gradient, on strided logits too, and retain_graph backward twice."""
    be = type(ember.empty(1)._storage._be)
    calls = []
    if kernel:
        orig = be.cross_entropy_mean
        monkeypatch.setattr(be, "cross_entropy_mean",
                            staticmethod(lambda x, t: calls.append(1) or orig(x, t)))
    else:
        monkeypatch.delattr(be, "cross_entropy_mean")
    rs = np.random.RandomState(1)
    xs = (rs.randn(7, 5) * 4, rs.randn(5, 7).T * 4, np.array([[80.0, -80.0, 0.0]] * 2))
    ts = ([0, 4, 2, 3, 1, 1, 4], [4, 0, 1, 2, 3, 4, 0], [1, 2])
    for xn, tn in zip(xs, ts):
        if xn.flags.c_contiguous:
            xe = ember.tensor(xn.astype(dtype)).requires_grad_()
        else:                                   # a transposed (strided) leaf, as the input
            xe = ember.tensor(np.ascontiguousarray(xn.T).astype(dtype)).t().requires_grad_()
            assert not xe.is_contiguous()
        xt = torch.tensor(xn.astype(dtype), requires_grad=True)
        le = F.cross_entropy(xe, ember.tensor(tn))
        lt = torch.nn.functional.cross_entropy(xt, torch.tensor(tn))
        assert le.dtype == getattr(ember, dtype) and le.shape == ()
        assert le.grad_fn.name() == "NllLossBackward0"
        le.backward(ember.tensor(2.0, dtype=le.dtype), retain_graph=True)
        le.backward(ember.tensor(2.0, dtype=le.dtype))
        lt.backward(torch.tensor(4.0, dtype=lt.dtype))
        tol = 1e-5 if dtype == "float32" else 1e-12
        np.testing.assert_allclose(le.item(), lt.item(), rtol=tol, atol=tol)
        np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=tol, atol=tol)
    assert len(calls) == (3 if kernel else 0)
    # a target out of range: the kernel declines and the general path raises torch's error
    with pytest.raises(IndexError, match="Target -3 is out of bounds"):
        F.cross_entropy(ember.randn(2, 3), ember.tensor([0, -3]))
    with pytest.raises(IndexError, match="Target 3 is out of bounds"):
        F.cross_entropy(ember.randn(2, 3), ember.tensor([3, 0]))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cross_entropy_mean_backward_kernel_gives_the_generic_bits(monkeypatch, dtype):
    """The backend's ``cross_entropy_mean_backward`` (one product and a row fix-up) and the
    generic backward (one-hot, cast, difference, product) give the same bits, twice over
    with retain_graph, and leave the saved probabilities unchanged."""
    be = type(ember.empty(1)._storage._be)
    rs = np.random.RandomState(4)
    x, t = (rs.randn(9, 6) * 3).astype(dtype), ember.tensor(rs.randint(0, 6, 9))

    def grad():
        xe = ember.tensor(x, requires_grad=True)
        loss = F.cross_entropy(xe, t)
        loss.backward(ember.tensor(1.7, dtype=loss.dtype), retain_graph=True)
        loss.backward(ember.tensor(0.3, dtype=loss.dtype))
        return xe.grad.numpy().copy()
    calls = []
    orig = be.cross_entropy_mean_backward
    monkeypatch.setattr(be, "cross_entropy_mean_backward",
                        staticmethod(lambda *a: calls.append(1) or orig(*a)))
    with_kernel = grad()
    assert len(calls) == 2
    monkeypatch.delattr(be, "cross_entropy_mean_backward")
    assert with_kernel.tobytes() == grad().tobytes()
    p = np.full((2, 3), 0.25, dtype)
    assert orig(p, np.array([0, 2]), np.asarray(1.0, dtype)).tolist() == \
        [[-0.375, 0.125, 0.125], [0.125, 0.125, -0.375]]
    assert (p == 0.25).all()
    assert orig(p.astype(np.float16), np.array([0, 2]), np.float16(1)) is NotImplemented


def test_cross_entropy_mean_kernel_declines():
    be = ember.empty(1)._storage._be
    x, t = np.zeros((2, 3), np.float32), np.array([0, 1])
    assert be.cross_entropy_mean(x.astype(np.float16), t) is NotImplemented
    assert be.cross_entropy_mean(x, t.astype(np.int32)) is NotImplemented
    assert be.cross_entropy_mean(x[:0], t[:0]) is NotImplemented
    assert be.cross_entropy_mean(x, np.array([0, 3])) is NotImplemented
    assert be.cross_entropy_mean(x, np.array([-1, 0])) is NotImplemented
    loss, p = be.cross_entropy_mean(x, t)
    assert loss.shape == () and loss.dtype == np.float32
    np.testing.assert_allclose(loss, np.log(3), rtol=1e-6)
    np.testing.assert_allclose(p, np.full((2, 3), 1 / 3), rtol=1e-6)


def test_cross_entropy_errors():
    x = ember.randn(3, 4)
    with pytest.raises(IndexError, match="Target 7 is out of bounds"):
        F.cross_entropy(x, ember.tensor([1, 2, 7]))
    with pytest.raises(ValueError, match=r"Expected input batch_size \(3\) to match target "
                                         r"batch_size \(2\)"):
        F.cross_entropy(x, ember.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte, but got "
                                           "Float"):
        F.cross_entropy(x, ember.tensor([1.0, 2.0, 3.0]))
    with pytest.raises(RuntimeError, match=r"Expected target size \[3, 5\], got \[3, 4\]"):
        F.cross_entropy(ember.randn(3, 4, 5), ember.zeros(3, 4, dtype=ember.int64))
    with pytest.raises(ValueError, match="label_smoothing must be between 0.0 and 1.0"):
        F.cross_entropy(x, ember.tensor([1, 2, 3]), label_smoothing=1.5)


@pytest.mark.parametrize("red", REDS)
@pytest.mark.parametrize("opts", [{}, {"ignore_index": 1}])
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_loss(red, opts, weighted):
    w = torch.rand(4) + 0.5 if weighted else None
    e, t = both("NLLLoss", weight=w, reduction=red, **opts)
    lp = torch.log_softmax(rnd(5, 4, rg=False), 1).requires_grad_()
    compare_module(e, t, lp, torch.tensor([0, 1, 3, 1, 2]))
    lpk = torch.log_softmax(rnd(2, 4, 3, rg=False), 1).requires_grad_()
    compare_module(e, t, lpk, torch.tensor([[0, 1, 3], [1, 1, 2]]))


@pytest.mark.parametrize("red", REDS)
@pytest.mark.parametrize("weighted", [False, True])
def test_bce(red, weighted):
    w = torch.rand(4, 3) + 0.5 if weighted else None
    e, t = both("BCELoss", weight=w, reduction=red)
    compare_module(e, t, rand01(4, 3), rand01(4, 3, seed=1))
    # probabilities at the boundary: the log is clamped at -100 as in torch
    compare_module(e, t, torch.tensor([[0.0, 1.0, 0.5]] * 4), rand01(4, 3, seed=2, rg=False),
                   grad=False)
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(ember.tensor([1.5]), ember.tensor([1.0]))
    with pytest.raises(ValueError, match="different to the input size"):
        F.binary_cross_entropy(ember.tensor([0.5]), ember.tensor([1.0, 0.0]))


@pytest.mark.parametrize("red", REDS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("pw", [False, True])
def test_bce_with_logits(red, weighted, pw):
    w = torch.rand(4, 3) + 0.5 if weighted else None
    p = torch.rand(3) * 3 if pw else None
    e, t = both("BCEWithLogitsLoss", weight=w, reduction=red, pos_weight=p)
    assert list(e.state_dict()) == list(t.state_dict())
    compare_module(e, t, rnd(4, 3, scale=30), rand01(4, 3, seed=1))


@pytest.mark.parametrize("red", ["mean", "sum", "none", "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(red, log_target):
    e, t = both("KLDivLoss", reduction=red, log_target=log_target)
    inp = torch.log_softmax(rnd(4, 5, rg=False), 1).requires_grad_()
    tg = torch.softmax(rnd(4, 5, seed=1, rg=False), 1)
    if log_target:
        tg = tg.log()
    tg[0, 0] = 0.0 if not log_target else tg[0, 0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compare_module(e, t, inp, tg.requires_grad_())


@pytest.mark.parametrize("red", REDS)
@pytest.mark.parametrize("margin", [0.0, 0.3])
def test_cosine_embedding_loss(red, margin):
    e, t = both("CosineEmbeddingLoss", margin=margin, reduction=red)
    compare_module(e, t, rnd(6, 4), rnd(6, 4, seed=1), sign(6))
    compare_module(e, t, rnd(4), rnd(4, seed=1), torch.tensor(-1.0))
    with pytest.raises(RuntimeError, match="1D target tensor expects 2D input tensors"):
        e(ember.ones(3), ember.ones(3), ember.ones(3))


@pytest.mark.parametrize("red", REDS)
@pytest.mark.parametrize("margin", [0.0, 0.5])
def test_margin_ranking_loss(red, margin):
    e, t = both("MarginRankingLoss", margin=margin, reduction=red)
    compare_module(e, t, rnd(7), rnd(7, seed=1), sign(7))


@pytest.mark.parametrize("red", REDS)
@pytest.mark.parametrize("kw", [{}, {"margin": 0.5, "p": 1.0}, {"swap": True},
                                {"p": 3.0, "eps": 1e-3}])
def test_triplet_margin_loss(red, kw):
    e, t = both("TripletMarginLoss", reduction=red, **kw)
    compare_module(e, t, rnd(5, 4), rnd(5, 4, seed=1), rnd(5, 4, seed=2))
    compare_module(e, t, rnd(4), rnd(4, seed=1), rnd(4, seed=2))


@pytest.mark.parametrize("red", REDS)
@pytest.mark.parametrize("swap", [False, True])
def test_triplet_margin_with_distance_loss(red, swap):
    e = enn.TripletMarginWithDistanceLoss(swap=swap, reduction=red)
    t = tnn.TripletMarginWithDistanceLoss(swap=swap, reduction=red)
    compare_module(e, t, rnd(5, 4), rnd(5, 4, seed=1), rnd(5, 4, seed=2))
    e = enn.TripletMarginWithDistanceLoss(
        distance_function=lambda a, b: 1 - F.cosine_similarity(a, b), margin=0.7,
        reduction=red)
    t = tnn.TripletMarginWithDistanceLoss(
        distance_function=lambda a, b: 1 - torch.nn.functional.cosine_similarity(a, b),
        margin=0.7, reduction=red)
    compare_module(e, t, rnd(5, 4), rnd(5, 4, seed=1), rnd(5, 4, seed=2))
    with pytest.raises(ValueError, match="expected margin to be greater than 0"):
        enn.TripletMarginWithDistanceLoss(margin=0)


@pytest.mark.parametrize("red", REDS)
def test_hinge_embedding_soft_margin(red):
    e, t = both("HingeEmbeddingLoss", margin=0.7, reduction=red)
    compare_module(e, t, rnd(4, 5), sign(4, 5))
    e, t = both("SoftMarginLoss", reduction=red)
    compare_module(e, t, rnd(4, 5, scale=20), sign(4, 5))


@pytest.mark.parametrize("red", REDS)
@pytest.mark.parametrize("weighted", [False, True])
def test_multilabel_soft_margin(red, weighted):
    w = torch.rand(5) + 0.5 if weighted else None
    e, t = both("MultiLabelSoftMarginLoss", weight=w, reduction=red)
    tg = (rand01(3, 5, rg=False) > 0.5).float()
    compare_module(e, t, rnd(3, 5), tg)
    compare_module(e, t, rnd(5), tg[0])


@pytest.mark.parametrize("red", REDS)
@pytest.mark.parametrize("kw", [{}, {"log_input": False}, {"full": True},
                                {"log_input": False, "full": True, "eps": 1e-3}])
def test_poisson_nll(red, kw):
    e, t = both("PoissonNLLLoss", reduction=red, **kw)
    inp = rnd(4, 5) if kw.get("log_input", True) else rand01(4, 5) * 3
    tgt = torch.tensor(np.random.RandomState(0).poisson(2.0, (4, 5)), dtype=torch.float32)
    compare_module(e, t, inp.detach().requires_grad_(), tgt)


@pytest.mark.parametrize("red", REDS)
@pytest.mark.parametrize("full", [False, True])
def test_gaussian_nll(red, full):
    e = enn.GaussianNLLLoss(full=full, reduction=red)
    t = tnn.GaussianNLLLoss(full=full, reduction=red)
    assert same_repr(e, t)
    var = rand01(4, 3, seed=2)
    compare_module(e, t, rnd(4, 3), rnd(4, 3, seed=1), var)
    compare_module(e, t, rnd(4, 3), rnd(4, 3, seed=1), rand01(4, 1, seed=3))    # one per row
    compare_module(e, t, rnd(4, 3), rnd(4, 3, seed=1), rand01(4, seed=3))       # last dim gone
    compare_module(e, t, rnd(4, 3), rnd(4, 3, seed=1), torch.tensor(1e-9).expand(4, 3)
                   .clone().requires_grad_())                                  # eps clamp
    with pytest.raises(ValueError, match="var has negative entry"):
        F.gaussian_nll_loss(ember.ones(2), ember.ones(2), -ember.ones(2))
    with pytest.raises(ValueError, match="var is of incorrect size"):
        F.gaussian_nll_loss(ember.ones(2, 3), ember.ones(2, 3), ember.ones(3, 3))


@pytest.mark.parametrize("red", REDS)
@pytest.mark.parametrize("p,margin,weighted", [(1, 1.0, False), (2, 0.5, False),
                                               (1, 1.0, True), (2, 1.0, True)])
def test_multi_margin(red, p, margin, weighted):
    w = torch.rand(5) + 0.5 if weighted else None
    e, t = both("MultiMarginLoss", p=p, margin=margin, weight=w, reduction=red)
    compare_module(e, t, rnd(4, 5), torch.tensor([0, 3, 4, 3]))
    compare_module(e, t, rnd(5), torch.tensor(2))
    with pytest.raises(ValueError, match="only p == 1 and p == 2 supported"):
        enn.MultiMarginLoss(p=3)


@pytest.mark.parametrize("red", REDS)
def test_multilabel_margin(red):
    e, t = both("MultiLabelMarginLoss", reduction=red)
    tg = torch.tensor([[3, 0, -1, 1, 2], [1, 1, 4, -1, -1], [-1, 2, 3, 0, 0],
                       [0, 1, 2, 3, 4]])
    compare_module(e, t, rnd(4, 5), tg)
    compare_module(e, t, rnd(5), torch.tensor([2, 4, -1, 0, 0]))


@pytest.mark.parametrize("red", REDS)
@pytest.mark.parametrize("zero_inf", [False, True])
def test_ctc_loss(red, zero_inf):
    e, t = both("CTCLoss", blank=0, reduction=red, zero_infinity=zero_inf)
    T, N, C, S = 30, 3, 6, 7
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(T, N, C, generator=g, dtype=torch.float64).requires_grad_()
    targets = torch.randint(1, C, (N, S), generator=g)
    il, tl = torch.tensor([30, 25, 4]), torch.tensor([7, 5, 6])     # the last is impossible
    if not zero_inf:
        il = torch.tensor([30, 25, 20])
    # gradients are compared w.r.t. the logits under log_softmax (torch's CTC gradient
    # w.r.t. log_probs itself assumes normalised inputs)
    compare(lambda x, *a: e(F.log_softmax(x, 2), *a),
            lambda x, *a: t(torch.log_softmax(x, 2), *a),
            [logits, targets, il, tl], rtol=1e-7, atol=1e-9)
    # concatenated targets and tuple lengths
    flat = torch.cat([targets[i, :tl[i]] for i in range(N)])
    compare(lambda x, *a: e(F.log_softmax(x, 2), *a),
            lambda x, *a: t(torch.log_softmax(x, 2), *a),
            [logits, flat, tuple(il.tolist()), tuple(tl.tolist())], rtol=1e-7, atol=1e-9)


def test_ctc_loss_unbatched_blank_and_inf():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(12, 5, generator=g, dtype=torch.float64).requires_grad_()
    tg = torch.tensor([1, 2, 2])
    compare(lambda a: F.ctc_loss(F.log_softmax(a, 1), ember.tensor([1, 2, 2]),
                                 ember.tensor(12), ember.tensor(3), blank=4),
            lambda a: torch.nn.functional.ctc_loss(torch.log_softmax(a, 1), tg,
                                                   torch.tensor(12), torch.tensor(3), blank=4),
            [x], rtol=1e-7, atol=1e-9)
    lp = F.log_softmax(ember.randn(3, 1, 4), 2)
    out = F.ctc_loss(lp, ember.tensor([[1, 1, 1]]), [3], [3], reduction="none")
    assert out.tolist() == [float("inf")]     # 1,1,1 needs 5 frames


def test_loss_buffers_follow_module_dtype():
    e = enn.CrossEntropyLoss(weight=ember.ones(3))
    e.double()
    assert e.weight.dtype is ember.float64
    out = e(ember.randn(2, 3, dtype=ember.float64), ember.tensor([0, 2]))
    assert out.dtype is ember.float64
