"""The :class:`Sampler` base class: an iterable over dataset indices (or batches of them).

The concrete samplers (``SequentialSampler``, ``RandomSampler``, ``BatchSampler``, ...)
come from a data plugin (ember-data); a third party's sampler subclasses this one.
"""

from __future__ import annotations

from typing import Generic, Iterator, TypeVar

__all__ = ["Sampler"]

T_co = TypeVar("T_co", covariant=True)


class Sampler(Generic[T_co]):
    """Base class of all samplers: implement ``__iter__`` (yielding indices, or lists of
    indices for a batch sampler) and, when the length is known, ``__len__``.

    ``data_source`` is accepted for compatibility and ignored.

    Example::

        >>> class Evens(ember.utils.data.Sampler):
        ...     def __init__(self, n):
        ...         self.n = n
        ...     def __iter__(self):
        ...         return iter(range(0, self.n, 2))
        ...     def __len__(self):
        ...         return (self.n + 1) // 2
        >>> list(Evens(5))
        [0, 2, 4]
    """

    def __init__(self, data_source=None) -> None:
        pass

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError(
            f"{type(self).__name__} is a Sampler subclass that does not implement __iter__")
