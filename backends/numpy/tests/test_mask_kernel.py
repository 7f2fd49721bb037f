"""The NumPy backend's optional ``mask_mul`` (NOTE [mask kernel] in ``ember.backend``): the
same values as the generic ``mul(x, astype(mask))`` for every dtype, and the relu / max-pool
gradients that use it equal torch's with and without it."""

import ml_dtypes
import numpy as np
import pytest
import torch

import ember
import ember.nn.functional as F

BE = type(ember.empty(1)._storage._be)


@pytest.mark.parametrize("dt", [np.float32, np.float64, np.float16, ml_dtypes.bfloat16,
                                np.int64, np.int8, np.uint8, np.complex64])
def test_mask_mul_equals_cast_and_multiply(dt):
    rs = np.random.RandomState(0)
    x = (rs.randn(5, 7) * 10).astype(dt)
    if np.dtype(dt).kind == "f":
        x[0, :3] = [np.nan, np.inf, -np.inf]
    mask = rs.rand(5, 7) > 0.5
    mask[0, :3] = [True, True, False]
    wide = np.complex128 if np.dtype(dt).kind == "c" else np.float64
    with np.errstate(invalid="ignore"):                    # inf * 0 on both sides
        got = BE.mask_mul(x, mask)
        want = np.multiply(x, mask.astype(dt))
        got_b = BE.mask_mul(x[1:], mask[1:2])               # a broadcast mask
        want_b = x[1:] * mask[1:2].astype(dt)
    assert got.dtype == x.dtype and got.shape == x.shape
    np.testing.assert_array_equal(got.astype(wide), want.astype(wide))
    np.testing.assert_array_equal(got_b.astype(wide), want_b.astype(wide))


@pytest.mark.parametrize("kernel", [True, False])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_relu_and_max_pool_gradients_with_and_without_the_kernel(monkeypatch, kernel, dtype):
    if not kernel:
        monkeypatch.delattr(BE, "mask_mul")
    calls = []
    if kernel:
        orig = BE.mask_mul
        monkeypatch.setattr(BE, "mask_mul",
                            staticmethod(lambda x, m: calls.append(1) or orig(x, m)))
    xn = np.random.RandomState(1).randn(2, 3, 6, 6).astype(dtype)
    xe = ember.tensor(xn, requires_grad=True)
    xt = torch.tensor(xn, requires_grad=True)
    ge = np.random.RandomState(2).randn(2, 3, 3, 3).astype(dtype)
    F.max_pool2d(F.relu(xe), 2).backward(ember.tensor(ge))
    torch.nn.functional.max_pool2d(torch.relu(xt), 2).backward(torch.tensor(ge))
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-6, atol=1e-6)
    assert (len(calls) > 0) == kernel
