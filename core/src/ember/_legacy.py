"""Legacy tensor type names (``ember.FloatTensor``, ``ember.cuda.FloatTensor``, ...)."""

from __future__ import annotations

from . import _dtype as D

__all__ = ["type_name", "parse_type", "LEGACY", "make_legacy_type"]

LEGACY = {
    "FloatTensor": D.float32, "DoubleTensor": D.float64, "HalfTensor": D.float16,
    "BFloat16Tensor": D.bfloat16, "ByteTensor": D.uint8, "CharTensor": D.int8,
    "ShortTensor": D.int16, "IntTensor": D.int32, "LongTensor": D.int64,
    "BoolTensor": D.bool_, "ComplexFloatTensor": D.complex64,
    "ComplexDoubleTensor": D.complex128,
}
_BY_DTYPE = {v: k for k, v in LEGACY.items()}


def type_name(dtype, device) -> str:
    prefix = "ember." if device.type == "cpu" else f"ember.{device.type}."
    return prefix + _BY_DTYPE[dtype]


def parse_type(t):
    """(dtype, device type or None) for a dtype, a legacy class or a type-name string."""
    if isinstance(t, D.dtype):
        return t, None
    if isinstance(t, type) and t in (bool, int, float, complex):
        return D.canonical(t), None
    if isinstance(t, type) and hasattr(t, "_legacy_dtype"):
        return t._legacy_dtype, t._legacy_device
    if isinstance(t, str):
        parts = t.split(".")
        if parts[0] in ("ember", "torch"):
            parts = parts[1:]
        if len(parts) == 2 and parts[1] in LEGACY:
            return LEGACY[parts[1]], parts[0]
        if len(parts) == 1 and parts[0] in LEGACY:
            return LEGACY[parts[0]], "cpu"
    raise ValueError(f"invalid type: {t!r}; expected a dtype or a name like 'ember.FloatTensor'")


class _LegacyMeta(type):
    def __instancecheck__(cls, obj):
        from ._tensor import Tensor
        return (isinstance(obj, Tensor) and obj.dtype is cls._legacy_dtype
                and obj.device.type == cls._legacy_device)

    def __repr__(cls):
        return f"<class '{type_name(cls._legacy_dtype, _Dev(cls._legacy_device))}'>"


class _Dev:
    def __init__(self, t):
        self.type = t


def make_legacy_type(name, device_type):
    dtype = LEGACY[name]

    def __new__(cls, *args, device=None):
        from ._tensor import Tensor
        from ._creation import tensor, empty
        dev = device if device is not None else device_type
        if args and not all(isinstance(a, int) and not isinstance(a, bool) for a in args):
            if len(args) != 1:
                raise TypeError(f"{name}(): expected sizes or one data sequence")
            if isinstance(args[0], Tensor):
                return args[0].to(dtype=dtype, device=dev)
            return tensor(args[0], dtype=dtype, device=dev)
        return empty(*args, dtype=dtype, device=dev)

    return _LegacyMeta(name, (), {"__new__": __new__, "_legacy_dtype": dtype,
                                  "_legacy_device": device_type,
                                  "__doc__": f"Legacy constructor: a {dtype} tensor on "
                                             f"{device_type} (``{name}(2, 3)`` or "
                                             f"``{name}([1, 2])``)."})
