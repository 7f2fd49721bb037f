"""``ember.distributed``: process groups and collectives (``init_process_group``,
``all_reduce``, ``broadcast``, ...), filled by distributed plugins (ember-distributed) on first
access. Launch processes with ``python -m ember.distributed.run -n N script.py``.

``is_available()`` is answered here too, so it is False (not an error) when no distributed
plugin is installed.
"""

from .._plugins import LazyNamespace, registry

__getattr__ = LazyNamespace("ember.distributed")


def is_available() -> bool:
    """True when a distributed plugin is installed and can run (PyTorch's
    ``torch.distributed.is_available``)."""
    fn = registry().namespace("ember.distributed").get("is_available")
    return bool(fn()) if fn is not None else False


def __dir__():
    return sorted(set(__getattr__.names()) | {"is_available"})
