"""ember-optim: fills ``ember.optim`` (optimizers), ``ember.optim.lr_scheduler`` (learning-rate
schedulers) and ``ember.optim.swa_utils`` (weight averaging).

Registered through the entry point ``optim.builtin = "ember_optim"`` like any third-party
plugin. Every public module of ``ember_optim.optimizers`` contributes its ``__all__`` to
``ember.optim``; every module of ``ember_optim.schedulers`` to ``ember.optim.lr_scheduler``.
The base classes (``Optimizer``, ``LRScheduler``) live in the core.
"""

from __future__ import annotations

from ember.hookspecs import hookimpl, namespace_from_modules

__all__ = ["ember_namespace"]

_SOURCES = {
    "ember.optim": "ember_optim.optimizers.*",
    "ember.optim.lr_scheduler": "ember_optim.schedulers.*",
    "ember.optim.swa_utils": "ember_optim.swa_utils",
}


@hookimpl
def ember_namespace(namespace):
    return namespace_from_modules(_SOURCES, namespace)
