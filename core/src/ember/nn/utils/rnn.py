"""``ember.nn.utils.rnn``: PackedSequence and padding helpers (from ember-nn)."""

from ..._plugins import LazyNamespace

__getattr__ = LazyNamespace("ember.nn.utils.rnn")
