"""Reading ``torch.save`` zip checkpoints without torch, safely.

The pickle inside a PyTorch checkpoint names a few torch functions and classes to rebuild
tensors. A restricted unpickler maps exactly those names to ember's own rebuild functions and
refuses every other global (with ``weights_only=True``), so no code from the file runs.
"""

from __future__ import annotations

import collections
import pickle

from . import _dtype as D

_STORAGE_DTYPES = {
    "FloatStorage": D.float32, "DoubleStorage": D.float64, "HalfStorage": D.float16,
    "BFloat16Storage": D.bfloat16, "LongStorage": D.int64, "IntStorage": D.int32,
    "ShortStorage": D.int16, "CharStorage": D.int8, "ByteStorage": D.uint8,
    "BoolStorage": D.bool_, "ComplexFloatStorage": D.complex64,
    "ComplexDoubleStorage": D.complex128,
}
_DTYPE_NAMES = {"float32": D.float32, "float": D.float32, "float64": D.float64,
                "double": D.float64, "float16": D.float16, "half": D.float16,
                "bfloat16": D.bfloat16, "int64": D.int64, "long": D.int64, "int32": D.int32,
                "int": D.int32, "int16": D.int16, "short": D.int16, "int8": D.int8,
                "uint8": D.uint8, "bool": D.bool_, "complex64": D.complex64,
                "cfloat": D.complex64, "complex128": D.complex128, "cdouble": D.complex128}


class _StorageType:
    def __init__(self, dtype):
        self.dtype = dtype


class _LoadedStorage:
    def __init__(self, storage):
        self.storage = storage


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
    from .serialization import _tensor_on
    t = _tensor_on(storage.storage, tuple(size), tuple(stride), storage_offset,
                   storage.storage.dtype)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _rebuild_parameter(data, requires_grad, backward_hooks, *args):
    from .nn.parameter import Parameter
    return Parameter(data, requires_grad=requires_grad)


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    return _rebuild_parameter(data, requires_grad, backward_hooks)


class _TorchDtype:
    def __init__(self, name):
        self.dtype = _DTYPE_NAMES.get(name)


_ALLOWED = {
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter_with_state,
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "slice"): slice,
}


def load_torch_zip(z, pkl_name, map_dev, weights_only, name):
    prefix = pkl_name[: -len("data.pkl")]
    cache = {}

    class U(pickle.Unpickler):
        def find_class(self, module, cls):
            if (module, cls) in _ALLOWED:
                return _ALLOWED[(module, cls)]
            if module == "torch" and cls in _STORAGE_DTYPES:
                return _StorageType(_STORAGE_DTYPES[cls])
            if module == "torch" and cls == "UntypedStorage":
                return _StorageType(D.uint8)
            if module == "torch" and cls in _DTYPE_NAMES:
                return _TorchDtype(cls)
            if not weights_only:
                return super().find_class(module, cls)
            raise pickle.UnpicklingError(
                f"load: {name!r} refers to {module}.{cls}, which a weights-only load does not "
                f"allow (it could run code). Pass weights_only=False only if you trust the "
                f"file's source.")

        def persistent_load(self, pid):
            if not (isinstance(pid, tuple) and pid and pid[0] == "storage"):
                raise pickle.UnpicklingError(f"load: {name!r}: unsupported persistent id {pid!r}")
            _, stype, key, location, numel = pid[:5]
            dtype = stype.dtype if isinstance(stype, _StorageType) else D.uint8
            hit = cache.get(key)
            if hit is None:
                from .serialization import _make_storage
                raw = z.read(f"{prefix}data/{key}")
                dev = map_dev("cpu" if str(location).startswith("cpu") else str(location))
                hit = _LoadedStorage(_make_storage(dtype, raw, dev))
                cache[key] = hit
            return hit

    with z.open(pkl_name) as fh:
        return U(fh).load()
