"""``ember.transforms``: data transforms (from ember-data)."""

from .._plugins import LazyNamespace

__getattr__ = LazyNamespace("ember.transforms")
