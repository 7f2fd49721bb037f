"""``ember.transforms``: image and tensor transforms in the style of torchvision.

Transforms take a tensor image of shape (..., H, W) (channels first, any leading batch
dimensions) or, where noted, a ``PIL.Image``; tensor work is done with ember ops on the
image's device. Random transforms draw from ember's random generators: the default one
(seeded by ``ember.manual_seed``, and per worker inside a ``DataLoader``) or the
``generator=`` they are given (an ember extension).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import ember

from . import _io

__all__ = ["Compose", "ToTensor", "Normalize", "Lambda", "Pad", "CenterCrop", "RandomCrop",
           "RandomHorizontalFlip", "RandomVerticalFlip", "RandomRotation", "Resize",
           "InterpolationMode"]


class InterpolationMode:
    """Interpolation names accepted by :class:`Resize` and :class:`RandomRotation`
    (plain strings ``"nearest"`` / ``"bilinear"`` work too)."""

    NEAREST = "nearest"
    BILINEAR = "bilinear"


def _is_pil(img) -> bool:
    return type(img).__module__.startswith("PIL.") and hasattr(img, "mode")


def _check_image(img, name):
    if _is_pil(img):
        return
    if not isinstance(img, ember.Tensor):
        raise TypeError(f"{name}: img should be a tensor image (..., H, W) or a PIL Image, "
                        f"got {type(img).__name__}")
    if img.dim() < 2:
        raise ValueError(f"{name}: expected a tensor image of shape (..., H, W), got shape "
                         f"{list(img.shape)}")


def _size_hw(img):
    if _is_pil(img):
        w, h = img.size
        return h, w
    return img.shape[-2], img.shape[-1]


def _pair(size, name):
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, Sequence) and len(size) == 1:
        return int(size[0]), int(size[0])
    if isinstance(size, Sequence) and len(size) == 2:
        return int(size[0]), int(size[1])
    raise ValueError(f"{name}: please provide only two dimensions (h, w) for size, got {size!r}")


def _interp(mode, name):
    mode = getattr(mode, "value", mode)
    mode = str(mode).lower()
    if mode not in ("nearest", "bilinear"):
        raise ValueError(f"{name}: interpolation must be 'nearest' or 'bilinear', got {mode!r}")
    return mode


def _pil_resample(mode):
    from PIL import Image
    return Image.NEAREST if mode == "nearest" else Image.BILINEAR


def _restore_dtype(out, dtype):
    """Cast a float result back to an integer image dtype (rounded and clamped)."""
    if dtype.is_floating_point:
        return out.to(dtype)
    if dtype is ember.bool:
        return out > 0.5
    info = {ember.uint8: (0, 255), ember.int8: (-128, 127), ember.int16: (-32768, 32767)}
    out = out.round()
    if dtype in info:
        out = out.clamp(*info[dtype])
    return out.to(dtype)


def _work_dtype(dtype):
    return dtype if dtype.is_floating_point else ember.float32


# -- composition --------------------------------------------------------------------------

class Compose:
    """Apply transforms one after the other.

    Example::

        >>> t = Compose([ToTensor(), Normalize((0.5,), (0.5,))])
    """

    def __init__(self, transforms) -> None:
        self.transforms = list(transforms)

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({inner}\n)"


class Lambda:
    """Apply a user function: ``Lambda(lambda x: x * 2)``.

    Example::

        >>> Lambda(lambda x: x + 1)(ember.tensor(1))
        tensor(2)
    """

    def __init__(self, lambd) -> None:
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


# -- conversion ---------------------------------------------------------------------------

class ToTensor:
    """Convert an image to a float tensor of shape (C, H, W).

    * ``PIL.Image`` and NumPy arrays (H, W) or (H, W, C): channels are moved first; uint8
      data (and 1-bit PIL images) are scaled to [0, 1], other dtypes keep their values.
    * ember tensors (an ember extension, for datasets that return tensors): taken as
      (C, H, W) or (H, W); uint8 is scaled to [0, 1] (default float dtype), other dtypes
      are returned unchanged.

    Example::

        >>> ToTensor()(ember.full((1, 2, 2), 255, dtype=ember.uint8))
        tensor([[[1., 1.],
                 [1., 1.]]])
    """

    def __call__(self, pic):
        if isinstance(pic, ember.Tensor):
            if pic.dim() == 2:
                pic = pic.unsqueeze(0)
            if pic.dim() != 3:
                raise ValueError(f"ToTensor: a tensor image must be (C, H, W) or (H, W), got "
                                 f"shape {list(pic.shape)}")
            return self._scale(pic)
        if _is_pil(pic):
            img = _io.pil_to_tensor(pic)
            if pic.mode == "1" or img.dtype is ember.bool:
                img = img.to(ember.uint8) * 255
        elif _np_kind_array(pic):
            if pic.ndim not in (2, 3):
                raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
            img = _io.ndarray_to_tensor(pic)
        else:
            raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
        if img.dim() == 2:
            img = img.unsqueeze(-1)
        return self._scale(img.permute(2, 0, 1).contiguous())

    @staticmethod
    def _scale(img):
        if img.dtype is ember.uint8:
            return img.to(ember.get_default_dtype()) / 255.0
        return img

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _np_kind_array(obj) -> bool:
    return any(c.__module__ == "numpy" and c.__name__ == "ndarray" for c in type(obj).__mro__)


class Normalize:
    """``(x - mean[c]) / std[c]`` per channel of a float tensor image (..., C, H, W).

    Example::

        >>> Normalize([0.5], [0.25])(ember.ones(1, 1, 2))
        tensor([[[2., 2.]]])
    """

    def __init__(self, mean, std, inplace: bool = False) -> None:
        self.mean = mean
        self.std = std
        self.inplace = inplace

    def __call__(self, tensor):
        if not isinstance(tensor, ember.Tensor):
            raise TypeError(f"Normalize: img should be a tensor, got {type(tensor).__name__}")
        if not tensor.is_floating_point():
            raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
        if tensor.dim() < 3:
            raise ValueError(f"Expected tensor to be a tensor image of size (..., C, H, W). Got "
                             f"tensor.size() = {tuple(tensor.shape)}")
        mean = ember.as_tensor(self.mean, dtype=tensor.dtype, device=tensor.device)
        std = ember.as_tensor(self.std, dtype=tensor.dtype, device=tensor.device)
        if bool((std == 0).any()):
            raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, "
                             f"leading to division by zero.")
        if mean.dim() == 1:
            mean = mean.view(-1, 1, 1)
        if std.dim() == 1:
            std = std.view(-1, 1, 1)
        if self.inplace:
            return tensor.sub_(mean).div_(std)
        return (tensor - mean) / std

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"


# -- padding and cropping -----------------------------------------------------------------

def _check_padding_mode(padding_mode) -> None:
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError(f"Padding mode should be either constant, edge, reflect or "
                         f"symmetric, got {padding_mode!r}")


def _padding_ltrb(padding):
    if isinstance(padding, numbers.Number):
        p = int(padding)
        return p, p, p, p
    if isinstance(padding, Sequence) and len(padding) in (1, 2, 4):
        p = [int(v) for v in padding]
        if len(p) == 1:
            return p[0], p[0], p[0], p[0]
        if len(p) == 2:
            return p[0], p[1], p[0], p[1]
        return tuple(p)
    n = len(padding) if isinstance(padding, Sequence) else type(padding).__name__
    raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {n} element "
                     f"tuple")


def _pad_index(n, before, after, mode, device):
    i = ember.arange(-before, n + after, device=device)
    if mode == "edge" or (mode == "reflect" and n == 1):
        return i.clamp(0, n - 1)
    if mode == "reflect":
        period = 2 * (n - 1)
        m = i.remainder(period)
        return ember.where(m >= n, period - m, m)
    period = 2 * n                                           # symmetric
    m = i.remainder(period)
    return ember.where(m >= n, period - 1 - m, m)


def _pad_tensor(img, left, top, right, bottom, fill, mode):
    h, w = img.shape[-2], img.shape[-1]
    if mode == "constant":
        out = ember.zeros(*img.shape[:-2], h + top + bottom, w + left + right,
                          dtype=img.dtype, device=img.device)
        if isinstance(fill, Sequence) and not isinstance(fill, str):
            out[...] = ember.tensor(list(fill), dtype=img.dtype, device=img.device).view(-1, 1, 1)
        elif fill:
            out.fill_(fill)
        out[..., top:top + h, left:left + w] = img
        return out
    rows = _pad_index(h, top, bottom, mode, img.device)
    cols = _pad_index(w, left, right, mode, img.device)
    return img[..., rows[:, None], cols[None, :]]


def _pad(img, padding, fill=0, mode="constant"):
    left, top, right, bottom = _padding_ltrb(padding)
    if min(left, top, right, bottom) < 0:
        raise ValueError(f"Pad: negative padding {padding} is not supported; crop instead")
    if _is_pil(img):
        if mode == "constant":
            from PIL import ImageOps
            return ImageOps.expand(img, border=(left, top, right, bottom),
                                   fill=tuple(fill) if isinstance(fill, Sequence) else fill)
        arr = _pad_tensor(_io.pil_to_tensor(img).unsqueeze(0) if img.mode in ("L", "1", "I",
                                                                              "F", "P")
                          else _io.pil_to_tensor(img).permute(2, 0, 1),
                          left, top, right, bottom, fill, mode)
        return _io.tensor_to_pil(arr, img)
    return _pad_tensor(img, left, top, right, bottom, fill, mode)


class Pad:
    """Pad the image's last two dimensions.

    Args:
        padding: ``p`` (all sides), ``(left/right, top/bottom)`` or
            ``(left, top, right, bottom)``.
        fill: the value of ``"constant"`` padding (a number, or one per channel).
        padding_mode: ``"constant"``, ``"edge"`` (repeat the border), ``"reflect"``
            (mirror without the border: 2 1 | 1 2 3 | 3 2 -> 3 2 | 1 2 3 | 2 1) or
            ``"symmetric"`` (mirror with the border: 2 1 | 1 2 3 | 3 2).

    Shape: (..., H, W) -> (..., H + top + bottom, W + left + right).

    Example::

        >>> Pad(1, padding_mode="edge")(ember.tensor([[[1, 2]]]))
        tensor([[[1, 1, 2, 2],
                 [1, 1, 2, 2],
                 [1, 1, 2, 2]]])
    """

    def __init__(self, padding, fill=0, padding_mode: str = "constant") -> None:
        _padding_ltrb(padding)
        _check_padding_mode(padding_mode)
        self.padding = padding
        self.fill = fill
        self.padding_mode = padding_mode

    def __call__(self, img):
        _check_image(img, "Pad")
        return _pad(img, self.padding, self.fill, self.padding_mode)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(padding={self.padding}, fill={self.fill}, "
                f"padding_mode={self.padding_mode})")


def _crop(img, top, left, height, width):
    if _is_pil(img):
        return img.crop((left, top, left + width, top + height))
    return img[..., top:top + height, left:left + width]


def center_crop(img, size):
    th, tw = _pair(size, "CenterCrop")
    h, w = _size_hw(img)
    if th > h or tw > w:
        pad = [(tw - w) // 2 if tw > w else 0, (th - h) // 2 if th > h else 0,
               (tw - w + 1) // 2 if tw > w else 0, (th - h + 1) // 2 if th > h else 0]
        img = _pad(img, pad, 0)
        h, w = _size_hw(img)
        if (th, tw) == (h, w):
            return img
    top = int(round((h - th) / 2.0))
    left = int(round((w - tw) / 2.0))
    return _crop(img, top, left, th, tw)


class CenterCrop:
    """Crop the centre ``size`` (an int for a square, or ``(h, w)``); an image smaller than
    ``size`` is zero-padded first.

    Shape: (..., H, W) -> (..., h, w).

    Example::

        >>> CenterCrop(2)(ember.arange(16).view(1, 4, 4))
        tensor([[[ 5,  6],
                 [ 9, 10]]])
    """

    def __init__(self, size) -> None:
        self.size = _pair(size, "CenterCrop")

    def __call__(self, img):
        _check_image(img, "CenterCrop")
        return center_crop(img, self.size)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size})"


def _randint(high, generator):
    return int(ember.randint(0, high, (1,), generator=generator, device="cpu").item())


def _rand(generator):
    return float(ember.rand(1, generator=generator, device="cpu").item())


class RandomCrop:
    """Crop a random ``size`` window (an int for a square, or ``(h, w)``).

    Args:
        size: the crop size.
        padding: pad first (as :class:`Pad`), e.g. ``4`` for the usual CIFAR augmentation.
        pad_if_needed: pad an image smaller than ``size`` (on both sides) instead of
            raising ``ValueError``.
        fill, padding_mode: as in :class:`Pad`.
        generator: an ``ember.Generator`` for the window position (default generator
            otherwise).

    Shape: (..., H, W) -> (..., h, w).

    Example::

        >>> RandomCrop(28, padding=2)(ember.zeros(1, 28, 28)).shape
        ember.Size([1, 28, 28])
    """

    def __init__(self, size, padding=None, pad_if_needed: bool = False, fill=0,
                 padding_mode: str = "constant", *, generator=None) -> None:
        self.size = _pair(size, "RandomCrop")
        if padding is not None:
            _padding_ltrb(padding)
        _check_padding_mode(padding_mode)
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode
        self.generator = generator

    @staticmethod
    def get_params(img, output_size, generator=None):
        """``(top, left, h, w)`` of a random crop of ``output_size``."""
        h, w = _size_hw(img)
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size "
                             f"{(h, w)}")
        if w == tw and h == th:
            return 0, 0, h, w
        return _randint(h - th + 1, generator), _randint(w - tw + 1, generator), th, tw

    def __call__(self, img):
        _check_image(img, "RandomCrop")
        if self.padding is not None:
            img = _pad(img, self.padding, self.fill, self.padding_mode)
        h, w = _size_hw(img)
        th, tw = self.size
        if self.pad_if_needed and w < tw:
            img = _pad(img, [tw - w, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and h < th:
            img = _pad(img, [0, th - h], self.fill, self.padding_mode)
        return _crop(img, *self.get_params(img, self.size, self.generator))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, padding={self.padding})"


# -- flips and rotation -------------------------------------------------------------------

class RandomHorizontalFlip:
    """Mirror the image left-right with probability ``p``.

    Example::

        >>> RandomHorizontalFlip(p=1.0)(ember.tensor([[[1, 2, 3]]]))
        tensor([[[3, 2, 1]]])
    """

    #: the tensor dim that is reversed, and the PIL ``Image`` transpose method doing the same
    _dim, _pil_flip = -1, "FLIP_LEFT_RIGHT"

    def __init__(self, p: float = 0.5, *, generator=None) -> None:
        self.p = p
        self.generator = generator

    def __call__(self, img):
        _check_image(img, type(self).__name__)
        if _rand(self.generator) < self.p:
            if _is_pil(img):
                from PIL import Image
                return img.transpose(getattr(Image, self._pil_flip))
            return img.flip(self._dim)
        return img

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"


class RandomVerticalFlip(RandomHorizontalFlip):
    """Mirror the image top-bottom with probability ``p``.

    Example::

        >>> RandomVerticalFlip(p=1.0)(ember.tensor([[[1], [2]]]))
        tensor([[[2],
                 [1]]])
    """

    _dim, _pil_flip = -2, "FLIP_TOP_BOTTOM"


def _gather_hw(img, ys, xs):
    """``img[..., ys, xs]`` for integer index maps ys, xs of one output shape."""
    return img[..., ys, xs]


def rotate(img, angle, interpolation="nearest", expand=False, center=None, fill=0):
    """Rotate a tensor image (..., H, W) by ``angle`` degrees counter-clockwise about
    ``center`` ((x, y) from the top-left corner; default the image centre)."""
    h, w = img.shape[-2], img.shape[-1]
    a = math.radians(angle)
    cos, sin = math.cos(a), math.sin(a)
    if center is None or expand:
        cx, cy = (w - 1) / 2.0, (h - 1) / 2.0
    else:
        cx, cy = center[0] - 0.5, center[1] - 0.5
    if expand:
        ow = int(math.ceil(round(abs(w * cos) + abs(h * sin), 4)))
        oh = int(math.ceil(round(abs(w * sin) + abs(h * cos), 4)))
        ocx, ocy = (ow - 1) / 2.0, (oh - 1) / 2.0
    else:
        oh, ow, ocx, ocy = h, w, cx, cy
    dev = img.device
    wd = _work_dtype(img.dtype)
    ys = ember.arange(oh, dtype=ember.float64, device=dev).view(-1, 1) - ocy
    xs = ember.arange(ow, dtype=ember.float64, device=dev).view(1, -1) - ocx
    src_x = cos * xs - sin * ys + cx          # inverse map: output pixel -> source point
    src_y = sin * xs + cos * ys + cy
    src = img.to(wd)
    fill_t = (ember.tensor(list(fill), dtype=wd, device=dev).view(-1, 1, 1)
              if isinstance(fill, Sequence) else fill)

    def sample(yi, xi):
        ok = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
        v = _gather_hw(src, yi.clamp(0, h - 1), xi.clamp(0, w - 1))
        return ember.where(ok, v, ember.as_tensor(fill_t, dtype=wd, device=dev)), ok

    if interpolation == "nearest":
        out, _ = sample((src_y + 0.5).floor().long(), (src_x + 0.5).floor().long())
    else:
        x0f, y0f = src_x.floor(), src_y.floor()
        wx, wy = (src_x - x0f).to(wd), (src_y - y0f).to(wd)
        x0, y0 = x0f.long(), y0f.long()
        v00, _ = sample(y0, x0)
        v01, _ = sample(y0, x0 + 1)
        v10, _ = sample(y0 + 1, x0)
        v11, _ = sample(y0 + 1, x0 + 1)
        top = v00 * (1 - wx) + v01 * wx
        bottom = v10 * (1 - wx) + v11 * wx
        out = top * (1 - wy) + bottom * wy
    return _restore_dtype(out, img.dtype)


class RandomRotation:
    """Rotate by a random angle drawn uniformly from ``degrees``, counter-clockwise.

    Any angle works (not only multiples of 90 degrees); a multiple of 90 on a square image
    with ``"nearest"`` is an exact ``rot90``. Pixels that come from outside the image get
    ``fill``.

    Args:
        degrees: ``d`` for [-d, d], or ``(min, max)``.
        interpolation: ``"nearest"`` (default) or ``"bilinear"``.
        expand: grow the output to hold the whole rotated image (rotation about the
            centre).
        center: ``(x, y)`` of the rotation centre from the top-left corner (default the
            image centre).
        fill: value of the pixels outside the source (a number, or one per channel).
        generator: an ``ember.Generator`` for the angle.

    Shape: (..., H, W) -> (..., H, W) (larger with ``expand``).

    Example::

        >>> RandomRotation((90, 90))(ember.tensor([[[1, 2], [3, 4]]]))
        tensor([[[2, 4],
                 [1, 3]]])
    """

    def __init__(self, degrees, interpolation="nearest", expand: bool = False, center=None,
                 fill=0, *, generator=None) -> None:
        if isinstance(degrees, numbers.Number):
            if degrees < 0:
                raise ValueError("If degrees is a single number, it must be positive.")
            degrees = (-float(degrees), float(degrees))
        elif isinstance(degrees, Sequence) and len(degrees) == 2:
            degrees = (float(degrees[0]), float(degrees[1]))
        else:
            raise ValueError("If degrees is a sequence, it must be of len 2.")
        if center is not None and (not isinstance(center, Sequence) or len(center) != 2):
            raise ValueError("If center is a sequence, it must be of len 2.")
        self.degrees = degrees
        self.interpolation = _interp(interpolation, "RandomRotation")
        self.expand = expand
        self.center = center
        self.fill = fill
        self.generator = generator

    @staticmethod
    def get_params(degrees, generator=None) -> float:
        """A random angle in ``[degrees[0], degrees[1]]``."""
        return degrees[0] + (degrees[1] - degrees[0]) * _rand(generator)

    def __call__(self, img):
        _check_image(img, "RandomRotation")
        angle = self.get_params(self.degrees, self.generator)
        if _is_pil(img):
            fill = tuple(self.fill) if isinstance(self.fill, Sequence) else self.fill
            return img.rotate(angle, resample=_pil_resample(self.interpolation),
                              expand=self.expand, center=self.center, fillcolor=fill)
        return rotate(img, angle, self.interpolation, self.expand, self.center, self.fill)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(degrees={self.degrees}, "
                f"interpolation={self.interpolation}, expand={self.expand})")


# -- resizing -----------------------------------------------------------------------------

def _resized_size(h, w, size, max_size):
    if isinstance(size, Sequence) and len(size) == 2:
        if max_size is not None:
            raise ValueError("max_size should only be passed if size specifies the length of "
                             "the smaller edge, i.e. size should be an int or a sequence of "
                             "length 1")
        return int(size[0]), int(size[1])
    requested = int(size[0] if isinstance(size, Sequence) else size)
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = requested, int(requested * long / short)
    if max_size is not None:
        if max_size <= requested:
            raise ValueError(f"max_size = {max_size} must be strictly greater than the "
                             f"requested size for the smaller edge size = {size}")
        if new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
    return (new_long, new_short) if w <= h else (new_short, new_long)


def _linear_weights(n_in, n_out, antialias, dtype, device):
    """(n_out, n_in) interpolation matrix of 1-d linear resampling, half-pixel centres
    (``align_corners=False``); with ``antialias`` a downscale uses a triangle filter as
    wide as the scale (as PIL and ``interpolate(..., antialias=True)``)."""
    scale = n_in / n_out
    support = scale if (antialias and scale > 1.0) else 1.0
    centre = (ember.arange(n_out, dtype=ember.float64, device=device) + 0.5) * scale
    if not (antialias and scale > 1.0):
        centre = (centre - 0.5).clamp(0, n_in - 1) + 0.5
    j = ember.arange(n_in, dtype=ember.float64, device=device) + 0.5
    wts = (1.0 - (j.view(1, -1) - centre.view(-1, 1)).abs() / support).clamp(min=0)
    wts = wts / wts.sum(dim=1, keepdim=True)
    return wts.to(dtype)


def _nearest_index(n_in, n_out, device):
    scale = ember.tensor(n_in / n_out, dtype=ember.float32, device=device)
    idx = (ember.arange(n_out, dtype=ember.float32, device=device) * scale).floor().long()
    return idx.clamp(max=n_in - 1)


def resize(img, size, interpolation="bilinear", max_size=None, antialias=True):
    """Resize a tensor image (..., H, W); see :class:`Resize`."""
    h, w = img.shape[-2], img.shape[-1]
    oh, ow = _resized_size(h, w, size, max_size)
    if (oh, ow) == (h, w):
        return img
    if interpolation == "nearest":
        rows = _nearest_index(h, oh, img.device)
        cols = _nearest_index(w, ow, img.device)
        return img[..., rows[:, None], cols[None, :]]
    wd = _work_dtype(img.dtype)
    wh = _linear_weights(h, oh, antialias, wd, img.device)
    ww = _linear_weights(w, ow, antialias, wd, img.device)
    out = ember.matmul(ember.matmul(wh, img.to(wd)), ww.t())
    return _restore_dtype(out, img.dtype)


class Resize:
    """Resize the image to ``size``.

    Args:
        size: ``(h, w)``, or an int: the smaller edge becomes ``size`` and the other keeps
            the aspect ratio (``int(size * long / short)``).
        interpolation: ``"bilinear"`` (default; half-pixel centres, as
            ``interpolate(mode="bilinear", align_corners=False)``) or ``"nearest"`` (as
            ``interpolate(mode="nearest")``).
        max_size: with an int ``size``, the longer edge is at most this.
        antialias: when shrinking with ``"bilinear"``, average over the covered source
            pixels (a triangle filter, as PIL and torchvision do); default True.

    Integer images are computed in float32 and rounded back. Computed with ember ops
    (two small matrix products for bilinear, a gather for nearest). PIL images are resized
    with PIL.

    Shape: (..., H, W) -> (..., h, w).

    Example::

        >>> Resize((2, 2), interpolation="nearest")(ember.arange(16.).view(1, 4, 4))
        tensor([[[ 0.,  2.],
                 [ 8., 10.]]])
    """

    def __init__(self, size, interpolation="bilinear", max_size=None,
                 antialias: bool = True) -> None:
        if not (isinstance(size, numbers.Number) or (isinstance(size, Sequence)
                                                     and len(size) in (1, 2))):
            raise TypeError(f"Size should be int or sequence of one or two ints. Got {size!r}")
        self.size = size
        self.interpolation = _interp(interpolation, "Resize")
        self.max_size = max_size
        self.antialias = bool(antialias)

    def __call__(self, img):
        _check_image(img, "Resize")
        if _is_pil(img):
            h, w = _size_hw(img)
            oh, ow = _resized_size(h, w, self.size, self.max_size)
            if (oh, ow) == (h, w):
                return img
            return img.resize((ow, oh), _pil_resample(self.interpolation))
        return resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(size={self.size}, interpolation={self.interpolation}, "
                f"max_size={self.max_size}, antialias={self.antialias})")
