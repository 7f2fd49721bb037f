"""The hooks a plugin implements. Each spec is an empty typed function whose docstring is the
contract. A plugin is a module (or object) with functions of these names, marked with
``ember.hookimpl``, declared under the entry-point group ``ember``.

Entry-point names say what a plugin provides, so ember can import it only on first use:

=====================  ==========================================================
``device.<type>``      a device type, e.g. ``device.cpu = "ember_numpy"``
``nn.<anything>``      names for ``ember.nn``, ``ember.nn.functional``, ``ember.nn.init``
``optim.<anything>``   names for ``ember.optim`` and ``ember.optim.lr_scheduler``
``data.<anything>``    names for ``ember.utils.data``, ``ember.datasets``, ``ember.transforms``
``distributed.<any>``  names for ``ember.distributed``, ``ember.nn.parallel``
=====================  ==========================================================
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping, Sequence
from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("ember")
hookimpl = pluggy.HookimplMarker("ember")

# -- stage 1: devices ---------------------------------------------------------------------


@hookspec
def ember_devices() -> dict[str, Any]:
    """Return ``{device_type: backend}`` for every device type this plugin provides.

    ``backend`` implements :class:`ember.backend.Backend` (or is a zero-argument callable that
    returns one). It is asked for only when a tensor first uses that device type. A backend
    whose hardware is missing still registers; its ``is_available()`` returns False and its
    ``unavailable_reason`` says why.
    """


# -- stage 2: namespaces ------------------------------------------------------------------


@hookspec
def ember_namespace(namespace: str) -> dict[str, Any] | None:
    """Return the public names this plugin adds to ``namespace`` (a dotted module name such as
    ``"ember.nn"``, ``"ember.nn.functional"``, ``"ember.optim.lr_scheduler"``,
    ``"ember.utils.data"``, ``"ember.datasets"``, ``"ember.transforms"``), or None.

    A name offered by two plugins is an error that names both plugins.
    """


# -- helpers for implementations ----------------------------------------------------------


def namespace_from_modules(sources: Mapping[str, str | Sequence[str]],
                           namespace: str) -> dict[str, Any] | None:
    """The names a plugin adds to ``namespace``, gathered from the ``__all__`` of its modules:
    a ready body for an ``ember_namespace`` hook.

    ``sources`` maps each namespace the plugin fills to its modules: one dotted module name or
    a sequence of them, read in order. A name ending in ``.*`` stands for every public
    submodule (not starting with ``_``) of that package, in name order. The modules are
    imported by this call, so a plugin stays unimported until one of its namespaces is first
    used; an import error propagates unchanged. Returns None for a namespace not in
    ``sources``.

    Raises:
        AttributeError: a module has no ``__all__`` (list its public names there).

    Example::

        _SOURCES = {"ember.nn": "my_layers.modules.*", "ember.nn.init": "my_layers.init"}

        @hookimpl
        def ember_namespace(namespace):
            return namespace_from_modules(_SOURCES, namespace)
    """
    entry = sources.get(namespace)
    if entry is None:
        return None
    names: dict[str, Any] = {}
    for source in (entry,) if isinstance(entry, str) else entry:
        if source.endswith(".*"):
            package = importlib.import_module(source[:-2])
            found = sorted(info.name for info in pkgutil.iter_modules(package.__path__))
            modules = [f"{package.__name__}.{m}" for m in found if not m.startswith("_")]
        else:
            modules = [source]
        for module_name in modules:
            module = importlib.import_module(module_name)
            public = getattr(module, "__all__", None)
            if public is None:
                raise AttributeError(f"{module_name} fills the ember namespace {namespace!r} but "
                                     f"has no __all__; list its public names in __all__")
            names.update({n: getattr(module, n) for n in public})
    return names
