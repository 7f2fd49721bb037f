"""Registration of public op names on the ``ember`` namespace and on ``Tensor``."""

from __future__ import annotations

from .._tensor import Tensor

EXPORTS: dict[str, object] = {}


def export(*names, method=True, function=True):
    """Decorator: publish ``fn`` as ``ember.<name>`` and ``Tensor.<name>`` for each name
    (the first name is the function's own)."""
    def deco(fn):
        for n in names or (fn.__name__,):
            if function:
                EXPORTS[n] = fn
            if method:
                setattr(Tensor, n, fn)
        return fn
    return deco


def method(name, fn):
    setattr(Tensor, name, fn)
