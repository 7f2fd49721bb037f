"""``ember.nn.utils``: gradient clipping and parameter/vector helpers (from ember-nn)."""

from ..._plugins import LazyNamespace

_lazy = LazyNamespace("ember.nn.utils")


def __getattr__(name):
    if name == "rnn":
        from . import rnn
        return rnn
    return _lazy(name)
