"""Samplers: which indices a ``DataLoader`` visits, in which order, and in which batches.

Random samplers draw from ember's random generators (``generator=`` or the default one), so
``ember.manual_seed`` makes an epoch's order reproducible. They do not reproduce PyTorch's
exact random streams: the two libraries have different generators.
"""

from __future__ import annotations

import math

import ember
from ember.utils.data import Sampler

__all__ = ["SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler", "DistributedSampler"]


def _check_positive_int(value, name):
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{name} should be a positive integer value, but got {name}={value!r}")


def _check_bool(value, name, exc=ValueError):
    if not isinstance(value, bool):
        raise exc(f"{name} should be a boolean value, but got {name}={value!r}")


def _fresh_generator():
    """A cpu generator seeded from the default generator (one draw per epoch)."""
    seed = int(ember.randint(0, 2 ** 63 - 1, (), dtype=ember.int64, device="cpu").item())
    return ember.Generator().manual_seed(seed)


class SequentialSampler(Sampler):
    """Indices ``0, 1, ..., len(data_source) - 1`` in order.

    Example::

        >>> list(SequentialSampler(range(3)))
        [0, 1, 2]
    """

    def __init__(self, data_source) -> None:
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """Random indices into ``data_source``: a fresh permutation per epoch, or with
    ``replacement=True`` independent uniform draws.

    Args:
        data_source: a sized dataset.
        replacement: draw with replacement.
        num_samples: how many indices per epoch (default ``len(data_source)``); without
            replacement more than ``len`` concatenates several permutations.
        generator: an ``ember.Generator``; without one, each epoch seeds a private
            generator from the default generator (so ``ember.manual_seed`` fixes it).

    Example::

        >>> sorted(RandomSampler(range(4), generator=ember.Generator().manual_seed(0)))
        [0, 1, 2, 3]
    """

    def __init__(self, data_source, replacement: bool = False, num_samples=None,
                 generator=None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        _check_bool(replacement, "replacement", TypeError)
        _check_positive_int(self.num_samples, "num_samples")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n = len(self.data_source)
        gen = self.generator if self.generator is not None else _fresh_generator()
        k = self.num_samples
        if self.replacement:
            chunk = 32
            for _ in range(k // chunk):
                yield from ember.randint(0, n, (chunk,), generator=gen, device="cpu").tolist()
            yield from ember.randint(0, n, (k % chunk,), generator=gen, device="cpu").tolist()
        else:
            for _ in range(k // n):
                yield from ember.randperm(n, generator=gen, device="cpu").tolist()
            yield from ember.randperm(n, generator=gen, device="cpu").tolist()[:k % n]

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order (a new permutation each epoch).

    Example::

        >>> sorted(SubsetRandomSampler([7, 3, 5]))
        [3, 5, 7]
    """

    def __init__(self, indices, generator=None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        perm = ember.randperm(len(self.indices), generator=self.generator, device="cpu")
        for i in perm.tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices in ``[0, len(weights))`` drawn with probability proportional
    to ``weights`` (with or without replacement).

    Example::

        >>> s = WeightedRandomSampler([0.0, 1.0, 0.0], 4)
        >>> list(s)
        [1, 1, 1, 1]
    """

    def __init__(self, weights, num_samples: int, replacement: bool = True,
                 generator=None) -> None:
        _check_positive_int(num_samples, "num_samples")
        _check_bool(replacement, "replacement")
        w = ember.as_tensor(weights, dtype=ember.float64, device="cpu")
        if w.dim() != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape "
                             f"{tuple(w.shape)}")
        self.weights = w
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self):
        idx = ember.multinomial(self.weights, self.num_samples, self.replacement,
                                generator=self.generator)
        yield from idx.tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size`` (the last one shorter
    unless ``drop_last``).

    Example::

        >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
        [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler, batch_size: int, drop_last: bool) -> None:
        _check_positive_int(batch_size, "batch_size")
        _check_bool(drop_last, "drop_last")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self):
        batch = []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


def _dist_world():
    try:
        dist = ember.distributed
    except AttributeError:
        dist = None
    if dist is None or not getattr(dist, "is_available", lambda: False)() or \
            not getattr(dist, "is_initialized", lambda: False)():
        raise RuntimeError("DistributedSampler: num_replicas/rank were not given and no "
                           "ember.distributed process group is initialized; pass "
                           "num_replicas= and rank= explicitly")
    return dist


class DistributedSampler(Sampler):
    """The share of a dataset that one of ``num_replicas`` processes reads.

    Every epoch the index list (shuffled with seed ``seed + epoch`` when ``shuffle``) is
    padded by repeating its start (or, with ``drop_last``, trimmed) to a multiple of
    ``num_replicas``; rank ``r`` takes every ``num_replicas``-th index starting at ``r``.
    Call :meth:`set_epoch` before each epoch so shuffling differs between epochs.

    Example::

        >>> list(DistributedSampler(range(5), num_replicas=2, rank=1, shuffle=False))
        [1, 3, 0]
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle: bool = True,
                 seed: int = 0, drop_last: bool = False) -> None:
        if num_replicas is None:
            num_replicas = _dist_world().get_world_size()
        if rank is None:
            rank = _dist_world().get_rank()
        if num_replicas <= 0:
            raise ValueError(f"DistributedSampler: num_replicas must be positive, got "
                             f"{num_replicas}")
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            g = ember.Generator().manual_seed(self.seed + self.epoch)
            indices = ember.randperm(n, generator=g, device="cpu").tolist()
        else:
            indices = list(range(n))
        if not self.drop_last:
            pad = self.total_size - len(indices)
            if pad <= len(indices):
                indices += indices[:pad]
            else:
                indices += (indices * math.ceil(pad / len(indices)))[:pad]
        else:
            indices = indices[:self.total_size]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch (it seeds the shuffle together with ``seed``)."""
        self.epoch = epoch
