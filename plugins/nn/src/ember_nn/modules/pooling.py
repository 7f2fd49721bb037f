"""Pooling layers: max, average, power-average, adaptive pooling and max-unpooling."""

from __future__ import annotations

from ember.nn import Module

from ..functional import pooling as _F

__all__ = ["MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
           "LPPool1d", "LPPool2d", "LPPool3d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d",
           "AdaptiveAvgPool3d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d",
           "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d"]


def _tuple(v, n):
    if isinstance(v, (list, tuple)):
        return tuple(v)
    return (v,) * n


class _MaxPoolNd(Module):
    _fn = None

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if (stride is not None) else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input):
        return type(self)._fn(input, self.kernel_size, self.stride, self.padding, self.dilation,
                              ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    """1-D max pooling.

    Args:
        kernel_size: window size; stride: default ``kernel_size``; padding: implicit
            ``-inf`` on both sides (at most half the window); dilation: tap spacing;
        return_indices: also return the argmax positions (for ``MaxUnpool1d``);
        ceil_mode: round the output size up.

    Shape:
        - Input: ``(N, C, L_in)`` or ``(C, L_in)``
        - Output: ``L_out = floor_or_ceil((L_in + 2p - d (k - 1) - 1) / s) + 1``

    Example::

        >>> nn.MaxPool1d(3, stride=2)(ember.randn(20, 16, 50)).shape
        ember.Size([20, 16, 24])
    """

    _fn = staticmethod(_F.max_pool1d)


class MaxPool2d(_MaxPoolNd):
    """2-D max pooling over ``(N, C, H, W)`` (see ``MaxPool1d`` for the arguments; ints or
    pairs).

    Shape:
        - Input: ``(N, C, H, W)`` or ``(C, H, W)``
        - Output: ``H_out = floor_or_ceil((H + 2p - d (k - 1) - 1) / s) + 1`` (likewise W)

    Example::

        >>> nn.MaxPool2d(2)(ember.randn(64, 6, 28, 28)).shape
        ember.Size([64, 6, 14, 14])
    """

    _fn = staticmethod(_F.max_pool2d)


class MaxPool3d(_MaxPoolNd):
    """3-D max pooling over ``(N, C, D, H, W)`` (see ``MaxPool2d``).

    Example::

        >>> nn.MaxPool3d(2)(ember.randn(1, 2, 4, 4, 4)).shape
        ember.Size([1, 2, 2, 2, 2])
    """

    _fn = staticmethod(_F.max_pool3d)


class AvgPool1d(Module):
    """1-D average pooling.

    Args:
        kernel_size, stride (default ``kernel_size``), padding (zeros, at most half the
        window), ceil_mode, count_include_pad (count the padded zeros in the divisor).

    Shape:
        - Input: ``(N, C, L_in)`` or ``(C, L_in)``
        - Output: ``L_out = floor_or_ceil((L_in + 2p - k) / s) + 1``

    Example::

        >>> nn.AvgPool1d(3, stride=2)(ember.tensor([[[1., 2, 3, 4, 5, 6, 7]]]))
        tensor([[[2., 4., 6.]]])
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__()
        self.kernel_size = _tuple(kernel_size, 1)
        self.stride = _tuple(stride if stride is not None else kernel_size, 1)
        self.padding = _tuple(padding, 1)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input):
        return _F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                             self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _AvgPoolNd(Module):
    _fn = None

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override=None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if (stride is not None) else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input):
        return type(self)._fn(input, self.kernel_size, self.stride, self.padding,
                              self.ceil_mode, self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(_AvgPoolNd):
    """2-D average pooling over ``(N, C, H, W)``; ``divisor_override`` replaces the window
    size as the divisor.

    Shape:
        - Input: ``(N, C, H, W)`` or ``(C, H, W)``
        - Output: ``H_out = floor_or_ceil((H + 2p - k) / s) + 1`` (likewise W)

    Example::

        >>> nn.AvgPool2d(2)(ember.randn(1, 3, 8, 8)).shape
        ember.Size([1, 3, 4, 4])
    """

    _fn = staticmethod(_F.avg_pool2d)


class AvgPool3d(_AvgPoolNd):
    """3-D average pooling over ``(N, C, D, H, W)`` (see ``AvgPool2d``).

    Example::

        >>> nn.AvgPool3d(2)(ember.randn(1, 3, 4, 4, 4)).shape
        ember.Size([1, 3, 2, 2, 2])
    """

    _fn = staticmethod(_F.avg_pool3d)


class _LPPoolNd(Module):
    _fn = None

    def __init__(self, norm_type: float, kernel_size, stride=None,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def forward(self, input):
        return type(self)._fn(input, float(self.norm_type), self.kernel_size, self.stride,
                              self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPoolNd):
    """1-D power-average pooling: ``(sum over the window of x ** p) ** (1 / p)``.

    Example::

        >>> nn.LPPool1d(2, 2)(ember.tensor([[[3., 4.]]]))
        tensor([[[5.]]])
    """

    _fn = staticmethod(_F.lp_pool1d)


class LPPool2d(_LPPoolNd):
    """2-D power-average pooling (see ``LPPool1d``).

    Example::

        >>> nn.LPPool2d(2, 2)(ember.ones(1, 1, 2, 2))
        tensor([[[[2.]]]])
    """

    _fn = staticmethod(_F.lp_pool2d)


class LPPool3d(_LPPoolNd):
    """3-D power-average pooling (see ``LPPool1d``).

    Example::

        >>> nn.LPPool3d(1, 2)(ember.ones(1, 1, 2, 2, 2))
        tensor([[[[[8.]]]]])
    """

    _fn = staticmethod(_F.lp_pool3d)


class _AdaptiveAvgPoolNd(Module):
    _fn = None

    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        return type(self)._fn(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """Average pooling to a fixed output length.

    Shape: ``(N, C, L_in) -> (N, C, output_size)`` (or unbatched).

    Example::

        >>> nn.AdaptiveAvgPool1d(5)(ember.randn(1, 64, 8)).shape
        ember.Size([1, 64, 5])
    """

    _fn = staticmethod(_F.adaptive_avg_pool1d)


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """Average pooling to a fixed ``(H_out, W_out)`` (an int, a pair; ``None`` keeps the
    input size).

    Example::

        >>> nn.AdaptiveAvgPool2d((5, None))(ember.randn(1, 64, 8, 9)).shape
        ember.Size([1, 64, 5, 9])
    """

    _fn = staticmethod(_F.adaptive_avg_pool2d)


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """Average pooling to a fixed ``(D_out, H_out, W_out)``.

    Example::

        >>> nn.AdaptiveAvgPool3d(1)(ember.randn(1, 64, 4, 5, 6)).shape
        ember.Size([1, 64, 1, 1, 1])
    """

    _fn = staticmethod(_F.adaptive_avg_pool3d)


class _AdaptiveMaxPoolNd(Module):
    _fn = None

    def __init__(self, output_size, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, input):
        return type(self)._fn(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max pooling to a fixed output length (``return_indices`` also gives the argmax).

    Example::

        >>> nn.AdaptiveMaxPool1d(5)(ember.randn(1, 64, 8)).shape
        ember.Size([1, 64, 5])
    """

    _fn = staticmethod(_F.adaptive_max_pool1d)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max pooling to a fixed ``(H_out, W_out)``.

    Example::

        >>> nn.AdaptiveMaxPool2d((5, 7))(ember.randn(1, 64, 8, 9)).shape
        ember.Size([1, 64, 5, 7])
    """

    _fn = staticmethod(_F.adaptive_max_pool2d)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """Max pooling to a fixed ``(D_out, H_out, W_out)``.

    Example::

        >>> nn.AdaptiveMaxPool3d(2)(ember.randn(1, 4, 5, 6, 7)).shape
        ember.Size([1, 4, 2, 2, 2])
    """

    _fn = staticmethod(_F.adaptive_max_pool3d)


class _MaxUnpoolNd(Module):
    _n = 0
    _fn = None

    def __init__(self, kernel_size, stride=None, padding=0) -> None:
        super().__init__()
        n = self._n
        self.kernel_size = _tuple(kernel_size, n)
        self.stride = _tuple(stride if (stride is not None) else kernel_size, n)
        self.padding = _tuple(padding, n)

    def forward(self, input, indices, output_size=None):
        return type(self)._fn(input, indices, self.kernel_size, self.stride, self.padding,
                              output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """Partial inverse of ``MaxPool1d``: values go back to their argmax positions, zeros
    elsewhere; ``forward(input, indices, output_size=None)``.

    Example::

        >>> pool, unpool = nn.MaxPool1d(2, return_indices=True), nn.MaxUnpool1d(2)
        >>> unpool(*pool(ember.tensor([[[1., 2, 3, 4]]])))
        tensor([[[0., 2., 0., 4.]]])
    """

    _n = 1
    _fn = staticmethod(_F.max_unpool1d)


class MaxUnpool2d(_MaxUnpoolNd):
    """Partial inverse of ``MaxPool2d`` (see ``MaxUnpool1d``).

    Shape: ``H_out = (H_in - 1) stride - 2 padding + kernel_size`` unless ``output_size``.

    Example::

        >>> pool, unpool = nn.MaxPool2d(2, return_indices=True), nn.MaxUnpool2d(2)
        >>> unpool(*pool(ember.randn(1, 1, 4, 4))).shape
        ember.Size([1, 1, 4, 4])
    """

    _n = 2
    _fn = staticmethod(_F.max_unpool2d)


class MaxUnpool3d(_MaxUnpoolNd):
    """Partial inverse of ``MaxPool3d`` (see ``MaxUnpool1d``).

    Example::

        >>> pool, unpool = nn.MaxPool3d(2, return_indices=True), nn.MaxUnpool3d(2)
        >>> unpool(*pool(ember.randn(1, 1, 2, 2, 2))).shape
        ember.Size([1, 1, 2, 2, 2])
    """

    _n = 3
    _fn = staticmethod(_F.max_unpool3d)
