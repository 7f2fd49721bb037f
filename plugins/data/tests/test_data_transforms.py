"""ember.transforms against hand-computed values and torch.nn.functional."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import ember
import ember.transforms as T


def E(a, dtype=None):
    return ember.tensor(np.asarray(a), dtype=dtype)


def test_to_tensor():
    hwc = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)
    t = T.ToTensor()(hwc)
    assert t.shape == (3, 2, 4) and t.dtype is ember.float32
    np.testing.assert_allclose(t.numpy(), hwc.transpose(2, 0, 1) / 255.0, rtol=1e-6)
    f = T.ToTensor()(np.ones((2, 2), dtype=np.float64) * 7)
    assert f.shape == (1, 2, 2) and f.dtype is ember.float64 and float(f[0, 0, 0]) == 7.0
    u = T.ToTensor()(ember.full((2, 3), 51, dtype=ember.uint8))
    assert u.shape == (1, 2, 3) and float(u[0, 1, 2]) == pytest.approx(0.2)
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        T.ToTensor()([1, 2])
    with pytest.raises(ValueError, match="2/3 dimensional"):
        T.ToTensor()(np.zeros((1, 1, 1, 1)))
    Image = pytest.importorskip("PIL.Image")
    img = Image.fromarray(hwc)
    np.testing.assert_allclose(T.ToTensor()(img).numpy(), t.numpy())
    gray = T.ToTensor()(Image.fromarray(hwc[:, :, 0]))
    assert gray.shape == (1, 2, 4)


def test_normalize_and_compose():
    x = ember.arange(12.0).reshape(3, 2, 2)
    out = T.Normalize([1.0, 2.0, 3.0], [2.0, 4.0, 0.5])(x)
    want = (np.arange(12.0).reshape(3, 2, 2) - np.array([1, 2, 3])[:, None, None]) / \
        np.array([2, 4, 0.5])[:, None, None]
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-6)
    y = x.clone()
    T.Normalize([1.0] * 3, [2.0] * 3, inplace=True)(y)
    np.testing.assert_allclose(y.numpy(), (np.arange(12.0).reshape(3, 2, 2) - 1) / 2)
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize([0.0], [0.0])(x)
    with pytest.raises(TypeError, match="should be a float tensor"):
        T.Normalize([0.0], [1.0])(ember.zeros(1, 2, 2, dtype=ember.int64))
    c = T.Compose([T.ToTensor(), T.Lambda(lambda t: t * 2), T.Normalize((0.5,), (0.5,))])
    got = c(np.full((2, 2), 255, dtype=np.uint8))
    assert got.tolist() == [[[3.0, 3.0], [3.0, 3.0]]]
    assert "Lambda()" in repr(c)
    with pytest.raises(TypeError, match="should be callable"):
        T.Lambda(3)


@pytest.mark.parametrize("mode,torch_mode", [("edge", "replicate"), ("reflect", "reflect"),
                                             ("constant", "constant")])
def test_pad_matches_torch(mode, torch_mode):
    x = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
    got = T.Pad((1, 2, 3, 1), padding_mode=mode)(E(x))
    want = F.pad(torch.tensor(x)[None], (1, 3, 2, 1), mode=torch_mode)[0]
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_pad_symmetric_and_fill():
    row = E([[[1, 2, 3]]])
    assert T.Pad((2, 0), padding_mode="symmetric")(row).tolist() == [[[2, 1, 1, 2, 3, 3, 2]]]
    assert T.Pad((2, 0), padding_mode="reflect")(row).tolist() == [[[3, 2, 1, 2, 3, 2, 1]]]
    got = T.Pad(1, fill=9)(E([[[5]]]))
    assert got.tolist() == [[[9, 9, 9], [9, 5, 9], [9, 9, 9]]]
    rgb = T.Pad(1, fill=(1, 2, 3))(ember.zeros(3, 1, 1))
    assert rgb[:, 0, 0].tolist() == [1.0, 2.0, 3.0] and rgb[:, 1, 1].tolist() == [0.0] * 3
    with pytest.raises(ValueError, match="1, 2, or 4 element tuple"):
        T.Pad((1, 2, 3))
    with pytest.raises(ValueError, match="Padding mode"):
        T.Pad(1, padding_mode="wrap")


def test_center_crop():
    x = ember.arange(30).reshape(1, 5, 6)
    assert T.CenterCrop((3, 2))(x).tolist() == [[[8, 9], [14, 15], [20, 21]]]
    assert T.CenterCrop(4)(x)[0, 0].tolist() == [1, 2, 3, 4]       # round(0.5) == 0
    big = T.CenterCrop((3, 4))(ember.ones(1, 1, 1))
    assert big.tolist() == [[[0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0]]]


def test_random_crop():
    x = ember.arange(36).reshape(1, 6, 6)
    g = ember.Generator().manual_seed(0)
    seen = set()
    for _ in range(40):
        c = T.RandomCrop(4, generator=g)(x)
        top, left = divmod(int(c[0, 0, 0]), 6)
        assert c.tolist() == x[:, top:top + 4, left:left + 4].tolist()
        seen.add((top, left))
    assert len(seen) > 4 and all(0 <= t <= 2 and 0 <= l <= 2 for t, l in seen)
    g1, g2 = ember.Generator().manual_seed(5), ember.Generator().manual_seed(5)
    a = T.RandomCrop(3, padding=2, generator=g1)(x)
    b = T.RandomCrop(3, padding=2, generator=g2)(x)
    assert a.tolist() == b.tolist()
    assert T.RandomCrop(6)(x).tolist() == x.tolist()
    p = T.RandomCrop((8, 6), pad_if_needed=True)(x)
    assert p.shape == (1, 8, 6)
    with pytest.raises(ValueError, match=r"Required crop size \(7, 7\) is larger"):
        T.RandomCrop(7)(x)


def test_flips():
    x = ember.arange(6).reshape(1, 2, 3)
    assert T.RandomHorizontalFlip(1.0)(x).tolist() == [[[2, 1, 0], [5, 4, 3]]]
    assert T.RandomHorizontalFlip(0.0)(x).tolist() == x.tolist()
    assert T.RandomVerticalFlip(1.0)(x).tolist() == [[[3, 4, 5], [0, 1, 2]]]
    g = ember.Generator().manual_seed(0)
    flips = [T.RandomHorizontalFlip(generator=g)(x)[0, 0, 0].item() == 2 for _ in range(200)]
    assert 60 < sum(flips) < 140


@pytest.mark.parametrize("k", [1, 2, 3])
def test_rotation_by_right_angles_is_rot90(k):
    x = np.arange(2 * 5 * 5, dtype=np.float32).reshape(2, 5, 5)
    got = T.RandomRotation((90 * k, 90 * k))(E(x))
    np.testing.assert_array_equal(got.numpy(), np.rot90(x, k, axes=(1, 2)))
    bil = T.RandomRotation((90 * k, 90 * k), interpolation="bilinear")(E(x))
    np.testing.assert_allclose(bil.numpy(), np.rot90(x, k, axes=(1, 2)), atol=1e-4)


def test_rotation_general():
    x = ember.ones(1, 5, 5)
    r = T.RandomRotation((45, 45), fill=0)(x)
    assert float(r[0, 2, 2]) == 1.0 and float(r[0, 0, 0]) == 0.0       # corners come from outside
    # 180 degrees on a non-square image flips both axes
    y = ember.arange(12.0).reshape(1, 3, 4)
    assert T.RandomRotation((180, 180))(y).tolist() == y.flip(-1).flip(-2).tolist()
    e = T.RandomRotation((90, 90), expand=True)(y)
    assert e.shape == (1, 4, 3)
    np.testing.assert_array_equal(e.numpy(), np.rot90(y.numpy(), 1, axes=(1, 2)))
    u8 = T.RandomRotation((30, 30), interpolation="bilinear")(ember.full((1, 4, 4), 200,
                                                                         dtype=ember.uint8))
    assert u8.dtype is ember.uint8 and int(u8[0, 1, 1]) == 200
    g = ember.Generator().manual_seed(0)
    angles = [T.RandomRotation.get_params((-10.0, 10.0), g) for _ in range(50)]
    assert min(angles) >= -10 and max(angles) <= 10 and len(set(angles)) == 50
    with pytest.raises(ValueError, match="must be positive"):
        T.RandomRotation(-3)


@pytest.mark.parametrize("size", [(5, 7), (20, 30), (13, 5), (3, 40)])
@pytest.mark.parametrize("antialias", [False, True])
def test_resize_bilinear_matches_torch(size, antialias):
    x = np.random.RandomState(0).rand(2, 3, 13, 17).astype(np.float32)
    got = T.Resize(size, antialias=antialias)(E(x))
    want = F.interpolate(torch.tensor(x), size=size, mode="bilinear", align_corners=False,
                         antialias=antialias)
    np.testing.assert_allclose(got.numpy(), want.numpy(), atol=2e-6)


@pytest.mark.parametrize("size", [(5, 7), (26, 34), (13, 3)])
def test_resize_nearest_matches_torch(size):
    x = np.random.RandomState(1).rand(3, 13, 17).astype(np.float32)
    got = T.Resize(size, interpolation="nearest")(E(x))
    want = F.interpolate(torch.tensor(x)[None], size=size, mode="nearest")[0]
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_resize_int_size_and_uint8():
    x = ember.zeros(3, 10, 20)
    assert T.Resize(5)(x).shape == (3, 5, 10)
    assert T.Resize(5, max_size=8)(x).shape == (3, 4, 8)
    assert T.Resize([4])(ember.zeros(1, 30, 10)).shape == (1, 12, 4)
    u = T.Resize((2, 2))(ember.full((1, 4, 4), 255, dtype=ember.uint8))
    assert u.dtype is ember.uint8 and u.tolist() == [[[255, 255], [255, 255]]]
    with pytest.raises(ValueError, match="max_size = 5 must be strictly greater"):
        T.Resize(5, max_size=5)(x)


def test_pil_inputs():
    Image = pytest.importorskip("PIL.Image")
    a = np.arange(4 * 6 * 3, dtype=np.uint8).reshape(4, 6, 3)
    img = Image.fromarray(a)
    assert T.CenterCrop(2)(img).size == (2, 2)
    assert T.Pad(1)(img).size == (8, 6)
    assert T.Pad(1, padding_mode="reflect")(img).size == (8, 6)
    flipped = T.ToTensor()(T.RandomHorizontalFlip(1.0)(img))
    np.testing.assert_allclose(flipped.numpy(), a[:, ::-1].transpose(2, 0, 1) / 255.0,
                               rtol=1e-6)
    assert T.Resize((2, 3))(img).size == (3, 2)
    assert T.RandomCrop(3)(img).size == (3, 3)
    rot = T.ToTensor()(T.RandomRotation((180, 180))(img))
    np.testing.assert_allclose(rot.numpy(), a[::-1, ::-1].transpose(2, 0, 1) / 255.0,
                               rtol=1e-6)
