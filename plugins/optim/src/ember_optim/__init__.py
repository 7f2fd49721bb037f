"""ember-optim: fills ``ember.optim`` (optimizers), ``ember.optim.lr_scheduler`` (learning-rate
schedulers) and ``ember.optim.swa_utils`` (weight averaging).

Registered through the entry point ``optim.builtin = "ember_optim"`` like any third-party
plugin. Every public module of ``ember_optim.optimizers`` contributes its ``__all__`` to
``ember.optim``; every module of ``ember_optim.schedulers`` to ``ember.optim.lr_scheduler``.
The base classes (``Optimizer``, ``LRScheduler``) live in the core.
"""

from __future__ import annotations

import importlib
import pkgutil

from ember.hookspecs import hookimpl

__all__ = ["ember_namespace"]

_PACKAGES = {"ember.optim": "ember_optim.optimizers",
             "ember.optim.lr_scheduler": "ember_optim.schedulers"}
_MODULES = {"ember.optim.swa_utils": "ember_optim.swa_utils"}


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
        return _names(importlib.import_module(_MODULES[namespace]))
    return None
