"""``get_worker_info``: which ``DataLoader`` worker process is running this code.

NOTE [worker info]: a data plugin's worker process calls ``_set_worker_info`` once at
start-up, before ``worker_init_fn`` runs; in the main process the info stays ``None``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["WorkerInfo", "get_worker_info"]


class WorkerInfo:
    """Read-only facts about the current ``DataLoader`` worker process.

    Attributes: ``id`` (0 .. num_workers - 1), ``num_workers``, ``seed`` (the seed this
    worker's ember and ``random`` generators got) and ``dataset`` (this process's copy of
    the dataset).
    """

    __initialized = False

    def __init__(self, **kwargs: Any) -> None:
        for k, v in kwargs.items():
            setattr(self, k, v)
        self.__keys = tuple(kwargs)
        self.__initialized = True

    def __setattr__(self, key: str, val: Any) -> None:
        if self.__initialized:
            raise RuntimeError(f"Cannot assign attributes to {type(self).__name__} objects "
                               f"(tried to set {key!r}); worker info is read-only")
        super().__setattr__(key, val)

    def __repr__(self) -> str:
        items = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__keys)
        return f"{type(self).__name__}({items})"


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """In a ``DataLoader`` worker process, its :class:`WorkerInfo` (``id``,
    ``num_workers``, ``seed``, ``dataset``); ``None`` in the main process.

    Use it in ``IterableDataset.__iter__`` to give each worker its own shard, or in
    ``worker_init_fn`` to configure the worker's copy of the dataset.

    Example::

        >>> ember.utils.data.get_worker_info() is None   # main process
        True
    """
    return _worker_info


def _set_worker_info(**kwargs: Any) -> WorkerInfo:
    global _worker_info
    _worker_info = WorkerInfo(**kwargs)
    return _worker_info
