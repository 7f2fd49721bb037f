"""``ember.nn.functional``: filled by nn plugins (ember-nn) on first access."""

from .._plugins import LazyNamespace

__getattr__ = LazyNamespace("ember.nn.functional")


def __dir__():
    return __getattr__.names()
