"""Targeted tests for shape/joining ops, indexing ops and in-place random fills, against
PyTorch (values and gradients) where PyTorch defines the result."""

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import ember

torch = pytest.importorskip("torch")

SET = settings(max_examples=20, deadline=None, derandomize=True)


def _pair(arr, grad=True, dtype=None):
    """The same data as an ember and a torch tensor (float64 leaves by default)."""
    a = np.asarray(arr)
    e = ember.tensor(a, dtype=dtype)
    t = torch.tensor(a, dtype=getattr(torch, dtype.name) if dtype else None)
    if grad:
        e.requires_grad_()
        t.requires_grad_()
    return e, t


def _close(e, t, atol=1e-10):
    if isinstance(e, (tuple, list)):
        assert len(e) == len(t)
        for a, b in zip(e, t):
            _close(a, b, atol)
        return
    assert tuple(e.shape) == tuple(t.shape), (tuple(e.shape), tuple(t.shape))
    assert e.dtype.name == str(t.dtype).split(".")[1]
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), atol=atol, rtol=1e-7)


def _grads(e_out, t_out, e_in, t_in, seed=0):
    """Gradients of a weighted sum of the outputs w.r.t. the inputs, ember vs torch."""
    e_out = e_out if isinstance(e_out, (tuple, list)) else [e_out]
    t_out = t_out if isinstance(t_out, (tuple, list)) else [t_out]
    rng = np.random.default_rng(seed)
    es, ts = 0, 0
    for a, b in zip(e_out, t_out):
        w = rng.uniform(0.5, 1.5, size=tuple(a.shape))
        es = es + (a * ember.tensor(w)).sum()
        ts = ts + (b * torch.tensor(w)).sum()
    ge = ember.autograd.grad(es, e_in, allow_unused=True)
    gt = torch.autograd.grad(ts, t_in, allow_unused=True)
    for a, b in zip(ge, gt):
        if b is None:
            assert a is None or not bool((a != 0).any())
        else:
            _close(a, b)


shapes = st.lists(st.integers(0, 4), min_size=1, max_size=4)


# -- joining ----------------------------------------------------------------------------------

@SET
@given(shape=shapes, sizes=st.lists(st.integers(0, 3), min_size=1, max_size=4),
       dim=st.integers(-4, 3), seed=st.integers(0, 99))
def test_cat_shapes_values_grads(shape, sizes, dim, seed):
    d = dim % len(shape)
    rng = np.random.default_rng(seed)
    pairs = []
    for n in sizes:
        s = list(shape)
        s[d] = n
        pairs.append(_pair(rng.standard_normal(s)))
    es, ts = [p[0] for p in pairs], [p[1] for p in pairs]
    e, t = ember.cat(es, d), torch.cat(ts, d)
    _close(e, t)
    _grads(e, t, es, ts)


@SET
@given(shape=st.lists(st.integers(0, 3), min_size=0, max_size=3), k=st.integers(1, 4),
       dim=st.integers(-4, 3), seed=st.integers(0, 99))
def test_stack_shapes_values_grads(shape, k, dim, seed):
    d = dim % (len(shape) + 1)
    rng = np.random.default_rng(seed)
    pairs = [_pair(rng.standard_normal(shape)) for _ in range(k)]
    es, ts = [p[0] for p in pairs], [p[1] for p in pairs]
    e, t = ember.stack(es, d), torch.stack(ts, d)
    _close(e, t)
    _grads(e, t, es, ts)


def test_cat_promotes_like_torch():
    for da, db in [("int32", "float16"), ("int32", "bool"), ("uint8", "int8"),
                   ("float32", "float64"), ("int64", "complex64")]:
        a = ember.ones(2, dtype=getattr(ember, da))
        b = ember.zeros(3, dtype=getattr(ember, db))
        ta = torch.ones(2, dtype=getattr(torch, da))
        tb = torch.zeros(3, dtype=getattr(torch, db))
        _close(ember.cat([a, b]), torch.cat([ta, tb]))


def test_cat_grad_dtypes_follow_inputs():
    a = ember.ones(2, dtype=ember.float32, requires_grad=True)
    b = ember.ones(2, dtype=ember.float64, requires_grad=True)
    out = ember.cat([a, b])
    assert out.dtype is ember.float64
    out.sum().backward()
    assert a.grad.dtype is ember.float32 and b.grad.dtype is ember.float64


def test_cat_errors_name_shapes_and_dim():
    with pytest.raises(RuntimeError, match=r"dimension 0.*\[2, 3\].*\[3, 4\].*dim 0"):
        ember.cat([ember.ones(2, 3), ember.ones(3, 4)])
    with pytest.raises(RuntimeError, match="same number of dimensions: got 2 and 1"):
        ember.cat([ember.ones(2, 3), ember.ones(3)])
    with pytest.raises(RuntimeError, match="zero-dimensional tensor"):
        ember.cat([ember.tensor(1.0)])
    with pytest.raises(ValueError, match="non-empty"):
        ember.cat([])
    with pytest.raises(TypeError, match="tuple of Tensors"):
        ember.cat(ember.ones(2))
    with pytest.raises(RuntimeError, match=r"\[2, 3\] at entry 0 and \[3, 4\] at entry 1"):
        ember.stack([ember.ones(2, 3), ember.ones(3, 4)])
    with pytest.raises(IndexError, match="Dimension out of range"):
        ember.cat([ember.ones(2)], 1)


def test_cat_out_and_legacy_empty():
    out = ember.empty(0)
    r = ember.cat([ember.ones(2), ember.empty(0), ember.zeros(1)], out=out)
    assert r is out and out.tolist() == [1.0, 1.0, 0.0]
    assert ember.cat([ember.ones(2, 3), ember.empty(0)]).shape == (2, 3)


def test_hvd_column_stack_vs_torch():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(3), rng.standard_normal(3)
    m = rng.standard_normal((3, 2))
    for name, args in [("hstack", [a, b]), ("vstack", [a, b]), ("dstack", [a, b]),
                       ("column_stack", [a, m, b]), ("row_stack", [m.T, a[None, :]]),
                       ("hstack", [m, m]), ("dstack", [m, m])]:
        e = getattr(ember, name)([ember.tensor(x) for x in args])
        t = getattr(torch, name)([torch.tensor(x) for x in args])
        _close(e, t)


def test_atleast_and_broadcast_and_meshgrid():
    x0, x1, x2 = ember.tensor(1.0), ember.ones(3), ember.ones(2, 3)
    assert [t.shape for t in ember.atleast_1d(x0, x1)] == [(1,), (3,)]
    assert ember.atleast_2d(x1).shape == (1, 3)
    assert [t.shape for t in ember.atleast_3d([x0, x1, x2])] == [(1, 1, 1), (1, 3, 1),
                                                                 (2, 3, 1)]
    assert ember.atleast_1d(x1) is x1
    a, b = ember.broadcast_tensors(ember.ones(3, 1), ember.ones(4))
    assert a.shape == b.shape == (3, 4) and a.stride() == (1, 0)
    gx, gy = ember.meshgrid(ember.arange(3), ember.arange(2), indexing="xy")
    tx, ty = torch.meshgrid(torch.arange(3), torch.arange(2), indexing="xy")
    _close(gx, tx), _close(gy, ty)
    with pytest.raises(RuntimeError, match="0D or 1D"):
        ember.meshgrid(ember.ones(2, 2))
    with pytest.raises(ValueError, match="indexing"):
        ember.meshgrid(ember.ones(2), indexing="yx")


# -- splitting --------------------------------------------------------------------------------

@SET
@given(n=st.integers(0, 9), split=st.integers(1, 4), chunks=st.integers(1, 5),
       sections=st.integers(1, 5), cuts=st.lists(st.integers(-10, 10), max_size=3))
def test_split_chunk_tensor_split(n, split, chunks, sections, cuts):
    e, t = _pair(np.arange(2.0 * n).reshape(2, n), grad=False)
    _close(ember.split(e, split, 1), torch.split(t, split, 1))
    _close(e.chunk(chunks, -1), t.chunk(chunks, -1))
    _close(ember.tensor_split(e, sections, 1), torch.tensor_split(t, sections, 1))
    _close(ember.tensor_split(e, cuts, 1), torch.tensor_split(t, cuts, 1))
    # sizes that sum up
    rng = np.random.default_rng(n)
    sizes = list(np.diff(np.sort(np.r_[0, rng.integers(0, n + 1, 2), n])))
    _close(e.split([int(s) for s in sizes], 1), t.split([int(s) for s in sizes], 1))


def test_split_views_and_grad():
    e, t = _pair(np.arange(10.0).reshape(5, 2))
    parts = e.split([2, 3])
    assert parts[0]._base is e or parts[0].data_ptr() == e.data_ptr()
    _grads(parts, t.split([2, 3]), [e], [t])
    with pytest.raises(RuntimeError, match="sum exactly to 5"):
        e.split([2, 2])
    with pytest.raises(RuntimeError, match="greater than 0"):
        e.chunk(0)
    with pytest.raises(RuntimeError, match="dtype of long"):
        ember.tensor_split(e, ember.tensor(2.0))


# -- repeat / flip / roll ---------------------------------------------------------------------

@SET
@given(shape=shapes, data=st.data())
def test_flip_and_roll(shape, data):
    nd = len(shape)
    dims = data.draw(st.lists(st.integers(0, nd - 1), unique=True, max_size=nd))
    shifts = data.draw(st.lists(st.integers(-7, 7), min_size=len(dims), max_size=len(dims)))
    arr = np.random.default_rng(len(shape)).standard_normal(shape)
    e, t = _pair(arr)
    fe, ft = ember.flip(e, dims), torch.flip(t, dims)
    _close(fe, ft)
    _grads(fe, ft, [e], [t])
    if dims:
        re, rt = ember.roll(e, shifts, dims), torch.roll(t, shifts, dims)
        _close(re, rt)
        _grads(re, rt, [e], [t])
    s = data.draw(st.integers(-9, 9))
    _close(ember.roll(e, s), torch.roll(t, s))


@SET
@given(shape=st.lists(st.integers(0, 3), max_size=3), data=st.data())
def test_repeat_tile_interleave(shape, data):
    reps = data.draw(st.lists(st.integers(0, 3), min_size=len(shape), max_size=len(shape) + 2))
    arr = np.random.default_rng(3).standard_normal(shape)
    e, t = _pair(arr)
    _close(e.repeat(*reps), t.repeat(*reps)) if reps else None
    _grads(e.repeat(reps), t.repeat(reps), [e], [t]) if reps else None
    _close(ember.tile(e, reps), torch.tile(t, reps))
    r = data.draw(st.integers(0, 3))
    _close(e.repeat_interleave(r), t.repeat_interleave(r))
    if shape:
        d = data.draw(st.integers(0, len(shape) - 1))
        counts = data.draw(st.lists(st.integers(0, 3), min_size=shape[d], max_size=shape[d]))
        ce, ct = ember.tensor(counts, dtype=ember.int64), torch.tensor(counts, dtype=torch.int64)
        oe, ot = e.repeat_interleave(ce, dim=d), t.repeat_interleave(ct, dim=d)
        _close(oe, ot)
        _grads(oe, ot, [e], [t])


def test_repeat_interleave_indices_and_errors():
    _close(ember.repeat_interleave(ember.tensor([2, 0, 3])),
           torch.repeat_interleave(torch.tensor([2, 0, 3])))
    with pytest.raises(RuntimeError, match="same size as input along dim"):
        ember.ones(5).repeat_interleave(ember.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="negative"):
        ember.ones(3).repeat_interleave(ember.tensor([1, -1, 2]))
    with pytest.raises(RuntimeError, match="smaller than number of dimensions"):
        ember.ones(5, 2).repeat(2)


def test_rot90_tril_triu_diag_trace():
    arr = np.random.default_rng(0).standard_normal((3, 4))
    e, t = _pair(arr)
    for k in range(-5, 6):
        _close(ember.rot90(e, k), torch.rot90(t, k))
    for k in range(-4, 5):
        _close(e.tril(k), t.tril(k)), _close(e.triu(k), t.triu(k))
        _close(ember.diag(e, k), torch.diag(t, k))
    v, tv = _pair(arr[0])
    out_e, out_t = ember.diag(v, -2), torch.diag(tv, -2)
    _close(out_e, out_t)
    _grads(out_e, out_t, [v], [tv])
    # no nan leaks from masked-out infinities
    m = ember.full((2, 2), float("inf")).tril()
    assert m.tolist() == [[float("inf"), 0.0], [float("inf"), float("inf")]]
    _close(ember.trace(e), torch.trace(t))
    assert ember.trace(ember.ones(2, 2, dtype=ember.int32)).dtype is ember.int64
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        ember.ones(3).tril()
    with pytest.raises(RuntimeError, match="expected a matrix"):
        ember.ones(3).trace()
    with pytest.raises(RuntimeError, match="1D or 2D"):
        ember.diag(ember.ones(2, 2, 2))
    with pytest.raises(RuntimeError, match="different"):
        ember.rot90(e, 1, (0, 0))


def test_tril_inplace_and_second_derivative():
    x = ember.tensor(np.random.default_rng(1).standard_normal((3, 3)), requires_grad=True)
    y = x * 1.0
    y.triu_(1)
    tx = torch.tensor(x.detach().numpy(), requires_grad=True)
    ty = (tx * 1.0).triu_(1)
    _close(y, ty)
    _grads(y, ty, [x], [tx])
    # gradients of gradients through gather / flip / cat
    (g,) = ember.autograd.grad((ember.cat([x.flip(0), x]) ** 3).sum(), x, create_graph=True)
    (tg,) = torch.autograd.grad((torch.cat([tx.flip(0), tx]) ** 3).sum(), tx,
                                create_graph=True)
    _close(ember.autograd.grad(g.sum(), x)[0], torch.autograd.grad(tg.sum(), tx)[0])


def test_new_factories():
    x = ember.ones(2, dtype=ember.float64)
    assert x.new_zeros(2, 3).dtype is ember.float64 and x.new_zeros((2, 3)).shape == (2, 3)
    assert x.new_ones(3).tolist() == [1.0, 1.0, 1.0]
    assert x.new_full((2,), 7).tolist() == [7.0, 7.0]
    assert x.new_empty(4, dtype=ember.int32).dtype is ember.int32
    t = x.new_tensor([1, 2])
    assert t.dtype is ember.float64 and t.tolist() == [1.0, 2.0]
    assert x.new_tensor(x).data_ptr() != x.data_ptr()


# -- indexing ---------------------------------------------------------------------------------

def test_scatter_add_duplicate_indices():
    rng = np.random.default_rng(0)
    idx = np.array([[0, 1, 1, 0], [1, 1, 1, 1], [0, 0, 2, 2]])
    for dim in (0, 1):
        x, tx = _pair(rng.standard_normal((3, 4)))
        s, ts = _pair(rng.standard_normal((3, 4)))
        i, ti = ember.tensor(idx), torch.tensor(idx)
        e, t = x.scatter_add(dim, i, s), tx.scatter_add(dim, ti, ts)
        _close(e, t)
        _grads(e, t, [x, s], [tx, ts])


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_duplicates(reduce, include_self):
    rng = np.random.default_rng(1)
    xa = rng.standard_normal((4, 3))
    sa = rng.standard_normal((6, 3))
    if reduce == "prod":       # zeros in self and src exercise the zero-safe gradient
        xa[0, 0] = 0.0
        sa[1, 1] = sa[2, 2] = sa[4, 2] = 0.0
    idx = np.array([[0, 1, 2], [0, 1, 2], [0, 0, 2], [3, 3, 3], [1, 1, 2], [1, 3, 0]])
    x, tx = _pair(xa)
    s, ts = _pair(sa)
    e = x.scatter_reduce(0, ember.tensor(idx), s, reduce, include_self=include_self)
    t = tx.scatter_reduce(0, torch.tensor(idx), ts, reduce, include_self=include_self)
    _close(e, t)
    _grads(e, t, [x, s], [tx, ts])


@pytest.mark.filterwarnings("ignore:The reduce argument of torch.scatter")
def test_scatter_and_index_variants_vs_torch():
    rng = np.random.default_rng(2)
    xa = rng.standard_normal((3, 4))
    x, tx = _pair(xa, grad=False)
    idx = np.array([[2, 0, 1, 2]])
    src = rng.standard_normal((1, 4))
    _close(x.scatter(0, ember.tensor(idx), ember.tensor(src)),
           tx.scatter(0, torch.tensor(idx), torch.tensor(src)))
    _close(x.scatter(1, ember.tensor([[3], [0]]), 2.5),
           tx.scatter(1, torch.tensor([[3], [0]]), 2.5))
    _close(x.scatter(0, ember.tensor(idx), ember.tensor(src), reduce="multiply"),
           tx.scatter(0, torch.tensor(idx), torch.tensor(src), reduce="multiply"))
    # in-place forms
    for name, args in [("scatter_", (0, idx, src)), ("scatter_add_", (0, idx, src)),
                       ("index_add_", (1, np.array([0, 0, 3]), rng.standard_normal((3, 3)))),
                       ("index_copy_", (1, np.array([2, 0]), rng.standard_normal((3, 2)))),
                       ("index_fill_", (0, np.array([1]), -3.0))]:
        a, ta = _pair(xa, grad=False)
        conv = [ember.tensor(v) if isinstance(v, np.ndarray) else v for v in args]
        tconv = [torch.tensor(v) if isinstance(v, np.ndarray) else v for v in args]
        r = getattr(a, name)(*conv)
        getattr(ta, name)(*tconv)
        assert r is a
        _close(a, ta)
    # index_add with alpha and duplicates, gradients
    s, ts = _pair(rng.standard_normal((3, 5)))
    y, ty = _pair(xa)
    i = [0, 3, 3, 1, 0]
    e = y.index_add(1, ember.tensor(i), s, alpha=-2)
    t = ty.index_add(1, torch.tensor(i), ts, alpha=-2)
    _close(e, t)
    _grads(e, t, [y, s], [ty, ts])


def test_scatter_src_larger_than_index_grad_by_finite_differences():
    # PyTorch has no gradient here; check ours against central differences
    rng = np.random.default_rng(3)
    xa, sa = rng.standard_normal((3, 4)), rng.standard_normal((3, 5))
    idx = ember.tensor([[1, 3, 0], [2, 2, 1]])
    w = ember.tensor(rng.uniform(0.5, 1.5, (3, 4)))

    def f(s):
        return (ember.tensor(xa).scatter_add(1, idx, s) * w).sum()
    s = ember.tensor(sa, requires_grad=True)
    (g,) = ember.autograd.grad(f(s), s)
    num = np.zeros(sa.size)
    for k in range(sa.size):
        d = np.zeros(sa.size)
        d[k] = 1e-6
        num[k] = (float(f(ember.tensor(sa + d.reshape(sa.shape)))) -
                  float(f(ember.tensor(sa - d.reshape(sa.shape))))) / 2e-6
    np.testing.assert_allclose(g.numpy().ravel(), num, atol=1e-6)


def test_index_errors_are_informative():
    x = ember.ones(2, 3)
    with pytest.raises(RuntimeError, match="index 5 is out of bounds for dimension 1 with size 3"):
        x.gather(1, ember.tensor([[5]]))
    with pytest.raises(RuntimeError, match="index -1 is out of bounds"):
        x.gather(1, ember.tensor([[-1]]))
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        x.gather(1, ember.tensor([1]))
    with pytest.raises(RuntimeError, match="int32/int64"):
        x.scatter(1, ember.tensor([[1.0]]), 1.0)
    with pytest.raises(RuntimeError, match="dtype"):
        x.scatter(1, ember.tensor([[1]]), ember.ones(1, 1, dtype=ember.float64))
    with pytest.raises(RuntimeError, match="index 7 is out of bounds for dimension 0"):
        x.index_select(0, ember.tensor([7]))
    with pytest.raises(IndexError, match="vector"):
        x.index_select(1, ember.tensor([[1]]))
    with pytest.raises(IndexError, match="out of bounds"):
        x.index_add(0, ember.tensor([2]), ember.ones(1, 3))
    with pytest.raises(RuntimeError, match="same scalar type"):
        x.index_add(0, ember.tensor([1]), ember.ones(1, 3, dtype=ember.float64))
    with pytest.raises(RuntimeError, match="0-dimensional value tensor"):
        x.index_fill(1, ember.tensor([1]), ember.ones(3))
    with pytest.raises(RuntimeError, match="BoolTensor"):
        x.masked_select(ember.ones(2, 3))
    with pytest.raises(RuntimeError, match="source < number of ones"):
        x.masked_scatter(ember.ones(2, 3, dtype=ember.bool), ember.ones(3))
    with pytest.raises(IndexError, match="tried to access index 6 on a tensor of 6"):
        x.take(ember.tensor([6]))
    with pytest.raises(IndexError, match="same number of elements"):
        x.put_(ember.tensor([1, 2]), ember.ones(3))
    with pytest.raises(RuntimeError, match="sum, prod, mean, amax or amin"):
        x.scatter_reduce(1, ember.tensor([[1]]), ember.ones(1, 1), "max")
    with pytest.raises(RuntimeError, match="not implemented"):
        y = ember.ones(3, requires_grad=True)
        ember.zeros(3).scatter(0, ember.tensor([0, 1]), y, reduce="multiply").sum().backward()


def test_masked_take_put_vs_torch():
    rng = np.random.default_rng(4)
    xa = rng.standard_normal((3, 4))
    ma = rng.random((3, 4)) < 0.5
    x, tx = _pair(xa)
    m, tm = ember.tensor(ma), torch.tensor(ma)
    e, t = x.masked_select(m), tx.masked_select(tm)
    _close(e, t), _grads(e, t, [x], [tx])
    s, ts = _pair(rng.standard_normal(12))
    e, t = x.masked_scatter(m, s), tx.masked_scatter(tm, ts)
    _close(e, t), _grads(e, t, [x, s], [tx, ts])
    idx = [[0, -1, 5], [5, 5, 11]]
    e, t = x.take(ember.tensor(idx)), tx.take(torch.tensor(idx))
    _close(e, t), _grads(e, t, [x], [tx])
    v, tv = _pair(rng.standard_normal((2, 3)))
    e = x.put(ember.tensor(idx), v, accumulate=True)
    t = tx.put(torch.tensor(idx), tv, accumulate=True)
    _close(e, t), _grads(e, t, [x, v], [tx, tv])
    a, ta = _pair(xa, grad=False)
    a.put_(ember.tensor([1, -2]), ember.tensor([9.0, 8.0], dtype=ember.float64))
    ta.put_(torch.tensor([1, -2]), torch.tensor([9.0, 8.0], dtype=torch.float64))
    _close(a, ta)
    a.masked_scatter_(m[0], ember.arange(12.0, dtype=ember.float64))
    ta.masked_scatter_(tm[0], torch.arange(12.0, dtype=torch.float64))
    _close(a, ta)


def test_nonzero_forms():
    for arr in [np.array([[0, 1, 0], [2, 0, 3]]), np.array(5), np.array(0),
                np.zeros((0, 3)), np.zeros((2, 2)), np.array([True, False, True])]:
        e, t = ember.tensor(arr), torch.tensor(arr)
        _close(ember.nonzero(e), torch.nonzero(t))
        _close(e.nonzero(as_tuple=True), t.nonzero(as_tuple=True))
        _close(ember.argwhere(e), torch.argwhere(t))
    e = ember.tensor([[0.0, 1.0], [2.0, 0.0]])
    _close(ember.where(e > 0), torch.where(torch.tensor([[0.0, 1.0], [2.0, 0.0]]) > 0))
    out = ember.empty(0, dtype=ember.int64)
    assert ember.nonzero(e, out=out) is out and out.tolist() == [[0, 1], [1, 0]]


def test_zero_dim_inputs_and_indices():
    v, tv = torch.arange(3.0), torch.arange(3.0)
    e3 = ember.arange(3.0)
    _close(ember.gather(e3, 0, ember.tensor(1)), torch.gather(tv, 0, torch.tensor(1)))
    _close(ember.index_select(ember.tensor(3.0), 0, ember.tensor([0])),
           torch.index_select(torch.tensor(3.0), 0, torch.tensor([0])))
    _close(ember.scatter_add(ember.tensor(3.0), 0, ember.tensor(0), ember.tensor(2.0)),
           torch.scatter_add(torch.tensor(3.0), 0, torch.tensor(0), torch.tensor(2.0)))
    _close(e3.scatter(0, ember.tensor([1]), ember.tensor(7.0)),
           v.scatter(0, torch.tensor([1]), torch.tensor(7.0)))
    _close(ember.ones(2, 3).index_select(1, ember.tensor(1)),
           torch.ones(2, 3).index_select(1, torch.tensor(1)))


def test_as_strided_backward_uses_flat_index_add():
    x = ember.arange(6.0, dtype=ember.float64, requires_grad=True)
    y = x.as_strided((3, 3), (1, 1))          # overlapping windows
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 2.0, 3.0, 2.0, 1.0, 0.0]


def test_gather_double_backward():
    x, tx = _pair(np.random.default_rng(5).standard_normal((3, 4)))
    idx = [[0, 0, 3], [1, 2, 2], [3, 3, 3]]
    (g,) = ember.autograd.grad((x.gather(1, ember.tensor(idx)) ** 2).sum(), x,
                               create_graph=True)
    (tg,) = torch.autograd.grad((tx.gather(1, torch.tensor(idx)) ** 2).sum(), tx,
                                create_graph=True)
    _close(g, tg)
    _close(ember.autograd.grad((g * g).sum(), x)[0], torch.autograd.grad((tg * tg).sum(), tx)[0])


# -- random fills -----------------------------------------------------------------------------

FILLS = [("uniform_", (-2.0, 3.0)), ("normal_", (1.0, 2.0)), ("bernoulli_", (0.3,)),
         ("exponential_", (2.0,)), ("random_", (3, 10)), ("geometric_", (0.25,)),
         ("cauchy_", (1.0, 0.5)), ("log_normal_", (0.5, 0.25))]


@pytest.mark.parametrize("name,args", FILLS, ids=[f[0] for f in FILLS])
def test_random_fill_reproducible(name, args):
    ember.manual_seed(123)
    a = getattr(ember.empty(50), name)(*args)
    ember.manual_seed(123)
    b = getattr(ember.empty(50), name)(*args)
    assert a.tolist() == b.tolist()
    g1 = ember.Generator().manual_seed(7)
    g2 = ember.Generator().manual_seed(7)
    c = getattr(ember.empty(50), name)(*args, generator=g1)
    d = getattr(ember.empty(50), name)(*args, generator=g2)
    assert c.tolist() == d.tolist()
    e = getattr(ember.empty(50), name)(*args, generator=g1)
    assert e.tolist() != c.tolist()        # the generator's state moved on


def test_random_fill_ranges_and_moments():
    n = 20000
    ember.manual_seed(0)
    u = ember.empty(n, dtype=ember.float64).uniform_(-2, 3).numpy()
    assert u.min() >= -2 and u.max() < 3
    assert abs(u.mean() - 0.5) < 0.05 and abs(u.var() - 25 / 12) < 0.1
    z = ember.empty(n, dtype=ember.float64).normal_(1.0, 2.0).numpy()
    assert abs(z.mean() - 1.0) < 0.06 and abs(z.std() - 2.0) < 0.06
    b = ember.empty(n).bernoulli_(0.3).numpy()
    assert set(np.unique(b).tolist()) <= {0.0, 1.0} and abs(b.mean() - 0.3) < 0.015
    e = ember.empty(n, dtype=ember.float64).exponential_(2.0).numpy()
    assert e.min() >= 0 and abs(e.mean() - 0.5) < 0.02
    r = ember.empty(n, dtype=ember.int64).random_(3, 10).numpy()
    assert r.min() == 3 and r.max() == 9
    r = ember.empty(n, dtype=ember.int16).random_(5).numpy()
    assert r.min() == 0 and r.max() == 4
    r = ember.empty(n, dtype=ember.uint8).random_().numpy()
    assert r.max() == 255 and r.min() == 0
    f = ember.empty(n).random_().numpy()
    assert 2 ** 23 < f.max() <= 2 ** 24 and (f == np.floor(f)).all()
    gm = ember.empty(n, dtype=ember.float64).geometric_(0.25).numpy()
    assert gm.min() >= 1 and abs(gm.mean() - 4.0) < 0.15 and (gm == np.floor(gm)).all()
    ln = np.log(ember.empty(n, dtype=ember.float64).log_normal_(0.5, 0.25).numpy())
    assert abs(ln.mean() - 0.5) < 0.01 and abs(ln.std() - 0.25) < 0.01
    c = ember.empty(n, dtype=ember.float64).cauchy_(1.0, 0.5).numpy()
    assert abs(np.median(c) - 1.0) < 0.03
    q1, q3 = np.quantile(c, [0.25, 0.75])       # quartiles at median -/+ sigma
    assert abs(q1 - 0.5) < 0.04 and abs(q3 - 1.5) < 0.04
    bi = ember.empty(n, dtype=ember.bool).bernoulli_(ember.full((n,), 0.8))
    assert bi.dtype is ember.bool and abs(bi.numpy().mean() - 0.8) < 0.015
    bt = ember.empty(2, n).bernoulli_(ember.tensor([[0.1], [0.9]])).numpy()
    assert abs(bt[0].mean() - 0.1) < 0.015 and abs(bt[1].mean() - 0.9) < 0.015
    cz = ember.empty(n, dtype=ember.complex128).normal_().numpy()
    assert abs(cz.real.std() - math.sqrt(0.5)) < 0.02 and abs(cz.imag.std() - 0.7071) < 0.02
    cu = ember.empty(n, dtype=ember.complex64).uniform_(1, 2).numpy()
    assert cu.real.min() >= 1 and cu.imag.max() < 2


def test_random_fill_writes_views_only():
    base = ember.zeros(4, 6)
    view = base[:, ::2]
    r = view.uniform_(1, 2, generator=ember.Generator().manual_seed(0))
    assert r is view
    arr = base.numpy()
    assert (arr[:, 1::2] == 0).all() and (arr[:, ::2] >= 1).all()
    assert base._version > 0


def test_random_fill_errors_and_autograd():
    with pytest.raises(RuntimeError, match=r"from=2 > to=1"):
        ember.ones(3).uniform_(2, 1)
    with pytest.raises(NotImplementedError, match="Long"):
        ember.ones(3, dtype=ember.int64).uniform_()
    with pytest.raises(RuntimeError, match="std >= 0.0"):
        ember.ones(3).normal_(0, -1)
    with pytest.raises(RuntimeError, match="lambda > 0.0"):
        ember.ones(3).exponential_(0)
    with pytest.raises(RuntimeError, match="p to be in"):
        ember.ones(3).bernoulli_(2)
    with pytest.raises(RuntimeError, match="less than 'to'"):
        ember.ones(3).random_(3, 1)
    with pytest.raises(RuntimeError, match="floating point"):
        ember.ones(3, dtype=ember.int64).exponential_()
    with pytest.raises(RuntimeError, match="device type for generator"):
        _wrong_device_generator()
    leaf = ember.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        leaf.normal_()
    with ember.no_grad():
        leaf.normal_()
    x = ember.ones(3, requires_grad=True)
    y = x * 2
    y.uniform_()
    (y * 3).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


def _wrong_device_generator():
    class _Dev:
        type = "cuda"

        def __ne__(self, other):
            return True
    g = ember.Generator()
    g.device = _Dev()
    ember.ones(3).normal_(generator=g)
