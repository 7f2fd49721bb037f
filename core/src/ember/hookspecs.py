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
