"""Convolution layers: ``Conv1d/2d/3d`` and ``ConvTranspose1d/2d/3d``."""

from __future__ import annotations

import math

import ember
from ember.nn import Module, Parameter

from .. import init
from ..functional import conv as _F
from ..functional.vision import pad as _pad

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
           "ConvTranspose3d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _tuple(v, n):
    if isinstance(v, (list, tuple)):
        if len(v) == 1:
            return tuple(v) * n
        if len(v) != n:
            raise ValueError(f"expected an int or a tuple of {n} ints, got {tuple(v)}")
        return tuple(int(e) for e in v)
    return (int(v),) * n


class _ConvNd(Module):
    """Shared state and checks of the convolution layers (PyTorch's attribute names)."""

    _n = 0
    _transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation,
                 output_padding, groups, bias, padding_mode, device=None, dtype=None) -> None:
        super().__init__()
        n = self._n
        name = type(self).__name__
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {set(_PADDING_MODES)}, but got "
                             f"padding_mode='{padding_mode}'")
        kernel_size = _tuple(kernel_size, n)
        stride = _tuple(stride, n)
        dilation = _tuple(dilation, n)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                                 f"{{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        else:
            padding = _tuple(padding, n)
        if self._transposed and padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {name}')
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.transposed = self._transposed
        self.output_padding = _tuple(output_padding, n)
        self.groups = groups
        self.padding_mode = padding_mode
        # F.pad order (last dim first) of the explicit padding for non-zero padding modes
        if isinstance(padding, str):
            rev = []
            if padding == "same":
                for d, k in zip(reversed(dilation), reversed(kernel_size), strict=False):
                    total = d * (k - 1)
                    left = total // 2
                    rev += [left, total - left]
            else:
                rev = [0, 0] * n
            self._reversed_padding_repeated_twice = rev
        else:
            self._reversed_padding_repeated_twice = [p for p in reversed(padding) for _ in (0, 1)]
        if self._transposed:
            wshape = (in_channels, out_channels // groups) + kernel_size
        else:
            wshape = (out_channels, in_channels // groups) + kernel_size
        self.weight = Parameter(ember.empty(wshape, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(ember.empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: ``kaiming_uniform_(a=sqrt(5))`` for the weight (i.e.
        ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``) and ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))`` for
        the bias."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        n = self._n
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def __setstate__(self, state):
        super().__setstate__(state)
        if not hasattr(self, "padding_mode"):
            self.padding_mode = "zeros"


class _Conv(_ConvNd):
    _fn = None

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, 0,
                         groups, bias, padding_mode, device, dtype)

    def _conv_forward(self, input, weight, bias):
        fn = type(self)._fn
        if self.padding_mode != "zeros":
            x = _pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return fn(x, weight, bias, self.stride, 0, self.dilation, self.groups)
        return fn(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input):
        return self._conv_forward(input, self.weight, self.bias)


class Conv1d(_Conv):
    """1-D convolution over ``(N, C_in, L)`` inputs.

    Args:
        in_channels (int), out_channels (int): channels of input and output.
        kernel_size (int or tuple): window size.
        stride, padding, dilation: int or tuple; ``padding`` may be ``'same'`` / ``'valid'``.
        groups (int): blocked connections from input to output channels. Default: 1.
        bias (bool): learn an additive bias. Default: ``True``.
        padding_mode (str): ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``.

    Shape:
        - Input: ``(N, C_in, L_in)`` or ``(C_in, L_in)``
        - Output: ``(N, C_out, L_out)``, ``L_out = (L_in + 2p - d (k - 1) - 1) // s + 1``

    Attributes:
        weight: ``(out_channels, in_channels / groups, kernel_size)``, from
            ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``; bias: ``(out_channels,)``, likewise.

    Example::

        >>> m = nn.Conv1d(16, 33, 3, stride=2)
        >>> m(ember.randn(20, 16, 50)).shape
        ember.Size([20, 33, 24])
    """

    _n = 1
    _fn = staticmethod(_F.conv1d)


class Conv2d(_Conv):
    """2-D convolution over ``(N, C_in, H, W)`` inputs (a window view plus one matmul).

    Args:
        in_channels (int), out_channels (int), kernel_size (int or pair),
        stride, padding (int, pair, ``'same'`` or ``'valid'``), dilation, groups, bias,
        padding_mode (``'zeros'``, ``'reflect'``, ``'replicate'``, ``'circular'``).

    Shape:
        - Input: ``(N, C_in, H, W)`` or ``(C_in, H, W)``
        - Output: ``(N, C_out, H_out, W_out)`` with
          ``H_out = (H + 2 padding - dilation (kH - 1) - 1) // stride + 1`` (likewise W)

    Attributes:
        weight: ``(out_channels, in_channels / groups, kH, kW)``; bias: ``(out_channels,)``;
            both from ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``,
            ``fan_in = in_channels / groups * kH * kW``.

    Example::

        >>> m = nn.Conv2d(1, 6, 5, padding=2)
        >>> m(ember.randn(64, 1, 28, 28)).shape
        ember.Size([64, 6, 28, 28])
    """

    _n = 2
    _fn = staticmethod(_F.conv2d)


class Conv3d(_Conv):
    """3-D convolution over ``(N, C_in, D, H, W)`` inputs (see ``Conv2d``).

    Shape:
        - Input: ``(N, C_in, D, H, W)`` or ``(C_in, D, H, W)``
        - Output: ``(N, C_out, D_out, H_out, W_out)``

    Example::

        >>> m = nn.Conv3d(2, 4, 3, padding=1)
        >>> m(ember.randn(1, 2, 5, 6, 7)).shape
        ember.Size([1, 4, 5, 6, 7])
    """

    _n = 3
    _fn = staticmethod(_F.conv3d)


class _ConvTranspose(_ConvNd):
    _transposed = True
    _fn = None

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                 padding_mode: str = "zeros", device=None, dtype=None) -> None:
        if isinstance(padding, str):
            raise ValueError(f"{type(self).__name__}: padding must be an int or a tuple of ints "
                             f"(got {padding!r})")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         output_padding, groups, bias, padding_mode, device, dtype)

    def _output_padding(self, input, output_size, stride, padding, kernel_size,
                        num_spatial_dims, dilation=None):
        """The output padding that makes the output ``output_size`` (PyTorch's rule)."""
        if output_size is None:
            return self.output_padding
        output_size = [int(s) for s in output_size]
        non_spatial = 2 if input.dim() == num_spatial_dims + 2 else 1
        if len(output_size) == non_spatial + num_spatial_dims:
            output_size = output_size[non_spatial:]
        if len(output_size) != num_spatial_dims:
            raise ValueError(f"ConvTranspose{num_spatial_dims}D: for {input.dim()}D input, "
                             f"output_size must have {num_spatial_dims} or "
                             f"{non_spatial + num_spatial_dims} elements (got "
                             f"{len(output_size)})")
        mins, maxs = [], []
        for d in range(num_spatial_dims):
            dim_size = ((input.shape[d + non_spatial] - 1) * stride[d] - 2 * padding[d] +
                        (dilation[d] if dilation is not None else 1) * (kernel_size[d] - 1) + 1)
            mins.append(dim_size)
            maxs.append(dim_size + stride[d] - 1)
        for d in range(num_spatial_dims):
            if not mins[d] <= output_size[d] <= maxs[d]:
                raise ValueError(f"requested an output size of {output_size}, but valid sizes "
                                 f"range from {mins} to {maxs} (for an input of "
                                 f"{list(input.shape[non_spatial:])})")
        return tuple(output_size[d] - mins[d] for d in range(num_spatial_dims))

    def forward(self, input, output_size=None):
        op = self._output_padding(input, output_size, self.stride, self.padding,
                                  self.kernel_size, self._n, self.dilation)
        return type(self)._fn(input, self.weight, self.bias, self.stride, self.padding, op,
                              self.groups, self.dilation)


class ConvTranspose1d(_ConvTranspose):
    """1-D transposed convolution ("deconvolution"), the gradient of ``Conv1d`` w.r.t. its
    input.

    Args:
        in_channels, out_channels, kernel_size, stride, padding, output_padding (extra size on
        one side, ``< stride`` or ``< dilation``), groups, bias, dilation; padding_mode must
        be ``'zeros'``.

    Shape:
        - Input: ``(N, C_in, L_in)`` or ``(C_in, L_in)``
        - Output: ``L_out = (L_in - 1) s - 2 p + d (k - 1) + output_padding + 1``

    Attributes:
        weight: ``(in_channels, out_channels / groups, kernel_size)``; bias ``(out_channels,)``.

    Example::

        >>> m = nn.ConvTranspose1d(4, 2, 3, stride=2)
        >>> m(ember.randn(1, 4, 5)).shape
        ember.Size([1, 2, 11])
    """

    _n = 1
    _fn = staticmethod(_F.conv_transpose1d)


class ConvTranspose2d(_ConvTranspose):
    """2-D transposed convolution; ``forward(input, output_size=None)`` picks the output
    padding that yields ``output_size``.

    Shape:
        - Input: ``(N, C_in, H, W)`` or ``(C_in, H, W)``
        - Output: ``H_out = (H - 1) stride - 2 padding + dilation (kH - 1) + output_padding + 1``

    Attributes:
        weight: ``(in_channels, out_channels / groups, kH, kW)``; bias ``(out_channels,)``.

    Example::

        >>> up = nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1)
        >>> x = ember.randn(1, 16, 12, 12)
        >>> up(x, output_size=(24, 24)).shape
        ember.Size([1, 8, 24, 24])
    """

    _n = 2
    _fn = staticmethod(_F.conv_transpose2d)


class ConvTranspose3d(_ConvTranspose):
    """3-D transposed convolution (see ``ConvTranspose2d``).

    Example::

        >>> m = nn.ConvTranspose3d(2, 1, 2, stride=2)
        >>> m(ember.randn(1, 2, 3, 3, 3)).shape
        ember.Size([1, 1, 6, 6, 6])
    """

    _n = 3
    _fn = staticmethod(_F.conv_transpose3d)
