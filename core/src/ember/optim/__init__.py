"""``ember.optim``: optimizers and learning-rate schedulers.

The core owns the contracts: :class:`Optimizer` (the base every optimizer extends) and
``ember.optim.lr_scheduler.LRScheduler``. The optimizers themselves (``SGD``, ``Adam``, ...)
come from plugins (``ember-optim`` is the built-in one) and appear here on first access.

Example::

    >>> opt = ember.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    >>> sched = ember.optim.lr_scheduler.StepLR(opt, step_size=30)
"""

from __future__ import annotations

import importlib as _importlib

from .._plugins import LazyNamespace as _LazyNamespace
from .optimizer import Optimizer

__all__ = ["Optimizer", "lr_scheduler", "swa_utils"]

_SUBMODULES = ("lr_scheduler", "swa_utils", "optimizer")
_names = _LazyNamespace("ember.optim")


def __getattr__(name):
    if name in _SUBMODULES:
        return _importlib.import_module(f".{name}", __name__)
    return _names(name)


def __dir__():
    return sorted(set(__all__) | set(_SUBMODULES) | set(_names.names()))
