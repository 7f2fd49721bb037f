"""ember-nn: fills ``ember.nn`` (layers, containers, losses), ``ember.nn.functional``,
``ember.nn.init``, ``ember.nn.utils`` and ``ember.nn.utils.rnn``.

Registered through the entry point ``nn.layers = "ember_nn"`` like any third-party plugin.
Every module in ``ember_nn.modules`` contributes its ``__all__`` to ``ember.nn``; every
module in ``ember_nn.functional`` to ``ember.nn.functional``.
"""

from __future__ import annotations

from ember.hookspecs import hookimpl, namespace_from_modules

__all__ = ["ember_namespace"]

_SOURCES = {
    "ember.nn": "ember_nn.modules.*",
    "ember.nn.functional": "ember_nn.functional.*",
    "ember.nn.init": "ember_nn.init",
    "ember.nn.utils": "ember_nn.utils",
    "ember.nn.utils.rnn": "ember_nn.rnn_utils",
}


@hookimpl
def ember_namespace(namespace):
    return namespace_from_modules(_SOURCES, namespace)
