"""``ember.datasets``: datasets registered by plugins (ember-data and third parties)."""

from .._plugins import LazyNamespace

__getattr__ = LazyNamespace("ember.datasets")


def list():  # noqa: A001  (ember.datasets.list(), as the issue names it)
    """The names of all registered datasets."""
    return __getattr__.names()
