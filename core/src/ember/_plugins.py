"""Plugin discovery and lazy loading (pluggy + the ``ember`` entry-point group).

NOTE [lazy plugins]: at ``import ember`` only entry-point *names* are read (no plugin module
is imported). The first use of a device type imports the plugins whose entry point is
``device.<type>``; the first access to a namespace (``ember.nn.Linear``) imports the plugins
for that namespace's group. A plugin that fails to import is remembered with its exception;
using what it provides raises an error chained to the real cause.
``EMBER_PLUGIN_AUTOLOAD=0`` turns entry-point loading off (register plugins by hand with
``ember.register_plugin``).
"""

from __future__ import annotations

import os
import threading
from importlib import metadata
from typing import Any

import pluggy

from . import hookspecs

__all__ = ["plugins", "register_plugin", "manager"]

_GROUPS = {
    "ember.nn": "nn", "ember.nn.functional": "nn", "ember.nn.init": "nn", "ember.nn.utils": "nn",
    "ember.nn.utils.rnn": "nn", "ember.nn.parallel": "distributed",
    "ember.optim": "optim", "ember.optim.lr_scheduler": "optim", "ember.optim.swa_utils": "optim",
    "ember.utils.data": "data", "ember.datasets": "data", "ember.transforms": "data",
    "ember.utils.tensorboard": "data",
    "ember.distributed": "distributed", "ember.distributed.run": "distributed",
}


class PluginLoadError(RuntimeError):
    """A plugin's module could not be imported or failed validation."""


class _Registry:
    def __init__(self) -> None:
        self.pm = pluggy.PluginManager("ember")
        self.pm.add_hookspecs(hookspecs)
        self.lock = threading.RLock()
        self.eps: list[metadata.EntryPoint] = []
        self.loaded: dict[str, Any] = {}          # entry-point name -> plugin module
        self.failed: dict[str, BaseException] = {}
        self.backends: dict[str, Any] = {}        # device type -> backend (or factory)
        self.device_owner: dict[str, str] = {}
        self.namespaces: dict[str, dict[str, Any]] = {}
        self.name_owner: dict[tuple[str, str], str] = {}
        self.autoload = os.environ.get("EMBER_PLUGIN_AUTOLOAD", "1") not in ("0", "false", "no")
        if self.autoload:
            self.eps = list(metadata.entry_points(group="ember"))

    # -- loading --------------------------------------------------------------------------
    def _dist_of(self, ep) -> str:
        d = getattr(ep, "dist", None)
        return f"{d.name} {d.version}" if d is not None else "?"

    def load_ep(self, ep) -> Any:
        with self.lock:
            if ep.name in self.loaded:
                return self.loaded[ep.name]
            if ep.name in self.failed:
                return None
            try:
                mod = ep.load()
                self._register(mod, ep.name)
            except Exception as exc:  # remembered and re-raised, chained, on use
                self.failed[ep.name] = exc
                return None
            self.loaded[ep.name] = mod
            return mod

    def _register(self, plugin: Any, name: str) -> None:
        try:
            self.pm.register(plugin, name=name)
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            self.pm.unregister(name=name) if self.pm.has_plugin(name) else None
            raise PluginLoadError(f"plugin {name!r} failed validation: {exc}") from exc
        caller = self.pm.subset_hook_caller(
            "ember_devices", [p for p in self.pm.get_plugins() if p is not plugin])
        for result in caller():
            for dev, backend in (result or {}).items():
                if dev in self.backends and self.device_owner[dev] != name:
                    raise PluginLoadError(
                        f"device type {dev!r} is provided by two plugins: "
                        f"{self.device_owner[dev]!r} and {name!r}; uninstall one of them")
                self.backends[dev] = backend
                self.device_owner[dev] = name
        # namespaces already built get this plugin's names too
        for ns in list(self.namespaces):
            self._collect(ns, [plugin])

    def register(self, plugin: Any, name: str | None = None) -> None:
        name = name or getattr(plugin, "__name__", repr(plugin))
        with self.lock:
            self._register(plugin, name)
            self.loaded[name] = plugin

    # -- devices --------------------------------------------------------------------------
    def backend(self, dev_type: str) -> Any:
        b = self.backends.get(dev_type)
        if b is None:
            with self.lock:
                for ep in self.eps:
                    if ep.name == f"device.{dev_type}":
                        self.load_ep(ep)
                b = self.backends.get(dev_type)
                if b is None:
                    self._raise_missing(dev_type)
        if isinstance(b, type) or not hasattr(b, "dtypes"):   # a class or factory: build once
            with self.lock:
                b = self.backends[dev_type]
                if isinstance(b, type) or not hasattr(b, "dtypes"):
                    try:
                        b = b()
                    except Exception as exc:
                        raise RuntimeError(
                            f"the backend of device type {dev_type!r} (plugin "
                            f"{self.device_owner.get(dev_type)!r}) failed to start: "
                            f"{type(exc).__name__}: {exc}") from exc
                    self.backends[dev_type] = b
        return b

    def _raise_missing(self, dev_type: str):
        for ep in self.eps:
            if ep.name == f"device.{dev_type}" and ep.name in self.failed:
                exc = self.failed[ep.name]
                raise RuntimeError(
                    f"device type {dev_type!r} is provided by plugin {ep.value!r} "
                    f"({self._dist_of(ep)}), which failed to load: "
                    f"{type(exc).__name__}: {exc}") from exc
        known = sorted({e.name.split(".", 1)[1] for e in self.eps if e.name.startswith("device.")}
                       | set(self.backends))
        hint = (" (entry-point autoload is off: EMBER_PLUGIN_AUTOLOAD=0)" if not self.autoload
                else "")
        raise RuntimeError(
            f"no backend is installed for device type {dev_type!r}{hint}; known device types: "
            f"{known or 'none'}. Install a plugin that provides it (e.g. ember-numpy for 'cpu')")

    def device_types(self) -> list[str]:
        names = {e.name.split(".", 1)[1] for e in self.eps if e.name.startswith("device.")}
        return sorted(names | set(self.backends))

    # -- namespaces -----------------------------------------------------------------------
    def _collect(self, ns: str, plugins: list[Any]) -> None:
        table = self.namespaces[ns]
        others = [p for p in self.pm.get_plugins() if p not in plugins]
        caller = self.pm.subset_hook_caller("ember_namespace", others)
        impls = {id(i.plugin): i.plugin_name for i in self.pm.hook.ember_namespace.get_hookimpls()}
        for impl in caller.get_hookimpls():
            result = impl.function(namespace=ns)
            owner = impls.get(id(impl.plugin), impl.plugin_name)
            for key, value in (result or {}).items():
                prev = self.name_owner.get((ns, key))
                if prev is not None and prev != owner:
                    raise PluginLoadError(
                        f"{ns}.{key} is provided by two plugins: {prev!r} and {owner!r}; "
                        f"uninstall one of them or rename the name in one plugin")
                self.name_owner[(ns, key)] = owner
                table[key] = value

    def namespace(self, ns: str) -> dict[str, Any]:
        table = self.namespaces.get(ns)
        if table is not None:
            return table
        with self.lock:
            group = _GROUPS.get(ns, ns.rsplit(".", 1)[-1])
            for ep in self.eps:
                if ep.name.split(".", 1)[0] == group:
                    self.load_ep(ep)
            self.namespaces[ns] = {}
            self._collect(ns, list(self.pm.get_plugins()))   # ask every plugin
            return self.namespaces[ns]

    def missing_name(self, ns: str, name: str) -> AttributeError:
        group = _GROUPS.get(ns, "")
        fails = [(ep, self.failed[ep.name]) for ep in self.eps
                 if ep.name.split(".", 1)[0] == group and ep.name in self.failed]
        if fails:
            ep, exc = fails[0]
            err = AttributeError(
                f"module {ns!r} has no attribute {name!r}: plugin {ep.value!r} "
                f"({self._dist_of(ep)}) that fills {ns} failed to load: "
                f"{type(exc).__name__}: {exc}")
            err.__cause__ = exc
            return err
        return AttributeError(f"module {ns!r} has no attribute {name!r}")

    def info(self) -> list[dict[str, Any]]:
        out = []
        for ep in self.eps:
            d = getattr(ep, "dist", None)
            status = ("loaded" if ep.name in self.loaded else
                      "failed" if ep.name in self.failed else "not loaded")
            out.append({"name": ep.name, "value": ep.value,
                        "distribution": d.name if d else None,
                        "version": d.version if d else None, "status": status,
                        "error": repr(self.failed[ep.name]) if ep.name in self.failed else None})
        for name, plugin in self.loaded.items():
            if not any(e.name == name for e in self.eps):
                out.append({"name": name, "value": repr(plugin), "distribution": None,
                            "version": None, "status": "registered by hand", "error": None})
        return out


_registry: _Registry | None = None


def registry() -> _Registry:
    global _registry
    if _registry is None:
        _registry = _Registry()
    return _registry


def manager() -> pluggy.PluginManager:
    """The pluggy ``PluginManager`` behind ember's plugins."""
    return registry().pm


def plugins() -> list[dict[str, Any]]:
    """List installed ember plugins: entry-point name, target, distribution, version, status.

    Example::

        >>> [p["name"] for p in ember.plugins()]
        ['device.cpu', 'nn.core', ...]
    """
    return registry().info()


def register_plugin(plugin: Any, name: str | None = None) -> None:
    """Register a plugin object by hand (e.g. with ``EMBER_PLUGIN_AUTOLOAD=0`` or in tests).
    Its hooks are validated now; an invalid hook raises an error naming plugin and hook."""
    registry().register(plugin, name)


class LazyNamespace:
    """Module ``__getattr__`` helper: resolves names a plugin provides for ``ns``."""

    def __init__(self, ns: str):
        self.ns = ns

    def __call__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        table = registry().namespace(self.ns)
        try:
            return table[name]
        except KeyError:
            raise registry().missing_name(self.ns, name) from None

    def names(self) -> list[str]:
        return sorted(registry().namespace(self.ns))
