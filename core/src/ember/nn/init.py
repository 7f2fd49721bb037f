"""``ember.nn.init``: parameter initialisers, filled by nn plugins (ember-nn) on first access."""

from .._plugins import LazyNamespace

__getattr__ = LazyNamespace("ember.nn.init")


def __dir__():
    return __getattr__.names()
