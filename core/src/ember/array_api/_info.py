"""``__array_namespace_info__``: devices, default dtypes and supported dtypes per device (from
each backend's ``dtypes()``), and the library's capabilities."""

from __future__ import annotations

from .. import _dtype as D
from .._device import device as _device, get_default_device
from .._tensor import _backend_for
from ._dtypes import _is_kind

__all__ = ["__array_namespace_info__"]

_KIND_NAMES = ("bool", "signed integer", "unsigned integer", "integral", "real floating",
               "complex floating", "numeric")


class __array_namespace_info__:  # noqa: N801  (the standard's name)
    """Inspection of the namespace: ``capabilities()``, ``default_device()``, ``devices()``,
    ``default_dtypes(device=)``, ``dtypes(device=, kind=)``.

    Example::

        >>> info = ember.array_api.__array_namespace_info__()
        >>> info.dtypes(device="cpu", kind="real floating")["float32"]
        ember.float32
    """

    __module__ = "ember.array_api"

    def capabilities(self):
        """``{"boolean indexing": True, "data-dependent shapes": True, "max dimensions":
        64}`` (64: the cpu backend's limit; the core itself has none)."""
        return {"boolean indexing": True, "data-dependent shapes": True, "max dimensions": 64}

    def default_device(self):
        """The device arrays are created on when none is given."""
        return _backend_for(get_default_device())[1]

    def devices(self):
        """Every usable device of every installed backend (``cpu``, ``cuda:0``, ...)."""
        from .._plugins import registry
        out = []
        for t in registry().device_types():
            try:
                be, canon = _backend_for(t)
            except RuntimeError:          # installed but unavailable, or failed to load
                continue
            if canon.index is None:
                out.append(canon)
            else:
                out.extend(_device(t, i) for i in range(be.device_count()))
        return out

    def default_dtypes(self, *, device=None):
        """``{"real floating", "complex floating", "integral", "indexing"}`` -> dtype: the
        default float dtype (``ember.get_default_dtype()``), its complex counterpart, int64,
        int64."""
        if device is not None:
            _backend_for(_check_device(device))
        f = D.get_default_dtype()
        return {"real floating": f, "complex floating": D._default_complex(),
                "integral": D.int64, "indexing": D.int64}

    def dtypes(self, *, device=None, kind=None):
        """The dtypes ``device`` (default: the default device) supports, by name, optionally
        only those of ``kind`` (a kind name, a dtype or a tuple of them, as ``isdtype``)."""
        be, canon = _backend_for(_check_device(device) if device is not None
                                 else get_default_device())
        supported = be.dtypes(canon.index)
        if kind is None:
            return {d.name: d for d in supported}
        return {d.name: d for d in supported if _matches(d, kind)}


def _matches(d, kind):
    if isinstance(kind, tuple):
        return any(_matches(d, k) for k in kind)
    if isinstance(kind, D.dtype):
        return d is kind
    if isinstance(kind, str) and kind in _KIND_NAMES:
        return _is_kind(d, kind)
    raise ValueError(f"dtypes(): unknown kind {kind!r}; expected one of {_KIND_NAMES}, a dtype "
                     f"or a tuple of them")


def _check_device(device):
    try:
        return _device(device)
    except (TypeError, RuntimeError) as exc:
        raise ValueError(f"__array_namespace_info__: invalid device {device!r}: {exc}") from None
