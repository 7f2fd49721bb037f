"""``ember.utils.dlpack``: DLPack capsules, as ``torch.utils.dlpack``.

``to_dlpack(t)`` returns a capsule sharing ``t``'s memory; ``from_dlpack(obj)`` takes a capsule
or any object with ``__dlpack__``/``__dlpack_device__`` and returns a tensor sharing its
memory (it is ``ember.from_dlpack``). A capsule can be consumed once.

Example::

    >>> import ember, torch
    >>> t = ember.arange(4.)
    >>> u = torch.utils.dlpack.from_dlpack(ember.utils.dlpack.to_dlpack(t))
    >>> u[0] = 9.; t[0].item()
    9.0
"""

from __future__ import annotations

import ctypes

from .._ops.interop import from_dlpack

__all__ = ["to_dlpack", "from_dlpack"]


def to_dlpack(tensor):
    """A DLPack capsule (the legacy, unversioned ``"dltensor"`` kind that every consumer
    accepts) viewing ``tensor``'s memory, strides included. The tensor must not require
    grad (export ``tensor.detach()``).

    Shape: any. Example::

        >>> cap = ember.utils.dlpack.to_dlpack(ember.ones(2, 3))
    """
    from .._tensor import Tensor
    if not isinstance(tensor, Tensor):
        raise TypeError(f"to_dlpack: expected an ember Tensor, got {type(tensor).__name__}")
    return tensor.__dlpack__()


# NOTE [capsule device]: a bare capsule does not say where its memory lives, but the DLTensor it
# points to does. We read ``DLTensor.device`` through ctypes (the structs below are DLPack's
# ABI) so ``from_dlpack(capsule)`` can pick the backend, then hand the capsule to the backend
# through a one-shot producer object, the form ``np.from_dlpack``/``cupy.from_dlpack`` accept.

class _DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class _DLTensorHead(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", _DLDevice)]


class _DLManagedVersionedHead(ctypes.Structure):
    # DLPackVersion, manager_ctx, deleter, flags, then the DLTensor
    _fields_ = [("major", ctypes.c_uint32), ("minor", ctypes.c_uint32),
                ("manager_ctx", ctypes.c_void_p), ("deleter", ctypes.c_void_p),
                ("flags", ctypes.c_uint64), ("dl_tensor", _DLTensorHead)]


def _capsule_device(capsule):
    api = ctypes.pythonapi
    api.PyCapsule_GetName.restype = ctypes.c_char_p
    api.PyCapsule_GetName.argtypes = [ctypes.py_object]
    api.PyCapsule_GetPointer.restype = ctypes.c_void_p
    api.PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
    name = api.PyCapsule_GetName(capsule)
    if name in (b"used_dltensor", b"used_dltensor_versioned"):
        raise BufferError("from_dlpack: this DLPack capsule was already consumed (a capsule "
                          "can be imported once); export the array again")
    if name == b"dltensor":
        head = _DLTensorHead.from_address(api.PyCapsule_GetPointer(capsule, name))
    elif name == b"dltensor_versioned":
        head = _DLManagedVersionedHead.from_address(
            api.PyCapsule_GetPointer(capsule, name)).dl_tensor
    else:
        raise TypeError(f"from_dlpack: expected a DLPack capsule ('dltensor' or "
                        f"'dltensor_versioned'), got a capsule named {name!r}")
    return int(head.device.device_type), int(head.device.device_id)


class _CapsuleProducer:
    """Presents a capsule as a one-shot DLPack producer (NOTE [capsule device])."""

    def __init__(self, capsule):
        self._device = _capsule_device(capsule)
        self._capsule = capsule

    def __dlpack_device__(self):
        return self._device

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        cap, self._capsule = self._capsule, None
        if cap is None:
            raise BufferError("from_dlpack: this DLPack capsule was already consumed")
        return cap
