"""``ember.nn.modules``: the ``Module`` base class (core); concrete layers come from nn plugins
and are reachable here too, as in ``torch.nn.modules``."""

from ..._plugins import LazyNamespace
from .module import Module

__all__ = ["Module"]

_lazy = LazyNamespace("ember.nn")


def __getattr__(name):
    return _lazy(name)
