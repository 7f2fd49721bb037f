"""Reductions and sorting/selection beyond the op table: named result tuples, ``unique``'s
return forms, NaN rules, errors, dtype arguments, second derivatives, searchsorted on sorted
data, and hypothesis sweeps over shapes/dims/keepdim compared with PyTorch."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import ember

torch = pytest.importorskip("torch")

NAN = float("nan")


def E(a, **kw):
    return ember.tensor(np.asarray(a), **kw)


def Tt(a, **kw):
    return torch.tensor(np.asarray(a), **kw)


def close(e, t, rtol=1e-6, atol=1e-8):
    if isinstance(t, (tuple, list)):
        assert isinstance(e, (tuple, list)) and len(e) == len(t)
        for a, b in zip(e, t):
            close(a, b, rtol, atol)
        return
    assert isinstance(e, ember.Tensor), type(e)
    assert tuple(e.shape) == tuple(t.shape), (tuple(e.shape), tuple(t.shape))
    assert e.dtype.name == str(t.dtype).split(".")[1], (e.dtype, t.dtype)
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol,
                               equal_nan=True)


def rng(seed=0):
    return np.random.default_rng(seed)


# -- named result tuples -----------------------------------------------------------------------

@pytest.mark.parametrize("name,call", [
    ("max", lambda m, x: m.max(x, 1)), ("min", lambda m, x: m.min(x, 0)),
    ("sort", lambda m, x: m.sort(x)), ("topk", lambda m, x: m.topk(x, 2)),
    ("kthvalue", lambda m, x: m.kthvalue(x, 2)), ("median", lambda m, x: m.median(x, 1)),
    ("nanmedian", lambda m, x: m.nanmedian(x, 1)), ("mode", lambda m, x: m.mode(x)),
    ("cummax", lambda m, x: m.cummax(x, 1)), ("cummin", lambda m, x: m.cummin(x, 0)),
    ("aminmax", lambda m, x: m.aminmax(x, dim=1)),
])
def test_named_tuples(name, call):
    a = rng(1).standard_normal((3, 4))
    r = call(ember, E(a))
    t = call(torch, Tt(a))
    assert type(r) is getattr(ember.return_types, name)
    assert isinstance(r, tuple) and len(r) == 2
    assert r._fields == (("min", "max") if name == "aminmax" else ("values", "indices"))
    for f in r._fields:
        close(getattr(r, f), getattr(t, f))
    first, second = r
    assert first is r[0] and second is r[1]
    assert repr(r).startswith(f"ember.return_types.{name}(\n{r._fields[0]}=tensor(")


def test_out_pairs_and_out_tensors():
    x = E([[1., 5., 2.], [7., 0., 3.]])
    v, i = ember.empty(0), ember.empty(0, dtype=ember.int64)
    r = ember.max(x, 1, out=(v, i))
    assert r.values is v and r.indices is i
    assert v.tolist() == [5., 7.] and i.tolist() == [1, 0]
    r = ember.sort(x, 1, descending=True, out=(ember.empty(0), ember.empty(0, dtype=ember.int64)))
    assert r.values.tolist() == [[5., 2., 1.], [7., 3., 0.]]
    o = ember.empty(0)
    assert ember.prod(x, 1, out=o) is o and o.tolist() == [10., 0.]
    o = ember.empty(0)
    ember.cumsum(x, 0, out=o)
    assert o.tolist() == [[1., 5., 2.], [8., 5., 5.]]
    o = ember.empty(0, dtype=ember.int64)
    ember.argmax(x, 1, out=o)
    assert o.tolist() == [1, 0]


def test_max_min_forms():
    a = rng(2).standard_normal((3, 4))
    b = rng(3).standard_normal((4,))
    close(ember.max(E(a), E(b)), torch.max(Tt(a), Tt(b)))
    close(E(a).min(E(b)), Tt(a).min(Tt(b)))
    close(ember.max(E(a), dim=1, keepdim=True), torch.max(Tt(a), dim=1, keepdim=True))
    close(ember.max(E(3.5), 0), torch.max(Tt(3.5), 0))
    close(ember.max(E(3.5), 0, keepdim=True), torch.max(Tt(3.5), 0, keepdim=True))
    close(ember.max(E([True, False])), torch.max(Tt([True, False])))
    close(ember.max(E([[True, False]]), 1), torch.max(Tt([[True, False]]), 1))
    close(ember.amax(E([True, False])), torch.amax(Tt([True, False])))


# -- unique ---------------------------------------------------------------------------------------

UNIQUE_INPUTS = [
    np.array([3, 1, 2, 1, 3, 3]),
    rng(4).integers(0, 5, (4, 6)),
    np.array([2.0, NAN, 1.0, NAN, 2.0, -0.0, 0.0]),
    np.array(7),
    np.zeros((0,), dtype=np.int64),
    rng(5).integers(0, 3, (3, 4, 2)),
]


@pytest.mark.parametrize("k", range(len(UNIQUE_INPUTS)))
@pytest.mark.parametrize("inv,cnt", [(False, False), (True, False), (False, True),
                                     (True, True)])
def test_unique_forms(k, inv, cnt):
    a = UNIQUE_INPUTS[k]
    e = ember.unique(E(a), return_inverse=inv, return_counts=cnt)
    t = torch.unique(Tt(a), return_inverse=inv, return_counts=cnt)
    close(e, t)
    if inv:
        # inverse reconstructs the input
        vals, inverse = e[0], e[1]
        rebuilt = vals[inverse.reshape(-1)].reshape(a.shape).numpy()
        np.testing.assert_array_equal(rebuilt, a)
    e2 = E(a).unique(sorted=False, return_inverse=inv, return_counts=cnt)
    close(e2, t)


@pytest.mark.parametrize("shape,dim", [((8, 3), 0), ((3, 8), 1), ((2, 9, 3), 1),
                                       ((10, 7), 0), ((5, 1), 0), ((1, 5), 1), ((0, 3), 0)])
def test_unique_dim(shape, dim):
    a = rng(6).integers(0, 2, shape)
    e = ember.unique(E(a), dim=dim, return_inverse=True, return_counts=True)
    t = torch.unique(Tt(a), dim=dim, return_inverse=True, return_counts=True)
    close(e, t)
    f = rng(7).integers(0, 2, shape).astype(np.float64) - 0.5
    close(ember.unique(E(f), dim=dim), torch.unique(Tt(f), dim=dim))


@pytest.mark.parametrize("dim", [None, 0, 1])
def test_unique_consecutive(dim):
    a = np.repeat(rng(8).integers(0, 3, (6, 2)), 2, axis=0)
    e = ember.unique_consecutive(E(a), return_inverse=True, return_counts=True, dim=dim)
    t = torch.unique_consecutive(Tt(a), return_inverse=True, return_counts=True, dim=dim)
    close(e, t)
    close(E(a).unique_consecutive(dim=dim), Tt(a).unique_consecutive(dim=dim))


def test_unique_not_differentiable():
    x = E([1., 2., 2.], requires_grad=True)
    u = ember.unique(x)
    assert not u.requires_grad
    with pytest.raises(RuntimeError, match="0 sized dimensions"):
        ember.unique(ember.zeros(2, 0), dim=0)


# -- errors ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("fn,exc,msg", [
    (lambda m: m.max(m.zeros(0, 3)), RuntimeError, "Expected reduction dim to be specified"),
    (lambda m: m.max(m.zeros(0, 3), 0), IndexError, "reduction dim 0 to have non-zero size"),
    (lambda m: m.amax(m.zeros(0, 3)), RuntimeError, "Expected reduction dim to be specified"),
    (lambda m: m.amin(m.zeros(0, 3), 0), IndexError, "reduction dim 0 to have non-zero size"),
    (lambda m: m.argmax(m.zeros(0, 3)), IndexError, "numel\\(\\) == 0"),
    (lambda m: m.argmin(m.zeros(3, 0), 1), IndexError, "reduction dim 1 to have non-zero"),
    (lambda m: m.argmax(m.tensor([True, False])), RuntimeError, "does not support bool"),
    (lambda m: m.max(m.zeros(2, 3), 2), IndexError, "Dimension out of range"),
    (lambda m: m.median(m.zeros(0, 3), 0), IndexError, "non-zero size"),
    (lambda m: m.mode(m.zeros(0, 3), 0), IndexError, "non-zero size"),
    (lambda m: m.aminmax(m.zeros(0, 3)), RuntimeError, "cannot compute aminmax"),
    (lambda m: m.var(m.tensor([1, 2])), RuntimeError, "std and var only support floating"),
    (lambda m: m.std(m.tensor([1, 2]), 0), RuntimeError, "std and var only support floating"),
    (lambda m: m.nanmean(m.tensor([1, 2])), RuntimeError, "floating point or complex"),
    (lambda m: m.norm(m.tensor([1, 2])), RuntimeError, "Expected a floating point or complex"),
    (lambda m: m.norm(m.zeros(0), float("inf")), RuntimeError, "inf norm on an empty"),
    (lambda m: m.norm(m.zeros(2, 2, 2), "fro", (0, 1, 2)), RuntimeError, "2-tuple"),
    (lambda m: m.quantile(m.zeros(3), 1.5), RuntimeError, "q must be in the range"),
    (lambda m: m.quantile(m.zeros(3, dtype=m.int64), 0.5), RuntimeError, "float or double"),
    (lambda m: m.quantile(m.zeros(3), m.zeros(1, dtype=m.float64)), RuntimeError,
     "same dtype"),
    (lambda m: m.quantile(m.zeros(3), m.zeros(1, 1)), RuntimeError, "scalar or 1D"),
    (lambda m: m.quantile(m.zeros(0), 0.5), RuntimeError, "non-empty"),
    (lambda m: m.quantile(m.zeros(3), 0.5, interpolation="cubic"), RuntimeError,
     "interpolation must be one of"),
    (lambda m: m.kthvalue(m.zeros(2, 3), 4), RuntimeError, "k out of range"),
    (lambda m: m.kthvalue(m.zeros(2, 3), 0, 1), RuntimeError, "k out of range"),
    (lambda m: m.topk(m.zeros(2, 3), 4), RuntimeError, "selected index k out of range"),
    (lambda m: m.topk(m.zeros(2, 3), -1), RuntimeError, "selected index k out of range"),
    (lambda m: m.sort(m.zeros(2, 3), 2), IndexError, "Dimension out of range"),
    (lambda m: m.bincount(m.tensor([-1, 3])), RuntimeError, "non-negative integral"),
    (lambda m: m.bincount(m.tensor([[1]])), RuntimeError, "non-negative integral"),
    (lambda m: m.bincount(m.tensor([1.0, 3.0])), NotImplementedError, "not implemented for"),
    (lambda m: m.bincount(m.tensor([1, 2]), minlength=-1), RuntimeError, "minlength"),
    (lambda m: m.histc(m.zeros(3), 0), RuntimeError, "bins must be > 0"),
    (lambda m: m.histc(m.zeros(3), 4, 3, 1), RuntimeError, "max must be larger than min"),
    (lambda m: m.histc(m.tensor([NAN]), 4), RuntimeError, "is not finite"),
    (lambda m: m.histc(m.tensor([1, 2]), 4), NotImplementedError, "not implemented for"),
    (lambda m: m.searchsorted(m.tensor([1., 2.]), m.tensor([1.]), right=True, side="left"),
     RuntimeError, "side and right can't be set to opposites"),
    (lambda m: m.searchsorted(m.zeros(1, 3), m.zeros(2, 1)), RuntimeError,
     "first N-1 dimensions"),
    (lambda m: m.searchsorted(m.zeros(1, 3), 2.0), RuntimeError, "scalar only when"),
    (lambda m: m.bucketize(m.tensor([2.]), m.zeros(1, 2)), RuntimeError,
     "boundaries tensor must be 1 dimension"),
    (lambda m: m.logsumexp(m.zeros(2, 3), 2), IndexError, "Dimension out of range"),
    (lambda m: m.sum(m.zeros(2, 3), (0, 0)), RuntimeError, "multiple times"),
])
def test_errors_match_torch(fn, exc, msg):
    with pytest.raises(exc, match=msg):
        fn(ember)
    with pytest.raises(exc):
        fn(torch)


def test_complex_ordering_errors():
    z = ember.tensor([1 + 1j, 2 - 1j])
    for f in (ember.max, ember.sort, ember.amax, ember.median, ember.argsort):
        with pytest.raises(RuntimeError, match="complex"):
            f(z)


# -- NaN rules ------------------------------------------------------------------------------------

NAN_ROWS = np.array([[1.0, NAN, 0.5, 2.0], [3.0, -1.0, 2.5, 0.0], [NAN, NAN, NAN, NAN],
                     [4.0, NAN, NAN, 1.0]])


@pytest.mark.parametrize("call", [
    lambda m, x: m.max(x), lambda m, x: m.min(x, 1), lambda m, x: m.max(x, 1),
    lambda m, x: m.amax(x, 1), lambda m, x: m.argmax(x, 1), lambda m, x: m.argmin(x),
    lambda m, x: m.median(x), lambda m, x: m.median(x, 1), lambda m, x: m.nanmedian(x),
    lambda m, x: m.nanmedian(x[:2], 1), lambda m, x: m.quantile(x, 0.4, 1),
    lambda m, x: m.nanquantile(x, 0.4, 1), lambda m, x: m.nanquantile(x, 0.3),
    lambda m, x: m.cummax(x, 1), lambda m, x: m.cummin(x, 1), lambda m, x: m.sort(x[:2], 1),
    lambda m, x: m.sort(x[:2], 1, descending=True), lambda m, x: m.topk(x[:2], 2),
    lambda m, x: m.topk(x[:2], 2, largest=False), lambda m, x: m.kthvalue(x[:2], 4),
    lambda m, x: m.nansum(x, 1), lambda m, x: m.nanmean(x, 1), lambda m, x: m.nanmean(x),
    lambda m, x: m.logsumexp(x, 1), lambda m, x: m.histc(x, 5, -2, 5),
    # where several NaNs tie, PyTorch leaves their order open: compare values only
    lambda m, x: m.nanmedian(x, 1)[0], lambda m, x: m.sort(x, 1)[0],
    lambda m, x: m.sort(x, 1, descending=True)[0], lambda m, x: m.topk(x, 2)[0],
    lambda m, x: m.kthvalue(x, 4)[0], lambda m, x: m.topk(x, 2, largest=False)[0],
])
def test_nan_rules(call):
    close(call(ember, E(NAN_ROWS)), call(torch, Tt(NAN_ROWS)))


def test_nansum_nanmean_gradients_skip_nan():
    a = np.array([[1.0, NAN, 2.0], [NAN, NAN, 3.0]])
    for name in ("nansum", "nanmean"):
        x = E(a, requires_grad=True)
        y = Tt(a, requires_grad=True)
        getattr(ember, name)(x, 1).sum().backward()
        getattr(torch, name)(y, 1).sum().backward()
        close(x.grad, y.grad)


# -- dtypes and argument forms ---------------------------------------------------------------------

def test_dtype_arguments_and_promotion():
    a = rng(9).standard_normal((2, 3)).astype(np.float32)
    i = rng(10).integers(-3, 4, (2, 3)).astype(np.int32)
    close(ember.prod(E(a), 1, dtype=ember.float64), torch.prod(Tt(a), 1, dtype=torch.float64))
    close(ember.cumsum(E(a), 0, dtype=ember.float64), torch.cumsum(Tt(a), 0,
                                                                   dtype=torch.float64))
    close(ember.cumprod(E(i), 1), torch.cumprod(Tt(i), 1))
    close(ember.prod(E(i)), torch.prod(Tt(i)))
    close(ember.cumsum(E([True, True, False]), 0), torch.cumsum(Tt([True, True, False]), 0))
    close(ember.nansum(E(a), 1, dtype=ember.float64), torch.nansum(Tt(a), 1,
                                                                   dtype=torch.float64))
    close(ember.nansum(E(i)), torch.nansum(Tt(i)))
    close(ember.norm(E(a), dim=1, dtype=ember.float64), torch.norm(Tt(a), dim=1,
                                                                   dtype=torch.float64))
    close(ember.logsumexp(E(i), 1), torch.logsumexp(Tt(i), 1))
    close(ember.count_nonzero(E(i), (0, 1)), torch.count_nonzero(Tt(i), (0, 1)))
    w = rng(11).standard_normal(6)
    idx = rng(12).integers(0, 4, 6)
    close(ember.bincount(E(idx), E(w)), torch.bincount(Tt(idx), Tt(w)))
    close(ember.bincount(E(idx), E(idx)), torch.bincount(Tt(idx), Tt(idx)))
    close(ember.bincount(E(idx).int(), minlength=9), torch.bincount(Tt(idx).int(), minlength=9))


@pytest.mark.filterwarnings("ignore:.*degrees of freedom:UserWarning")
def test_var_argument_forms():
    a = rng(13).standard_normal((3, 4))
    x, t = E(a), Tt(a)
    close(ember.var(x, 1, True), torch.var(t, 1, True))
    close(ember.var(x, True), torch.var(t, True))
    close(ember.var(x, False), torch.var(t, False))
    close(x.var(1, False, True), t.var(1, False, True))
    close(x.std(dim=0, correction=0, keepdim=True), t.std(dim=0, correction=0, keepdim=True))
    close(ember.std_mean(x, 1, correction=2), torch.std_mean(t, 1, correction=2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")         # PyTorch warns: degrees of freedom <= 0
        close(ember.var(E([1.0])), torch.var(Tt([1.0])))
        close(ember.var(E(2.5)), torch.var(Tt(2.5)))
    close(ember.var(x, 1, correction=5), torch.var(t, 1, correction=5))
    close(ember.var(ember.zeros(0, 3), 0), torch.var(torch.zeros(0, 3), 0))
    with pytest.raises(TypeError):
        ember.var(x, 1, True, correction=1)
    assert not hasattr(ember.Tensor, "var_mean") and not hasattr(ember.Tensor, "std_mean")


def test_quantile_forms():
    a = rng(14).standard_normal((3, 5))
    q = np.array([0.0, 0.25, 0.5, 1.0])
    for interp in ("linear", "lower", "higher", "midpoint", "nearest"):
        close(ember.quantile(E(a), E(q), 1, True, interpolation=interp),
              torch.quantile(Tt(a), Tt(q), 1, True, interpolation=interp))
        close(ember.quantile(E(a), 0.5, interpolation=interp),
              torch.quantile(Tt(a), 0.5, interpolation=interp))
    close(ember.quantile(E(a), E(q), keepdim=True), torch.quantile(Tt(a), Tt(q), keepdim=True))
    close(ember.quantile(E(np.arange(5.0)), E([0.125, 0.375, 0.625]), interpolation="nearest"),
          torch.quantile(torch.arange(5.0, dtype=torch.float64),
                         Tt([0.125, 0.375, 0.625]), interpolation="nearest"))


def test_norm_forms():
    a = rng(15).standard_normal((2, 3, 4))
    for p, dim in [("fro", None), ("fro", (0, 2)), (2, 1), (1, None), (3.5, (1, 2)),
                   (float("inf"), None), (-float("inf"), 0), (0, 2), (-1.5, 1), (None, 1)]:
        close(ember.norm(E(a), p, dim), torch.norm(Tt(a), p, dim))
        close(E(a).norm(p, dim, keepdim=True), Tt(a).norm(p, dim, keepdim=True))
    close(ember.norm(ember.zeros(0, 3)), torch.norm(torch.zeros(0, 3)))
    z = a[0] + 1j * a[1]
    close(ember.norm(E(z), 2, 1), torch.norm(Tt(z), 2, 1))


def test_scalar_and_empty_reductions():
    close(ember.prod(ember.zeros(0)), torch.prod(torch.zeros(0)))
    close(ember.sum(ember.zeros(0, 3)), torch.sum(torch.zeros(0, 3)))
    close(ember.median(ember.zeros(0)), torch.median(torch.zeros(0)))
    close(ember.logsumexp(ember.zeros(0, 2), 0), torch.logsumexp(torch.zeros(0, 2), 0))
    close(ember.histc(ember.zeros(0), 4), torch.histc(torch.zeros(0), 4))
    close(ember.bincount(ember.zeros(0, dtype=ember.int64)),
          torch.bincount(torch.zeros(0, dtype=torch.int64)))
    s = E(2.5)
    t = Tt(2.5)
    for call in (lambda m, x: m.cumsum(x, 0), lambda m, x: m.cummax(x, -1),
                 lambda m, x: m.sort(x), lambda m, x: m.topk(x, 1), lambda m, x: m.median(x),
                 lambda m, x: m.mode(x), lambda m, x: m.kthvalue(x, 1),
                 lambda m, x: m.amax(x, 0, True), lambda m, x: m.argmax(x, 0),
                 lambda m, x: m.std(x, 0, correction=0), lambda m, x: m.norm(x, 3),
                 lambda m, x: m.count_nonzero(x), lambda m, x: m.quantile(x, 0.3, 0, True),
                 lambda m, x: m.unique(x, return_inverse=True), lambda m, x: m.prod(x, 0)):
        close(call(ember, s), call(torch, t))


def test_mode_matches_torch_on_random_ties():
    for seed, shape, dim in [(0, (5, 12), 1), (1, (12, 4), 0), (2, (3, 4, 9), -1)]:
        a = rng(seed).integers(0, 4, shape)
        close(ember.mode(E(a), dim), torch.mode(Tt(a), dim))


def test_histc_bincount_random():
    a = rng(16).standard_normal(200)
    for bins, lo, hi in [(10, 0, 0), (7, -1, 1.5), (3, 2, 2)]:
        close(ember.histc(E(a), bins, lo, hi), torch.histc(Tt(a), bins, lo, hi))
        close(ember.histc(E(a).float(), bins, lo, hi), torch.histc(Tt(a).float(), bins, lo, hi))
    i = rng(17).integers(0, 30, 100)
    close(ember.bincount(E(i)), torch.bincount(Tt(i)))


def test_long_scans_and_wide_unique():
    a = rng(18).standard_normal((3, 1000))
    close(ember.cummax(E(a), 1), torch.cummax(Tt(a), 1))
    close(ember.cummin(E(a), 1), torch.cummin(Tt(a), 1))
    b = rng(19).integers(0, 2, (40, 13))
    close(ember.unique(E(b), dim=0, return_inverse=True, return_counts=True),
          torch.unique(Tt(b), dim=0, return_inverse=True, return_counts=True))


# -- searchsorted / bucketize on sorted data -----------------------------------------------------

@pytest.mark.parametrize("right", [False, True])
def test_searchsorted_1d(right):
    seq = np.sort(rng(20).integers(0, 10, 12)).astype(np.float64)     # with repeats
    vals = rng(21).integers(-1, 12, (3, 5)).astype(np.float64)
    close(ember.searchsorted(E(seq), E(vals), right=right),
          torch.searchsorted(Tt(seq), Tt(vals), right=right))
    side = "right" if right else "left"
    close(ember.searchsorted(E(seq), E(vals), side=side, out_int32=True),
          torch.searchsorted(Tt(seq), Tt(vals), side=side, out_int32=True))
    close(ember.searchsorted(E(seq), 4.0, right=right),
          torch.searchsorted(Tt(seq), 4.0, right=right))
    close(ember.bucketize(E(vals), E(seq), right=right),
          torch.bucketize(Tt(vals), Tt(seq), right=right))
    close(ember.bucketize(3.0, E(seq), right=right), torch.bucketize(3.0, Tt(seq), right=right))
    iseq = seq.astype(np.int64)
    close(ember.searchsorted(E(iseq), E(vals + 0.5)), torch.searchsorted(Tt(iseq),
                                                                          Tt(vals + 0.5)))


def test_searchsorted_nd_and_sorter():
    seq = np.sort(rng(22).standard_normal((2, 3, 6)), axis=-1)
    vals = rng(23).standard_normal((2, 3, 4))
    for right in (False, True):
        close(ember.searchsorted(E(seq), E(vals), right=right),
              torch.searchsorted(Tt(seq), Tt(vals), right=right))
    raw = rng(24).standard_normal(8)
    order = np.argsort(raw)
    v = rng(25).standard_normal(5)
    close(ember.searchsorted(E(raw), E(v), sorter=E(order)),
          torch.searchsorted(Tt(raw), Tt(v), sorter=Tt(order)))
    empty = np.zeros(0)
    close(ember.searchsorted(E(empty), E(v)), torch.searchsorted(Tt(empty), Tt(v)))
    close(ember.searchsorted(ember.zeros(0), E(v)),          # float32 boundaries: promoted
          torch.searchsorted(torch.zeros(0), Tt(v)))


# -- gradients: special points and second derivatives ------------------------------------------

def _grads(m, f, arrs, create_graph=False):
    xs = [(ember.tensor(a, requires_grad=True) if m is ember else
           torch.tensor(a, requires_grad=True)) for a in arrs]
    y = f(m, *xs)
    if isinstance(y, tuple):
        y = y[0]
    w = np.linspace(0.5, 1.5, int(np.prod(y.shape))).reshape(tuple(y.shape))
    w = ember.tensor(w) if m is ember else torch.tensor(w)
    gs = m.autograd.grad((y * w).sum(), xs, create_graph=create_graph)
    return xs, gs


@pytest.mark.parametrize("f,arr", [
    (lambda m, x: m.prod(x, 1), np.array([[0.0, 2.0, 3.0], [1.5, -2.0, 0.5]])),
    (lambda m, x: m.prod(x), np.array([[0.0, 2.0, 3.0], [1.5, -2.0, 0.5]])),
    (lambda m, x: m.prod(x, 0), np.array([[0.0, 2.0], [0.0, 3.0]])),
    (lambda m, x: m.cumprod(x, 0), np.array([2.0, 0.0, 2.0, 3.0, 0.0, 5.0])),
    (lambda m, x: m.cumprod(x, 1), np.array([[1.5, 2.0, 0.0, -3.0], [0.5, 0.0, 2.0, 1.0]])),
    (lambda m, x: m.cumprod(x, 0), np.array([0.7, -1.3, 2.0])),
    (lambda m, x: m.var(x, 1), rng(26).standard_normal((3, 4))),
    (lambda m, x: m.std(x, (0, 1), correction=0), rng(27).standard_normal((3, 4))),
    (lambda m, x: m.logsumexp(x, 1), rng(28).standard_normal((3, 4))),
    (lambda m, x: m.norm(x), rng(29).standard_normal((3, 4))),
    (lambda m, x: m.norm(x, 3, 1), rng(30).standard_normal((3, 4))),
    (lambda m, x: m.max(x, 1), rng(31).standard_normal((3, 4))),
    (lambda m, x: m.sort(x, 0), rng(32).standard_normal((3, 4))),
    (lambda m, x: m.cumsum(x, 1) ** 2, rng(33).standard_normal((3, 4))),
    (lambda m, x: m.amax(x, 1) ** 2, rng(34).standard_normal((3, 4))),
    (lambda m, x: m.quantile(x, 0.3, 1) ** 2, rng(35).standard_normal((3, 4))),
    (lambda m, x: m.topk(x * x, 2)[0], rng(36).standard_normal((3, 4))),
    (lambda m, x: m.cummax(x * x, 1)[0], rng(37).standard_normal((3, 4))),
])
def test_first_and_second_derivatives(f, arr):
    ex, eg = _grads(ember, f, [arr], create_graph=True)
    tx, tg = _grads(torch, f, [arr], create_graph=True)
    close(eg[0], tg[0])
    # second derivative: d/dx sum(grad * v)
    v = np.cos(np.arange(arr.size)).reshape(arr.shape)
    if not tg[0].requires_grad:
        return
    e2 = ember.autograd.grad((eg[0] * ember.tensor(v)).sum(), ex, allow_unused=True)[0]
    t2 = torch.autograd.grad((tg[0] * torch.tensor(v)).sum(), tx, allow_unused=True)[0]
    if t2 is None:
        assert e2 is None or not bool((e2 != 0).any())
    else:
        close(e2, t2, rtol=1e-6, atol=1e-9)


def test_std_gradient_at_zero_variance():
    for corr in (0, 1):
        x = ember.ones(3, requires_grad=True)
        ember.std(x, correction=corr).backward()
        assert x.grad.tolist() == [0.0, 0.0, 0.0]
    x = ember.ones(1, requires_grad=True)
    t = torch.ones(1, requires_grad=True)
    ember.var(x).backward()
    with pytest.warns(UserWarning):
        torch.var(t).backward()
    close(x.grad, t.grad)           # nan, as PyTorch


def test_norm_gradient_at_zero():
    for p in (2, 1, 3, 0.5, float("inf")):
        x = ember.zeros(3, requires_grad=True)
        t = torch.zeros(3, requires_grad=True, dtype=torch.float32)
        ember.norm(x, p).backward()
        torch.norm(t, p).backward()
        if p == float("inf"):
            continue                 # PyTorch splits among the three zeros; so does ember
        close(x.grad, t.grad)


def test_even_split_of_ties():
    a = np.array([[1.0, 3.0, 3.0], [3.0, 0.0, 3.0]])
    for f in (lambda m, x: m.max(x), lambda m, x: m.amax(x), lambda m, x: m.amax(x, 1),
              lambda m, x: m.amin(x, (0, 1)), lambda m, x: m.median(x),
              lambda m, x: m.aminmax(x).max, lambda m, x: m.norm(x, float("inf"), 1)):
        close(_grads(ember, f, [a])[1][0], _grads(torch, f, [a])[1][0])


def test_grad_fn_names():
    x = ember.randn(3, 4, requires_grad=True)
    names = {
        "MaxBackward1": x.max(), "MaxBackward0": x.max(1).values, "AmaxBackward0": x.amax(1),
        "MinBackward0": x.min(0)[0], "ProdBackward0": x.prod(1),
        "CumsumBackward0": x.cumsum(1), "CumprodBackward0": x.cumprod(0),
        "SortBackward0": x.sort(1).values, "TopkBackward0": x.topk(2).values,
        "KthvalueBackward0": x.kthvalue(2).values, "VarBackward0": x.var(),
        "StdBackward0": x.std(1), "LinalgVectorNormBackward0": x.norm(),
        "CummaxBackward0": x.cummax(1).values, "MedianBackward0": x.median(),
        "MedianBackward1": x.median(1).values, "ModeBackward0": x.mode(1).values,
    }
    for name, y in names.items():
        assert y.grad_fn.name() == name


def test_inplace_cumulative():
    a = rng(38).standard_normal((3, 4))
    x = E(a)
    assert x.cumsum_(1) is x
    close(x, torch.cumsum(Tt(a), 1))
    w = E(a, requires_grad=True)
    y = w * 2
    y.cumprod_(0)
    y.sum().backward()
    tw = Tt(a, requires_grad=True)
    ty = tw * 2
    ty.cumprod_(0)
    ty.sum().backward()
    close(w.grad, tw.grad)


# -- hypothesis: shapes x dims x keepdim against PyTorch -------------------------------------------

@st.composite
def _reduction_case(draw):
    nd = draw(st.integers(0, 3))
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=nd, max_size=nd)))
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none" or nd == 0:
        dim = None
    elif kind == "int":
        dim = draw(st.integers(-nd, nd - 1))
    else:
        dim = tuple(draw(st.lists(st.integers(0, nd - 1), min_size=1, max_size=nd,
                                  unique=True)))
    keepdim = draw(st.booleans())
    seed = draw(st.integers(0, 2 ** 16))
    return shape, dim, keepdim, seed


def _sweep(call, shape, seed, grad=True):
    a = np.random.default_rng(seed).standard_normal(shape)
    ex = ember.tensor(a, requires_grad=grad)
    tx = torch.tensor(a, requires_grad=grad)
    ey, ty = call(ember, ex), call(torch, tx)
    close(ey, ty, rtol=1e-9, atol=1e-12)
    if grad:
        ey = ey[0] if isinstance(ey, tuple) else ey
        ty = ty[0] if isinstance(ty, tuple) else ty
        w = np.random.default_rng(seed + 1).uniform(0.5, 1.5, tuple(ty.shape))
        eg = ember.autograd.grad((ey * ember.tensor(w)).sum(), [ex])[0]
        tg = torch.autograd.grad((ty * torch.tensor(w)).sum(), [tx])[0]
        close(eg, tg, rtol=1e-9, atol=1e-12)


@pytest.mark.filterwarnings("ignore:.*degrees of freedom:UserWarning")
@settings(max_examples=25, deadline=None)
@given(_reduction_case())
def test_hypothesis_sum_mean_amax_var(case):
    shape, dim, keepdim, seed = case
    if dim is None:
        _sweep(lambda m, x: m.sum(x), shape, seed)
        _sweep(lambda m, x: m.mean(x), shape, seed)
        _sweep(lambda m, x: m.max(x), shape, seed)
        _sweep(lambda m, x: m.var(x, correction=0), shape, seed)
        return
    _sweep(lambda m, x: m.sum(x, dim, keepdim), shape, seed)
    _sweep(lambda m, x: m.mean(x, dim, keepdim), shape, seed)
    _sweep(lambda m, x: m.amax(x, dim, keepdim), shape, seed)
    _sweep(lambda m, x: m.var(x, dim, keepdim=keepdim, correction=0), shape, seed)
    _sweep(lambda m, x: m.std(x, dim, keepdim=keepdim), shape, seed)
    _sweep(lambda m, x: m.logsumexp(x, dim, keepdim), shape, seed)


@settings(max_examples=20, deadline=None)
@given(_reduction_case())
def test_hypothesis_max_with_dim(case):
    shape, dim, keepdim, seed = case
    d = dim if isinstance(dim, int) else (dim[0] if dim else 0)
    _sweep(lambda m, x: m.max(x, d, keepdim), shape, seed)
    _sweep(lambda m, x: m.min(x, d, keepdim), shape, seed)
    _sweep(lambda m, x: m.median(x, d, keepdim), shape, seed)
    _sweep(lambda m, x: m.prod(x, d, keepdim), shape, seed)
    _sweep(lambda m, x: m.sort(x, d, descending=keepdim), shape, seed)
    _sweep(lambda m, x: m.cumsum(x, d), shape, seed)
