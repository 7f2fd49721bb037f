"""Interchange with other array libraries: the DLPack protocol (``Tensor.__dlpack__``,
``Tensor.__dlpack_device__``, ``ember.from_dlpack``), ``Tensor.__array__`` (``np.asarray``),
``Tensor.__array_namespace__`` (the Python Array API) and ``Tensor.to_device``.

NOTE [dlpack in the core]: the core never touches another library's arrays. Export asks the
tensor's backend for a capsule of its native strided view (``Backend.to_dlpack``); import asks
the backend whose ``dlpack_device_type`` matches the producer's ``__dlpack_device__()`` for a
flat buffer aliasing the producer's memory (``Backend.from_dlpack``) and builds a tensor that
views it, exactly as ``ember.from_numpy`` does. Both directions share memory: a write on one
side is seen on the other. See NOTE [dlpack exchange] in ``ember.backend``.
"""

from __future__ import annotations

from .._device import device as _device
from .._tensor import Tensor, TypedStorage, _backend_for
from ._reg import export, method

__all__ = ["from_dlpack", "DLPACK_DEVICE_NAMES"]

#: DLPack ``DLDeviceType`` codes and the ember device type that usually serves them
DLPACK_DEVICE_NAMES = {1: "cpu", 2: "cuda", 3: "cpu", 4: "opencl", 7: "vulkan", 8: "metal",
                       9: "vpi", 10: "rocm", 11: "cpu", 12: "ext_dev", 13: "cuda",
                       14: "oneapi", 15: "webgpu", 16: "hexagon", 17: "maia"}
_CODE_LABEL = {1: "kDLCPU", 2: "kDLCUDA", 3: "kDLCUDAHost", 4: "kDLOpenCL", 7: "kDLVulkan",
               8: "kDLMetal", 9: "kDLVPI", 10: "kDLROCM", 11: "kDLROCMHost", 12: "kDLExtDev",
               13: "kDLCUDAManaged", 14: "kDLOneAPI", 15: "kDLWebGPU", 16: "kDLHexagon",
               17: "kDLMAIA"}
_API_VERSIONS = ("2021.12", "2022.12", "2023.12", "2024.12")


def _code_of(be):
    code = getattr(be, "dlpack_device_type", None)
    if code is None:
        raise BufferError(f"the {be.name!r} backend ({type(be).__module__}) declares no DLPack "
                          f"device type (Backend.dlpack_device_type), so its tensors cannot be "
                          f"exchanged through DLPack; copy to cpu first: t.cpu()")
    return int(code)


# -- export ---------------------------------------------------------------------------------

def _dlpack_device(self):
    """``(device_type, device_id)`` in DLPack's codes: ``(1, 0)`` for cpu, ``(2, i)`` for
    ``cuda:i``.

    Example::

        >>> ember.zeros(2).__dlpack_device__()
        (1, 0)
    """
    st = self._storage
    i = st.device.index
    return (_code_of(st._be), 0 if i is None else i)


def _dlpack(self, *, stream=None, max_version=None, dl_device=None, copy=None):
    """Export this tensor as a DLPack capsule that shares its memory (strides included), for
    ``np.from_dlpack``, ``torch.from_dlpack``, ``cupy.from_dlpack``, ...

    ``stream``: the consumer's stream (CUDA), passed to the backend. ``max_version``: the
    highest DLPack version the consumer understands. ``dl_device``: the device the consumer
    wants the data on; a different device than the tensor's makes a copy (``BufferError``
    with ``copy=False``). ``copy=True`` exports a copy. A tensor that requires grad raises
    ``BufferError`` (export ``t.detach()``), as in PyTorch.

    Example::

        >>> t = ember.arange(6.).reshape(2, 3)
        >>> a = np.from_dlpack(t.t())          # a (3, 2) view, strides (1, 3) in elements
        >>> a[0, 0] = 7.; t[0, 0].item()
        7.0
    """
    if self._rg:
        raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
    t = self
    own = _dlpack_device(self)
    if dl_device is not None and (int(dl_device[0]), int(dl_device[1])) != own:
        if copy is False:
            raise BufferError(f"__dlpack__: dl_device={tuple(dl_device)} differs from the "
                              f"tensor's device {self.device} {own} and copy=False forbids the "
                              f"copy; move it first with .to(...) or allow a copy")
        t = self.to(_ember_device(int(dl_device[0]), int(dl_device[1]), "__dlpack__"))
    elif copy:
        t = self.clone()
    be = t._storage._be
    fn = getattr(be, "to_dlpack", None)
    if fn is None:
        raise BufferError(f"__dlpack__: the {be.name!r} backend ({type(be).__module__}) has no "
                          f"to_dlpack, so its tensors cannot be exported; copy to cpu first: "
                          f"t.cpu()")
    t._buffer()          # materialise: the capsule must alias the storage every view shares
    return fn(t._data, stream=stream, max_version=max_version)


method("__dlpack__", _dlpack)
method("__dlpack_device__", _dlpack_device)


# -- import ---------------------------------------------------------------------------------

def _ember_device(code, index, op):
    """The ember device that holds DLPack memory of device type ``code``."""
    name = DLPACK_DEVICE_NAMES.get(code)
    label = f"{code} ({_CODE_LABEL.get(code, 'unknown')}), index {index}"
    errors = []
    if name is not None:
        try:
            be, _ = _backend_for(name)
            if getattr(be, "dlpack_device_type", None) == code or (name == "cpu" and code in
                                                                 (3, 11)):
                return _device(name, None if name == "cpu" else index)
        except RuntimeError as exc:     # installed but unavailable, or not installed
            errors.append(str(exc))
    from .._plugins import registry
    for dev_type in registry().device_types():   # a third party's device with its own code
        if dev_type == name:
            continue
        try:
            be, canon = _backend_for(dev_type)
        except RuntimeError:
            continue
        if getattr(be, "dlpack_device_type", None) == code:
            return _device(dev_type, None if canon.index is None else index)
    why = f" ({errors[0]})" if errors else ""
    hint = {"cuda": "install ember-cupy with a CUDA GPU"}.get(name, "install an ember backend "
                                                                   "plugin for that device")
    raise BufferError(f"{op}: the data lives on DLPack device type {label}, and no installed "
                      f"ember backend handles it{why}; {hint}, or copy the data to host memory "
                      f"on the producer's side first")


def _is_capsule(obj):
    return type(obj).__name__ == "PyCapsule"


def _wrap_shared(be, dev, buf, shape, strides, offset):
    st = TypedStorage._new(be, dev, be.ember_dtype(buf.dtype), buf=buf)
    t = object.__new__(Tensor)
    d = t.__dict__
    d["_storage"] = st
    d["_shape"] = tuple(shape)
    d["_dtype"] = st.dtype
    d["_stride"] = tuple(strides)
    d["_offset"] = offset
    d["_data"] = be.view(buf, tuple(shape), tuple(strides), offset)
    st._track(t)
    return t


@export("from_dlpack", method=False)
def from_dlpack(ext_tensor, *, device=None, copy=None):
    """A tensor sharing memory with ``ext_tensor``: any object with ``__dlpack__`` and
    ``__dlpack_device__`` (a NumPy >= 2 array, a PyTorch/CuPy/JAX array, an ember tensor) or a
    DLPack capsule. No copy is made: writes through either side are seen by the other.

    The device comes from the producer (``kDLCPU`` -> ``cpu``, ``kDLCUDA`` index ``i`` ->
    ``cuda:i``, a plugin's device for its own code); a device no installed backend serves
    raises ``BufferError`` naming it. ``device=`` moves the result (a copy); ``copy=True``
    always copies, ``copy=False`` raises ``ValueError`` when a copy would be needed.

    Shape: that of ``ext_tensor``, strides included. Example::

        >>> a = np.arange(6.).reshape(2, 3)
        >>> t = ember.from_dlpack(a)
        >>> t[0, 0] = 5.; a[0, 0]
        5.0
    """
    if isinstance(ext_tensor, Tensor):
        t = ext_tensor.detach()
    else:
        if _is_capsule(ext_tensor):
            from ..utils.dlpack import _CapsuleProducer
            ext_tensor = _CapsuleProducer(ext_tensor)
        dev_fn = getattr(ext_tensor, "__dlpack_device__", None)
        if dev_fn is None or not hasattr(ext_tensor, "__dlpack__"):
            raise TypeError(f"from_dlpack: expected an object with __dlpack__ and "
                            f"__dlpack_device__ (a NumPy >= 2, PyTorch, CuPy or JAX array) or a "
                            f"DLPack capsule, got {type(ext_tensor).__name__}")
        code, index = dev_fn()
        dev = _ember_device(int(code), int(index), "from_dlpack")
        be, dev = _backend_for(dev)
        imp = getattr(be, "from_dlpack", None)
        if imp is None:
            raise BufferError(f"from_dlpack: the {be.name!r} backend ({type(be).__module__}) has "
                              f"no from_dlpack, so it cannot import DLPack data")
        buf, shape, strides, offset = imp(ext_tensor, dev.index)
        t = _wrap_shared(be, dev, buf, shape, strides, offset)
    if device is not None:
        target = _backend_for(device)[1]
        if target != t.device:
            if copy is False:
                raise ValueError(f"from_dlpack: the data is on {t.device} and device={target} "
                                 f"needs a copy, which copy=False forbids")
            return t.to(target)
    if copy:
        return t.clone()
    return t


# -- NumPy ----------------------------------------------------------------------------------

def _array(self, dtype=None, copy=None):
    """``np.asarray(t)``: the tensor's memory as a NumPy array (no copy for a cpu tensor of a
    NumPy dtype); other devices raise ``TypeError`` saying to call ``.cpu()`` first, and a
    tensor that requires grad raises ``RuntimeError`` (``.detach()`` first), as in PyTorch."""
    if self._rg:
        raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                           "tensor.detach().numpy() instead.")
    st = self._storage
    if st.device.type != "cpu":
        raise TypeError(f"can't convert {st.device} device type tensor to numpy. Use "
                        f"Tensor.cpu() to copy the tensor to host memory first.")
    self._buffer()
    a = st._be.to_host(self._data)
    if dtype is not None and a.dtype != dtype:
        if copy is False:
            raise ValueError(f"__array__: converting {self._dtype} to {dtype} needs a copy, "
                             f"which copy=False forbids")
        return a.astype(dtype)
    if copy:
        return a.copy()
    return a


method("__array__", _array)


# -- the Array API --------------------------------------------------------------------------

def _array_namespace(self, /, *, api_version=None):
    """The Python Array API namespace of ember tensors, :mod:`ember.array_api`
    (``api_version`` one of ``"2021.12"`` ... ``"2024.12"``, or None for the latest)."""
    if api_version is not None and api_version not in _API_VERSIONS:
        raise ValueError(f"__array_namespace__: unsupported api_version {api_version!r}; "
                         f"ember.array_api implements {', '.join(_API_VERSIONS)}")
    from .. import array_api
    return array_api


def _to_device(self, device, /, *, stream=None):
    """This tensor on ``device`` (itself when already there): the Array API's spelling of
    ``.to(device)``. ``stream`` (CUDA devices) makes the copy complete before returning."""
    out = self.to(device)
    if stream is not None:
        st = out._storage
        if st.device.type == "cpu":
            raise ValueError("to_device: stream must be None for the cpu device")
        st._be.synchronize(st.device.index)
    return out


method("__array_namespace__", _array_namespace)
method("to_device", _to_device)


def _reflected_shift(name):
    def fn(self, other):
        from ._reg import EXPORTS
        if isinstance(other, Tensor):
            return EXPORTS[name](other, self)
        if isinstance(other, bool) or not isinstance(other, int):
            return NotImplemented
        from .._creation import full
        left = full((), other, dtype=self._dtype, device=self._storage.device)
        return EXPORTS[name](left, self)
    fn.__name__ = "__rlshift__" if "left" in name else "__rrshift__"
    return fn


# PyTorch has the reflected shifts (``2 << t``); ``@=`` rebinds (no ``__imatmul__``), as there
for _n, _op in (("__rlshift__", "bitwise_left_shift"), ("__rrshift__", "bitwise_right_shift")):
    if _n not in Tensor.__dict__:
        method(_n, _reflected_shift(_op))
