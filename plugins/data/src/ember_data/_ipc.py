"""Moving samples and batches between ``DataLoader`` worker processes and the main process.

NOTE [ipc tensors]: objects cross the process boundary as bytes made by :func:`dumps`, a
pickler that sends every ember tensor as (host copy, dtype, device, requires_grad) and
rebuilds it on the same device in the receiving process. It does not depend on how (or
whether) ``Tensor`` pickles itself, and nothing but plain pickling of the user's own objects
runs in the main process. Failures to send are turned into errors that name the worker.
"""

from __future__ import annotations

import io
import pickle
import sys
import traceback

import ember

__all__ = ["dumps", "loads", "ExceptionWrapper", "StopMarker"]


def _rebuild_tensor(host, dtype_name, device, requires_grad, cls):
    t = ember.tensor(host, dtype=getattr(ember, dtype_name), device=device)
    if cls is not None:
        try:
            t = cls(t)
        except Exception:        # a subclass that cannot wrap a tensor: keep the values
            pass
    if requires_grad:
        t.requires_grad_(True)
    return t


def _reduce_tensor(t):
    if t.grad_fn is not None and t.requires_grad:
        raise RuntimeError(f"cannot send a tensor that is part of an autograd graph (shape "
                           f"{list(t.shape)}, grad_fn={type(t.grad_fn).__name__}) between "
                           f"processes; detach() it first")
    host = t.detach().cpu().numpy()
    cls = None if type(t) is ember.Tensor else type(t)
    return (_rebuild_tensor, (host, t.dtype.name, str(t.device), bool(t.requires_grad), cls))


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj):
        if isinstance(obj, ember.Tensor):
            return _reduce_tensor(obj)
        return NotImplemented


def dumps(obj) -> bytes:
    buf = io.BytesIO()
    _Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return buf.getvalue()


def loads(data: bytes):
    return pickle.loads(data)


class ExceptionWrapper:
    """An exception raised in a worker, carried to the main process and re-raised there
    with the worker's traceback in the message."""

    def __init__(self, exc_info=None, where: str = "in background"):
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def portable(self) -> "ExceptionWrapper":
        """Self, or a copy whose exception type is replaced by RuntimeError when the type
        cannot be pickled (a class defined inside a function, say)."""
        try:
            pickle.dumps(self.exc_type)
            return self
        except Exception:
            other = object.__new__(ExceptionWrapper)
            other.exc_type = RuntimeError
            other.exc_msg = self.exc_msg
            other.where = f"{self.where} (original type {self.exc_type.__qualname__})"
            return other

    def reraise(self):
        msg = (f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}")
        if self.exc_type is KeyError:
            msg = _KeyErrorMessage(msg)
        try:
            exc = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        raise exc


class _KeyErrorMessage(str):
    """KeyError shows repr(message); this keeps the traceback readable."""

    def __repr__(self):
        return self


class StopMarker:
    """An iterable-dataset worker has no more data."""

    def __init__(self, worker_id: int):
        self.worker_id = worker_id
