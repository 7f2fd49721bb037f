"""``ember.utils.data``: datasets, samplers and the ``DataLoader``.

The base classes :class:`Dataset`, :class:`IterableDataset`, :class:`Sampler` and
:func:`get_worker_info` live here, in the core, so third-party datasets depend on ember
alone. Everything else (``DataLoader``, ``TensorDataset``, ``random_split``, the samplers,
``default_collate``, ...) is provided by a data plugin (ember-data) on first access.
"""

from ..._plugins import LazyNamespace
from .dataset import Dataset, IterableDataset
from .sampler import Sampler
from ._worker_info import WorkerInfo, get_worker_info

__all__ = ["Dataset", "IterableDataset", "Sampler", "WorkerInfo", "get_worker_info"]

__getattr__ = LazyNamespace("ember.utils.data")


def __dir__():
    return sorted(set(__all__) | set(__getattr__.names()))
