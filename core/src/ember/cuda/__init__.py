"""``ember.cuda``: the cuda device type, provided by a plugin (ember-cupy).

Without the plugin (or without a GPU) ``is_available()`` is False and
``device_count()`` is 0; other calls raise an error that says why.
"""

from __future__ import annotations

from .._legacy import LEGACY as _LEGACY, make_legacy_type as _make

__all__ = ["is_available", "device_count", "current_device", "set_device", "synchronize",
           "manual_seed", "manual_seed_all", "memory_allocated", "max_memory_allocated",
           "memory_reserved", "empty_cache", "get_device_name", "device", "Stream", "Event",
           "unavailable_reason"]

for _n in _LEGACY:
    globals()[_n] = _make(_n, "cuda")


def _backend(strict=True):
    from .._plugins import registry
    try:
        be = registry().backend("cuda")
    except RuntimeError:
        if strict:
            raise
        return None
    if strict and not be.is_available():
        raise RuntimeError(f"CUDA is not available: {be.unavailable_reason}")
    return be


def is_available() -> bool:
    """True when a cuda backend is installed and a GPU is usable."""
    be = _backend(strict=False)
    return bool(be is not None and be.is_available())


def unavailable_reason() -> str:
    """Why ``is_available()`` is False ('' when it is True)."""
    from .._plugins import registry
    try:
        be = registry().backend("cuda")
    except RuntimeError as exc:
        return str(exc)
    return "" if be.is_available() else be.unavailable_reason


def device_count() -> int:
    be = _backend(strict=False)
    return be.device_count() if be is not None and be.is_available() else 0


def _call(name, *args, **kw):
    be = _backend()
    fn = getattr(be, name, None)
    if fn is None:
        raise RuntimeError(f"the cuda backend does not provide {name}()")
    return fn(*args, **kw)


def current_device() -> int:
    return _call("current_device")


def set_device(device) -> None:
    from .._device import device as D
    idx = device if isinstance(device, int) else D(device).index or 0
    _call("set_device", idx)


def synchronize(device=None) -> None:
    _call("synchronize", None if device is None else _index(device))


def _index(device):
    if device is None or isinstance(device, int):
        return device
    from .._device import device as D
    return D(device).index


def manual_seed(seed: int) -> None:
    """Seed the current cuda device's default generator."""
    be = _backend()
    be.generator_seed(be.default_generator(be.current_device()), int(seed))


def manual_seed_all(seed: int) -> None:
    """Seed every cuda device's default generator."""
    be = _backend()
    for i in range(be.device_count()):
        be.generator_seed(be.default_generator(i), int(seed))


def memory_allocated(device=None) -> int:
    return _call("memory_stats", _index(device))["allocated_bytes"]


def max_memory_allocated(device=None) -> int:
    return _call("memory_stats", _index(device)).get("max_allocated_bytes", 0)


def memory_reserved(device=None) -> int:
    return _call("memory_stats", _index(device))["reserved_bytes"]


def empty_cache() -> None:
    _call("empty_cache")


def get_device_name(device=None) -> str:
    return _call("device_name", _index(device))


class device:
    """Context manager that changes the current cuda device."""

    def __init__(self, device):
        self.idx = _index(device) if not isinstance(device, int) else device

    def __enter__(self):
        self.prev = current_device()
        if self.idx is not None and self.idx >= 0:
            set_device(self.idx)
        return self

    def __exit__(self, *exc):
        set_device(self.prev)
        return False


def Stream(*args, **kwargs):
    """A cuda stream of the backend (``ember-cupy``)."""
    return _call("Stream", *args, **kwargs)


def Event(*args, **kwargs):
    """A cuda event of the backend (``ember-cupy``)."""
    return _call("Event", *args, **kwargs)
