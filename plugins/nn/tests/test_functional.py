"""ember.nn.functional, ember.nn.init and ember.nn.utils against torch."""

import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings, strategies as st

import ember
import ember.nn as enn
import ember.nn.functional as F
from nn_compare import compare, to_ember


def rnd(*shape, seed=0, rg=True, scale=1.0, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(*shape, generator=g, dtype=dtype) * scale).requires_grad_(rg)


# -- namespace ----------------------------------------------------------------------------------

def test_namespace_lists_names():
    for name in ("cross_entropy", "relu", "linear", "embedding_bag", "one_hot", "normalize",
                 "softmax", "ctc_loss", "dropout2d", "gelu", "log_softmax"):
        assert name in dir(F) and callable(getattr(F, name))
    for name in ("kaiming_uniform_", "orthogonal_", "calculate_gain"):
        assert name in dir(enn.init)
    with pytest.raises(AttributeError, match="has no attribute 'not_a_function'"):
        F.not_a_function


# -- activations --------------------------------------------------------------------------------

FUNCS = [("relu", {}), ("relu6", {}), ("leaky_relu", {"negative_slope": 0.3}), ("elu", {}),
         ("elu", {"alpha": 0.5}), ("selu", {}), ("celu", {"alpha": 2.0}), ("gelu", {}),
         ("gelu", {"approximate": "tanh"}), ("silu", {}), ("mish", {}), ("sigmoid", {}),
         ("tanh", {}), ("hardtanh", {"min_val": -2.0, "max_val": 1.5}), ("hardsigmoid", {}),
         ("hardswish", {}), ("softplus", {"beta": 0.5, "threshold": 3.0}), ("softsign", {}),
         ("threshold", {"threshold": 0.2, "value": 1.0}), ("glu", {"dim": 0}),
         ("logsigmoid", {}), ("tanhshrink", {}), ("softshrink", {"lambd": 0.7}),
         ("hardshrink", {}), ("rrelu", {"training": False})]


@pytest.mark.parametrize("name,kw", FUNCS)
def test_activation_functions(name, kw):
    x = rnd(4, 6, scale=3)
    compare(lambda a: getattr(F, name)(a, **kw), lambda a: getattr(TF, name)(a, **kw), [x])


@pytest.mark.parametrize("name", ["relu_", "leaky_relu_", "elu_", "selu_", "celu_",
                                  "hardtanh_", "threshold_", "rrelu_"])
def test_inplace_functions(name):
    args = (0.1, 2.0) if name == "threshold_" else ()
    xe = ember.tensor(np.random.RandomState(0).randn(3, 4).astype(np.float32))
    xt = torch.tensor(xe.numpy())
    re, rt = getattr(F, name)(xe, *args), getattr(TF, name)(xt, *args)
    assert re is xe
    np.testing.assert_allclose(xe.numpy(), xt.numpy(), rtol=1e-6)


def test_prelu_function():
    compare(F.prelu, TF.prelu, [rnd(2, 3, 4), torch.tensor([0.1, -0.2, 0.3],
                                                            requires_grad=True)])
    compare(F.prelu, TF.prelu, [rnd(5), torch.tensor([0.25], requires_grad=True)])


@settings(max_examples=20, deadline=None)
@given(shape=st.lists(st.integers(1, 5), min_size=1, max_size=4), data=st.data())
def test_softmax_family_any_dim(shape, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = rnd(*shape, scale=5, seed=len(shape))
    for name in ("softmax", "log_softmax", "softmin"):
        compare(lambda a: getattr(F, name)(a, dim), lambda a: getattr(TF, name)(a, dim), [x],
                rtol=1e-5, atol=1e-6)


def test_softmax_dtype_implicit_dim_and_stability():
    x = rnd(3, 4)
    compare(lambda a: F.softmax(a, 1, dtype=ember.float64),
            lambda a: TF.softmax(a, 1, dtype=torch.float64), [x])
    compare(lambda a: F.log_softmax(a, -1, dtype=ember.float64),
            lambda a: TF.log_softmax(a, -1, dtype=torch.float64), [x])
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        out = F.softmax(ember.ones(2, 3))
    np.testing.assert_allclose(out.numpy(), np.full((2, 3), 1 / 3), rtol=1e-6)
    big = torch.tensor([[1e4, -1e4, 0.0]], requires_grad=True)
    compare(lambda a: F.log_softmax(a, 1), lambda a: TF.log_softmax(a, 1), [big])
    compare(lambda a: F.softmax(a, 0), lambda a: TF.softmax(a, 0), [torch.tensor(
        2.0, requires_grad=True)])
    with pytest.raises(IndexError, match="Dimension out of range"):
        F.softmax(ember.ones(2, 3), 2)


def test_softmax_double_backward():
    x = rnd(3, 4, dtype=torch.float64)
    xe = to_ember(x)
    (ge,) = ember.autograd.grad((F.softmax(xe, 1) ** 3).sum(), xe, create_graph=True)
    (gt,) = torch.autograd.grad((TF.softmax(x, 1) ** 3).sum(), x, create_graph=True)
    ge.sum().backward()
    gt.sum().backward()
    np.testing.assert_allclose(xe.grad.numpy(), x.grad.numpy(), rtol=1e-9, atol=1e-12)


# -- linear, embedding, distances --------------------------------------------------------------

def test_linear_bilinear_functions():
    compare(F.linear, TF.linear, [rnd(4, 3), rnd(5, 3, seed=1), rnd(5, seed=2)])
    compare(F.linear, TF.linear, [rnd(2, 4, 3), rnd(5, 3, seed=1)])
    ve = F.linear(ember.ones(4, 3), ember.tensor([1.0, 2.0, 3.0]), ember.tensor(1.0))
    np.testing.assert_allclose(ve.numpy(), np.full(4, 7.0))      # 1-D weight
    compare(F.bilinear, TF.bilinear, [rnd(4, 3), rnd(4, 2, seed=1), rnd(5, 3, 2, seed=2),
                                      rnd(5, seed=3)])
    with pytest.raises(RuntimeError, match="mat1 and mat2 must have the same dtype"):
        F.linear(ember.ones(2, 3), ember.ones(4, 3, dtype=ember.float64))


def test_one_hot():
    idx = torch.tensor([[0, 3], [2, 1]])
    np.testing.assert_array_equal(F.one_hot(to_ember(idx)).numpy(), TF.one_hot(idx).numpy())
    np.testing.assert_array_equal(F.one_hot(to_ember(idx), 6).numpy(),
                                  TF.one_hot(idx, 6).numpy())
    assert F.one_hot(ember.tensor([1])).dtype is ember.int64
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes"):
        F.one_hot(ember.tensor([1, 5]), 3)
    with pytest.raises(RuntimeError, match="Class values must be non-negative"):
        F.one_hot(ember.tensor([-1]))
    with pytest.raises(RuntimeError, match="only applicable to index tensor of type Long"):
        F.one_hot(ember.tensor([1.0]))


@pytest.mark.parametrize("p,dim", [(2.0, 1), (1.0, 0), (3.0, -1), (float("inf"), 1)])
def test_normalize(p, dim):
    compare(lambda a: F.normalize(a, p, dim), lambda a: TF.normalize(a, p, dim), [rnd(3, 4)])
    z = torch.zeros(2, 3, requires_grad=True)
    compare(lambda a: F.normalize(a), lambda a: TF.normalize(a), [z])


def test_distance_functions():
    compare(lambda a, b: F.pairwise_distance(a, b, 1.5, 1e-3, True),
            lambda a, b: TF.pairwise_distance(a, b, 1.5, 1e-3, True),
            [rnd(4, 5), rnd(4, 5, seed=1)])
    compare(lambda a, b: F.cosine_similarity(a, b, 0),
            lambda a, b: TF.cosine_similarity(a, b, 0), [rnd(5, 2), rnd(5, 2, seed=1)])
    tiny = torch.tensor([[1e-9, 0.0]], requires_grad=True)
    compare(F.cosine_similarity, TF.cosine_similarity, [tiny, rnd(1, 2, seed=2)],
            rtol=1e-4)


def test_embedding_functions():
    w = rnd(6, 3)
    idx = torch.tensor([[1, 5, 1], [0, 2, 3]])
    compare(lambda i, ww: F.embedding(i, ww, padding_idx=1),
            lambda i, ww: TF.embedding(i, ww, padding_idx=1), [idx, w])
    compare(lambda i, ww, o: F.embedding_bag(i, ww, o, mode="sum"),
            lambda i, ww, o: TF.embedding_bag(i, ww, o, mode="sum"),
            [torch.tensor([1, 2, 3, 4]), w, torch.tensor([0, 1])])


def test_embedding_double_backward():
    w = rnd(5, 2, dtype=torch.float64)
    we = to_ember(w)
    idx = ember.tensor([0, 3, 3])
    (ge,) = ember.autograd.grad((F.embedding(idx, we) ** 2).sum(), we, create_graph=True)
    (gt,) = torch.autograd.grad((TF.embedding(torch.tensor([0, 3, 3]), w) ** 2).sum(), w,
                                create_graph=True)
    np.testing.assert_allclose(ge.detach().numpy(), gt.detach().numpy())
    ge.sum().backward()
    gt.sum().backward()
    np.testing.assert_allclose(we.grad.numpy(), w.grad.numpy())


# -- dropout functions --------------------------------------------------------------------------

@pytest.mark.parametrize("name,shape", [("dropout", (50, 40)), ("dropout1d", (10, 20, 8)),
                                        ("dropout2d", (10, 20, 3, 3)),
                                        ("dropout3d", (4, 20, 2, 2, 2)),
                                        ("alpha_dropout", (50, 40)),
                                        ("feature_alpha_dropout", (10, 20, 4))])
def test_dropout_functions(name, shape):
    x = ember.randn(*shape)
    fn = getattr(F, name)
    assert fn(x, 0.3, training=False) is x
    assert fn(x, 0.0, training=True) is x
    ember.manual_seed(0)
    a = fn(x, 0.4, training=True)
    ember.manual_seed(0)
    b = fn(x, 0.4, training=True)
    np.testing.assert_array_equal(a.numpy(), b.numpy())       # seeded
    assert not np.array_equal(a.numpy(), x.numpy())
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        fn(x, -0.1)


def test_dropout_default_training_flags_match_torch():
    import inspect
    for name in ("dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
                 "feature_alpha_dropout"):
        te = inspect.signature(getattr(F, name)).parameters["training"].default
        tt = inspect.signature(getattr(TF, name)).parameters["training"].default
        assert te == tt, name


# -- init ---------------------------------------------------------------------------------------

def test_calculate_gain_and_fans():
    for nl, p in [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None),
                  ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None)]:
        assert enn.init.calculate_gain(nl, p) == pytest.approx(torch.nn.init.calculate_gain(nl,
                                                                                            p))
    with pytest.raises(ValueError, match="Unsupported nonlinearity foo"):
        enn.init.calculate_gain("foo")
    with pytest.raises(ValueError, match="not a valid number"):
        enn.init.calculate_gain("leaky_relu", "x")
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        enn.init.xavier_uniform_(ember.empty(3))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        enn.init.kaiming_uniform_(ember.empty(3, 3), mode="fan_avg")


@pytest.mark.parametrize("fn,kw,shape,bound_fn", [
    ("xavier_uniform_", {"gain": 2.0}, (300, 200),
     lambda fi, fo: 2.0 * math.sqrt(6.0 / (fi + fo))),
    ("kaiming_uniform_", {"a": math.sqrt(5)}, (200, 30, 3),
     lambda fi, fo: math.sqrt(6.0 / ((1 + 5) * fi))),
    ("kaiming_uniform_", {"mode": "fan_out", "nonlinearity": "relu"}, (100, 400),
     lambda fi, fo: math.sqrt(6.0 / fo)),
])
def test_uniform_initialisers(fn, kw, shape, bound_fn):
    w = ember.empty(*shape)
    assert getattr(enn.init, fn)(w, **kw) is w
    rec = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    b = bound_fn(shape[1] * rec, shape[0] * rec)
    v = w.numpy()
    assert np.abs(v).max() <= b and np.abs(v).max() > 0.97 * b
    assert abs(v.std() - b / math.sqrt(3)) < 0.03 * b


@pytest.mark.parametrize("fn,kw,shape,std_fn", [
    ("xavier_normal_", {}, (300, 200), lambda fi, fo: math.sqrt(2.0 / (fi + fo))),
    ("kaiming_normal_", {"nonlinearity": "relu"}, (300, 200), lambda fi, fo: math.sqrt(2 / fi)),
    ("normal_", {"mean": 1.0, "std": 0.5}, (300, 200), lambda fi, fo: 0.5),
])
def test_normal_initialisers(fn, kw, shape, std_fn):
    w = ember.empty(*shape)
    getattr(enn.init, fn)(w, **kw)
    v = w.numpy()
    assert abs(v.std() - std_fn(shape[1], shape[0])) < 0.03 * std_fn(shape[1], shape[0])
    assert abs(v.mean() - kw.get("mean", 0.0)) < 0.02


def test_trunc_normal_uniform_constant_eye_dirac():
    w = ember.empty(200, 300)
    enn.init.trunc_normal_(w, mean=0.5, std=1.0, a=-0.5, b=1.0)
    v = w.numpy()
    assert v.min() >= -0.5 and v.max() <= 1.0 and 0.2 < v.mean() < 0.35
    enn.init.uniform_(w, -2, 3)
    assert w.numpy().min() >= -2 and w.numpy().max() <= 3
    for fn, args in [("constant_", (0.3,)), ("ones_", ()), ("zeros_", ()), ("eye_", ())]:
        we, wt = ember.empty(3, 4), torch.empty(3, 4)
        getattr(enn.init, fn)(we, *args)
        getattr(torch.nn.init, fn)(wt, *args)
        np.testing.assert_array_equal(we.numpy(), wt.numpy())
    for shape, groups in [((4, 2, 3), 1), ((6, 3, 3, 3), 2), ((2, 4, 1, 3, 3), 1)]:
        we, wt = ember.empty(*shape), torch.empty(*shape)
        enn.init.dirac_(we, groups)
        torch.nn.init.dirac_(wt, groups)
        np.testing.assert_array_equal(we.numpy(), wt.numpy())
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        enn.init.eye_(ember.empty(2, 2, 2))
    with pytest.raises(ValueError, match="dim 0 must be divisible by groups"):
        enn.init.dirac_(ember.empty(3, 2, 3), groups=2)


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (3, 2, 2, 2)])
def test_orthogonal(shape):
    w = ember.empty(*shape)
    enn.init.orthogonal_(w, gain=2.0)
    m = w.numpy().reshape(shape[0], -1)
    small = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
    np.testing.assert_allclose(small, 4 * np.eye(small.shape[0]), atol=1e-4)
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions"):
        enn.init.orthogonal_(ember.empty(3))


def test_sparse_init():
    w = ember.empty(10, 7)
    enn.init.sparse_(w, 0.3, std=0.5)
    zeros_per_col = (w.numpy() == 0).sum(0)
    assert np.all(zeros_per_col == 3)


def test_init_generator_and_no_grad():
    p = enn.Parameter(ember.empty(5, 5))
    g1 = ember.Generator().manual_seed(7)
    enn.init.kaiming_uniform_(p, generator=g1)
    a = p.detach().numpy().copy()
    g2 = ember.Generator().manual_seed(7)
    enn.init.kaiming_uniform_(p, generator=g2)
    np.testing.assert_array_equal(a, p.detach().numpy())
    assert p.grad_fn is None and p.requires_grad
    for fn in ("uniform_", "normal_", "trunc_normal_", "xavier_uniform_", "xavier_normal_",
               "kaiming_normal_", "orthogonal_"):
        x = ember.empty(4, 4)
        getattr(enn.init, fn)(x, generator=ember.Generator().manual_seed(1))
        y = ember.empty(4, 4)
        getattr(enn.init, fn)(y, generator=ember.Generator().manual_seed(1))
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        enn.init.kaiming_uniform_(ember.empty(0, 3))
    assert any("zero-element" in str(m.message) for m in w)


# -- utils --------------------------------------------------------------------------------------

def _twins():
    torch.manual_seed(0)          # deterministic weights (the comparisons are relative)
    tm = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Linear(5, 2))
    em = enn.Sequential(enn.Linear(4, 5), enn.Linear(5, 2))
    from nn_compare import copy_weights
    copy_weights(em, tm)
    x = np.random.RandomState(0).randn(3, 4).astype(np.float32)
    (em(ember.tensor(x)) ** 2).sum().backward()
    (tm(torch.tensor(x)) ** 2).sum().backward()
    return em, tm


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 0.5, float("inf"), "inf"])
def test_clip_grad_norm(norm_type):
    em, tm = _twins()
    ne = enn.utils.clip_grad_norm_(em.parameters(), 0.7, norm_type=norm_type)
    nt = torch.nn.utils.clip_grad_norm_(tm.parameters(), 0.7, norm_type=norm_type)
    np.testing.assert_allclose(float(ne), float(nt), rtol=1e-5)
    for pe, pt in zip(em.parameters(), tm.parameters()):
        np.testing.assert_allclose(pe.grad.numpy(), pt.grad.numpy(), rtol=1e-5, atol=1e-7)
    # already small: unchanged
    g = [p.grad.numpy().copy() for p in em.parameters()]
    enn.utils.clip_grad_norm_(em.parameters(), 1e6)
    for p, before in zip(em.parameters(), g):
        np.testing.assert_allclose(p.grad.numpy(), before, rtol=1e-6)


def test_clip_grad_misc():
    em, tm = _twins()
    enn.utils.clip_grad_value_(em.parameters(), 0.1)
    torch.nn.utils.clip_grad_value_(tm.parameters(), 0.1)
    for pe, pt in zip(em.parameters(), tm.parameters()):
        np.testing.assert_allclose(pe.grad.numpy(), pt.grad.numpy(), rtol=1e-5, atol=1e-7)
    p = enn.Parameter(ember.ones(2))
    p.grad = ember.tensor([float("nan"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        enn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    assert float(enn.utils.clip_grad_norm_([enn.Parameter(ember.ones(2))], 1.0)) == 0.0
    grads = [q.grad for q in em.parameters()]
    tot = enn.utils.get_total_norm(grads, 3.0)
    ttot = torch.nn.utils.get_total_norm([q.grad for q in tm.parameters()], 3.0)
    np.testing.assert_allclose(float(tot), float(ttot), rtol=1e-5)
    enn.utils.clip_grads_with_norm_(em.parameters(), 0.01, tot)
    torch.nn.utils.clip_grads_with_norm_(tm.parameters(), 0.01, ttot)
    for pe, pt in zip(em.parameters(), tm.parameters()):
        np.testing.assert_allclose(pe.grad.numpy(), pt.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_parameters_vector_roundtrip():
    em, tm = _twins()
    ve = enn.utils.parameters_to_vector(em.parameters())
    vt = torch.nn.utils.parameters_to_vector(tm.parameters())
    np.testing.assert_allclose(ve.detach().numpy(), vt.detach().numpy())
    new = ember.arange(float(ve.numel()))
    enn.utils.vector_to_parameters(new, em.parameters())
    np.testing.assert_array_equal(em[0].weight.detach().numpy().ravel(), np.arange(20.0))
    assert isinstance(em[0].weight, enn.Parameter)
    with pytest.raises(TypeError, match="expected ember.Tensor"):
        enn.utils.vector_to_parameters([1.0], em.parameters())
