"""Vision functionals and layers against torch: pad (all modes), interpolate (all modes,
align_corners, scale_factor, recompute_scale_factor, antialias), pixel/channel shuffle,
grid_sample, affine_grid, unfold/fold, and the layer classes (reprs, values, gradients)."""

import numpy as np
import pytest
import torch
import torch.nn as tnn
import torch.nn.functional as TF

import ember
import ember.nn as enn
import ember.nn.functional as EF
from nn_compare import assert_close, compare, compare_module, same_repr, to_ember


def rnd(*shape, seed=0, rg=True, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g, dtype=dtype).requires_grad_(rg)


# -- pad ------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape,pad", [((3, 5), (1, 2)), ((2, 3, 5), (2, 1)),
                                       ((2, 4, 5), (2, 1, 1, 3)), ((2, 3, 4, 5), (2, 1, 3, 1)),
                                       ((3, 4, 5, 6), (1, 2, 0, 1, 2, 1)),
                                       ((2, 3, 4, 5, 6), (1, 2, 0, 1, 2, 1))])
def test_pad_modes(mode, shape, pad):
    x = rnd(*shape, seed=1)
    compare(lambda a: EF.pad(a, pad, mode=mode), lambda a: TF.pad(a, pad, mode=mode), [x])


def test_pad_constant_value_negative_and_many_dims():
    x = rnd(2, 3, 5, 6, seed=2)
    for pad, val in (((1, 2, 0, 1, 1, 1, 2, 0), 2.5), ((-1, 2, 0, -2), 0.0),
                     ((-2, -1), None), ((0, 0), None)):
        compare(lambda a, pad=pad, val=val: EF.pad(a, pad, value=val),
                lambda a, pad=pad, val=val: TF.pad(a, pad, value=val), [x])
    xi = torch.arange(6).reshape(2, 3)
    assert (EF.pad(to_ember(xi), (1, 1), value=2.7).numpy() ==
            TF.pad(xi, (1, 1), value=2.7).numpy()).all()
    compare(lambda a: EF.pad(a, (-1, -1), mode="circular"),
            lambda a: TF.pad(a, (-1, -1), mode="circular"), [x[0]])


def test_pad_errors():
    x = ember.randn(1, 2, 4, 5)
    with pytest.raises(RuntimeError, match="Padding length must be divisible by 2"):
        EF.pad(x, (1, 2, 3))
    with pytest.raises(RuntimeError, match="Padding length should be less than or equal to two "
                                           "times the input dimension"):
        EF.pad(x, (1,) * 10)
    with pytest.raises(NotImplementedError, match="Padding size 2 is not supported for 4D"):
        EF.pad(x, (1, 1), mode="reflect")
    with pytest.raises(RuntimeError, match="Padding size should be less than the corresponding "
                                           "input dimension"):
        EF.pad(x[0], (5, 5), mode="reflect")
    with pytest.raises(RuntimeError, match="doesn't take in value argument"):
        EF.pad(x[0], (1, 1), mode="replicate", value=2.0)
    with pytest.raises(NotImplementedError, match="Unrecognised padding mode foo"):
        EF.pad(x, (1, 1), mode="foo")


# -- interpolate ----------------------------------------------------------------------------

INTERP = [("nearest", 3), ("nearest", 4), ("nearest", 5), ("nearest-exact", 4),
          ("nearest-exact", 3), ("linear", 3), ("bilinear", 4), ("bicubic", 4),
          ("trilinear", 5), ("area", 4), ("area", 3)]
SIZES = [dict(scale_factor=2), dict(scale_factor=0.6), dict(size=(9, 3, 6)),
         dict(scale_factor=1.7, recompute_scale_factor=True), dict(scale_factor=(1.5, 0.5, 2.5))]


@pytest.mark.parametrize("mode,nd", INTERP)
@pytest.mark.parametrize("which", range(len(SIZES)))
def test_interpolate(mode, nd, which):
    n = nd - 2
    x = rnd(2, 3, *(5, 7, 4)[:n], seed=3)
    kw = dict(SIZES[which])
    for k in ("size", "scale_factor"):
        if isinstance(kw.get(k), tuple):
            kw[k] = kw[k][:n]
    aligns = [None] if mode in ("nearest", "nearest-exact", "area") else [False, True]
    for al in aligns:
        compare(lambda a, al=al: EF.interpolate(a, mode=mode, align_corners=al, **kw),
                lambda a, al=al: TF.interpolate(a, mode=mode, align_corners=al, **kw), [x])


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("kw", [dict(scale_factor=0.5), dict(size=(3, 9)),
                                dict(scale_factor=0.3), dict(scale_factor=1.5)])
def test_interpolate_antialias(mode, kw):
    x = rnd(2, 3, 11, 13, seed=4)
    for al in (False, True):
        aa = dict(kw, mode=mode, align_corners=al, antialias=True)
        compare(lambda a, aa=aa: EF.interpolate(a, **aa),
                lambda a, aa=aa: TF.interpolate(a, **aa), [x])


def test_interpolate_float32_nearest_indices_match():
    # nearest index arithmetic is done in float32 like PyTorch: odd ratios must agree
    x = rnd(1, 1, 7, 13, dtype=torch.float32, rg=False)
    for kw in (dict(size=(11, 29)), dict(scale_factor=1.3), dict(scale_factor=(0.7, 2.9))):
        assert_close(EF.interpolate(to_ember(x), **kw), TF.interpolate(x, **kw), 0, 0)


def test_interpolate_errors():
    x = ember.randn(1, 2, 4, 5)
    with pytest.raises(NotImplementedError, match="Got 4D input, but linear mode needs 3D"):
        EF.interpolate(x, scale_factor=2, mode="linear")
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        EF.interpolate(x, scale_factor=2, align_corners=True)
    with pytest.raises(ValueError, match="only one of size or scale_factor"):
        EF.interpolate(x, size=3, scale_factor=2)
    with pytest.raises(ValueError, match="either size or scale_factor"):
        EF.interpolate(x)
    with pytest.raises(ValueError, match="same number of spatial dimensions"):
        EF.interpolate(x, size=(3, 4, 5))
    with pytest.raises(ValueError, match="Anti-alias option is restricted"):
        EF.interpolate(x, scale_factor=2, antialias=True)


# -- shuffles -------------------------------------------------------------------------------

def test_pixel_and_channel_shuffle():
    compare(lambda a: EF.pixel_shuffle(a, 3), lambda a: TF.pixel_shuffle(a, 3),
            [rnd(2, 18, 3, 4, seed=5)])
    compare(lambda a: EF.pixel_shuffle(a, 2), lambda a: TF.pixel_shuffle(a, 2),
            [rnd(2, 3, 8, 2, 2, seed=6)])
    compare(lambda a: EF.pixel_unshuffle(a, 3), lambda a: TF.pixel_unshuffle(a, 3),
            [rnd(2, 2, 6, 9, seed=7)])
    compare(lambda a: EF.channel_shuffle(a, 3), lambda a: TF.channel_shuffle(a, 3),
            [rnd(2, 6, 3, 4, seed=8)])
    with pytest.raises(RuntimeError, match=r"input.size\(-3\)=5 is not divisible by 4"):
        EF.pixel_shuffle(ember.randn(1, 5, 2, 2), 2)
    with pytest.raises(RuntimeError, match=r"input.size\(-2\)=3 is not divisible by 2"):
        EF.pixel_unshuffle(ember.randn(1, 5, 3, 2), 2)
    with pytest.raises(RuntimeError, match="Number of channels must be divisible by groups"):
        EF.channel_shuffle(ember.randn(1, 6, 2, 2), 4)


# -- grid_sample / affine_grid --------------------------------------------------------------

@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align", [False, True])
def test_grid_sample_2d(mode, padding_mode, align):
    x = rnd(2, 3, 5, 6, seed=9)
    g = torch.Generator().manual_seed(10)
    grid = (torch.rand(2, 4, 5, 2, generator=g, dtype=torch.float64) * 2.6 - 1.3
            ).requires_grad_()
    compare(lambda a, b: EF.grid_sample(a, b, mode, padding_mode, align),
            lambda a, b: TF.grid_sample(a, b, mode, padding_mode, align), [x, grid])


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_grid_sample_3d(mode, padding_mode):
    x = rnd(2, 3, 4, 5, 6, seed=11)
    g = torch.Generator().manual_seed(12)
    grid = (torch.rand(2, 3, 2, 4, 3, generator=g, dtype=torch.float64) * 2.4 - 1.2
            ).requires_grad_()
    for align in (False, True):
        compare(lambda a, b, align=align: EF.grid_sample(a, b, mode, padding_mode, align),
                lambda a, b, align=align: TF.grid_sample(a, b, mode, padding_mode, align),
                [x, grid])


@pytest.mark.parametrize("align", [False, True])
@pytest.mark.filterwarnings("ignore:Since version 1.3.0")
def test_affine_grid(align):
    compare(lambda t: EF.affine_grid(t, (2, 3, 4, 5), align),
            lambda t: TF.affine_grid(t, (2, 3, 4, 5), align), [rnd(2, 2, 3, seed=13)])
    compare(lambda t: EF.affine_grid(t, (2, 3, 4, 5, 1), align),
            lambda t: TF.affine_grid(t, (2, 3, 4, 5, 1), align), [rnd(2, 3, 4, seed=14)])
    # identity transform resamples the input exactly
    theta = torch.tensor([[[1.0, 0, 0], [0, 1.0, 0]]], dtype=torch.float64)
    x = rnd(1, 2, 4, 5, seed=15, rg=False)
    ge = EF.affine_grid(to_ember(theta), (1, 2, 4, 5), align)
    assert_close(EF.grid_sample(to_ember(x), ge, align_corners=align), x, 1e-12, 1e-12)


def test_grid_sample_errors():
    x = ember.randn(1, 2, 4, 5)
    with pytest.raises(ValueError, match="expected mode to be 'bilinear', 'nearest' or "
                                         "'bicubic', but got: 'foo'"):
        EF.grid_sample(x, ember.rand(1, 3, 3, 2), mode="foo")
    with pytest.raises(ValueError, match="expected padding_mode"):
        EF.grid_sample(x, ember.rand(1, 3, 3, 2), padding_mode="foo")
    with pytest.raises(RuntimeError, match="expected grid and input to have same batch size"):
        EF.grid_sample(x, ember.rand(2, 3, 3, 2))
    with pytest.raises(ValueError, match="Expected a batch of 3D affine matrices of shape Nx3x4"):
        EF.affine_grid(ember.rand(1, 2, 3), (1, 2, 3, 4, 5))


# -- unfold / fold --------------------------------------------------------------------------

def test_unfold_fold():
    x = rnd(2, 3, 5, 6, seed=16)
    compare(lambda a: EF.unfold(a, (2, 3), (1, 2), 1, (2, 1)),
            lambda a: TF.unfold(a, (2, 3), (1, 2), 1, (2, 1)), [x])
    compare(lambda a: EF.unfold(a, 2), lambda a: TF.unfold(a, 2), [x[0]])
    compare(lambda a: EF.fold(a, (5, 6), (2, 3), 1, 1, 2),
            lambda a: TF.fold(a, (5, 6), (2, 3), 1, 1, 2), [rnd(2, 18, 9, seed=17)])
    compare(lambda a: EF.fold(a, (5, 6), 2), lambda a: TF.fold(a, (5, 6), 2),
            [rnd(12, 20, seed=18)])
    # fold is the adjoint of unfold: <unfold(x), c> == <x, fold(c)>
    xe = ember.randn(1, 2, 5, 5, dtype=ember.float64)
    ce = ember.randn(1, 8, 25, dtype=ember.float64)          # 5 x 5 blocks
    lhs = (EF.unfold(xe, 2, 2, 1, 1) * ce).sum()
    rhs = (xe * EF.fold(ce, (5, 5), 2, 2, 1, 1)).sum()
    assert abs(float(lhs) - float(rhs)) < 1e-10
    with pytest.raises(RuntimeError, match=r"calculated number of sliding blocks 3 \* 4 = 12, "
                                           r"but got input.size\(2\)=10"):
        EF.fold(ember.randn(1, 12, 10), (4, 5), 2)


# -- layers ---------------------------------------------------------------------------------

def test_vision_layers():
    x = rnd(2, 4, 6, 6, seed=19)
    cases = [(("Upsample",), dict(scale_factor=2, mode="bilinear"), x),
             (("Upsample", (3, 4)), {}, x), (("Upsample",), dict(scale_factor=(2, 1.5),
                                                                   mode="bicubic",
                                                                   align_corners=True), x),
             (("UpsamplingNearest2d",), dict(scale_factor=2), x),
             (("UpsamplingBilinear2d", (7, 9)), {}, x), (("PixelShuffle", 2), {}, x),
             (("PixelUnshuffle", 2), {}, x), (("ChannelShuffle", 2), {}, x),
             (("Unfold", (2, 3)), dict(padding=1), x),
             (("Fold", (4, 5), 2), {}, rnd(2, 12, 12, seed=20)),
             (("ZeroPad2d", (1, 2, 0, 1)), {}, x), (("ConstantPad1d", 2, 3.5), {}, x[0]),
             (("ConstantPad3d", 1, -1.0), {}, x), (("ReflectionPad2d", 2), {}, x),
             (("ReflectionPad1d", (1, 2)), {}, x[0]), (("ReplicationPad2d", (1, 0, 2, 1)), {}, x),
             (("ReplicationPad3d", 1), {}, x), (("CircularPad2d", 1), {}, x),
             (("CircularPad1d", 2), {}, x[0]), (("ZeroPad1d", 1), {}, x[0]),
             (("ReflectionPad3d", 1), {}, x)]
    for (name, *a), k, inp in cases:
        e, t = getattr(enn, name)(*a, **k), getattr(tnn, name)(*a, **k)
        assert same_repr(e, t), (repr(e), repr(t))
        compare_module(e, t, inp)
    assert repr(enn.Upsample(scale_factor=2)) == "Upsample(scale_factor=2.0, mode='nearest')"
    assert np.allclose(enn.Upsample(size=4)(ember.ones(1, 1, 2, 2)).numpy(), 1)
