"""Padding layers: ``ZeroPad``, ``ConstantPad``, ``ReflectionPad``, ``ReplicationPad`` and
``CircularPad`` in 1-D, 2-D and 3-D (``F.pad`` with a fixed mode)."""

from __future__ import annotations

from ember.nn import Module

from ..functional.vision import pad as _pad

__all__ = ["ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d",
           "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
           "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d",
           "CircularPad2d", "CircularPad3d"]


def _sides(padding, n):
    """An int (every side) or a 2n-tuple (left, right, top, bottom, front, back)."""
    if isinstance(padding, (list, tuple)):
        if len(padding) != 2 * n:
            raise ValueError(f"padding must be an int or a {2 * n}-tuple, got {tuple(padding)}")
        return tuple(int(p) for p in padding)
    return (int(padding),) * (2 * n)


class _PadNd(Module):
    _n = 0
    _mode = "constant"

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _sides(padding, self._n)

    def forward(self, input):
        return _pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return _pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with ``value``: ``padding`` is an int or ``(left, right)``.

    Example::

        >>> nn.ConstantPad1d(2, 3.5)(ember.zeros(1, 2, 2)).shape
        ember.Size([1, 2, 6])
    """

    _n = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dims with ``value``: ``(left, right, top, bottom)`` or an int.

    Example::

        >>> nn.ConstantPad2d((3, 0, 2, 1), 3.5)(ember.zeros(1, 2, 2)).shape
        ember.Size([1, 5, 5])
    """

    _n = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dims with ``value`` (6-tuple or int).

    Example::

        >>> nn.ConstantPad3d(1, 0.)(ember.zeros(1, 2, 2, 2)).shape
        ember.Size([1, 4, 4, 4])
    """

    _n = 3


class ZeroPad1d(_ConstantPadNd):
    """Pad the last dim with zeros.

    Example::

        >>> nn.ZeroPad1d((1, 2))(ember.ones(1, 2)).shape
        ember.Size([1, 5])
    """

    _n = 1

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ZeroPad1d):
    """Pad the last two dims with zeros: ``(left, right, top, bottom)`` or an int.

    Example::

        >>> nn.ZeroPad2d(1)(ember.ones(1, 1, 2, 2)).shape
        ember.Size([1, 1, 4, 4])
    """

    _n = 2


class ZeroPad3d(ZeroPad1d):
    """Pad the last three dims with zeros (6-tuple or int).

    Example::

        >>> nn.ZeroPad3d(1)(ember.ones(1, 1, 2, 2, 2)).shape
        ember.Size([1, 1, 4, 4, 4])
    """

    _n = 3


class ReflectionPad1d(_PadNd):
    """Pad the last dim by reflecting the input at its edge (without repeating it).

    Example::

        >>> nn.ReflectionPad1d(2)(ember.arange(4.).reshape(1, 1, 4))
        tensor([[[2., 1., 0., 1., 2., 3., 2., 1.]]])
    """

    _n = 1
    _mode = "reflect"


class ReflectionPad2d(_PadNd):
    """Reflection padding of the last two dims.

    Example::

        >>> nn.ReflectionPad2d(1)(ember.randn(1, 1, 3, 3)).shape
        ember.Size([1, 1, 5, 5])
    """

    _n = 2
    _mode = "reflect"


class ReflectionPad3d(_PadNd):
    """Reflection padding of the last three dims.

    Example::

        >>> nn.ReflectionPad3d(1)(ember.randn(1, 1, 2, 2, 2)).shape
        ember.Size([1, 1, 4, 4, 4])
    """

    _n = 3
    _mode = "reflect"


class ReplicationPad1d(_PadNd):
    """Pad the last dim by repeating its edge values.

    Example::

        >>> nn.ReplicationPad1d((1, 2))(ember.tensor([[[1., 2.]]]))
        tensor([[[1., 1., 2., 2., 2.]]])
    """

    _n = 1
    _mode = "replicate"


class ReplicationPad2d(_PadNd):
    """Replication padding of the last two dims.

    Example::

        >>> nn.ReplicationPad2d(1)(ember.randn(1, 1, 2, 2)).shape
        ember.Size([1, 1, 4, 4])
    """

    _n = 2
    _mode = "replicate"


class ReplicationPad3d(_PadNd):
    """Replication padding of the last three dims.

    Example::

        >>> nn.ReplicationPad3d(1)(ember.randn(1, 1, 2, 2, 2)).shape
        ember.Size([1, 1, 4, 4, 4])
    """

    _n = 3
    _mode = "replicate"


class CircularPad1d(_PadNd):
    """Pad the last dim by wrapping around (periodic boundary).

    Example::

        >>> nn.CircularPad1d(1)(ember.tensor([[[1., 2., 3.]]]))
        tensor([[[3., 1., 2., 3., 1.]]])
    """

    _n = 1
    _mode = "circular"


class CircularPad2d(_PadNd):
    """Circular padding of the last two dims.

    Example::

        >>> nn.CircularPad2d(1)(ember.randn(1, 1, 2, 2)).shape
        ember.Size([1, 1, 4, 4])
    """

    _n = 2
    _mode = "circular"


class CircularPad3d(_PadNd):
    """Circular padding of the last three dims.

    Example::

        >>> nn.CircularPad3d(1)(ember.randn(1, 1, 2, 2, 2)).shape
        ember.Size([1, 1, 4, 4, 4])
    """

    _n = 3
    _mode = "circular"
