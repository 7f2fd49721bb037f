"""Pooling: max/avg/lp pooling, adaptive pooling and max-unpooling (1-D, 2-D, 3-D).

Window pooling is separable: a 1-D windowed maximum or sum along each spatial dim in turn,
each a few vectorized calls over strided slabs of the padded input (``MaxPool``,
``WindowSum`` in ``_window.py``). Adaptive average pooling
is a product with a small averaging matrix per spatial dim; adaptive max pooling gathers the
(variable) windows with advanced indexing.
"""

from __future__ import annotations

import ember
from ember._tensor import Tensor

from ._window import Geom, MaxLast, MaxPool, WindowSum, ntuple

__all__ = [
    "max_pool1d", "max_pool2d", "max_pool3d",
    "max_pool1d_with_indices", "max_pool2d_with_indices", "max_pool3d_with_indices",
    "avg_pool1d", "avg_pool2d", "avg_pool3d",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
    "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d",
    "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
    "adaptive_max_pool3d_with_indices",
    "max_unpool1d", "max_unpool2d", "max_unpool3d",
    "lp_pool1d", "lp_pool2d", "lp_pool3d",
]


def _check_input(x, n, op):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(x).__name__}")
    if x.dim() not in (n + 1, n + 2) or any(s == 0 for s in x.shape[-n - 1:]):
        raise RuntimeError(f"{op}: Expected {n + 1}D or {n + 2}D (batch mode) tensor with "
                           f"optional 0 dim batch size for input, but got: {list(x.shape)}")


def _batched(x, n):
    """(N, C, *S) view of an input that may be unbatched; and whether it was."""
    if x.dim() == n + 1:
        return x.unsqueeze(0), True
    return x, False


def _pool_out(i, k, s, p, d, ceil):
    num = i + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil else 0)
    o = num // s + 1
    if ceil and (o - 1) * s >= i + p:
        o -= 1
    return o


def _pool_geom(op, x, n, kernel_size, stride, padding, dilation, ceil_mode, max_pool):
    k = ntuple(kernel_size, n, "kernel_size", op)
    s = k if (stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0)) \
        else ntuple(stride, n, "stride", op)
    p = ntuple(padding, n, "padding", op)
    d = ntuple(dilation, n, "dilation", op)
    if any(v <= 0 for v in k):
        if any(v == 0 for v in s):
            raise RuntimeError(f"{op}: stride should not be zero (kernel_size={list(k)})")
        raise RuntimeError(f"{op}: kernel_size should be greater than zero, but got "
                           f"kernel_size={list(k)}")
    if any(v <= 0 for v in s):
        raise RuntimeError(f"{op}: stride should not be zero or negative, but got "
                           f"stride={list(s)}")
    if any(v <= 0 for v in d):
        raise RuntimeError(f"{op}: dilation should be greater than zero, but got "
                           f"dilation={list(d)}")
    for kk, pp, dd in zip(k, p, d, strict=False):
        eff = (kk - 1) * dd + 1 if max_pool else kk
        if pp < 0 or pp > eff // 2:
            raise RuntimeError(f"{op}: pad should be at most half of effective kernel size, "
                               f"but got pad={pp}, kernel_size={kk} and dilation={dd}")
    sp = tuple(x.shape[2:])
    out = tuple(_pool_out(i, kk, ss, pp, dd, ceil_mode)
                for i, kk, ss, pp, dd in zip(sp, k, s, p, d, strict=False))
    if any(o <= 0 for o in out):
        c = x.shape[1]
        raise RuntimeError(f"{op}: Given input size: ({'x'.join(map(str, (c,) + sp))}). "
                           f"Calculated output size: ({'x'.join(map(str, (c,) + out))}). Output "
                           f"size is too small")
    phi = tuple(max(0, (o - 1) * ss + dd * (kk - 1) + 1 - i - pp)
                for o, ss, dd, kk, i, pp in zip(out, s, d, k, sp, p, strict=False))
    return Geom(sp, k, s, d, p, phi, out_sp=out)


def _lowest(dtype):
    if dtype.is_floating_point:
        return float("-inf")
    if dtype is ember.bool:
        return False
    if dtype is ember.uint8:
        return 0
    return -(1 << (8 * dtype.itemsize - 1))


def _flat_index(idx, g, n):
    """Flat input-plane indices (unpadded coordinates) of the window taps ``idx`` (local,
    row-major over the kernel) chosen at each output position."""
    flat = None
    rem = idx
    kdiv = 1
    for kk in g.k:
        kdiv *= kk
    for i in range(n):
        kdiv //= g.k[i]
        ki = rem // kdiv
        rem = rem - ki * kdiv
        o = ember.arange(g.out_sp[i], device=idx.device).reshape(
            (g.out_sp[i],) + (1,) * (n - 1 - i))
        pos = o * g.s[i] - g.plo[i] + ki * g.d[i]
        flat = pos if flat is None else flat * g.in_sp[i] + pos
    return flat


def _max_pool(n, op, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    _check_input(input, n, op)
    x, unb = _batched(input, n)
    g = _pool_geom(op, x, n, kernel_size, stride, padding, dilation, ceil_mode, True)
    if not return_indices:
        vals = MaxPool.apply(x, g, _lowest(x.dtype), False)
        return vals.squeeze(0) if unb else vals
    vals, idx = MaxPool.apply(x, g, _lowest(x.dtype), True)
    if unb:
        vals = vals.squeeze(0)
    ind = _flat_index(idx, g, n)
    return vals, (ind.squeeze(0) if unb else ind)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """1-D max pooling over ``(N, C, L)`` (or ``(C, L)``).

    Args:
        kernel_size: window size; stride: defaults to ``kernel_size``; padding: implicit
            ``-inf`` padding on both sides (at most half the window); dilation: spacing of
            window taps; ceil_mode: round the output size up; return_indices: also return the
            flat positions of the maxima (for ``max_unpool1d``).

    Shape: ``L_out = floor_or_ceil((L + 2p - d (k - 1) - 1) / s) + 1``.

    Example::

        >>> F.max_pool1d(ember.tensor([[[1., 3., 2., 5.]]]), 2)
        tensor([[[3., 5.]]])
    """
    return _max_pool(1, "max_pool1d", input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """2-D max pooling over ``(N, C, H, W)`` (or ``(C, H, W)``); see ``max_pool1d`` for the
    arguments (ints or pairs).

    Shape: ``H_out = floor_or_ceil((H + 2p - d (k - 1) - 1) / s) + 1`` (likewise W); with
    ``return_indices`` the indices are flat positions in each ``H x W`` plane.

    Example::

        >>> F.max_pool2d(ember.randn(64, 6, 28, 28), 2).shape
        ember.Size([64, 6, 14, 14])
    """
    return _max_pool(2, "max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """3-D max pooling over ``(N, C, D, H, W)`` (or ``(C, D, H, W)``); see ``max_pool2d``.

    Example::

        >>> F.max_pool3d(ember.randn(1, 2, 4, 4, 4), 2).shape
        ember.Size([1, 2, 2, 2, 2])
    """
    return _max_pool(3, "max_pool3d", input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    """``max_pool1d(..., return_indices=True)``: ``(values, indices)``."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    """``max_pool2d(..., return_indices=True)``: ``(values, indices)``."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    """``max_pool3d(..., return_indices=True)``: ``(values, indices)``."""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


# -- average pooling ----------------------------------------------------------------------------

def _avg_divisor(g, n, count_include_pad, device):
    """The per-output-position divisor, or an int when it is the same everywhere."""
    uniform = all((o - 1) * s + k <= i + 2 * p and (count_include_pad or p == 0)
                  for o, s, k, i, p in zip(g.out_sp, g.s, g.k, g.in_sp, g.plo, strict=False))
    if uniform:
        # every window lies inside the (padded) input and padding counts (or there is none)
        tot = 1
        for k in g.k:
            tot *= k
        return tot
    div = None
    for i in range(n):
        o = ember.arange(g.out_sp[i], device=device)
        start = o * g.s[i] - g.plo[i]
        end = ember.clamp(start + g.k[i], max=g.in_sp[i] + g.plo[i])
        if count_include_pad:
            cnt = end - start
        else:
            cnt = ember.clamp(end, max=g.in_sp[i]) - ember.clamp(start, min=0)
        cnt = cnt.reshape((g.out_sp[i],) + (1,) * (n - 1 - i))
        div = cnt if div is None else div * cnt
    return div


def _avg_pool(n, op, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override):
    _check_input(input, n, op)
    x, unb = _batched(input, n)
    g = _pool_geom(op, x, n, kernel_size, stride, padding, 1, ceil_mode, False)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError(f"{op}: divisor must be not zero")
    s = WindowSum.apply(x, g)
    if divisor_override is not None:
        div = divisor_override
    else:
        div = _avg_divisor(g, n, count_include_pad, x.device)
    if x.dtype.is_floating_point or x.dtype.is_complex:
        out = s / div
    else:
        out = ember.div(s, div, rounding_mode="trunc").to(x.dtype)
    return out.squeeze(0) if unb else out


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """1-D average pooling over ``(N, C, L)`` (or ``(C, L)``).

    Args:
        kernel_size, stride (default ``kernel_size``), padding (zeros, at most half the
        window), ceil_mode; count_include_pad: whether padded zeros count in the average.

    Example::

        >>> F.avg_pool1d(ember.tensor([[[1., 3., 2., 6.]]]), 2)
        tensor([[[2., 4.]]])
    """
    return _avg_pool(1, "avg_pool1d", input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """2-D average pooling over ``(N, C, H, W)`` (or ``(C, H, W)``); ``divisor_override``
    replaces the window size as the divisor. Output size as ``max_pool2d`` (no dilation).

    Example::

        >>> F.avg_pool2d(ember.ones(1, 1, 4, 4), 2, padding=1, count_include_pad=False)
        tensor([[[[1., 1., 1.],
                  [1., 1., 1.],
                  [1., 1., 1.]]]])
    """
    return _avg_pool(2, "avg_pool2d", input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """3-D average pooling over ``(N, C, D, H, W)`` (or ``(C, D, H, W)``); see
    ``avg_pool2d``.

    Example::

        >>> F.avg_pool3d(ember.ones(1, 1, 2, 2, 2), 2)
        tensor([[[[[1.]]]]])
    """
    return _avg_pool(3, "avg_pool3d", input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def _lp_pool(n, op, input, norm_type, kernel_size, stride, ceil_mode):
    _check_input(input, n, op)
    k = ntuple(kernel_size, n, "kernel_size", op)
    p = float(norm_type)
    out = _avg_pool(n, op, input.pow(p), k, stride, 0, ceil_mode, True, None)
    kk = 1
    for v in k:
        kk *= v
    return (out.sign() * out.abs().relu()).mul(kk).pow(1.0 / p)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling: ``(sum over the window of x ** p) ** (1 / p)``
    (``p = inf`` is max pooling, ``p = 1`` sum pooling).

    Example::

        >>> F.lp_pool1d(ember.tensor([[[3., 4.]]]), 2, 2)
        tensor([[[5.]]])
    """
    return _lp_pool(1, "lp_pool1d", input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """2-D power-average pooling (see ``lp_pool1d``) over ``(N, C, H, W)``.

    Example::

        >>> F.lp_pool2d(ember.ones(1, 1, 2, 2), 2, 2)
        tensor([[[[2.]]]])
    """
    return _lp_pool(2, "lp_pool2d", input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """3-D power-average pooling (see ``lp_pool1d``) over ``(N, C, D, H, W)``.

    Example::

        >>> F.lp_pool3d(ember.ones(1, 1, 2, 2, 2), 1, 2)
        tensor([[[[[8.]]]]])
    """
    return _lp_pool(3, "lp_pool3d", input, norm_type, kernel_size, stride, ceil_mode)


# -- adaptive pooling ---------------------------------------------------------------------------

def _adaptive_sizes(op, x, n, output_size):
    if isinstance(output_size, (list, tuple)):
        if len(output_size) != n:
            raise RuntimeError(f"{op}: output_size must be {n}")
        out = tuple(x.shape[-n + i] if o is None else int(o) for i, o in enumerate(output_size))
    else:
        out = (x.shape[-1] if output_size is None else int(output_size),) * n
    if any(o < 0 for o in out):
        raise RuntimeError(f"{op}: elements of output_size must be greater than or equal to 0 "
                           f"but received {list(out)}")
    return out


def _bounds(i, o, device):
    j = ember.arange(o, device=device)
    start = (j * i) // o
    end = ((j + 1) * i + o - 1) // o
    return start, end


def _check_adaptive_input(x, n, op):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(x).__name__}")
    if x.dim() not in (n + 1, n + 2):
        raise RuntimeError(f"{op}(): Expected {n + 1}D or {n + 2}D tensor, but got "
                           f"{list(x.shape)}")
    for s in x.shape[-n:]:
        if s == 0:
            raise RuntimeError(f"{op}(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {list(x.shape)} with "
                               f"dimension {list(x.shape).index(0)} being empty")


def _adaptive_avg(n, op, input, output_size):
    _check_adaptive_input(input, n, op)
    out = _adaptive_sizes(op, input, n, output_size)
    y = input
    nd = input.dim()
    for i in range(n):
        dim = nd - n + i
        isz, osz = y.shape[dim], out[i]
        if isz == osz:
            continue
        if osz and isz % osz == 0:
            y = y.unflatten(dim, (osz, isz // osz)).mean(dim + 1)
            continue
        start, end = _bounds(isz, osz, input.device)
        pos = ember.arange(isz, device=input.device)
        inside = (pos >= start.unsqueeze(1)) & (pos < end.unsqueeze(1))
        m = inside.to(input.dtype) / (end - start).unsqueeze(1).to(input.dtype)   # (O, I)
        y = (y.movedim(dim, -1) @ m.t()).movedim(-1, dim)
    return input.clone() if y is input else y


def adaptive_avg_pool1d(input, output_size):
    """Average pooling to a fixed output length: window ``j`` covers
    ``[floor(j L / out), ceil((j + 1) L / out))``.

    Shape: ``(N, C, L) -> (N, C, output_size)`` (or unbatched).

    Example::

        >>> F.adaptive_avg_pool1d(ember.tensor([[[1., 2., 3., 4., 5.]]]), 2)
        tensor([[[2.0000, 4.0000]]])
    """
    return _adaptive_avg(1, "adaptive_avg_pool1d", input, output_size)


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed ``(H_out, W_out)`` (an int, a pair, ``None`` keeps a size).

    Shape: ``(N, C, H, W) -> (N, C, H_out, W_out)`` (or unbatched).

    Example::

        >>> F.adaptive_avg_pool2d(ember.randn(2, 8, 7, 9), (3, None)).shape
        ember.Size([2, 8, 3, 9])
    """
    return _adaptive_avg(2, "adaptive_avg_pool2d", input, output_size)


def adaptive_avg_pool3d(input, output_size):
    """Average pooling to a fixed ``(D_out, H_out, W_out)``; see ``adaptive_avg_pool2d``.

    Example::

        >>> F.adaptive_avg_pool3d(ember.randn(1, 2, 5, 5, 5), 1).shape
        ember.Size([1, 2, 1, 1, 1])
    """
    return _adaptive_avg(3, "adaptive_avg_pool3d", input, output_size)


def _adaptive_max(n, op, input, output_size, return_indices):
    _check_adaptive_input(input, n, op)
    out = _adaptive_sizes(op, input, n, output_size)
    x, unb = _batched(input, n)
    sp = tuple(x.shape[2:])
    if all(o > 0 and i % o == 0 for i, o in zip(sp, out, strict=False)):
        k = tuple(i // o for i, o in zip(sp, out, strict=False))
        r = _max_pool(n, op, x, k, k, 0, 1, False, True)
        vals, ind = r
    else:
        N, C = x.shape[0], x.shape[1]
        dev = x.device
        idxs, starts, kws = [], [], []
        for i in range(n):
            start, end = _bounds(sp[i], out[i], dev)
            kw = max((((j + 1) * sp[i] + out[i] - 1) // out[i]) - (j * sp[i]) // out[i]
                     for j in range(out[i])) if out[i] else 1
            # window taps, the last one repeated where a window is shorter than kw
            tap = ember.minimum(start.unsqueeze(1) + ember.arange(kw, device=dev),
                                (end - 1).unsqueeze(1))
            shape = [1] * (2 * n)
            shape[i], shape[n + i] = out[i], kw
            idxs.append(tap.reshape(shape))
            starts.append(start)
            kws.append(kw)
        win = x[(slice(None), slice(None)) + tuple(idxs)]            # (N, C, *O, *kw)
        kk = 1
        for v in kws:
            kk *= v
        vals, li = MaxLast.apply(win.reshape((N, C) + out + (kk,)))
        ind = None
        rem = li
        kdiv = kk
        for i in range(n):
            kdiv //= kws[i]
            ki = rem // kdiv
            rem = rem - ki * kdiv
            tap = idxs[i].reshape(out[i], kws[i])
            # the tap position: row of `tap` for this output, column ki
            shape = [1] * n
            shape[i] = out[i]
            base = starts[i].reshape(shape)
            end_i = tap[:, -1].reshape(shape)
            pos = ember.minimum(base + ki, end_i)
            ind = pos if ind is None else ind * sp[i] + pos
    if unb:
        vals, ind = vals.squeeze(0), ind.squeeze(0)
    return (vals, ind) if return_indices else vals


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max pooling to a fixed output length (windows as ``adaptive_avg_pool1d``).

    Example::

        >>> F.adaptive_max_pool1d(ember.tensor([[[1., 5., 3., 4., 2.]]]), 2)
        tensor([[[5., 4.]]])
    """
    return _adaptive_max(1, "adaptive_max_pool1d", input, output_size, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling to a fixed ``(H_out, W_out)``; with ``return_indices`` also the flat
    positions of the maxima in each ``H x W`` plane.

    Example::

        >>> F.adaptive_max_pool2d(ember.randn(1, 3, 7, 7), 3).shape
        ember.Size([1, 3, 3, 3])
    """
    return _adaptive_max(2, "adaptive_max_pool2d", input, output_size, return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Max pooling to a fixed ``(D_out, H_out, W_out)``; see ``adaptive_max_pool2d``.

    Example::

        >>> F.adaptive_max_pool3d(ember.randn(1, 2, 5, 5, 5), 2).shape
        ember.Size([1, 2, 2, 2, 2])
    """
    return _adaptive_max(3, "adaptive_max_pool3d", input, output_size, return_indices)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):
    """``adaptive_max_pool1d(..., return_indices=True)``."""
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    """``adaptive_max_pool2d(..., return_indices=True)``."""
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=True):
    """``adaptive_max_pool3d(..., return_indices=True)``."""
    return adaptive_max_pool3d(input, output_size, True)


# -- unpooling ----------------------------------------------------------------------------------

def _max_unpool(n, op, input, indices, kernel_size, stride, padding, output_size):
    if not isinstance(input, Tensor) or not isinstance(indices, Tensor):
        raise TypeError(f"{op}(): input and indices must be Tensors")
    if input.dim() not in (n + 1, n + 2):
        raise RuntimeError(f"{op}: Expected {n + 1}D or {n + 2}D (batch mode) tensor for "
                           f"input, but got: {list(input.shape)}")
    if indices.shape != input.shape:
        raise RuntimeError(f"{op}: Expected shape of indices to be same as that of the input "
                           f"tensor ({list(input.shape)}) but got indices tensor with shape: "
                           f"{list(indices.shape)}")
    if indices.dtype is not ember.int64:
        raise RuntimeError(f"{op}: elements in indices should be type int64 but got: "
                           f"{indices.dtype}")
    k = ntuple(kernel_size, n, "kernel_size", op)
    s = k if stride is None else ntuple(stride, n, "stride", op)
    p = ntuple(padding, n, "padding", op)
    x, unb = _batched(input, n)
    ind, _ = _batched(indices, n)
    sp = tuple(x.shape[2:])
    default = tuple((i - 1) * ss - 2 * pp + kk for i, ss, pp, kk in zip(sp, s, p, k, strict=False))
    if output_size is None:
        out = default
    else:
        out = tuple(int(v) for v in (output_size.tolist() if isinstance(output_size, Tensor)
                                     else output_size))
        if len(out) == n + 2:
            out = out[2:]
        elif len(out) == n + 1 and n > 1:
            out = out[1:]
        if len(out) != n:
            raise ValueError(f"{op}: output_size must have {n} or {n + 2} elements, but it "
                             f"has {len(out)}")
        for i, (o, dflt, ss) in enumerate(zip(out, default, s, strict=False)):
            if not dflt - ss < o < dflt + ss:
                raise ValueError(f"invalid output_size \"{tuple(out)}\" (dim {i} must be "
                                 f"between {dflt - ss} and {dflt + ss})")
    N, C = x.shape[0], x.shape[1]
    plane = 1
    for o in out:
        plane *= o
    flat_i = ind.reshape(N, C, -1)
    if flat_i.numel():
        be = flat_i._storage._be
        hi = int(be.to_host(be.max(flat_i._data, None, False)).item())
        lo = int(be.to_host(be.min(flat_i._data, None, False)).item())
        if hi >= plane or lo < 0:
            bad = hi if hi >= plane else lo
            raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size "
                               f"{'x'.join(map(str, out))})")
    dev = x.device
    key = (ember.arange(N, device=dev).reshape(N, 1, 1),
           ember.arange(C, device=dev).reshape(1, C, 1), flat_i)
    z = ember.zeros((N, C, plane), dtype=x.dtype, device=dev)
    y = ember.index_put(z, key, x.reshape(N, C, -1)).reshape((N, C) + out)
    return y.squeeze(0) if unb else y


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of ``max_pool1d``: puts each value at its recorded index, zeros
    elsewhere.

    Example::

        >>> v, i = F.max_pool1d(ember.tensor([[[1., 3., 2., 5.]]]), 2, return_indices=True)
        >>> F.max_unpool1d(v, i, 2)
        tensor([[[0., 3., 0., 5.]]])
    """
    return _max_unpool(1, "max_unpool1d", input, indices, kernel_size, stride, padding,
                       output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of ``max_pool2d`` (indices from ``return_indices=True``).

    Shape: ``H_out = (H - 1) stride - 2 padding + kernel_size`` unless ``output_size``.

    Example::

        >>> v, i = F.max_pool2d(ember.randn(1, 1, 4, 4), 2, return_indices=True)
        >>> F.max_unpool2d(v, i, 2).shape
        ember.Size([1, 1, 4, 4])
    """
    return _max_unpool(2, "max_unpool2d", input, indices, kernel_size, stride, padding,
                       output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of ``max_pool3d``; see ``max_unpool2d``.

    Example::

        >>> v, i = F.max_pool3d(ember.randn(1, 1, 2, 2, 2), 2, return_indices=True)
        >>> F.max_unpool3d(v, i, 2).shape
        ember.Size([1, 1, 2, 2, 2])
    """
    return _max_unpool(3, "max_unpool3d", input, indices, kernel_size, stride, padding,
                       output_size)

