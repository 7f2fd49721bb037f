"""Tensor, Storage and views, differentially against torch (values, strides, offsets,
storage sharing, in-place through views), creation ops, repr, conversions, errors."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import ember


def same(e, t):
    assert tuple(e.shape) == tuple(t.shape)
    assert e.dtype.name == str(t.dtype).split(".")[1]
    np.testing.assert_allclose(np.asarray(e.detach().numpy(), dtype=float) if not e.dtype.is_complex
                               else e.detach().numpy(), t.detach().numpy(), rtol=1e-6, atol=1e-6)


def pair(shape, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    return ember.tensor(a), torch.tensor(a)


shapes = st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple)


@settings(max_examples=40, deadline=None)
@given(shapes, st.data())
def test_view_chain_strides_offsets_and_sharing(shape, data):
    e, t = pair(shape)
    for _ in range(3):
        n = e.dim()
        op = data.draw(st.sampled_from(["transpose", "slice", "unsqueeze", "select", "flip_T",
                                        "narrow", "expand"]))
        if op == "transpose" and n >= 2:
            i, j = data.draw(st.integers(0, n - 1)), data.draw(st.integers(0, n - 1))
            e, t = e.transpose(i, j), t.transpose(i, j)
        elif op == "slice":
            d = data.draw(st.integers(0, n - 1))
            step = data.draw(st.integers(1, 3))
            start = data.draw(st.integers(0, max(0, e.shape[d] - 1)))
            key = (slice(None),) * d + (slice(start, None, step),)
            e, t = e[key], t[key]
        elif op == "unsqueeze":
            d = data.draw(st.integers(-n - 1, n))
            e, t = e.unsqueeze(d), t.unsqueeze(d)
        elif op == "select" and n >= 2:
            d = data.draw(st.integers(0, n - 1))
            i = data.draw(st.integers(0, e.shape[d] - 1))
            e, t = e.select(d, i), t.select(d, i)
        elif op == "narrow" and e.shape[0] > 1:
            e, t = e.narrow(0, 1, e.shape[0] - 1), t.narrow(0, 1, t.shape[0] - 1)
        elif op == "expand":
            e, t = e.unsqueeze(0).expand(2, *e.shape), t.unsqueeze(0).expand(2, *t.shape)
        elif op == "flip_T" and n >= 1:
            e, t = e.T, t.T
        assert e.stride() == t.stride()
        assert e.storage_offset() == t.storage_offset()
        assert e.is_contiguous() == t.is_contiguous()
        same(e, t)
    # contiguous() / reshape
    same(e.contiguous(), t.contiguous())
    same(e.reshape(-1), t.reshape(-1))
    assert e.contiguous().is_contiguous()


def test_views_share_storage_and_inplace_is_visible():
    base = ember.zeros(3, 4)
    v = base[1:, ::2]
    assert v.untyped_storage().data_ptr() == base.untyped_storage().data_ptr()
    assert v._base is base
    v += 1
    assert base.tolist() == [[0, 0, 0, 0], [1, 0, 1, 0], [1, 0, 1, 0]]
    v.mul_(3)
    assert base[2].tolist() == [3, 0, 3, 0]
    t = base.t()
    t[0, 1] = 7
    assert base[1, 0].item() == 7
    base.view(-1)[0] = -1
    assert base[0, 0].item() == -1
    assert base._version > 0 and v._version == base._version


def test_inplace_keeps_identity():
    x = ember.ones(3)
    y = x
    x += 2
    x *= 2
    x.add_(1).sub_(1)
    assert y is x and x.tolist() == [6, 6, 6]


def test_view_errors_like_torch():
    x = ember.zeros(2, 3).t()
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        x.view(6)
    assert x.reshape(6).shape == (6,)
    with pytest.raises(RuntimeError, match="invalid for input of size"):
        ember.zeros(2, 3).view(4)
    with pytest.raises(IndexError, match="Dimension out of range"):
        ember.zeros(2, 3).transpose(0, 2)
    with pytest.raises(RuntimeError, match="must match the existing size"):
        ember.zeros(2, 3).expand(4, 3)
    with pytest.raises(IndexError, match="out of bounds"):
        ember.zeros(2, 3)[5]


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_indexing_matches_torch(data):
    e, t = pair((4, 5, 6), seed=3)
    kind = data.draw(st.sampled_from(["basic", "int_tensor", "bool", "mixed", "ellipsis"]))
    if kind == "basic":
        key = (data.draw(st.integers(-4, 3)), slice(1, None, 2), None)
    elif kind == "int_tensor":
        idx = data.draw(st.lists(st.integers(-5, 4), min_size=1, max_size=6))
        key = (slice(None), idx)
    elif kind == "bool":
        mask = np.random.default_rng(1).random((4, 5)) > 0.5
        key = mask
    elif kind == "mixed":
        key = ([0, 2, 3], slice(None), [1, 1, 5])
    else:
        key = (Ellipsis, 2)
    ek = ember.tensor(key) if isinstance(key, np.ndarray) else key
    tk = torch.tensor(key) if isinstance(key, np.ndarray) else key
    same(e[ek], t[tk])


def test_setitem_through_views_and_advanced():
    e, t = pair((4, 5))
    for key, val in [((slice(None), 1), 3.0), ((1,), [1, 2, 3, 4, 5]),
                     (([0, 2], [1, 3]), -1.0), ((slice(1, 3), slice(None, None, 2)), 9.0)]:
        e[key] = ember.tensor(val) if isinstance(val, list) else val
        t[key] = torch.tensor(val) if isinstance(val, list) else val
        same(e, t)
    m = e > 0
    e[m] = 0.5
    t[t > 0] = 0.5
    same(e, t)


def test_creation_ops_match_torch():
    same(ember.zeros(2, 3), torch.zeros(2, 3))
    same(ember.ones((2, 3), dtype=ember.int32), torch.ones((2, 3), dtype=torch.int32))
    same(ember.full((2,), 7), torch.full((2,), 7))
    same(ember.full((2,), 7.5), torch.full((2,), 7.5))
    same(ember.eye(3, 4), torch.eye(3, 4))
    same(ember.arange(5), torch.arange(5))
    same(ember.arange(1, 2.5, 0.5), torch.arange(1, 2.5, 0.5))
    same(ember.arange(10, 0, -3), torch.arange(10, 0, -3))
    same(ember.linspace(0, 1, 7), torch.linspace(0, 1, 7))
    same(ember.logspace(0, 2, 5), torch.logspace(0, 2, 5))
    same(ember.zeros_like(ember.ones(2, dtype=ember.int64)), torch.zeros(2, dtype=torch.int64))
    assert ember.empty(2, 3).shape == (2, 3)
    assert ember.Tensor(2, 3).shape == (2, 3) and ember.Tensor(2, 3).dtype is ember.float32
    assert ember.Tensor([2, 3]).tolist() == [2.0, 3.0]
    x = ember.ones(2, 3)
    assert x.new_zeros(4).dtype is ember.float32 if hasattr(x, "new_zeros") else True


def test_from_numpy_shares_memory():
    a = np.arange(6, dtype=np.float64).reshape(2, 3)
    t = ember.from_numpy(a)
    assert t.dtype is ember.float64
    a[0, 0] = 42
    assert t[0, 0].item() == 42
    t[1, 2] = -1
    assert a[1, 2] == -1
    tt = ember.from_numpy(a.T)
    assert tt.stride() == (1, 3) and tt.tolist() == a.T.tolist()
    n = t.numpy()
    n[0, 1] = 5
    assert a[0, 1] == 5
    with pytest.raises(ValueError, match="negative"):
        ember.from_numpy(a[:, ::-1])


def test_conversions():
    x = ember.tensor([[1.5, 2.0]])
    assert x.tolist() == [[1.5, 2.0]]
    assert ember.tensor(3.5).item() == 3.5 and float(ember.tensor(2)) == 2.0
    assert int(ember.tensor(7)) == 7
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        x.item()
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(x)
    assert x.to(ember.int64).dtype is ember.int64 and x.long().tolist() == [[1, 2]]
    assert x.to(ember.float32) is x
    assert x.to("cpu") is x
    assert x.to("cpu", copy=True) is not x
    assert x.double().dtype is ember.float64 and x.half().dtype is ember.float16
    assert x.cpu() is x
    with pytest.raises(RuntimeError, match="requires grad"):
        x.clone().requires_grad_().numpy()
    assert ember.tensor([1.7, -1.7]).int().tolist() == [1, -1]   # truncation as torch


def test_repr_matches_torch():
    cases = [
        ([[1.0, 2.0], [3.0, 4.0]], None), ([1.5, 2.25], None), ([1, 2, 3], None),
        ([True, False], None), (3.0, None), ([1e-5, 1.0], None), ([123456.0, 1.0], None),
        ([1.0, 2.0], "float64"), ([1, 2], "int32"), ([], None), ([[]], None),
        ([0, 0.5j, 1j], None), ([1 + 2j, -3.5 - 1j], None),
    ]
    for data, dt in cases:
        kw_e = {"dtype": getattr(ember, dt)} if dt else {}
        kw_t = {"dtype": getattr(torch, dt)} if dt else {}
        r_e = repr(ember.tensor(data, **kw_e))
        r_t = repr(torch.tensor(data, **kw_t)).replace("torch.", "ember.")
        assert r_e == r_t, (r_e, r_t)
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x) == "tensor([1., 2.], requires_grad=True)"
    assert repr(x * 2) == "tensor([2., 4.], grad_fn=<MulBackward0>)"
    big = repr(ember.arange(2000))
    assert big == repr(torch.arange(2000))


def test_device_object():
    d = ember.device("cuda:1")
    assert d.type == "cuda" and d.index == 1 and str(d) == "cuda:1"
    assert repr(d) == "device(type='cuda', index=1)"
    assert ember.device("cpu") == "cpu" and ember.ones(1).device == ember.device("cpu")
    with pytest.raises(RuntimeError, match="Invalid device string"):
        ember.device("cuda:x")


def test_cuda_absent_reports_unavailable():
    if ember.cuda.is_available():
        pytest.skip("a GPU is present")
    assert ember.cuda.device_count() == 0
    with pytest.raises(RuntimeError):
        ember.ones(1, device="cuda")


def test_unknown_device_error_names_known_types():
    with pytest.raises(RuntimeError, match="no backend is installed for device type 'nope'"):
        ember.zeros(1, device="nope")


def test_random_reproducible_and_generators():
    ember.manual_seed(123)
    a = ember.rand(5)
    ember.manual_seed(123)
    b = ember.rand(5)
    assert a.tolist() == b.tolist()
    st_ = ember.get_rng_state()
    c = ember.randn(4)
    ember.set_rng_state(st_)
    assert ember.randn(4).tolist() == c.tolist()
    g = ember.Generator().manual_seed(7)
    x = ember.randint(0, 10, (100,), generator=g)
    assert x.dtype is ember.int64 and 0 <= x.min().item() if hasattr(x, "min") else True
    g2 = ember.Generator().manual_seed(7)
    assert ember.randint(0, 10, (100,), generator=g2).tolist() == x.tolist()
    p = ember.randperm(10)
    assert sorted(p.tolist()) == list(range(10))
    n = ember.normal(2.0, 3.0, size=(20000,))
    assert abs(n.mean().item() - 2.0) < 0.1 and abs(((n - 2) ** 2).mean().item() - 9) < 0.4
    assert ember.initial_seed() == 123


def test_storage_api():
    x = ember.arange(6.0).reshape(2, 3)
    s = x.untyped_storage()
    assert s.size() == 6 and s.nbytes() == 24 and s.dtype is ember.float32
    assert x[1].storage_offset() == 3
    assert x.storage().tolist() == [0, 1, 2, 3, 4, 5]
    y = x.as_strided((2, 2), (1, 2), 1)
    assert y.tolist() == [[1, 3], [2, 4]]


def test_isclose_allclose_equal_nan_to_num_match_torch():
    a = [1.0, float("nan"), float("inf"), -float("inf"), 2.0, 1e-9]
    b = [1.0 + 1e-7, float("nan"), float("inf"), float("inf"), 2.1, 0.0]
    for en in (False, True):
        assert (ember.isclose(ember.tensor(a), ember.tensor(b), equal_nan=en).tolist() ==
                torch.isclose(torch.tensor(a), torch.tensor(b), equal_nan=en).tolist())
    assert ember.allclose(ember.ones(3), ember.ones(3) + 1e-9)
    assert not ember.allclose(ember.ones(3), ember.zeros(3))
    assert ember.equal(ember.arange(3), ember.arange(3))
    assert not ember.equal(ember.arange(3), ember.arange(4))
    e = ember.nan_to_num(ember.tensor(a), nan=7.0)
    t = torch.nan_to_num(torch.tensor(a), nan=7.0)
    assert e.tolist() == t.tolist()
    x = ember.tensor(a)
    x.nan_to_num_(posinf=1.0, neginf=-1.0)
    assert x.tolist()[1:4] == [0.0, 1.0, -1.0]
