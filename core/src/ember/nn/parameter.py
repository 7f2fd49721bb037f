"""``Parameter`` and ``Buffer``: the tensor kinds a ``Module`` registers when they are assigned
as attributes.

A ``Parameter`` is a ``Tensor`` subclass that shares the storage of the data it wraps and
requires grad by default; ``Module.__setattr__`` registers it in ``_parameters``. A ``Buffer``
marks a tensor to be registered in ``_buffers`` (as PyTorch 2.x's ``nn.Buffer``); it is a plain
tensor carrying the mark, and ``isinstance(t, Buffer)`` tests the mark.
"""

from __future__ import annotations

from collections import OrderedDict

from .._tensor import Tensor

__all__ = ["Parameter", "Buffer"]


class Parameter(Tensor):
    """A tensor that is a module parameter.

    Assigning a ``Parameter`` as an attribute of a ``Module`` adds it to the module's
    ``parameters()``. It shares storage with ``data`` (no copy) and requires grad unless
    ``requires_grad=False``. Results of operations on a parameter are plain tensors.

    Args:
        data (Tensor, optional): the tensor to wrap. Default: an empty float tensor.
        requires_grad (bool): whether the parameter requires gradient. Default: ``True``.

    Shape: that of ``data``.

    Example::

        >>> w = ember.nn.Parameter(ember.ones(2))
        >>> w
        Parameter containing:
        tensor([1., 1.], requires_grad=True)
        >>> (w * 3).sum().backward(); w.grad
        tensor([3., 3.])
    """

    _is_param = True

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from .._creation import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): data must be a Tensor, got {type(data).__name__}; "
                            f"wrap it first, e.g. Parameter(ember.tensor(data))")
        t = data._alias()._as_subclass(cls)
        t.requires_grad = requires_grad
        return t

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        new = super().__deepcopy__(memo)
        if type(new) is not type(self):
            new = new._as_subclass(type(self))
        memo[id(self)] = new
        return new

    def __reduce_ex__(self, proto):
        return (_rebuild_parameter, (self.data, self.requires_grad, OrderedDict()))


def _rebuild_parameter(data, requires_grad, hooks):
    return Parameter(data, requires_grad)


class _BufferMeta(type):
    # isinstance(t, Buffer) is True for tensors marked by Buffer(...) (they stay plain tensors)
    def __instancecheck__(cls, obj):
        if cls is Buffer:
            return isinstance(obj, Tensor) and obj.__dict__.get("_is_buffer", False)
        return super().__instancecheck__(obj)


class Buffer(metaclass=_BufferMeta):
    """Marks a tensor as a module buffer: assigned as an attribute of a ``Module``, it is
    registered with ``register_buffer`` (saved in ``state_dict`` unless
    ``persistent=False``). The result is a tensor sharing ``data``'s storage, detached, with the
    same ``requires_grad``.

    Args:
        data (Tensor, optional): the buffer's value. Default: an empty float tensor.
        persistent (bool): whether the buffer is part of the module's ``state_dict``.
            Default: ``True``.

    Example::

        >>> m = ember.nn.Module()
        >>> m.running = ember.nn.Buffer(ember.zeros(3))
        >>> list(m.state_dict())
        ['running']
    """

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            from .._creation import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Buffer(): data must be a Tensor, got {type(data).__name__}")
        t = data.detach()
        if data.requires_grad:
            t.requires_grad_(True)
        t.__dict__["_is_buffer"] = True
        t.__dict__["persistent"] = bool(persistent)
        return t
