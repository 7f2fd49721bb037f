"""ember-nn: fills ``ember.nn`` (layers, containers, losses), ``ember.nn.functional``,
``ember.nn.init``, ``ember.nn.utils`` and ``ember.nn.utils.rnn``.

Registered through the entry point ``nn.layers = "ember_nn"`` like any third-party plugin.
Every module in ``ember_nn.modules`` contributes its ``__all__`` to ``ember.nn``; every
module in ``ember_nn.functional`` to ``ember.nn.functional``.
"""

from __future__ import annotations

import importlib
import pkgutil

from ember.hookspecs import hookimpl

__all__ = ["ember_namespace"]

_PACKAGES = {"ember.nn": "ember_nn.modules", "ember.nn.functional": "ember_nn.functional"}
_MODULES = {"ember.nn.init": "ember_nn.init", "ember.nn.utils": "ember_nn.utils",
            "ember.nn.utils.rnn": "ember_nn.rnn_utils"}


def _names(module) -> dict:
    return {n: getattr(module, n) for n in getattr(module, "__all__", ())}


@hookimpl
def ember_namespace(namespace):
    if namespace in _PACKAGES:
        pkg = importlib.import_module(_PACKAGES[namespace])
        out = {}
        for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
            if not info.name.startswith("_"):
                out.update(_names(importlib.import_module(f"{pkg.__name__}.{info.name}")))
        return out
    if namespace in _MODULES:
        try:
            return _names(importlib.import_module(_MODULES[namespace]))
        except ModuleNotFoundError as exc:
            if exc.name == _MODULES[namespace]:
                return None
            raise
    return None
