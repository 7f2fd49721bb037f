"""Named result tuples, as ``torch.return_types``: ``ember.max(x, 1)`` returns
``ember.return_types.max(values=..., indices=...)``, a tuple that also has named fields.

Each type is a ``tuple`` subclass (unpacking and indexing work as for a plain tuple)::

    values, indices = ember.sort(x)            # or r = ember.sort(x); r.values, r.indices

Other op modules add their own with :func:`make` (``make("slogdet", ("sign", "logabsdet"))``).
"""

from __future__ import annotations

import collections

__all__ = ["make", "max", "min", "sort", "topk", "kthvalue", "median", "nanmedian", "mode",
           "cummax", "cummin", "aminmax"]


def _repr(self):
    body = ",\n".join(f"{k}={v!r}" for k, v in zip(self._fields, self))
    return f"ember.return_types.{type(self).__name__}(\n{body})"


def make(name: str, fields: tuple[str, ...]) -> type:
    """A named result tuple type ``ember.return_types.<name>`` with ``fields``; registered
    on this module (made once: a second call with the same name returns the first type)."""
    have = globals().get(name)
    if isinstance(have, type) and issubclass(have, tuple) and getattr(have, "_fields", None):
        if tuple(have._fields) != tuple(fields):
            raise ValueError(f"return type {name!r} already exists with fields {have._fields}, "
                             f"not {tuple(fields)}")
        return have
    base = collections.namedtuple(name, fields)
    cls = type(name, (base,), {"__slots__": (), "__repr__": _repr, "__module__": __name__,
                               "__doc__": f"Result of ``ember.{name}``: fields "
                                          f"{', '.join(fields)}."})
    globals()[name] = cls
    if name not in __all__:
        __all__.append(name)
    return cls


_VI = ("values", "indices")
max = make("max", _VI)  # noqa: A001
min = make("min", _VI)  # noqa: A001
sort = make("sort", _VI)
topk = make("topk", _VI)
kthvalue = make("kthvalue", _VI)
median = make("median", _VI)
nanmedian = make("nanmedian", _VI)
mode = make("mode", _VI)
cummax = make("cummax", _VI)
cummin = make("cummin", _VI)
aminmax = make("aminmax", ("min", "max"))
