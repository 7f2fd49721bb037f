"""ember's dtype objects and PyTorch's type-promotion rules.

A dtype is a small immutable singleton: ``ember.float32 is ember.float``. Backends map each
dtype to their own native type; the core only ever talks about these objects.
"""

from __future__ import annotations

__all__ = [
    "dtype", "bool_", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16",
    "float32", "float64", "complex64", "complex128", "ALL_DTYPES", "promote_types",
    "result_type", "get_default_dtype", "set_default_dtype", "can_cast",
]

# category ranks used by promotion: bool < integer < floating < complex
_BOOL, _INT, _FLOAT, _COMPLEX = 0, 1, 2, 3


class dtype:
    """A tensor element type, e.g. ``ember.float32``.

    Attributes: ``itemsize`` (bytes), ``is_floating_point``, ``is_complex``, ``is_signed``.

    Example::

        >>> ember.float32.itemsize
        4
        >>> ember.promote_types(ember.int8, ember.uint8)
        ember.int16
    """

    # is_floating_point / is_complex are plain attributes, not properties: every op reads them
    __slots__ = ("name", "itemsize", "_cat", "is_signed", "_bits", "is_floating_point",
                 "is_complex")
    _by_name: dict[str, "dtype"] = {}

    def __init__(self, name: str, itemsize: int, cat: int, signed: bool):
        self.name = name
        self.itemsize = itemsize
        self._cat = cat
        self.is_signed = signed
        self._bits = itemsize * 8
        self.is_floating_point = cat == _FLOAT
        self.is_complex = cat == _COMPLEX
        dtype._by_name[name] = self

    def to_real(self) -> "dtype":
        """The real dtype of a complex dtype (``complex64 -> float32``); itself otherwise."""
        return {complex64: float32, complex128: float64}.get(self, self)

    def to_complex(self) -> "dtype":
        """The complex dtype with this float precision (``float32 -> complex64``)."""
        return {float16: complex64, bfloat16: complex64, float32: complex64,
                float64: complex128}.get(self, self)

    def __repr__(self) -> str:
        return f"ember.{self.name}"

    def __reduce__(self):
        return (_dtype_from_name, (self.name,))


_PY_TYPES = {}


def canonical(d) -> dtype:
    """An ember dtype from a dtype or a Python type as PyTorch accepts it
    (``bool`` -> bool, ``int`` -> int64, ``float`` -> float64, ``complex`` -> complex128)."""
    if isinstance(d, dtype):
        return d
    hit = _PY_TYPES.get(d) if isinstance(d, type) else None
    if hit is not None:
        return hit
    raise TypeError(f"dtype must be an ember.dtype (e.g. ember.float32) or one of the Python "
                    f"types bool, int, float, complex; got {d!r}")


def _dtype_from_name(name: str) -> dtype:
    return dtype._by_name[name]


bool_ = dtype("bool", 1, _BOOL, False)
uint8 = dtype("uint8", 1, _INT, False)
int8 = dtype("int8", 1, _INT, True)
int16 = dtype("int16", 2, _INT, True)
int32 = dtype("int32", 4, _INT, True)
int64 = dtype("int64", 8, _INT, True)
float16 = dtype("float16", 2, _FLOAT, True)
bfloat16 = dtype("bfloat16", 2, _FLOAT, True)
float32 = dtype("float32", 4, _FLOAT, True)
float64 = dtype("float64", 8, _FLOAT, True)
complex64 = dtype("complex64", 8, _COMPLEX, True)
complex128 = dtype("complex128", 16, _COMPLEX, True)

_PY_TYPES.update({bool: bool_, int: int64, float: float64, complex: complex128})

ALL_DTYPES = (bool_, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64,
              complex64, complex128)

_default = [float32]


def get_default_dtype() -> dtype:
    """The dtype of floating tensors made from Python floats (``float32`` unless changed)."""
    return _default[0]


def set_default_dtype(d: dtype) -> None:
    """Set the default floating dtype; only ``float16``, ``bfloat16``, ``float32``,
    ``float64`` are allowed, as in PyTorch."""
    if not isinstance(d, dtype) or d._cat != _FLOAT:
        raise TypeError(f"set_default_dtype: only floating-point types are supported as the "
                        f"default type, got {d!r}; pass e.g. ember.float64")
    _default[0] = d


def _default_complex() -> dtype:
    return complex128 if _default[0] is float64 else complex64


def _promote_int(a: dtype, b: dtype) -> dtype:
    if a.is_signed == b.is_signed:
        return a if a.itemsize >= b.itemsize else b
    u, s = (a, b) if not a.is_signed else (b, a)
    if s.itemsize > u.itemsize:
        return s
    # uint8 with int8 -> int16 (PyTorch); there are no wider unsigned types here
    return {1: int16, 2: int32, 4: int64, 8: int64}[u.itemsize]


def promote_types(a: dtype, b: dtype) -> dtype:
    """The smallest dtype both ``a`` and ``b`` can be cast to, by PyTorch's table.

    Example: ``promote_types(ember.float16, ember.bfloat16) is ember.float32``.
    """
    if a is b:
        return a
    if a._cat != b._cat:
        hi, lo = (a, b) if a._cat > b._cat else (b, a)
        if hi._cat == _COMPLEX and lo._cat == _FLOAT and lo is float64:
            return complex128
        return hi
    cat = a._cat
    if cat == _INT:
        return _promote_int(a, b)
    if cat == _FLOAT:
        if {a, b} == {float16, bfloat16}:
            return float32
        return a if a.itemsize >= b.itemsize else b
    return a if a.itemsize >= b.itemsize else b


def _scalar_dtype(x) -> dtype:
    """The dtype a Python scalar takes part in promotion with."""
    if isinstance(x, bool):
        return bool_
    if isinstance(x, int):
        return int64
    if isinstance(x, float):
        return _default[0]
    if isinstance(x, complex):
        return _default_complex()
    raise TypeError(f"expected a Tensor or a Python number, got {type(x).__name__}")


def _combine(higher: dtype | None, lower: dtype | None) -> dtype | None:
    # PyTorch's combine_categories: a lower-priority operand only matters when its category
    # is higher than the result so far.
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher._cat == _COMPLEX:
        return higher
    if lower._cat == _COMPLEX:
        if higher._cat == _FLOAT:
            return higher.to_complex()
        return lower
    if higher._cat == _FLOAT:
        return higher
    if higher is bool_ or lower._cat == _FLOAT:
        return promote_types(higher, lower)
    return higher


def result_type(*operands) -> dtype:
    """The dtype of an op's result for tensors, dtypes and Python scalars, PyTorch's rules:
    dimensioned tensors outrank zero-dim tensors, which outrank Python scalars, except
    that a lower-ranked operand of a higher category (int < float < complex) lifts it.

    Example: ``result_type(ember.ones(2, dtype=ember.int32), 2.5) is ember.float32``.
    """
    dim = zero = wrapped = None
    for x in operands:
        d = getattr(x, "_dtype", None)
        if d is not None:
            if x._shape:
                dim = d if dim is None else promote_types(dim, d)
            else:
                zero = d if zero is None else promote_types(zero, d)
        elif isinstance(x, dtype):
            dim = x if dim is None else promote_types(dim, x)
        else:
            s = _scalar_dtype(x)
            wrapped = s if wrapped is None else promote_types(wrapped, s)
    out = _combine(_combine(dim, zero), wrapped)
    if out is None:
        raise TypeError("result_type: expected at least one tensor, dtype or number")
    return out


def can_cast(from_: dtype, to: dtype) -> bool:
    """Whether ``from_`` may be cast to ``to`` under PyTorch's same-kind rule
    (no complex->real, float->int or non-bool->bool)."""
    return from_._cat <= to._cat or (from_._cat == to._cat)
