"""``ember.nn.parallel``: ``DistributedDataParallel``, filled by distributed plugins
(ember-distributed) on first access."""

from .._plugins import LazyNamespace

__getattr__ = LazyNamespace("ember.nn.parallel")


def __dir__():
    return __getattr__.names()
