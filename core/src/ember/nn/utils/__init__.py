"""``ember.nn.utils``: gradient clipping and parameter/vector helpers (from ember-nn)."""

from ..._plugins import LazyNamespace

_lazy = LazyNamespace("ember.nn.utils")


def __getattr__(name):
    if name == "rnn":
        # import_module, not ``from . import rnn``: the latter asks this __getattr__ for
        # ``rnn`` again before the submodule is bound, and recurses forever
        import importlib
        return importlib.import_module(f"{__name__}.rnn")
    return _lazy(name)


def __dir__():
    return sorted(set(_lazy.names()) | {"rnn"})
