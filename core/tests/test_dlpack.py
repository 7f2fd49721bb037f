"""DLPack and NumPy interchange: ``Tensor.__dlpack__``/``__dlpack_device__``,
``ember.from_dlpack``, ``ember.utils.dlpack``, ``Tensor.__array__``. Every exchange must share
memory: a write on one side is read on the other."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import ember
from ember.utils import dlpack as edl

torch = pytest.importorskip("torch")

SET = settings(max_examples=20, deadline=None, derandomize=True)

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64",
          "complex64", "complex128"]


def _data(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape) * 10
    if dtype.startswith("complex"):
        a = a + 1j * rng.standard_normal(shape)
    return a.astype(dtype)


# -- export ---------------------------------------------------------------------------------

def test_dlpack_device_cpu():
    t = ember.zeros(2)
    assert t.__dlpack_device__() == (1, 0)
    assert tuple(torch.zeros(2).__dlpack_device__()) == t.__dlpack_device__()


@pytest.mark.parametrize("dtype", DTYPES)
def test_numpy_reads_ember_and_shares(dtype):
    t = ember.tensor(_data((3, 4), dtype))
    a = np.from_dlpack(t)
    assert a.dtype == np.dtype(dtype) and a.shape == (3, 4)
    np.testing.assert_array_equal(a, t.numpy())
    a[1, 2] = a[0, 0]                    # write through numpy ...
    assert t[1, 2].item() == t[0, 0].item()   # ... read through ember


@pytest.mark.parametrize("dtype", DTYPES)
def test_torch_reads_ember_and_shares(dtype):
    t = ember.tensor(_data((2, 5), dtype))
    u = torch.from_dlpack(t)
    assert str(u.dtype) == f"torch.{dtype}" and tuple(u.shape) == (2, 5)
    np.testing.assert_array_equal(u.numpy(), t.numpy())
    t[0, 1] = t[1, 4]                     # write through ember, read through torch
    assert u[0, 1].item() == u[1, 4].item()
    assert u.data_ptr() == t.data_ptr()


def test_non_contiguous_export_keeps_strides():
    base = ember.arange(12.).reshape(3, 4)
    for view in (base.t(), base[:, 1::2], base[1:, :3].t(), base.unsqueeze(1).expand(3, 2, 4)):
        u = torch.from_dlpack(view)
        assert tuple(u.shape) == tuple(view.shape)
        assert u.stride() == view.stride()
        assert u.storage_offset() == 0 and u.data_ptr() == view.data_ptr()
        np.testing.assert_array_equal(u.numpy(), view.numpy())
    tt = torch.from_dlpack(base.t())
    tt[2, 1] = -5.                        # (2, 1) of the transpose is (1, 2) of the base
    assert base[1, 2].item() == -5.
    a = np.from_dlpack(base[:, 1::2])
    assert a.strides == (16, 8)           # float32: 4 bytes
    a[2, 1] = 99.
    assert base[2, 3].item() == 99.


@SET
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.integers(0, 2),
       st.sampled_from(["float32", "int64", "complex64"]))
def test_views_round_trip_through_torch(shape, which, dtype):
    t = ember.tensor(_data(tuple(shape), dtype))
    v = [t, t.transpose(0, -1), t.flatten()[::2]][which]
    u = torch.from_dlpack(v)
    assert u.stride() == v.stride() and tuple(u.shape) == tuple(v.shape)
    back = ember.from_dlpack(u)
    assert back.stride() == v.stride() and back.data_ptr() == v.data_ptr()
    np.testing.assert_array_equal(back.numpy(), v.numpy())


def test_export_requires_grad_raises_like_torch():
    t = ember.ones(3, requires_grad=True)
    with pytest.raises(BufferError, match="detach"):
        t.__dlpack__()
    with pytest.raises(BufferError):
        torch.ones(3, requires_grad=True).__dlpack__()
    u = torch.from_dlpack(t.detach())
    assert u.data_ptr() == t.data_ptr()


def test_export_copy_and_dl_device():
    t = ember.arange(4.)
    a = np.from_dlpack(t, copy=True)            # numpy asks for a copy
    a[0] = 10.
    assert t[0].item() == 0.
    cap = t.__dlpack__(dl_device=(1, 0), copy=False)
    assert type(cap).__name__ == "PyCapsule"
    with pytest.raises(BufferError, match="copy=False"):
        t.__dlpack__(dl_device=(2, 0), copy=False)
    with pytest.raises(BufferError, match="no installed ember backend|not available"):
        t.__dlpack__(dl_device=(2, 0))


def test_bfloat16_export_names_dtype_and_fix():
    t = ember.ones(2, dtype=ember.bfloat16)
    with pytest.raises(BufferError, match=r"bfloat16.*t\.float\(\)"):
        t.__dlpack__()
    with pytest.raises(BufferError, match="bfloat16"):
        ember.from_dlpack(torch.ones(2, dtype=torch.bfloat16))


def test_versioned_capsule_and_max_version():
    t = ember.arange(3.)
    cap = t.__dlpack__(max_version=(1, 0))
    assert '"dltensor_versioned"' in repr(cap)
    assert '"dltensor"' in repr(t.__dlpack__())          # legacy consumers: unversioned
    np.testing.assert_array_equal(np.from_dlpack(t), [0., 1., 2.])


# -- import ---------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_from_numpy_array_shares(dtype):
    a = _data((4, 3), dtype)
    t = ember.from_dlpack(a)
    assert t.dtype is getattr(ember, dtype) and t.device == ember.device("cpu")
    t[3, 0] = t[0, 0]
    assert a[3, 0] == a[0, 0]
    a[1, 1] = a[2, 2]
    assert t[1, 1].item() == t[2, 2].item()


@pytest.mark.parametrize("dtype", DTYPES)
def test_from_torch_tensor_shares(dtype):
    u = torch.from_numpy(_data((3, 2), dtype))
    t = ember.from_dlpack(u)
    assert t.dtype is getattr(ember, dtype)
    assert t.data_ptr() == u.data_ptr()
    u[2, 1] = u[0, 0]
    assert t[2, 1].item() == t[0, 0].item()


def test_from_dlpack_strided_numpy_views():
    a = np.arange(24.).reshape(4, 6)
    for v in (a.T, a[::2, 1::3], a[1:, 2:]):
        t = ember.from_dlpack(v)
        assert t.stride() == tuple(s // 8 for s in v.strides)
        np.testing.assert_array_equal(t.numpy(), v)
    t = ember.from_dlpack(a.T)
    t[5, 3] = -1.
    assert a[3, 5] == -1.
    with pytest.raises(BufferError, match="negative strides"):
        ember.from_dlpack(a[::-1])


def test_from_dlpack_options():
    a = np.arange(5.)
    t = ember.from_dlpack(a, copy=True)
    t[0] = 7.
    assert a[0] == 0.
    e = ember.arange(3.)
    same = ember.from_dlpack(e)
    same[0] = 5.
    assert e[0].item() == 5. and same.grad_fn is None
    shared = ember.from_dlpack(a, device="cpu", copy=False)
    shared[1] = 8.
    assert a[1] == 8.


def test_from_dlpack_errors():
    with pytest.raises(TypeError, match="__dlpack__"):
        ember.from_dlpack([1, 2, 3])

    class OnCuda:                       # a producer whose memory is on a CUDA device
        def __dlpack_device__(self):
            return (2, 0)

        def __dlpack__(self, **kw):
            raise AssertionError("must not be called")
    if not ember.cuda.is_available():
        with pytest.raises(BufferError, match=r"kDLCUDA.*index 0"):
            ember.from_dlpack(OnCuda())

    class OnOddDevice:
        def __dlpack_device__(self):
            return (15, 0)

        def __dlpack__(self, **kw):
            raise AssertionError("must not be called")
    with pytest.raises(BufferError, match=r"15 \(kDLWebGPU\).*no installed ember backend"):
        ember.from_dlpack(OnOddDevice())


def test_tensor_of_foreign_array_copies():
    u = torch.arange(4.)
    t = ember.tensor(u)
    t[0] = 9.
    assert u[0].item() == 0. and t.dtype is ember.float32


# -- ember.utils.dlpack ---------------------------------------------------------------------

def test_utils_capsules_round_trip_with_torch():
    t = ember.arange(6.).reshape(2, 3)
    u = torch.utils.dlpack.from_dlpack(edl.to_dlpack(t.t()))
    assert u.stride() == (1, 3)
    u[0, 1] = 42.
    assert t[1, 0].item() == 42.
    back = edl.from_dlpack(torch.utils.dlpack.to_dlpack(u))
    back[2, 1] = -3.
    assert t[1, 2].item() == -3. and u[2, 1].item() == -3.
    v = edl.from_dlpack(torch.arange(3.).__dlpack__(max_version=(1, 0)))   # versioned
    np.testing.assert_array_equal(v.numpy(), [0., 1., 2.])
    assert edl.from_dlpack is ember.from_dlpack


def test_utils_capsule_consumed_once():
    cap = edl.to_dlpack(ember.ones(2))
    torch.utils.dlpack.from_dlpack(cap)
    with pytest.raises(BufferError, match="already consumed"):
        edl.from_dlpack(cap)
    with pytest.raises(TypeError, match="ember Tensor"):
        edl.to_dlpack(np.ones(2))


# -- __array__ ------------------------------------------------------------------------------

def test_asarray_shares_memory():
    t = ember.arange(6.).reshape(2, 3)
    a = np.asarray(t)
    a[0, 0] = 5.
    assert t[0, 0].item() == 5.
    v = np.asarray(t.t())
    assert v.shape == (3, 2) and np.shares_memory(v, a)
    np.testing.assert_array_equal(np.asarray(t, dtype=np.float32), t.numpy().astype(np.float32))
    c = np.array(t, copy=True)
    c[0, 0] = -1.
    assert t[0, 0].item() == 5.
    with pytest.raises(ValueError):
        np.array(t, dtype=np.int32, copy=False)
    assert np.asarray(ember.tensor(3)).shape == ()


def test_asarray_requires_grad_matches_torch():
    with pytest.raises(RuntimeError) as te:
        np.asarray(torch.ones(2, requires_grad=True))
    with pytest.raises(RuntimeError) as ee:
        np.asarray(ember.ones(2, requires_grad=True))
    assert str(ee.value) == str(te.value)
    np.testing.assert_array_equal(np.asarray(ember.ones(2, requires_grad=True).detach()),
                                  [1., 1.])


def test_numpy_functions_accept_tensors():
    t = ember.tensor([[1., 2.], [3., 4.]])
    np.testing.assert_allclose(np.linalg.inv(t), np.linalg.inv(t.numpy()))
    r = np.add(t, 1)                     # ufuncs read tensors through __array__
    assert isinstance(r, np.ndarray) and r.tolist() == [[2., 3.], [4., 5.]]


def test_to_device_and_namespace():
    t = ember.ones(2)
    assert t.to_device("cpu") is t
    assert t.to_device(ember.device("cpu")).device == ember.device("cpu")
    with pytest.raises(ValueError, match="stream"):
        t.to_device("cpu", stream=1)
    import ember.array_api as xp
    assert t.__array_namespace__() is xp
    assert t.__array_namespace__(api_version="2023.12") is xp
    with pytest.raises(ValueError, match="api_version"):
        t.__array_namespace__(api_version="2019.01")


def test_reflected_shifts():
    t = ember.tensor([1, 2], dtype=ember.int16)
    r = 3 << t
    assert r.dtype is ember.int16 and r.tolist() == [6, 12]
    assert (64 >> t).tolist() == [32, 16]
    u = torch.tensor([1, 2], dtype=torch.int16)
    assert (3 << u).tolist() == r.tolist()
