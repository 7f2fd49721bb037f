"""``default_collate`` (samples -> batch) and ``default_convert`` (numpy -> tensors).

NOTE [numpy without numpy]: samples may hold NumPy arrays and scalars; they are recognised
by their type's module and name and converted with ``ember.as_tensor``, so this module never
imports numpy.
"""

from __future__ import annotations

import collections.abc
import copy

import ember

__all__ = ["default_collate", "default_convert"]

_ERR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or "
        "lists; found {}")


def _np_kind(obj):
    """'array' for a NumPy ndarray (or subclass), 'scalar' for a NumPy scalar, else None."""
    t = type(obj)
    if t.__module__ != "numpy" and not any(c.__module__ == "numpy" for c in t.__mro__[1:]):
        return None
    for c in t.__mro__:
        if c.__module__ == "numpy":
            if c.__name__ in ("ndarray", "memmap"):
                return "array"
            if c.__name__ in ("str_", "bytes_", "string_", "unicode_"):
                return None          # NumPy strings are str/bytes: passed through
            if c.__name__ == "generic":
                return "scalar"
    return None


def _np_is_textual(arr) -> bool:
    return arr.dtype.kind in "SaUO"


def _is_namedtuple(obj) -> bool:
    return isinstance(obj, tuple) and hasattr(obj, "_fields")


def _stack_tensors(batch):
    first = batch[0]
    for k, t in enumerate(batch):
        if t.shape != first.shape:
            raise RuntimeError(
                f"default_collate: stack expects each tensor to be equal size, but got "
                f"{list(first.shape)} at entry 0 and {list(t.shape)} at entry {k}; make the "
                f"samples the same size (crop/pad them) or pass a collate_fn that handles "
                f"variable sizes")
    return ember.stack(list(batch), 0)


def default_collate(batch):
    """Merge a list of samples into a batch, recursively by the type of the first sample.

    =========================  ===============================================
    sample element             batch
    =========================  ===============================================
    ``Tensor`` of shape ``S``  ``Tensor`` of shape ``(B, *S)`` (stacked)
    NumPy array / scalar       converted with ``ember.as_tensor``, then stacked
    ``float``                  float64 tensor of shape ``(B,)``
    ``int`` (``bool``)         int64 (bool) tensor of shape ``(B,)``
    ``str`` / ``bytes``        the list unchanged
    ``Mapping``                the same mapping type, each key collated
    ``namedtuple``             the same namedtuple type, each field collated
    ``tuple`` / ``Sequence``   a list (or the same sequence type) of collated fields
    =========================  ===============================================

    Tensors of different sizes raise a ``RuntimeError`` naming both sizes.

    Example::

        >>> default_collate([(ember.tensor([1., 2.]), 0), (ember.tensor([3., 4.]), 1)])
        [tensor([[1., 2.],
                [3., 4.]]), tensor([0, 1])]
    """
    if not isinstance(batch, collections.abc.Sequence) or isinstance(batch, (str, bytes)):
        batch = list(batch)
    if not batch:
        raise RuntimeError("default_collate: got an empty batch; there is nothing to collate")
    elem = batch[0]
    if isinstance(elem, ember.Tensor):
        return _stack_tensors(batch)
    kind = _np_kind(elem)
    if kind == "array":
        if _np_is_textual(elem):
            raise TypeError(_ERR.format(elem.dtype))
        return _stack_tensors([ember.as_tensor(b) for b in batch])
    if kind == "scalar":
        return _stack_tensors([ember.as_tensor(b) for b in batch])
    if isinstance(elem, float):
        return ember.tensor(batch, dtype=ember.float64)
    if isinstance(elem, int):
        return ember.tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        if isinstance(elem, collections.abc.MutableMapping):
            clone = copy.copy(elem)
            clone.update(collated)
            return clone
        try:
            return type(elem)(collated)
        except TypeError:
            return collated
    if _is_namedtuple(elem):
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        sizes = [len(b) for b in batch]
        if any(n != sizes[0] for n in sizes):
            raise RuntimeError(f"each element in list of batch should be of equal size "
                               f"(default_collate got sequences of lengths {sizes})")
        transposed = [default_collate(list(s)) for s in zip(*batch)]
        if isinstance(elem, tuple):
            return transposed
        if isinstance(elem, collections.abc.MutableSequence):
            clone = copy.copy(elem)
            for i, v in enumerate(transposed):
                clone[i] = v
            return clone
        try:
            return type(elem)(transposed)
        except TypeError:
            return transposed
    raise TypeError(_ERR.format(type(elem)))


def default_convert(data):
    """Convert NumPy arrays and scalars inside ``data`` to tensors, recursively through
    mappings, namedtuples and sequences (tuples become lists); everything else is returned
    unchanged. It is the ``collate_fn`` of a ``DataLoader`` with ``batch_size=None``.

    Example::

        >>> default_convert({"x": numpy.zeros(2), "name": "a"})   # doctest: +SKIP
        {'x': tensor([0., 0.], dtype=ember.float64), 'name': 'a'}
    """
    if isinstance(data, ember.Tensor):
        return data
    kind = _np_kind(data)
    if kind == "array":
        return data if _np_is_textual(data) else ember.as_tensor(data)
    if kind == "scalar":
        return ember.as_tensor(data)
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, collections.abc.Mapping):
        converted = {k: default_convert(v) for k, v in data.items()}
        if isinstance(data, collections.abc.MutableMapping):
            clone = copy.copy(data)
            clone.update(converted)
            return clone
        try:
            return type(data)(converted)
        except TypeError:
            return converted
    if _is_namedtuple(data):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence):
        if isinstance(data, collections.abc.MutableSequence):
            clone = copy.copy(data)
            for i, d in enumerate(data):
                clone[i] = default_convert(d)
            return clone
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data
