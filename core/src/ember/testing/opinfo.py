"""The declarative op case table.

NOTE [op cases]: each ``OpCase`` names an op, sample inputs described by ``T`` specs (shape,
value range, contiguity, grad flag) and plain arguments, the dtypes to try and whether
gradients (and second derivatives) are checked. Two harnesses run the same table:
``core/tests/test_op_table.py`` compares ember on cpu with PyTorch, values and gradients,
and against central finite differences; ``ember-conformance`` compares any device with
ember's cpu results (a NumPy reference) and finite differences. Case modules live in
``ember/testing/cases/`` and each exposes ``CASES: list[OpCase]``. An argument may also be a
list of ``T`` specs (``cat([T(..), T(..)])``): harnesses build a list of tensors for it (see
``make_inputs``).
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from typing import Any, Callable

from .. import _dtype as D

__all__ = ["T", "OpCase", "all_cases", "make_inputs", "resolve", "tolerance"]

FLOATS = (D.float32, D.float64)


@dataclasses.dataclass(frozen=True)
class T:
    """A sample tensor input.

    ``shape``; ``low``/``high``: value range; ``kind``: "float" (the case's dtype), "int64",
    "bool", "index" (int64 in [0, high)), "pos" (floats in [0.5, high)); ``noncontig``: a
    strided view instead of a contiguous tensor; ``grad``: differentiate w.r.t. it.
    """

    shape: tuple
    low: float | None = None
    high: float | None = None
    kind: str = "float"
    noncontig: bool = False
    grad: bool = True
    dtype: Any = None          # fixed dtype overriding the case dtype


@dataclasses.dataclass
class OpCase:
    """One op sample: ``op`` is a dotted path under ``ember`` (``"add"``, ``"linalg.inv"``)
    or ``"Tensor.<method>"``; ``torch_op`` is the same in torch when it differs.
    ``post``: a function applied to ember and torch outputs alike before comparing
    (e.g. pick values of a (values, indices) pair)."""

    name: str
    op: str
    args: tuple = ()
    kwargs: dict = dataclasses.field(default_factory=dict)
    dtypes: tuple = FLOATS
    grad: bool = True
    gradgrad: bool = False
    torch_op: str | None = None
    rtol: float | None = None
    atol: float | None = None
    post: Callable | None = None
    group: str = ""
    skip_fd: bool = False      # gradient not smooth enough for finite differences

    @property
    def id(self) -> str:
        return f"{self.group}/{self.name}" if self.group else self.name


def tolerance(case: OpCase, dtype) -> tuple[float, float]:
    base = {D.float16: (1e-2, 1e-2), D.bfloat16: (5e-2, 5e-2), D.float32: (1e-4, 1e-5),
            D.float64: (1e-7, 1e-9), D.complex64: (1e-4, 1e-5),
            D.complex128: (1e-7, 1e-9)}.get(dtype, (0.0, 0.0))
    return (case.rtol if case.rtol is not None else base[0],
            case.atol if case.atol is not None else base[1])


def all_cases() -> list[OpCase]:
    """Every case of every module in ``ember.testing.cases``."""
    from . import cases
    out = []
    for info in sorted(pkgutil.iter_modules(cases.__path__), key=lambda i: i.name):
        mod = importlib.import_module(f"{cases.__name__}.{info.name}")
        for c in getattr(mod, "CASES", []):
            if not c.group:
                c.group = info.name
            out.append(c)
    return out


def resolve(root, path: str):
    """``resolve(ember, "linalg.inv")``; ``"Tensor.t"`` gives a function calling the method."""
    if path.startswith("Tensor."):
        name = path.split(".", 1)[1]
        return lambda self, *a, **k: getattr(self, name)(*a, **k)
    obj = root
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def make_inputs(case: OpCase, dtype, seed: int = 0):
    """NumPy arrays (host data) for the case's T specs and the plain args, deterministically.
    Returns a list of (value, spec or None). An argument that is a list/tuple holding T specs
    (``cat([T(..), T(..)])``) gives (list of values, list of specs or None), in order."""
    import numpy as np
    rng = np.random.default_rng(seed)
    out = []
    for a in case.args:
        if isinstance(a, (list, tuple)) and any(isinstance(x, T) for x in a):
            out.append(([_gen(rng, x, dtype) if isinstance(x, T) else x for x in a],
                        [x if isinstance(x, T) else None for x in a]))
            continue
        if not isinstance(a, T):
            out.append((a, None))
            continue
        out.append((_gen(rng, a, dtype), a))
    return out


def _gen(rng, a, dtype):
    """Host data for one T spec."""
    import numpy as np
    d = a.dtype or dtype
    kind = a.kind
    shape = tuple(a.shape)
    big = shape[:-1] + (shape[-1] * 2,) if (a.noncontig and shape) else shape
    if kind == "bool":
        arr = rng.random(big) < 0.5
    elif kind in ("int64", "index"):
        lo = 0 if kind == "index" else int(a.low if a.low is not None else -9)
        hi = int(a.high if a.high is not None else 10)
        arr = rng.integers(lo, hi, size=big, dtype=np.int64)
    else:
        lo = a.low if a.low is not None else (0.5 if kind == "pos" else -2.0)
        hi = a.high if a.high is not None else (2.0 if kind == "pos" else 2.0)
        arr = rng.uniform(lo, hi, size=big)
        if d.is_complex:
            arr = arr + 1j * rng.uniform(lo, hi, size=big)
    if a.noncontig and shape:
        arr = arr[..., ::2]
    return arr
