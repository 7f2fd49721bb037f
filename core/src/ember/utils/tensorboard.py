"""``ember.utils.tensorboard``: ``SummaryWriter`` for TensorBoard event files, provided by a
data plugin (ember-data) on first access."""

from .._plugins import LazyNamespace

__getattr__ = LazyNamespace("ember.utils.tensorboard")


def __dir__():
    return __getattr__.names()
