"""Fetchers: turn one index (or one list of indices) from the sampler into one batch.

The same fetchers run in the main process (``num_workers=0``) and in worker processes.
"""

from __future__ import annotations

__all__ = ["MapFetcher", "IterableFetcher", "make_fetcher"]


class MapFetcher:
    """``dataset[i]`` for each index (or one ``__getitems__`` call), then ``collate_fn``."""

    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        getitems = getattr(dataset, "__getitems__", None)
        self._getitems = getitems if callable(getitems) else None

    def fetch(self, index):
        if self.auto_collation:
            if self._getitems is not None:
                data = self._getitems(index)
            else:
                data = [self.dataset[i] for i in index]
        else:
            data = self.dataset[index]
        return self.collate_fn(data)


class IterableFetcher:
    """The next ``len(index)`` samples of ``iter(dataset)`` (or the next one), then
    ``collate_fn``. Raises ``StopIteration`` when the stream has no full batch left (with
    ``drop_last``) or no sample left."""

    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.it = iter(dataset)
        self.ended = False

    def fetch(self, index):
        if self.ended:
            raise StopIteration
        if self.auto_collation:
            data = []
            for _ in index:
                try:
                    data.append(next(self.it))
                except StopIteration:
                    self.ended = True
                    break
            if not data or (self.drop_last and len(data) < len(index)):
                raise StopIteration
        else:
            try:
                data = next(self.it)
            except StopIteration:
                self.ended = True
                raise
        return self.collate_fn(data)


def make_fetcher(kind, dataset, auto_collation, collate_fn, drop_last):
    cls = IterableFetcher if kind == "iterable" else MapFetcher
    return cls(dataset, auto_collation, collate_fn, drop_last)
