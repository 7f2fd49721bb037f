"""Convolutions: ``conv1d/2d/3d`` and ``conv_transpose1d/2d/3d``.

Each is one matmul over a strided window view of the (padded) input; see NOTE [conv ops] in
``_window.py`` for how the forward and its derivatives close over three ops.
"""

from __future__ import annotations

from ember._tensor import Tensor

from ._window import Conv, ConvInputGrad, Geom, ntuple

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d"]


def _check_tensor(x, name, op):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")


def _tname(d):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
            "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
            "uint8": "Byte", "bool": "Bool", "complex64": "ComplexFloat",
            "complex128": "ComplexDouble"}.get(d.name, d.name)


def _common_checks(op, n, input, weight, bias):
    _check_tensor(input, "input", op)
    _check_tensor(weight, "weight", op)
    if input.dim() not in (n + 1, n + 2):
        raise RuntimeError(f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to {op}, "
                           f"but got input of size: {list(input.shape)}")
    if weight.dim() != n + 2:
        raise RuntimeError(f"{op}: expected weight to be {n + 2}-D (out_channels, in_channels / "
                           f"groups, {', '.join('k' + c for c in 'dhw'[3 - n:])}), but got weight "
                           f"of size {list(weight.shape)}")
    for t, what in ((weight, "weight"), (bias, "bias")):
        if t is None:
            continue
        _check_tensor(t, what, op)
        if t.device != input.device:
            raise RuntimeError(f"{op}: expected input and {what} to be on the same device, but "
                               f"got input on {input.device} and {what} on {t.device}; move one "
                               f"with .to()")
        if t.dtype is not input.dtype:
            raise RuntimeError(f"{op}: expected scalar type {_tname(input.dtype)} but found "
                               f"{_tname(t.dtype)} ({what} has dtype {t.dtype}, input has "
                               f"{input.dtype}); convert one of them with .to()")


def _params(op, n, stride, dilation):
    stride = ntuple(stride, n, "stride", op)
    dilation = ntuple(dilation, n, "dilation", op)
    if any(s <= 0 for s in stride):
        raise RuntimeError(f"{op}: non-positive stride is not supported (got stride="
                           f"{list(stride)})")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"{op}: non-positive dilation is not supported (got dilation="
                           f"{list(dilation)})")
    return stride, dilation


def _conv_pads(op, n, padding, k, stride, dilation):
    """(lo, hi) paddings for an int/tuple or 'same'/'valid'."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0,) * n, (0,) * n
        if padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError(f"{op}: padding='same' is not supported for strided "
                                   f"convolutions (got stride={list(stride)})")
            tot = [d * (kk - 1) for d, kk in zip(dilation, k, strict=False)]
            lo = tuple(t // 2 for t in tot)
            return lo, tuple(t - a for t, a in zip(tot, lo, strict=False))
        raise RuntimeError(f"{op}: Invalid padding string: {padding!r} (expected 'same', "
                           f"'valid', an int or a tuple of ints)")
    pad = ntuple(padding, n, "padding", op)
    if any(p < 0 for p in pad):
        raise RuntimeError(f"{op}: negative padding is not supported (got padding={list(pad)})")
    return pad, pad


def _convnd(n, op, input, weight, bias, stride, padding, dilation, groups):
    _common_checks(op, n, input, weight, bias)
    if isinstance(groups, bool) or not isinstance(groups, int) or groups <= 0:
        raise RuntimeError(f"{op}: non-positive groups is not supported (got groups={groups})")
    stride, dilation = _params(op, n, stride, dilation)
    k = tuple(weight.shape[2:])
    plo, phi = _conv_pads(op, n, padding, k, stride, dilation)
    unbatched = input.dim() == n + 1
    x = input.unsqueeze(0) if unbatched else input
    oc, cg = weight.shape[0], weight.shape[1]
    if oc % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size {[list(weight.shape)]} "
                           f"instead")
    if x.shape[1] != cg * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, "
                           f"expected input{list(x.shape)} to have {cg * groups} channels, but "
                           f"got {x.shape[1]} channels instead")
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != oc):
        raise RuntimeError(f"Given weight of size {list(weight.shape)}, expected bias to be "
                           f"1-dimensional with {oc} elements, but got bias of size "
                           f"{list(bias.shape)} instead")
    sp = tuple(x.shape[2:])
    padded = tuple(i + a + b for i, a, b in zip(sp, plo, phi, strict=False))
    eff = tuple(d * (kk - 1) + 1 for d, kk in zip(dilation, k, strict=False))
    if any(p < e for p, e in zip(padded, eff, strict=False)):
        raise RuntimeError(f"Calculated padded input size per channel: "
                           f"({' x '.join(map(str, padded))}). Kernel size: "
                           f"({' x '.join(map(str, eff))}). Kernel size can't be greater than "
                           f"actual input size")
    g = Geom(sp, k, stride, dilation, plo, phi)
    y = Conv.apply(x, weight, bias, g, groups)
    return y.squeeze(0) if unbatched else y


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution (cross-correlation, as PyTorch) over ``(N, C_in, L)`` inputs.

    Args:
        input: ``(N, C_in, L)`` or unbatched ``(C_in, L)``.
        weight: ``(C_out, C_in / groups, kL)``.
        bias: optional ``(C_out,)``.
        stride, padding, dilation: an int or a 1-tuple; ``padding`` may also be ``'same'``
            (stride 1 only) or ``'valid'``.
        groups: split the channels into this many independent convolutions.

    Shape: output ``(N, C_out, L_out)``, ``L_out = (L + 2p - d (k - 1) - 1) // s + 1``.

    Example::

        >>> y = F.conv1d(ember.randn(2, 4, 10), ember.randn(8, 4, 3), padding=1)  # (2, 8, 10)
    """
    return _convnd(1, "conv1d", input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution over ``(N, C_in, H, W)`` inputs: one matmul over a window view.

    Args:
        input: ``(N, C_in, H, W)`` or unbatched ``(C_in, H, W)``.
        weight: ``(C_out, C_in / groups, kH, kW)``.
        bias: optional ``(C_out,)``.
        stride, padding, dilation: an int or a pair; ``padding`` may be ``'same'`` (stride 1)
            or ``'valid'``.
        groups: number of blocked connections from input to output channels.

    Shape: ``(N, C_out, H_out, W_out)`` with
    ``H_out = (H + 2 padding - dilation (kH - 1) - 1) // stride + 1`` (likewise W).

    Example::

        >>> x = ember.randn(64, 1, 28, 28)
        >>> F.conv2d(x, ember.randn(6, 1, 5, 5), padding=2).shape
        ember.Size([64, 6, 28, 28])
    """
    return _convnd(2, "conv2d", input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution over ``(N, C_in, D, H, W)`` inputs (see ``conv2d``).

    Shape: weight ``(C_out, C_in / groups, kD, kH, kW)``; output ``(N, C_out, D_out, H_out,
    W_out)``.

    Example::

        >>> F.conv3d(ember.randn(1, 2, 5, 6, 7), ember.randn(3, 2, 3, 3, 3)).shape
        ember.Size([1, 3, 3, 4, 5])
    """
    return _convnd(3, "conv3d", input, weight, bias, stride, padding, dilation, groups)


def _conv_transposend(n, op, input, weight, bias, stride, padding, output_padding, groups,
                      dilation):
    _common_checks(op, n, input, weight, bias)
    if isinstance(groups, bool) or not isinstance(groups, int) or groups <= 0:
        raise RuntimeError(f"{op}: non-positive groups is not supported (got groups={groups})")
    stride, dilation = _params(op, n, stride, dilation)
    if isinstance(padding, str):
        raise RuntimeError(f"{op}: padding must be an int or a tuple of ints (string padding "
                           f"such as {padding!r} is only supported by convolutions, not "
                           f"transposed convolutions)")
    pad = ntuple(padding, n, "padding", op)
    if any(p < 0 for p in pad):
        raise RuntimeError(f"{op}: negative padding is not supported (got padding={list(pad)})")
    opad = ntuple(output_padding, n, "output_padding", op)
    if any(o < 0 for o in opad):
        raise RuntimeError(f"{op}: negative output padding is not supported (got "
                           f"output_padding={list(opad)})")
    if any(o >= s and o >= d for o, s, d in zip(opad, stride, dilation, strict=False)):
        names = ("depth", "height", "width")[3 - n:] if n > 1 else ("",)
        parts = (" ".join(f"output_padding_{a}: {o}"
                          for a, o in zip(names, opad, strict=False)) + " " +
                 " ".join(f"stride_{a}: {s}" for a, s in zip(names, stride, strict=False)) + " " +
                 " ".join(f"dilation_{a}: {d}" for a, d in zip(names, dilation, strict=False)))
        raise RuntimeError(f"output padding must be smaller than either stride or dilation, "
                           f"but got {parts.replace('_: ', ': ')}")
    unbatched = input.dim() == n + 1
    x = input.unsqueeze(0) if unbatched else input
    cin, cog = weight.shape[0], weight.shape[1]
    if cin % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size {[list(weight.shape)]} "
                           f"instead")
    if x.shape[1] != cin:
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected "
                           f"input{list(x.shape)} to have {cin} channels, but got "
                           f"{x.shape[1]} channels instead")
    cout = cog * groups
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != cout):
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected "
                           f"bias to be 1-dimensional with {cout} elements, but got bias of "
                           f"size {list(bias.shape)} instead")
    k = tuple(weight.shape[2:])
    ins = tuple(x.shape[2:])
    out = tuple((i - 1) * s - 2 * p + d * (kk - 1) + o + 1
                for i, s, p, d, kk, o in zip(ins, stride, pad, dilation, k, opad, strict=False))
    if any(o <= 0 for o in out):
        raise RuntimeError(f"{op}: the calculated output size ({' x '.join(map(str, out))}) is "
                           f"too small for input ({' x '.join(map(str, ins))}), kernel "
                           f"{list(k)}, stride {list(stride)}, padding {list(pad)}, dilation "
                           f"{list(dilation)}; reduce padding or increase output_padding")
    # the adjoint of a convolution whose input is the transposed conv's output
    g = Geom(out, k, stride, dilation, pad, pad, out_sp=ins)
    y = ConvInputGrad.apply(x, weight, g, groups, (x.shape[0], cout))
    if bias is not None:
        y = y + bias.reshape((1, cout) + (1,) * n)
    return y.squeeze(0) if unbatched else y


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """1-D transposed convolution (the gradient of ``conv1d`` w.r.t. its input).

    Args:
        input: ``(N, C_in, L)`` or ``(C_in, L)``.
        weight: ``(C_in, C_out / groups, kL)``.
        bias: optional ``(C_out,)``.
        output_padding: extra size added to one side of the output (``< stride`` or
            ``< dilation``).

    Shape: ``L_out = (L - 1) stride - 2 padding + dilation (kL - 1) + output_padding + 1``.

    Example::

        >>> F.conv_transpose1d(ember.randn(2, 4, 5), ember.randn(4, 3, 3), stride=2).shape
        ember.Size([2, 3, 11])
    """
    return _conv_transposend(1, "conv_transpose1d", input, weight, bias, stride, padding,
                             output_padding, groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """2-D transposed convolution ("deconvolution"): one matmul plus ``col2im``.

    Args:
        input: ``(N, C_in, H, W)`` or ``(C_in, H, W)``.
        weight: ``(C_in, C_out / groups, kH, kW)``.
        bias: optional ``(C_out,)``.
        stride, padding, output_padding, dilation: ints or pairs; groups: int.

    Shape: ``H_out = (H - 1) stride - 2 padding + dilation (kH - 1) + output_padding + 1``.

    Example::

        >>> F.conv_transpose2d(ember.randn(1, 4, 5, 5), ember.randn(4, 2, 3, 3),
        ...                    stride=2, padding=1, output_padding=1).shape
        ember.Size([1, 2, 10, 10])
    """
    return _conv_transposend(2, "conv_transpose2d", input, weight, bias, stride, padding,
                             output_padding, groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """3-D transposed convolution (see ``conv_transpose2d``); weight
    ``(C_in, C_out / groups, kD, kH, kW)``.

    Example::

        >>> F.conv_transpose3d(ember.randn(1, 2, 3, 3, 3), ember.randn(2, 1, 2, 2, 2)).shape
        ember.Size([1, 1, 4, 4, 4])
    """
    return _conv_transposend(3, "conv_transpose3d", input, weight, bias, stride, padding,
                             output_padding, groups, dilation)
