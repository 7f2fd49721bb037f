"""``ember.optim.swa_utils``: stochastic weight averaging (``AveragedModel``, ``SWALR``,
``update_bn``, ``get_ema_multi_avg_fn``, ...), filled by optim plugins (ember-optim) on first
access."""

from .._plugins import LazyNamespace

__getattr__ = LazyNamespace("ember.optim.swa_utils")


def __dir__():
    return __getattr__.names()
