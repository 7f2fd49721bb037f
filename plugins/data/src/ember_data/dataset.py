"""Dataset combinators: ``TensorDataset``, ``ConcatDataset``, ``ChainDataset``, ``Subset``,
``StackDataset`` and ``random_split``."""

from __future__ import annotations

import bisect
import math
import warnings
from typing import Sequence

import ember
from ember.utils.data import Dataset, IterableDataset

__all__ = ["TensorDataset", "ConcatDataset", "ChainDataset", "Subset", "StackDataset",
           "random_split"]


class TensorDataset(Dataset):
    """A dataset of tensors that share their first dimension: sample ``i`` is the tuple
    ``(t[i] for t in tensors)``.

    Shape: every tensor is ``(N, *)``; ``len(dataset) == N``.

    Example::

        >>> ds = TensorDataset(ember.arange(6).reshape(3, 2), ember.tensor([0, 1, 0]))
        >>> ds[1]
        (tensor([2, 3]), tensor(1))
    """

    def __init__(self, *tensors) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        for k, t in enumerate(tensors):
            if not isinstance(t, ember.Tensor) or t.dim() == 0:
                what = ("a 0-d tensor" if isinstance(t, ember.Tensor)
                        else type(t).__name__)
                raise ValueError(f"TensorDataset: argument {k} must be a tensor with at least "
                                 f"one dimension, got {what}")
        sizes = [t.size(0) for t in tensors]
        if any(n != sizes[0] for n in sizes):
            raise ValueError(f"Size mismatch between tensors: TensorDataset needs every "
                             f"tensor to have the same size in dimension 0, got sizes {sizes}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].size(0)


class ConcatDataset(Dataset):
    """The concatenation of several map-style datasets: indices run through the first
    dataset, then the second, ... Negative indices count from the end.

    Example::

        >>> ds = ConcatDataset([TensorDataset(ember.zeros(2)), TensorDataset(ember.ones(3))])
        >>> len(ds), ds[2]
        (5, (tensor(1.),))
    """

    @staticmethod
    def cumsum(sequence):
        out, total = [], 0
        for d in sequence:
            total += len(d)
            out.append(total)
        return out

    def __init__(self, datasets) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset; use "
                                "ChainDataset to chain iterable datasets")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        n = len(self)
        if idx < 0:
            if -idx > n:
                raise ValueError(f"absolute value of index {idx} should not exceed dataset "
                                 f"length {n}")
            idx += n
        k = bisect.bisect_right(self.cumulative_sizes, idx)
        if k >= len(self.datasets):
            raise IndexError(f"index {idx} is out of range for a ConcatDataset of length {n}")
        start = self.cumulative_sizes[k - 1] if k > 0 else 0
        return self.datasets[k][idx - start]


class ChainDataset(IterableDataset):
    """Iterable datasets chained one after the other (streams are joined on the fly).

    Example::

        >>> list(ChainDataset([MyStream(2), MyStream(3)]))   # doctest: +SKIP
        [0, 1, 0, 1, 2]
    """

    def __init__(self, datasets) -> None:
        super().__init__()
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError(f"ChainDataset only supports IterableDataset, got "
                                f"{type(d).__name__}")
            yield from d

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError(f"ChainDataset only supports IterableDataset, got "
                                f"{type(d).__name__}")
            total += len(d)
        return total


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order.

    Example::

        >>> s = Subset(TensorDataset(ember.arange(5)), [4, 0])
        >>> len(s), s[0]
        (2, (tensor(4),))
    """

    def __init__(self, dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices):
        inner = [self.indices[i] for i in indices]
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__(inner)
        return [self.dataset[i] for i in inner]

    def __len__(self) -> int:
        return len(self.indices)


class StackDataset(Dataset):
    """Datasets of equal length zipped sample by sample: ``StackDataset(a, b)[i]`` is
    ``(a[i], b[i])`` and ``StackDataset(x=a, y=b)[i]`` is ``{"x": a[i], "y": b[i]}``.

    Example::

        >>> ds = StackDataset(image=TensorDataset(ember.zeros(3, 2)), label=[0, 1, 1])
        >>> ds[2]["label"]
        1
    """

    def __init__(self, *args, **kwargs) -> None:
        if args and kwargs:
            raise ValueError("Supported either ``tuple``- (via ``args``) or"
                             "``dict``- (via ``kwargs``) like input/output, but both types "
                             "are given.")
        if not args and not kwargs:
            raise ValueError("At least one dataset should be passed")
        self.datasets = args if args else kwargs
        items = args if args else tuple(kwargs.values())
        lengths = [len(d) for d in items]
        if any(n != lengths[0] for n in lengths):
            raise ValueError(f"Size mismatch between datasets: StackDataset needs datasets of "
                             f"the same length, got lengths {lengths}")
        self._length = lengths[0]

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __getitems__(self, indices):
        def fetch(d):
            if callable(getattr(d, "__getitems__", None)):
                got = d.__getitems__(indices)
                if len(got) != len(indices):
                    raise ValueError(f"Nested dataset's output size mismatch. Expected "
                                     f"{len(indices)}, got {len(got)}")
                return got
            return [d[i] for i in indices]
        if isinstance(self.datasets, dict):
            cols = {k: fetch(d) for k, d in self.datasets.items()}
            return [{k: c[j] for k, c in cols.items()} for j in range(len(indices))]
        cols = [fetch(d) for d in self.datasets]
        return [tuple(c[j] for c in cols) for j in range(len(indices))]

    def __len__(self) -> int:
        return self._length


def _lengths_from_fractions(fractions, n):
    lengths = [int(math.floor(n * f)) for f in fractions]
    remainder = n - sum(lengths)
    for i in range(remainder):          # round-robin the leftover samples
        lengths[i % len(lengths)] += 1
    for i, length in enumerate(lengths):
        if length == 0:
            warnings.warn(f"Length of split at index {i} is 0. This might result in an empty "
                          f"dataset.", stacklevel=3)
    return lengths


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` into non-overlapping random :class:`Subset` s of the given lengths.

    ``lengths`` are integers summing to ``len(dataset)``, or fractions summing to 1 (each
    split gets ``floor(frac * n)`` samples and the remainder is dealt out one by one from
    the first split on). ``generator`` (an ``ember.Generator``) fixes the permutation; the
    default generator is used otherwise.

    Example::

        >>> a, b = random_split(range(10), [0.7, 0.3], generator=ember.Generator().manual_seed(0))
        >>> len(a), len(b)
        (7, 3)
    """
    lengths = list(lengths)
    n = len(dataset)
    if lengths and math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for i, f in enumerate(lengths):
            if f < 0 or f > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
        lengths = _lengths_from_fractions(lengths, n)
    if any(int(x) != x or x < 0 for x in lengths):
        raise ValueError(f"random_split: lengths must be non-negative integers or fractions "
                         f"summing to 1, got {lengths}")
    if sum(lengths) != n:
        raise ValueError(f"Sum of input lengths ({sum(lengths)}) does not equal the length "
                         f"of the input dataset ({n})!")
    perm = ember.randperm(n, generator=generator, device="cpu").tolist()
    out, start = [], 0
    for length in lengths:
        length = int(length)
        out.append(Subset(dataset, perm[start:start + length]))
        start += length
    return out
