"""The dataset base classes: :class:`Dataset` (map-style) and :class:`IterableDataset`.

They live in the core so that a third party's dataset depends on ``ember`` alone; the
concrete datasets, samplers and the ``DataLoader`` come from a data plugin (ember-data).
"""

from __future__ import annotations

from typing import Generic, Iterator, TypeVar

__all__ = ["Dataset", "IterableDataset"]

T_co = TypeVar("T_co", covariant=True)


class Dataset(Generic[T_co]):
    """A map-style dataset: ``dataset[i]`` returns sample ``i``.

    Subclasses implement ``__getitem__`` and usually ``__len__`` (which the default
    samplers of ``DataLoader`` need). They may also implement ``__getitems__(indices)``
    returning a list of samples, which ``DataLoader`` then uses to fetch a whole batch at
    once. ``a + b`` concatenates two datasets (a ``ConcatDataset``).

    Example::

        >>> class Squares(ember.utils.data.Dataset):
        ...     def __len__(self):
        ...         return 10
        ...     def __getitem__(self, i):
        ...         return ember.tensor(float(i * i))
        >>> Squares()[3]
        tensor(9.)
    """

    def __getitem__(self, index) -> T_co:
        raise NotImplementedError(
            f"{type(self).__name__} is a Dataset subclass that does not implement "
            f"__getitem__; map-style datasets must define __getitem__(self, index)")

    def __add__(self, other: "Dataset[T_co]") -> "Dataset[T_co]":
        from . import ConcatDataset
        return ConcatDataset([self, other])


class IterableDataset(Dataset[T_co]):
    """A dataset that is an iterable of samples (a stream): implement ``__iter__``.

    With ``DataLoader(num_workers=n)`` every worker process gets its own copy of the
    dataset and iterates it fully; split the stream with :func:`get_worker_info` inside
    ``__iter__`` to avoid duplicates. ``a + b`` chains two iterable datasets.

    Example::

        >>> class Range(ember.utils.data.IterableDataset):
        ...     def __init__(self, n):
        ...         self.n = n
        ...     def __iter__(self):
        ...         info = ember.utils.data.get_worker_info()
        ...         start, step = (0, 1) if info is None else (info.id, info.num_workers)
        ...         return iter(range(start, self.n, step))
        >>> list(Range(4))
        [0, 1, 2, 3]
    """

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError(
            f"{type(self).__name__} is an IterableDataset subclass that does not implement "
            f"__iter__; iterable datasets must define __iter__(self)")

    def __add__(self, other: "Dataset[T_co]"):
        from . import ChainDataset
        return ChainDataset([self, other])
