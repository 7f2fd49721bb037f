"""``ember.nn``: neural-network building blocks.

The core provides the base classes ``Module``, ``Parameter`` and ``Buffer`` and the namespaces
``ember.nn.functional``, ``ember.nn.init`` and ``ember.nn.utils``. Layers, containers and losses
(``ember.nn.Linear``, ``ember.nn.Sequential``, ...) come from nn plugins (ember-nn), imported on
first access to such a name, so ``import ember.nn`` stays cheap.

Example::

    >>> import ember, ember.nn as nn
    >>> class Affine(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.w = nn.Parameter(ember.ones(3))
    ...     def forward(self, x):
    ...         return x * self.w
    >>> Affine()(ember.ones(2, 3)).shape
    ember.Size([2, 3])
"""

from .._plugins import LazyNamespace
from .parameter import Buffer, Parameter
from .modules import module as _module_mod
from .modules.module import Module
from . import functional, init, utils, modules, parameter, parallel  # noqa: F401

__all__ = ["Module", "Parameter", "Buffer", "functional", "init", "utils"]

_lazy = LazyNamespace("ember.nn")


def __getattr__(name):
    return _lazy(name)


def __dir__():
    return sorted(set(globals()) | set(_lazy.names()))
