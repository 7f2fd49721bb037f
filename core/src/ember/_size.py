"""``ember.Size``: the tuple subclass returned by ``tensor.shape``."""

from __future__ import annotations

__all__ = ["Size"]


class Size(tuple):
    """A tensor's shape: a tuple of ints with ``numel()``.

    Example::

        >>> ember.zeros(2, 3).shape
        ember.Size([2, 3])
    """

    def __new__(cls, sizes=()):
        return tuple.__new__(cls, (int(s) for s in sizes))

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self):
        return f"ember.Size({list(self)})"

    def __getitem__(self, item):
        r = tuple.__getitem__(self, item)
        return Size(r) if isinstance(item, slice) else r

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))
