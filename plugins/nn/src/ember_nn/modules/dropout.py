"""Dropout layers: ``Dropout``, ``Dropout1d/2d/3d``, ``AlphaDropout``, ``FeatureAlphaDropout``.
They act in training mode only (``module.train()``) and are the identity after ``eval()``."""

from __future__ import annotations

from ember.nn import Module

from ..functional import dropout as _F

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
           "FeatureAlphaDropout"]


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """During training, zeroes each element with probability ``p`` and scales the others by
    ``1 / (1 - p)``; identity in evaluation mode.

    Args:
        p (float): probability of an element to be zeroed. Default: 0.5.
        inplace (bool): overwrite the input. Default: ``False``.

    Shape: any -> the same.

    Example::

        >>> m = nn.Dropout(p=0.2)
        >>> m(ember.randn(20, 16)).shape
        ember.Size([20, 16])
    """

    def forward(self, input):
        return _F.dropout(input, self.p, self.training, self.inplace)


class Dropout1d(_DropoutNd):
    """Zeroes whole channels (probability ``p``) of ``(N, C, L)`` or ``(C, L)`` input during
    training, scaling the rest by ``1 / (1 - p)``.

    Args:
        p (float): probability of a channel to be zeroed. Default: 0.5.
        inplace (bool): overwrite the input. Default: ``False``.

    Shape: ``(N, C, L)`` or ``(C, L)`` -> the same.

    Example::

        >>> nn.Dropout1d(p=0.2)(ember.randn(20, 16, 32)).shape
        ember.Size([20, 16, 32])
    """

    def forward(self, input):
        return _F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Zeroes whole channels of ``(N, C, H, W)`` or ``(C, H, W)`` input during training.

    Args:
        p (float): probability of a channel to be zeroed. Default: 0.5.
        inplace (bool): overwrite the input. Default: ``False``.

    Shape: ``(N, C, H, W)`` or ``(N, C, L)`` -> the same (3-D input: channel-wise 1-D
    dropout, as PyTorch, with a warning).

    Example::

        >>> nn.Dropout2d(p=0.2)(ember.randn(20, 16, 32, 32)).shape
        ember.Size([20, 16, 32, 32])
    """

    def forward(self, input):
        return _F.dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(_DropoutNd):
    """Zeroes whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input during training.

    Args:
        p (float): probability of a channel to be zeroed. Default: 0.5.
        inplace (bool): overwrite the input. Default: ``False``.

    Shape: ``(N, C, D, H, W)`` or ``(C, D, H, W)`` -> the same.

    Example::

        >>> nn.Dropout3d(p=0.2)(ember.randn(2, 4, 3, 3, 3)).shape
        ember.Size([2, 4, 3, 3, 3])
    """

    def forward(self, input):
        return _F.dropout3d(input, self.p, self.training, self.inplace)


class AlphaDropout(_DropoutNd):
    """Dropout for self-normalising networks (SELU): keeps zero mean and unit variance.

    Args:
        p (float): probability of an element to be dropped. Default: 0.5.
        inplace (bool): overwrite the input. Default: ``False``.

    Shape: any -> the same.

    Example::

        >>> nn.AlphaDropout(p=0.2)(ember.randn(20, 16)).shape
        ember.Size([20, 16])
    """

    def forward(self, input):
        return _F.alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels (``(N, C, *)`` input).

    Args:
        p (float): probability of a channel to be dropped. Default: 0.5.
        inplace (bool): overwrite the input. Default: ``False``.

    Shape: ``(N, C, *)`` -> the same.

    Example::

        >>> nn.FeatureAlphaDropout(p=0.2)(ember.randn(20, 16, 4, 4)).shape
        ember.Size([20, 16, 4, 4])
    """

    def forward(self, input):
        return _F.feature_alpha_dropout(input, self.p, self.training)
