"""dtypes and PyTorch's promotion rules, differentially against torch."""

import itertools

import pytest
import torch
from hypothesis import given, settings, strategies as st

import ember

ALL = [d for d in ember._dtype.ALL_DTYPES]
NAMES = {d: d.name for d in ALL}


def T(d):
    return getattr(torch, d.name)


def test_attributes_and_aliases():
    assert ember.float is ember.float32 and ember.double is ember.float64
    assert ember.half is ember.float16 and ember.long is ember.int64
    assert ember.int is ember.int32 and ember.short is ember.int16
    assert ember.cfloat is ember.complex64 and ember.cdouble is ember.complex128
    for d in ALL:
        td = T(d)
        assert d.itemsize == td.itemsize, d
        assert d.is_floating_point == td.is_floating_point, d
        assert d.is_complex == td.is_complex, d
        assert d.is_signed == td.is_signed, d
    assert repr(ember.float32) == "ember.float32"


@pytest.mark.parametrize("a,b", list(itertools.product(ALL, ALL)),
                         ids=lambda d: d.name)
def test_promote_types_table(a, b):
    assert ember.promote_types(a, b).name == str(torch.promote_types(T(a), T(b))).split(".")[1]


SCALARS = [True, 3, -2, 2.5, 1 + 2j]


@pytest.mark.parametrize("d", ALL, ids=lambda d: d.name)
@pytest.mark.parametrize("s", SCALARS, ids=repr)
def test_result_type_with_scalars(d, s):
    # ember has no complex32: where torch gives complex32 ember gives complex64 (docs/dtypes.md)
    def tname(x):
        n = str(x).split(".")[1]
        return "complex64" if n == "complex32" else n
    e = ember.zeros(2, dtype=d)
    t = torch.zeros(2, dtype=T(d))
    assert ember.result_type(e, s).name == tname(torch.result_type(t, s))
    e0 = ember.zeros((), dtype=d)
    t0 = torch.zeros((), dtype=T(d))
    assert ember.result_type(e0, s).name == tname(torch.result_type(t0, s))


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(ALL), st.sampled_from(ALL), st.booleans(), st.booleans())
def test_result_type_dim_vs_zero_dim(a, b, a0, b0):
    ea = ember.zeros(() if a0 else (2,), dtype=a)
    eb = ember.zeros(() if b0 else (2,), dtype=b)
    ta = torch.zeros(() if a0 else (2,), dtype=T(a))
    tb = torch.zeros(() if b0 else (2,), dtype=T(b))
    want = str(torch.result_type(ta, tb)).split(".")[1]
    assert ember.result_type(ea, eb).name == ("complex64" if want == "complex32" else want)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from([d for d in ALL if d not in (ember.bfloat16,)]),
       st.sampled_from([d for d in ALL if d not in (ember.bfloat16,)]),
       st.sampled_from(["add", "mul", "sub", "div", "eq", "lt"]))
def test_binary_op_result_dtypes_match_torch(a, b, op):
    ea, eb = ember.ones(3, dtype=a), ember.ones(3, dtype=b)
    ta, tb = torch.ones(3, dtype=T(a)), torch.ones(3, dtype=T(b))
    try:
        tr = getattr(torch, op)(ta, tb)
    except RuntimeError:
        with pytest.raises(RuntimeError):
            getattr(ember, op)(ea, eb)
        return
    r = getattr(ember, op)(ea, eb)
    assert r.dtype.name == str(tr.dtype).split(".")[1]
    assert r.tolist() == pytest.approx(tr.tolist()) if not r.dtype.is_complex else True


def test_default_dtype():
    assert ember.get_default_dtype() is ember.float32
    assert ember.tensor([1.5]).dtype is ember.float32
    assert ember.tensor([1 + 1j]).dtype is ember.complex64
    ember.set_default_dtype(ember.float64)
    try:
        assert ember.tensor([1.5]).dtype is ember.float64
        assert ember.tensor([1j]).dtype is ember.complex128
        assert ember.zeros(2).dtype is ember.float64
        assert (ember.ones(2, dtype=ember.int32) * 1.5).dtype is ember.float64
    finally:
        ember.set_default_dtype(ember.float32)
    with pytest.raises(TypeError, match="floating"):
        ember.set_default_dtype(ember.int64)


def test_tensor_inference_matches_torch():
    for data in ([1, 2], [1.0, 2], [True, False], [[1, 2], [3, 4]], 3, 2.5, True, [],
                 [1j, 2]):
        assert ember.tensor(data).dtype.name == str(torch.tensor(data).dtype).split(".")[1], data


def test_tensor_inference_promotes_every_element_like_torch():
    """Every element counts, not just the first: NumPy scalars keep their dtype, Python
    floats are the default dtype, and the kinds promote (as torch.tensor)."""
    import numpy as np
    cases = ([1.0, np.float64(2)], [np.float64(2), 1.0], [np.float32(1), 2.0],
             [[1.0], [np.float64(2)]], [1, np.int32(2)], [np.int8(1), True],
             [np.uint8(1), np.int8(-1)], [np.float16(1), 2], [1 + 2j, np.float64(1)],
             [[[True]], [[np.int16(3)]]], [[1.0, 2.0], [np.float64(3), 4.0]], [[]])
    for default in (ember.float32, ember.float64):
        ember.set_default_dtype(default)
        torch.set_default_dtype(getattr(torch, default.name))
        try:
            for data in cases:
                got, want = ember.tensor(data), torch.tensor(data)
                assert got.dtype.name == str(want.dtype).split(".")[1], (default, data)
                np.testing.assert_array_equal(got.numpy(), want.numpy())
        finally:
            ember.set_default_dtype(ember.float32)
            torch.set_default_dtype(torch.float32)


def test_legacy_type_names():
    x = ember.ones(2)
    assert x.type() == "ember.FloatTensor"
    assert ember.ones(2, dtype=ember.int64).type() == "ember.LongTensor"
    assert x.type(ember.float64).dtype is ember.float64
    assert x.type("ember.IntTensor").dtype is ember.int32
    assert isinstance(x, ember.FloatTensor) and not isinstance(x, ember.DoubleTensor)
    y = ember.LongTensor([1, 2])
    assert y.dtype is ember.int64 and y.tolist() == [1, 2]
    assert ember.DoubleTensor(2, 3).shape == (2, 3)
    assert ember.ByteTensor([1]).dtype is ember.uint8
    assert ember.cuda.FloatTensor.__name__ == "FloatTensor"


def test_bfloat16_and_float16_values():
    x = ember.tensor([1.5, 2.25, -3.0], dtype=ember.bfloat16)
    assert x.tolist() == [1.5, 2.25, -3.0]
    assert (x * 2).dtype is ember.bfloat16
    assert (x + ember.ones(3, dtype=ember.float16)).dtype is ember.float32
    h = ember.tensor([0.1], dtype=ember.half)
    t = torch.tensor([0.1], dtype=torch.half)
    assert h.exp().item() == pytest.approx(t.exp().item(), rel=1e-3)
