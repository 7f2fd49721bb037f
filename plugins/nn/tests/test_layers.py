"""ember-nn layers against torch.nn: containers, Linear/Bilinear/Identity/Flatten/Unflatten,
Embedding/EmbeddingBag, dropout, distances, activations (values, gradients, reprs, state_dict
keys, default initialisation)."""

import math
from collections import OrderedDict

import numpy as np
import pytest
import torch
import torch.nn as tnn

import ember
import ember.nn as enn
from nn_compare import compare_module, copy_weights, same_repr, to_ember

torch.manual_seed(0)


def rnd(*shape, seed=0, rg=True, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g, dtype=dtype).requires_grad_(rg)


# -- containers -----------------------------------------------------------------------------

def _seq(nn):
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3), nn.Tanh())


def test_sequential_forward_keys_repr():
    e, t = _seq(enn), _seq(tnn)
    assert list(e.state_dict()) == list(t.state_dict())
    assert same_repr(e, t)
    compare_module(e, t, rnd(5, 4))
    assert same_repr(e[1:], t[1:]) and type(e[1:]) is enn.Sequential
    assert isinstance(e[0], enn.Linear) and e[-1] is e[3]
    with pytest.raises(IndexError):
        e[4]
    assert len(e) == 4 and [type(m).__name__ for m in e] == ["Linear", "ReLU", "Linear", "Tanh"]


def test_sequential_mutation_matches_torch():
    for nn in (enn, tnn):
        s = nn.Sequential(nn.ReLU(), nn.Tanh())
        s.append(nn.Sigmoid())
        s.insert(1, nn.Identity())
        s.extend([nn.ReLU6()])
        popped = s.pop(0)
        del s[1]
        s[0] = nn.GELU()
        s2 = s + nn.Sequential(nn.Softsign())
        if nn is enn:
            er = (repr(s), repr(s2), type(popped).__name__, len(s))
        else:
            assert er == (repr(s), repr(s2), type(popped).__name__, len(s))
    od = OrderedDict([("fc", enn.Linear(2, 2)), ("act", enn.ReLU())])
    s = enn.Sequential(od)
    assert list(s.state_dict()) == ["fc.weight", "fc.bias"] and s.act is s[1]


def test_module_list_dict():
    for nn in (enn, tnn):
        ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
        ml.append(nn.ReLU())
        ml.insert(0, nn.Tanh())
        ml += [nn.ReLU()]
        md = nn.ModuleDict({"b": nn.Linear(1, 2), "a": nn.ReLU()})
        md["c"] = nn.Tanh()
        md.update([("d", nn.Identity())])
        p = md.pop("a")
        holder = nn.Module()
        holder.ml, holder.md = ml, md
        res = (repr(holder), list(holder.state_dict()), list(md.keys()), len(ml),
               type(ml[1:3]).__name__, type(p).__name__, "c" in md)
        if nn is enn:
            er = res
        else:
            assert er == res
    with pytest.raises(NotImplementedError):
        enn.ModuleList()(1)


def test_parameter_list_dict():
    for lib in (ember, torch):
        nn = lib.nn
        pl = nn.ParameterList([nn.Parameter(lib.ones(2)), lib.zeros(3, 2)])
        pl.append(lib.ones(1))
        pd = nn.ParameterDict({"w": lib.ones(2, 2), "a": nn.Parameter(lib.zeros(1))})
        pd["z"] = lib.ones(3)
        holder = nn.Module()
        holder.pl, holder.pd = pl, pd
        res = (repr(holder).replace("ember.", "torch."), list(holder.state_dict()), len(pl),
               list(pd.keys()), type(pd["w"]).__name__, type(pl[1]).__name__,
               [k for k, _ in holder.named_parameters()])
        if lib is ember:
            er = res
        else:
            assert er == res
    with pytest.raises(RuntimeError, match="should not be called"):
        enn.ParameterList()(1)


# -- linear & shape layers ------------------------------------------------------------------

@pytest.mark.parametrize("bias", [True, False])
def test_linear(bias):
    e, t = enn.Linear(5, 3, bias=bias), tnn.Linear(5, 3, bias=bias)
    assert same_repr(e, t) and list(e.state_dict()) == list(t.state_dict())
    compare_module(e, t, rnd(4, 5))
    compare_module(e, t, rnd(2, 3, 5))
    compare_module(e, t, rnd(5))
    with pytest.raises(RuntimeError, match="mat1 and mat2 shapes cannot be multiplied"):
        e(ember.ones(2, 4))


def test_linear_double_backward_and_dtype():
    e, t = enn.Linear(3, 2).double(), tnn.Linear(3, 2).double()
    copy_weights(e, t)
    xe = ember.tensor(np.random.RandomState(1).randn(4, 3), requires_grad=True)
    xt = torch.tensor(xe.detach().numpy(), requires_grad=True)
    (ge,) = ember.autograd.grad((e(xe) ** 2).sum(), xe, create_graph=True)
    (gt,) = torch.autograd.grad((t(xt) ** 2).sum(), xt, create_graph=True)
    ge.sum().backward()
    gt.sum().backward()
    np.testing.assert_allclose(e.weight.grad.numpy(), t.weight.grad.numpy(), rtol=1e-10)
    assert e.weight.dtype is ember.float64


def test_linear_default_init_distribution():
    ember.manual_seed(0)
    m = enn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w = m.weight.detach().numpy()
    assert np.abs(w).max() <= bound + 1e-7 and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.02 * bound
    b = m.bias.detach().numpy()
    assert np.abs(b).max() <= bound
    ember.manual_seed(0)
    assert np.array_equal(enn.Linear(400, 300).weight.detach().numpy(), w)   # seeded


def test_bilinear():
    e, t = enn.Bilinear(3, 4, 5), tnn.Bilinear(3, 4, 5)
    assert same_repr(e, t) and list(e.state_dict()) == list(t.state_dict())
    compare_module(e, t, rnd(6, 3), rnd(6, 4, seed=1))
    e2, t2 = enn.Bilinear(3, 4, 5, bias=False), tnn.Bilinear(3, 4, 5, bias=False)
    compare_module(e2, t2, rnd(2, 6, 3), rnd(2, 6, 4, seed=1))
    assert same_repr(e2, t2)


def test_identity_flatten_unflatten():
    assert same_repr(enn.Identity(3, k=1), tnn.Identity(3, k=1))
    compare_module(enn.Identity(), tnn.Identity(), rnd(2, 3))
    for args in [(), (0, -1), (1, 2), (-3, -2)]:
        e, t = enn.Flatten(*args), tnn.Flatten(*args)
        assert same_repr(e, t)
        compare_module(e, t, rnd(2, 3, 4, 5))
    e, t = enn.Unflatten(1, (2, 5)), tnn.Unflatten(1, (2, 5))
    assert same_repr(e, t)
    compare_module(e, t, rnd(3, 10))
    compare_module(enn.Unflatten(-1, (2, -1)), tnn.Unflatten(-1, (2, -1)), rnd(3, 10))
    with pytest.raises(TypeError):
        enn.Unflatten(1, 5)


# -- embeddings -----------------------------------------------------------------------------

@pytest.mark.parametrize("kw", [{}, {"padding_idx": 2}, {"padding_idx": -1},
                                {"scale_grad_by_freq": True}, {"max_norm": 1.0},
                                {"max_norm": 1.5, "norm_type": 1.0}])
def test_embedding(kw):
    e, t = enn.Embedding(7, 4, **kw), tnn.Embedding(7, 4, **kw)
    assert same_repr(e, t) and list(e.state_dict()) == list(t.state_dict())
    idx = torch.tensor([[0, 2, 4, 2], [6, 1, 2, 0]])
    copy_weights(e, t)
    compare_module(e, t, idx)
    if "max_norm" in kw:   # rows used were renormalised in place, as torch does
        np.testing.assert_allclose(e.weight.detach().numpy(), t.weight.detach().numpy(),
                                   rtol=1e-5)


def test_embedding_default_init_and_errors():
    ember.manual_seed(0)
    m = enn.Embedding(2000, 10, padding_idx=0)
    w = m.weight.detach().numpy()
    assert np.all(w[0] == 0) and abs(w[1:].std() - 1) < 0.05 and abs(w[1:].mean()) < 0.05
    with pytest.raises(IndexError, match="index out of range"):
        m(ember.tensor([2000]))
    with pytest.raises(RuntimeError, match="Long, Int"):
        m(ember.tensor([1.0]))
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        enn.Embedding(3, 2, padding_idx=3)


def test_embedding_from_pretrained():
    w = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    for freeze in (True, False):
        e = enn.Embedding.from_pretrained(to_ember(w), freeze=freeze, padding_idx=1)
        t = tnn.Embedding.from_pretrained(w, freeze=freeze, padding_idx=1)
        assert same_repr(e, t) and e.weight.requires_grad == (not freeze)
        np.testing.assert_array_equal(e(ember.tensor([2, 1])).detach().numpy(),
                                      t(torch.tensor([2, 1])).detach().numpy())
    src = ember.ones(2, 2)
    assert enn.Embedding.from_pretrained(src).weight.data_ptr() == src.data_ptr()


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("pad", [None, 3])
def test_embedding_bag(mode, pad):
    e = enn.EmbeddingBag(6, 3, mode=mode, padding_idx=pad)
    t = tnn.EmbeddingBag(6, 3, mode=mode, padding_idx=pad)
    assert same_repr(e, t)
    copy_weights(e, t)
    # 1-D input with offsets (an empty bag in the middle)
    inp, offs = torch.tensor([1, 2, 4, 3, 5, 0, 3, 1]), torch.tensor([0, 3, 3, 5])
    compare_module(e, t, inp, offs)
    # 2-D input
    compare_module(e, t, torch.tensor([[1, 3, 2], [4, 4, 5]]))
    # include_last_offset
    e2 = enn.EmbeddingBag(6, 3, mode=mode, include_last_offset=True, padding_idx=pad)
    t2 = tnn.EmbeddingBag(6, 3, mode=mode, include_last_offset=True, padding_idx=pad)
    compare_module(e2, t2, inp, torch.tensor([0, 3, 5, 8]))


def test_embedding_bag_per_sample_weights():
    e, t = enn.EmbeddingBag(6, 3, mode="sum"), tnn.EmbeddingBag(6, 3, mode="sum")
    copy_weights(e, t)
    inp, offs = torch.tensor([1, 2, 4, 3, 5]), torch.tensor([0, 2])
    compare_module(e, t, inp, offs, rnd(5))
    with pytest.raises(NotImplementedError):
        enn.EmbeddingBag(6, 3)(ember.tensor([1, 2]), ember.tensor([0]), ember.ones(2))
    with pytest.raises(ValueError, match="offsets has to be None"):
        e(ember.tensor([[1, 2]]), ember.tensor([0]))


# -- dropout --------------------------------------------------------------------------------

def test_dropout_statistics_and_eval():
    ember.manual_seed(0)
    x = ember.ones(200, 100)
    m = enn.Dropout(0.3)
    y = m(x).numpy()
    kept = y != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    m.eval()
    assert m(x) is x
    assert same_repr(enn.Dropout(0.3, inplace=True), tnn.Dropout(0.3, inplace=True))
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        enn.Dropout(1.5)
    assert float(enn.Dropout(1.0)(x).abs().sum()) == 0


def test_dropout_gradient_uses_mask():
    ember.manual_seed(1)
    x = ember.ones(50, 40, requires_grad=True)
    y = enn.Dropout(0.5)(x)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())


def test_dropout_inplace():
    ember.manual_seed(2)
    x = ember.ones(20, 20)
    y = enn.Dropout(0.5, inplace=True)(x)
    assert y is x and float((x == 0).sum()) > 0
    a = ember.ones(30, 30, requires_grad=True)
    b = a * 1
    out = enn.Dropout(0.5, inplace=True)(b)
    out.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), out.detach().numpy())


@pytest.mark.parametrize("cls,shape", [("Dropout1d", (8, 16, 10)), ("Dropout1d", (16, 10)),
                                       ("Dropout2d", (8, 16, 4, 4)),
                                       ("Dropout2d", (16, 4, 4)),
                                       ("Dropout3d", (4, 16, 2, 3, 3)),
                                       ("Dropout3d", (16, 2, 3, 3))])
def test_channel_dropout(cls, shape):
    ember.manual_seed(3)
    m = getattr(enn, cls)(0.5)
    assert same_repr(m, getattr(tnn, cls)(0.5))
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = m(ember.ones(*shape)).numpy()
    lead = 1 if len(shape) == {"Dropout1d": 2, "Dropout2d": 3, "Dropout3d": 4}[cls] else 2
    if cls == "Dropout2d" and len(shape) == 3:
        lead = 2          # 3-D input: (N, C, L) channel-wise, as torch
    flat = y.reshape(shape[:lead] + (-1,))
    # each channel is all-zero or all-scaled
    assert np.all((flat == 0).all(-1) | (flat == 2).all(-1))
    assert 0 < (flat == 0).all(-1).mean() < 1
    m.eval()
    x = ember.ones(*shape)
    assert m(x) is x


@pytest.mark.parametrize("cls", ["AlphaDropout", "FeatureAlphaDropout"])
def test_alpha_dropout(cls):
    ember.manual_seed(4)
    m = getattr(enn, cls)(0.2)
    assert same_repr(m, getattr(tnn, cls)(0.2))
    x = ember.randn(400, 50, 2, 2)
    y = m(x).numpy()
    # keeps zero mean / unit variance of normalised inputs
    assert abs(y.mean()) < 0.05 and abs(y.std() - 1) < 0.05
    m.eval()
    assert m(x) is x


# -- distances ------------------------------------------------------------------------------

@pytest.mark.parametrize("kw", [{}, {"p": 1.0}, {"p": 3.0, "keepdim": True}, {"eps": 0.0}])
def test_pairwise_distance(kw):
    e, t = enn.PairwiseDistance(**kw), tnn.PairwiseDistance(**kw)
    assert same_repr(e, t)
    compare_module(e, t, rnd(5, 4), rnd(5, 4, seed=1))
    compare_module(e, t, rnd(4), rnd(4, seed=1))


@pytest.mark.parametrize("dim", [1, 0, -1])
def test_cosine_similarity(dim):
    e, t = enn.CosineSimilarity(dim=dim), tnn.CosineSimilarity(dim=dim)
    assert same_repr(e, t)
    compare_module(e, t, rnd(3, 4, 5), rnd(3, 4, 5, seed=1))
    compare_module(e, t, rnd(3, 4, 5), rnd(1, 4, 5, seed=1))   # broadcast


# -- activations ----------------------------------------------------------------------------

ACTIVATIONS = [
    ("ReLU", (), {}), ("ReLU", (), {"inplace": True}), ("ReLU6", (), {}),
    ("LeakyReLU", (0.2,), {}), ("LeakyReLU", (), {"inplace": True}), ("ELU", (0.7,), {}),
    ("SELU", (), {}), ("CELU", (1.3,), {}), ("GELU", (), {}),
    ("GELU", (), {"approximate": "tanh"}), ("SiLU", (), {}), ("Mish", (), {}),
    ("Sigmoid", (), {}), ("Tanh", (), {}), ("Hardtanh", (-0.5, 0.7), {}),
    ("Hardsigmoid", (), {}), ("Hardswish", (), {}), ("Softplus", (), {}),
    ("Softplus", (2.0, 1.0), {}), ("Softsign", (), {}), ("Threshold", (0.1, -3.0), {}),
    ("LogSigmoid", (), {}), ("Tanhshrink", (), {}), ("Softshrink", (0.3,), {}),
    ("Hardshrink", (0.4,), {}), ("Softmax", (), {"dim": 1}), ("Softmax", (), {"dim": -1}),
    ("LogSoftmax", (), {"dim": 0}), ("Softmin", (), {"dim": 2}), ("GLU", (), {}),
    ("GLU", (1,), {}), ("Softmax2d", (), {}), ("ELU", (), {"inplace": True}),
    ("SiLU", (), {"inplace": True}), ("Hardtanh", (), {"inplace": True}),
    ("RReLU", (0.1, 0.3), {}),
]


@pytest.mark.parametrize("name,args,kw", ACTIVATIONS)
def test_activation(name, args, kw):
    e, t = getattr(enn, name)(*args, **kw), getattr(tnn, name)(*args, **kw)
    assert same_repr(e, t), (repr(e), repr(t))
    if name == "RReLU":
        e.eval()
        t.eval()
    if kw.get("inplace"):
        # values only here (a leaf that requires grad cannot be modified in place);
        # gradients of the in-place forms: test_activation_inplace_semantics
        compare_module(e, t, rnd(2, 4, 3, 6, rg=False) * 3, grad=False)
    else:
        compare_module(e, t, (rnd(2, 4, 3, 6) * 3).detach().requires_grad_())


@pytest.mark.parametrize("name,args,kw", [a for a in ACTIVATIONS if a[2].get("inplace")])
def test_activation_inplace_semantics(name, args, kw):
    e = getattr(enn, name)(*args, **kw)
    t = getattr(tnn, name)(*args, **kw)
    xe = ember.tensor(np.random.RandomState(0).randn(3, 5).astype(np.float32) * 2,
                      requires_grad=True)
    xt = torch.tensor(xe.detach().numpy(), requires_grad=True)
    he, ht = xe * 1.5, xt * 1.5
    oe, ot = e(he), t(ht)
    assert oe is he
    np.testing.assert_allclose(he.detach().numpy(), ht.detach().numpy(), rtol=1e-6)
    (oe * oe).sum().backward()
    (ot * ot).sum().backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-5)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        e(ember.ones(2, requires_grad=True))


def test_prelu():
    for n in (1, 4):
        e, t = enn.PReLU(n, init=0.1), tnn.PReLU(n, init=0.1)
        assert same_repr(e, t) and list(e.state_dict()) == list(t.state_dict())
        with torch.no_grad():
            t.weight.uniform_(-0.5, 0.5)
        compare_module(e, t, rnd(3, 4, 5))
        compare_module(e, t, rnd(2, 4))
    e = enn.PReLU()
    np.testing.assert_allclose(e.weight.detach().numpy(), [0.25])
    with pytest.raises(RuntimeError, match="mismatch of parameter numbers"):
        enn.PReLU(3)(ember.ones(2, 4))


def test_rrelu_training_slopes():
    ember.manual_seed(5)
    m = enn.RReLU(0.1, 0.3)
    x = -ember.ones(1000)
    y = -m(x).numpy()
    assert y.min() >= 0.1 and y.max() <= 0.3 and abs(y.mean() - 0.2) < 0.01
    np.testing.assert_allclose(m.eval()(x).numpy(), -0.2)


def test_activation_errors():
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        enn.GELU("fast")(ember.ones(2))
    with pytest.raises(RuntimeError, match="Halving dimension must be even"):
        enn.GLU()(ember.ones(2, 3))
    with pytest.raises(ValueError):
        enn.Hardtanh(1.0, -1.0)
