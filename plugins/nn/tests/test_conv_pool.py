"""Convolutions and pooling against torch: values and gradients for every option, double
backward, layer reprs/state_dict keys/initialisation, and error messages."""

import math

import numpy as np
import pytest
import torch
import torch.nn as tnn
import torch.nn.functional as TF
from hypothesis import given, settings, strategies as st

import ember
import ember.nn as enn
import ember.nn.functional as EF
from nn_compare import assert_close, compare, compare_module, same_repr, to_ember

pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")


def rnd(*shape, seed=0, rg=True, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g, dtype=dtype).requires_grad_(rg)


# -- convolution: functional ----------------------------------------------------------------

CONV2D_CASES = [
    dict(stride=1, padding=0, dilation=1, groups=1),
    dict(stride=2, padding=1, dilation=1, groups=1),
    dict(stride=(2, 1), padding=(1, 2), dilation=(2, 1), groups=1),
    dict(stride=1, padding="same", dilation=2, groups=2),
    dict(stride=1, padding="valid", dilation=1, groups=4),
    dict(stride=3, padding=2, dilation=1, groups=2),
]


@pytest.mark.parametrize("kw", CONV2D_CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d_options(kw, bias):
    g = kw["groups"]
    x, w = rnd(2, 4, 9, 8, seed=1), rnd(6 if g != 4 else 8, 4 // g, 3, 2, seed=2)
    b = rnd(w.shape[0], seed=3) if bias else None
    compare(lambda *a: EF.conv2d(*a, **kw), lambda *a: TF.conv2d(*a, **kw), [x, w, b])


@pytest.mark.parametrize("n", [1, 3])
def test_conv1d_conv3d(n):
    fn_e, fn_t = (EF.conv1d, TF.conv1d) if n == 1 else (EF.conv3d, TF.conv3d)
    sp = (11,) if n == 1 else (5, 6, 4)
    x, w, b = rnd(2, 4, *sp, seed=1), rnd(6, 2, *((3,) * n), seed=2), rnd(6, seed=3)
    for kw in (dict(groups=2), dict(stride=2, padding=1, dilation=1, groups=2),
               dict(padding="same", dilation=2, groups=2)):
        compare(lambda *a, kw=kw: fn_e(*a, **kw), lambda *a, kw=kw: fn_t(*a, **kw), [x, w, b])


def test_conv_unbatched_and_float32():
    x, w = rnd(3, 7, 7, dtype=torch.float32), rnd(2, 3, 3, 3, seed=1, dtype=torch.float32)
    compare(lambda *a: EF.conv2d(*a, padding=1), lambda *a: TF.conv2d(*a, padding=1), [x, w],
            rtol=1e-4, atol=1e-5)


@settings(max_examples=20, deadline=None)
@given(k=st.integers(1, 3), s=st.integers(1, 3), p=st.integers(0, 2), d=st.integers(1, 2),
       g=st.sampled_from([1, 2]), h=st.integers(5, 9), w_=st.integers(5, 9))
def test_conv2d_hypothesis(k, s, p, d, g, h, w_):
    x, w = rnd(2, 2 * g, h, w_, seed=h), rnd(3 * g, 2, k, k, seed=w_)
    compare(lambda *a: EF.conv2d(*a, None, s, p, d, g),
            lambda *a: TF.conv2d(*a, None, s, p, d, g), [x, w])


CONVT_CASES = [
    dict(stride=1, padding=0, output_padding=0, groups=1, dilation=1),
    dict(stride=2, padding=1, output_padding=1, groups=1, dilation=1),
    dict(stride=(3, 2), padding=(0, 1), output_padding=(2, 0), groups=2, dilation=1),
    dict(stride=1, padding=2, output_padding=1, groups=1, dilation=2),
]


@pytest.mark.parametrize("kw", CONVT_CASES)
def test_conv_transpose2d_options(kw):
    g = kw["groups"]
    x, w, b = rnd(2, 4, 5, 6, seed=1), rnd(4, 6 // g, 3, 2, seed=2), rnd(6, seed=3)
    compare(lambda *a: EF.conv_transpose2d(*a, **kw), lambda *a: TF.conv_transpose2d(*a, **kw),
            [x, w, b])


@pytest.mark.parametrize("n", [1, 3])
def test_conv_transpose1d_3d(n):
    fe, ft = ((EF.conv_transpose1d, TF.conv_transpose1d) if n == 1 else
              (EF.conv_transpose3d, TF.conv_transpose3d))
    sp = (7,) if n == 1 else (3, 4, 3)
    x, w, b = rnd(2, 4, *sp, seed=1), rnd(4, 3, *((2,) * n), seed=2), rnd(3, seed=3)
    for kw in (dict(), dict(stride=2, padding=1, output_padding=1)):
        compare(lambda *a, kw=kw: fe(*a, **kw), lambda *a, kw=kw: ft(*a, **kw), [x, w, b])


@pytest.mark.parametrize("transposed", [False, True])
def test_conv_double_backward(transposed):
    x, w = rnd(2, 4, 6, 7, seed=1), rnd(4, 2, 3, 3, seed=2)
    kw = dict(stride=2, padding=1, groups=2)
    outs = []
    for lib, F in ((ember, EF), (torch, TF)):
        xx, ww = (to_ember(x), to_ember(w)) if lib is ember else (x.detach().clone(
        ).requires_grad_(), w.detach().clone().requires_grad_())
        fn = F.conv_transpose2d if transposed else F.conv2d
        y = fn(xx, ww, **kw)
        gx, gw = lib.autograd.grad((y * y).sum(), [xx, ww], create_graph=True)
        ((gx.sin()).sum() + (gw * gw).sum()).backward()
        outs.append((xx.grad, ww.grad, gx, gw))
    for e, t in zip(*outs, strict=False):
        assert_close(e, t, 1e-8, 1e-8)
    assert type(outs[0][2].grad_fn).__name__ == "ConvolutionBackward0"


def test_conv_grad_fn_name():
    y = EF.conv2d(ember.randn(1, 1, 4, 4, requires_grad=True), ember.randn(1, 1, 3, 3))
    assert type(y.grad_fn).__name__ == "ConvolutionBackward0"


# -- convolution: layers --------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding", [1, (2, 1), "same"])
def test_conv2d_module_padding_modes(mode, padding):
    e = enn.Conv2d(3, 4, (3, 2), padding=padding, padding_mode=mode, dtype=ember.float64)
    t = tnn.Conv2d(3, 4, (3, 2), padding=padding, padding_mode=mode, dtype=torch.float64)
    assert same_repr(e, t)
    compare_module(e, t, rnd(2, 3, 6, 7))


def test_conv1d_conv3d_modules():
    for e, t, x in ((enn.Conv1d(4, 6, 3, stride=2, groups=2, padding_mode="circular",
                                padding=1, dtype=ember.float64),
                     tnn.Conv1d(4, 6, 3, stride=2, groups=2, padding_mode="circular",
                                padding=1, dtype=torch.float64), rnd(2, 4, 9)),
                    (enn.Conv3d(2, 3, 2, bias=False, dtype=ember.float64),
                     tnn.Conv3d(2, 3, 2, bias=False, dtype=torch.float64), rnd(1, 2, 4, 3, 5))):
        assert same_repr(e, t)
        assert list(e.state_dict()) == list(t.state_dict())
        compare_module(e, t, x)


def test_conv_transpose_module_output_size():
    e = enn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, dtype=ember.float64)
    t = tnn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, dtype=torch.float64)
    assert same_repr(e, t)
    compare_module(e, t, rnd(1, 4, 5, 5))
    from nn_compare import copy_weights
    copy_weights(e, t)
    x = rnd(1, 4, 5, 5)
    assert_close(e(to_ember(x), output_size=(10, 10)), t(x, output_size=(10, 10)), 1e-10, 1e-10)
    assert tuple(e(to_ember(x), output_size=[1, 2, 9, 10]).shape) == (1, 2, 9, 10)
    with pytest.raises(ValueError, match="requested an output size"):
        e(to_ember(x), output_size=(12, 12))
    e1 = enn.ConvTranspose1d(4, 6, 3, groups=2, dilation=2, output_padding=1, stride=2)
    t1 = tnn.ConvTranspose1d(4, 6, 3, groups=2, dilation=2, output_padding=1, stride=2)
    assert same_repr(e1, t1) and list(e1.state_dict()) == list(t1.state_dict())
    e3 = enn.ConvTranspose3d(2, 2, 2, bias=False)
    assert repr(e3) == repr(tnn.ConvTranspose3d(2, 2, 2, bias=False))


def test_conv_reprs_and_keys():
    pairs = [((1, 6, 5), {}), ((4, 6, 3), dict(stride=2, padding=1, dilation=2, groups=2)),
             ((4, 4, 3), dict(padding="same", bias=False, padding_mode="reflect")),
             ((4, 4, 3), dict(padding="valid"))]
    for a, k in pairs:
        assert same_repr(enn.Conv2d(*a, **k), tnn.Conv2d(*a, **k))
        assert list(enn.Conv2d(*a, **k).state_dict()) == list(tnn.Conv2d(*a, **k).state_dict())


def test_conv_default_init_distribution():
    ember.manual_seed(0)
    m = enn.Conv2d(16, 32, 3)
    bound = 1 / math.sqrt(16 * 9)
    w = m.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound
    b = m.bias.detach().numpy()
    assert np.abs(b).max() <= bound
    mt = enn.ConvTranspose2d(8, 4, 3, groups=2)
    assert tuple(mt.weight.shape) == (8, 2, 3, 3)
    assert np.abs(mt.weight.detach().numpy()).max() <= 1 / math.sqrt(2 * 9)


def test_conv_module_errors():
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        enn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="out_channels must be divisible by groups"):
        enn.Conv2d(4, 3, 3, groups=2)
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        enn.Conv2d(4, 4, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="Invalid padding string 'full'"):
        enn.Conv2d(4, 4, 3, padding="full")
    with pytest.raises(ValueError, match="not supported for strided convolutions"):
        enn.Conv2d(4, 4, 3, padding="same", stride=2)
    with pytest.raises(ValueError, match='Only "zeros" padding mode'):
        enn.ConvTranspose2d(4, 4, 3, padding_mode="reflect")


def test_conv_functional_errors():
    x, w = ember.randn(2, 3, 8, 8), ember.randn(4, 3, 3, 3)
    with pytest.raises(RuntimeError, match=r"expected input\[2, 2, 8, 8\] to have 3 channels, "
                                           r"but got 2 channels instead"):
        EF.conv2d(x[:, :2], w)
    with pytest.raises(RuntimeError, match=r"Expected 3D \(unbatched\) or 4D \(batched\) input "
                                           r"to conv2d, but got input of size: \[8, 8\]"):
        EF.conv2d(x[0, 0], w)
    with pytest.raises(RuntimeError, match="expected input.* to have 6 channels"):
        EF.conv2d(x, w, groups=2)
    with pytest.raises(RuntimeError, match="expected bias to be 1-dimensional with 4 elements"):
        EF.conv2d(x, w, ember.randn(3))
    with pytest.raises(RuntimeError, match="Kernel size can't be greater than actual input"):
        EF.conv2d(x, ember.randn(4, 3, 9, 9))
    with pytest.raises(RuntimeError, match="expected scalar type Double but found Float"):
        EF.conv2d(x.double(), w)
    with pytest.raises(RuntimeError, match="non-positive stride"):
        EF.conv2d(x, w, stride=0)
    with pytest.raises(RuntimeError, match="negative padding"):
        EF.conv2d(x, w, padding=-1)
    with pytest.raises(RuntimeError, match="padding='same' is not supported for strided"):
        EF.conv2d(x, w, padding="same", stride=2)
    with pytest.raises(RuntimeError, match="Invalid padding string"):
        EF.conv2d(x, w, padding="foo")
    with pytest.raises(RuntimeError, match="expected stride to be a single integer value or a "
                                           "list of 2 values"):
        EF.conv2d(x, w, stride=(1, 1, 1))
    with pytest.raises(RuntimeError, match="output padding must be smaller than either stride "
                                           "or dilation"):
        EF.conv_transpose2d(x, ember.randn(3, 2, 3, 3), stride=2, output_padding=2)
    with pytest.raises(RuntimeError, match=r"Given transposed=1, weight of size \[2, 2, 3, 3\], "
                                           r"expected input\[2, 3, 8, 8\] to have 2 channels"):
        EF.conv_transpose2d(x, ember.randn(2, 2, 3, 3))


# -- pooling: functional --------------------------------------------------------------------

MAXPOOL_CASES = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2)),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=2, stride=1, dilation=2, ceil_mode=True),
]


@pytest.mark.parametrize("kw", MAXPOOL_CASES)
def test_max_pool2d_options_and_indices(kw):
    x = rnd(2, 3, 9, 8, seed=4)
    compare(lambda a: EF.max_pool2d(a, **kw), lambda a: TF.max_pool2d(a, **kw), [x])
    ve, ie = EF.max_pool2d(to_ember(x), return_indices=True, **kw)
    vt, it = TF.max_pool2d(x, return_indices=True, **kw)
    assert_close(ve, vt, 0, 0)
    assert ie.dtype is ember.int64 and (ie.numpy() == it.numpy()).all()


def test_max_pool_ties_and_nan_route_like_torch():
    # relu-style zeros: every window is a tie; the gradient goes to the first tap only
    x = torch.zeros(1, 1, 4, 4, dtype=torch.float64, requires_grad=True)
    compare(lambda a: EF.max_pool2d(a, 2), lambda a: TF.max_pool2d(a, 2), [x])
    compare(lambda a: EF.max_pool2d(a, 3, 1), lambda a: TF.max_pool2d(a, 3, 1), [x])
    xn = torch.tensor([[[1.0, float("nan"), 3.0, 2.0]]], dtype=torch.float64)
    ve, ie = EF.max_pool1d(to_ember(xn), 2, return_indices=True)
    vt, it = TF.max_pool1d(xn, 2, return_indices=True)
    assert np.isnan(ve.numpy()[0, 0, 0]) and ve.numpy()[0, 0, 1] == 3.0
    assert (ie.numpy() == it.numpy()).all()


@pytest.mark.parametrize("k, s, pad, dil", [
    ((2, 2), None, 0, 1), ((1, 2), None, 0, 1), ((2, 1), (1, 1), 0, 1), ((2, 2), 1, 1, 1),
    ((2, 2), 1, 0, 2), ((1, 1), 2, 0, 1), ((2, 2), 3, 1, 1), ((1, 4), (1, 2), (0, 2), 1),
    ((3, 3), 2, 1, 1)])
def test_max_pool_small_windows_ties_nan(k, s, pad, dil):
    # on the cpu, windows of at most 4 taps take the tap scan (``_window._PoolTaps``), larger
    # ones the per-dim stages; both must pick PyTorch's tap (first maximum, last NaN)
    g = torch.Generator().manual_seed(7)
    x = torch.randn(2, 3, 9, 8, generator=g, dtype=torch.float64).clamp(max=1.0)
    x.view(-1)[::13] = 0.0
    x[0, 0, 1, 2] = x[1, 2, 4, 4] = x[1, 1, 0, 0] = x[1, 1, 0, 1] = float("nan")
    kw = dict(kernel_size=k, stride=s, padding=pad, dilation=dil)
    xt = x.clone().requires_grad_()
    vt, it = TF.max_pool2d(xt, return_indices=True, **kw)
    gy = torch.randn(vt.shape, generator=g, dtype=torch.float64)
    vt.backward(gy)
    xe = to_ember(x, requires_grad=True)
    ve, ie = EF.max_pool2d(xe, return_indices=True, **kw)
    ve.backward(ember.tensor(gy.numpy()))
    assert np.array_equal(ve.detach().numpy(), vt.detach().numpy(), equal_nan=True)
    assert (ie.numpy() == it.numpy()).all()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-12)
    x32 = x.float()
    assert np.array_equal(EF.max_pool2d(to_ember(x32), **kw).numpy(),
                          TF.max_pool2d(x32, **kw).numpy(), equal_nan=True)


@pytest.mark.parametrize("dt", ["float16", "bfloat16"])
def test_max_pool_half_precision_gradient(dt):
    # the tap scan's backward multiplies into strided slabs of the gradient in its dtype
    x = torch.randn(2, 3, 6, 8, generator=torch.Generator().manual_seed(3)).to(getattr(torch, dt))
    xt = x.clone().requires_grad_()
    TF.max_pool2d(xt, 2).backward(torch.full((2, 3, 3, 4), 1.5, dtype=x.dtype))
    xe = ember.tensor(x.float().numpy()).to(getattr(ember, dt)).requires_grad_()
    ye = EF.max_pool2d(xe, 2)
    ye.backward(ember.full((2, 3, 3, 4), 1.5, dtype=ye.dtype))
    assert xe.grad.dtype is getattr(ember, dt)
    assert np.array_equal(xe.grad.float().numpy(), xt.grad.float().numpy())


@pytest.mark.parametrize("n", [1, 3])
def test_max_pool1d_3d(n):
    fe, ft = (EF.max_pool1d, TF.max_pool1d) if n == 1 else (EF.max_pool3d, TF.max_pool3d)
    x = rnd(2, 3, *((11,) if n == 1 else (5, 6, 4)), seed=5)
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
               dict(kernel_size=2, dilation=2)):
        compare(lambda a, kw=kw: fe(a, **kw), lambda a, kw=kw: ft(a, **kw), [x])
        _, ie = fe(to_ember(x), return_indices=True, **kw)
        _, it = ft(x, return_indices=True, **kw)
        assert (ie.numpy() == it.numpy()).all()
    compare(lambda a: fe(a, 2), lambda a: ft(a, 2), [x[0]])          # unbatched


@pytest.mark.parametrize("kw", [
    dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    dict(kernel_size=(3, 2), stride=(1, 2), padding=(1, 1), divisor_override=5)])
def test_avg_pool2d_options(kw):
    x = rnd(2, 3, 9, 8, seed=6)
    compare(lambda a: EF.avg_pool2d(a, **kw), lambda a: TF.avg_pool2d(a, **kw), [x])


@pytest.mark.parametrize("n", [1, 3])
def test_avg_pool1d_3d(n):
    fe, ft = (EF.avg_pool1d, TF.avg_pool1d) if n == 1 else (EF.avg_pool3d, TF.avg_pool3d)
    x = rnd(2, 3, *((10,) if n == 1 else (5, 6, 4)), seed=7)
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                         count_include_pad=False)):
        compare(lambda a, kw=kw: fe(a, **kw), lambda a, kw=kw: ft(a, **kw), [x])


def test_lp_pool():
    x = rnd(2, 3, 8, 9, seed=8)
    compare(lambda a: EF.lp_pool2d(a, 2, 3, 2), lambda a: TF.lp_pool2d(a, 2, 3, 2), [x])
    compare(lambda a: EF.lp_pool1d(a, 3.0, 2), lambda a: TF.lp_pool1d(a, 3.0, 2),
            [x[:, :, 0].abs().detach().requires_grad_()])
    compare(lambda a: EF.lp_pool3d(a, 1, 2), lambda a: TF.lp_pool3d(a, 1, 2),
            [rnd(1, 2, 4, 4, 4, seed=9)])


@pytest.mark.parametrize("size", [(4, 3), (3, None), 1, (9, 8), (5, 7)])
def test_adaptive_pool2d(size):
    x = rnd(2, 3, 9, 8, seed=10)
    compare(lambda a: EF.adaptive_avg_pool2d(a, size), lambda a: TF.adaptive_avg_pool2d(a, size),
            [x])
    compare(lambda a: EF.adaptive_max_pool2d(a, size), lambda a: TF.adaptive_max_pool2d(a, size),
            [x])
    _, ie = EF.adaptive_max_pool2d(to_ember(x), size, return_indices=True)
    _, it = TF.adaptive_max_pool2d(x, size, return_indices=True)
    assert (ie.numpy() == it.numpy()).all()


def test_adaptive_pool1d_3d():
    x1, x3 = rnd(2, 3, 10, seed=11), rnd(1, 2, 5, 7, 6, seed=12)
    for o in (4, 5, 1):
        compare(lambda a, o=o: EF.adaptive_avg_pool1d(a, o),
                lambda a, o=o: TF.adaptive_avg_pool1d(a, o), [x1])
        compare(lambda a, o=o: EF.adaptive_max_pool1d(a, o),
                lambda a, o=o: TF.adaptive_max_pool1d(a, o), [x1])
    for o in ((2, 3, 4), (5, 7, 3)):
        compare(lambda a, o=o: EF.adaptive_avg_pool3d(a, o),
                lambda a, o=o: TF.adaptive_avg_pool3d(a, o), [x3])
        _, ie = EF.adaptive_max_pool3d(to_ember(x3), o, return_indices=True)
        _, it = TF.adaptive_max_pool3d(x3, o, return_indices=True)
        assert (ie.numpy() == it.numpy()).all()


def test_max_unpool():
    x = rnd(2, 3, 8, 8, seed=13)
    vt, it = TF.max_pool2d(x, 2, return_indices=True)
    ve, ie = to_ember(vt.detach()).requires_grad_(), to_ember(it)
    for osz in (None, (9, 9)):
        ue = EF.max_unpool2d(ve, ie, 2, output_size=osz)
        ut = TF.max_unpool2d(vt, it, 2, output_size=osz)
        assert_close(ue, ut, 0, 0)
    EF.max_unpool2d(ve, ie, 2).sum().backward()
    assert_close(ve.grad, torch.ones(vt.shape, dtype=torch.float64), 0, 0)
    v1, i1 = TF.max_pool1d(x[0], 3, 2, return_indices=True)
    assert_close(EF.max_unpool1d(to_ember(v1), to_ember(i1), 3, 2),
                 TF.max_unpool1d(v1, i1, 3, 2), 0, 0)
    with pytest.raises(ValueError, match="invalid output_size"):
        EF.max_unpool2d(ve, ie, 2, output_size=(11, 11))
    with pytest.raises(RuntimeError, match="Found an invalid max index: 100"):
        EF.max_unpool2d(ve, ember.full(tuple(ie.shape), 100), 2)


def test_pool_errors():
    x = ember.randn(2, 3, 8, 8)
    with pytest.raises(RuntimeError, match="pad should be at most half of effective kernel "
                                           "size, but got pad=2, kernel_size=2"):
        EF.max_pool2d(x, 2, padding=2)
    with pytest.raises(RuntimeError, match="pad should be at most half"):
        EF.avg_pool2d(x, 2, padding=2)
    with pytest.raises(RuntimeError, match=r"Given input size: \(3x8x8\). Calculated output "
                                           r"size: \(3x0x0\). Output size is too small"):
        EF.max_pool2d(x, 9)
    with pytest.raises(RuntimeError, match="stride should not be zero"):
        EF.max_pool2d(x, 0)
    with pytest.raises(RuntimeError, match="dilation should be greater than zero"):
        EF.max_pool2d(x, 2, dilation=0)
    with pytest.raises(RuntimeError, match="3D or 4D"):
        EF.max_pool2d(x[0, 0], 2)
    with pytest.raises(RuntimeError, match="divisor must be not zero"):
        EF.avg_pool2d(x, 2, divisor_override=0)
    with pytest.raises(RuntimeError, match="output_size must be 2"):
        EF.adaptive_avg_pool2d(x, (2, 3, 4))


# -- pooling: layers ------------------------------------------------------------------------

def test_pool_modules_repr_and_values():
    x = rnd(2, 3, 9, 8, seed=14)
    mods = [("MaxPool2d", (3, 2, 1), dict(ceil_mode=True)), ("MaxPool1d", (2,), {}),
            ("AvgPool2d", (3, 2), dict(count_include_pad=False)), ("AvgPool1d", (3,), {}),
            ("LPPool2d", (2, 2), {}), ("AdaptiveAvgPool2d", ((4, None),), {}),
            ("AdaptiveMaxPool2d", ((4, 3),), {}), ("AdaptiveAvgPool1d", (3,), {}),
            ("MaxPool3d", (2,), {}), ("AvgPool3d", (2,), {}), ("AdaptiveMaxPool3d", (2,), {})]
    for name, a, k in mods:
        e, t = getattr(enn, name)(*a, **k), getattr(tnn, name)(*a, **k)
        assert same_repr(e, t), (repr(e), repr(t))
        inp = x[:, :, 0] if name.endswith("1d") else (x.unsqueeze(0) if name.endswith("3d")
                                                      else x)
        compare_module(e, t, inp)
    e, t = enn.MaxPool2d(2, return_indices=True), tnn.MaxPool2d(2, return_indices=True)
    ue, ut = enn.MaxUnpool2d(2), tnn.MaxUnpool2d(2)
    assert same_repr(ue, ut)
    assert_close(ue(*e(to_ember(x))), ut(*t(x)), 0, 0)


# -- the LeNet shape end to end -------------------------------------------------------------

def test_lenet_conv_stack_matches_torch():
    def build(nn, dtype):
        return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2, dtype=dtype), nn.ReLU(),
                             nn.MaxPool2d(2), nn.Conv2d(6, 16, 5, dtype=dtype), nn.ReLU(),
                             nn.MaxPool2d(2))
    e, t = build(enn, ember.float32), build(tnn, torch.float32)
    assert same_repr(e, t)
    compare_module(e, t, rnd(8, 1, 28, 28, dtype=torch.float32, rg=False), rtol=1e-4,
                   atol=1e-5)


@pytest.mark.parametrize("pool, seed, kw", [
    ("max_pool2d", 15, dict(kernel_size=2)),
    ("max_pool2d", 15, dict(kernel_size=3, stride=2, padding=1)),
    ("avg_pool2d", 16, dict(kernel_size=2)),
    ("avg_pool2d", 16, dict(kernel_size=3, stride=2, padding=1, count_include_pad=False))])
def test_pool_double_backward(pool, seed, kw):
    x = rnd(2, 3, 7, 6, seed=seed)
    outs = []
    for lib, F in ((ember, EF), (torch, TF)):
        xx = to_ember(x) if lib is ember else x.detach().clone().requires_grad_()
        y = getattr(F, pool)(xx * xx, **kw)
        (gx,) = lib.autograd.grad((y * y).sum(), [xx], create_graph=True)
        (gx * gx).sum().backward()
        outs.append((gx, xx.grad))
    for e, t in zip(*outs, strict=False):
        assert_close(e, t, 1e-10, 1e-10)


# -- another backend: the strict Array API device (views are copies, no aliasing) ----------

def _strict_available():
    try:
        ember.zeros(1, device="strict")
        return True
    except Exception:
        return False


_W = np.random.default_rng(5)
STRICT_CASES = [
    ("conv2d", lambda x, w: EF.conv2d(x, w, stride=2, padding=1, groups=2),
     [(2, 4, 7, 6), (6, 2, 3, 3)]),
    ("conv2d_same", lambda x, w: EF.conv2d(x, w, padding="same", dilation=2, groups=2),
     [(2, 4, 7, 6), (6, 2, 3, 3)]),
    ("conv_transpose2d", lambda x, w: EF.conv_transpose2d(x, w, stride=2, padding=1,
                                                          output_padding=1, groups=2),
     [(2, 4, 5, 5), (4, 3, 3, 3)]),
    ("max_pool2d", lambda x: EF.max_pool2d(x, 3, 2, 1, ceil_mode=True), [(2, 3, 7, 6)]),
    ("max_pool2d_k2", lambda x: EF.max_pool2d(x, 2), [(2, 3, 8, 6)]),
    ("avg_pool2d", lambda x: EF.avg_pool2d(x, 3, 2, 1, count_include_pad=False), [(2, 3, 7, 6)]),
    ("adaptive_max_pool2d", lambda x: EF.adaptive_max_pool2d(x, (4, 5)), [(2, 3, 7, 6)]),
    ("batch_norm", lambda x: EF.batch_norm(x, None, None, training=True), [(4, 3, 5, 5)]),
    ("interpolate", lambda x: EF.interpolate(x, scale_factor=1.5, mode="bicubic"),
     [(2, 3, 5, 6)]),
    ("pad_reflect", lambda x: EF.pad(x, (1, 2, 2, 1), mode="reflect"), [(2, 3, 5, 6)]),
    ("fold", lambda c: EF.fold(c, (4, 5), 2), [(2, 8, 12)]),
    ("grid_sample", lambda x, g: EF.grid_sample(x, g.tanh(), align_corners=False),
     [(2, 3, 5, 6), (2, 3, 4, 2)]),
]


@pytest.mark.skipif(not _strict_available(), reason="the strict device is not installed")
@pytest.mark.parametrize("name,fn,shapes", STRICT_CASES, ids=[c[0] for c in STRICT_CASES])
def test_strict_device_matches_cpu(name, fn, shapes):
    arrs = [_W.standard_normal(s) for s in shapes]
    res = []
    for dev in ("cpu", "strict"):
        ts = [ember.tensor(a).to(dev).requires_grad_() for a in arrs]
        y = fn(*ts)
        assert y.device.type == dev
        (y * y).sum().backward()
        res.append([y.cpu().detach().numpy()] + [t.grad.cpu().numpy() for t in ts])
    for a, b in zip(*res, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
