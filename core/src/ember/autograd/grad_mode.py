"""Grad-mode switches: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``."""

from __future__ import annotations

import functools

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]


class _State:
    grad_enabled = True
    inference = False


STATE = _State


def is_grad_enabled() -> bool:
    """True when ops record a graph for autograd."""
    return _State.grad_enabled


def is_inference_mode_enabled() -> bool:
    return _State.inference


class _Mode:
    """Base: a context manager that is also a function decorator."""

    _value = True

    def __enter__(self):
        self._prev = _State.grad_enabled
        _State.grad_enabled = self._value
        return self

    def __exit__(self, *exc):
        _State.grad_enabled = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_Mode):
    """Context manager / decorator: ops inside record no graph.

    Example::

        >>> with ember.no_grad():
        ...     y = x * 2          # y.requires_grad is False
    """

    _value = False


class enable_grad(_Mode):
    """Context manager / decorator: turn graph recording back on inside ``no_grad``."""

    _value = True


class set_grad_enabled(_Mode):
    """``set_grad_enabled(mode)``: a function that sets grad mode now, and a context manager
    that restores the previous mode on exit."""

    def __init__(self, mode: bool):
        self._prev = _State.grad_enabled
        self._value = bool(mode)
        _State.grad_enabled = self._value

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _State.grad_enabled = self._prev
        return False

    def __call__(self, fn):
        _State.grad_enabled = self._prev
        mode = self._value

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)
        return wrapper


class inference_mode(_Mode):
    """Like ``no_grad`` (ember has no separate inference tensors); ``inference_mode(False)``
    does nothing. Tensors made inside report ``is_inference() == True``."""

    def __init__(self, mode: bool = True):
        self.mode = bool(mode)

    def __enter__(self):
        self._prev = _State.grad_enabled
        self._prev_inf = _State.inference
        if self.mode:
            _State.grad_enabled = False
            _State.inference = True
        return self

    def __exit__(self, *exc):
        _State.grad_enabled = self._prev
        _State.inference = self._prev_inf
        return False

    def __call__(self, fn):
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(mode):
                return fn(*args, **kwargs)
        return wrapper
