"""Vision helpers: ``pad``, ``interpolate``/``upsample*``, ``pixel_shuffle``/``pixel_unshuffle``,
``channel_shuffle``, ``grid_sample``, ``affine_grid``, ``unfold``/``fold``.

Everything is composed of ember ops (gathers with ``index_select``/``gather``, elementwise
weights, matmuls) except constant padding, a small ``Op`` whose backward is a slice.
"""

from __future__ import annotations

import math

import ember
from ember._ops.core import Op
from ember._tensor import Tensor

from ._window import Fold, Geom, Unfold, contig_strides, native_view, ntuple

__all__ = ["pad", "interpolate", "upsample", "upsample_nearest", "upsample_bilinear",
           "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle",
           "grid_sample", "affine_grid", "unfold", "fold"]


def _check_t(x, name, op):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")


# -- pad -------------------------------------------------------------------------------------

class _ConstantPad(Op):
    """``x`` placed inside a ``value``-filled tensor; ``pads`` per dim as (lo, hi) >= 0."""

    _node_name = "ConstantPadNdBackward0"

    @staticmethod
    def forward(ctx, x, pads, value):
        ctx.pads, ctx.shape = pads, x._shape
        be, buf, st, off = native_view(x)
        out_shape = tuple(n + a + b for n, (a, b) in zip(x._shape, pads, strict=False))
        ost = contig_strides(out_shape)
        size = 1
        for n in out_shape:
            size *= n
        out = be.full((size,), value, x._dtype, x._storage.device.index)
        if x.numel():
            src = be.view(buf, x._shape, st, off)
            ioff = sum(a * s for (a, _), s in zip(pads, ost, strict=False))
            out = be.write(out, x._shape, ost, ioff, src)
        return be.view(out, out_shape, ost, 0)

    @staticmethod
    def backward(ctx, g):
        key = tuple(slice(a, a + n) for (a, _), n in zip(ctx.pads, ctx.shape, strict=False))
        return g[key], None, None


_NONCONST_HELP = ("Supported combinations for non-constant padding:\n"
                  "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
                  "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
                  "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


def _pad_index(n, lo, hi, mode, device):
    """Source indices along one dim for a non-constant padding (lo/hi may be negative)."""
    i = ember.arange(-lo, n + hi, device=device)
    if mode == "replicate":
        return i.clamp(0, n - 1)
    if mode == "circular":
        return i.remainder(n)
    # reflect: mirror at 0 and at n - 1 without repeating the edge
    i = i.abs()
    return (n - 1) - ((n - 1) - i).abs()


def pad(input, pad, mode="constant", value=None):
    """Pad a tensor. ``pad`` lists (left, right) sizes starting from the LAST dimension:
    ``(l, r)`` pads the last dim, ``(l, r, t, b)`` the last two, and so on.

    Args:
        mode: ``'constant'`` (any number of dims; negative sizes crop), ``'reflect'``
            (mirror without repeating the edge; sizes < the dim), ``'replicate'`` (repeat
            the edge), ``'circular'`` (wrap around). Non-constant modes pad the last 1, 2 or 3
            dims of a 2-3D, 3-4D or 4-5D input.
        value: the fill for ``'constant'`` (default 0).

    Example::

        >>> F.pad(ember.tensor([[1., 2.]]), (1, 2), value=9.)
        tensor([[9., 1., 2., 9., 9.]])
        >>> F.pad(ember.tensor([[[1., 2., 3.]]]), (2, 1), mode="reflect")
        tensor([[[3., 2., 1., 2., 3., 2.]]])
    """
    _check_t(input, "input", "pad")
    pads = tuple(int(p) for p in pad)
    if len(pads) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    k = len(pads) // 2
    nd = input.dim()
    if k > nd:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pads)} and input of dimension "
                           f"{nd}")
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode} (expected 'constant', "
                                  f"'reflect', 'replicate' or 'circular')")
    # per-dim (lo, hi) for the last k dims, in dim order
    per = [(pads[2 * (k - 1 - j)], pads[2 * (k - 1 - j) + 1]) for j in range(k)]
    first = nd - k
    if mode == "constant":
        fill = 0 if value is None else value
        if not (input.dtype.is_floating_point or input.dtype.is_complex):
            fill = int(fill)
        x = input
        # negative sizes crop (a view); the rest pads
        key = [slice(None)] * nd
        cropped = False
        for j, (lo, hi) in enumerate(per):
            d = first + j
            n = input.shape[d]
            a, b = max(-lo, 0), n - max(-hi, 0)
            if b - a < 0 or n + lo + hi < 0:
                raise RuntimeError(f"pad: the padding ({lo}, {hi}) of dimension {d} would make "
                                   f"its size negative (input size {n})")
            if a or b != n:
                key[d] = slice(a, b)
                cropped = True
        if cropped:
            x = x[tuple(key)]
        full = [(0, 0)] * first + [(max(lo, 0), max(hi, 0)) for lo, hi in per]
        if any(a or b for a, b in full):
            x = _ConstantPad.apply(x, tuple(full), fill)
        elif not cropped:
            x = x.clone()
        return x
    if value is not None and value != 0:
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    if not ((k == 1 and nd in (2, 3)) or (k == 2 and nd in (3, 4)) or (k == 3 and nd in (4, 5))):
        raise NotImplementedError(f"Padding size {len(pads)} is not supported for {nd}D input "
                                  f"tensor.\n{_NONCONST_HELP}")
    x = input
    for j, (lo, hi) in enumerate(per):
        d = first + j
        n = x.shape[d]
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding "
                               f"input dimension, but got: padding ({lo}, {hi}) at dimension {d} "
                               f"of input {list(input.shape)}")
        if mode == "circular" and (lo > n or hi > n):
            raise RuntimeError(f"Padding value causes wrapping around more than once (padding "
                               f"({lo}, {hi}) at dimension {d} of size {n}).")
        if n + lo + hi < 0 or (mode == "replicate" and n == 0):
            raise RuntimeError(f"pad: padding ({lo}, {hi}) is invalid for dimension {d} of size "
                               f"{n}")
        if lo == 0 and hi == 0:
            continue
        x = x.index_select(d, _pad_index(n, lo, hi, mode, input.device))
    return x.clone() if x is input else x


# -- interpolate ----------------------------------------------------------------------------------

_INTERP_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear",
                 "area")
_MODE_DIMS = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}


def _coord_dtype(x):
    return x.dtype if x.dtype.is_floating_point else ember.float32


def _scale(in_size, out_size, align_corners, sf):
    """PyTorch's source/destination coordinate ratio for one dim."""
    if align_corners:
        return (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0
    if sf is not None and sf > 0:
        return 1.0 / sf
    return in_size / out_size


def _nearest_index(n_in, n_out, sf, exact, device, dt):
    scale = ember.tensor(_scale(n_in, n_out, False, sf), dtype=ember.float32, device=device)
    o = ember.arange(n_out, device=device).to(ember.float32)
    if exact:
        o = o + 0.5
    return (o * scale).floor().to(ember.int64).clamp(max=n_in - 1)


def _linear_taps(n_in, n_out, sf, align, device, dt):
    scale = _scale(n_in, n_out, align, sf)
    o = ember.arange(n_out, device=device).to(dt)
    src = o * scale if align else ((o + 0.5) * scale - 0.5).clamp(min=0)
    i0 = src.floor().to(ember.int64).clamp(max=n_in - 1)
    i1 = (i0 + 1).clamp(max=n_in - 1)
    l1 = src - i0.to(dt)
    return [(i0, 1 - l1), (i1, l1)]


def _cubic1(x, a):
    return ((a + 2) * x - (a + 3)) * x * x + 1


def _cubic2(x, a):
    return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a


def _cubic_taps(n_in, n_out, sf, align, device, dt):
    scale = _scale(n_in, n_out, align, sf)
    o = ember.arange(n_out, device=device).to(dt)
    src = o * scale if align else (o + 0.5) * scale - 0.5
    fl = src.floor()
    t = src - fl
    i = fl.to(ember.int64)
    a = -0.75
    ws = (_cubic2(t + 1, a), _cubic1(t, a), _cubic1(1 - t, a), _cubic2(2 - t, a))
    return [((i + (j - 1)).clamp(0, n_in - 1), w) for j, w in enumerate(ws)]


def _aa_matrix(n_in, n_out, sf, align, mode, device, dt):
    """The (n_out, n_in) antialiasing interpolation matrix (PIL-style filters)."""
    scale = _scale(n_in, n_out, align, sf)
    size = 2 if mode == "bilinear" else 4
    support = size * 0.5 * scale if scale >= 1.0 else size * 0.5
    invscale = 1.0 / scale if scale >= 1.0 else 1.0
    i = ember.arange(n_out, device=device).to(ember.float64).unsqueeze(1)
    j = ember.arange(n_in, device=device).to(ember.float64).unsqueeze(0)
    center = scale * (i + 0.5)
    xmin = (center - support + 0.5).trunc().clamp(min=0)
    xmax = (center + support + 0.5).trunc().clamp(max=n_in)
    x = ((j - center + 0.5) * invscale).abs()
    if mode == "bilinear":
        w = (1 - x).clamp(min=0)
    else:
        a = -0.5
        w = ember.where(x < 1, _cubic1(x, a), ember.where(x < 2, _cubic2(x, a), 0.0))
    w = ember.where((j >= xmin) & (j < xmax), w, 0.0)
    tot = w.sum(1, keepdim=True)
    return (w / ember.where(tot == 0, 1.0, tot)).to(dt)


def _along(x, dim, fn):
    """Apply a per-dim resampling ``fn(x_moved)`` that acts on the last dim."""
    return fn(x.movedim(dim, -1)).movedim(-1, dim)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resample ``input`` (N, C, *spatial) to ``size`` or by ``scale_factor``.

    Args:
        size: output spatial size (int or tuple); or
        scale_factor: multiplier(s); the output size is ``floor(in * scale_factor)``.
        mode: ``'nearest'`` (PyTorch's legacy nearest), ``'nearest-exact'``, ``'linear'``
            (3-D), ``'bilinear'`` / ``'bicubic'`` (4-D), ``'trilinear'`` (5-D), ``'area'``
            (adaptive average pooling).
        align_corners: for the linear/cubic modes, map corner pixel centres onto each other.
        recompute_scale_factor: with ``scale_factor``, compute the coordinate ratio from the
            rounded output size instead of the given factor.
        antialias: low-pass filter when downsampling (bilinear/bicubic, 4-D).

    Example::

        >>> F.interpolate(ember.tensor([[[1., 2.]]]), scale_factor=2, mode="linear")
        tensor([[[1.0000, 1.2500, 1.7500, 2.0000]]])
    """
    op = "interpolate"
    _check_t(input, "input", op)
    if mode not in _INTERP_MODES:
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported "
                                  f"(got {input.dim()}D) for the modes: nearest | linear | "
                                  f"bilinear | bicubic | trilinear | area | nearest-exact (got "
                                  f"{mode})")
    if mode in ("nearest", "nearest-exact", "area"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating "
                             "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    nd = input.dim()
    if nd < 3 or nd > 5:
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported "
                                  f"(got {nd}D) for the modes: nearest | linear | bilinear | "
                                  f"bicubic | trilinear | area | nearest-exact (got {mode})")
    if mode in _MODE_DIMS and _MODE_DIMS[mode] != nd:
        raise NotImplementedError(f"Got {nd}D input, but {mode} mode needs "
                                  f"{_MODE_DIMS[mode]}D input")
    if antialias and not (mode in ("bilinear", "bicubic") and nd == 4):
        raise ValueError("Anti-alias option is restricted to bilinear and bicubic modes and "
                         "requires a 4-D tensor as input")
    n = nd - 2
    spatial = list(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != n:
                raise ValueError(f"Input and output must have the same number of spatial "
                                 f"dimensions, but got input with spatial dimensions of "
                                 f"{spatial} and output size of {tuple(size)}. Please provide "
                                 f"input tensor in (N, C, d1, d2, ...,dK) format and output size "
                                 f"in (o1, o2, ...,oK) format.")
            out = [int(s) for s in size]
        else:
            out = [int(size)] * n
        sfs = [None] * n
    elif scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != n:
                raise ValueError(f"Input and scale_factor must have the same number of spatial "
                                 f"dimensions, but got input with spatial dimensions of "
                                 f"{spatial} and scale_factor of shape {tuple(scale_factor)}. "
                                 f"Please provide input tensor in (N, C, d1, d2, ...,dK) format "
                                 f"and scale_factor in (s1, s2, ...,sK) format.")
            sfs = [float(s) for s in scale_factor]
        else:
            sfs = [float(scale_factor)] * n
        out = [int(math.floor(float(i) * s)) for i, s in zip(spatial, sfs, strict=False)]
        if recompute_scale_factor:
            sfs = [None] * n
    else:
        raise ValueError("either size or scale_factor should be defined")
    if any(o <= 0 for o in out):
        raise RuntimeError(f"{op}: output size {out} must be greater than 0 (input spatial size "
                           f"{spatial})")
    if mode == "area":
        from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d
        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[n - 1](
            input, tuple(out) if n > 1 else out[0])
    dev = input.device
    dt = _coord_dtype(input)
    x = input
    for i in range(n):
        d = 2 + i
        nin, nout, sf = spatial[i], out[i], sfs[i]
        if mode in ("nearest", "nearest-exact"):
            if nin == nout and sf is None:
                continue
            x = x.index_select(d, _nearest_index(nin, nout, sf, mode == "nearest-exact", dev, dt))
            continue
        if antialias:
            m = _aa_matrix(nin, nout, sf, align_corners, mode, dev, dt)
            x = _along(x, d, lambda v, m=m: v @ m.t())
            continue
        taps = (_cubic_taps if mode == "bicubic" else _linear_taps)(nin, nout, sf,
                                                                    align_corners, dev, dt)
        shape = [1] * nd
        shape[d] = nout
        y = None
        for idx, w in taps:
            term = x.index_select(d, idx) * w.reshape(shape)
            y = term if y is None else y + term
        x = y
    if x is input:
        x = input.clone()
    return x


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of ``interpolate`` (kept for PyTorch compatibility).

    Example::

        >>> F.upsample(ember.ones(1, 1, 2, 2), scale_factor=2).shape
        ember.Size([1, 1, 4, 4])
    """
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """``interpolate(..., mode='nearest')`` (deprecated PyTorch spelling).

    Example::

        >>> F.upsample_nearest(ember.ones(1, 1, 2, 2), scale_factor=2).shape
        ember.Size([1, 1, 4, 4])
    """
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """``interpolate(..., mode='bilinear', align_corners=True)`` (deprecated spelling).

    Example::

        >>> F.upsample_bilinear(ember.ones(1, 1, 2, 2), scale_factor=2).shape
        ember.Size([1, 1, 4, 4])
    """
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# -- pixel / channel shuffles -------------------------------------------------------------------

def _shuffle_factor(input, factor, op, name):
    """The checked ``int(factor)`` of ``op`` (pixel_shuffle/pixel_unshuffle) on ``input``,
    a Tensor of at least 3 dims."""
    _check_t(input, "input", op)
    r = int(factor)
    if input.dim() < 3:
        raise RuntimeError(f"{op} expects input to have at least 3 dimensions, but got "
                           f"input with {input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"{op} expects a positive {name}, but got {r}")
    return r


def pixel_shuffle(input, upscale_factor):
    """Rearrange ``(*, C r^2, H, W)`` into ``(*, C, H r, W r)`` (sub-pixel convolution).

    Example::

        >>> F.pixel_shuffle(ember.randn(1, 9, 4, 4), 3).shape
        ember.Size([1, 1, 12, 12])
    """
    r = _shuffle_factor(input, upscale_factor, "pixel_shuffle", "upscale_factor")
    c, h, w = input.shape[-3:]
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c} "
                           f"is not divisible by {r * r}")
    lead = tuple(input.shape[:-3])
    oc = c // (r * r)
    x = input.reshape(lead + (oc, r, r, h, w))
    k = len(lead)
    x = x.permute(tuple(range(k)) + (k, k + 3, k + 1, k + 4, k + 2))
    return x.reshape(lead + (oc, h * r, w * r))


def pixel_unshuffle(input, downscale_factor):
    """Inverse of ``pixel_shuffle``: ``(*, C, H r, W r)`` -> ``(*, C r^2, H, W)``.

    Example::

        >>> F.pixel_unshuffle(ember.randn(1, 1, 12, 12), 3).shape
        ember.Size([1, 9, 4, 4])
    """
    r = _shuffle_factor(input, downscale_factor, "pixel_unshuffle", "downscale_factor")
    c, h, w = input.shape[-3:]
    if h % r:
        raise RuntimeError(f"pixel_unshuffle expects height to be divisible by downscale_factor, "
                           f"but input.size(-2)={h} is not divisible by {r}")
    if w % r:
        raise RuntimeError(f"pixel_unshuffle expects width to be divisible by downscale_factor, "
                           f"but input.size(-1)={w} is not divisible by {r}")
    lead = tuple(input.shape[:-3])
    k = len(lead)
    x = input.reshape(lead + (c, h // r, r, w // r, r))
    x = x.permute(tuple(range(k)) + (k, k + 2, k + 4, k + 1, k + 3))
    return x.reshape(lead + (c * r * r, h // r, w // r))


def channel_shuffle(input, groups):
    """Split the channels (dim 1) into ``groups`` and interleave them (ShuffleNet).

    Example::

        >>> F.channel_shuffle(ember.arange(4.).reshape(1, 4, 1, 1), 2).flatten()
        tensor([0., 2., 1., 3.])
    """
    _check_t(input, "input", "channel_shuffle")
    g = int(groups)
    if input.dim() < 3:
        raise RuntimeError(f"channel_shuffle expects input to have at least 3 dimensions, but "
                           f"got input with sizes {list(input.shape)}")
    if g <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of "
                           f"groups:{g}")
    n, c = input.shape[0], input.shape[1]
    if c % g:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and "
                           f"{g} groups.")
    rest = tuple(input.shape[2:])
    return input.reshape((n, g, c // g) + rest).transpose(1, 2).reshape(input.shape)


native_channel_shuffle = channel_shuffle


# -- grid_sample / affine_grid ------------------------------------------------------------------

def _unnormalize(coord, size, align):
    if align:
        return (coord + 1) / 2 * (size - 1)
    return ((coord + 1) * size - 1) / 2


def _reflect(x, lo2, hi2):
    """Reflect ``x`` into ``[lo2 / 2, hi2 / 2]`` (bounds given doubled, as PyTorch does)."""
    if lo2 == hi2:
        return x * 0
    mn = lo2 / 2
    span = (hi2 - lo2) / 2
    x = (x - mn).abs()
    extra = ember.fmod(x, span)
    flips = (x / span).floor()
    return ember.where(flips.remainder(2) == 0, extra + mn, span - extra + mn)


def _pad_coord(x, size, mode, align):
    if mode == "border":
        return x.clamp(0, size - 1)
    if mode == "reflection":
        if align:
            x = _reflect(x, 0, 2 * (size - 1))
        else:
            x = _reflect(x, -1, 2 * size - 1)
        return x.clamp(0, size - 1)
    return x


def _gather_taps(flat, idx, n, c):
    """Values of ``flat`` (N, C, P) at ``idx`` (N, Q) -> (N, C, Q)."""
    return flat.gather(2, idx.unsqueeze(1).expand(n, c, idx.shape[1]))


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample ``input`` at the normalized locations ``grid`` (x, y[, z] in [-1, 1]).

    Args:
        input: ``(N, C, H, W)`` (or ``(N, C, D, H, W)``).
        grid: ``(N, H_out, W_out, 2)`` (or ``(N, D_out, H_out, W_out, 3)``); the last dim is
            (x, y[, z]), x indexing the width.
        mode: ``'bilinear'``, ``'nearest'`` or ``'bicubic'`` (4-D only).
        padding_mode: ``'zeros'``, ``'border'`` or ``'reflection'`` for locations outside.
        align_corners: -1 and 1 are the centres (True) or the outer edges (False, default)
            of the corner pixels.

    Shape: output ``(N, C, H_out, W_out)`` (or ``(N, C, D_out, H_out, W_out)``).

    Example::

        >>> theta = ember.tensor([[[1., 0., 0.], [0., 1., 0.]]])
        >>> grid = F.affine_grid(theta, (1, 1, 4, 4), align_corners=False)
        >>> x = ember.randn(1, 1, 4, 4)
        >>> (F.grid_sample(x, grid, align_corners=False) - x).abs().max() < 1e-6
        tensor(True)
    """
    op = "nn.functional.grid_sample()"
    _check_t(input, "input", "grid_sample")
    _check_t(grid, "grid", "grid_sample")
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"{op}: expected mode to be 'bilinear', 'nearest' or 'bicubic', but "
                         f"got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"{op}: expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    align = bool(align_corners)
    nd = input.dim()
    if nd not in (4, 5) or grid.dim() != nd:
        raise RuntimeError(f"grid_sampler(): expected 4D or 5D input and grid with same number "
                           f"of dimensions, but got input with sizes {list(input.shape)} and "
                           f"grid with sizes {list(grid.shape)}")
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, "
                           f"but got input with sizes {list(input.shape)} and grid with sizes "
                           f"{list(grid.shape)}")
    n_sp = nd - 2
    if grid.shape[-1] != n_sp:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {n_sp} in last "
                           f"dimension, but got grid with sizes {list(grid.shape)}")
    if mode == "bicubic" and nd != 4:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if grid.dtype is not input.dtype:
        raise RuntimeError(f"grid_sampler(): expected input and grid to have the same dtype, "
                           f"but input has {input.dtype} and grid has {grid.dtype}")
    N, C = input.shape[0], input.shape[1]
    sizes = list(input.shape[2:])                   # (D,) H, W
    out_sp = list(grid.shape[1:-1])
    q = 1
    for s in out_sp:
        q *= s
    g = grid.reshape(N, q, n_sp)
    # grid's last dim is (x, y[, z]): x indexes the last spatial dim
    coords = [_unnormalize(g[..., n_sp - 1 - i], sizes[i], align) for i in range(n_sp)]
    flat = input.reshape(N, C, -1)
    strides = contig_strides(sizes)

    def sample(tap_coords, weight):
        """Weighted values at integer tap coordinates (one per spatial dim)."""
        valid = None
        lin = None
        for i, t in enumerate(tap_coords):
            if padding_mode == "zeros":
                ok = (t >= 0) & (t <= sizes[i] - 1)
                valid = ok if valid is None else valid & ok
            ti = t.clamp(0, sizes[i] - 1).to(ember.int64)
            lin = ti * strides[i] if lin is None else lin + ti * strides[i]
        vals = _gather_taps(flat, lin, N, C)
        if valid is not None:
            weight = weight * valid.to(weight.dtype)
        return vals * weight.unsqueeze(1)

    if mode == "nearest":
        taps = [_pad_coord(cd, sizes[i], padding_mode, align).round()
                for i, cd in enumerate(coords)]
        ones = ember.ones(taps[0].shape, dtype=input.dtype, device=input.device)
        out = sample(taps, ones)
        if grid.requires_grad:
            # nearest sampling is piecewise constant in the grid: its gradient is zero (as in
            # PyTorch), not absent
            out = out + (g * 0).sum()
    elif mode == "bilinear":
        cs = [_pad_coord(cd, sizes[i], padding_mode, align) for i, cd in enumerate(coords)]
        lows = [c_.floor() for c_ in cs]
        fr = [c_ - lo for c_, lo in zip(cs, lows, strict=False)]
        out = None
        for corner in range(1 << n_sp):
            taps, w = [], None
            for i in range(n_sp):
                hi = (corner >> (n_sp - 1 - i)) & 1
                taps.append(lows[i] + hi)
                wi = fr[i] if hi else 1 - fr[i]
                w = wi if w is None else w * wi
            term = sample(taps, w)
            out = term if out is None else out + term
    else:
        # bicubic: coordinates are not clipped first; each tap is padded on its own
        cs = [cd for cd in coords]
        lows = [c_.floor() for c_ in cs]
        ts = [c_ - lo for c_, lo in zip(cs, lows, strict=False)]
        a = -0.75
        wts = [(_cubic2(t + 1, a), _cubic1(t, a), _cubic1(1 - t, a), _cubic2(2 - t, a))
               for t in ts]
        out = None
        for jy in range(4):
            for jx in range(4):
                ty = _tap_pad(lows[0] + (jy - 1), sizes[0], padding_mode, align)
                tx = _tap_pad(lows[1] + (jx - 1), sizes[1], padding_mode, align)
                term = sample([ty, tx], wts[0][jy] * wts[1][jx])
                out = term if out is None else out + term
    return out.reshape([N, C] + out_sp)


def _tap_pad(t, size, mode, align):
    if mode == "zeros":
        return t
    return _pad_coord(t, size, mode, align).round()


def affine_grid(theta, size, align_corners=None):
    """The sampling grid of an affine transform, for ``grid_sample``.

    Args:
        theta: ``(N, 2, 3)`` for 2-D (``size`` = (N, C, H, W)) or ``(N, 3, 4)`` for 3-D
            (``size`` = (N, C, D, H, W)).
        align_corners: as in ``grid_sample`` (default False).

    Shape: ``(N, H, W, 2)`` or ``(N, D, H, W, 3)``.

    Example::

        >>> F.affine_grid(ember.eye(2, 3).unsqueeze(0), (1, 1, 2, 2), align_corners=True)[0, 0]
        tensor([[-1., -1.],
                [ 1., -1.]])
    """
    _check_t(theta, "theta", "affine_grid")
    size = [int(s) for s in size]
    align = bool(align_corners)
    if not theta.dtype.is_floating_point:
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    if len(size) == 4:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (2, 3):
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                             f"{tuple(size)}. Got {list(theta.shape)}.")
        sp = size[2:]
    elif len(size) == 5:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (3, 4):
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size "
                             f"{tuple(size)}. Got {list(theta.shape)}.")
        sp = size[2:]
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {tuple(size)}.")
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {tuple(size)}")
    if theta.shape[0] != size[0]:
        raise ValueError(f"affine_grid: theta has batch size {theta.shape[0]} but size asks for "
                         f"{size[0]}")
    dev, dt = theta.device, theta.dtype

    def lin(n):
        if n <= 1:
            return ember.zeros(n, dtype=dt, device=dev)
        base = ember.linspace(-1, 1, n, dtype=dt, device=dev)
        return base if align else base * ((n - 1) / n)

    k = len(sp)
    axes = [lin(s) for s in sp]                     # (D,) H, W
    grids = ember.meshgrid(*axes, indexing="ij")
    # base coordinates (x, y[, z], 1) with x along the last spatial dim
    comps = [grids[k - 1 - i] for i in range(k)] + [ember.ones(sp, dtype=dt, device=dev)]
    base = ember.stack(comps, -1).reshape(1, -1, k + 1)             # (1, P, k+1)
    out = base @ theta.transpose(1, 2)                                # (N, P, k)
    return out.reshape([size[0]] + sp + [k])


# -- unfold / fold ------------------------------------------------------------------------------

def _fold_params(kernel_size, dilation, padding, stride, op):
    k = ntuple(kernel_size, 2, "kernel_size", op)
    d = ntuple(dilation, 2, "dilation", op)
    p = ntuple(padding, 2, "padding", op)
    s = ntuple(stride, 2, "stride", op)
    if any(v <= 0 for v in k):
        raise RuntimeError(f"{op}: kernel size should be greater than zero, but got "
                           f"kernel_height: {k[0]} kernel_width: {k[1]}")
    if any(v <= 0 for v in s):
        raise RuntimeError(f"{op}: stride should be greater than zero, but got stride_height: "
                           f"{s[0]} stride_width: {s[1]}")
    if any(v <= 0 for v in d):
        raise RuntimeError(f"{op}: dilation should be greater than zero, but got "
                           f"dilation_height: {d[0]} dilation_width: {d[1]}")
    if any(v < 0 for v in p):
        raise RuntimeError(f"{op}: padding should be non-negative, but got pad_height: {p[0]} "
                           f"pad_width: {p[1]}")
    return k, d, p, s


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extract sliding local blocks (im2col): ``(N, C, H, W)`` -> ``(N, C kH kW, L)`` with
    ``L`` the number of block positions (``(C, H, W)`` -> ``(C kH kW, L)`` unbatched).

    Example::

        >>> F.unfold(ember.randn(2, 3, 4, 4), 2).shape
        ember.Size([2, 12, 9])
    """
    op = "unfold"
    _check_t(input, "input", op)
    if input.dim() not in (3, 4):
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with possibly 0 batch size "
                           f"and other non-zero dimensions for input, but got: "
                           f"{list(input.shape)}")
    k, d, p, s = _fold_params(kernel_size, dilation, padding, stride, op)
    unb = input.dim() == 3
    x = input.unsqueeze(0) if unb else input
    sp = tuple(x.shape[2:])
    out = tuple((i + 2 * pp - dd * (kk - 1) - 1) // ss + 1
                for i, pp, dd, kk, ss in zip(sp, p, d, k, s, strict=False))
    if any(o <= 0 for o in out):
        raise RuntimeError(f"Given input with spatial size {sp}, kernel_size={k}, dilation={d}, "
                           f"padding={p}, calculated shape of the array of sliding blocks as "
                           f"{out}, but its components must be at least one.")
    g = Geom(sp, k, s, d, p, p, out_sp=out)
    n, c = x.shape[0], x.shape[1]
    cols = Unfold.apply(x, g, "unfold", 0).reshape(n, c * k[0] * k[1], out[0] * out[1])
    return cols.squeeze(0) if unb else cols


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Combine sliding blocks into a tensor, summing overlaps (col2im; the adjoint of
    ``unfold``): ``(N, C kH kW, L)`` -> ``(N, C, *output_size)`` (unbatched ``(C kH kW, L)``).

    Example::

        >>> F.fold(ember.ones(1, 4, 9), (4, 4), 2)[0, 0]
        tensor([[1., 2., 2., 1.],
                [2., 4., 4., 2.],
                [2., 4., 4., 2.],
                [1., 2., 2., 1.]])
    """
    op = "fold"
    _check_t(input, "input", op)
    if input.dim() not in (2, 3):
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor with possibly 0 batch size "
                           f"and non-zero dimensions for input, but got: {list(input.shape)}")
    osz = ntuple(output_size, 2, "output_size", op)
    k, d, p, s = _fold_params(kernel_size, dilation, padding, stride, op)
    unb = input.dim() == 2
    x = input.unsqueeze(0) if unb else input
    n, ck, L = x.shape
    kk = k[0] * k[1]
    if ck % kk:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product "
                           f"of kernel_size, but got input.size(1)={ck} and "
                           f"kernel_size={tuple(k)}")
    blocks = tuple((o + 2 * pp - dd * (kk_ - 1) - 1) // ss + 1
                   for o, pp, dd, kk_, ss in zip(osz, p, d, k, s, strict=False))
    if any(b <= 0 for b in blocks) or blocks[0] * blocks[1] != L:
        raise RuntimeError(f"Given output_size={tuple(osz)}, kernel_size={tuple(k)}, "
                           f"dilation={tuple(d)}, padding={tuple(p)}, stride={tuple(s)}, "
                           f"expected size of input's dimension 2 to match the calculated number "
                           f"of sliding blocks {blocks[0]} * {blocks[1]} = "
                           f"{blocks[0] * blocks[1]}, but got input.size(2)={L}.")
    c = ck // kk
    g = Geom(osz, k, s, d, p, p, out_sp=blocks)
    cols = x.reshape((n, c) + tuple(k) + blocks)
    y = Fold.apply(cols, g, "unfold", (n, c))
    return y.squeeze(0) if unb else y
