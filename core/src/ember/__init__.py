"""ember: a pure-Python deep-learning library with PyTorch's programming model.

``import ember`` gives tensors (storage, strides, views), dtypes, devices, define-by-run
autograd, and the namespaces ``ember.nn``, ``ember.optim``, ``ember.utils.data``,
``ember.datasets`` that plugins fill on first use. Devices come from backend plugins
(``ember-numpy`` provides ``"cpu"``).
"""

from __future__ import annotations

import importlib as _importlib

__version__ = "0.1.0"

from . import _dtype
from ._dtype import (dtype, uint8, int8, int16, int32, int64, float16, bfloat16, float32,
                     float64, complex64, complex128, promote_types, result_type,
                     get_default_dtype, set_default_dtype, can_cast)
from ._device import device, get_default_device, set_default_device
from ._plugins import plugins, register_plugin
from .hookspecs import hookimpl
from ._size import Size
from ._tensor import Tensor, TypedStorage, UntypedStorage
from . import autograd
from .autograd import (no_grad, enable_grad, set_grad_enabled, inference_mode,
                       is_grad_enabled, is_inference_mode_enabled)
from ._creation import (tensor, as_tensor, asarray, from_numpy, zeros, ones, full, empty, eye,
                        arange, range, linspace, logspace, zeros_like, ones_like, full_like,
                        empty_like, empty_strided, scalar_tensor, complex, polar)
from .random import (Generator, manual_seed, seed, initial_seed, get_rng_state, set_rng_state,
                     default_generator, rand, randn, randint, randperm, normal, rand_like,
                     randn_like, randint_like, bernoulli, multinomial)
from ._repr import set_printoptions
from ._ops import core as _core_ops, elementwise as _elementwise, basic as _basic  # noqa: F401
from ._ops._reg import EXPORTS as _EXPORTS
from ._ops.core import broadcast_shapes
from ._legacy import LEGACY as _LEGACY, make_legacy_type as _make_legacy_type

bool = _dtype.bool_  # noqa: A001  (ember.bool, as torch.bool)
float = float32  # noqa: A001
double = float64
half = float16
int = int32  # noqa: A001
long = int64
short = int16
cfloat = complex64
cdouble = complex128
chalf = None
del chalf

for _n in _LEGACY:
    globals()[_n] = _make_legacy_type(_n, "cpu")


def _load_op_modules():
    # the op library beyond the core set: every module in ember/_ops registers its names
    import pkgutil
    from . import _ops
    for info in pkgutil.iter_modules(_ops.__path__):
        if not info.name.startswith("_"):
            _importlib.import_module(f"._ops.{info.name}", __name__)


_load_op_modules()
globals().update({k: v for k, v in _EXPORTS.items() if k not in globals() or k in (
    "abs", "round", "pow", "sum", "max", "min", "all", "any", "complex")})


def is_tensor(obj) -> bool:
    """True for ember tensors."""
    return isinstance(obj, Tensor)


def is_floating_point(input) -> bool:
    return input.dtype.is_floating_point


def is_complex(input) -> bool:
    return input.dtype.is_complex


def numel(input) -> int:
    return input.numel()


def is_nonzero(input) -> bool:
    if input.numel() != 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input.item())


def typename(obj) -> str:
    return obj.type() if isinstance(obj, Tensor) else type(obj).__name__


_LAZY_SUBMODULES = {"nn", "optim", "utils", "datasets", "transforms", "cuda", "linalg", "fft",
                    "serialization", "backend", "testing", "special", "distributed",
                    "array_api", "hub", "jit", "amp", "backends", "overrides", "types",
                    "multiprocessing", "profiler", "distributions", "func", "library"}


def __getattr__(name):
    if name in _LAZY_SUBMODULES:
        try:
            return _importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                raise AttributeError(f"module 'ember' has no attribute {name!r}") from None
            raise
    if name in ("save", "load"):
        return getattr(_importlib.import_module(".serialization", __name__), name)
    raise AttributeError(f"module 'ember' has no attribute {name!r}")
